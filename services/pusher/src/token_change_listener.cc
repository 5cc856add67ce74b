#include "services/pusher/src/token_change_listener.h"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher {
namespace {

constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(10);
constexpr long kPollMicros = 200000;  // how often Stop() is noticed
constexpr absl::Duration kPingInterval = absl::Seconds(5);

// Canary payloads are not token ids (not hex): "canary <backend pid> <n>".
constexpr char kCanaryPrefix[] = "canary ";

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, TokenCache& cache, PusherMetrics& metrics,
           const common::Logger& log)
      : pqxx::notification_receiver(conn, kTokenChangeChannel),
        cache_(cache),
        metrics_(metrics),
        log_(log) {}

  void operator()(const std::string& payload, int) override {
    if (absl::StartsWith(payload, kCanaryPrefix)) {  // ours or another pusher's
      if (payload == expected_canary_) canary_seen_ = true;
      return;
    }
    absl::StatusOr<wire::Bytes> id = wire::HexDecode(payload);
    if (!id.ok()) {
      log_.Warn("token change announcement without a token id", {{"payload", payload}});
      return;
    }
    cache_.Invalidate(*id);
    metrics_.TokenChangeAnnounced();
  }

  // Announces a new canary on the channel; CanarySeen() tells when it came back.
  void SendCanary(pqxx::connection_base& conn) {
    expected_canary_ = absl::StrCat(kCanaryPrefix, conn.backendpid(), " ", ++canaries_);
    canary_seen_ = false;
    pqxx::nontransaction q(conn);
    q.exec_params("SELECT pg_notify($1, $2)", std::string(kTokenChangeChannel), expected_canary_);
  }
  bool CanarySeen() const { return canary_seen_; }

 private:
  TokenCache& cache_;
  PusherMetrics& metrics_;
  const common::Logger& log_;
  std::string expected_canary_;
  uint64_t canaries_ = 0;
  bool canary_seen_ = false;
};

}  // namespace

TokenChangeListener::TokenChangeListener(std::string conninfo, TokenCache& cache,
                                         PusherMetrics& metrics, common::Logger log)
    : conninfo_(std::move(conninfo)), cache_(cache), metrics_(metrics), log_(std::move(log)) {}

TokenChangeListener::~TokenChangeListener() { Stop(); }

void TokenChangeListener::Start() {
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), "ntf-token-watch");
}

void TokenChangeListener::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  cache_.SetEnabled(false);
}

void TokenChangeListener::Loop() {
  absl::Duration backoff = kMinBackoff;
  while (!stopping_.load()) {
    const int64_t before = listens_.load();
    std::string error = ListenOnce();
    cache_.SetEnabled(false);
    if (stopping_.load()) break;
    if (listens_.load() != before) backoff = kMinBackoff;  // it listened: a fresh failure
    log_.Warn("token cache off: not listening for token changes",
              {{"error", error}, {"retry_in", absl::FormatDuration(backoff)}});
    for (absl::Time until = absl::Now() + backoff; absl::Now() < until && !stopping_.load();) {
      absl::SleepFor(std::min(absl::Milliseconds(100), until - absl::Now()));
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

std::string TokenChangeListener::ListenOnce() {
  try {
    pqxx::connection conn(conninfo_);
    // A broken connection must fail, not come back silently without the LISTEN's history
    // (deprecated in libpqxx 6.4, but reactivation is still on by default there).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn.inhibit_reactivation(true);
#pragma GCC diagnostic pop
    {
      pqxx::nontransaction q(conn);
      const pqxx::result trigger = q.exec(
          "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass('tokens') "
          "AND tgname = 'tokens_changed_notify'");
      if (trigger.empty()) {
        return "trigger tokens_changed_notify is missing (migration store_0003 not applied)";
      }
    }
    Receiver receiver(conn, cache_, metrics_, log_);  // LISTEN
    // Proof that announcements reach us: our own canary must come back. A LISTEN that hears
    // nothing (a transaction-pooling proxy between us and PostgreSQL, a replica) would
    // otherwise leave the cache on with rows that never change.
    receiver.SendCanary(conn);
    for (absl::Time until = absl::Now() + kPingInterval;
         !receiver.CanarySeen() && absl::Now() < until && !stopping_.load();) {
      conn.await_notification(0, kPollMicros);
    }
    if (stopping_.load()) return "stopping";
    if (!receiver.CanarySeen()) {
      return "LISTEN hears no announcements (is database.url a transaction-pooling proxy?)";
    }
    // Rows loaded before this point may have missed an announcement: start empty.
    cache_.SetEnabled(true);
    backend_pid_.store(conn.backendpid());
    listens_.fetch_add(1);
    log_.Info("token cache on: listening for token changes",
              {{"backend_pid", static_cast<int64_t>(conn.backendpid())}});
    // Every kPingInterval a new canary; the previous one must have come back by then. This
    // also asks an idle connection whether the server is still there (the pool's
    // tcp_user_timeout and statement_timeout bound the wait).
    receiver.SendCanary(conn);
    absl::Time next_ping = absl::Now() + kPingInterval;
    while (!stopping_.load()) {
      conn.await_notification(0, kPollMicros);
      if (absl::Now() >= next_ping) {
        if (!receiver.CanarySeen()) return "an announcement did not come back in time";
        receiver.SendCanary(conn);
        next_ping = absl::Now() + kPingInterval;
      }
    }
    return "stopping";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace ntf::pusher
