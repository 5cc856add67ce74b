// ntf-pusher-microbench: the CPU one verification push costs the pusher's APNs sender thread and
// its HTTP/2 I/O thread, without Redis, PostgreSQL or a separate fake. Not a test; no Google
// Benchmark. Run it under callgrind for instruction counts (the figures in docs/benchmarks.md,
// "Sender path, instruction counts"); its own timings are only a rough guide on a shared machine.
//
//   ntf-pusher-microbench build [--pushes 20000]
//       The sender thread's work per push, on this thread alone: BuildPushContent (DH key,
//       nonce, crypto_box of the padded code, base64url), then what ApnsSender::Add,
//       ProviderBatch::Add and Http2Client::Submit do with it: the provider token,
//       BuildApnsRequest, ToHttp2 and ValidateRequest (the requests are freed here, not on an
//       I/O thread). Prints ns per push.
//
//   ntf-pusher-microbench send [--pushes 20000] [--batch 64] [--in-flight 1000]
//       The real ApnsSender and Http2Client (one connection) against an in-process Http2Server
//       (TLS, answers 200 at once): this thread builds the contents and calls SendBatch, batch
//       by batch, keeping at most --in-flight unanswered, as a provider lane does. Prints this
//       thread's CPU ns per push and wall ns per push.
//
// Both measure after a warm-up of 500 pushes. For instruction counts, run under callgrind with
// two push counts and divide the difference by theirs, per thread
// (tests/bench/pusher_callgrind.sh does that): set-up, warm-up and shut-down cancel out.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ntf/common/clock.h"
#include "ntf/crypto/primitives.h"
#include "ntf/http2/client.h"
#include "ntf/http2/message.h"
#include "ntf/http2/server.h"
#include "ntf/http2/testing/test_pki.h"
#include "ntf/wire/encoding.h"
#include "services/pusher/src/apns_auth.h"
#include "services/pusher/src/completion.h"
#include "services/pusher/src/jwt.h"
#include "services/pusher/src/provider_request.h"
#include "services/pusher/src/providers/apns_sender.h"
#include "services/pusher/src/providers/http_convert.h"
#include "services/pusher/src/push_job.h"

namespace ntf::bench {
namespace {

using Args = std::map<std::string, std::string>;

constexpr int64_t kWarmUp = 500;
// Distinct jobs and tokens, used in turn: their set-up must not grow with --pushes.
constexpr size_t kDeliveries = 1000;
constexpr std::string_view kTopic = "chat.simplex.app";

int64_t IntArg(const Args& args, const std::string& name, int64_t fallback) {
  auto it = args.find(name);
  int64_t v = fallback;
  if (it != args.end() && !absl::SimpleAtoi(it->second, &v)) {
    std::cerr << "bad " << name << ": " << it->second << "\n";
    std::exit(2);
  }
  return v;
}

[[noreturn]] void Die(std::string_view what, const absl::Status& s) {
  std::cerr << "ntf-pusher-microbench: " << what << ": " << s << "\n";
  std::exit(1);
}

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// A fresh EC P-256 key as PKCS#8 PEM (an APNs .p8 key has this form).
std::string NewP256Pem() {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  if (pkey == nullptr || bio == nullptr ||
      PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    std::cerr << "ntf-pusher-microbench: cannot generate a P-256 key\n";
    std::exit(1);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

std::unique_ptr<pusher::ApnsTokenProvider> MakeAuth() {
  absl::StatusOr<pusher::SigningKey> key =
      pusher::SigningKey::FromPkcs8Pem(NewP256Pem(), pusher::JwsAlgorithm::kEs256);
  if (!key.ok()) Die("signing key", key.status());
  absl::StatusOr<std::unique_ptr<pusher::ApnsTokenProvider>> auth =
      pusher::ApnsTokenProvider::Create(common::RealClock(), *std::move(key),
                                        {.key_id = "BENCHKEY12", .team_id = "BENCHTEAM1"});
  if (!auth.ok()) Die("token provider", auth.status());
  return *std::move(auth);
}

// Verification jobs for ACTIVE apns_prod tokens, as the dispatcher hands them to a lane.
std::vector<pusher::Delivery> MakeDeliveries() {
  std::vector<pusher::Delivery> out(kDeliveries);
  const absl::Time now = absl::Now();
  for (pusher::Delivery& d : out) {
    d.job.kind = pusher::PushKind::kVerification;
    d.job.job_id = wire::Base64UrlEncode(crypto::RandomBytes(16));
    d.job.enqueued_at = now;
    const std::string device = wire::HexEncode(crypto::RandomBytes(32));
    d.target = std::make_shared<const pusher::PushTarget>(
        pusher::PushTarget{.token_id = crypto::RandomBytes(24),
                           .device = {.provider = wire::PushProvider::kApnsProd,
                                      .token = wire::Bytes(device.begin(), device.end())},
                           .dh_secret = crypto::DhSecret::FromRaw(crypto::RandomBytes(32)).value(),
                           .reg_code = crypto::RandomBytes(32),
                           .status = {.state = wire::TokenState::kActive},
                           .registered_at = now});
  }
  return out;
}

// ApnsSender::Add + ProviderBatch::Add + Http2Client::Submit's check, minus the hand-off.
size_t BuildOne(const pusher::Delivery& d, pusher::ApnsTokenProvider& auth) {
  absl::StatusOr<pusher::PushContent> content = pusher::BuildPushContent(d);
  if (!content.ok()) Die("content", content.status());
  absl::StatusOr<std::string> jwt = auth.Current();
  if (!jwt.ok()) Die("jwt", jwt.status());
  absl::StatusOr<pusher::HttpRequest> request = pusher::BuildApnsRequest(
      *content, {.device_token = wire::AsStringView(d.target->device.token),
                 .topic = kTopic,
                 .job_id = d.job.job_id,
                 .enqueued_at = d.job.enqueued_at,
                 .now = absl::Now(),
                 .provider_token = *jwt});
  if (!request.ok()) Die("request", request.status());
  http2::Request out = pusher::ToHttp2(*std::move(request));
  if (absl::Status s = http2::ValidateRequest(out); !s.ok()) Die("validate", s);
  return out.body.size();
}

int Build(const Args& args) {
  const int64_t pushes = IntArg(args, "--pushes", 20000);
  std::unique_ptr<pusher::ApnsTokenProvider> auth = MakeAuth();
  const std::vector<pusher::Delivery> deliveries = MakeDeliveries();
  size_t bytes = 0;
  for (int64_t i = 0; i < kWarmUp; ++i) bytes += BuildOne(deliveries[i % kDeliveries], *auth);
  const double cpu0 = ThreadCpuNs();
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = kWarmUp; i < kWarmUp + pushes; ++i) {
    bytes += BuildOne(deliveries[i % kDeliveries], *auth);
  }
  const double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ThreadCpuNs() - cpu0;
  std::printf("build: %lld pushes, %.0f ns/push (thread CPU %.0f ns/push), %zu body bytes\n",
              static_cast<long long>(pushes), wall / static_cast<double>(pushes),
              cpu / static_cast<double>(pushes), bytes / static_cast<size_t>(kWarmUp + pushes));
  return 0;
}

// Counts answers; the sending thread waits for room in the window.
class Window {
 public:
  explicit Window(int64_t size) : size_(size) {}
  void Acquire(int64_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ + n <= size_; });
    in_flight_ += n;
  }
  void Release(bool ok) {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (!ok) ++failed_;
    cv_.notify_all();
  }
  void WaitEmpty() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  int64_t failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  const int64_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t in_flight_ = 0;
  int64_t failed_ = 0;
};

int Send(const Args& args) {
  const int64_t pushes = IntArg(args, "--pushes", 20000);
  const int64_t batch = IntArg(args, "--batch", 64);
  const int64_t window_size = IntArg(args, "--in-flight", 1000);

  absl::StatusOr<http2::testing::TestPki> pki = http2::testing::MakeTestPki();
  if (!pki.ok()) Die("pki", pki.status());
  absl::StatusOr<std::unique_ptr<http2::Http2Server>> server = http2::Http2Server::Create(
      {.certificate_chain_pem = pki->server_certificate_pem,
       .private_key_pem = pki->server_private_key_pem},
      [](const http2::Request& request, http2::Responder responder) {
        std::string id(http2::FindHeader(request.headers, "apns-id").value_or(""));
        responder.Respond(200, {}, {{"apns-id", std::move(id)}});
      });
  if (!server.ok()) Die("server", server.status());
  (*server)->Start();

  http2::ClientOptions options;
  options.origin = absl::StrCat("https://localhost:", (*server)->port());
  options.ca_pem = pki->ca_certificate_pem;
  options.min_connections = 1;
  options.max_connections = 1;
  options.max_pending_requests = 2 * window_size;
  options.never_indexed_headers = {"apns-id"};  // as the pusher's APNs clients
  absl::StatusOr<std::unique_ptr<http2::Http2Client>> client =
      http2::Http2Client::Create(std::move(options));
  if (!client.ok()) Die("client", client.status());
  if (absl::Status s = (*client)->Start(); !s.ok()) Die("client start", s);

  std::unique_ptr<pusher::ApnsTokenProvider> auth = MakeAuth();
  pusher::ApnsSender sender(auth.get(), {.production = client->get()}, std::string(kTopic),
                            absl::Seconds(30), common::RealClock());
  const std::vector<pusher::Delivery> deliveries = MakeDeliveries();
  Window window(window_size);

  auto run = [&](int64_t from, int64_t to) {
    for (int64_t i = from; i < to;) {
      const int64_t n = std::min(batch, to - i);
      window.Acquire(n);
      std::vector<pusher::PushSender::Item> items;
      items.reserve(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k, ++i) {
        const pusher::Delivery& d = deliveries[static_cast<size_t>(i) % kDeliveries];
        absl::StatusOr<pusher::PushContent> content = pusher::BuildPushContent(d);
        if (!content.ok()) Die("content", content.status());
        items.push_back(
            {.delivery = &d, .content = *std::move(content), .done = [&](pusher::SendResult r) {
               window.Release(r.kind == pusher::SendResult::Kind::kAnswered &&
                              r.outcome.kind == pusher::OutcomeKind::kDelivered);
             }});
      }
      sender.SendBatch(std::move(items));
    }
    window.WaitEmpty();
  };

  run(0, kWarmUp);
  const double cpu0 = ThreadCpuNs();
  const auto t0 = std::chrono::steady_clock::now();
  run(kWarmUp, kWarmUp + pushes);
  const double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ThreadCpuNs() - cpu0;
  (*client)->Shutdown(absl::Seconds(5));
  (*server)->Stop();
  std::printf("send: %lld pushes, sender thread CPU %.0f ns/push, wall %.0f ns/push, %lld failed\n",
              static_cast<long long>(pushes), cpu / static_cast<double>(pushes),
              wall / static_cast<double>(pushes), static_cast<long long>(window.failed()));
  return window.failed() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ntf::bench

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  ntf::bench::Args args;
  for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (mode == "build") return ntf::bench::Build(args);
  if (mode == "send") return ntf::bench::Send(args);
  std::cerr << "usage: ntf-pusher-microbench build|send [--pushes N] [--batch B] [--in-flight W]\n";
  return 2;
}
