#pragma once

// An HTTP/2 client bound to one https origin (APNs, FCM), on nghttp2 driven by an Asio socket
// with OpenSSL.
//
// Threads: each Http2Client owns one io_context and one I/O thread (started by Start()). All
// connections, streams, timers and the request queue live on that thread. Submit() may be
// called from any thread, including from a response callback: it posts into the I/O thread.
// Callbacks and observer methods run on the I/O thread: they must be quick and must not block
// (hand work to another thread); they must not call Shutdown() or Send() (deadlock).
//
// Connections: a small pool (min_connections..max_connections), opened lazily and kept warm.
// Each carries up to min(peer SETTINGS_MAX_CONCURRENT_STREAMS, max_concurrent_streams) streams;
// requests fill the first connection before spilling into the next. A new connection opens when
// requests wait, every usable connection is full and none is connecting (so a burst before the
// first handshake completes does not open a connection per request). Large local flow-control
// windows (16 MiB connection, 1 MiB stream by default). A connection idle on the read side for
// ping_interval gets an HTTP/2 PING; no ACK within ping_timeout kills it. A connection that
// dies is replaced at once; failed connection attempts back off exponentially with jitter.
//
// Errors passed to callbacks:
//   OK + Response     any HTTP status (4xx/5xx are responses, not errors)
//   Unavailable       the connection dropped or the stream was reset before the response was
//                     complete; the request may or may not have been processed (retry)
//   DeadlineExceeded  the per-request timeout passed (queued or in flight)
//   Unauthenticated   TLS certificate verification of the origin failed
//   ResourceExhausted response body over max_response_body_bytes, or RST_STREAM
//                     ENHANCE_YOUR_CALM
//   FailedPrecondition the peer did not negotiate ALPN "h2"
//   Cancelled         Shutdown()'s drain deadline passed first
//   Internal          an HTTP/2 protocol error (see StreamResetStatus in message.h)
//   Aborted           only with ClientOptions::release_sent_bodies: the server certainly did
//                     not process the request, but its body was already released, so the
//                     client could not resend it; the caller may send it again at once
// A request the server certainly did not process (stream id above a GOAWAY's last-stream-id,
// RST_STREAM REFUSED_STREAM, or HEADERS never sent before the connection died) is retried
// transparently once, on a new connection when the old one is going away.
// While connection attempts fail and no connection is usable, queued and new requests fail at
// once with the last connection error (fail fast) instead of waiting for their deadline.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/http2/message.h"

namespace ntf::http2 {

// Event hooks for metrics; every method runs on the client's I/O thread and must not block.
// Defaults do nothing. Not owned by the client; must outlive it.
class ClientObserver {
 public:
  virtual ~ClientObserver() = default;
  // A connection completed TLS + ALPN h2 + the peer's SETTINGS and can carry streams.
  virtual void OnConnectionOpened() {}
  // A usable connection closed: OK for a graceful close (GOAWAY, rotation, shutdown),
  // otherwise why (peer closed, PING timeout, protocol error, ...).
  virtual void OnConnectionClosed(const absl::Status& /*reason*/) {}
  // A connection attempt failed (resolve, connect, TLS, ALPN, no SETTINGS in time).
  virtual void OnConnectFailed(const absl::Status& /*error*/) {}
  // The peer sent GOAWAY with this error code.
  virtual void OnGoAway(uint32_t /*error_code*/) {}
  // A request finished (just before its callback runs). http_status is 0 unless status is OK.
  // latency runs from Submit() to completion, queueing and transparent retries included.
  virtual void OnRequestDone(const absl::Status& /*status*/, int /*http_status*/,
                             absl::Duration /*latency*/) {}
};

struct ClientOptions {
  // The origin, "https://host[:port]" (port defaults to 443). The host is sent as SNI (unless
  // it is an IP literal) and the server certificate must match it.
  std::string origin = "";
  // Connect to this host or IP instead of the origin's host (tests, proxies); SNI, certificate
  // check and ":authority" still use the origin. Empty: the origin's host.
  std::string connect_host = "";
  // Trust anchors: a PEM file, and/or PEM text (tests). Both empty: the system store
  // (OpenSSL default paths).
  std::string ca_file = "";
  std::string ca_pem = "";
  // Skips certificate and host name verification. Tests only; never in production.
  bool insecure_skip_verify_for_test = false;

  // Connections kept open (opened at Start and re-opened when they die).
  int min_connections = 1;
  // Upper bound on usable connections (draining ones are not counted).
  int max_connections = 2;
  // Local cap on concurrent streams per connection; the peer's SETTINGS_MAX_CONCURRENT_STREAMS
  // applies too (APNs starts at 1 and raises it after the first accepted request).
  uint32_t max_concurrent_streams = 1000;
  // Requests waiting for a stream slot (queued and not yet on a connection). Beyond this,
  // Submit() returns ResourceExhausted at once.
  int64_t max_pending_requests = 10000;

  // Our receive windows: SETTINGS_INITIAL_WINDOW_SIZE for each stream, and the connection
  // window (64 KiB defaults cut throughput by ~3/4, spec/push-providers.md §5.4).
  int32_t stream_window_size = 1 << 20;
  int32_t connection_window_size = 16 << 20;
  // A response body beyond this resets the stream; the request fails with ResourceExhausted.
  int64_t max_response_body_bytes = 16 << 20;

  // Close a connection gracefully after this many streams (0: only when stream ids run out,
  // after ~2^30 requests).
  int64_t max_requests_per_connection = 0;
  // Request headers (lowercase names) sent as HPACK "never indexed" literals: values that differ
  // on every request (APNs' apns-id) would only churn both ends' dynamic tables.
  std::vector<std::string> never_indexed_headers = {};
  // TCP_NOTSENT_LOWAT of each connection: at most this many bytes wait unsent in the kernel; the
  // rest waits in nghttp2 (not yet encoded or encrypted) until the socket drains. Without it a
  // full window of 1,000 APNs pushes put ~4 MB in the socket, which the peer's reads then had to
  // transmit (docs/benchmarks.md, round 5). 0: the kernel's default (no limit).
  int notsent_lowat = 128 * 1024;
  // Free each request's body as soon as nghttp2 has taken its last byte, instead of keeping it
  // until the response for a transparent resend. 1,000 APNs pushes in flight held ~4 MB of
  // bodies that no one would read again (docs/benchmarks.md, round 9). The price: a request the
  // server refused unprocessed (REFUSED_STREAM, above a GOAWAY's last-stream-id) after its
  // whole body went out is not resent by the client but fails with Aborted, for the caller to
  // build and send again. Requests refused before their body was sent are still resent.
  bool release_sent_bodies = false;

  // TCP connect + TLS handshake + the peer's first SETTINGS.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Default per-request timeout for Submit()/Send() without one (queueing included).
  absl::Duration request_timeout = absl::Seconds(30);
  // PING a connection after this long without reading anything (0 or infinite: never).
  absl::Duration ping_interval = absl::Seconds(10);
  // A PING unanswered this long kills the connection (in-flight requests: Unavailable).
  absl::Duration ping_timeout = absl::Seconds(5);
  // Backoff between failed connection attempts: initial, doubled per failure up to max,
  // +-20% jitter.
  absl::Duration reconnect_backoff_initial = absl::Milliseconds(100);
  absl::Duration reconnect_backoff_max = absl::Seconds(10);

  // Metrics hooks; may be null. Not owned.
  ClientObserver* observer = nullptr;
};

// A snapshot of the client's counters (monotonic unless noted). Readable from any thread.
struct ClientStats {
  uint64_t connections_opened = 0;   // became usable
  uint64_t connections_closed = 0;   // usable connections that closed, for any reason
  uint64_t connect_failures = 0;     // attempts that never became usable
  uint64_t requests_submitted = 0;   // accepted by Submit()
  uint64_t requests_rejected = 0;    // Submit() returned ResourceExhausted (queue full)
  uint64_t responses = 0;            // completed with a Response (any HTTP status)
  uint64_t failures = 0;             // completed with an error status
  uint64_t retries = 0;              // transparent retries of unprocessed requests
  uint64_t connections_retired = 0;  // by RetireConnection()
  uint64_t goaways_received = 0;
  uint64_t pings_sent = 0;
  uint64_t ping_timeouts = 0;
  int64_t streams_in_flight = 0;  // gauge: open streams on all connections
  int64_t requests_pending = 0;   // gauge: waiting for a stream slot
};

class Http2Client {
 public:
  using ResponseCallback = absl::AnyInvocable<void(absl::StatusOr<Response>)>;

  // Validates the options and builds the TLS context. InvalidArgument for a bad origin or
  // option, or an unreadable CA file. Does no network I/O.
  static absl::StatusOr<std::unique_ptr<Http2Client>> Create(ClientOptions options);

  // Shutdown(0) if still running. Must not run on the I/O thread.
  ~Http2Client();
  Http2Client(const Http2Client&) = delete;
  Http2Client& operator=(const Http2Client&) = delete;

  // Starts the I/O thread and opens min_connections. Call once. FailedPrecondition after a
  // previous Start() or Shutdown().
  absl::Status Start();

  // Stops accepting requests, lets queued and in-flight requests finish for up to
  // `drain_timeout`, then fails the rest with Cancelled, sends GOAWAY, closes the connections
  // and joins the I/O thread. Blocks until done (at most drain_timeout + a few seconds).
  // Idempotent. Must not be called on the I/O thread.
  void Shutdown(absl::Duration drain_timeout);

  // Queues `request`; `done` runs exactly once on the I/O thread with the response or error,
  // if and only if this returns OK. Thread-safe, never blocks. Returns
  //   InvalidArgument     the request fails ValidateRequest() or `done` is empty;
  //   ResourceExhausted   max_pending_requests are already waiting;
  //   FailedPrecondition  not started or shut down.
  // `timeout` bounds queueing plus the exchange; absl::InfiniteDuration() for none.
  absl::Status Submit(Request request, absl::Duration timeout, ResponseCallback done);
  // As above with options.request_timeout.
  absl::Status Submit(Request request, ResponseCallback done);

  // One request of SubmitBatch().
  struct Submission {
    Request request;
    absl::Duration timeout = absl::InfiniteDuration();
    ResponseCallback done;
  };
  // Submit() for every submission, in order, with one hand-off to the I/O thread for all the
  // accepted ones (one post and one wake-up instead of one per request). Returns one status per
  // submission, with Submit()'s meanings; a submission's `done` runs exactly once, on the I/O
  // thread, if and only if its status is OK. Requests the queue has no room for are refused
  // (ResourceExhausted) and the ones before them stay accepted. Thread-safe, never blocks.
  std::vector<absl::Status> SubmitBatch(std::vector<Submission> submissions);

  // Blocking convenience for tests and tools: Submit() and wait. Same errors (the Submit
  // ones included). Must not be called on the I/O thread (FailedPrecondition).
  absl::StatusOr<Response> Send(Request request, absl::Duration timeout);
  absl::StatusOr<Response> Send(Request request);

  // Retires the connection that carried a response (Response::connection_id): it takes no new
  // streams, finishes the ones it has, closes with GOAWAY(NO_ERROR), and a fresh connection
  // carries what follows. For a server that asks for a new connection (APNs 503, or its 403
  // provider-token errors). Thread-safe, never blocks, callable from a response callback; a
  // connection already gone or draining is left alone.
  void RetireConnection(uint64_t connection_id);

  ClientStats stats() const;
  const ClientOptions& options() const;

 private:
  class Impl;
  explicit Http2Client(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ntf::http2
