#include "services/pusher/src/pusher_app.h"

#include <prometheus/registry.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ntf/common/health.h"
#include "ntf/common/signal_waiter.h"
#include "ntf/http2/client.h"
#include "ntf/observability/admin_server.h"
#include "ntf/pg/migrations.h"
#include "ntf/pg/pool.h"
#include "ntf/pg/session.h"
#include "ntf/redis/hiredis_stream_client.h"
#include "ntf/store/pg_store.h"
#include "ntf/store/seal_key_file.h"
#include "services/pusher/src/apns_auth.h"
#include "services/pusher/src/caching_push_store.h"
#include "services/pusher/src/cron.h"
#include "services/pusher/src/dispatcher.h"
#include "services/pusher/src/fcm_auth.h"
#include "services/pusher/src/held_jobs.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/job_worker.h"
#include "services/pusher/src/outbox.h"
#include "services/pusher/src/periodic.h"
#include "services/pusher/src/providers/apns_sender.h"
#include "services/pusher/src/providers/fcm_sender.h"
#include "services/pusher/src/providers/local_sender.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"
#include "services/pusher/src/retry_policy.h"
#include "services/pusher/src/stream_upkeep.h"
#include "services/pusher/src/token_cache.h"
#include "services/pusher/src/token_change_listener.h"

namespace ntf::pusher {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string DefaultConsumerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "pusher");
  return absl::StrCat(host, "-", getpid());
}

absl::Status Step(std::string_view step, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(std::string(step), ": ", status.message()));
}

// Push clients free each body once sent (ClientOptions::release_sent_bodies): a refused one
// comes back as SendResult::kRefused and the lane builds it again. The FCM token client keeps
// its bodies and the client's own transparent resend.
constexpr bool kReleaseBodies = true;
constexpr bool kKeepBodies = false;

absl::StatusOr<std::unique_ptr<http2::Http2Client>> MakeClient(
    const std::string& origin, const std::string& ca_file, int min_connections, int max_connections,
    int max_in_flight, absl::Duration timeout, bool release_sent_bodies,
    std::vector<std::string> never_indexed = {}) {
  http2::ClientOptions options;
  options.release_sent_bodies = release_sent_bodies;
  options.never_indexed_headers = std::move(never_indexed);
  options.origin = origin;
  options.ca_file = ca_file;
  options.min_connections = min_connections;
  options.max_connections = max_connections;
  options.max_pending_requests = 2 * static_cast<int64_t>(max_in_flight);
  options.request_timeout = timeout;
  return http2::Http2Client::Create(std::move(options));
}

}  // namespace

// Everything the service is made of, in construction order (destroyed in reverse).
struct PusherApp::Parts {
  PusherConfig config;
  common::Logger log{"pusher"};
  std::string consumer;
  const common::Clock& clock = common::RealClock();
  prometheus::Registry registry;
  std::unique_ptr<PusherMetrics> metrics;
  common::Health health;

  std::unique_ptr<pg::Pool> pool;
  // The reader's own connection for its per-batch loads (PgPushStore::Load), used on its thread.
  std::unique_ptr<pg::Session> reader_session;
  std::unique_ptr<PgPushStore> store;
  // The token cache (token_cache.size > 0): the lanes and the reader use `push_store`, which is
  // the caching store then and `store` otherwise.
  std::unique_ptr<TokenCache> token_cache;
  std::unique_ptr<TokenChangeListener> token_listener;
  std::unique_ptr<CachingPushStore> caching_store;
  PushStore* push_store = nullptr;

  // One Redis connection per thread that uses one.
  std::unique_ptr<RedisJobStream> reader_stream;
  std::unique_ptr<RedisJobStream> keeper_stream;
  std::unique_ptr<RedisJobStream> chores_stream;  // stats, trim, cron, outbox
  std::unique_ptr<RedisJobStream> apns_stream;
  std::unique_ptr<RedisJobStream> fcm_stream;
  std::unique_ptr<RedisJobStream> local_stream;

  std::unique_ptr<http2::Http2Client> apns_production;
  std::unique_ptr<http2::Http2Client> apns_sandbox;
  std::unique_ptr<http2::Http2Client> apns_test;
  std::unique_ptr<ApnsTokenProvider> apns_auth;
  std::unique_ptr<http2::Http2Client> fcm_token_client;
  std::unique_ptr<Http2TokenFetcher> fcm_fetcher;
  std::unique_ptr<FcmTokenProvider> fcm_auth;
  std::unique_ptr<http2::Http2Client> fcm_client;

  std::unique_ptr<ApnsSender> apns_sender;
  std::unique_ptr<FcmSender> fcm_sender;
  LocalSender local_sender;

  std::unique_ptr<RetryPolicy> policy;
  HeldJobs held;
  std::unique_ptr<JobWorker> apns_lane;
  std::unique_ptr<JobWorker> fcm_lane;
  std::unique_ptr<JobWorker> local_lane;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<HeldJobsKeeper> keeper;

  std::unique_ptr<StreamUpkeep> upkeep;
  std::unique_ptr<CronScheduler> cron;
  std::unique_ptr<OutboxSweeper> outbox;
  std::unique_ptr<PeriodicTask> stats_task;
  std::unique_ptr<PeriodicTask> trim_task;
  std::unique_ptr<PeriodicTask> cron_task;
  std::unique_ptr<PeriodicTask> outbox_task;

  std::unique_ptr<observability::AdminServer> admin;
  bool started = false;
  bool stopped = false;

  absl::StatusOr<std::unique_ptr<RedisJobStream>> MakeStream(std::string_view role) {
    redis::ConnectionOptions options;
    options.url = config.redis_url;
    options.client_name = absl::StrCat("ntf-pusher-", std::string(role));
    absl::StatusOr<std::unique_ptr<redis::HiredisStreamClient>> client =
        redis::HiredisStreamClient::Create(std::move(options));
    if (!client.ok()) return client.status();
    return std::make_unique<RedisJobStream>(
        *std::move(client),
        JobStreamNames{.stream = config.push_stream,
                       .group = config.consumer_group,
                       .consumer = consumer,
                       .dead_stream = config.dead_stream,
                       .dead_max_len = config.dead_max_len},
        redis::CommandOptions{.timeout = config.redis_timeout, .retries = 1});
  }

  void UpdateGauges() {
    for (JobWorker* lane : {apns_lane.get(), fcm_lane.get(), local_lane.get()}) {
      const JobWorker::Depth d = lane->depth();
      metrics->LaneDepth(lane->lane(), d.queued, d.in_flight + d.completing, d.backing_off);
    }
    if (token_cache) {
      metrics->TokenCacheState(static_cast<int64_t>(token_cache->size()), config.token_cache_size,
                               token_cache->enabled());
    }
    if (apns_auth) metrics->ApnsTokenAge(apns_auth->AgeSeconds());
    if (fcm_auth) metrics->FcmTokenExpiresIn(fcm_auth->ExpiresInSeconds());
    for (const auto& [endpoint, client] :
         {std::pair{"apns_production", apns_production.get()},
          std::pair{"apns_sandbox", apns_sandbox.get()}, std::pair{"apns_test", apns_test.get()},
          std::pair{"fcm", fcm_client.get()}, std::pair{"fcm_oauth", fcm_token_client.get()}}) {
      if (client == nullptr) continue;
      const http2::ClientStats s = client->stats();
      metrics->ProviderConnections(endpoint, {.opened = s.connections_opened,
                                              .closed = s.connections_closed,
                                              .connect_failures = s.connect_failures,
                                              .goaways = s.goaways_received,
                                              .retired = s.connections_retired,
                                              .streams_in_flight = s.streams_in_flight});
    }
  }
};

absl::StatusOr<std::unique_ptr<PusherApp>> PusherApp::Create(const PusherConfig& config,
                                                             common::Logger log) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  p->log = std::move(log);
  p->consumer = config.consumer_name.empty() ? DefaultConsumerName() : config.consumer_name;
  p->metrics = std::make_unique<PusherMetrics>(p->registry);

  // PostgreSQL.
  absl::StatusOr<crypto::SealKey> seal_key = store::ReadSealKeyFile(config.secret_key_file);
  if (!seal_key.ok()) return Step("secret key", seal_key.status());
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      pg::Pool::Create(config.database.ToPoolOptions("ntf-pusher"));
  if (!pool.ok()) return Step("database pool", pool.status());
  p->pool = *std::move(pool);
  if (config.database.migrate) {
    std::vector<std::string> applied;
    absl::Status s = pg::ApplyMigrations(*p->pool, store::Migrations(), &applied);
    if (!s.ok()) return Step("migrations", s);
    for (const std::string& v : applied) p->log.Info("migration applied", {{"version", v}});
  }
  absl::StatusOr<std::unique_ptr<pg::Session>> reader_session =
      pg::Session::Create(config.database.ToPoolOptions("ntf-pusher"));
  if (!reader_session.ok()) return Step("database session", reader_session.status());
  p->reader_session = *std::move(reader_session);
  p->store = std::make_unique<PgPushStore>(*p->pool, *seal_key, p->reader_session.get());
  p->push_store = p->store.get();
  if (config.token_cache_size > 0) {
    p->token_cache = std::make_unique<TokenCache>(
        TokenCacheOptions{.max_entries = static_cast<size_t>(config.token_cache_size),
                          .max_age = config.token_cache_max_age},
        p->clock);
    p->token_listener = std::make_unique<TokenChangeListener>(
        p->pool->conninfo(), *p->token_cache, *p->metrics, p->log.Child("token-cache"));
    p->caching_store = std::make_unique<CachingPushStore>(*p->store, *p->token_cache, *p->metrics);
    p->push_store = p->caching_store.get();
  }

  // Redis.
  for (auto [slot, role] :
       {std::pair{&p->reader_stream, "reader"}, std::pair{&p->keeper_stream, "keeper"},
        std::pair{&p->chores_stream, "chores"}, std::pair{&p->apns_stream, "apns"},
        std::pair{&p->fcm_stream, "fcm"}, std::pair{&p->local_stream, "local"}}) {
    absl::StatusOr<std::unique_ptr<RedisJobStream>> stream = p->MakeStream(role);
    if (!stream.ok()) return Step("redis", stream.status());
    *slot = *std::move(stream);
  }

  // APNs.
  if (!config.apns_key_file.empty()) {
    absl::StatusOr<std::string> pem = ReadFile(config.apns_key_file);
    if (!pem.ok()) return Step("apns.key_file", pem.status());
    absl::StatusOr<SigningKey> key = SigningKey::FromPkcs8Pem(*pem, JwsAlgorithm::kEs256);
    if (!key.ok()) return Step("apns.key_file", key.status());
    absl::StatusOr<std::unique_ptr<ApnsTokenProvider>> auth =
        ApnsTokenProvider::Create(p->clock, *std::move(key),
                                  {.key_id = config.apns_key_id,
                                   .team_id = config.apns_team_id,
                                   .refresh_after = config.apns_token_refresh,
                                   .max_age = absl::Minutes(55)});
    if (!auth.ok()) return Step("apns auth", auth.status());
    p->apns_auth = *std::move(auth);
    // apns-id is new on every request: indexing it would only churn the HPACK tables.
    const std::vector<std::string> unique = {"apns-id"};
    auto client =
        MakeClient(config.apns_production_url, config.apns_ca_file, config.apns_connections,
                   config.apns_connections, config.apns_max_in_flight, config.apns_request_timeout,
                   kReleaseBodies, unique);
    if (!client.ok()) return Step("apns.production_url", client.status());
    p->apns_production = *std::move(client);
    client =
        MakeClient(config.apns_sandbox_url, config.apns_ca_file, 0, config.apns_connections,
                   config.apns_max_in_flight, config.apns_request_timeout, kReleaseBodies, unique);
    if (!client.ok()) return Step("apns.sandbox_url", client.status());
    p->apns_sandbox = *std::move(client);
    if (!config.apns_test_url.empty()) {
      client =
          MakeClient(config.apns_test_url, config.apns_ca_file, 0, 1, config.apns_max_in_flight,
                     config.apns_request_timeout, kReleaseBodies, unique);
      if (!client.ok()) return Step("apns.test_url", client.status());
      p->apns_test = *std::move(client);
    }
  }
  p->apns_sender =
      std::make_unique<ApnsSender>(p->apns_auth.get(),
                                   ApnsEndpoints{.production = p->apns_production.get(),
                                                 .sandbox = p->apns_sandbox.get(),
                                                 .test = p->apns_test.get()},
                                   config.apns_topic, config.apns_request_timeout, p->clock);

  // FCM.
  if (!config.fcm_service_account_file.empty()) {
    absl::StatusOr<std::string> json = ReadFile(config.fcm_service_account_file);
    if (!json.ok()) return Step("fcm.service_account_file", json.status());
    absl::StatusOr<ServiceAccount> account = ParseServiceAccount(*json);
    if (!account.ok()) return Step("fcm.service_account_file", account.status());
    absl::StatusOr<std::string> token_origin = OriginOf(account->token_uri);
    if (!token_origin.ok()) return Step("fcm token_uri", token_origin.status());
    auto token_client = MakeClient(*token_origin, config.fcm_ca_file, 0, 1, 16,
                                   config.fcm_request_timeout, kKeepBodies);
    if (!token_client.ok()) return Step("fcm token endpoint", token_client.status());
    p->fcm_token_client = *std::move(token_client);
    p->fcm_fetcher =
        std::make_unique<Http2TokenFetcher>(*p->fcm_token_client, config.fcm_request_timeout);
    absl::StatusOr<std::unique_ptr<FcmTokenProvider>> auth =
        FcmTokenProvider::Create(p->clock, *p->fcm_fetcher, *std::move(account));
    if (!auth.ok()) return Step("fcm auth", auth.status());
    p->fcm_auth = *std::move(auth);
    auto client = MakeClient(config.fcm_url, config.fcm_ca_file, config.fcm_connections,
                             config.fcm_connections, config.fcm_max_in_flight,
                             config.fcm_request_timeout, kReleaseBodies);
    if (!client.ok()) return Step("fcm.url", client.status());
    p->fcm_client = *std::move(client);
  }
  p->fcm_sender = std::make_unique<FcmSender>(p->fcm_auth.get(), p->fcm_client.get(),
                                              config.fcm_request_timeout, p->clock);

  // Lanes, reader, keeper.
  RetryPolicyConfig retry;
  retry.max_attempts = static_cast<uint32_t>(config.retry_max_attempts);
  retry.initial_backoff = config.retry_initial_backoff;
  retry.multiplier = config.retry_multiplier;
  retry.max_backoff = config.retry_max_backoff;
  retry.max_retry_after = config.retry_max_retry_after;
  if (absl::Status s = ValidateRetryPolicyConfig(retry); !s.ok()) return Step("retry", s);
  p->policy = std::make_unique<RetryPolicy>(retry);
  auto lane = [&](Lane which, PushSender& sender, RedisJobStream& stream, int in_flight, int held) {
    return std::make_unique<JobWorker>(
        JobWorkerOptions{.lane = which, .max_in_flight = in_flight, .max_held = held}, sender,
        stream, *p->push_store, p->held, *p->policy, *p->metrics, p->clock,
        p->log.Child(LaneName(which)));
  };
  p->apns_lane = lane(Lane::kApns, *p->apns_sender, *p->apns_stream, config.apns_max_in_flight,
                      config.apns_max_held);
  p->fcm_lane = lane(Lane::kFcm, *p->fcm_sender, *p->fcm_stream, config.fcm_max_in_flight,
                     config.fcm_max_held);
  p->local_lane = lane(Lane::kLocal, p->local_sender, *p->local_stream, 10000, 20000);
  p->dispatcher = std::make_unique<Dispatcher>(
      DispatcherOptions{.read_batch = config.read_batch,
                        .read_block = config.read_block,
                        .claim_idle = config.claim_idle,
                        .claim_interval = config.claim_interval,
                        .max_deliveries = config.max_deliveries},
      *p->reader_stream, *p->push_store,
      Lanes{.apns = p->apns_lane.get(), .fcm = p->fcm_lane.get(), .local = p->local_lane.get()},
      p->held, *p->metrics, p->clock, p->log.Child("dispatcher"));
  p->keeper = std::make_unique<HeldJobsKeeper>(config.claim_idle / 3, *p->keeper_stream, p->held,
                                               *p->metrics, p->log.Child("keeper"));

  // Background chores.
  Parts* parts = p.get();
  p->upkeep = std::make_unique<StreamUpkeep>(*p->chores_stream, *p->metrics, p->clock,
                                             p->log.Child("stream"));
  p->stats_task = std::make_unique<PeriodicTask>("ntf-stats", config.stats_interval, [parts] {
    parts->UpdateGauges();
    (void)parts->upkeep->UpdateStats();
  });
  if (config.trim_interval > absl::ZeroDuration()) {
    p->trim_task = std::make_unique<PeriodicTask>("ntf-trim", config.trim_interval,
                                                  [parts] { (void)parts->upkeep->Trim(); });
  }
  if (config.cron_enabled) {
    p->cron = std::make_unique<CronScheduler>(config.cron_batch, *p->store, *p->chores_stream,
                                              *p->metrics, p->clock, p->log.Child("cron"));
    p->cron_task = std::make_unique<PeriodicTask>("ntf-cron", config.cron_interval,
                                                  [parts] { (void)parts->cron->RunOnce(); });
  }
  if (config.outbox_enabled) {
    p->outbox = std::make_unique<OutboxSweeper>(config.outbox_lost_after, config.outbox_batch,
                                                *p->store, *p->chores_stream, *p->metrics, p->clock,
                                                p->log.Child("outbox"));
    p->outbox_task = std::make_unique<PeriodicTask>("ntf-outbox", config.outbox_interval,
                                                    [parts] { (void)parts->outbox->RunOnce(); });
  }

  // Health and the admin endpoint.
  // The pool's health stands for the database: its jobs (completions, cron, outbox) keep it
  // current. The reader's session is not asked: it notices a recovery only at its next load,
  // which an idle stream may not bring for a long time; its failures count in the database
  // error metric and the reader retries them.
  p->health.AddReadinessCheck("postgres", [pool = p->pool.get()] {
    return pool->Healthy() ? absl::OkStatus() : absl::UnavailableError("database unreachable");
  });
  p->health.AddReadinessCheck("redis", [reader = p->reader_stream.get()] {
    return reader->Healthy() ? absl::OkStatus() : absl::UnavailableError("redis unreachable");
  });
  p->admin = std::make_unique<observability::AdminServer>(
      observability::AdminServerOptions{.address = config.admin_host,
                                        .port = static_cast<uint16_t>(config.admin_port)},
      p->health, p->registry);
  return std::unique_ptr<PusherApp>(new PusherApp(std::move(p)));
}

PusherApp::PusherApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

PusherApp::~PusherApp() { Shutdown(); }

absl::Status PusherApp::Start() {
  Parts& p = *parts_;
  if (p.started) return absl::FailedPreconditionError("already started");
  p.started = true;
  if (absl::Status s = p.reader_stream->EnsureGroup(); !s.ok()) return Step("consumer group", s);
  for (http2::Http2Client* client :
       {p.apns_production.get(), p.apns_sandbox.get(), p.apns_test.get(), p.fcm_token_client.get(),
        p.fcm_client.get()}) {
    if (client == nullptr) continue;
    if (absl::Status s = client->Start(); !s.ok()) return Step(client->options().origin, s);
  }
  p.apns_lane->Start(&p.health);
  p.fcm_lane->Start(&p.health);
  p.local_lane->Start(&p.health);
  p.keeper->Start();
  if (p.token_listener) p.token_listener->Start();
  p.dispatcher->Start(&p.health);
  for (PeriodicTask* task :
       {p.stats_task.get(), p.trim_task.get(), p.cron_task.get(), p.outbox_task.get()}) {
    if (task != nullptr) task->Start();
  }
  if (absl::Status s = p.admin->Start(); !s.ok()) return Step("admin server", s);
  p.log.Info("started", {{"consumer", p.consumer},
                         {"stream", p.config.push_stream},
                         {"apns", p.apns_auth != nullptr},
                         {"fcm", p.fcm_auth != nullptr},
                         {"admin_port", static_cast<int64_t>(p.admin->port())}});
  return absl::OkStatus();
}

void PusherApp::Shutdown() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  p.health.SetDraining(true);
  if (p.started) {
    // Stop taking work: the reader, and the producers of new jobs.
    p.dispatcher->Stop();
    for (PeriodicTask* task : {p.cron_task.get(), p.outbox_task.get()}) {
      if (task != nullptr) task->Stop();
    }
    // Finish what is in flight and acknowledge it.
    const absl::Time deadline = absl::Now() + p.config.drain_timeout;
    std::vector<std::string> released = p.dispatcher->TakeUnrouted();
    for (JobWorker* lane : {p.apns_lane.get(), p.fcm_lane.get(), p.local_lane.get()}) {
      std::vector<std::string> ids = lane->Drain(deadline);
      released.insert(released.end(), ids.begin(), ids.end());
    }
    p.keeper->Stop();
    // The rest goes to the other replicas at their next XAUTOCLAIM.
    if (!released.empty()) {
      absl::Status s = p.keeper_stream->Release(released, p.config.claim_idle);
      p.log.Info("released jobs to other replicas",
                 {{"jobs", static_cast<int64_t>(released.size())}, {"status", s}});
    }
    for (http2::Http2Client* client :
         {p.apns_production.get(), p.apns_sandbox.get(), p.apns_test.get(),
          p.fcm_token_client.get(), p.fcm_client.get()}) {
      if (client != nullptr) client->Shutdown(absl::ZeroDuration());
    }
    for (PeriodicTask* task : {p.stats_task.get(), p.trim_task.get()}) {
      if (task != nullptr) task->Stop();
    }
    if (p.token_listener) p.token_listener->Stop();
  }
  p.pool->Shutdown();
  p.admin->Stop();
  p.log.Info("stopped");
}

uint16_t PusherApp::admin_port() const { return parts_->admin->port(); }
const std::string& PusherApp::consumer() const { return parts_->consumer; }
prometheus::Registry& PusherApp::registry() { return parts_->registry; }
void PusherApp::WakeCronForTest() {
  if (parts_->cron_task) parts_->cron_task->Wake();
}
void PusherApp::WakeOutboxForTest() {
  if (parts_->outbox_task) parts_->outbox_task->Wake();
}

int RunPusher(const PusherConfig& config, const common::Logger& log) {
  absl::StatusOr<std::unique_ptr<common::SignalWaiter>> signals = common::SignalWaiter::Install();
  if (!signals.ok()) {
    log.Error("start-up failed", {{"step", "signals"}, {"error", signals.status()}});
    return 1;
  }
  absl::StatusOr<std::unique_ptr<PusherApp>> app = PusherApp::Create(config, log);
  if (!app.ok()) {
    log.Error("start-up failed", {{"error", app.status()}});
    return 1;
  }
  if (absl::Status s = (*app)->Start(); !s.ok()) {
    log.Error("start-up failed", {{"error", s}});
    return 1;
  }
  // Machine-readable start line for harnesses (flushed: stdout may be a pipe).
  std::cout << "ntf-pusher ready admin_port=" << (*app)->admin_port()
            << " consumer=" << (*app)->consumer() << std::endl;
  const int signo = (*signals)->Wait();
  log.Info("shutting down", {{"signal", static_cast<int64_t>(signo)}});
  (*app)->Shutdown();
  return 0;
}

}  // namespace ntf::pusher
