// ntf-intake-bench: TNEW and SNEW commands per second through a running ntf-intake and its
// PostgreSQL, from many concurrent clients, and the memory an idle client connection costs.
// Not a test: scripts/bench.sh starts the stack and the service, runs this, prints the figures.
//
//   ntf-intake-bench --address ntf://... --database-url URL [--clients 32] [--seconds 10]
//                    [--intake-pid PID --idle 1000]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pqxx/binarystring>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "ntf/client/agent_token.h"
#include "ntf/client/ntf_client.h"
#include "ntf/crypto/primitives.h"
#include "ntf/pg/pool.h"

namespace ntf::bench {
namespace {

struct Options {
  std::string address;
  std::string database_url;
  int clients = 32;
  double seconds = 10;
  int intake_pid = 0;
  int idle = 0;
};

struct Stats {
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> errors{0};
};

void Report(const char* what, Stats& s, double seconds) {
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  auto pct = [&](double p) {
    if (s.latencies_ms.empty()) return 0.0;
    return s.latencies_ms[std::min(s.latencies_ms.size() - 1,
                                   static_cast<size_t>(p * s.latencies_ms.size()))];
  };
  std::printf("%-5s %8.0f/s  ok=%lld err=%lld  p50=%.2fms p99=%.2fms max=%.2fms\n", what,
              static_cast<double>(s.ok.load()) / seconds, static_cast<long long>(s.ok.load()),
              static_cast<long long>(s.errors.load()), pct(0.5), pct(0.99),
              s.latencies_ms.empty() ? 0.0 : s.latencies_ms.back());
}

long RssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

client::AgentToken NewToken() {
  return *client::AgentToken::Generate(
      {.provider = wire::PushProvider::kApnsNull,
       .token = wire::ToBytes(wire::HexEncode(crypto::RandomBytes(32)))});
}

wire::Bytes RegCode(pg::Pool& pool, const wire::Bytes& token_id) {
  auto code = pool.Run([&](pqxx::work& tx) {
    pqxx::binarystring b(tx.exec_params("SELECT reg_code FROM tokens WHERE token_id = $1",
                                        pqxx::binarystring(token_id.data(), token_id.size()))
                             .at(0)
                             .at(0));
    return wire::Bytes(b.data(), b.data() + b.size());
  });
  return code.ok() ? *code : wire::Bytes{};
}

int Run(const Options& o) {
  absl::StatusOr<client::ConnectOptions> connect = client::ConnectOptions::FromAddress(o.address);
  if (!connect.ok()) {
    std::cerr << connect.status() << "\n";
    return 2;
  }
  pg::PoolOptions pool_options;
  pool_options.conninfo = o.database_url;
  pool_options.connections = 1;
  auto pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) {
    std::cerr << pool.status() << "\n";
    return 2;
  }

  if (o.idle > 0) {
    const long before = RssKb(o.intake_pid);
    std::vector<std::unique_ptr<client::NtfClient>> idle;
    for (int i = 0; i < o.idle; ++i) {
      auto c = client::NtfClient::Connect(*connect);
      absl::Status pinged = c.ok() ? (*c)->Ping().status() : c.status();
      if (!pinged.ok()) {
        std::cerr << "idle connection " << i << " failed: " << pinged << "\n";
        return 1;
      }
      idle.push_back(*std::move(c));
    }
    absl::SleepFor(absl::Seconds(1));
    const long after = RssKb(o.intake_pid);
    std::printf("idle  %d connections: intake RSS %ld KB -> %ld KB, %.1f KB per connection\n",
                o.idle, before, after, static_cast<double>(after - before) / o.idle);
    return 0;
  }

  // Each client: its own connection and an active token.
  struct Client {
    std::unique_ptr<client::NtfClient> conn;
    std::optional<client::AgentToken> token;
  };
  std::vector<Client> clients(o.clients);
  for (Client& c : clients) {
    auto conn = client::NtfClient::Connect(*connect);
    if (!conn.ok()) {
      std::cerr << conn.status() << "\n";
      return 1;
    }
    c.conn = *std::move(conn);
    c.token = NewToken();
    auto idtkn = c.conn->Tnew(*c.token->MakeTnew(), c.token->verify_key());
    if (!idtkn.ok() || !idtkn->ok() || !c.token->OnRegistered(idtkn->value()).ok()) {
      std::cerr << "TNEW failed\n";
      return 1;
    }
    auto ok = c.conn->Tvfy(c.token->token_id(), RegCode(**pool, c.token->token_id()),
                           c.token->verify_key());
    if (!ok.ok() || !ok->ok()) {
      std::cerr << "TVFY failed\n";
      return 1;
    }
  }

  auto phase = [&](const char* name, auto&& one) {
    Stats stats;
    const absl::Time end = absl::Now() + absl::Seconds(o.seconds);
    std::vector<std::thread> threads;
    for (int i = 0; i < o.clients; ++i) {
      threads.emplace_back([&, i] {
        std::vector<double> local;
        uint32_t n = 0;
        while (absl::Now() < end) {
          const absl::Time t0 = absl::Now();
          const bool ok = one(clients[i], n++);
          local.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
          (ok ? stats.ok : stats.errors).fetch_add(1);
        }
        std::lock_guard lock(stats.mu);
        stats.latencies_ms.insert(stats.latencies_ms.end(), local.begin(), local.end());
      });
    }
    for (std::thread& t : threads) t.join();
    Report(name, stats, o.seconds);
  };

  phase("TNEW", [](Client& c, uint32_t) {
    client::AgentToken t = NewToken();
    auto r = c.conn->Tnew(*t.MakeTnew(), t.verify_key());
    return r.ok() && r->ok();
  });
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);
  const wire::Bytes notifier_key = crypto::EncodePkcs8(notifier);
  phase("SNEW", [&](Client& c, uint32_t) {
    wire::SnewCommand snew{
        .token_id = c.token->token_id(),
        .smp_server = {.hosts = {"smp.bench.example"}, .port = "", .key_hash = wire::Bytes(32, 1)},
        .notifier_id = crypto::RandomId(),
        .notifier_key = notifier_key};
    auto r = c.conn->Snew(snew, c.token->verify_key());
    return r.ok() && r->ok();
  });
  return 0;
}

}  // namespace
}  // namespace ntf::bench

int main(int argc, char** argv) {
  ntf::bench::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--address") {
      o.address = v;
    } else if (k == "--database-url") {
      o.database_url = v;
    } else if (k == "--clients") {
      (void)absl::SimpleAtoi(v, &o.clients);
    } else if (k == "--seconds") {
      (void)absl::SimpleAtod(v, &o.seconds);
    } else if (k == "--intake-pid") {
      (void)absl::SimpleAtoi(v, &o.intake_pid);
    } else if (k == "--idle") {
      (void)absl::SimpleAtoi(v, &o.idle);
    } else {
      std::cerr << "unknown flag " << k << "\n";
      return 2;
    }
  }
  if (o.address.empty() || o.database_url.empty()) {
    std::cerr << "usage: ntf-intake-bench --address ntf://... --database-url URL [--clients N] "
                 "[--seconds S] [--intake-pid PID --idle N]\n";
    return 2;
  }
  return ntf::bench::Run(o);
}
