// ntf-fake-apns: the fake APNs of tests/support as a process, for the benchmark and manual runs.
//
//   ntf-fake-apns [--host IP] [--port N] [--topic T] [--latency 5ms] [--dump FILE] [--lean 1]
//                 [--inbox DIR2] --dir DIR
//
// Writes DIR/apns_key.p8 (a fresh key; the pusher's apns.key_file) and DIR/apns_ca.pem (trust
// anchor; apns.ca_file), then prints one line
//   fake-apns ready port=<p> origin=<url> key_file=<f> key_id=<k> team_id=<t> ca_file=<f>
// and answers every push with 200 after the latency, until SIGTERM/SIGINT. With --dump, on
// exit it writes FILE: one line per request received, "<unix µs> <status> <apns-id> <device>"
// (the benchmark's provider-request timestamps; scripts/bench.sh). With --inbox (not with
// --lean), the body of every push answered 200 is appended to DIR2/<device token>.jsonl: the
// device's side of the channel, which the demo (libs/ntf_client/demo) reads.
//
// --lean 1 (benchmark only): instead of FakeApns (which parses the PEM public key and verifies
// the ES256 signature of every request, and records whole requests, ~2,500 requests/s on one
// core), a minimal handler on the same HTTP/2 server: POST /3/device/<token>, apns-topic and
// apns-push-type required, and the JWT's signature verified once per distinct JWT (then
// compared as a string). Records only the time, status, apns-id and device token. Ignores
// --latency.
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "ntf/common/signal_waiter.h"
#include "ntf/http2/server.h"
#include "ntf/http2/testing/test_pki.h"
#include "ntf/testing/fake_apns.h"
#include "ntf/testing/fake_server_flags.h"

namespace {

struct LeanRecord {
  int64_t unix_us;
  int status;
  std::string apns_id;
  std::string device;
};

std::string HeaderOf(const ntf::http2::Request& request, std::string_view name) {
  return std::string(ntf::http2::FindHeader(request.headers, name).value_or(""));
}

// The lean server: see the file comment.
class LeanApns {
 public:
  LeanApns(std::string topic, std::string public_key_pem)
      : topic_(std::move(topic)), public_key_pem_(std::move(public_key_pem)) {}

  absl::Status Start(const std::string& host, uint16_t port) {
    ntf::http2::testing::TestPkiOptions pki_options;
    pki_options.ip_addresses = {host};
    absl::StatusOr<ntf::http2::testing::TestPki> pki =
        ntf::http2::testing::MakeTestPki(pki_options);
    if (!pki.ok()) return pki.status();
    ca_pem_ = pki->ca_certificate_pem;
    ntf::http2::ServerOptions options;
    options.host = host;
    options.port = port;
    options.certificate_chain_pem = pki->server_certificate_pem;
    options.private_key_pem = pki->server_private_key_pem;
    options.max_concurrent_streams = 1000;
    options.never_indexed_headers = ntf::testing::fake_internal::ApnsAnswerNeverIndexed();
    absl::StatusOr<std::unique_ptr<ntf::http2::Http2Server>> server =
        ntf::http2::Http2Server::Create(
            std::move(options),
            [this](const ntf::http2::Request& request, ntf::http2::Responder responder) {
              Handle(request, std::move(responder));
            });
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    server_->Start();
    origin_ = absl::StrCat("https://", host, ":", server_->port());
    return absl::OkStatus();
  }
  void Stop() { server_->Stop(); }
  uint16_t port() const { return server_->port(); }
  const std::string& origin() const { return origin_; }
  const std::string& ca_pem() const { return ca_pem_; }
  std::deque<LeanRecord> TakeRecords() {
    absl::MutexLock lock(&mu_);
    return std::move(records_);
  }

 private:
  void Handle(const ntf::http2::Request& request, ntf::http2::Responder responder) {
    constexpr absl::string_view kPrefix = "/3/device/";
    LeanRecord record{absl::ToUnixMicros(absl::Now()), 200, HeaderOf(request, "apns-id"), ""};
    std::string reason;
    if (request.method != "POST" || !absl::StartsWith(request.path, kPrefix)) {
      record.status = 404;
      reason = "BadPath";
    } else {
      record.device = request.path.substr(kPrefix.size());
      if (!JwtOk(HeaderOf(request, "authorization"))) {
        record.status = 403;
        reason = "InvalidProviderToken";
      } else if (HeaderOf(request, "apns-topic") != topic_) {
        record.status = 400;
        reason = "BadTopic";
      } else if (HeaderOf(request, "apns-push-type").empty()) {
        record.status = 400;
        reason = "InvalidPushType";
      } else if (request.body.size() > 4096) {
        record.status = 413;
        reason = "PayloadTooLarge";
      }
    }
    ntf::http2::Response response;
    response.status = record.status;
    response.headers.emplace_back("apns-id",
                                  ntf::testing::fake_internal::AnswerApnsId(record.apns_id));
    if (record.status != 200) {
      response.headers.emplace_back("content-type", "application/json");
      response.body = absl::StrCat("{\"reason\":\"", reason, "\"}");
    }
    {
      absl::MutexLock lock(&mu_);
      records_.push_back(std::move(record));
    }
    responder.Respond(std::move(response));
  }

  bool JwtOk(const std::string& authorization) {
    constexpr absl::string_view kBearer = "bearer ";
    if (authorization.size() <= kBearer.size() ||
        !absl::EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) {
      return false;
    }
    const std::string jwt = authorization.substr(kBearer.size());
    {
      absl::MutexLock lock(&mu_);
      if (verified_.count(jwt) != 0) return true;
    }
    const std::vector<std::string> parts = absl::StrSplit(jwt, '.');
    if (parts.size() != 3 || !ntf::testing::fake_internal::VerifyJws(
                                 "ES256", public_key_pem_, absl::StrCat(parts[0], ".", parts[1]),
                                 ntf::testing::fake_internal::Base64UrlDecode(parts[2]))) {
      return false;
    }
    absl::MutexLock lock(&mu_);
    verified_.insert(jwt);
    return true;
  }

  const std::string topic_;
  const std::string public_key_pem_;
  std::unique_ptr<ntf::http2::Http2Server> server_;
  std::string origin_;
  std::string ca_pem_;
  absl::Mutex mu_;
  std::set<std::string> verified_ ABSL_GUARDED_BY(mu_);
  // A deque: a vector's doubling would move every record so far (~750,000 in a bench run)
  // during whichever run happens to cross the next power of two.
  std::deque<LeanRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int main(int argc, char** argv) {
  constexpr ntf::testing::ExtraFlag kApnsFlags[] = {
      {"--topic", "T"}, {"--dump", "FILE"}, {"--lean", "1"}};
  std::optional<ntf::testing::FakeServerFlags> flags =
      ntf::testing::FakeServerFlagsOrUsage("ntf-fake-apns", argc, argv, kApnsFlags, std::cerr);
  if (!flags) return 2;
  ntf::testing::FakeApnsOptions options;
  if (!flags->host.empty()) options.host = flags->host;
  options.port = flags->port;
  options.topic = flags->Extra("--topic", options.topic);
  const std::string& dir = flags->dir;
  const std::string dump = flags->Extra("--dump");
  const bool lean = flags->Extra("--lean") == "1";
  absl::StatusOr<ntf::testing::FakeApnsCredentials> creds = ntf::testing::MakeFakeApnsCredentials();
  if (!creds.ok()) {
    std::cerr << "ntf-fake-apns: " << creds.status() << "\n";
    return 1;
  }
  options.credentials = *creds;
  auto signals = ntf::common::SignalWaiter::Install();
  if (!signals.ok()) {
    std::cerr << "ntf-fake-apns: " << signals.status() << "\n";
    return 1;
  }
  std::unique_ptr<ntf::testing::FakeApns> fake;
  std::unique_ptr<LeanApns> lean_fake;
  if (lean) {
    lean_fake = std::make_unique<LeanApns>(options.topic, creds->public_key_pem);
    if (absl::Status s = lean_fake->Start(options.host, options.port); !s.ok()) {
      std::cerr << "ntf-fake-apns: " << s << "\n";
      return 1;
    }
  } else {
    absl::StatusOr<std::unique_ptr<ntf::testing::FakeApns>> started =
        ntf::testing::FakeApns::Start(options);
    if (!started.ok()) {
      std::cerr << "ntf-fake-apns: " << started.status() << "\n";
      return 1;
    }
    fake = *std::move(started);
    ntf::testing::FakeAnswer answer;
    answer.delay = flags->latency;
    fake->SetDefaultAnswer(answer);
    fake->SetInbox(flags->inbox);
  }
  const std::string key_file = dir + "/apns_key.p8";
  const std::string ca_file = dir + "/apns_ca.pem";
  std::ofstream(key_file) << creds->private_key_pem;
  std::ofstream(ca_file) << (lean ? lean_fake->ca_pem() : fake->ca_pem());
  std::cout << "fake-apns ready port=" << (lean ? lean_fake->port() : fake->port())
            << " origin=" << (lean ? lean_fake->origin() : fake->origin())
            << " key_file=" << key_file << " key_id=" << creds->key_id
            << " team_id=" << creds->team_id << " ca_file=" << ca_file << std::endl;
  (*signals)->Wait();
  std::deque<LeanRecord> records;
  if (lean) {
    lean_fake->Stop();
    records = lean_fake->TakeRecords();
  } else {
    fake->Stop();
    for (const ntf::testing::RecordedRequest& r : fake->Requests()) {
      records.push_back(
          {absl::ToUnixMicros(r.received_at), r.answered, r.Header("apns-id"), r.device_token});
    }
  }
  std::cout << "fake-apns requests=" << records.size() << std::endl;
  if (!dump.empty()) {
    std::ofstream out(dump);
    for (const LeanRecord& r : records) {
      out << r.unix_us << ' ' << r.status << ' ' << (r.apns_id.empty() ? "-" : r.apns_id) << ' '
          << (r.device.empty() ? "-" : r.device) << '\n';
    }
  }
  return 0;
}
