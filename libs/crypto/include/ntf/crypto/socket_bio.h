#pragma once

// A BIO over a non-blocking TCP socket owned by someone else (an Asio socket), for OpenSSL
// driven on the socket directly (libs/tls, libs/http2). It holds no buffer: OpenSSL reads each
// record straight from the kernel and writes it straight to it. Writes use send(MSG_NOSIGNAL),
// so a peer that reset the connection gives EPIPE instead of raising SIGPIPE (OpenSSL's own
// fd BIO uses write(2)).

#include <openssl/types.h>

#include <string>

namespace ntf::crypto {

// The state of one socket BIO. The descriptor belongs to the caller, who sets `fd` once it is
// connected and -1 before closing it, after which the BIO fails with EBADF rather than touch a
// reused descriptor. Read and written only on the thread that drives the SSL.
struct SocketBioState {
  int fd = -1;
  int last_errno = 0;  // of the last failed recv/send
  bool eof = false;    // recv returned 0: the peer closed its side
};

// A new socket BIO on `state` (one reference, owned by the caller; SSL_set_bio(ssl, bio, bio)
// hands it to an SSL). Null if OpenSSL fails; its error queue says why. `state` must outlive
// the BIO. Never closes the descriptor.
BIO* NewSocketBio(SocketBioState* state);

// Why an SSL call on a socket BIO failed (`ssl_error` from SSL_get_error, not WANT_*), for a
// status message: "connection closed by peer" for a close_notify, an EOF (OpenSSL 3 reports
// one as SSL_ERROR_SSL, "unexpected eof while reading": the BIO knows) or a reset; else
// OpenSSL's reasons; else errno's text. Empties this thread's OpenSSL error queue.
std::string SocketSslErrorText(int ssl_error, const SocketBioState& state);

}  // namespace ntf::crypto
