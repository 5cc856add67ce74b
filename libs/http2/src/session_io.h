#pragma once

// One TLS connection carrying one nghttp2 session, pumped by Asio: the read loop feeds
// nghttp2_session_mem_recv, Flush() drains nghttp2_session_mem_send into batched async writes.
// Base of the client connection and the server session. Private to libs/http2.
//
// Lives on one io_context; every method runs on its thread. Owned through shared_ptr: each
// outstanding asynchronous operation holds a reference, so the object outlives its handlers.
// Terminate() closes the socket at once (outstanding operations complete as aborted) and posts
// OnTerminated() exactly once, so it is safe inside nghttp2 callbacks.

#include <nghttp2/nghttp2.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"

namespace ntf::http2::internal {

using Tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<Tcp::socket>;

struct NghttpSessionDeleter {
  void operator()(nghttp2_session* s) const { nghttp2_session_del(s); }
};
using NghttpSessionPtr = std::unique_ptr<nghttp2_session, NghttpSessionDeleter>;

struct NghttpCallbacksDeleter {
  void operator()(nghttp2_session_callbacks* c) const { nghttp2_session_callbacks_del(c); }
};
using NghttpCallbacksPtr = std::unique_ptr<nghttp2_session_callbacks, NghttpCallbacksDeleter>;

struct NghttpOptionDeleter {
  void operator()(nghttp2_option* o) const { nghttp2_option_del(o); }
};
using NghttpOptionPtr = std::unique_ptr<nghttp2_option, NghttpOptionDeleter>;

class SessionIo : public std::enable_shared_from_this<SessionIo> {
 public:
  explicit SessionIo(asio::io_context& io);
  virtual ~SessionIo();
  SessionIo(const SessionIo&) = delete;
  SessionIo& operator=(const SessionIo&) = delete;

  // Closes the socket now and posts OnTerminated(why) once. OK means a graceful end (GOAWAY
  // exchanged, nothing left to do). The first call wins; later ones do nothing.
  void Terminate(absl::Status why);
  bool terminated() const { return terminated_; }
  const absl::Status& termination_status() const { return termination_status_; }

 protected:
  asio::io_context& io() { return io_; }
  TlsStream* stream() const { return stream_.get(); }
  void set_stream(std::shared_ptr<TlsStream> stream) { stream_ = std::move(stream); }
  nghttp2_session* session() const { return session_.get(); }
  void set_session(NghttpSessionPtr session) { session_ = std::move(session); }

  // Starts the read loop and writes what nghttp2 has queued (preface, SETTINGS).
  void StartIo();
  // Writes nghttp2's pending output unless a write is already in flight (its completion
  // flushes again). Ends the session gracefully when nghttp2 wants neither to read nor write.
  void Flush();
  // Flush() on a later turn of the loop; many submissions in one turn become one write.
  void ScheduleFlush();
  // Stops (true) or resumes (false) reading and writing (the server's PauseForTest).
  void SetPaused(bool paused);

  // Posted once after Terminate().
  virtual void OnTerminated(const absl::Status& why) = 0;
  // After each successful socket read, before nghttp2 sees the bytes.
  virtual void OnBytesRead() {}
  // Inside Terminate(), before the socket closes: cancel timers, resolvers.
  virtual void CancelOperations() {}

 private:
  void Read();
  void OnRead(const asio::error_code& ec, size_t n);
  void OnWritten(const asio::error_code& ec);

  asio::io_context& io_;
  std::shared_ptr<TlsStream> stream_;
  NghttpSessionPtr session_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> write_buffer_;
  bool io_started_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool paused_ = false;
  bool terminated_ = false;
  absl::Status termination_status_;
};

// "closed by peer" / the error text, as Unavailable.
absl::Status SocketError(std::string_view op, const asio::error_code& ec);

}  // namespace ntf::http2::internal
