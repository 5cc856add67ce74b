#include "client_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <charconv>
#include <cstring>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "header_block.h"

namespace ntf::http2::internal {
namespace {

// Stream ids are 31-bit and never reused: past this one the connection is rotated (drained
// and replaced) while ids remain for the streams already queued in nghttp2.
constexpr uint32_t kRotateAtStreamId = (1u << 31) - (1u << 20);

auto Redirect(asio::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

bool Enabled(absl::Duration d) { return d > absl::ZeroDuration() && d < absl::Hours(24 * 365); }

using NotsentLowat = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>;

}  // namespace

struct ClientConnection::Stream {
  // 0 once the call no longer waits for this stream (completed, timed out).
  uint64_t call_id = 0;
  int32_t id = -1;
  Request request;
  size_t body_offset = 0;
  Response response;
  bool headers_sent = false;   // our HEADERS went into the output: the server may have seen it
  bool finished = false;       // reported to the owner
  bool body_released = false;  // freed once sent (release_sent_bodies): no resend possible
};

ClientConnection::ClientConnection(asio::io_context& io, const ConnectionConfig& config,
                                   ConnectionOwner& owner, ClientCounters& counters, uint64_t id)
    : SessionIo(io, Tcp::socket(io)),
      config_(config),
      owner_(owner),
      counters_(counters),
      id_(id),
      resolver_(io),
      connect_timer_(io),
      ping_timer_(io),
      last_read_(std::chrono::steady_clock::now()) {}

ClientConnection::~ClientConnection() = default;

void ClientConnection::Connect() {
  auto self = std::static_pointer_cast<ClientConnection>(shared_from_this());
  connect_timer_.expires_after(ToChrono(config_.connect_timeout));
  connect_timer_.async_wait([self](const asio::error_code& ec) {
    if (ec || self->state_ != State::kConnecting) return;
    // Unavailable, not DeadlineExceeded: the requests' own deadlines have not passed.
    self->Terminate(absl::UnavailableError(
        absl::StrCat("connecting to ", self->config_.authority, " timed out after ",
                     absl::FormatDuration(self->config_.connect_timeout))));
  });
  asio::co_spawn(io(), ConnectFlow(std::move(self)), asio::detached);
}

// `self` keeps the connection alive for the coroutine's whole life.
asio::awaitable<void> ClientConnection::ConnectFlow(
    [[maybe_unused]] std::shared_ptr<ClientConnection> self) {
  const std::string target = absl::StrCat(config_.connect_host, ":", config_.port);
  try {
    if (absl::Status s = InitTls(config_.ssl_ctx.get(), Role::kClient); !s.ok()) {
      Terminate(std::move(s));
      co_return;
    }
    if (absl::Status s = ConfigureClientSsl(ssl(), config_.host, config_.verify_peer); !s.ok()) {
      Terminate(std::move(s));
      co_return;
    }

    asio::error_code ec;
    Tcp::resolver::results_type endpoints = co_await resolver_.async_resolve(
        config_.connect_host, std::to_string(config_.port), Redirect(ec));
    if (terminated()) co_return;
    if (ec) {
      Terminate(absl::UnavailableError(
          absl::StrCat("resolve ", config_.connect_host, ": ", ec.message())));
      co_return;
    }
    co_await asio::async_connect(socket(), endpoints, Redirect(ec));
    if (terminated()) co_return;
    if (ec) {
      Terminate(absl::UnavailableError(absl::StrCat("connect ", target, ": ", ec.message())));
      co_return;
    }
    socket().set_option(Tcp::no_delay(true), ec);
    if (config_.notsent_lowat > 0) {
      // Best effort: without it the connection works, with more bytes queued in the kernel.
      socket().set_option(NotsentLowat(config_.notsent_lowat), ec);
    }
  } catch (const std::exception& e) {
    Terminate(absl::InternalError(absl::StrCat("connect ", target, ": ", e.what())));
    co_return;
  }
  // The handshake runs outside the coroutine; its callback finishes connecting.
  Handshake(
      [this, target](absl::Status handshaken) { OnHandshake(target, std::move(handshaken)); });
}

void ClientConnection::OnHandshake(const std::string& target, absl::Status handshaken) {
  if (terminated()) return;  // the connect timer or a shutdown
  if (!handshaken.ok()) {
    Terminate(ClientHandshakeError(ssl(), target, std::string(handshaken.message()),
                                   config_.verify_peer));
    return;
  }
  if (std::string alpn = NegotiatedAlpn(ssl()); alpn != kH2Alpn) {
    Terminate(absl::FailedPreconditionError(
        absl::StrCat(target, " did not negotiate ALPN h2 (got '", alpn, "')")));
    return;
  }
  if (absl::Status s = SetUpSession(); !s.ok()) {
    Terminate(std::move(s));
    return;
  }
  StartIo();  // preface + SETTINGS out; ready once the peer's SETTINGS arrive
}

absl::Status ClientConnection::SetUpSession() {
  nghttp2_session_callbacks* raw_callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&raw_callbacks) != 0) {
    return absl::ResourceExhaustedError("nghttp2_session_callbacks_new");
  }
  NghttpCallbacksPtr callbacks(raw_callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(raw_callbacks, &OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(raw_callbacks, &OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(raw_callbacks, &OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(raw_callbacks, &OnFrameRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(raw_callbacks, &OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(raw_callbacks, &OnStreamClose);

  nghttp2_session* raw_session = nullptr;
  if (int rv = nghttp2_session_client_new(&raw_session, raw_callbacks, this); rv != 0) {
    return absl::InternalError(absl::StrCat("nghttp2_session_client_new: ", nghttp2_strerror(rv)));
  }
  set_session(NghttpSessionPtr(raw_session));

  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(config_.stream_window_size)},
  };
  if (int rv =
          nghttp2_submit_settings(raw_session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
      rv != 0) {
    return absl::InternalError(absl::StrCat("nghttp2_submit_settings: ", nghttp2_strerror(rv)));
  }
  // The connection window is not a SETTINGS value: WINDOW_UPDATE on stream 0.
  if (int rv = nghttp2_session_set_local_window_size(raw_session, NGHTTP2_FLAG_NONE, 0,
                                                     config_.connection_window_size);
      rv != 0) {
    return absl::InternalError(
        absl::StrCat("nghttp2_session_set_local_window_size: ", nghttp2_strerror(rv)));
  }
  return absl::OkStatus();
}

size_t ClientConnection::AvailableSlots() const {
  if (state_ != State::kReady || terminated()) return 0;
  const uint32_t remote =
      nghttp2_session_get_remote_settings(session(), NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  const size_t limit = std::min(remote, config_.max_concurrent_streams);
  return streams_.size() >= limit ? 0 : limit - streams_.size();
}

absl::StatusOr<int32_t> ClientConnection::StartStream(uint64_t call_id, Request& request) {
  if (state_ != State::kReady || terminated()) {
    return absl::FailedPreconditionError("connection takes no new streams");
  }
  auto stream = std::make_unique<Stream>();
  stream->call_id = call_id;

  // nghttp2 copies names and values: the block needs to live only until it has.
  HeaderBlock headers;
  BuildHeaderBlock(request, config_.authority, config_.never_indexed_headers, headers);

  nghttp2_data_provider body;
  body.source.ptr = stream.get();
  body.read_callback = &ReadBody;
  const int32_t id =
      nghttp2_submit_request(session(), nullptr, headers.nv.data(), headers.nv.size(),
                             request.body.empty() ? nullptr : &body, stream.get());
  if (id < 0) {
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
      Drain();
      return absl::FailedPreconditionError("stream ids exhausted");
    }
    return absl::InternalError(absl::StrCat("nghttp2_submit_request: ", nghttp2_strerror(id)));
  }
  stream->id = id;
  stream->request = std::move(request);
  streams_.emplace(id, std::move(stream));
  counters_.streams_in_flight.fetch_add(1, std::memory_order_relaxed);
  ++streams_started_;
  if ((config_.max_requests_per_connection > 0 &&
       streams_started_ >= config_.max_requests_per_connection) ||
      nghttp2_session_get_next_stream_id(session()) > kRotateAtStreamId) {
    Drain();
  }
  ScheduleFlush();
  return id;
}

void ClientConnection::CancelStream(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  it->second->call_id = 0;
  it->second->finished = true;
  if (terminated()) return;
  nghttp2_submit_rst_stream(session(), NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
  ScheduleFlush();
}

void ClientConnection::Drain() {
  if (state_ != State::kReady) return;
  state_ = State::kDraining;
  owner_.OnConnectionDraining(*this, std::nullopt);
  asio::post(io(), [self = std::static_pointer_cast<ClientConnection>(shared_from_this())] {
    self->MaybeFinishDrain();
  });
}

void ClientConnection::CloseGracefully() {
  if (terminated()) return;
  if (state_ == State::kConnecting || session() == nullptr) {
    Terminate(absl::CancelledError("client shutting down"));
    return;
  }
  if (state_ == State::kReady) state_ = State::kDraining;
  MaybeFinishDrain();
}

void ClientConnection::MaybeFinishDrain() {
  if (terminated() || state_ != State::kDraining || !streams_.empty()) return;
  // GOAWAY(NO_ERROR); the session ends (Terminate(OK)) once it is written.
  nghttp2_session_terminate_session(session(), NGHTTP2_NO_ERROR);
  Flush();
}

void ClientConnection::OnSettings() {
  if (state_ == State::kConnecting) {
    state_ = State::kReady;
    was_ready_ = true;
    connect_timer_.cancel();
    if (Enabled(config_.ping_interval)) ArmPingTimer(ToChrono(config_.ping_interval));
    owner_.OnConnectionReady(*this);
  } else {
    owner_.OnConnectionCapacity(*this);
  }
}

void ClientConnection::ArmPingTimer(std::chrono::steady_clock::duration after) {
  ping_timer_.expires_after(after);
  ping_timer_.async_wait([self = std::static_pointer_cast<ClientConnection>(shared_from_this())](
                             const asio::error_code& ec) {
    if (ec || self->terminated()) return;
    self->OnPingTimer();
  });
}

void ClientConnection::OnPingTimer() {
  if (ping_outstanding_) {  // armed for ping_timeout when the PING went out
    counters_.ping_timeouts.fetch_add(1, std::memory_order_relaxed);
    Terminate(
        absl::UnavailableError(absl::StrCat("no PING ACK from ", config_.authority, " within ",
                                            absl::FormatDuration(config_.ping_timeout))));
    return;
  }
  const auto interval = ToChrono(config_.ping_interval);
  const auto idle = std::chrono::steady_clock::now() - last_read_;
  if (idle < interval) {
    ArmPingTimer(interval - idle);
    return;
  }
  if (int rv = nghttp2_submit_ping(session(), NGHTTP2_FLAG_NONE, nullptr); rv != 0) {
    Terminate(absl::InternalError(absl::StrCat("nghttp2_submit_ping: ", nghttp2_strerror(rv))));
    return;
  }
  counters_.pings_sent.fetch_add(1, std::memory_order_relaxed);
  ping_outstanding_ = true;
  Flush();
  ArmPingTimer(ToChrono(config_.ping_timeout));
}

void ClientConnection::FinishStream(Stream& stream, absl::StatusOr<Response> result,
                                    bool unprocessed) {
  stream.finished = true;
  const uint64_t call_id = std::exchange(stream.call_id, 0);
  if (call_id == 0) return;  // nobody waits any more
  if (unprocessed && stream.body_released) {
    // Not processed, but there is no body left to resend: the caller sends it again.
    result = absl::AbortedError(
        absl::StrCat(result.ok() ? "stream refused" : result.status().message(),
                     "; not processed, and its body was already released: send it again"));
    unprocessed = false;
  }
  owner_.OnStreamDone(call_id, std::move(result), unprocessed ? &stream.request : nullptr);
}

void ClientConnection::OnBytesRead() { last_read_ = std::chrono::steady_clock::now(); }

void ClientConnection::CancelOperations() {
  resolver_.cancel();
  connect_timer_.cancel();
  ping_timer_.cancel();
}

void ClientConnection::OnTerminated(const absl::Status& why) {
  state_ = State::kClosed;
  const absl::Status lost = absl::UnavailableError(
      absl::StrCat("connection to ", config_.authority, " closed before the response",
                   why.ok() ? std::string() : absl::StrCat(": ", why.message())));
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) {
    counters_.streams_in_flight.fetch_sub(1, std::memory_order_relaxed);
    // Streams whose HEADERS never went out were certainly not processed.
    if (!stream->finished) FinishStream(*stream, lost, !stream->headers_sent);
  }
  owner_.OnConnectionClosed(*this, why, was_ready_);
}

// ---------------------------------------------------------------------------------------------
// nghttp2 callbacks

int ClientConnection::OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame,
                                     void* /*user_data*/) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* stream =
      static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (stream == nullptr) return 0;
  // A new response block (the first, or the final one after 1xx) replaces what came before;
  // trailers after a final status are appended.
  const int status = stream->response.status;
  if (frame->headers.cat == NGHTTP2_HCAT_RESPONSE || (status >= 100 && status < 200)) {
    stream->response.status = 0;
    stream->response.headers.clear();
  }
  return 0;
}

int ClientConnection::OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                               const uint8_t* name, size_t namelen, const uint8_t* value,
                               size_t valuelen, uint8_t /*flags*/, void* user_data) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* self = static_cast<ClientConnection*>(user_data);
  auto* stream =
      static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (stream == nullptr || stream->finished) return 0;
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") {
    int status = 0;
    std::from_chars(v.data(), v.data() + v.size(), status);
    stream->response.status = status;
    return 0;
  }
  if (!n.empty() && n[0] == ':') return 0;
  if (n == "content-length") {
    int64_t length = 0;
    std::from_chars(v.data(), v.data() + v.size(), length);
    if (length > 0 && length <= self->config_.max_response_body_bytes) {
      stream->response.body.reserve(static_cast<size_t>(length));
    }
  }
  stream->response.headers.emplace_back(std::string(n), std::string(v));
  return 0;
}

int ClientConnection::OnDataChunk(nghttp2_session* session, uint8_t /*flags*/, int32_t stream_id,
                                  const uint8_t* data, size_t len, void* user_data) {
  auto* self = static_cast<ClientConnection*>(user_data);
  auto* stream = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  if (stream == nullptr || stream->finished) return 0;
  if (static_cast<int64_t>(stream->response.body.size() + len) >
      self->config_.max_response_body_bytes) {
    self->FinishStream(
        *stream,
        absl::ResourceExhaustedError(absl::StrCat("response body exceeds ",
                                                  self->config_.max_response_body_bytes, " bytes")),
        false);
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    return 0;
  }
  stream->response.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int ClientConnection::OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame,
                                  void* user_data) {
  auto* self = static_cast<ClientConnection*>(user_data);
  switch (frame->hd.type) {
    case NGHTTP2_SETTINGS:
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) self->OnSettings();
      break;
    case NGHTTP2_PING:
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0 && self->ping_outstanding_) {
        self->ping_outstanding_ = false;
        // Replaces the ping_timeout wait: the next check is one interval from now.
        self->ArmPingTimer(ToChrono(self->config_.ping_interval));
      }
      break;
    case NGHTTP2_GOAWAY:
      self->counters_.goaways_received.fetch_add(1, std::memory_order_relaxed);
      // nghttp2 now closes our streams above last_stream_id with REFUSED_STREAM.
      if (self->state_ == State::kReady || self->state_ == State::kConnecting) {
        self->state_ = State::kDraining;
      }
      self->owner_.OnConnectionDraining(*self, frame->goaway.error_code);
      break;
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA:
      if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
        auto* stream = static_cast<Stream*>(
            nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
        if (stream != nullptr && !stream->finished) {
          stream->response.connection_id = self->id_;
          self->FinishStream(*stream, std::move(stream->response), false);
        }
      }
      break;
    default:
      break;
  }
  return 0;
}

int ClientConnection::OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame,
                                  void* /*user_data*/) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    auto* stream =
        static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (stream != nullptr) stream->headers_sent = true;
  }
  return 0;
}

int ClientConnection::OnStreamClose(nghttp2_session* /*session*/, int32_t stream_id,
                                    uint32_t error_code, void* user_data) {
  auto* self = static_cast<ClientConnection*>(user_data);
  auto it = self->streams_.find(stream_id);
  if (it == self->streams_.end()) return 0;
  std::unique_ptr<Stream> stream = std::move(it->second);
  self->streams_.erase(it);
  self->counters_.streams_in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (!stream->finished) {
    // No complete response. REFUSED_STREAM (RST or above a GOAWAY's last-stream-id) means the
    // server did not process it; so does a stream whose HEADERS never went out.
    const bool unprocessed = error_code == NGHTTP2_REFUSED_STREAM || !stream->headers_sent;
    self->FinishStream(*stream, StreamResetStatus(error_code), unprocessed);
  }
  self->owner_.OnConnectionCapacity(*self);
  if (self->state_ == State::kDraining && self->streams_.empty()) {
    asio::post(self->io(), [conn = std::static_pointer_cast<ClientConnection>(
                                self->shared_from_this())] { conn->MaybeFinishDrain(); });
  }
  return 0;
}

ssize_t ClientConnection::ReadBody(nghttp2_session* /*session*/, int32_t /*stream_id*/,
                                   uint8_t* buf, size_t length, uint32_t* data_flags,
                                   nghttp2_data_source* source, void* user_data) {
  auto* self = static_cast<ClientConnection*>(user_data);
  auto* stream = static_cast<Stream*>(source->ptr);
  std::string& body = stream->request.body;
  const size_t n = std::min(length, body.size() - stream->body_offset);
  std::memcpy(buf, body.data() + stream->body_offset, n);
  stream->body_offset += n;
  if (stream->body_offset == body.size()) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (self->config_.release_sent_bodies) {
      std::string().swap(body);  // nghttp2 asks no more of it
      stream->body_released = true;
    }
  }
  return static_cast<ssize_t>(n);
}

}  // namespace ntf::http2::internal
