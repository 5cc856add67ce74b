#pragma once

// One client connection of the pool: connect (resolve, TCP, TLS, ALPN h2, the peer's first
// SETTINGS), streams, PING health checks, graceful drain. Reports to its owner (the client
// core) through ConnectionOwner. Private to libs/http2; runs on the client's I/O thread only.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/http2/message.h"
#include "session_io.h"
#include "tls.h"

namespace ntf::http2::internal {

class ClientConnection;

// Counters shared by the client core and its connections; read by Http2Client::stats().
struct ClientCounters {
  std::atomic<uint64_t> connections_opened{0};
  std::atomic<uint64_t> connections_closed{0};
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<uint64_t> requests_submitted{0};
  std::atomic<uint64_t> requests_rejected{0};
  std::atomic<uint64_t> responses{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> goaways_received{0};
  std::atomic<uint64_t> connections_retired{0};
  std::atomic<uint64_t> pings_sent{0};
  std::atomic<uint64_t> ping_timeouts{0};
  std::atomic<int64_t> streams_in_flight{0};
  std::atomic<int64_t> requests_pending{0};
};

// Everything a connection needs from the client's options; constant for the client's life.
struct ConnectionConfig {
  std::string host;          // origin host: SNI, certificate name
  std::string connect_host;  // where to connect
  uint16_t port = 443;
  std::string authority;  // ":authority"
  bool verify_peer = true;
  SslCtxPtr ssl_ctx;
  uint32_t max_concurrent_streams = 1000;
  int32_t stream_window_size = 1 << 20;
  int32_t connection_window_size = 16 << 20;
  int64_t max_response_body_bytes = 16 << 20;
  int64_t max_requests_per_connection = 0;
  std::vector<std::string> never_indexed_headers;  // lowercase names (ClientOptions)
  int notsent_lowat = 0;                           // TCP_NOTSENT_LOWAT; 0: the kernel's default
  bool release_sent_bodies = false;                // ClientOptions::release_sent_bodies
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration ping_timeout = absl::Seconds(5);
};

// The client core, as seen by its connections. Called on the I/O thread, often from inside
// nghttp2 callbacks: implementations must not call back into the connection synchronously
// (schedule instead).
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // The peer's first SETTINGS arrived: the connection takes streams.
  virtual void OnConnectionReady(ClientConnection& connection) = 0;
  // Stream slots may have freed up (a stream closed, the peer's SETTINGS changed).
  virtual void OnConnectionCapacity(ClientConnection& connection) = 0;
  // The connection takes no new streams (GOAWAY received: its error code; or local rotation
  // and shutdown: nullopt); existing streams go on.
  virtual void OnConnectionDraining(ClientConnection& connection,
                                    std::optional<uint32_t> goaway_error_code) = 0;
  // Posted after the connection is gone; all its streams were reported first.
  // `was_ready`: false means the connection attempt failed.
  virtual void OnConnectionClosed(ClientConnection& connection, const absl::Status& why,
                                  bool was_ready) = 0;
  // A stream ended with a response or an error. `unprocessed` is non-null when the server
  // certainly did not process the request (refused, or never sent): the owner may move the
  // request out of it to retry.
  virtual void OnStreamDone(uint64_t call_id, absl::StatusOr<Response> result,
                            Request* unprocessed) = 0;
};

class ClientConnection final : public SessionIo {
 public:
  enum class State { kConnecting, kReady, kDraining, kClosed };

  ClientConnection(asio::io_context& io, const ConnectionConfig& config, ConnectionOwner& owner,
                   ClientCounters& counters, uint64_t id);
  ~ClientConnection() override;

  // Starts connecting; ends with OnConnectionReady or OnConnectionClosed(was_ready = false).
  void Connect();

  uint64_t id() const { return id_; }
  State state() const { return state_; }
  size_t active_streams() const { return streams_.size(); }
  // Streams this connection can take now: 0 unless ready.
  size_t AvailableSlots() const;

  // Opens a stream for `request`, moving it out on success only. Returns the stream id;
  // FailedPrecondition when the connection cannot take streams any more (it drains itself),
  // Internal for a request nghttp2 rejects.
  absl::StatusOr<int32_t> StartStream(uint64_t call_id, Request& request);
  // Resets the stream with CANCEL and forgets its call (the caller completed it already).
  void CancelStream(int32_t stream_id);
  // No new streams; GOAWAY(NO_ERROR) and close once the last stream is done.
  void Drain();
  // Drain(), or at once if still connecting (shutdown).
  void CloseGracefully();

 private:
  struct Stream;

  // Resolve and TCP connect, then Handshake() into OnHandshake().
  asio::awaitable<void> ConnectFlow(std::shared_ptr<ClientConnection> self);
  // The TLS handshake with `target` ended: ALPN check, nghttp2 session, I/O.
  void OnHandshake(const std::string& target, absl::Status handshaken);
  absl::Status SetUpSession();
  void OnSettings();
  void ArmPingTimer(std::chrono::steady_clock::duration after);
  void OnPingTimer();
  void MaybeFinishDrain();
  void FinishStream(Stream& stream, absl::StatusOr<Response> result, bool unprocessed);

  // SessionIo
  void OnTerminated(const absl::Status& why) override;
  void OnBytesRead() override;
  void CancelOperations() override;

  // nghttp2 callbacks (user_data is the connection).
  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t flags,
                      void* user_data);
  static int OnDataChunk(nghttp2_session*, uint8_t flags, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user_data);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                           void* user_data);
  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void* user_data);

  const ConnectionConfig config_;
  ConnectionOwner& owner_;
  ClientCounters& counters_;
  const uint64_t id_;
  State state_ = State::kConnecting;
  bool was_ready_ = false;

  Tcp::resolver resolver_;
  asio::steady_timer connect_timer_;
  asio::steady_timer ping_timer_;
  bool ping_outstanding_ = false;
  std::chrono::steady_clock::time_point last_read_;

  int64_t streams_started_ = 0;
  absl::flat_hash_map<int32_t, std::unique_ptr<Stream>> streams_;
};

}  // namespace ntf::http2::internal
