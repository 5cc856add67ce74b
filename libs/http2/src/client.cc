#include "ntf/http2/client.h"

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "client_connection.h"
#include "tls.h"

namespace ntf::http2 {
namespace {

using internal::ClientConnection;
using internal::ToChrono;
using Clock = std::chrono::steady_clock;

bool IsFinite(absl::Duration d) { return d < absl::Hours(24 * 365); }

struct Origin {
  std::string host;
  uint16_t port = 443;
};

// "https://host[:port]" with an optional trailing '/'. IPv6 literals in brackets.
absl::StatusOr<Origin> ParseOrigin(const std::string& origin) {
  constexpr std::string_view kScheme = "https://";
  std::string_view rest = origin;
  if (rest.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin must start with https://: '", origin, "'"));
  }
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin must be https://host[:port] without a path: '", origin, "'"));
  }
  Origin out;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("bad IPv6 origin: '", origin, "'"));
    }
    out.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("bad origin: '", origin, "'"));
      }
      port = rest.substr(1);
    }
  } else {
    const size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("origin has no host: '", origin, "'"));
  }
  if (!port.empty() || rest.find(':') != std::string_view::npos) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port in origin: '", origin, "'"));
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

absl::Status ValidateOptions(const ClientOptions& o) {
  if (o.min_connections < 0 || o.max_connections < 1 || o.min_connections > o.max_connections) {
    return absl::InvalidArgumentError("need 0 <= min_connections <= max_connections, 1 <= max");
  }
  if (o.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("max_concurrent_streams must be >= 1");
  }
  if (o.max_pending_requests < 0) {
    return absl::InvalidArgumentError("max_pending_requests must be >= 0");
  }
  constexpr int32_t kMinWindow = 65535;
  if (o.stream_window_size < kMinWindow || o.connection_window_size < kMinWindow) {
    return absl::InvalidArgumentError("flow-control windows must be >= 65535");
  }
  if (o.notsent_lowat < 0) return absl::InvalidArgumentError("notsent_lowat must be >= 0");
  if (o.max_response_body_bytes < 0 || o.max_requests_per_connection < 0) {
    return absl::InvalidArgumentError("limits must be >= 0");
  }
  if (o.connect_timeout <= absl::ZeroDuration() || o.request_timeout <= absl::ZeroDuration() ||
      o.ping_timeout <= absl::ZeroDuration() ||
      o.reconnect_backoff_initial <= absl::ZeroDuration() ||
      o.reconnect_backoff_max < o.reconnect_backoff_initial) {
    return absl::InvalidArgumentError("timeouts and backoff must be positive, initial <= max");
  }
  return absl::OkStatus();
}

}  // namespace

// All state lives on the I/O thread except the members marked otherwise.
class Http2Client::Impl final : public internal::ConnectionOwner {
 public:
  Impl(ClientOptions options, internal::ConnectionConfig config)
      : options_(std::move(options)),
        config_(std::move(config)),
        backoff_timer_(io_),
        drain_timer_(io_),
        close_timer_(io_),
        deadline_timer_(io_),
        rng_(std::random_device{}()) {}

  ~Impl() override { Shutdown(absl::ZeroDuration()); }

  absl::Status Start() {
    {
      absl::MutexLock lock(&mu_);
      if (lifecycle_ != Lifecycle::kCreated) {
        return absl::FailedPreconditionError("Http2Client::Start() called twice or after Shutdown");
      }
      lifecycle_ = Lifecycle::kRunning;
    }
    work_.emplace(io_.get_executor());
    absl::MutexLock join_lock(&join_mu_);
    thread_ = std::thread([this] {
      io_.run();
      stopped_.Notify();
    });
    asio::post(io_, [this] { EnsureConnections(); });
    return absl::OkStatus();
  }

  void Shutdown(absl::Duration drain_timeout) {
    drain_timeout = std::max(drain_timeout, absl::ZeroDuration());
    {
      absl::MutexLock lock(&mu_);
      if (lifecycle_ == Lifecycle::kCreated) {
        lifecycle_ = Lifecycle::kStopped;
        return;
      }
      if (lifecycle_ == Lifecycle::kRunning) {
        lifecycle_ = Lifecycle::kShuttingDown;
        asio::post(io_, [this, drain_timeout] { BeginShutdown(drain_timeout); });
      }
    }
    // On the I/O thread (a misuse) we cannot wait for ourselves; the destructor joins.
    if (OnIoThread()) return;
    absl::MutexLock join_lock(&join_mu_);
    if (!thread_.joinable()) return;
    // Normally the loop runs out of work soon after the drain; the margin covers GOAWAY
    // writes to a peer that stopped reading (force-closed after 1 s).
    if (!stopped_.WaitForNotificationWithTimeout(drain_timeout + absl::Seconds(5))) io_.stop();
    thread_.join();
    absl::MutexLock lock(&mu_);
    lifecycle_ = Lifecycle::kStopped;
  }

  absl::Status Submit(Request request, absl::Duration timeout, ResponseCallback done) {
    absl::StatusOr<std::unique_ptr<Call>> call =
        MakeCall(std::move(request), timeout, std::move(done), Clock::now());
    if (!call.ok()) return call.status();
    absl::ReaderMutexLock lock(&mu_);
    if (absl::Status s = Admit(); !s.ok()) return s;
    // Posted under the lock: Shutdown() cannot slip in between, so every accepted call
    // reaches the loop before BeginShutdown does.
    asio::post(io_, [this, call = *std::move(call)]() mutable { Enqueue(std::move(call)); });
    return absl::OkStatus();
  }

  std::vector<absl::Status> SubmitBatch(std::vector<Http2Client::Submission> submissions) {
    std::vector<absl::Status> statuses(submissions.size());
    std::vector<std::unique_ptr<Call>> calls;
    calls.reserve(submissions.size());
    const Clock::time_point now = Clock::now();  // one submission time for the batch
    absl::ReaderMutexLock lock(&mu_);
    for (size_t i = 0; i < submissions.size(); ++i) {
      Http2Client::Submission& s = submissions[i];
      absl::StatusOr<std::unique_ptr<Call>> call =
          MakeCall(std::move(s.request), s.timeout, std::move(s.done), now);
      if (call.ok()) statuses[i] = Admit();
      if (!call.ok()) {
        statuses[i] = call.status();
      } else if (statuses[i].ok()) {
        calls.push_back(*std::move(call));
      }
    }
    if (!calls.empty()) {
      // One post for the batch, under the lock like Submit().
      asio::post(io_, [this, calls = std::move(calls)]() mutable {
        for (std::unique_ptr<Call>& call : calls) Enqueue(std::move(call));
      });
    }
    return statuses;
  }

  void RetireConnection(uint64_t connection_id) {
    absl::ReaderMutexLock lock(&mu_);
    if (lifecycle_ != Lifecycle::kRunning) return;
    asio::post(io_, [this, connection_id] {
      for (const auto& c : connections_) {
        if (c->id() != connection_id || c->state() != ClientConnection::State::kReady) continue;
        counters_.connections_retired.fetch_add(1, std::memory_order_relaxed);
        c->Drain();  // the pool opens a replacement when requests wait
        ScheduleDispatch();
      }
    });
  }

  bool OnIoThread() { return io_.get_executor().running_in_this_thread(); }

  ClientStats stats() const {
    ClientStats s;
    auto get = [](const auto& a) { return a.load(std::memory_order_relaxed); };
    s.connections_opened = get(counters_.connections_opened);
    s.connections_closed = get(counters_.connections_closed);
    s.connect_failures = get(counters_.connect_failures);
    s.requests_submitted = get(counters_.requests_submitted);
    s.requests_rejected = get(counters_.requests_rejected);
    s.responses = get(counters_.responses);
    s.failures = get(counters_.failures);
    s.retries = get(counters_.retries);
    s.connections_retired = get(counters_.connections_retired);
    s.goaways_received = get(counters_.goaways_received);
    s.pings_sent = get(counters_.pings_sent);
    s.ping_timeouts = get(counters_.ping_timeouts);
    s.streams_in_flight = get(counters_.streams_in_flight);
    s.requests_pending = get(counters_.requests_pending);
    return s;
  }

  const ClientOptions& options() const { return options_; }

 private:
  enum class Lifecycle { kCreated, kRunning, kShuttingDown, kStopped };

  struct Call {
    enum class State { kPending, kInFlight };
    State state = State::kPending;
    uint64_t id = 0;
    Request request;  // while pending; the stream owns it in flight
    ResponseCallback done;
    absl::Duration timeout;
    Clock::time_point submitted;
    int attempts = 0;                        // streams started for this call
    ClientConnection* connection = nullptr;  // in flight only
    int32_t stream_id = -1;
    Clock::time_point deadline = Clock::time_point::max();  // submitted + timeout
  };

  // ---- requests ------------------------------------------------------------------------------

  static absl::StatusOr<std::unique_ptr<Call>> MakeCall(Request request, absl::Duration timeout,
                                                        ResponseCallback done,
                                                        Clock::time_point submitted) {
    if (!done) return absl::InvalidArgumentError("Submit without a callback");
    if (absl::Status s = ValidateRequest(request); !s.ok()) return s;
    auto call = std::make_unique<Call>();
    call->request = std::move(request);
    call->done = std::move(done);
    call->timeout = timeout;
    call->submitted = submitted;
    return call;
  }

  // Takes a place in the queue for one call: OK, or why not. Caller holds mu_ (shared).
  absl::Status Admit() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    if (lifecycle_ != Lifecycle::kRunning) {
      return absl::FailedPreconditionError(lifecycle_ == Lifecycle::kCreated
                                               ? "Http2Client is not started"
                                               : "Http2Client is shut down");
    }
    if (queued_.fetch_add(1, std::memory_order_relaxed) >= options_.max_pending_requests) {
      queued_.fetch_sub(1, std::memory_order_relaxed);
      counters_.requests_rejected.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(
          absl::StrCat("HTTP/2 request queue full (", options_.max_pending_requests, " waiting)"));
    }
    counters_.requests_submitted.fetch_add(1, std::memory_order_relaxed);
    counters_.requests_pending.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }

  void Enqueue(std::unique_ptr<Call> call) {
    call->id = ++next_call_id_;
    const uint64_t id = call->id;
    if (IsFinite(call->timeout)) {
      call->deadline = call->submitted + ToChrono(call->timeout);
      if (call->deadline < deadline_armed_) ArmDeadlineTimer(call->deadline);
    }
    calls_.emplace(id, std::move(call));
    pending_.push_back(id);
    ++pending_count_;
    // Fail fast while the origin is unreachable: the last attempt failed, we are backing off
    // and no connection is usable (min_connections retry in the background; with none, the
    // first request after the backoff tries again).
    if (!last_connect_error_.ok() && Clock::now() < next_attempt_ && UsableConnections() == 0) {
      FailPending(last_connect_error_);
      return;
    }
    ScheduleDispatch();
  }

  // Leaves the pending state (dispatched or completed).
  void LeavePending() {
    --pending_count_;
    queued_.fetch_sub(1, std::memory_order_relaxed);
    counters_.requests_pending.fetch_sub(1, std::memory_order_relaxed);
  }

  // Request timeouts: each call keeps its deadline, and one timer fires at the earliest deadline
  // it was armed for; then every call past its deadline times out and the timer is armed for
  // the earliest of the rest. Calls that complete first are not looked for: no timer per
  // request to create and cancel (with uniform timeouts, one scan of the calls per timeout).
  void ArmDeadlineTimer(Clock::time_point at) {
    deadline_armed_ = at;
    deadline_timer_.expires_at(at);  // cancels an earlier wait, whose handler then does nothing
    deadline_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) ExpireCalls();
    });
  }

  void ExpireCalls() {
    deadline_armed_ = Clock::time_point::max();
    const Clock::time_point now = Clock::now();
    std::vector<uint64_t> expired;
    Clock::time_point next = Clock::time_point::max();
    for (const auto& [id, call] : calls_) {
      if (call->deadline <= now) {
        expired.push_back(id);
      } else {
        next = std::min(next, call->deadline);
      }
    }
    for (uint64_t id : expired) OnCallTimeout(id);
    if (next < deadline_armed_) ArmDeadlineTimer(next);
  }

  void OnCallTimeout(uint64_t id) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& call = *it->second;
    const std::string what =
        absl::StrCat("HTTP/2 request timed out after ", absl::FormatDuration(call.timeout));
    if (call.state == Call::State::kPending) {
      LeavePending();  // its id stays in pending_ and is skipped there
      Complete(id, absl::DeadlineExceededError(absl::StrCat(what, " (waiting for a stream)")));
    } else {
      call.connection->CancelStream(call.stream_id);
      Complete(id, absl::DeadlineExceededError(what));
    }
  }

  // Removes the call and runs its callback.
  void Complete(uint64_t id, absl::StatusOr<Response> result) {
    auto node = calls_.extract(id);
    if (node.empty()) return;
    std::unique_ptr<Call> call = std::move(node.mapped());
    const absl::Duration latency = absl::FromChrono(Clock::now() - call->submitted);
    if (result.ok()) {
      counters_.responses.fetch_add(1, std::memory_order_relaxed);
    } else {
      counters_.failures.fetch_add(1, std::memory_order_relaxed);
    }
    if (options_.observer != nullptr) {
      options_.observer->OnRequestDone(result.status(), result.ok() ? result->status : 0, latency);
    }
    call->done(std::move(result));
    if (draining_) MaybeFinishShutdown();
  }

  void FailPending(const absl::Status& status) {
    while (!pending_.empty()) {
      const uint64_t id = pending_.front();
      pending_.pop_front();
      auto it = calls_.find(id);
      if (it == calls_.end() || it->second->state != Call::State::kPending) continue;
      LeavePending();
      Complete(id, status);
    }
  }

  // The first pending call still waiting (skipping ids that timed out), or null.
  Call* FrontPending() {
    while (!pending_.empty()) {
      auto it = calls_.find(pending_.front());
      if (it != calls_.end() && it->second->state == Call::State::kPending) {
        return it->second.get();
      }
      pending_.pop_front();
    }
    return nullptr;
  }

  void ScheduleDispatch() {
    if (dispatch_scheduled_) return;
    dispatch_scheduled_ = true;
    asio::post(io_, [this] {
      dispatch_scheduled_ = false;
      Dispatch();
    });
  }

  // Moves pending calls onto connections with free stream slots, then opens connections if
  // calls still wait.
  void Dispatch() {
    while (pending_count_ > 0) {
      ClientConnection* connection = nullptr;
      for (const auto& c : connections_) {
        if (c->AvailableSlots() > 0) {
          connection = c.get();
          break;
        }
      }
      if (connection == nullptr) break;
      Call* call = FrontPending();
      if (call == nullptr) break;
      absl::StatusOr<int32_t> stream_id = connection->StartStream(call->id, call->request);
      if (!stream_id.ok()) {
        if (absl::IsFailedPrecondition(stream_id.status())) continue;  // it drains; next one
        pending_.pop_front();
        LeavePending();
        Complete(call->id, stream_id.status());
        continue;
      }
      pending_.pop_front();
      LeavePending();
      call->state = Call::State::kInFlight;
      call->connection = connection;
      call->stream_id = *stream_id;
      ++call->attempts;
    }
    EnsureConnections();
  }

  // ---- connections ---------------------------------------------------------------------------

  size_t UsableConnections() const {
    size_t n = 0;
    for (const auto& c : connections_) {
      n += c->state() == ClientConnection::State::kConnecting ||
           c->state() == ClientConnection::State::kReady;
    }
    return n;
  }

  // Opens connections up to min_connections, plus one more when calls wait, every usable
  // connection is full and none is connecting. Respects the reconnect backoff.
  void EnsureConnections() {
    if (stopping_) return;
    size_t usable = 0, connecting = 0, with_slots = 0;
    for (const auto& c : connections_) {
      if (c->state() == ClientConnection::State::kConnecting) {
        ++usable;
        ++connecting;
      } else if (c->state() == ClientConnection::State::kReady) {
        ++usable;
        with_slots += c->AvailableSlots() > 0;
      }
    }
    size_t target = std::max(usable, static_cast<size_t>(options_.min_connections));
    if (pending_count_ > 0 && connecting == 0 && with_slots == 0)
      target = std::max(target, usable + 1);
    target = std::min(target, static_cast<size_t>(options_.max_connections));
    if (draining_ && pending_count_ == 0) target = 0;  // no new connections just to drain
    if (usable >= target) return;
    const Clock::time_point now = Clock::now();
    if (now < next_attempt_) {
      if (!backoff_armed_) {
        backoff_armed_ = true;
        backoff_timer_.expires_at(next_attempt_);
        backoff_timer_.async_wait([this](const asio::error_code& ec) {
          backoff_armed_ = false;
          if (!ec) EnsureConnections();
        });
      }
      return;
    }
    for (; usable < target; ++usable) {
      auto connection =
          std::make_shared<ClientConnection>(io_, config_, *this, counters_, ++next_connection_id_);
      connections_.push_back(connection);
      connection->Connect();
    }
  }

  void RemoveConnection(ClientConnection& connection) {
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [&](const auto& c) { return c.get() == &connection; }),
                       connections_.end());
  }

  absl::Duration NextBackoff() {
    absl::Duration backoff = options_.reconnect_backoff_initial;
    for (int i = 1; i < consecutive_failures_ && backoff < options_.reconnect_backoff_max; ++i) {
      backoff *= 2;
    }
    backoff = std::min(backoff, options_.reconnect_backoff_max);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return backoff * jitter(rng_);
  }

  // internal::ConnectionOwner
  void OnConnectionReady(ClientConnection& /*connection*/) override {
    consecutive_failures_ = 0;
    last_connect_error_ = absl::OkStatus();
    next_attempt_ = Clock::time_point();
    counters_.connections_opened.fetch_add(1, std::memory_order_relaxed);
    if (options_.observer != nullptr) options_.observer->OnConnectionOpened();
    ScheduleDispatch();
  }

  void OnConnectionCapacity(ClientConnection& /*connection*/) override {
    if (pending_count_ > 0) ScheduleDispatch();
  }

  void OnConnectionDraining(ClientConnection& /*connection*/,
                            std::optional<uint32_t> goaway_error_code) override {
    if (goaway_error_code && options_.observer != nullptr) {
      options_.observer->OnGoAway(*goaway_error_code);
    }
    ScheduleDispatch();  // may open a replacement
  }

  void OnConnectionClosed(ClientConnection& connection, const absl::Status& why,
                          bool was_ready) override {
    RemoveConnection(connection);
    if (was_ready) {
      counters_.connections_closed.fetch_add(1, std::memory_order_relaxed);
      if (options_.observer != nullptr) options_.observer->OnConnectionClosed(why);
    } else if (!stopping_) {
      counters_.connect_failures.fetch_add(1, std::memory_order_relaxed);
      if (options_.observer != nullptr) options_.observer->OnConnectFailed(why);
      ++consecutive_failures_;
      last_connect_error_ =
          why.ok() ? absl::UnavailableError("connection closed during setup") : why;
      next_attempt_ = Clock::now() + ToChrono(NextBackoff());
      if (UsableConnections() == 0) FailPending(last_connect_error_);
    }
    if (stopping_) {
      if (connections_.empty()) close_timer_.cancel();
      return;
    }
    ScheduleDispatch();
  }

  void OnStreamDone(uint64_t call_id, absl::StatusOr<Response> result,
                    Request* unprocessed) override {
    auto it = calls_.find(call_id);
    if (it == calls_.end()) return;  // completed already (timeout)
    Call& call = *it->second;
    if (!result.ok() && unprocessed != nullptr && call.attempts < 2 && !stopping_) {
      // The server did not process it: once more, transparently (on another connection when
      // this one is going away, since a draining connection takes no streams).
      counters_.retries.fetch_add(1, std::memory_order_relaxed);
      counters_.requests_pending.fetch_add(1, std::memory_order_relaxed);
      queued_.fetch_add(1, std::memory_order_relaxed);
      call.request = std::move(*unprocessed);
      call.state = Call::State::kPending;
      call.connection = nullptr;
      call.stream_id = -1;
      pending_.push_front(call_id);
      ++pending_count_;
      ScheduleDispatch();
      return;
    }
    Complete(call_id, std::move(result));
  }

  // ---- shutdown ------------------------------------------------------------------------------

  void BeginShutdown(absl::Duration drain_timeout) {
    draining_ = true;
    drain_timer_.expires_after(ToChrono(drain_timeout));
    drain_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) CancelAll();
    });
    MaybeFinishShutdown();
  }

  void CancelAll() {
    const absl::Status cancelled =
        absl::CancelledError("Http2Client shut down before the response");
    std::vector<uint64_t> ids;
    ids.reserve(calls_.size());
    for (const auto& [id, call] : calls_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());  // oldest first
    stopping_ = true;                   // no retries, no new connections
    for (uint64_t id : ids) {
      auto it = calls_.find(id);
      if (it == calls_.end()) continue;
      Call& call = *it->second;
      if (call.state == Call::State::kPending) {
        LeavePending();
      } else {
        call.connection->CancelStream(call.stream_id);
      }
      Complete(id, cancelled);
    }
    pending_.clear();
    FinishShutdown();
  }

  void MaybeFinishShutdown() {
    if (!draining_ || stopping_ || !calls_.empty()) return;
    FinishShutdown();
  }

  // Every call is done: GOAWAY on each connection, close, let the loop run out of work.
  void FinishShutdown() {
    if (finishing_) return;
    finishing_ = true;
    stopping_ = true;
    drain_timer_.cancel();
    backoff_timer_.cancel();
    deadline_timer_.cancel();
    auto connections = connections_;  // CloseGracefully may post removals
    for (const auto& c : connections) c->CloseGracefully();
    if (!connections_.empty()) {
      // A peer that stopped reading would hold the GOAWAY write forever.
      close_timer_.expires_after(std::chrono::seconds(1));
      close_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        auto remaining = connections_;
        for (const auto& c : remaining) c->Terminate(absl::CancelledError("client shut down"));
      });
    }
    work_.reset();
  }

  const ClientOptions options_;
  const internal::ConnectionConfig config_;
  internal::ClientCounters counters_;

  mutable absl::Mutex mu_;
  Lifecycle lifecycle_ ABSL_GUARDED_BY(mu_) = Lifecycle::kCreated;
  // Calls accepted and not yet on a stream, including those still being posted. Any thread.
  std::atomic<int64_t> queued_{0};

  // Declared before everything that holds Asio objects or handlers, so it is destroyed last.
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  absl::Mutex join_mu_;  // one joiner at a time
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
  absl::Notification stopped_;

  // I/O thread only from here on.
  std::vector<std::shared_ptr<ClientConnection>> connections_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Call>> calls_;
  std::deque<uint64_t> pending_;  // may hold ids of calls that left; pending_count_ is exact
  int64_t pending_count_ = 0;
  uint64_t next_call_id_ = 0;
  uint64_t next_connection_id_ = 0;
  bool dispatch_scheduled_ = false;

  int consecutive_failures_ = 0;
  absl::Status last_connect_error_;
  Clock::time_point next_attempt_;
  asio::steady_timer backoff_timer_;
  bool backoff_armed_ = false;

  bool draining_ = false;  // Shutdown() began: no new calls arrive
  bool stopping_ = false;  // calls done or cancelled: closing connections
  bool finishing_ = false;
  asio::steady_timer drain_timer_;
  asio::steady_timer close_timer_;
  asio::steady_timer deadline_timer_;  // request timeouts: ArmDeadlineTimer
  Clock::time_point deadline_armed_ = Clock::time_point::max();
  std::mt19937 rng_;
};

// ---------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Http2Client>> Http2Client::Create(ClientOptions options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  absl::StatusOr<Origin> origin = ParseOrigin(options.origin);
  if (!origin.ok()) return origin.status();
  internal::ConnectionConfig config;
  config.host = origin->host;
  config.connect_host = options.connect_host.empty() ? origin->host : options.connect_host;
  config.port = origin->port;
  const std::string host_part = origin->host.find(':') != std::string::npos
                                    ? absl::StrCat("[", origin->host, "]")
                                    : origin->host;
  config.authority = origin->port == 443 ? host_part : absl::StrCat(host_part, ":", origin->port);
  config.verify_peer = !options.insecure_skip_verify_for_test;
  absl::StatusOr<internal::SslCtxPtr> ctx = internal::MakeClientTlsContext(
      {.ca_file = options.ca_file, .ca_pem = options.ca_pem, .verify_peer = config.verify_peer});
  if (!ctx.ok()) return ctx.status();
  config.ssl_ctx = *std::move(ctx);
  config.max_concurrent_streams = options.max_concurrent_streams;
  config.never_indexed_headers = options.never_indexed_headers;
  config.stream_window_size = options.stream_window_size;
  config.connection_window_size = options.connection_window_size;
  config.max_response_body_bytes = options.max_response_body_bytes;
  config.max_requests_per_connection = options.max_requests_per_connection;
  config.notsent_lowat = options.notsent_lowat;
  config.release_sent_bodies = options.release_sent_bodies;
  config.connect_timeout = options.connect_timeout;
  config.ping_interval = options.ping_interval;
  config.ping_timeout = options.ping_timeout;
  return std::unique_ptr<Http2Client>(
      new Http2Client(std::make_unique<Impl>(std::move(options), std::move(config))));
}

Http2Client::Http2Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Http2Client::~Http2Client() = default;

absl::Status Http2Client::Start() { return impl_->Start(); }

void Http2Client::Shutdown(absl::Duration drain_timeout) { impl_->Shutdown(drain_timeout); }

void Http2Client::RetireConnection(uint64_t connection_id) {
  impl_->RetireConnection(connection_id);
}

absl::Status Http2Client::Submit(Request request, absl::Duration timeout, ResponseCallback done) {
  return impl_->Submit(std::move(request), timeout, std::move(done));
}

absl::Status Http2Client::Submit(Request request, ResponseCallback done) {
  return impl_->Submit(std::move(request), impl_->options().request_timeout, std::move(done));
}

std::vector<absl::Status> Http2Client::SubmitBatch(std::vector<Submission> submissions) {
  return impl_->SubmitBatch(std::move(submissions));
}

absl::StatusOr<Response> Http2Client::Send(Request request, absl::Duration timeout) {
  if (impl_->OnIoThread()) {
    return absl::FailedPreconditionError("Http2Client::Send() on the client's I/O thread");
  }
  std::promise<absl::StatusOr<Response>> promise;
  std::future<absl::StatusOr<Response>> future = promise.get_future();
  absl::Status submitted = impl_->Submit(
      std::move(request), timeout,
      [&promise](absl::StatusOr<Response> result) { promise.set_value(std::move(result)); });
  if (!submitted.ok()) return submitted;
  return future.get();
}

absl::StatusOr<Response> Http2Client::Send(Request request) {
  return Send(std::move(request), impl_->options().request_timeout);
}

ClientStats Http2Client::stats() const { return impl_->stats(); }

const ClientOptions& Http2Client::options() const { return impl_->options(); }

}  // namespace ntf::http2
