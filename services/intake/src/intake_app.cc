#include "services/intake/src/intake_app.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <iostream>

#include "ntf/common/health.h"
#include "ntf/common/signal_waiter.h"
#include "ntf/observability/admin_server.h"
#include "ntf/pg/migrations.h"
#include "ntf/pg/pool.h"
#include "ntf/redis/hiredis_stream_client.h"
#include "ntf/store/pg_store.h"
#include "ntf/store/seal_key_file.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/context.h"
#include "ntf/wire/address.h"
#include "services/intake/src/block_executor.h"
#include "services/intake/src/grpc_subscription_events.h"
#include "services/intake/src/ntf_server.h"
#include "services/intake/src/redis_push_job_queue.h"

namespace ntf::intake {
namespace {

// Used when no subscriber address is configured: the subscriber finds new subscriptions by its
// periodic reconcile from PostgreSQL.
class NoSubscriptionEvents final : public SubscriptionEvents {
 public:
  void Subscribed(std::vector<store::Subscription>) override {}
  void Unsubscribed(std::vector<store::Subscription>) override {}
};

int Fail(const common::Logger& log, std::string_view what, const absl::Status& status) {
  log.Error("start-up failed", {{"step", what}, {"error", status}});
  return 1;
}

}  // namespace

int RunIntake(const IntakeConfig& config, const common::Logger& log) {
  absl::StatusOr<std::unique_ptr<common::SignalWaiter>> signals = common::SignalWaiter::Install();
  if (!signals.ok()) return Fail(log, "signals", signals.status());

  // Identity and secrets.
  absl::StatusOr<tls::ServerCredentials> creds = tls::ServerCredentials::FromFiles(
      config.tls_server_cert, config.tls_ca_cert, config.tls_server_key);
  if (!creds.ok()) return Fail(log, "tls credentials", creds.status());
  absl::StatusOr<crypto::PrivateKey> signing_key = SigningKeyOf(*creds);
  if (!signing_key.ok()) return Fail(log, "tls key", signing_key.status());
  const std::string fingerprint = tls::FormatFingerprint(creds->fingerprint());
  absl::StatusOr<crypto::SealKey> seal_key = store::ReadSealKeyFile(config.secret_key_file);
  if (!seal_key.ok()) return Fail(log, "secret key", seal_key.status());
  absl::StatusOr<std::shared_ptr<const tls::TlsServerContext>> tls_context =
      tls::TlsServerContext::Create(*std::move(creds), {.alpn_protocols = {tls::kNtfAlpn}});
  if (!tls_context.ok()) return Fail(log, "tls context", tls_context.status());

  prometheus::Registry registry;
  IntakeMetrics metrics(registry);
  common::Health health;

  // PostgreSQL.
  pg::PoolOptions pool_options = config.database.ToPoolOptions("ntf-intake");
  pool_options.on_queue_wait = [&metrics](absl::Duration d) {
    metrics.DbPoolWait(absl::ToChronoNanoseconds(d));
  };
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(std::move(pool_options));
  if (!pool.ok()) return Fail(log, "database pool", pool.status());
  if (config.database.migrate) {
    std::vector<std::string> applied;
    if (absl::Status s = pg::ApplyMigrations(**pool, store::Migrations(), &applied); !s.ok()) {
      return Fail(log, "migrations", s);
    }
    for (const std::string& v : applied) log.Info("migration applied", {{"version", v}});
  }
  health.AddReadinessCheck("postgres", [p = pool->get()] {
    return p->Healthy() ? absl::OkStatus() : absl::UnavailableError("database unreachable");
  });

  // Redis.
  redis::ConnectionOptions redis_options;
  redis_options.url = config.redis_url;
  redis_options.client_name = "ntf-intake";
  absl::StatusOr<std::unique_ptr<redis::HiredisStreamClient>> redis_client =
      redis::HiredisStreamClient::Create(std::move(redis_options));
  if (!redis_client.ok()) return Fail(log, "redis", redis_client.status());
  RedisPushJobQueue push_queue(
      **redis_client, {.stream = config.push_stream, .max_len = config.push_stream_maxlen},
      [c = redis_client->get()] {
        return c->Healthy() ? absl::OkStatus() : absl::UnavailableError("redis unreachable");
      });
  health.AddReadinessCheck("redis", [&push_queue] { return push_queue.Check(); });

  // Subscriber notifications.
  std::unique_ptr<SubscriptionEvents> events;
  if (config.subscriber_address.empty()) {
    events = std::make_unique<NoSubscriptionEvents>();
  } else {
    auto& calls = prometheus::BuildCounter()
                      .Name("ntf_intake_subscriber_calls_total")
                      .Help("SubscriberControl calls, by result")
                      .Register(registry);
    prometheus::Counter* ok = &calls.Add({{"result", "ok"}});
    prometheus::Counter* failed = &calls.Add({{"result", "error"}});
    absl::StatusOr<std::unique_ptr<GrpcSubscriptionEvents>> grpc_events =
        GrpcSubscriptionEvents::Create(
            config.subscriber_address, config.subscriber_timeout,
            [ok, failed](const absl::Status& s) { (s.ok() ? ok : failed)->Increment(); });
    if (!grpc_events.ok()) return Fail(log, "subscriber client", grpc_events.status());
    events = *std::move(grpc_events);
  }

  CommandProcessor processor(push_queue, *events, metrics);
  PgBlockExecutor executor(**pool, *seal_key, processor, metrics);
  NtfServer server({.host = config.listen_host,
                    .port = static_cast<uint16_t>(config.listen_port),
                    .event_loops = config.event_loops,
                    .handshake_timeout = config.handshake_timeout,
                    .idle_timeout = config.idle_timeout,
                    .max_handshakes = config.max_handshakes},
                   *tls_context, *std::move(signing_key), executor, metrics);

  observability::AdminServer admin(
      {.address = config.admin_host, .port = static_cast<uint16_t>(config.admin_port)}, health,
      registry);
  if (absl::Status s = admin.Start(); !s.ok()) return Fail(log, "admin server", s);
  if (absl::Status s = server.Start(); !s.ok()) return Fail(log, "ntf listener", s);

  log.Info("listening", {{"port", static_cast<int64_t>(server.port())},
                         {"admin_port", static_cast<int64_t>(admin.port())},
                         {"fingerprint", fingerprint}});
  // Machine-readable start line for harnesses (flushed: stdout may be a pipe).
  std::cout << "ntf-intake ready port=" << server.port() << " admin_port=" << admin.port()
            << " fingerprint=" << fingerprint << std::endl;

  const int signo = (*signals)->Wait();
  log.Info("shutting down", {{"signal", static_cast<int64_t>(signo)}});
  health.SetDraining(true);
  server.StopAccepting();
  const int left = server.Drain(config.drain_timeout);
  if (left > 0) log.Warn("drain deadline passed", {{"connections", static_cast<int64_t>(left)}});
  (*pool)->Shutdown();
  admin.Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace ntf::intake
