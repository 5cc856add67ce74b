#include "ntf/observability/admin_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ntf/common/testing/fake_clock.h"

namespace ntf::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A tiny blocking HTTP client over a raw loopback socket, with timeouts so a server bug fails
// the test instead of hanging it.
class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~TestClient() { ::close(fd_); }

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads what arrives within `timeout`; nullopt on EOF/error with nothing read.
  std::optional<std::string> ReadSome(int timeout_ms = 5000) {
    pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, timeout_ms) != 1) return std::string();  // Timed out: empty.
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

  // True if the server closed the connection within `timeout_ms` (and sent nothing more).
  bool ClosedByPeer(int timeout_ms = 5000) {
    pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&pfd, 1, timeout_ms) != 1) return false;
    char c;
    return ::recv(fd_, &c, 1, 0) <= 0;
  }

  struct Response {
    int status = 0;
    std::string head;  // Status line and headers.
    std::string body;
  };

  // Reads one response framed by Content-Length (keeping any following bytes for the next).
  std::optional<Response> ReadResponse() {
    size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      auto more = ReadSome();
      if (!more || more->empty()) return std::nullopt;
      pending_ += *more;
    }
    Response r;
    r.head = pending_.substr(0, head_end + 2);
    if (!absl::SimpleAtoi(r.head.substr(9, 3), &r.status)) return std::nullopt;
    const size_t cl = r.head.find("Content-Length: ");
    if (cl == std::string::npos) return std::nullopt;
    size_t length = 0;
    if (!absl::SimpleAtoi(r.head.substr(cl + 16, r.head.find("\r\n", cl) - cl - 16), &length)) {
      return std::nullopt;
    }
    const bool head_only = r.head.find("X-Test-Head-Only") != std::string::npos;
    if (head_only) length = 0;
    pending_.erase(0, head_end + 4);
    while (pending_.size() < length) {
      auto more = ReadSome();
      if (!more || more->empty()) return std::nullopt;
      pending_ += *more;
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  std::optional<Response> Get(std::string_view path, bool keep_alive = true) {
    if (!Send(absl::StrCat("GET ", std::string(path), " HTTP/1.1\r\nHost: test\r\n",
                           keep_alive ? "" : "Connection: close\r\n", "\r\n"))) {
      return std::nullopt;
    }
    return ReadResponse();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

TestClient::Response MustGet(uint16_t port, std::string_view path) {
  TestClient client(port);
  EXPECT_TRUE(client.connected());
  auto r = client.Get(path, /*keep_alive=*/false);
  EXPECT_TRUE(r.has_value()) << path;
  EXPECT_TRUE(client.ClosedByPeer()) << "Connection: close was not honoured";
  return r.value_or(TestClient::Response{});
}

class AdminServerTest : public ::testing::Test {
 protected:
  AdminServerTest() : health_(clock_) {}

  void StartServer(AdminServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<AdminServer>(options, health_, registry_);
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  void SetUp() override { StartServer(); }

  common::testing::FakeClock clock_;
  common::Health health_;
  prometheus::Registry registry_;
  std::unique_ptr<AdminServer> server_;
  uint16_t port_ = 0;
};

TEST_F(AdminServerTest, MetricsServesTheRegistry) {
  auto& events = prometheus::BuildCounter()
                     .Name("ntf_test_events_total")
                     .Help("Events seen by the test.")
                     .Register(registry_)
                     .Add({{"kind", "probe"}});
  events.Increment(3);
  const TestClient::Response r = MustGet(port_, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(r.body, HasSubstr("# TYPE ntf_test_events_total counter"));
  EXPECT_THAT(r.body, HasSubstr("ntf_test_events_total{kind=\"probe\"} 3"));
  EXPECT_THAT(r.body, HasSubstr("ntf_admin_http_requests_total{path=\"/metrics\"} 1"));

  events.Increment();
  EXPECT_THAT(MustGet(port_, "/metrics").body,
              HasSubstr("ntf_test_events_total{kind=\"probe\"} 4"));
}

TEST_F(AdminServerTest, MetricsCarryReadinessLivenessAndDraining) {
  std::string body = MustGet(port_, "/metrics").body;
  EXPECT_THAT(body, HasSubstr("# TYPE ntf_ready gauge\nntf_ready 1\n"));
  EXPECT_THAT(body, HasSubstr("ntf_live 1\n"));
  EXPECT_THAT(body, HasSubstr("ntf_draining 0\n"));
  health_.AddReadinessCheck("postgres", [] { return absl::UnavailableError("down"); });
  body = MustGet(port_, "/metrics").body;
  EXPECT_THAT(body, HasSubstr("ntf_ready 0\n"));
  EXPECT_THAT(body, HasSubstr("ntf_live 1\n"));
  health_.AddReadinessCheck("postgres", [] { return absl::OkStatus(); });
  health_.SetDraining(true);
  body = MustGet(port_, "/metrics").body;
  EXPECT_THAT(body, HasSubstr("ntf_ready 0\n"));
  EXPECT_THAT(body, HasSubstr("ntf_draining 1\n"));
  health_.AddHeartbeat("loop-0", absl::Seconds(5));
  clock_.Advance(absl::Seconds(6));
  EXPECT_THAT(MustGet(port_, "/metrics").body, HasSubstr("ntf_live 0\n"));
}

TEST_F(AdminServerTest, HealthzFollowsHeartbeats) {
  common::Health::Heartbeat& loop = health_.AddHeartbeat("loop-0", absl::Seconds(5));
  TestClient::Response r = MustGet(port_, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");

  clock_.Advance(absl::Seconds(6));
  r = MustGet(port_, "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not live\nloop-0: DEADLINE_EXCEEDED: no tick for 6s (limit 5s)\n");

  loop.Tick();
  EXPECT_EQ(MustGet(port_, "/healthz").status, 200);
}

TEST_F(AdminServerTest, ReadyzFlipsWithChecksAndDraining) {
  std::atomic<bool> redis_up{true};
  health_.AddReadinessCheck("postgres", [] { return absl::OkStatus(); });
  health_.AddReadinessCheck(
      "redis", [&] { return redis_up ? absl::OkStatus() : absl::UnavailableError("connecting"); });
  TestClient::Response r = MustGet(port_, "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");

  redis_up = false;
  r = MustGet(port_, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready\nredis: UNAVAILABLE: connecting\n");

  redis_up = true;
  EXPECT_EQ(MustGet(port_, "/readyz").status, 200);

  health_.SetDraining(true);
  r = MustGet(port_, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready\ndraining: UNAVAILABLE: shutting down\n");
  // Draining does not touch liveness.
  EXPECT_EQ(MustGet(port_, "/healthz").status, 200);
}

TEST_F(AdminServerTest, QueryStringIsIgnoredAndUnknownPathsAre404) {
  EXPECT_EQ(MustGet(port_, "/readyz?verbose=1").status, 200);
  TestClient::Response r = MustGet(port_, "/admin/secrets");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "not found\n");
  EXPECT_EQ(MustGet(port_, "/").status, 404);
  EXPECT_EQ(MustGet(port_, "/metricsx").status, 404);
}

TEST_F(AdminServerTest, OnlyGetAndHead) {
  TestClient post(port_);
  ASSERT_TRUE(post.Send("POST /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto r = post.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_THAT(r->head, HasSubstr("Allow: GET, HEAD\r\n"));

  TestClient head(port_);
  ASSERT_TRUE(head.Send("HEAD /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto all = head.ReadSome();
  ASSERT_TRUE(all.has_value());
  EXPECT_THAT(*all, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(*all, HasSubstr("Content-Length: 3\r\n"));
  EXPECT_EQ(all->substr(all->size() - 4), "\r\n\r\n");  // No body.
  EXPECT_TRUE(head.ClosedByPeer());
}

TEST_F(AdminServerTest, KeepAliveAndPipelining) {
  TestClient client(port_);
  for (int i = 0; i < 3; ++i) {
    auto r = client.Get("/healthz");
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_THAT(r->head, HasSubstr("Connection: keep-alive"));
  }
  // Two requests in one write: two responses, in order.
  ASSERT_TRUE(client.Send("GET /readyz HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"));
  auto first = client.ReadResponse();
  auto second = client.ReadResponse();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 404);
  // HTTP/1.0 without keep-alive closes after the response.
  ASSERT_TRUE(client.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  auto last = client.ReadResponse();
  ASSERT_TRUE(last.has_value());
  EXPECT_THAT(last->head, HasSubstr("Connection: close"));
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(AdminServerTest, GarbageGets400AndTheServerKeepsServing) {
  const std::string kGarbage[] = {
      std::string("\x00\x01\x02\x03\r\n\r\n", 8),
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 15),  // TLS.
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
  };
  for (const std::string& garbage : kGarbage) {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(garbage));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r.has_value()) << garbage;
    EXPECT_EQ(r->status, 400) << garbage;
    EXPECT_THAT(r->head, HasSubstr("Connection: close"));
    EXPECT_TRUE(client.ClosedByPeer()) << garbage;
  }
  // Bytes without any CRLF CRLF: 431 once the head limit is passed.
  TestClient flood(port_);
  ASSERT_TRUE(flood.Send(std::string(20000, 'A')));
  auto r = flood.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  // A body is refused.
  TestClient body(port_);
  ASSERT_TRUE(body.Send("GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"));
  r = body.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);

  EXPECT_EQ(MustGet(port_, "/healthz").status, 200);
  EXPECT_THAT(MustGet(port_, "/metrics").body, HasSubstr("ntf_admin_http_bad_requests_total 8"));
}

TEST_F(AdminServerTest, ClientThatVanishesMidRequestIsHarmless) {
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send("GET /metr"));
  }  // Closed with a partial request.
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send("GET /metrics HTTP/1.1\r\n\r\n"));
  }  // Closed before reading the response.
  EXPECT_EQ(MustGet(port_, "/healthz").status, 200);
}

TEST_F(AdminServerTest, ConcurrentClients) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      TestClient client(port_);
      for (int i = 0; i < 20; ++i) {
        auto r = client.Get(i % 2 == 0 ? "/metrics" : "/readyz");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 160);
}

TEST_F(AdminServerTest, StopClosesConnectionsAndIsIdempotent) {
  TestClient idle(port_);
  ASSERT_TRUE(idle.Get("/healthz").has_value());
  server_->Stop();
  EXPECT_TRUE(idle.ClosedByPeer());
  server_->Stop();
  TestClient late(port_);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(server_->Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AdminServerLimitsTest, IdleAndSlowConnectionsTimeOut) {
  common::Health health;
  prometheus::Registry registry;
  AdminServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.io_timeout = absl::Milliseconds(200);
  AdminServer server(options, health, registry);
  ASSERT_TRUE(server.Start().ok());

  TestClient idle(server.port());
  ASSERT_TRUE(idle.connected());
  EXPECT_TRUE(idle.ClosedByPeer(/*timeout_ms=*/3000));

  TestClient slow(server.port());
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\nHost:"));
  EXPECT_TRUE(slow.ClosedByPeer(/*timeout_ms=*/3000));

  TestClient after_response(server.port());
  ASSERT_TRUE(after_response.Get("/healthz").has_value());
  EXPECT_TRUE(after_response.ClosedByPeer(/*timeout_ms=*/3000));
}

TEST(AdminServerLimitsTest, ConnectionsOverTheLimitAreClosed) {
  common::Health health;
  prometheus::Registry registry;
  AdminServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.max_connections = 1;
  AdminServer server(options, health, registry);
  ASSERT_TRUE(server.Start().ok());

  TestClient first(server.port());
  ASSERT_TRUE(first.Get("/healthz").has_value());  // Now certainly being served.
  TestClient second(server.port());
  EXPECT_TRUE(second.ClosedByPeer());
  auto metrics = first.Get("/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_THAT(metrics->body, HasSubstr("ntf_admin_connections_rejected_total 1"));
}

TEST(AdminServerStartTest, BadOptionsAndBusyPort) {
  common::Health health;
  prometheus::Registry registry;
  AdminServerOptions bad;
  bad.address = "localhost";  // Not an IP literal.
  EXPECT_EQ(AdminServer(bad, health, registry).Start().code(), absl::StatusCode::kInvalidArgument);

  AdminServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  AdminServer first(options, health, registry);
  ASSERT_TRUE(first.Start().ok());
  EXPECT_EQ(first.Start().code(), absl::StatusCode::kFailedPrecondition);
  options.port = first.port();
  AdminServer second(options, health, registry);
  absl::Status busy = second.Start();
  EXPECT_EQ(busy.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(busy.message(), HasSubstr(absl::StrCat("127.0.0.1:", first.port())));
  EXPECT_EQ(second.port(), 0);
}

TEST(AdminServerStartTest, Ipv6Loopback) {
  common::Health health;
  prometheus::Registry registry;
  AdminServerOptions options;
  options.address = "::1";
  options.port = 0;
  AdminServer server(options, health, registry);
  absl::Status s = server.Start();
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback: " << s;
  EXPECT_NE(server.port(), 0);
}

TEST(AdminServerConfigTest, SchemaLoadsAndValidates) {
  struct ServiceConfig {
    AdminServerOptions admin;
  };
  auto schema = common::ConfigSchema<ServiceConfig>("svc").Section("admin", &ServiceConfig::admin,
                                                                   AdminServerConfigSchema());
  auto config = schema.LoadYaml("admin:\n  port: 0\n  io_timeout: 2s\n", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->admin.port, 0);
  EXPECT_EQ(config->admin.io_timeout, absl::Seconds(2));
  EXPECT_EQ(config->admin.address, "0.0.0.0");
  EXPECT_THAT(schema.LoadYaml("admin: {prot: 1}", {}).status().message(),
              HasSubstr("unknown config key \"admin.prot\""));
  EXPECT_THAT(schema.LoadYaml("admin: {address: example.org}", {}).status().message(),
              HasSubstr("admin: admin address \"example.org\" is not an IP address"));
  EXPECT_EQ(schema.LoadYaml("", {{"NTF_SVC_ADMIN_PORT", "9100"}})->admin.port, 9100);
}

}  // namespace
}  // namespace ntf::observability
