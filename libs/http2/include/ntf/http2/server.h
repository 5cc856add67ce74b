#pragma once

// A small HTTP/2 server over TLS (ALPN "h2" only) for the fake APNs/FCM providers of the tests
// and for tools. Not hardened for the Internet: no per-client limits beyond nghttp2's own.
//
// Threads: each Http2Server owns one io_context and one I/O thread. The handler runs on that
// thread, once per request whose END_STREAM arrived; it must not block. It answers through a
// Responder, at once or later, from any thread (e.g. after a delay to simulate a slow
// provider). Test hooks (...ForTest) and stats() may be called from any thread; the hooks take
// effect before they return.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/http2/message.h"

namespace ntf::http2 {

namespace internal {
struct ResponderState;
}  // namespace internal

// Answers one request. Copyable: all copies share one answer, and only the first Respond()
// or Reset() counts. Thread-safe. Once the stream is gone (client reset it, connection
// closed, server stopped) answering does nothing. When the last copy is destroyed without an
// answer, the stream is reset with INTERNAL_ERROR (so a forgotten answer does not hang the
// client).
class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<internal::ResponderState> state);

  // Sends `response` (":status", headers, body; content-length added unless given).
  void Respond(Response response);
  void Respond(int status, std::string body = {}, Headers headers = {});
  // Sends `response` after `delay`, from the server's I/O thread.
  void RespondAfter(absl::Duration delay, Response response);
  // Resets the stream with RST_STREAM(code), e.g. ErrorCode::kRefusedStream.
  void Reset(ErrorCode code);

  // The HTTP/2 stream id of the request (odd, increasing per connection).
  int32_t stream_id() const;
  // True once Respond()/Reset() was called on any copy.
  bool answered() const;

 private:
  std::shared_ptr<internal::ResponderState> state_;
};

struct ServerOptions {
  // IP literal to bind; 0 picks a free port (see port()).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // PEM: the leaf certificate first, then intermediates; and its private key.
  std::string certificate_chain_pem = "";
  std::string private_key_pem = "";
  // SETTINGS_MAX_CONCURRENT_STREAMS we advertise (nghttp2 refuses streams beyond it).
  uint32_t max_concurrent_streams = 1000;
  // Our receive windows (SETTINGS_INITIAL_WINDOW_SIZE and the connection window); 65535 is
  // the protocol default.
  int32_t stream_window_size = 1 << 20;
  int32_t connection_window_size = 16 << 20;
  // A request body beyond this resets the stream with CANCEL.
  int64_t max_request_body_bytes = 64 << 20;
  // From TCP accept to the end of the TLS handshake.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // Response headers (lowercase names) sent as HPACK "never indexed" literals: values new on
  // every response (a fake APNs' apns-id) would only churn both ends' dynamic tables.
  std::vector<std::string> never_indexed_headers = {};
};

// Counters for test assertions; a snapshot, readable from any thread.
struct ServerStats {
  uint64_t sessions_accepted = 0;   // TLS + ALPN h2 completed
  uint64_t handshake_failures = 0;  // TLS failed, timed out, or no "h2" offered
  int64_t sessions_active = 0;
  uint64_t streams_started = 0;        // request HEADERS received
  int64_t streams_active = 0;          // open streams over all sessions
  int64_t max_concurrent_streams = 0;  // the most streams open at once on one session
  uint64_t requests_handled = 0;       // handler calls
  std::string last_server_name;        // SNI of the last TLS handshake, failed ones too ("": none)
};

class Http2Server {
 public:
  // Runs on the I/O thread for each complete request.
  using Handler = std::function<void(const Request&, Responder)>;

  // Builds the TLS context and binds the port (so port() is known before Start()).
  // InvalidArgument for bad PEM or host, Unavailable if the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<Http2Server>> Create(ServerOptions options,
                                                             Handler handler);
  // Stop()s.
  ~Http2Server();
  Http2Server(const Http2Server&) = delete;
  Http2Server& operator=(const Http2Server&) = delete;

  // Starts the I/O thread and the accept loop. Call once.
  void Start();
  // Closes the listener and every session (abruptly), cancels delayed answers and joins the
  // I/O thread. Answers given later are dropped. Idempotent; not on the I/O thread.
  void Stop();

  uint16_t port() const;
  ServerStats stats() const;

  // Stops (true) or resumes (false) reading and writing on every session, new ones included:
  // the peer looks dead (PING unanswered) while TCP stays up.
  void PauseForTest(bool paused);
  // Closes every session's TCP connection at once, without GOAWAY.
  void CloseConnectionsForTest();
  // Sends GOAWAY(code, last_stream_id) on every session; by default last_stream_id is the last
  // stream the session processed. Streams above it are closed as refused; the session closes
  // once the rest are done.
  void GoAwayForTest(ErrorCode code, std::optional<int32_t> last_stream_id = std::nullopt);
  // Advertises a new SETTINGS_MAX_CONCURRENT_STREAMS on every session (and new ones).
  void SetMaxConcurrentStreamsForTest(uint32_t max_streams);

 private:
  class Impl;
  explicit Http2Server(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ntf::http2
