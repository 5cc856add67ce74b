#include "ntf/observability/admin_server.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <pthread.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "ntf/common/clock.h"
#include "ntf/observability/admin_metrics.h"
#include "ntf/observability/http1.h"

namespace ntf::observability {

absl::Status AdminServerOptions::Validate() const {
  std::error_code ec;
  asio::ip::make_address(address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin address \"", address, "\" is not an IP address"));
  }
  if (io_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("admin io_timeout must be positive");
  }
  if (max_connections < 1) return absl::InvalidArgumentError("admin max_connections must be >= 1");
  if (max_request_bytes < 256) {
    return absl::InvalidArgumentError("admin max_request_bytes must be >= 256");
  }
  return absl::OkStatus();
}

common::ConfigSchema<AdminServerOptions> AdminServerConfigSchema() {
  using O = AdminServerOptions;
  return common::ConfigSchema<O>()
      .Field("address", &O::address,
             "Listen address of the admin HTTP server (/metrics, /healthz, /readyz): an IP "
             "literal.")
      .Field("port", &O::port, "Admin TCP port; 0 picks a free one.")
      .Field("io_timeout", &O::io_timeout,
             "Limit for reading a request or writing a response; idle keep-alive connections "
             "close after it.")
      .Field("max_connections", &O::max_connections,
             "Admin connections served at once; more are closed on accept.")
      .Field("max_request_bytes", &O::max_request_bytes,
             "Limit on a request's line plus headers; larger requests get 431.");
}

namespace {

using asio::ip::tcp;

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";
// After a response that closes the connection, unread request bytes are drained for at most
// this many bytes, so that closing does not reset the connection before the client reads it.
constexpr size_t kMaxLingerBytes = 64 * 1024;

struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer timer;  // Closes the socket when an I/O step takes too long.
};

struct Response {
  int status = 200;
  std::string_view content_type = kTextPlain;
  std::string body;
  std::string_view extra_headers = "";
};

// A gauge family with one unlabelled sample.
prometheus::MetricFamily Gauge(std::string name, std::string help, double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric sample;
  sample.gauge.value = value;
  family.metric.push_back(std::move(sample));
  return family;
}

// The process's own view of /readyz and /healthz, evaluated at scrape time, so alerts need no
// probe of their own (docs/deployment.md): ntf_ready, ntf_live, ntf_draining (1 or 0).
void AppendHealthGauges(const common::Health& health,
                        std::vector<prometheus::MetricFamily>& families) {
  families.push_back(Gauge("ntf_ready",
                           "1 while /readyz answers 200 (every check OK, not draining).",
                           health.Readiness().ok ? 1 : 0));
  families.push_back(Gauge("ntf_live", "1 while /healthz answers 200 (every event loop ticks).",
                           health.Liveness().ok ? 1 : 0));
  families.push_back(Gauge("ntf_draining", "1 once shutdown began (SIGTERM): no new work is taken.",
                           health.draining() ? 1 : 0));
}

std::string FailureLines(std::string_view title, const common::Health::Report& report) {
  std::string body = absl::StrCat(std::string(title), "\n");
  for (const auto& f : report.failures) {
    absl::StrAppend(&body, f.name, ": ", f.status.ToString(), "\n");
  }
  return body;
}

enum class ReadOutcome { kHead, kTooLarge, kClosed };

}  // namespace

class AdminServer::Impl {
 public:
  Impl(AdminServerOptions options, const common::Health& health, prometheus::Registry& registry)
      : options_(std::move(options)), health_(health), registry_(registry), metrics_(registry) {}

  ~Impl() { Stop(); }

  absl::Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

 private:
  enum class State { kNew, kRunning, kStopped };

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  asio::awaitable<ReadOutcome> ReadHead(const std::shared_ptr<Connection>& conn,
                                        std::string& buffer, size_t& head_end);
  asio::awaitable<void> Linger(const std::shared_ptr<Connection>& conn);
  void ArmTimer(const std::shared_ptr<Connection>& conn);
  Response Route(const HttpRequestHead& request);

  // Constant after construction.
  const AdminServerOptions options_;
  const common::Health& health_;
  prometheus::Registry& registry_;
  AdminMetrics metrics_;

  // Asio objects; after Start() touched only on the server thread (and by Stop() through
  // post()). Declared in this order so that they are destroyed before the io_context.
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  asio::steady_timer accept_backoff_{io_};
  std::unordered_set<Connection*> connections_;  // Server thread only.

  std::atomic<uint16_t> port_{0};
  absl::Mutex mu_;  // Serializes Start() and Stop().
  State state_ ABSL_GUARDED_BY(mu_) = State::kNew;
  std::thread thread_;
};

absl::Status AdminServer::Impl::Start() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kNew) return absl::FailedPreconditionError("admin server already started");
  if (absl::Status s = options_.Validate(); !s.ok()) return s;

  std::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address(options_.address, ec), options_.port);
  auto fail = [&](std::string_view step) {
    std::error_code ignored;
    acceptor_.close(ignored);
    return absl::UnavailableError(absl::StrCat("admin server cannot ", std::string(step), " ",
                                               options_.address, ":", options_.port, ": ",
                                               ec.message()));
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  const tcp::endpoint local = acceptor_.local_endpoint(ec);
  if (ec) return fail("read the bound port of");
  port_.store(local.port());

  asio::co_spawn(io_, AcceptLoop(), asio::detached);
  try {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "ntf-admin");
      io_.run();
    });
  } catch (const std::system_error& e) {
    std::error_code ignored;
    acceptor_.close(ignored);
    io_.run();  // Lets the accept loop see the closed acceptor and finish.
    return absl::InternalError(absl::StrCat("admin server cannot start its thread: ", e.what()));
  }
  state_ = State::kRunning;
  return absl::OkStatus();
}

void AdminServer::Impl::Stop() {
  {
    absl::MutexLock lock(&mu_);
    const State was = state_;
    state_ = State::kStopped;
    if (was != State::kRunning) return;
  }
  asio::post(io_, [this] {
    std::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    for (Connection* c : connections_) {
      c->timer.cancel();
      c->socket.close(ignored);
    }
  });
  // Every coroutine ends once its socket or the acceptor is closed; run() then returns.
  thread_.join();
}

asio::awaitable<void> AdminServer::Impl::AcceptLoop() {
  for (;;) {
    std::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (!acceptor_.is_open()) co_return;  // Stopped.
    if (ec) {
      // Out of descriptors or a connection reset before accept: back off briefly, retry.
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      co_await accept_backoff_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (connections_.size() >= static_cast<size_t>(options_.max_connections)) {
      metrics_.ConnectionRejected();
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);  // Responses are single small writes.
    asio::co_spawn(io_, Serve(std::make_shared<Connection>(std::move(socket))), asio::detached);
  }
}

void AdminServer::Impl::ArmTimer(const std::shared_ptr<Connection>& conn) {
  conn->timer.expires_after(common::ToSteadyDuration(options_.io_timeout));
  conn->timer.async_wait([weak = std::weak_ptr<Connection>(conn)](const std::error_code& ec) {
    if (ec) return;  // Re-armed or cancelled.
    if (auto c = weak.lock()) {
      std::error_code ignored;
      c->socket.close(ignored);  // Fails the pending read/write.
    }
  });
}

asio::awaitable<ReadOutcome> AdminServer::Impl::ReadHead(const std::shared_ptr<Connection>& conn,
                                                         std::string& buffer, size_t& head_end) {
  const size_t limit = static_cast<size_t>(options_.max_request_bytes);
  for (;;) {
    head_end = FindHeadEnd(buffer);
    if (head_end != std::string_view::npos) {
      co_return head_end > limit ? ReadOutcome::kTooLarge : ReadOutcome::kHead;
    }
    if (buffer.size() >= limit) co_return ReadOutcome::kTooLarge;
    ArmTimer(conn);
    char chunk[2048];
    std::error_code ec;
    const size_t n = co_await conn->socket.async_read_some(
        asio::buffer(chunk, std::min(sizeof(chunk), limit + 4 - buffer.size())),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ReadOutcome::kClosed;  // EOF, reset, timeout or Stop().
    buffer.append(chunk, n);
  }
}

asio::awaitable<void> AdminServer::Impl::Linger(const std::shared_ptr<Connection>& conn) {
  std::error_code ec;
  conn->socket.shutdown(tcp::socket::shutdown_send, ec);
  size_t drained = 0;
  ArmTimer(conn);  // One deadline for the whole drain, not one per read.
  while (!ec && drained < kMaxLingerBytes) {
    char chunk[2048];
    drained += co_await conn->socket.async_read_some(asio::buffer(chunk),
                                                     asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> AdminServer::Impl::Serve(std::shared_ptr<Connection> conn) {
  connections_.insert(conn.get());
  std::string buffer;
  bool linger = false;
  for (;;) {
    size_t head_end = 0;
    const ReadOutcome outcome = co_await ReadHead(conn, buffer, head_end);
    if (outcome == ReadOutcome::kClosed) break;

    Response response;
    bool keep_alive = false;
    bool head_only = false;
    if (outcome == ReadOutcome::kTooLarge) {
      metrics_.BadRequest();
      response = {.status = 431,
                  .content_type = kTextPlain,
                  .body = "request head too large\n",
                  .extra_headers = ""};
    } else {
      absl::StatusOr<HttpRequestHead> request =
          ParseHttpRequestHead(std::string_view(buffer).substr(0, head_end));
      buffer.erase(0, head_end);
      if (!request.ok()) {
        metrics_.BadRequest();
        response = {.status = 400,
                    .content_type = kTextPlain,
                    .body = absl::StrCat(request.status().message(), "\n"),
                    .extra_headers = ""};
      } else if (request->content_length > 0) {
        metrics_.BadRequest();
        response = {.status = 413,
                    .content_type = kTextPlain,
                    .body = "request bodies are not accepted\n",
                    .extra_headers = ""};
      } else {
        response = Route(*request);
        keep_alive = request->keep_alive;
        head_only = request->method == "HEAD";
      }
    }
    linger = !keep_alive;
    const std::string bytes =
        SerializeHttpResponse(response.status, response.content_type, response.body, keep_alive,
                              head_only, response.extra_headers);
    ArmTimer(conn);
    std::error_code ec;
    co_await asio::async_write(conn->socket, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      linger = false;
      break;
    }
    if (!keep_alive) break;
  }
  if (linger && conn->socket.is_open()) co_await Linger(conn);
  std::error_code ignored;
  conn->timer.cancel();
  conn->socket.close(ignored);
  connections_.erase(conn.get());
}

Response AdminServer::Impl::Route(const HttpRequestHead& request) {
  const std::string_view path = request.path();
  AdminMetrics::Path which = AdminMetrics::Path::kOther;
  if (path == "/metrics") which = AdminMetrics::Path::kMetrics;
  if (path == "/healthz") which = AdminMetrics::Path::kHealthz;
  if (path == "/readyz") which = AdminMetrics::Path::kReadyz;
  metrics_.RequestServed(which);

  if (request.method != "GET" && request.method != "HEAD") {
    return {.status = 405,
            .content_type = kTextPlain,
            .body = "method not allowed\n",
            .extra_headers = "Allow: GET, HEAD\r\n"};
  }
  switch (which) {
    case AdminMetrics::Path::kMetrics: {
      std::vector<prometheus::MetricFamily> families = registry_.Collect();
      AppendHealthGauges(health_, families);
      return {.status = 200,
              .content_type = kPrometheusText,
              .body = prometheus::TextSerializer().Serialize(families),
              .extra_headers = ""};
    }
    case AdminMetrics::Path::kHealthz: {
      const common::Health::Report live = health_.Liveness();
      if (live.ok) return {.status = 200, .content_type = kTextPlain, .body = "ok\n"};
      return {.status = 503,
              .content_type = kTextPlain,
              .body = FailureLines("not live", live),
              .extra_headers = ""};
    }
    case AdminMetrics::Path::kReadyz: {
      const common::Health::Report ready = health_.Readiness();
      if (ready.ok) return {.status = 200, .content_type = kTextPlain, .body = "ok\n"};
      return {.status = 503,
              .content_type = kTextPlain,
              .body = FailureLines("not ready", ready),
              .extra_headers = ""};
    }
    case AdminMetrics::Path::kOther:
      break;
  }
  return {.status = 404, .content_type = kTextPlain, .body = "not found\n", .extra_headers = ""};
}

AdminServer::AdminServer(AdminServerOptions options, const common::Health& health,
                         prometheus::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), health, registry)) {}

AdminServer::~AdminServer() = default;

absl::Status AdminServer::Start() { return impl_->Start(); }

uint16_t AdminServer::port() const { return impl_->port(); }

void AdminServer::Stop() { impl_->Stop(); }

}  // namespace ntf::observability
