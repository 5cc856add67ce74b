// A BIO over a non-blocking TCP socket owned by someone else (see socket_bio.h).

#include "ntf/crypto/socket_bio.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <system_error>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/openssl_errors.h"

namespace ntf::crypto {
namespace {

SocketBioState* StateOf(BIO* bio) { return static_cast<SocketBioState*>(BIO_get_data(bio)); }

// The start of a read or write: clears the retry flags and the count, and returns the BIO's
// state, or null (last_errno EBADF) when it has no descriptor.
SocketBioState* Begin(BIO* bio, size_t* count) {
  BIO_clear_retry_flags(bio);
  *count = 0;
  SocketBioState* s = StateOf(bio);
  if (s != nullptr && s->fd < 0) s->last_errno = EBADF;
  return s != nullptr && s->fd >= 0 ? s : nullptr;
}

int SocketRead(BIO* bio, char* out, size_t len, size_t* read) {
  SocketBioState* s = Begin(bio, read);
  if (s == nullptr) return 0;
  ssize_t n;
  do {
    n = ::recv(s->fd, out, len, 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    *read = static_cast<size_t>(n);
    return 1;
  }
  if (n == 0) {
    s->eof = true;  // BIO_CTRL_EOF reports it; OpenSSL then calls it an unexpected EOF
    return 0;
  }
  s->last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
  return 0;
}

int SocketWrite(BIO* bio, const char* in, size_t len, size_t* written) {
  SocketBioState* s = Begin(bio, written);
  if (s == nullptr) return 0;
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a peer that reset the connection must give EPIPE, not kill the process.
    n = ::send(s->fd, in, len, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  s->last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
  return 0;
}

long SocketCtrl(BIO* bio, int cmd, long, void* ptr) {
  SocketBioState* s = StateOf(bio);
  switch (cmd) {
    case BIO_CTRL_FLUSH:  // nothing is buffered
      return 1;
    case BIO_CTRL_EOF:
      return s != nullptr && s->eof ? 1 : 0;
    case BIO_C_GET_FD:  // SSL_get_fd, for diagnostics
      if (s == nullptr) return -1;
      if (ptr != nullptr) *static_cast<int*>(ptr) = s->fd;
      return s->fd;
    default:  // no KTLS, no pending data, no push/pop
      return 0;
  }
}

int SocketCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int SocketDestroy(BIO* bio) {
  BIO_set_data(bio, nullptr);  // never closes the descriptor: the Asio socket owns it
  return 1;
}

// Created once; lives for the process (OpenSSL keeps no reference to free).
const BIO_METHOD* SocketBioMethod() {
  static const BIO_METHOD* const method = [] {
    const int index = BIO_get_new_index();
    if (index == -1) return static_cast<BIO_METHOD*>(nullptr);
    BIO_METHOD* m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "ntf socket");
    if (m == nullptr || BIO_meth_set_read_ex(m, SocketRead) != 1 ||
        BIO_meth_set_write_ex(m, SocketWrite) != 1 || BIO_meth_set_ctrl(m, SocketCtrl) != 1 ||
        BIO_meth_set_create(m, SocketCreate) != 1 || BIO_meth_set_destroy(m, SocketDestroy) != 1) {
      BIO_meth_free(m);
      return static_cast<BIO_METHOD*>(nullptr);
    }
    return m;
  }();
  return method;
}

}  // namespace

BIO* NewSocketBio(SocketBioState* state) {
  const BIO_METHOD* method = SocketBioMethod();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio != nullptr) BIO_set_data(bio, state);
  return bio;
}

std::string SocketSslErrorText(int ssl_error, const SocketBioState& state) {
  std::string errors = DrainOpenSslErrors();
  if (ssl_error == SSL_ERROR_ZERO_RETURN || state.eof ||
      (ssl_error == SSL_ERROR_SYSCALL &&
       (state.last_errno == 0 || state.last_errno == ECONNRESET))) {
    return "connection closed by peer";
  }
  if (!errors.empty()) return errors;
  if (ssl_error == SSL_ERROR_SYSCALL) return std::system_category().message(state.last_errno);
  return absl::StrCat("SSL error ", ssl_error);
}

}  // namespace ntf::crypto
