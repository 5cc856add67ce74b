#include "session_io.h"

#include <asio/post.hpp>
#include <asio/ssl/error.hpp>
#include <asio/write.hpp>
#include <string>

#include "absl/strings/str_cat.h"

namespace ntf::http2::internal {
namespace {

// Reads hand nghttp2 up to this much at once; TLS records are at most 16 KiB anyway.
constexpr size_t kReadBufferSize = 64 * 1024;
// Frames are gathered into one write up to about this size.
constexpr size_t kWriteBatchSize = 128 * 1024;

}  // namespace

absl::Status SocketError(std::string_view op, const asio::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset) {
    return absl::UnavailableError(absl::StrCat(std::string(op), ": connection closed by peer"));
  }
  return absl::UnavailableError(absl::StrCat(std::string(op), ": ", ec.message()));
}

SessionIo::SessionIo(asio::io_context& io) : io_(io) {}

SessionIo::~SessionIo() = default;

void SessionIo::Terminate(absl::Status why) {
  if (terminated_) return;
  terminated_ = true;
  termination_status_ = why;
  CancelOperations();
  if (stream_ != nullptr) {
    asio::error_code ignored;
    stream_->lowest_layer().shutdown(Tcp::socket::shutdown_both, ignored);
    stream_->lowest_layer().close(ignored);
  }
  asio::post(io_, [self = shared_from_this(), why = std::move(why)] { self->OnTerminated(why); });
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
  if (terminated_ || paused_ || reading_) return;
  reading_ = true;
  stream_->async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void SessionIo::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (terminated_) return;
  if (ec) {
    Terminate(SocketError("read", ec));
    return;
  }
  OnBytesRead();
  const ssize_t rv = nghttp2_session_mem_recv(session_.get(), read_buffer_.data(), n);
  if (terminated_) return;  // a callback ended the connection
  if (rv < 0) {
    Terminate(absl::UnavailableError(
        absl::StrCat("HTTP/2 error on receive: ", nghttp2_strerror(static_cast<int>(rv)))));
    return;
  }
  Flush();
  Read();
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
  if (terminated_ || writing_ || paused_ || session_ == nullptr || !io_started_) return;
  write_buffer_.clear();
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
    if (nghttp2_session_want_read(session_.get()) == 0 &&
        nghttp2_session_want_write(session_.get()) == 0) {
      Terminate(absl::OkStatus());  // GOAWAY exchanged and no stream left
    }
    return;
  }
  writing_ = true;
  asio::async_write(
      *stream_, asio::buffer(write_buffer_),
      [self = shared_from_this()](const asio::error_code& ec, size_t) { self->OnWritten(ec); });
}

void SessionIo::OnWritten(const asio::error_code& ec) {
  writing_ = false;
  if (terminated_) return;
  if (ec) {
    Terminate(SocketError("write", ec));
    return;
  }
  Flush();
}

}  // namespace ntf::http2::internal
