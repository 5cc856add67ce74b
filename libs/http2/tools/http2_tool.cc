// Manual checks for libs/http2 (not part of the test suite):
//
//   ntf-http2-tool server [--port=0] [--delay_ms=0] [--body_bytes=0] [--max_streams=1000]
//       Runs Http2Server on 127.0.0.1 with a throwaway certificate, answers every request with
//       200 (after delay_ms, with body_bytes of body), prints "LISTENING <port>", runs until
//       SIGINT/SIGTERM. For interoperability checks, e.g.
//       h2load -n 100000 -c 1 -m 100 -d payload.json https://127.0.0.1:<port>/3/device/x
//
//   ntf-http2-tool bench [--origin=https://127.0.0.1:PORT] [--requests=100000]
//       [--concurrency=100] [--connections=1] [--body_bytes=2048]
//       Http2Client POSTs `requests` bodies keeping `concurrency` in flight and prints
//       requests/s, latency percentiles and CPU per request. Without --origin it starts an
//       in-process server (so CPU covers both sides); with one, verification is skipped.

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ntf/http2/client.h"
#include "ntf/http2/server.h"
#include "ntf/http2/testing/test_pki.h"

namespace ntf::http2 {
namespace {

using Flags = std::map<std::string, std::string>;

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      std::cerr << "unexpected argument " << arg << "\n";
      std::exit(2);
    }
    const size_t eq = arg.find('=');
    flags[arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "true" : arg.substr(eq + 1);
  }
  return flags;
}

int64_t IntFlag(const Flags& flags, const std::string& name, int64_t fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    std::cerr << "--" << name << " needs a number\n";
    std::exit(2);
  }
  return value;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::unique_ptr<Http2Server> StartServer(const testing::TestPki& pki, uint16_t port,
                                         int64_t delay_ms, int64_t body_bytes,
                                         uint32_t max_streams) {
  const std::string body(static_cast<size_t>(body_bytes), 'x');
  auto server = Http2Server::Create(
      ServerOptions{.port = port,
                    .certificate_chain_pem = pki.server_certificate_pem,
                    .private_key_pem = pki.server_private_key_pem,
                    .max_concurrent_streams = max_streams},
      [delay_ms, body](const Request&, Responder responder) {
        Response response{.status = 200, .headers = {{"apns-id", "0"}}, .body = body};
        if (delay_ms > 0) {
          responder.RespondAfter(absl::Milliseconds(delay_ms), std::move(response));
        } else {
          responder.Respond(std::move(response));
        }
      });
  if (!server.ok()) {
    std::cerr << "server: " << server.status() << "\n";
    std::exit(1);
  }
  (*server)->Start();
  return *std::move(server);
}

int RunServer(const Flags& flags) {
  absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
  if (!pki.ok()) {
    std::cerr << pki.status() << "\n";
    return 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  auto server = StartServer(*pki, static_cast<uint16_t>(IntFlag(flags, "port", 0)),
                            IntFlag(flags, "delay_ms", 0), IntFlag(flags, "body_bytes", 0),
                            static_cast<uint32_t>(IntFlag(flags, "max_streams", 1000)));
  std::cout << "LISTENING " << server->port() << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  const ServerStats stats = server->stats();
  server->Stop();
  std::cout << "sessions " << stats.sessions_accepted << " streams " << stats.streams_started
            << " max concurrent " << stats.max_concurrent_streams << std::endl;
  return 0;
}

int RunBench(const Flags& flags) {
  const int64_t requests = IntFlag(flags, "requests", 100000);
  const int64_t concurrency = IntFlag(flags, "concurrency", 100);
  const int64_t connections = IntFlag(flags, "connections", 1);
  const std::string body(static_cast<size_t>(IntFlag(flags, "body_bytes", 2048)), 'p');

  std::unique_ptr<Http2Server> server;
  ClientOptions options;
  options.min_connections = static_cast<int>(connections);
  options.max_connections = static_cast<int>(connections);
  options.max_pending_requests = concurrency + 1;
  if (auto it = flags.find("origin"); it != flags.end()) {
    options.origin = it->second;
    options.insecure_skip_verify_for_test = true;
  } else {
    absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
    if (!pki.ok()) return 1;
    server = StartServer(*pki, 0, 0, 0, 1000);
    options.origin = absl::StrCat("https://localhost:", server->port());
    options.ca_pem = pki->ca_certificate_pem;
  }
  auto client = Http2Client::Create(options);
  if (!client.ok() || !(*client)->Start().ok()) {
    std::cerr << "client: " << client.status() << "\n";
    return 1;
  }
  // Warm up (connections, TLS) before measuring.
  if (absl::StatusOr<Response> r = (*client)->Send(Request{.path = "/warmup"}); !r.ok()) {
    std::cerr << "warm-up request: " << r.status() << "\n";
    return 1;
  }

  std::vector<absl::Duration> latencies;  // I/O thread only until `done`
  latencies.reserve(static_cast<size_t>(requests));
  std::atomic<int64_t> started{0}, failed{0};
  absl::Notification done;
  std::function<void()> submit_one;
  submit_one = [&] {
    if (started.fetch_add(1) >= requests) return;
    const absl::Time t0 = absl::Now();
    absl::Status s = (*client)->Submit(
        Request{.method = "POST",
                .path = "/3/device/0123456789abcdef",
                .headers = {{"apns-topic", "chat.simplex.app"}, {"apns-push-type", "alert"}},
                .body = body},
        [&, t0](absl::StatusOr<Response> r) {
          if (!r.ok() || r->status != 200) failed.fetch_add(1);
          latencies.push_back(absl::Now() - t0);
          if (static_cast<int64_t>(latencies.size()) == requests) {
            done.Notify();
          } else {
            submit_one();
          }
        });
    if (!s.ok()) {
      std::cerr << "submit: " << s << "\n";
      std::exit(1);
    }
  };
  const double cpu0 = CpuSeconds();
  const absl::Time start = absl::Now();
  for (int64_t i = 0; i < std::min(concurrency, requests); ++i) submit_one();
  done.WaitForNotification();
  const absl::Duration wall = absl::Now() - start;
  const double cpu = CpuSeconds() - cpu0;
  const ClientStats stats = (*client)->stats();
  (*client)->Shutdown(absl::Seconds(5));
  if (server != nullptr) server->Stop();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies[static_cast<size_t>(p * static_cast<double>(latencies.size() - 1))];
  };
  std::printf(
      "%lld requests, %lld in flight, %lld connection(s), %zu-byte bodies: %.0f req/s, "
      "p50 %s p99 %s max %s, CPU %.1f us/request (%s), failed %lld, connections opened %llu\n",
      static_cast<long long>(requests), static_cast<long long>(concurrency),
      static_cast<long long>(connections), body.size(),
      static_cast<double>(requests) / absl::ToDoubleSeconds(wall),
      absl::FormatDuration(pct(0.5)).c_str(), absl::FormatDuration(pct(0.99)).c_str(),
      absl::FormatDuration(latencies.back()).c_str(), cpu * 1e6 / static_cast<double>(requests),
      server != nullptr ? "client + server" : "client only", static_cast<long long>(failed.load()),
      static_cast<unsigned long long>(stats.connections_opened));
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ntf::http2

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const auto flags = ntf::http2::ParseFlags(argc, argv);
  if (mode == "server") return ntf::http2::RunServer(flags);
  if (mode == "bench") return ntf::http2::RunBench(flags);
  std::cerr << "usage: ntf-http2-tool server|bench [--flag=value ...] (see the source)\n";
  return 2;
}
