// ntf-pusher-bench: pushes per second from one ntf-pusher to ntf-fake-apns, and the latency
// from stream entry (the job's enqueued_at_unix_ms) to the provider request (the fake's record
// time). Not a test: scripts/bench.sh starts the stack, the fake and the pusher, and runs:
//
//   ntf-pusher-bench jwt --key-file F --key-id K --team-id T      (h2load's authorization)
//   ntf-pusher-bench body --out FILE                              (h2load's body: a verification)
//   ntf-pusher-bench tokens --database-url URL --seal-key-file F --count N --out FILE
//   ntf-pusher-bench load --redis-url URL --tokens FILE --jobs N [--rate R] [--kind K]
//                         [--stream ntf:push] [--group pushers] [--wait 0] --jobs-out FILE
//   ntf-pusher-bench drain --redis-url URL --jobs N [--stream ntf:push] [--group pushers]
//   ntf-pusher-bench latency --dump FAKE_DUMP --jobs-in FILE [--label L]
//
// `tokens` inserts N ACTIVE apns_prod tokens (PgStore, secrets sealed with the server key).
// `load` XADDs N jobs (kind verification or check_messages, round-robin over the tokens) in
// pipelined batches, as fast as possible (--rate 0) or at R jobs/s, then polls XINFO GROUPS
// until the group has read everything and nothing is pending: every job was sent, answered,
// stored and XACKed. It prints jobs/s over first XADD .. last XACK, and writes
// "<apns-id> <enqueued unix ms>" per job. With --wait 0 it only adds the jobs (the group must
// exist; no pusher running) and exits: the backlog for `drain`. `drain`, started before the
// pusher, polls XINFO GROUPS every millisecond: from the first sign of consumption (lag below
// N, or something pending) to nothing left (lag 0, nothing pending), and prints jobs/s over that
// span. `latency` joins that with the fake's --dump.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"
#include "ntf/pg/pool.h"
#include "ntf/redis/connection.h"
#include "ntf/store/pg_store.h"
#include "ntf/store/seal_key_file.h"
#include "ntf/wire/encoding.h"
#include "services/pusher/src/apns_auth.h"
#include "services/pusher/src/jwt.h"
#include "services/pusher/src/provider_request.h"
#include "services/pusher/src/push_job.h"
#include "services/pusher/src/push_payload.h"

namespace ntf::bench {
namespace {

using Args = std::map<std::string, std::string>;

std::string Arg(const Args& args, const std::string& name, const std::string& fallback = "") {
  auto it = args.find(name);
  return it == args.end() ? fallback : it->second;
}

int64_t IntArg(const Args& args, const std::string& name, int64_t fallback) {
  int64_t v = fallback;
  const std::string s = Arg(args, name);
  if (!s.empty() && !absl::SimpleAtoi(s, &v)) {
    std::cerr << "bad " << name << ": " << s << "\n";
    std::exit(2);
  }
  return v;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int Fail(const absl::Status& s) {
  std::cerr << "ntf-pusher-bench: " << s << "\n";
  return 1;
}

int Jwt(const Args& args) {
  absl::StatusOr<pusher::SigningKey> key = pusher::SigningKey::FromPkcs8Pem(
      ReadFile(Arg(args, "--key-file")), pusher::JwsAlgorithm::kEs256);
  if (!key.ok()) return Fail(key.status());
  absl::StatusOr<std::string> jwt = pusher::MakeApnsProviderToken(
      *key, Arg(args, "--key-id"), Arg(args, "--team-id"), absl::Now());
  if (!jwt.ok()) return Fail(jwt.status());
  std::cout << *jwt << "\n";
  return 0;
}

int Body(const Args& args) {
  absl::StatusOr<crypto::DhSecret> secret = crypto::DhSecret::FromRaw(crypto::RandomBytes(32));
  if (!secret.ok()) return Fail(secret.status());
  absl::StatusOr<pusher::PushContent> content =
      pusher::MakeVerificationContent(*secret, crypto::RandomNonce(), crypto::RandomBytes(32));
  if (!content.ok()) return Fail(content.status());
  const std::string body = pusher::ApnsPayloadJson(*content);
  std::ofstream(Arg(args, "--out"), std::ios::binary) << body;
  std::cout << "body bytes=" << body.size() << "\n";
  return 0;
}

int Tokens(const Args& args) {
  absl::StatusOr<crypto::SealKey> seal = store::ReadSealKeyFile(Arg(args, "--seal-key-file"));
  if (!seal.ok()) return Fail(seal.status());
  pg::PoolOptions options;
  options.conninfo = Arg(args, "--database-url");
  options.connections = 1;
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(options);
  if (!pool.ok()) return Fail(pool.status());
  const int64_t count = IntArg(args, "--count", 1000);
  std::ofstream out(Arg(args, "--out"));
  const absl::Time start = absl::Now();
  for (int64_t done = 0; done < count;) {
    const int64_t n = std::min<int64_t>(1000, count - done);
    std::vector<store::Token> rows;
    for (int64_t i = 0; i < n; ++i) {
      store::Token row;
      row.token_id = crypto::RandomBytes(24);
      const std::string device = wire::HexEncode(crypto::RandomBytes(32));
      row.device = {.provider = wire::PushProvider::kApnsProd,
                    .token = wire::Bytes(device.begin(), device.end())};
      row.verify_key = crypto::RandomBytes(44);
      row.dh_pub_key = crypto::RandomBytes(44);
      row.dh_priv_key = crypto::RandomBytes(48);
      row.dh_secret = crypto::RandomBytes(32);
      row.reg_code = crypto::RandomBytes(32);
      row.status = {.state = wire::TokenState::kActive};
      row.registered_at = absl::Now();
      rows.push_back(std::move(row));
    }
    const crypto::SealKey key = *seal;
    absl::Status s = (*pool)->Run([&](pqxx::work& tx) -> absl::Status {
      store::PgStore store(tx, key);
      for (const store::Token& row : rows) {
        if (absl::Status st = store.InsertToken(row); !st.ok()) return st;
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return Fail(s);
    for (const store::Token& row : rows) {
      out << wire::HexEncode(row.token_id) << ' '
          << std::string(row.device.token.begin(), row.device.token.end()) << '\n';
    }
    done += n;
  }
  std::printf("tokens: %lld ACTIVE apns_prod tokens in %.1f s\n", static_cast<long long>(count),
              absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

// XINFO GROUPS: {pending, lag} of `group` (lag -1 when Redis does not report it).
absl::StatusOr<std::pair<int64_t, int64_t>> GroupState(redis::Connection& conn,
                                                       const std::string& stream,
                                                       const std::string& group) {
  absl::StatusOr<redis::Reply> reply = conn.Command({"XINFO", "GROUPS", stream}, {});
  if (!reply.ok()) return reply.status();
  for (const redis::Reply& g : reply->elements) {
    std::string name;
    int64_t pending = -1;
    int64_t lag = -1;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      const std::string& key = g.elements[i].str;
      const redis::Reply& v = g.elements[i + 1];
      if (key == "name") name = v.str;
      if (key == "pending") pending = v.integer;
      if (key == "lag" && v.is_integer()) lag = v.integer;
    }
    if (name == group) return std::make_pair(pending, lag);
  }
  return absl::NotFoundError(absl::StrCat("no group ", group, " on ", stream));
}

int Load(const Args& args) {
  std::vector<wire::Bytes> tokens;
  {
    std::ifstream in(Arg(args, "--tokens"));
    std::string id;
    std::string device;
    while (in >> id >> device) tokens.push_back(*wire::HexDecode(id));
  }
  if (tokens.empty()) return Fail(absl::InvalidArgumentError("no tokens"));
  const int64_t jobs = IntArg(args, "--jobs", 100000);
  const int64_t rate = IntArg(args, "--rate", 0);
  const std::string stream = Arg(args, "--stream", "ntf:push");
  const std::string group = Arg(args, "--group", "pushers");
  const std::string kind_name = Arg(args, "--kind", "verification");
  const pusher::PushKind kind = kind_name == "check_messages" ? pusher::PushKind::kCheckMessages
                                                              : pusher::PushKind::kVerification;
  redis::ConnectionOptions options;
  options.url = Arg(args, "--redis-url");
  absl::StatusOr<std::unique_ptr<redis::Connection>> conn = redis::Connection::Create(options);
  if (!conn.ok()) return Fail(conn.status());
  redis::CommandOptions cmd;
  cmd.timeout = absl::Seconds(10);
  if (absl::StatusOr<std::pair<int64_t, int64_t>> st = GroupState(**conn, stream, group);
      !st.ok() || st->first != 0) {
    return Fail(st.ok() ? absl::FailedPreconditionError("group has pending jobs") : st.status());
  }

  std::ofstream out(Arg(args, "--jobs-out"));
  const absl::Time start = absl::Now();
  int64_t sent = 0;
  constexpr int64_t kMaxBatch = 500;
  while (sent < jobs) {
    int64_t n = kMaxBatch;
    if (rate > 0) {
      const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
      n = std::min<int64_t>(kMaxBatch,
                            static_cast<int64_t>(elapsed * static_cast<double>(rate)) - sent + 1);
      if (n <= 0) {
        absl::SleepFor(absl::Milliseconds(1));
        continue;
      }
    }
    n = std::min(n, jobs - sent);
    std::vector<std::vector<std::string>> batch;
    batch.reserve(static_cast<size_t>(n));
    const absl::Time now = absl::Now();
    for (int64_t i = 0; i < n; ++i) {
      const pusher::JobSpec job =
          push_job::NewJob(kind, tokens[static_cast<size_t>(sent + i) % tokens.size()], {}, now);
      std::vector<std::string> argv = {"XADD", stream, "*"};
      for (const auto& [field, value] : push_job::EncodeEntry(job)) {
        argv.push_back(field);
        argv.push_back(value);
      }
      batch.push_back(std::move(argv));
      out << pusher::ApnsIdFromJobId(job.job_id) << ' ' << absl::ToUnixMillis(job.enqueued_at)
          << '\n';
    }
    absl::StatusOr<std::vector<redis::Reply>> replies = (*conn)->Pipeline(batch, cmd, "xadd");
    if (!replies.ok()) return Fail(replies.status());
    sent += n;
  }
  const absl::Time added = absl::Now();
  if (IntArg(args, "--wait", 1) == 0) {
    std::printf("load: %lld %s jobs added in %.2f s (not waiting for a pusher)\n",
                static_cast<long long>(jobs), kind_name.c_str(),
                absl::ToDoubleSeconds(added - start));
    return 0;
  }
  const absl::Time deadline = added + absl::Seconds(IntArg(args, "--timeout", 300));
  std::pair<int64_t, int64_t> state{-1, -1};
  while (absl::Now() < deadline) {
    absl::StatusOr<std::pair<int64_t, int64_t>> st = GroupState(**conn, stream, group);
    if (!st.ok()) return Fail(st.status());
    state = *st;
    if (state.first == 0 && state.second == 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  const absl::Time done = absl::Now();
  out.close();
  const double seconds = absl::ToDoubleSeconds(done - start);
  std::printf(
      "load: %lld %s jobs over %zu tokens, offered %s; XADD took %.2f s; all XACKed after %.2f s "
      "-> %.0f pushes/s%s\n",
      static_cast<long long>(jobs), kind_name.c_str(), tokens.size(),
      rate > 0 ? absl::StrCat(rate, "/s").c_str() : "as fast as possible",
      absl::ToDoubleSeconds(added - start), seconds, static_cast<double>(jobs) / seconds,
      state.first == 0 && state.second == 0
          ? ""
          : absl::StrCat(" (TIMED OUT: pending=", state.first, " lag=", state.second, ")").c_str());
  return state.first == 0 && state.second == 0 ? 0 : 1;
}

// Waits for a pusher to consume a backlog of `--jobs` entries that `load --wait 0` added.
int Drain(const Args& args) {
  const int64_t jobs = IntArg(args, "--jobs", 100000);
  const std::string stream = Arg(args, "--stream", "ntf:push");
  const std::string group = Arg(args, "--group", "pushers");
  redis::ConnectionOptions options;
  options.url = Arg(args, "--redis-url");
  absl::StatusOr<std::unique_ptr<redis::Connection>> conn = redis::Connection::Create(options);
  if (!conn.ok()) return Fail(conn.status());
  const absl::Time deadline = absl::Now() + absl::Seconds(IntArg(args, "--timeout", 300));
  std::optional<absl::Time> started;
  std::pair<int64_t, int64_t> state{-1, -1};
  while (absl::Now() < deadline) {
    absl::StatusOr<std::pair<int64_t, int64_t>> st = GroupState(**conn, stream, group);
    if (!st.ok()) return Fail(st.status());
    state = *st;
    const absl::Time now = absl::Now();
    if (!started && (state.first > 0 || (state.second >= 0 && state.second < jobs))) {
      started = now;
    }
    if (started && state.first == 0 && state.second == 0) break;
    absl::SleepFor(absl::Milliseconds(started ? 5 : 1));
  }
  const bool done = started && state.first == 0 && state.second == 0;
  const double seconds = started ? absl::ToDoubleSeconds(absl::Now() - *started) : 0.0;
  std::printf(
      "drain: %lld jobs queued before the pusher started; first read -> last XACK %.2f s -> %.0f "
      "pushes/s%s\n",
      static_cast<long long>(jobs), seconds,
      seconds > 0 ? static_cast<double>(jobs) / seconds : 0.0,
      done
          ? ""
          : absl::StrCat(" (TIMED OUT: pending=", state.first, " lag=", state.second, ")").c_str());
  return done ? 0 : 1;
}

int Latency(const Args& args) {
  std::unordered_map<std::string, int64_t> enqueued;  // apns-id -> unix ms
  {
    std::ifstream in(Arg(args, "--jobs-in"));
    std::string id;
    int64_t ms = 0;
    while (in >> id >> ms) enqueued.emplace(id, ms);
  }
  std::vector<double> latencies_ms;
  int64_t first_us = INT64_MAX;
  int64_t last_us = 0;
  int64_t non_200 = 0;
  {
    std::ifstream in(Arg(args, "--dump"));
    int64_t us = 0;
    int status = 0;
    std::string id;
    std::string device;
    std::unordered_map<std::string, bool> seen;
    while (in >> us >> status >> id >> device) {
      auto it = enqueued.find(id);
      if (it == enqueued.end()) continue;
      if (status != 200) ++non_200;
      if (!seen.emplace(id, true).second) continue;  // a retry: the first request counts
      latencies_ms.push_back(static_cast<double>(us - it->second * 1000) / 1000.0);
      first_us = std::min(first_us, us);
      last_us = std::max(last_us, us);
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(
        latencies_ms.size() - 1,
        static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  const double span = static_cast<double>(last_us - first_us) / 1e6;
  std::printf(
      "latency %s: %zu of %zu jobs reached the fake (non-200: %lld), %.0f requests/s at the fake; "
      "stream entry -> provider request p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms\n",
      Arg(args, "--label", "").c_str(), latencies_ms.size(), enqueued.size(),
      static_cast<long long>(non_200),
      span > 0 ? static_cast<double>(latencies_ms.size()) / span : 0.0, pct(0.5), pct(0.9),
      pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return latencies_ms.size() == enqueued.size() ? 0 : 1;
}

}  // namespace
}  // namespace ntf::bench

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ntf-pusher-bench jwt|body|tokens|load|drain|latency --flag value...\n";
    return 2;
  }
  const std::string command = argv[1];
  ntf::bench::Args args;
  for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (command == "jwt") return ntf::bench::Jwt(args);
  if (command == "body") return ntf::bench::Body(args);
  if (command == "tokens") return ntf::bench::Tokens(args);
  if (command == "load") return ntf::bench::Load(args);
  if (command == "drain") return ntf::bench::Drain(args);
  if (command == "latency") return ntf::bench::Latency(args);
  std::cerr << "unknown command " << command << "\n";
  return 2;
}
