#pragma once

// One TLS connection carrying one nghttp2 session. OpenSSL runs on the non-blocking socket
// itself (a buffer-less socket BIO, ntf/crypto/socket_bio.h); Asio only reports readiness
// (async_wait). The read loop feeds SSL_read output to nghttp2_session_mem_recv; Flush() gathers
// nghttp2_session_mem_send output into one buffer and SSL_writes it, so OpenSSL encrypts whole
// records from it straight into the socket. Base of the client connection and the server
// session. Private to libs/http2.
//
// Lives on one io_context; every method runs on its thread. Owned through shared_ptr: each
// outstanding asynchronous operation holds a reference, so the object outlives its handlers.
// Terminate() closes the socket at once (outstanding waits complete as aborted) and posts
// OnTerminated() exactly once, so it is safe inside nghttp2 callbacks.

#include <nghttp2/nghttp2.h>
#include <openssl/types.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/crypto/socket_bio.h"

namespace ntf::http2::internal {

// `d` for an Asio steady timer; a negative duration is zero.
inline std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return common::ToSteadyDuration(std::max(d, absl::ZeroDuration()));
}

using Tcp = asio::ip::tcp;

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

struct SslDeleter {
  void operator()(SSL* ssl) const;
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

class SessionIo : public std::enable_shared_from_this<SessionIo> {
 public:
  enum class Role { kClient, kServer };

  // A connection over `socket` (open or not yet: the client connects it later).
  SessionIo(asio::io_context& io, Tcp::socket socket);
  virtual ~SessionIo();
  SessionIo(const SessionIo&) = delete;
  SessionIo& operator=(const SessionIo&) = delete;

  // Closes the socket now and posts OnTerminated(why) once. OK means a graceful end (GOAWAY
  // exchanged, nothing left to do): a close_notify goes out first, if the socket takes it at
  // once. The first call wins; later ones do nothing.
  void Terminate(absl::Status why);
  bool terminated() const { return terminated_; }
  const absl::Status& termination_status() const { return termination_status_; }

 protected:
  asio::io_context& io() { return io_; }
  Tcp::socket& socket() { return socket_; }
  // Null until InitTls().
  SSL* ssl() const { return ssl_.get(); }
  nghttp2_session* session() const { return session_.get(); }
  void set_session(NghttpSessionPtr session) { session_ = std::move(session); }

  // A fresh SSL from `ctx` for `role`, with its socket BIO (bound to the socket by Handshake()).
  // Internal if OpenSSL fails.
  absl::Status InitTls(SSL_CTX* ctx, Role role);
  // Runs the TLS handshake on the connected socket, then calls `done` once: OK, Unavailable
  // with OpenSSL's reason ("connection closed by peer" for an EOF), or, when Terminate() came
  // first, the termination status. Bound it with a timer that calls Terminate().
  void Handshake(absl::AnyInvocable<void(absl::Status)> done);

  // Starts the read loop and writes what nghttp2 has queued (preface, SETTINGS).
  void StartIo();
  // Writes nghttp2's pending output unless a write waits for the socket (its completion
  // flushes again). Ends the session gracefully when nghttp2 wants neither to read nor write.
  void Flush();
  // Flush() on a later turn of the loop; many submissions in one turn become one write.
  void ScheduleFlush();
  // Stops (true) or resumes (false) reading and writing (the server's PauseForTest).
  void SetPaused(bool paused);

  // Posted once after Terminate().
  virtual void OnTerminated(const absl::Status& why) = 0;
  // After each batch of bytes read, before nghttp2 sees them.
  virtual void OnBytesRead() {}
  // Inside Terminate(), before the socket closes: cancel timers, resolvers.
  virtual void CancelOperations() {}

 private:
  void ContinueHandshake();
  void Read();
  // SSL_writes write_buffer_ from write_offset_ on; false when it is blocked (a wait is armed)
  // or the connection failed.
  bool WriteBuffered();
  // Sends what the buffer BIO holds; false when it is blocked (a wait is armed) or failed.
  bool FlushTls();
  // Sets `*waiting` until the socket can do what `ssl_error` asks for, then calls `then`; a
  // socket error instead ends the connection ("`op`: ...").
  void WaitThen(int ssl_error, bool SessionIo::*waiting, const char* op, void (SessionIo::*then)());
  // Waits until the socket can do what `ssl_error` (SSL_ERROR_WANT_READ/WRITE) asks for, then
  // calls then().
  template <typename Then>
  void WaitFor(int ssl_error, Then then);
  // crypto::SocketSslErrorText on this session's BIO (empties the OpenSSL error queue).
  std::string SslErrorText(int ssl_error);
  // The same as Unavailable "op: ...".
  absl::Status SslError(std::string_view op, int ssl_error);

  asio::io_context& io_;
  Tcp::socket socket_;
  crypto::SocketBioState bio_;  // the SSL's BIO state; declared before ssl_, which points at it
  SslPtr ssl_;
  absl::AnyInvocable<void(absl::Status)> handshake_done_;
  bool handshake_complete_ = false;
  NghttpSessionPtr session_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> write_buffer_;
  size_t write_offset_ = 0;  // write_buffer_[write_offset_..] is still to be SSL_written
  bool io_started_ = false;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool flush_scheduled_ = false;
  bool paused_ = false;
  bool terminated_ = false;
  absl::Status termination_status_;
};

// "closed by peer" / the error text, as Unavailable.
absl::Status SocketError(std::string_view op, const asio::error_code& ec);

}  // namespace ntf::http2::internal
