#include "ntf/http2/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "header_block.h"
#include "session_io.h"
#include "tls.h"

namespace ntf::http2 {
namespace internal {

class ServerSession;

struct ServerCounters {
  std::atomic<uint64_t> sessions_accepted{0};
  std::atomic<uint64_t> handshake_failures{0};
  std::atomic<int64_t> sessions_active{0};
  std::atomic<uint64_t> streams_started{0};
  std::atomic<int64_t> streams_active{0};
  std::atomic<int64_t> max_concurrent_streams{0};
  std::atomic<uint64_t> requests_handled{0};
  absl::Mutex mu;
  std::string last_server_name ABSL_GUARDED_BY(mu);

  void NoteConcurrency(int64_t n) {
    int64_t seen = max_concurrent_streams.load(std::memory_order_relaxed);
    while (n > seen && !max_concurrent_streams.compare_exchange_weak(seen, n)) {
    }
  }
};

// The server core as its sessions see it. I/O thread only.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  // A request is complete (END_STREAM): run the handler.
  virtual void HandleRequest(ServerSession& session, int32_t stream_id, const Request& request) = 0;
  virtual void OnSessionClosed(ServerSession& session) = 0;
  // Runs `fn` after `delay` unless the server stops first.
  virtual void RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn) = 0;
};

// What Responders share with the server: the loop to post to and the host, both null once
// Stop() began (answers after that are dropped).
struct ServerShared {
  absl::Mutex mu;
  asio::io_context* io ABSL_GUARDED_BY(mu) = nullptr;
  SessionHost* host ABSL_GUARDED_BY(mu) = nullptr;
};

// Runs fn(host) on the server's I/O thread: inline when already there, else posted. Dropped
// when the server is stopping.
void RunOnServer(const std::shared_ptr<ServerShared>& shared,
                 absl::AnyInvocable<void(SessionHost&)> fn) {
  SessionHost* host = nullptr;
  {
    absl::MutexLock lock(&shared->mu);
    if (shared->io == nullptr || shared->host == nullptr) return;
    host = shared->host;
    if (!shared->io->get_executor().running_in_this_thread()) {
      // The loop runs only while the server (the host) is alive.
      asio::post(*shared->io, [host, fn = std::move(fn)]() mutable { fn(*host); });
      return;
    }
  }
  fn(*host);  // on the loop: it cannot stop under us
}

class ServerSession final : public SessionIo {
 public:
  ServerSession(asio::io_context& io, Tcp::socket socket, SessionHost& host,
                ServerCounters& counters, const ServerOptions& options)
      : SessionIo(io, std::move(socket)), host_(host), counters_(counters), options_(options) {}

  // SessionIo's TLS set-up and handshake, for the server core.
  absl::Status InitServerTls(SSL_CTX* ctx) { return InitTls(ctx, Role::kServer); }
  using SessionIo::Handshake;
  using SessionIo::ssl;

  absl::Status Begin(uint32_t max_streams, bool paused) {
    nghttp2_session_callbacks* raw_callbacks = nullptr;
    if (nghttp2_session_callbacks_new(&raw_callbacks) != 0) {
      return absl::ResourceExhaustedError("nghttp2_session_callbacks_new");
    }
    NghttpCallbacksPtr callbacks(raw_callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(raw_callbacks, &OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(raw_callbacks, &OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(raw_callbacks, &OnDataChunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(raw_callbacks, &OnFrameRecv);
    nghttp2_session_callbacks_set_on_stream_close_callback(raw_callbacks, &OnStreamClose);
    nghttp2_session* raw_session = nullptr;
    if (int rv = nghttp2_session_server_new(&raw_session, raw_callbacks, this); rv != 0) {
      return absl::InternalError(
          absl::StrCat("nghttp2_session_server_new: ", nghttp2_strerror(rv)));
    }
    set_session(NghttpSessionPtr(raw_session));
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(options_.stream_window_size)},
    };
    if (int rv =
            nghttp2_submit_settings(raw_session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
        rv != 0) {
      return absl::InternalError(absl::StrCat("nghttp2_submit_settings: ", nghttp2_strerror(rv)));
    }
    if (int rv = nghttp2_session_set_local_window_size(raw_session, NGHTTP2_FLAG_NONE, 0,
                                                       options_.connection_window_size);
        rv != 0) {
      return absl::InternalError(absl::StrCat("set_local_window_size: ", nghttp2_strerror(rv)));
    }
    SetPaused(paused);
    StartIo();
    return absl::OkStatus();
  }

  void SubmitResponse(int32_t stream_id, Response response) {
    if (terminated()) return;
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || it->second->answered) return;
    Stream& stream = *it->second;
    stream.answered = true;
    stream.response = std::move(response);
    HeaderBlock headers;
    BuildResponseHeaderBlock(stream.response, options_.never_indexed_headers, headers);
    nghttp2_data_provider body;
    body.source.ptr = &stream;
    body.read_callback = &ReadBody;
    nghttp2_submit_response(session(), stream_id, headers.nv.data(), headers.nv.size(),
                            stream.response.body.empty() ? nullptr : &body);
    ScheduleFlush();
  }

  void ResetStream(int32_t stream_id, uint32_t code) {
    if (terminated()) return;
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || it->second->answered) return;
    it->second->answered = true;
    nghttp2_submit_rst_stream(session(), NGHTTP2_FLAG_NONE, stream_id, code);
    ScheduleFlush();
  }

  void SendGoAway(uint32_t code, std::optional<int32_t> last_stream_id) {
    if (terminated()) return;
    const int32_t last =
        last_stream_id.value_or(nghttp2_session_get_last_proc_stream_id(session()));
    nghttp2_submit_goaway(session(), NGHTTP2_FLAG_NONE, last, code, nullptr, 0);
    Flush();
  }

  void UpdateMaxStreams(uint32_t max_streams) {
    if (terminated()) return;
    const nghttp2_settings_entry entry = {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams};
    nghttp2_submit_settings(session(), NGHTTP2_FLAG_NONE, &entry, 1);
    Flush();
  }

  void Pause(bool paused) { SetPaused(paused); }

 private:
  struct Stream {
    int32_t id = 0;
    Request request;
    Response response;
    size_t body_offset = 0;
    bool rejected = false;    // request body too large: reset
    bool dispatched = false;  // handed to the handler
    bool answered = false;
  };

  void OnTerminated(const absl::Status& /*why*/) override {
    counters_.streams_active.fetch_sub(static_cast<int64_t>(streams_.size()));
    streams_.clear();
    host_.OnSessionClosed(*this);
  }

  static Stream* GetStream(nghttp2_session* session, int32_t stream_id) {
    return static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  }

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return 0;
    }
    auto* self = static_cast<ServerSession*>(user_data);
    auto stream = std::make_unique<Stream>();
    stream->id = frame->hd.stream_id;
    nghttp2_session_set_stream_user_data(session, stream->id, stream.get());
    self->streams_.emplace(stream->id, std::move(stream));
    self->counters_.streams_started.fetch_add(1);
    self->counters_.streams_active.fetch_add(1);
    self->counters_.NoteConcurrency(static_cast<int64_t>(self->streams_.size()));
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t /*flags*/,
                      void* /*user_data*/) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Stream* stream = GetStream(session, frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") {
      stream->request.method = std::string(v);
    } else if (n == ":path") {
      stream->request.path = std::string(v);
    } else if (n.empty() || n[0] != ':') {
      stream->request.headers.emplace_back(std::string(n), std::string(v));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t /*flags*/, int32_t stream_id,
                         const uint8_t* data, size_t len, void* user_data) {
    auto* self = static_cast<ServerSession*>(user_data);
    Stream* stream = GetStream(session, stream_id);
    if (stream == nullptr || stream->rejected) return 0;
    if (static_cast<int64_t>(stream->request.body.size() + len) >
        self->options_.max_request_body_bytes) {
      stream->rejected = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
      return 0;
    }
    stream->request.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
      return 0;
    }
    auto* self = static_cast<ServerSession*>(user_data);
    Stream* stream = GetStream(session, frame->hd.stream_id);
    if (stream == nullptr || stream->rejected || stream->dispatched) return 0;
    stream->dispatched = true;
    self->host_.HandleRequest(*self, stream->id, stream->request);
    return 0;
  }

  static int OnStreamClose(nghttp2_session* /*session*/, int32_t stream_id, uint32_t /*error_code*/,
                           void* user_data) {
    auto* self = static_cast<ServerSession*>(user_data);
    if (self->streams_.erase(stream_id) > 0) self->counters_.streams_active.fetch_sub(1);
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session* /*session*/, int32_t /*stream_id*/, uint8_t* buf,
                          size_t length, uint32_t* data_flags, nghttp2_data_source* source,
                          void* /*user_data*/) {
    auto* stream = static_cast<Stream*>(source->ptr);
    const std::string& body = stream->response.body;
    const size_t n = std::min(length, body.size() - stream->body_offset);
    std::memcpy(buf, body.data() + stream->body_offset, n);
    stream->body_offset += n;
    if (stream->body_offset == body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  SessionHost& host_;
  ServerCounters& counters_;
  const ServerOptions& options_;
  absl::flat_hash_map<int32_t, std::unique_ptr<Stream>> streams_;
};

struct ResponderState {
  ResponderState(std::shared_ptr<ServerShared> s, std::weak_ptr<ServerSession> sess, int32_t id)
      : shared(std::move(s)), session(std::move(sess)), stream_id(id) {}
  // A Responder dropped without an answer resets its stream, so the client is not left
  // waiting.
  ~ResponderState() {
    if (answered.load()) return;
    RunOnServer(shared, [session = session, id = stream_id](SessionHost&) {
      if (auto s = session.lock()) s->ResetStream(id, NGHTTP2_INTERNAL_ERROR);
    });
  }

  const std::shared_ptr<ServerShared> shared;
  const std::weak_ptr<ServerSession> session;
  const int32_t stream_id;
  std::atomic<bool> answered{false};
};

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Responder

Responder::Responder(std::shared_ptr<internal::ResponderState> state) : state_(std::move(state)) {}

void Responder::Respond(Response response) {
  if (state_ == nullptr || state_->answered.exchange(true)) return;
  internal::RunOnServer(state_->shared,
                        [session = state_->session, id = state_->stream_id,
                         response = std::move(response)](internal::SessionHost&) mutable {
                          if (auto s = session.lock()) s->SubmitResponse(id, std::move(response));
                        });
}

void Responder::Respond(int status, std::string body, Headers headers) {
  Respond(Response{.status = status, .headers = std::move(headers), .body = std::move(body)});
}

void Responder::RespondAfter(absl::Duration delay, Response response) {
  if (state_ == nullptr || state_->answered.exchange(true)) return;
  internal::RunOnServer(
      state_->shared, [session = state_->session, id = state_->stream_id, delay,
                       response = std::move(response)](internal::SessionHost& host) mutable {
        host.RunAfter(delay, [session, id, response = std::move(response)]() mutable {
          if (auto s = session.lock()) s->SubmitResponse(id, std::move(response));
        });
      });
}

void Responder::Reset(ErrorCode code) {
  if (state_ == nullptr || state_->answered.exchange(true)) return;
  internal::RunOnServer(state_->shared,
                        [session = state_->session, id = state_->stream_id,
                         code = static_cast<uint32_t>(code)](internal::SessionHost&) {
                          if (auto s = session.lock()) s->ResetStream(id, code);
                        });
}

int32_t Responder::stream_id() const { return state_ == nullptr ? 0 : state_->stream_id; }

bool Responder::answered() const { return state_ != nullptr && state_->answered.load(); }

// ---------------------------------------------------------------------------------------------
// Http2Server

class Http2Server::Impl final : public internal::SessionHost {
 public:
  Impl(ServerOptions options, Handler handler, internal::SslCtxPtr ssl_ctx)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ssl_ctx_(std::move(ssl_ctx)),
        shared_(std::make_shared<internal::ServerShared>()),
        acceptor_(io_),
        max_streams_(options_.max_concurrent_streams) {}

  ~Impl() override {
    Stop();
    Join();
  }

  absl::Status Listen() {
    asio::error_code ec;
    const asio::ip::address address = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("listen host must be an IP address: '", options_.host, "'"));
    }
    const internal::Tcp::endpoint endpoint(address, options_.port);
    auto fail = [&](std::string_view step) {
      return absl::UnavailableError(absl::StrCat(std::string(step), " ", options_.host, ":",
                                                 options_.port, ": ", ec.message()));
    };
    if (acceptor_.open(endpoint.protocol(), ec); ec) return fail("open");
    if (acceptor_.set_option(internal::Tcp::acceptor::reuse_address(true), ec); ec) {
      return fail("SO_REUSEADDR");
    }
    if (acceptor_.bind(endpoint, ec); ec) return fail("bind");
    if (acceptor_.listen(1024, ec); ec) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return fail("getsockname");
    return absl::OkStatus();
  }

  void Start() {
    {
      absl::MutexLock lock(&mu_);
      if (started_ || stop_requested_) return;
      started_ = true;
    }
    {
      absl::MutexLock lock(&shared_->mu);
      shared_->io = &io_;
      shared_->host = this;
    }
    work_.emplace(io_.get_executor());
    asio::post(io_, [this] { Accept(); });
    absl::MutexLock join_lock(&join_mu_);
    thread_ = std::thread([this] {
      io_.run();
      stopped_.Notify();
    });
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stop_requested_) return;
      stop_requested_ = true;
      if (!started_) {
        asio::error_code ignored;
        acceptor_.close(ignored);
        return;
      }
    }
    {
      absl::MutexLock lock(&shared_->mu);
      shared_->io = nullptr;
      shared_->host = nullptr;
    }
    asio::post(io_, [this] { StopOnIo(); });
    // On the I/O thread (a misuse) we cannot wait for ourselves; the destructor joins.
    if (io_.get_executor().running_in_this_thread()) return;
    Join();
  }

  void Join() {
    absl::MutexLock lock(&join_mu_);
    if (!thread_.joinable()) return;
    if (!stopped_.WaitForNotificationWithTimeout(absl::Seconds(5))) io_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }

  ServerStats stats() const {
    ServerStats s;
    s.sessions_accepted = counters_.sessions_accepted.load();
    s.handshake_failures = counters_.handshake_failures.load();
    s.sessions_active = counters_.sessions_active.load();
    s.streams_started = counters_.streams_started.load();
    s.streams_active = counters_.streams_active.load();
    s.max_concurrent_streams = counters_.max_concurrent_streams.load();
    s.requests_handled = counters_.requests_handled.load();
    absl::MutexLock lock(&counters_.mu);
    s.last_server_name = counters_.last_server_name;
    return s;
  }

  // Runs fn on the I/O thread and waits for it (inline when already there). Does nothing
  // unless running.
  void RunOnIoAndWait(absl::AnyInvocable<void()> fn) {
    {
      absl::MutexLock lock(&mu_);
      if (!started_ || stop_requested_) return;
    }
    if (io_.get_executor().running_in_this_thread()) {
      fn();
      return;
    }
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void Pause(bool paused) {
    RunOnIoAndWait([this, paused] {
      paused_ = paused;
      for (const auto& [ptr, session] : sessions_) session->Pause(paused);
    });
  }

  void CloseConnections() {
    RunOnIoAndWait([this] {
      auto sessions = sessions_;
      for (const auto& [ptr, session] : sessions) {
        session->Terminate(absl::UnavailableError("closed by CloseConnectionsForTest"));
      }
    });
  }

  void GoAway(ErrorCode code, std::optional<int32_t> last_stream_id) {
    RunOnIoAndWait([this, code, last_stream_id] {
      for (const auto& [ptr, session] : sessions_) {
        session->SendGoAway(static_cast<uint32_t>(code), last_stream_id);
      }
    });
  }

  void SetMaxStreams(uint32_t max_streams) {
    RunOnIoAndWait([this, max_streams] {
      max_streams_ = max_streams;
      for (const auto& [ptr, session] : sessions_) session->UpdateMaxStreams(max_streams);
    });
  }

 private:
  // internal::SessionHost
  void HandleRequest(internal::ServerSession& session, int32_t stream_id,
                     const Request& request) override {
    counters_.requests_handled.fetch_add(1);
    auto self = std::static_pointer_cast<internal::ServerSession>(session.shared_from_this());
    handler_(request,
             Responder(std::make_shared<internal::ResponderState>(shared_, self, stream_id)));
  }

  void OnSessionClosed(internal::ServerSession& session) override {
    if (sessions_.erase(&session) > 0) counters_.sessions_active.fetch_sub(1);
  }

  void RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn) override {
    if (stopping_) return;
    const uint64_t id = ++next_timer_id_;
    auto timer = std::make_unique<asio::steady_timer>(io_, internal::ToChrono(delay));
    timer->async_wait([this, id, fn = std::move(fn)](const asio::error_code& ec) mutable {
      delayed_.erase(id);
      if (!ec && !stopping_) fn();
    });
    delayed_.emplace(id, std::move(timer));
  }

  void Accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, internal::Tcp::socket socket) {
      if (stopping_) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        // E.g. EMFILE: go on after a short pause.
        auto pause = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
        pause->async_wait([this, pause](const asio::error_code&) {
          if (!stopping_) Accept();
        });
        return;
      }
      Handshake(std::move(socket));
      Accept();
    });
  }

  void Handshake(internal::Tcp::socket socket) {
    asio::error_code ignored;
    socket.set_option(internal::Tcp::no_delay(true), ignored);
    auto session = std::make_shared<internal::ServerSession>(io_, std::move(socket), *this,
                                                             counters_, options_);
    if (absl::Status s = session->InitServerTls(ssl_ctx_.get()); !s.ok()) {
      counters_.handshake_failures.fetch_add(1);
      return;
    }
    handshakes_.emplace(session.get(), session);
    auto timer =
        std::make_shared<asio::steady_timer>(io_, internal::ToChrono(options_.handshake_timeout));
    timer->async_wait(
        [weak = std::weak_ptr<internal::ServerSession>(session)](const asio::error_code& ec) {
          if (ec) return;
          if (auto session = weak.lock()) {
            session->Terminate(absl::DeadlineExceededError("TLS handshake timed out"));
          }
        });
    // The session stays alive through handshakes_ and its pending waits; `raw` only finds it.
    internal::ServerSession* raw = session.get();
    raw->Handshake([this, raw, timer](absl::Status handshaken) {
      timer->cancel();
      auto node = handshakes_.extract(raw);
      if (node.empty() || stopping_) return;
      std::shared_ptr<internal::ServerSession> session = std::move(node.mapped());
      {
        // Known once the ClientHello is in, even when the handshake fails later.
        absl::MutexLock lock(&counters_.mu);
        counters_.last_server_name = internal::ServerName(session->ssl());
      }
      if (!handshaken.ok() || internal::NegotiatedAlpn(session->ssl()) != internal::kH2Alpn) {
        counters_.handshake_failures.fetch_add(1);
        session->Terminate(handshaken.ok() ? absl::FailedPreconditionError("no ALPN h2")
                                           : std::move(handshaken));
        return;
      }
      sessions_.emplace(session.get(), session);
      counters_.sessions_accepted.fetch_add(1);
      counters_.sessions_active.fetch_add(1);
      if (absl::Status s = session->Begin(max_streams_, paused_); !s.ok()) {
        session->Terminate(std::move(s));
      }
    });
  }

  void StopOnIo() {
    stopping_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& [ptr, session] : handshakes_) {
      session->Terminate(absl::CancelledError("server stopped"));
    }
    for (const auto& [id, timer] : delayed_) timer->cancel();
    auto sessions = sessions_;
    for (const auto& [ptr, session] : sessions) {
      session->Terminate(absl::CancelledError("server stopped"));
    }
    work_.reset();
  }

  const ServerOptions options_;
  const Handler handler_;
  const internal::SslCtxPtr ssl_ctx_;
  const std::shared_ptr<internal::ServerShared> shared_;
  mutable internal::ServerCounters counters_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;

  // Declared before the Asio objects that use it, so it is destroyed after them.
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  internal::Tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  absl::Mutex join_mu_;  // one joiner at a time
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
  absl::Notification stopped_;

  // I/O thread only.
  absl::flat_hash_map<internal::ServerSession*, std::shared_ptr<internal::ServerSession>> sessions_;
  // Sessions in their TLS handshake; they move to sessions_ once it succeeds.
  absl::flat_hash_map<internal::ServerSession*, std::shared_ptr<internal::ServerSession>>
      handshakes_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<asio::steady_timer>> delayed_;
  uint64_t next_timer_id_ = 0;
  uint32_t max_streams_;
  bool paused_ = false;
  bool stopping_ = false;
};

absl::StatusOr<std::unique_ptr<Http2Server>> Http2Server::Create(ServerOptions options,
                                                                 Handler handler) {
  if (!handler) return absl::InvalidArgumentError("Http2Server needs a handler");
  if (options.stream_window_size < 65535 || options.connection_window_size < 65535) {
    return absl::InvalidArgumentError("flow-control windows must be >= 65535");
  }
  absl::StatusOr<internal::SslCtxPtr> ctx =
      internal::MakeServerTlsContext(options.certificate_chain_pem, options.private_key_pem);
  if (!ctx.ok()) return ctx.status();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), *std::move(ctx));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<Http2Server>(new Http2Server(std::move(impl)));
}

Http2Server::Http2Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Http2Server::~Http2Server() = default;

void Http2Server::Start() { impl_->Start(); }

void Http2Server::Stop() { impl_->Stop(); }

uint16_t Http2Server::port() const { return impl_->port(); }

ServerStats Http2Server::stats() const { return impl_->stats(); }

void Http2Server::PauseForTest(bool paused) { impl_->Pause(paused); }

void Http2Server::CloseConnectionsForTest() { impl_->CloseConnections(); }

void Http2Server::GoAwayForTest(ErrorCode code, std::optional<int32_t> last_stream_id) {
  impl_->GoAway(code, last_stream_id);
}

void Http2Server::SetMaxConcurrentStreamsForTest(uint32_t max_streams) {
  impl_->SetMaxStreams(max_streams);
}

}  // namespace ntf::http2
