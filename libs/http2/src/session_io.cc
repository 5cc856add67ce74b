#include "session_io.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <asio/post.hpp>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/openssl_errors.h"

namespace ntf::http2::internal {
namespace {

// One read loop hands nghttp2 up to this much at once (several TLS records of up to 16 KiB).
constexpr size_t kReadBufferSize = 64 * 1024;
// Frames are gathered into one SSL_write up to about this size.
constexpr size_t kWriteBatchSize = 128 * 1024;
// The write buffer BIO: a batch and its records' overhead, sent at once by FlushTls.
constexpr long kWriteBufferSize = kWriteBatchSize + 16 * 1024;

bool IsWant(int ssl_error) {
  return ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE;
}

}  // namespace

void SslDeleter::operator()(SSL* ssl) const { SSL_free(ssl); }

absl::Status SocketError(std::string_view op, const asio::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset) {
    return absl::UnavailableError(absl::StrCat(std::string(op), ": connection closed by peer"));
  }
  return absl::UnavailableError(absl::StrCat(std::string(op), ": ", ec.message()));
}

SessionIo::SessionIo(asio::io_context& io, Tcp::socket socket)
    : io_(io), socket_(std::move(socket)) {}

SessionIo::~SessionIo() = default;

absl::Status SessionIo::InitTls(SSL_CTX* ctx, Role role) {
  ERR_clear_error();
  SslPtr ssl(SSL_new(ctx));
  if (ssl == nullptr) {
    return absl::InternalError(absl::StrCat("SSL_new: ", crypto::DrainOpenSslErrors()));
  }
  BIO* bio = crypto::NewSocketBio(&bio_);
  if (bio == nullptr) {
    return absl::InternalError(absl::StrCat("socket BIO: ", crypto::DrainOpenSslErrors()));
  }
  // Records are written through a buffer BIO, flushed once per batch (FlushTls): one send of
  // up to ~128 KiB instead of one per 16 KiB record.
  BIO* buffer = BIO_new(BIO_f_buffer());
  if (buffer == nullptr || BIO_set_write_buffer_size(buffer, kWriteBufferSize) != 1 ||
      BIO_up_ref(bio) != 1) {
    BIO_free(buffer);
    BIO_free(bio);
    return absl::InternalError(absl::StrCat("buffer BIO: ", crypto::DrainOpenSslErrors()));
  }
  BIO_push(buffer, bio);
  // Reads straight from the socket; writes through the buffer. Each holds one reference to the
  // socket BIO; the SSL owns both from here on.
  SSL_set_bio(ssl.get(), bio, buffer);
  // Each recv takes as much as OpenSSL's record buffer holds, not a header and then a body.
  // Read() always calls SSL_read until WANT_READ before it waits, so nothing read ahead is
  // left waiting for the socket.
  SSL_set_read_ahead(ssl.get(), 1);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
  }
  ssl_ = std::move(ssl);
  return absl::OkStatus();
}

void SessionIo::Terminate(absl::Status why) {
  if (terminated_) return;
  terminated_ = true;
  termination_status_ = why;
  CancelOperations();
  // A graceful end says close_notify, if the socket takes it now (it never waits). Not while an
  // SSL_write waits: it would have to be finished first.
  if (why.ok() && handshake_complete_ && !write_waiting_ && bio_.fd >= 0) {
    ERR_clear_error();
    (void)SSL_shutdown(ssl_.get());
    (void)BIO_flush(SSL_get_wbio(ssl_.get()));
    ERR_clear_error();
  }
  bio_.fd = -1;  // the SSL can no longer reach the descriptor
  asio::error_code ignored;
  socket_.shutdown(Tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  asio::post(io_, [self = shared_from_this(), why = std::move(why)] { self->OnTerminated(why); });
}

template <typename Then>
void SessionIo::WaitFor(int ssl_error, Then then) {
  socket_.async_wait(
      ssl_error == SSL_ERROR_WANT_WRITE ? Tcp::socket::wait_write : Tcp::socket::wait_read,
      [self = shared_from_this(), then = std::move(then)](const asio::error_code& ec) mutable {
        then(*self, ec);
      });
}

std::string SessionIo::SslErrorText(int ssl_error) {
  return crypto::SocketSslErrorText(ssl_error, bio_);
}

absl::Status SessionIo::SslError(std::string_view op, int ssl_error) {
  return absl::UnavailableError(absl::StrCat(std::string(op), ": ", SslErrorText(ssl_error)));
}

void SessionIo::Handshake(absl::AnyInvocable<void(absl::Status)> done) {
  handshake_done_ = std::move(done);
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) {
    auto finish = std::exchange(handshake_done_, nullptr);
    finish(absl::UnavailableError(absl::StrCat("non-blocking socket: ", ec.message())));
    return;
  }
  bio_.fd = socket_.native_handle();
  ContinueHandshake();
}

void SessionIo::ContinueHandshake() {
  absl::Status result;
  if (terminated_) {
    result =
        termination_status_.ok() ? absl::CancelledError("connection closed") : termination_status_;
  } else {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_.get());
    if (r == 1) {
      handshake_complete_ = true;
    } else {
      const int error = SSL_get_error(ssl_.get(), r);
      if (IsWant(error)) {
        WaitFor(error, [](SessionIo& self, const asio::error_code& ec) {
          if (ec && !self.terminated_) {
            auto finish = std::exchange(self.handshake_done_, nullptr);
            finish(SocketError("TLS handshake", ec));
            return;
          }
          self.ContinueHandshake();
        });
        return;
      }
      result = absl::UnavailableError(SslErrorText(error));
    }
  }
  auto finish = std::exchange(handshake_done_, nullptr);
  finish(std::move(result));
}

void SessionIo::StartIo() {
  if (io_started_) return;
  io_started_ = true;
  read_buffer_.resize(kReadBufferSize);
  Read();
  Flush();
}

void SessionIo::SetPaused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  if (!paused_ && io_started_) {
    Read();
    Flush();
  }
}

void SessionIo::Read() {
  while (!terminated_ && !paused_ && !read_waiting_ && io_started_) {
    // Fill the buffer with as many records as are there, then hand them to nghttp2 at once.
    size_t filled = 0;
    int error = SSL_ERROR_NONE;
    while (filled < read_buffer_.size()) {
      ERR_clear_error();
      size_t n = 0;
      if (SSL_read_ex(ssl_.get(), read_buffer_.data() + filled, read_buffer_.size() - filled, &n) !=
          1) {
        error = SSL_get_error(ssl_.get(), 0);
        break;
      }
      filled += n;
    }
    if (filled > 0) {
      OnBytesRead();
      const ssize_t rv = nghttp2_session_mem_recv(session_.get(), read_buffer_.data(), filled);
      if (terminated_) return;  // a callback ended the connection
      if (rv < 0) {
        Terminate(absl::UnavailableError(
            absl::StrCat("HTTP/2 error on receive: ", nghttp2_strerror(static_cast<int>(rv)))));
        return;
      }
    }
    if (error != SSL_ERROR_NONE && !IsWant(error)) {
      Terminate(SslError("read", error));
      return;
    }
    Flush();
    if (error == SSL_ERROR_NONE) continue;  // the buffer filled up: more may be there
    if (terminated_ || paused_) return;
    WaitThen(error, &SessionIo::read_waiting_, "read", &SessionIo::Read);
    return;
  }
}

void SessionIo::ScheduleFlush() {
  if (flush_scheduled_ || terminated_) return;
  flush_scheduled_ = true;
  asio::post(io_, [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->Flush();
  });
}

void SessionIo::Flush() {
  if (terminated_ || write_waiting_ || paused_ || session_ == nullptr || !io_started_) return;
  for (;;) {
    if (write_offset_ == write_buffer_.size()) {
      write_buffer_.clear();
      write_offset_ = 0;
      while (write_buffer_.size() < kWriteBatchSize) {
        const uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_.get(), &data);
        if (terminated_) return;
        if (n < 0) {
          Terminate(absl::InternalError(
              absl::StrCat("HTTP/2 error on send: ", nghttp2_strerror(static_cast<int>(n)))));
          return;
        }
        if (n == 0) break;
        // `data` is valid only until the next mem_send call.
        write_buffer_.insert(write_buffer_.end(), data, data + n);
      }
      if (write_buffer_.empty()) {
        // Records an SSL_read wrote (a TLS 1.3 KeyUpdate answer) may wait in the buffer BIO.
        if (!FlushTls()) return;
        if (nghttp2_session_want_read(session_.get()) == 0 &&
            nghttp2_session_want_write(session_.get()) == 0) {
          Terminate(absl::OkStatus());  // GOAWAY exchanged and no stream left
        }
        return;
      }
    }
    if (!WriteBuffered()) return;
  }
}

bool SessionIo::WriteBuffered() {
  while (write_offset_ < write_buffer_.size()) {
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE one call writes the whole batch as full records.
    // After WANT_WRITE it is retried with the same buffer and length, as OpenSSL requires:
    // nothing touches write_buffer_ while write_waiting_.
    ERR_clear_error();
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), write_buffer_.data() + write_offset_,
                     write_buffer_.size() - write_offset_, &n) == 1) {
      write_offset_ += n;
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), 0);
    if (!IsWant(error)) {
      Terminate(SslError("write", error));
      return false;
    }
    WaitThen(error, &SessionIo::write_waiting_, "write", &SessionIo::Flush);
    return false;
  }
  return FlushTls();
}

bool SessionIo::FlushTls() {
  BIO* wbio = SSL_get_wbio(ssl_.get());
  if (BIO_wpending(wbio) == 0) return true;
  ERR_clear_error();
  if (BIO_flush(wbio) > 0) return true;
  if (!BIO_should_retry(wbio)) {
    Terminate(SslError("write", SSL_ERROR_SYSCALL));
    return false;
  }
  WaitThen(SSL_ERROR_WANT_WRITE, &SessionIo::write_waiting_, "write", &SessionIo::Flush);
  return false;
}

void SessionIo::WaitThen(int ssl_error, bool SessionIo::*waiting, const char* op,
                         void (SessionIo::*then)()) {
  this->*waiting = true;
  WaitFor(ssl_error, [waiting, op, then](SessionIo& self, const asio::error_code& ec) {
    self.*waiting = false;
    if (self.terminated_) return;
    if (ec) {
      self.Terminate(SocketError(op, ec));
      return;
    }
    (self.*then)();
  });
}

}  // namespace ntf::http2::internal
