// Http2Client against Http2Server over TLS on loopback.

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ntf/common/testing/wait.h"
#include "ntf/http2/client.h"
#include "ntf/http2/server.h"
#include "ntf/http2/testing/test_pki.h"

namespace ntf::http2 {
namespace {

using ::testing::Test;

// common::testing::WaitUntil with this file's defaults: 10 s, polled every 2 ms (the client's
// counters change within milliseconds).
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(10)) {
  return common::testing::WaitUntil(condition, timeout, absl::Milliseconds(2));
}

// Collects the results of asynchronous requests.
class Results {
 public:
  Http2Client::ResponseCallback Callback() {
    return [this](absl::StatusOr<Response> result) {
      absl::MutexLock lock(&mu_);
      results_.push_back(std::move(result));
    };
  }
  // Waits until `n` results arrived; returns them (or what arrived by the timeout).
  std::vector<absl::StatusOr<Response>> Wait(size_t n, absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto enough = [&] { return results_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return results_;
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return results_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::StatusOr<Response>> results_ ABSL_GUARDED_BY(mu_);
};

// Responders a handler keeps for later.
class HeldResponders {
 public:
  void Add(Responder r) {
    absl::MutexLock lock(&mu_);
    held_.push_back(std::move(r));
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return held_.size();
  }
  std::vector<Responder> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(held_);
  }

 private:
  absl::Mutex mu_;
  std::vector<Responder> held_ ABSL_GUARDED_BY(mu_);
};

Request Get(std::string path) { return Request{.method = "GET", .path = std::move(path)}; }

// GET `path` with a 200 ms timeout from a server that holds it: DeadlineExceeded, no sooner
// than the timeout and well before 3 s.
void ExpectTimesOutAfter200Ms(Http2Client& client, std::string path) {
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> response = client.Send(Get(std::move(path)), absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status())) << response.status();
  EXPECT_GE(took, absl::Milliseconds(190));
  EXPECT_LT(took, absl::Seconds(3));
}

class Http2Test : public Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
  }

  ServerOptions BaseServerOptions() const {
    return ServerOptions{.certificate_chain_pem = pki_.server_certificate_pem,
                         .private_key_pem = pki_.server_private_key_pem};
  }

  Http2Server& StartServer(Http2Server::Handler handler, ServerOptions options) {
    if (options.certificate_chain_pem.empty()) {
      options.certificate_chain_pem = pki_.server_certificate_pem;
      options.private_key_pem = pki_.server_private_key_pem;
    }
    absl::StatusOr<std::unique_ptr<Http2Server>> server =
        Http2Server::Create(std::move(options), std::move(handler));
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    server_->Start();
    return *server_;
  }
  Http2Server& StartServer(Http2Server::Handler handler) {
    return StartServer(std::move(handler), BaseServerOptions());
  }

  ClientOptions BaseClientOptions() const {
    return ClientOptions{.origin = absl::StrCat("https://localhost:", server_->port()),
                         .ca_pem = pki_.ca_certificate_pem};
  }

  std::unique_ptr<Http2Client> StartClient(ClientOptions options) {
    absl::StatusOr<std::unique_ptr<Http2Client>> client = Http2Client::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_TRUE((*client)->Start().ok());
    return *std::move(client);
  }
  std::unique_ptr<Http2Client> StartClient() { return StartClient(BaseClientOptions()); }

  testing::TestPki pki_;
  std::unique_ptr<Http2Server> server_;
};

// ---- basics ---------------------------------------------------------------------------------

TEST_F(Http2Test, GetAndPostRoundTrip) {
  StartServer([](const Request& request, Responder responder) {
    Response response{
        .status = request.method == "POST" ? 201 : 200,
        .headers = {{"x-path", request.path},
                    {"x-echo", std::string(FindHeader(request.headers, "x-test").value_or("none"))},
                    {"x-length",
                     std::string(FindHeader(request.headers, "content-length").value_or("none"))}},
        .body = absl::StrCat(request.method, ":", request.body)};
    responder.Respond(std::move(response));
  });
  auto client = StartClient();

  absl::StatusOr<Response> get = client->Send(Get("/hello?x=1"));
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET:");
  EXPECT_EQ(FindHeader(get->headers, "x-path"), "/hello?x=1");
  EXPECT_EQ(FindHeader(get->headers, "x-echo"), "none");
  EXPECT_EQ(FindHeader(get->headers, "content-length"), "4");

  absl::StatusOr<Response> post = client->Send(Request{.method = "POST",
                                                       .path = "/3/device/abc",
                                                       .headers = {{"X-Test", "Value"}},
                                                       .body = R"({"aps":{}})"});
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->status, 201);
  EXPECT_EQ(post->body, R"(POST:{"aps":{}})");
  EXPECT_EQ(FindHeader(post->headers, "x-echo"), "Value");  // name lowercased on the wire
  EXPECT_EQ(FindHeader(post->headers, "x-length"), "10");   // content-length added
  EXPECT_EQ(client->stats().connections_opened, 1u);
  EXPECT_EQ(client->stats().responses, 2u);
}

// Names go out lowercase whatever mix of cases the request has (including one too long for
// the short-string buffer), in order, and a content-length given in any case is not doubled.
TEST_F(Http2Test, HeaderNamesGoOutLowercaseInOrder) {
  StartServer([](const Request& request, Responder responder) {
    std::string seen;
    for (const auto& [name, value] : request.headers) absl::StrAppend(&seen, name, "=", value, ";");
    responder.Respond(200, std::move(seen));
  });
  auto client = StartClient();
  absl::StatusOr<Response> r =
      client->Send(Request{.method = "POST",
                           .path = "/h",
                           .headers = {{"X-A", "1"},
                                       {"x-b", "2"},
                                       {"X-A-Header-Name-Longer-Than-Sso", "3"},
                                       {"Content-Length", "4"},
                                       {"x-e", "5"}},
                           .body = "body"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "x-a=1;x-b=2;x-a-header-name-longer-than-sso=3;content-length=4;x-e=5;");
}

TEST_F(Http2Test, ManyConcurrentStreamsOverOneConnection) {
  StartServer([](const Request&, Responder responder) {
    responder.RespondAfter(absl::Milliseconds(150), Response{.status = 200, .body = "ok"});
  });
  auto client = StartClient();
  Results results;
  constexpr int kRequests = 500;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Submit(Get(absl::StrCat("/r/", i)), results.Callback()).ok());
  }
  std::vector<absl::StatusOr<Response>> all = results.Wait(kRequests);
  ASSERT_EQ(all.size(), static_cast<size_t>(kRequests));
  for (const auto& r : all) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
  }
  const ClientStats stats = client->stats();
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(server_->stats().sessions_accepted, 1u);
  EXPECT_GT(server_->stats().max_concurrent_streams, 100);
  EXPECT_EQ(stats.requests_pending, 0);
  EXPECT_TRUE(WaitFor([&] { return client->stats().streams_in_flight == 0; }));
  std::printf("server saw up to %lld concurrent streams on one connection\n",
              static_cast<long long>(server_->stats().max_concurrent_streams));
}

TEST_F(Http2Test, SpillsIntoSecondConnectionAtPeerStreamLimit) {
  ServerOptions server_options = BaseServerOptions();
  server_options.max_concurrent_streams = 100;
  StartServer(
      [](const Request&, Responder responder) {
        responder.RespondAfter(absl::Milliseconds(100), Response{.status = 200});
      },
      server_options);
  ClientOptions options = BaseClientOptions();
  options.max_connections = 2;
  auto client = StartClient(options);
  Results results;
  constexpr int kRequests = 300;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Submit(Get("/"), results.Callback()).ok());
  }
  for (const auto& r : results.Wait(kRequests)) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(client->stats().connections_opened, 2u);
  EXPECT_EQ(server_->stats().sessions_accepted, 2u);
  EXPECT_LE(server_->stats().max_concurrent_streams, 100);
  EXPECT_EQ(client->stats().retries, 0u);  // never exceeded the peer's limit
}

// APNs allows one stream until the first request succeeds, then raises the limit.
TEST_F(Http2Test, FollowsPeerSettingsUpdates) {
  ServerOptions server_options = BaseServerOptions();
  server_options.max_concurrent_streams = 1;
  StartServer(
      [](const Request&, Responder responder) {
        responder.RespondAfter(absl::Milliseconds(20), Response{.status = 200});
      },
      server_options);
  ClientOptions options = BaseClientOptions();
  options.max_connections = 1;
  auto client = StartClient(options);
  Results results;
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Submit(Get("/"), results.Callback()).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return server_->stats().streams_started >= 3; }));
  EXPECT_EQ(server_->stats().max_concurrent_streams, 1);
  server_->SetMaxConcurrentStreamsForTest(100);
  for (const auto& r : results.Wait(kRequests)) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(server_->stats().max_concurrent_streams, 10);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

// Bodies far beyond the windows: the server keeps the protocol's 64 KiB windows (upload is
// flow-controlled hard), the 4 responses (24 MiB) exceed the client's 16 MiB connection window.
TEST_F(Http2Test, LargeBodiesBothWaysUnderFlowControl) {
  ServerOptions server_options = BaseServerOptions();
  server_options.stream_window_size = 65535;
  server_options.connection_window_size = 65535;
  StartServer(
      [](const Request& request, Responder responder) {
        std::string body = request.body;
        std::reverse(body.begin(), body.end());
        responder.Respond(200, std::move(body));
      },
      server_options);
  auto client = StartClient();
  constexpr int kRequests = 4;
  constexpr size_t kSize = 6 << 20;
  std::vector<std::string> bodies;
  std::mt19937 rng(42);
  for (int i = 0; i < kRequests; ++i) {
    std::string body(kSize, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    bodies.push_back(std::move(body));
  }
  Results results;
  std::vector<std::string> expected;
  for (int i = 0; i < kRequests; ++i) {
    std::string reversed = bodies[i];
    std::reverse(reversed.begin(), reversed.end());
    expected.push_back(std::move(reversed));
    ASSERT_TRUE(client
                    ->Submit(Request{.method = "POST", .path = "/echo", .body = bodies[i]},
                             absl::Seconds(60), results.Callback())
                    .ok());
  }
  std::vector<absl::StatusOr<Response>> all = results.Wait(kRequests, absl::Seconds(60));
  ASSERT_EQ(all.size(), static_cast<size_t>(kRequests));
  for (const auto& r : all) {
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->body.size(), kSize);
    EXPECT_NE(std::find(expected.begin(), expected.end(), r->body), expected.end());
  }
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

// Writes go through a buffer BIO and out in one send per batch (session_io.cc). A peer that
// stops reading blocks those sends with data still buffered; once it reads again everything
// arrives whole and in order. With a 1 KiB TCP_NOTSENT_LOWAT nearly every send stops early.
class BufferedWritesTest : public Http2Test, public ::testing::WithParamInterface<int> {};

TEST_P(BufferedWritesTest, SurviveAPeerThatStopsReading) {
  StartServer([](const Request& request, Responder responder) {
    responder.Respond(200, std::to_string(request.body.size()) + ":" +
                               std::to_string(std::hash<std::string>{}(request.body)));
  });
  ClientOptions options = BaseClientOptions();
  options.ping_interval = absl::InfiniteDuration();  // a paused peer must not count as dead
  options.notsent_lowat = GetParam();
  auto client = StartClient(options);
  ASSERT_TRUE(client->Send(Get("/")).ok());  // connected

  server_->PauseForTest(true);
  constexpr int kRequests = 64;
  std::mt19937 rng(7);
  std::vector<std::string> expected;
  Results results;
  for (int i = 0; i < kRequests; ++i) {
    std::string body(200 << 10, '\0');  // 12.5 MiB in all: more than the socket buffers take
    for (char& c : body) c = static_cast<char>(rng());
    expected.push_back(std::to_string(body.size()) + ":" +
                       std::to_string(std::hash<std::string>{}(body)));
    ASSERT_TRUE(client
                    ->Submit(Request{.method = "POST", .path = "/sum", .body = std::move(body)},
                             absl::Seconds(60), results.Callback())
                    .ok());
  }
  absl::SleepFor(absl::Milliseconds(300));  // the client fills the socket and waits
  server_->PauseForTest(false);
  std::vector<absl::StatusOr<Response>> all = results.Wait(kRequests, absl::Seconds(60));
  ASSERT_EQ(all.size(), static_cast<size_t>(kRequests));
  std::vector<std::string> got;
  for (const auto& r : all) {
    ASSERT_TRUE(r.ok()) << r.status();
    got.push_back(r->body);
  }
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

INSTANTIATE_TEST_SUITE_P(NotsentLowat, BufferedWritesTest,
                         ::testing::Values(ClientOptions{}.notsent_lowat, 0, 1024));

TEST_F(Http2Test, ResponseBodyOverLimitIsResourceExhausted) {
  StartServer([](const Request& request, Responder responder) {
    responder.Respond(200, std::string(request.path == "/big" ? (2 << 20) : 10, 'x'));
  });
  ClientOptions options = BaseClientOptions();
  options.max_response_body_bytes = 1 << 20;
  auto client = StartClient(options);
  absl::StatusOr<Response> big = client->Send(Get("/big"));
  EXPECT_TRUE(absl::IsResourceExhausted(big.status())) << big.status();
  absl::StatusOr<Response> small = client->Send(Get("/small"));  // same connection still fine
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->body.size(), 10u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

// ---- connection loss, GOAWAY, RST_STREAM ------------------------------------------------------

TEST_F(Http2Test, ServerClosingConnectionFailsInFlightAndNextRequestReconnects) {
  HeldResponders held;
  std::atomic<bool> hold{true};
  StartServer([&](const Request&, Responder responder) {
    if (hold) {
      held.Add(std::move(responder));
    } else {
      responder.Respond(200, "after");
    }
  });
  auto client = StartClient();
  Results results;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->Submit(Get("/"), results.Callback()).ok());
  ASSERT_TRUE(WaitFor([&] { return held.size() == 5; }));
  hold = false;
  server_->CloseConnectionsForTest();
  for (const auto& r : results.Wait(5)) {
    EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  }
  absl::StatusOr<Response> next = client->Send(Get("/"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "after");
  EXPECT_EQ(client->stats().connections_opened, 2u);
  EXPECT_EQ(client->stats().retries, 0u);  // in flight: maybe processed, so not retried
}

TEST_F(Http2Test, GoAwayRetriesStreamsAboveLastStreamIdOnANewConnection) {
  HeldResponders held;
  std::atomic<bool> hold{true};
  StartServer([&](const Request&, Responder responder) {
    if (hold) {
      held.Add(std::move(responder));
    } else {
      responder.Respond(200, "second connection");
    }
  });
  auto client = StartClient();
  Results results;
  constexpr int kRequests = 10;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Submit(Get("/"), results.Callback()).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return held.size() == kRequests; }));
  std::vector<Responder> responders = held.Take();
  std::vector<int32_t> ids;
  for (const Responder& r : responders) ids.push_back(r.stream_id());
  std::sort(ids.begin(), ids.end());
  const int32_t last = ids[kRequests / 2 - 1];  // the first 5 streams were processed
  hold = false;
  server_->GoAwayForTest(ErrorCode::kNoError, last);
  for (Responder& r : responders) r.Respond(200, "first connection");  // > last: dropped

  std::vector<absl::StatusOr<Response>> all = results.Wait(kRequests);
  ASSERT_EQ(all.size(), static_cast<size_t>(kRequests));
  int first = 0, second = 0;
  for (const auto& r : all) {
    ASSERT_TRUE(r.ok()) << r.status();
    first += r->body == "first connection";
    second += r->body == "second connection";
  }
  EXPECT_EQ(first, kRequests / 2);
  EXPECT_EQ(second, kRequests / 2);
  const ClientStats stats = client->stats();
  EXPECT_EQ(stats.goaways_received, 1u);
  EXPECT_EQ(stats.retries, static_cast<uint64_t>(kRequests / 2));
  EXPECT_EQ(stats.connections_opened, 2u);
  // The old connection closes once its streams are done.
  EXPECT_TRUE(WaitFor([&] { return client->stats().connections_closed == 1; }));
}

TEST_F(Http2Test, RefusedStreamIsRetriedOnceThenUnavailable) {
  StartServer(
      [](const Request&, Responder responder) { responder.Reset(ErrorCode::kRefusedStream); });
  auto client = StartClient();
  absl::StatusOr<Response> r = client->Send(Get("/"));
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("REFUSED_STREAM"), std::string::npos) << r.status();
  EXPECT_EQ(server_->stats().requests_handled, 2u);
  EXPECT_EQ(client->stats().retries, 1u);
}

// release_sent_bodies: bodies go once sent, so a request refused after its body went out is
// handed back (Aborted) rather than resent; bodies still arrive whole.
Request Post(std::string path, std::string body) {
  return Request{.method = "POST", .path = std::move(path), .body = std::move(body)};
}

TEST_F(Http2Test, ReleasedBodiesArriveWholeAndRefusalsComeBackAborted) {
  StartServer([](const Request& request, Responder responder) {
    if (request.path == "/refuse") {
      responder.Reset(ErrorCode::kRefusedStream);
    } else {
      responder.Respond(200, absl::StrCat(request.body.size(), ":", request.body.substr(0, 3)));
    }
  });
  ClientOptions options = BaseClientOptions();
  options.release_sent_bodies = true;
  auto client = StartClient(options);
  // Larger than a DATA frame and the stream window's first read: the body goes out in pieces.
  const std::string body = "abc" + std::string(40000, 'x');
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Response> r = client->Send(Post("/", body));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "40003:abc");
  }
  absl::StatusOr<Response> refused = client->Send(Post("/refuse", body));
  EXPECT_TRUE(absl::IsAborted(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("REFUSED_STREAM"), std::string::npos);
  EXPECT_EQ(server_->stats().requests_handled, 4u);  // the refused one once: not resent
  EXPECT_EQ(client->stats().retries, 0u);
  // A request without a body keeps the transparent resend.
  EXPECT_TRUE(absl::IsUnavailable(client->Send(Get("/refuse")).status()));
  EXPECT_EQ(client->stats().retries, 1u);
}

TEST_F(Http2Test, ReleasedBodiesAboveAGoAwaysLastStreamComeBackAborted) {
  HeldResponders held;
  StartServer([&](const Request&, Responder responder) { held.Add(std::move(responder)); });
  ClientOptions options = BaseClientOptions();
  options.release_sent_bodies = true;
  auto client = StartClient(options);
  Results results;
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Submit(Post("/", "payload"), results.Callback()).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return held.size() == kRequests; }));
  std::vector<Responder> responders = held.Take();
  std::vector<int32_t> ids;
  for (const Responder& r : responders) ids.push_back(r.stream_id());
  std::sort(ids.begin(), ids.end());
  const int32_t last = ids[kRequests / 2 - 1];
  server_->GoAwayForTest(ErrorCode::kNoError, last);
  for (Responder& r : responders) r.Respond(200, "processed");  // > last: dropped

  int processed = 0, aborted = 0;
  for (const auto& r : results.Wait(kRequests)) {
    if (r.ok()) {
      processed += r->body == "processed";
    } else {
      aborted += absl::IsAborted(r.status());
    }
  }
  EXPECT_EQ(processed, kRequests / 2);
  EXPECT_EQ(aborted, kRequests / 2);
  EXPECT_EQ(client->stats().retries, 0u);
}

TEST_F(Http2Test, StreamResetsMapToStatuses) {
  StartServer([](const Request& request, Responder responder) {
    if (request.path == "/calm") {
      responder.Reset(ErrorCode::kEnhanceYourCalm);
    } else if (request.path == "/internal") {
      responder.Reset(ErrorCode::kInternalError);
    } else if (request.path == "/protocol") {
      responder.Reset(ErrorCode::kProtocolError);
    }
    // "/dropped": the responder goes out of scope unanswered -> INTERNAL_ERROR
  });
  auto client = StartClient();
  EXPECT_TRUE(absl::IsResourceExhausted(client->Send(Get("/calm")).status()));
  EXPECT_TRUE(absl::IsUnavailable(client->Send(Get("/internal")).status()));
  EXPECT_TRUE(absl::IsInternal(client->Send(Get("/protocol")).status()));
  absl::StatusOr<Response> dropped = client->Send(Get("/dropped"), absl::Seconds(5));
  EXPECT_TRUE(absl::IsUnavailable(dropped.status())) << dropped.status();
  EXPECT_EQ(client->stats().retries, 0u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

// ---- health checks and timeouts ---------------------------------------------------------------

TEST_F(Http2Test, PingDetectsDeadPeer) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200, "ok"); });
  ClientOptions options = BaseClientOptions();
  options.ping_interval = absl::Milliseconds(200);
  options.ping_timeout = absl::Milliseconds(300);
  auto client = StartClient(options);
  ASSERT_TRUE(client->Send(Get("/")).ok());

  server_->PauseForTest(true);  // TCP stays up, nothing is read or written
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> r = client->Send(Get("/"), absl::Seconds(20));
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("PING"), std::string::npos) << r.status();
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_GE(client->stats().ping_timeouts, 1u);

  server_->PauseForTest(false);
  absl::StatusOr<Response> after = client->Send(Get("/"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(client->stats().connections_opened, 2u);
}

TEST_F(Http2Test, PingKeepsHealthyIdleConnection) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  ClientOptions options = BaseClientOptions();
  options.ping_interval = absl::Milliseconds(50);
  options.ping_timeout = absl::Milliseconds(500);
  auto client = StartClient(options);
  ASSERT_TRUE(client->Send(Get("/")).ok());
  ASSERT_TRUE(WaitFor([&] { return client->stats().pings_sent >= 3; }, absl::Seconds(2)));
  ASSERT_TRUE(client->Send(Get("/")).ok());
  EXPECT_EQ(client->stats().ping_timeouts, 0u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
}

TEST_F(Http2Test, RequestTimeoutInFlightResetsTheStream) {
  HeldResponders held;
  StartServer([&](const Request& request, Responder responder) {
    if (request.path == "/slow") {
      held.Add(std::move(responder));
    } else {
      responder.Respond(200);
    }
  });
  auto client = StartClient();
  ExpectTimesOutAfter200Ms(*client, "/slow");
  // The server sees RST_STREAM(CANCEL): the stream is gone there too.
  EXPECT_TRUE(WaitFor([&] { return server_->stats().streams_active == 0; }));
  EXPECT_TRUE(client->Send(Get("/fast")).ok());
  EXPECT_EQ(client->stats().connections_opened, 1u);
  // The callback runs at END_STREAM; nghttp2 closes the stream right after.
  EXPECT_TRUE(WaitFor([&] { return client->stats().streams_in_flight == 0; }));
}

// One timer serves every request's timeout (client.cc, ArmDeadlineTimer): a short timeout that
// comes after a long one must still fire on time, and the long one must not fire early.
TEST_F(Http2Test, ShortTimeoutAfterALongOneFiresOnTime) {
  HeldResponders held;
  StartServer([&](const Request&, Responder responder) { held.Add(std::move(responder)); });
  auto client = StartClient();
  Results long_call;
  ASSERT_TRUE(client->Submit(Get("/long"), absl::Seconds(30), long_call.Callback()).ok());
  ASSERT_TRUE(WaitFor([&] { return held.size() == 1; }));
  ExpectTimesOutAfter200Ms(*client, "/short");
  for (Responder& r : held.Take()) r.Respond(200);  // the long one is still waiting: answer it
  std::vector<absl::StatusOr<Response>> answered = long_call.Wait(1);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_TRUE(answered[0].ok()) << answered[0].status();
}

TEST_F(Http2Test, RequestTimeoutWhileQueued) {
  HeldResponders held;
  ServerOptions server_options = BaseServerOptions();
  server_options.max_concurrent_streams = 1;
  StartServer([&](const Request&, Responder responder) { held.Add(std::move(responder)); },
              server_options);
  ClientOptions options = BaseClientOptions();
  options.max_connections = 1;
  auto client = StartClient(options);
  Results first;
  ASSERT_TRUE(client->Submit(Get("/first"), absl::Seconds(20), first.Callback()).ok());
  ASSERT_TRUE(WaitFor([&] { return held.size() == 1; }));
  absl::StatusOr<Response> queued = client->Send(Get("/queued"), absl::Milliseconds(150));
  EXPECT_TRUE(absl::IsDeadlineExceeded(queued.status())) << queued.status();
  EXPECT_NE(queued.status().message().find("waiting for a stream"), std::string::npos);
  EXPECT_EQ(server_->stats().streams_started, 1u);  // never sent
  EXPECT_EQ(client->stats().requests_pending, 0);
  for (Responder& r : held.Take()) r.Respond(200);
  ASSERT_TRUE(first.Wait(1)[0].ok());
}

TEST_F(Http2Test, FullQueueRejectsImmediately) {
  ServerOptions server_options = BaseServerOptions();
  server_options.max_concurrent_streams = 1;
  StartServer(
      [](const Request&, Responder responder) {
        responder.RespondAfter(absl::Milliseconds(300), Response{.status = 200});
      },
      server_options);
  ClientOptions options = BaseClientOptions();
  options.max_connections = 1;
  options.max_pending_requests = 2;
  auto client = StartClient(options);
  Results results;
  ASSERT_TRUE(client->Submit(Get("/a"), results.Callback()).ok());
  ASSERT_TRUE(WaitFor([&] { return server_->stats().streams_started == 1; }));
  ASSERT_TRUE(client->Submit(Get("/b"), results.Callback()).ok());
  ASSERT_TRUE(client->Submit(Get("/c"), results.Callback()).ok());
  bool called = false;
  absl::Status rejected =
      client->Submit(Get("/d"), [&](absl::StatusOr<Response>) { called = true; });
  EXPECT_TRUE(absl::IsResourceExhausted(rejected)) << rejected;
  for (const auto& r : results.Wait(3)) EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(called);
  EXPECT_EQ(client->stats().requests_rejected, 1u);
  EXPECT_EQ(client->stats().requests_submitted, 3u);
}

TEST_F(Http2Test, SubmitBatchSendsEachAcceptedRequestAndRefusesTheRest) {
  ServerOptions server_options = BaseServerOptions();
  server_options.max_concurrent_streams = 1;
  StartServer(
      [](const Request& request, Responder responder) {
        responder.RespondAfter(absl::Milliseconds(50),
                               Response{.status = 200, .body = request.path + ":" + request.body});
      },
      server_options);
  ClientOptions options = BaseClientOptions();
  options.max_connections = 1;
  options.max_pending_requests = 3;
  auto client = StartClient(options);

  // Five requests in one batch: an invalid one, three that fit the queue, one beyond it.
  Results results;
  bool refused_called = false;
  std::vector<Http2Client::Submission> batch;
  batch.push_back({.request = Request{.method = "POST", .path = "/0", .body = "a"},
                   .timeout = absl::Seconds(10),
                   .done = results.Callback()});
  batch.push_back({.request = Request{.method = "", .path = "/bad"},
                   .timeout = absl::Seconds(10),
                   .done = [&](absl::StatusOr<Response>) { refused_called = true; }});
  batch.push_back({.request = Request{.method = "POST", .path = "/1", .body = "b"},
                   .timeout = absl::Seconds(10),
                   .done = results.Callback()});
  batch.push_back({.request = Get("/2"), .timeout = absl::Seconds(10), .done = results.Callback()});
  batch.push_back({.request = Get("/3"),
                   .timeout = absl::Seconds(10),
                   .done = [&](absl::StatusOr<Response>) { refused_called = true; }});
  std::vector<absl::Status> statuses = client->SubmitBatch(std::move(batch));
  ASSERT_EQ(statuses.size(), 5u);
  EXPECT_TRUE(statuses[0].ok()) << statuses[0];
  EXPECT_TRUE(absl::IsInvalidArgument(statuses[1])) << statuses[1];
  EXPECT_TRUE(statuses[2].ok()) << statuses[2];
  EXPECT_TRUE(statuses[3].ok()) << statuses[3];
  EXPECT_TRUE(absl::IsResourceExhausted(statuses[4])) << statuses[4];

  std::vector<absl::StatusOr<Response>> all = results.Wait(3);
  ASSERT_EQ(all.size(), 3u);
  std::vector<std::string> bodies;
  for (const auto& r : all) {
    ASSERT_TRUE(r.ok()) << r.status();
    bodies.push_back(r->body);
  }
  // In order: one stream at a time, FIFO.
  EXPECT_EQ(bodies, (std::vector<std::string>{"/0:a", "/1:b", "/2:"}));
  EXPECT_FALSE(refused_called);
  EXPECT_EQ(client->stats().requests_submitted, 3u);
  EXPECT_EQ(client->stats().requests_rejected, 1u);

  EXPECT_TRUE(client->SubmitBatch({}).empty());
  client->Shutdown(absl::Seconds(5));
  std::vector<Http2Client::Submission> late;
  late.push_back(
      {.request = Get("/late"), .done = [&](absl::StatusOr<Response>) { refused_called = true; }});
  std::vector<absl::Status> after = client->SubmitBatch(std::move(late));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(absl::IsFailedPrecondition(after[0])) << after[0];
  EXPECT_FALSE(refused_called);
}

// ---- TLS ----------------------------------------------------------------------------------------

TEST_F(Http2Test, WrongCaFailsCertificateVerification) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  absl::StatusOr<testing::TestPki> other = testing::MakeTestPki();
  ASSERT_TRUE(other.ok());
  ClientOptions options = BaseClientOptions();
  options.ca_pem = other->ca_certificate_pem;
  auto client = StartClient(options);
  absl::StatusOr<Response> r = client->Send(Get("/"));
  EXPECT_TRUE(absl::IsUnauthenticated(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("certificate"), std::string::npos) << r.status();
  EXPECT_EQ(client->stats().connections_opened, 0u);
  EXPECT_GE(client->stats().connect_failures, 1u);
  EXPECT_EQ(server_->stats().requests_handled, 0u);
}

TEST_F(Http2Test, HostNameMismatchFailsVerification) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  ClientOptions options = BaseClientOptions();
  options.origin = absl::StrCat("https://api.push.apple.com:", server_->port());
  options.connect_host = "127.0.0.1";
  auto client = StartClient(options);
  absl::StatusOr<Response> r = client->Send(Get("/"));
  EXPECT_TRUE(absl::IsUnauthenticated(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("hostname mismatch"), std::string::npos) << r.status();
  // SNI is the origin host (the server's side of the failed handshake ends a moment later).
  EXPECT_TRUE(WaitFor([&] { return server_->stats().last_server_name == "api.push.apple.com"; }));
}

TEST_F(Http2Test, CaFileSniAndIpOrigins) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  absl::StatusOr<std::string> ca_file =
      testing::WriteTempFile("http2-ca-", pki_.ca_certificate_pem);
  ASSERT_TRUE(ca_file.ok());
  {
    auto client = StartClient(ClientOptions{
        .origin = absl::StrCat("https://localhost:", server_->port()), .ca_file = *ca_file});
    ASSERT_TRUE(client->Send(Get("/")).ok());
    EXPECT_EQ(server_->stats().last_server_name, "localhost");
  }
  {
    // IP literal origin: no SNI (RFC 6066), verified against the certificate's IP SAN.
    auto client = StartClient(ClientOptions{
        .origin = absl::StrCat("https://127.0.0.1:", server_->port()), .ca_file = *ca_file});
    ASSERT_TRUE(client->Send(Get("/")).ok());
    EXPECT_EQ(server_->stats().last_server_name, "");
  }
  std::remove(ca_file->c_str());
  EXPECT_TRUE(absl::IsInvalidArgument(
      Http2Client::Create(ClientOptions{.origin = "https://localhost", .ca_file = "/nonexistent"})
          .status()));
}

// A TLS server that negotiates no ALPN protocol (say, HTTP/1.1 only).
TEST_F(Http2Test, PeerWithoutAlpnH2IsRejected) {
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain(asio::buffer(pki_.server_certificate_pem));
  context.use_private_key(asio::buffer(pki_.server_private_key_pem), asio::ssl::context::pem);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  acceptor.async_accept(stream.next_layer(), [&](const asio::error_code& ec) {
    if (!ec) stream.async_handshake(asio::ssl::stream_base::server, [](const asio::error_code&) {});
  });
  std::thread loop([&] { io.run(); });

  auto client = StartClient(
      ClientOptions{.origin = absl::StrCat("https://localhost:", acceptor.local_endpoint().port()),
                    .ca_pem = pki_.ca_certificate_pem});
  absl::StatusOr<Response> r = client->Send(Get("/"), absl::Seconds(10));
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("ALPN h2"), std::string::npos) << r.status();
  client->Shutdown(absl::ZeroDuration());
  io.stop();
  loop.join();
}

TEST_F(Http2Test, InsecureModeSkipsVerification) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  auto client =
      StartClient(ClientOptions{.origin = absl::StrCat("https://localhost:", server_->port()),
                                .insecure_skip_verify_for_test = true});
  EXPECT_TRUE(client->Send(Get("/")).ok());  // no CA given at all
}

// ---- connection management ---------------------------------------------------------------------

TEST_F(Http2Test, UnreachableOriginFailsFastThenRecoversWithBackoff) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200, "up"); });
  const uint16_t port = server_->port();
  server_->Stop();
  server_.reset();

  ClientOptions options{.origin = absl::StrCat("https://localhost:", port),
                        .ca_pem = pki_.ca_certificate_pem};
  options.reconnect_backoff_initial = absl::Milliseconds(50);
  options.reconnect_backoff_max = absl::Milliseconds(200);
  auto client = StartClient(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> down = client->Send(Get("/"), absl::Seconds(20));
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));  // fail fast, not the 20 s deadline

  ServerOptions server_options = BaseServerOptions();
  server_options.port = port;
  StartServer([](const Request&, Responder responder) { responder.Respond(200, "up"); },
              server_options);
  // min_connections = 1 keeps retrying in the background, with backoff.
  ASSERT_TRUE(WaitFor([&] { return client->stats().connections_opened == 1; }));
  absl::StatusOr<Response> up = client->Send(Get("/"));
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->body, "up");
  EXPECT_GE(client->stats().connect_failures, 1u);
}

TEST_F(Http2Test, LazyPoolConnectsOnDemandAndRetriesAfterBackoff) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  ClientOptions options = BaseClientOptions();
  options.min_connections = 0;
  auto client = StartClient(options);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(server_->stats().sessions_accepted, 0u);  // nothing until the first request
  ASSERT_TRUE(client->Send(Get("/")).ok());
  EXPECT_EQ(client->stats().connections_opened, 1u);

  // An unreachable origin: each request after the backoff makes a new attempt.
  const uint16_t port = server_->port();
  server_->Stop();
  server_.reset();
  options.origin = absl::StrCat("https://localhost:", port);
  options.reconnect_backoff_initial = absl::Milliseconds(20);
  options.reconnect_backoff_max = absl::Milliseconds(20);
  auto lazy = StartClient(options);
  EXPECT_TRUE(absl::IsUnavailable(lazy->Send(Get("/")).status()));
  EXPECT_EQ(lazy->stats().connect_failures, 1u);
  absl::SleepFor(absl::Milliseconds(100));  // past the backoff
  EXPECT_TRUE(absl::IsUnavailable(lazy->Send(Get("/")).status()));
  EXPECT_EQ(lazy->stats().connect_failures, 2u);
}

TEST_F(Http2Test, RotatesConnectionAfterMaxRequests) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  ClientOptions options = BaseClientOptions();
  options.max_requests_per_connection = 10;
  auto client = StartClient(options);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(client->Send(Get("/")).ok()) << i;
  EXPECT_EQ(client->stats().connections_opened, 3u);
  EXPECT_TRUE(WaitFor([&] { return client->stats().connections_closed == 2; }));
  EXPECT_EQ(client->stats().failures, 0u);
}

TEST_F(Http2Test, RetireConnectionMovesLaterRequestsToAFreshConnection) {
  StartServer([](const Request&, Responder responder) { responder.Respond(503); });
  auto client = StartClient();
  absl::StatusOr<Response> first = client->Send(Get("/"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 503);
  ASSERT_NE(first->connection_id, 0u);
  absl::StatusOr<Response> same = client->Send(Get("/"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->connection_id, first->connection_id) << "kept until retired";

  client->RetireConnection(first->connection_id);
  client->RetireConnection(first->connection_id);  // already draining: no effect
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Response> next = client->Send(Get("/"));
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_NE(next->connection_id, first->connection_id);
  }
  EXPECT_EQ(client->stats().connections_retired, 1u);
  EXPECT_EQ(client->stats().connections_opened, 2u);
  EXPECT_TRUE(WaitFor([&] { return client->stats().connections_closed == 1; }));
  EXPECT_EQ(client->stats().failures, 0u);
  client->RetireConnection(12345);  // unknown: no effect
  EXPECT_EQ(client->stats().connections_retired, 1u);
}

// ---- lifecycle
// -----------------------------------------------------------------------------------

TEST_F(Http2Test, ShutdownDrainsInFlightAndCancelsTheRest) {
  HeldResponders never;
  StartServer([&](const Request& request, Responder responder) {
    if (request.path == "/quick") {
      responder.RespondAfter(absl::Milliseconds(100), Response{.status = 200});
    } else {
      never.Add(std::move(responder));
    }
  });
  auto client = StartClient();
  Results quick, stuck;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client->Submit(Get("/quick"), quick.Callback()).ok());
    ASSERT_TRUE(client->Submit(Get("/never"), stuck.Callback()).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return server_->stats().streams_active == 10; }));
  const absl::Time start = absl::Now();
  client->Shutdown(absl::Milliseconds(500));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(450));
  EXPECT_LT(took, absl::Seconds(3));
  ASSERT_EQ(quick.size(), 5u);
  ASSERT_EQ(stuck.size(), 5u);
  for (const auto& r : quick.Wait(5)) EXPECT_TRUE(r.ok()) << r.status();
  for (const auto& r : stuck.Wait(5)) EXPECT_TRUE(absl::IsCancelled(r.status())) << r.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(client->Submit(Get("/"), quick.Callback())));
  EXPECT_TRUE(absl::IsFailedPrecondition(client->Send(Get("/")).status()));
  // GOAWAY + close reached the server.
  EXPECT_TRUE(WaitFor([&] { return server_->stats().sessions_active == 0; }));
  client->Shutdown(absl::ZeroDuration());  // idempotent
}

TEST_F(Http2Test, ShutdownWithNothingInFlightIsQuick) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  auto client = StartClient();
  ASSERT_TRUE(client->Send(Get("/")).ok());
  const absl::Time start = absl::Now();
  client->Shutdown(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(Http2Test, SubmitBeforeStartAndBadArguments) {
  StartServer([](const Request&, Responder responder) { responder.Respond(200); });
  absl::StatusOr<std::unique_ptr<Http2Client>> client = Http2Client::Create(BaseClientOptions());
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*client)->Send(Get("/")).status()));
  ASSERT_TRUE((*client)->Start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*client)->Start()));
  EXPECT_TRUE(absl::IsInvalidArgument((*client)->Send(Get("no-slash")).status()));
  EXPECT_TRUE(absl::IsInvalidArgument((*client)->Submit(Get("/"), nullptr)));

  for (const char* origin : {"http://localhost", "https://", "https://host:0", "https://host:x",
                             "https://host/path", "localhost:443"}) {
    EXPECT_TRUE(
        absl::IsInvalidArgument(Http2Client::Create(ClientOptions{.origin = origin}).status()))
        << origin;
  }
  EXPECT_TRUE(Http2Client::Create(ClientOptions{.origin = "https://[::1]:8443/"}).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      Http2Client::Create(ClientOptions{.origin = "https://h", .min_connections = 3}).status()));
  ClientOptions negative_lowat{.origin = "https://h"};
  negative_lowat.notsent_lowat = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(Http2Client::Create(negative_lowat).status()));
}

// ---- metrics hooks and server details
// -------------------------------------------------------------

class RecordingObserver : public ClientObserver {
 public:
  void OnConnectionOpened() override { ++opened; }
  void OnConnectionClosed(const absl::Status&) override { ++closed; }
  void OnConnectFailed(const absl::Status&) override { ++failed; }
  void OnGoAway(uint32_t code) override { goaway_code = static_cast<int>(code); }
  void OnRequestDone(const absl::Status& status, int http_status, absl::Duration latency) override {
    absl::MutexLock lock(&mu);
    statuses.push_back(status.ok() ? http_status : -1);
    latencies.push_back(latency);
  }

  std::atomic<int> opened{0}, closed{0}, failed{0}, goaway_code{-1};
  absl::Mutex mu;
  std::vector<int> statuses ABSL_GUARDED_BY(mu);
  std::vector<absl::Duration> latencies ABSL_GUARDED_BY(mu);
};

TEST_F(Http2Test, ObserverSeesConnectionsGoAwayAndLatencies) {
  StartServer([](const Request& request, Responder responder) {
    responder.RespondAfter(absl::Milliseconds(20),
                           Response{.status = request.path == "/gone" ? 410 : 200});
  });
  RecordingObserver observer;
  ClientOptions options = BaseClientOptions();
  options.observer = &observer;
  auto client = StartClient(options);
  ASSERT_EQ(client->Send(Get("/ok"))->status, 200);
  ASSERT_EQ(client->Send(Get("/gone"))->status, 410);
  server_->GoAwayForTest(ErrorCode::kNoError);
  ASSERT_TRUE(WaitFor([&] { return observer.closed == 1; }));
  ASSERT_EQ(client->Send(Get("/ok"))->status, 200);
  client->Shutdown(absl::Seconds(1));
  EXPECT_EQ(observer.opened, 2);
  EXPECT_EQ(observer.closed, 2);
  EXPECT_EQ(observer.failed, 0);
  EXPECT_EQ(observer.goaway_code, 0);
  absl::MutexLock lock(&observer.mu);
  EXPECT_EQ(observer.statuses, (std::vector<int>{200, 410, 200}));
  for (absl::Duration d : observer.latencies) EXPECT_GE(d, absl::Milliseconds(19));
}

TEST_F(Http2Test, ResponderWorksFromAnotherThread) {
  HeldResponders held;
  StartServer([&](const Request&, Responder responder) { held.Add(std::move(responder)); });
  auto client = StartClient();
  Results results;
  ASSERT_TRUE(client->Submit(Get("/"), results.Callback()).ok());
  ASSERT_TRUE(WaitFor([&] { return held.size() == 1; }));
  std::thread responder_thread([&] {
    for (Responder& r : held.Take()) {
      Responder copy = r;
      r.Respond(202, "from a thread", {{"X-Upper", "v"}});
      copy.Respond(500);  // copies share one answer: ignored
      EXPECT_TRUE(copy.answered());
    }
  });
  responder_thread.join();
  std::vector<absl::StatusOr<Response>> all = results.Wait(1);
  ASSERT_TRUE(all[0].ok()) << all[0].status();
  EXPECT_EQ(all[0]->status, 202);
  EXPECT_EQ(all[0]->body, "from a thread");
  EXPECT_EQ(FindHeader(all[0]->headers, "x-upper"), "v");
}

TEST_F(Http2Test, ServerRejectsBadCredentials) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      Http2Server::Create(ServerOptions{.certificate_chain_pem = "junk"}, [](const Request&,
                                                                             Responder) {
      }).status()));
  absl::StatusOr<testing::TestPki> other = testing::MakeTestPki();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      Http2Server::Create(ServerOptions{.certificate_chain_pem = pki_.server_certificate_pem,
                                        .private_key_pem = other->server_private_key_pem},
                          [](const Request&, Responder) {})
          .status()));
}

}  // namespace
}  // namespace ntf::http2
