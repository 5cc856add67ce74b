#include "services/pusher/src/pusher_config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ntf/common/logging.h"

namespace ntf::pusher {
namespace {

absl::Status Positive(absl::Duration d, const char* key) {
  if (d <= absl::ZeroDuration())
    return absl::InvalidArgumentError(absl::StrCat(key, ": must be > 0"));
  return absl::OkStatus();
}

absl::Status Range(int v, int lo, int hi, const char* key) {
  if (v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": must be ", lo, "..", hi));
  }
  return absl::OkStatus();
}

absl::Status HttpsUrl(const std::string& url, const char* key, bool optional) {
  if (optional && url.empty()) return absl::OkStatus();
  if (!absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": must start with https://"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PusherConfig::Validate() const {
  std::vector<absl::Status> checks = {
      Range(admin_port, 0, 65535, "admin.port"),
      Range(read_batch, 1, 10000, "stream.read_batch"),
      Range(max_deliveries, 1, 1000000, "stream.max_deliveries"),
      Positive(read_block, "stream.read_block"),
      Positive(claim_idle, "stream.claim_idle"),
      Positive(claim_interval, "stream.claim_interval"),
      Positive(stats_interval, "stream.stats_interval"),
      Positive(redis_timeout, "redis.timeout"),
      dead_max_len < 0 ? absl::InvalidArgumentError("redis.dead_max_len: must be >= 0")
                       : absl::OkStatus(),
      token_cache_size < 0 || token_cache_size > 100000000
          ? absl::InvalidArgumentError("token_cache.size: must be 0..100000000")
          : absl::OkStatus(),
      Positive(token_cache_max_age, "token_cache.max_age"),
      Range(retry_max_attempts, 1, 1000, "retry.max_attempts"),
      Positive(retry_initial_backoff, "retry.initial_backoff"),
      Range(apns_connections, 1, 64, "apns.connections"),
      Range(apns_max_in_flight, 1, 100000, "apns.max_in_flight"),
      Range(apns_max_held, 1, 10000000, "apns.max_held"),
      Positive(apns_request_timeout, "apns.request_timeout"),
      HttpsUrl(apns_production_url, "apns.production_url", false),
      HttpsUrl(apns_sandbox_url, "apns.sandbox_url", false),
      HttpsUrl(apns_test_url, "apns.test_url", true),
      Range(fcm_connections, 1, 64, "fcm.connections"),
      Range(fcm_max_in_flight, 1, 100000, "fcm.max_in_flight"),
      Range(fcm_max_held, 1, 10000000, "fcm.max_held"),
      Positive(fcm_request_timeout, "fcm.request_timeout"),
      HttpsUrl(fcm_url, "fcm.url", false),
      Positive(cron_interval, "cron.interval"),
      Range(cron_batch, 1, 100000, "cron.batch"),
      Positive(outbox_interval, "outbox.interval"),
      Positive(outbox_lost_after, "outbox.lost_after"),
      Range(outbox_batch, 1, 100000, "outbox.batch"),
      Positive(drain_timeout, "shutdown.drain_timeout"),
  };
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  if (!absl::StartsWith(redis_url, "redis://")) {
    return absl::InvalidArgumentError("redis.url: must start with redis://");
  }
  if (push_stream.empty() || dead_stream.empty() || consumer_group.empty()) {
    return absl::InvalidArgumentError("redis: push_stream, dead_stream and group are required");
  }
  if (push_stream == dead_stream) {
    return absl::InvalidArgumentError("redis.dead_stream: must differ from redis.push_stream");
  }
  if (claim_idle < 3 * read_block) {
    return absl::InvalidArgumentError("stream.claim_idle: must be at least 3 * stream.read_block");
  }
  if (retry_multiplier < 1.0) return absl::InvalidArgumentError("retry.multiplier: must be >= 1");
  if (retry_max_backoff < retry_initial_backoff) {
    return absl::InvalidArgumentError("retry.max_backoff: must be >= retry.initial_backoff");
  }
  if (!apns_key_file.empty() && (apns_key_id.empty() || apns_team_id.empty())) {
    return absl::InvalidArgumentError("apns: key_id and team_id are required with key_file");
  }
  if (!apns_key_file.empty() && apns_topic.empty()) {
    return absl::InvalidArgumentError("apns.topic: required with key_file");
  }
  if (apns_token_refresh < absl::Minutes(20) || apns_token_refresh >= absl::Minutes(55)) {
    return absl::InvalidArgumentError("apns.token_refresh: must be 20m..55m (APNs rules)");
  }
  if (absl::StatusOr<common::LogLevel> level = common::ParseLogLevel(log_level); !level.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("log.level: ", level.status().message()));
  }
  return absl::OkStatus();
}

const common::ConfigSchema<PusherConfig>& PusherConfigSchema() {
  static const auto* schema = [] {
    auto* s = new common::ConfigSchema<PusherConfig>("pusher");
    using C = PusherConfig;
    s->Field("redis.url", &C::redis_url, "Redis URL (redis://host:port/db)")
        .Field("redis.push_stream", &C::push_stream, "stream of push jobs")
        .Field("redis.dead_stream", &C::dead_stream, "stream of jobs given up on")
        .Field("redis.dead_max_len", &C::dead_max_len,
               "keep about the newest this many dead letters (MAXLEN ~; 0 = unbounded)")
        .Field("redis.group", &C::consumer_group, "consumer group shared by every replica")
        .Field("redis.consumer", &C::consumer_name,
               "this replica's consumer name (empty = <hostname>-<pid>)")
        .Field("redis.timeout", &C::redis_timeout, "bound on each Redis round trip")
        .Field("stream.read_batch", &C::read_batch, "entries per XREADGROUP / XAUTOCLAIM")
        .Field("stream.read_block", &C::read_block, "XREADGROUP BLOCK when the stream is idle")
        .Field("stream.claim_idle", &C::claim_idle,
               "take over jobs whose owner has been silent this long")
        .Field("stream.claim_interval", &C::claim_interval, "how often to look for such jobs")
        .Field("stream.max_deliveries", &C::max_deliveries,
               "dead-letter a job handed out this many times")
        .Field("stream.trim_interval", &C::trim_interval,
               "XTRIM MINID below the oldest live job this often (0 = never)")
        .Field("stream.stats_interval", &C::stats_interval, "refresh of the stream gauges")
        .Section("database", &C::database, pg::DatabaseConfigSchema())
        .Field("database.secret_key_file", &C::secret_key_file,
               "server secret key that unseals token DH secrets")
        .Field("retry.max_attempts", &C::retry_max_attempts,
               "attempts per job (first included) before the dead-letter stream")
        .Field("retry.initial_backoff", &C::retry_initial_backoff,
               "backoff ceiling of the first retry")
        .Field("retry.multiplier", &C::retry_multiplier, "growth of the backoff ceiling")
        .Field("retry.max_backoff", &C::retry_max_backoff, "cap of the backoff ceiling")
        .Field("retry.max_retry_after", &C::retry_max_retry_after,
               "a provider's Retry-After is honoured up to this")
        .Field("apns.key_file", &C::apns_key_file, "APNs .p8 key (empty = APNs off)")
        .Field("apns.key_id", &C::apns_key_id, "APNs key id (JWT kid)")
        .Field("apns.team_id", &C::apns_team_id, "Apple team id (JWT iss)")
        .Field("apns.topic", &C::apns_topic, "apns-topic: the app's bundle id")
        .Field("apns.production_url", &C::apns_production_url, "endpoint for apns_prod tokens")
        .Field("apns.sandbox_url", &C::apns_sandbox_url, "endpoint for apns_dev tokens")
        .Field("apns.test_url", &C::apns_test_url,
               "endpoint for apns_test tokens (empty = they are dead-lettered)")
        .Field("apns.ca_file", &C::apns_ca_file, "trust anchors, PEM (empty = system store)")
        .Field("apns.token_refresh", &C::apns_token_refresh, "re-sign the provider JWT at this age")
        .Field("apns.connections", &C::apns_connections, "HTTP/2 connections per endpoint")
        .Field("apns.max_in_flight", &C::apns_max_in_flight, "requests awaiting an answer")
        .Field("apns.max_held", &C::apns_max_held,
               "jobs held in memory (queued, in flight, backing off)")
        .Field("apns.request_timeout", &C::apns_request_timeout, "per request, queueing included")
        .Field("fcm.service_account_file", &C::fcm_service_account_file,
               "Google service-account JSON (empty = FCM off)")
        .Field("fcm.url", &C::fcm_url, "FCM HTTP v1 endpoint")
        .Field("fcm.ca_file", &C::fcm_ca_file, "trust anchors, PEM (empty = system store)")
        .Field("fcm.connections", &C::fcm_connections, "HTTP/2 connections")
        .Field("fcm.max_in_flight", &C::fcm_max_in_flight, "requests awaiting an answer")
        .Field("fcm.max_held", &C::fcm_max_held,
               "jobs held in memory (queued, in flight, backing off)")
        .Field("fcm.request_timeout", &C::fcm_request_timeout, "per request, queueing included")
        .Field("cron.enabled", &C::cron_enabled, "send periodic check-messages pushes (TCRN)")
        .Field("cron.interval", &C::cron_interval, "how often due tokens are claimed")
        .Field("cron.batch", &C::cron_batch, "tokens claimed per round")
        .Field("token_cache.size", &C::token_cache_size,
               "token rows kept in memory (0 = off); a change in PostgreSQL drops a row at once")
        .Field("token_cache.max_age", &C::token_cache_max_age,
               "a cached token row is loaded again after this")
        .Field("outbox.enabled", &C::outbox_enabled, "re-create message jobs lost from Redis")
        .Field("outbox.interval", &C::outbox_interval, "how often the outbox is swept")
        .Field("outbox.lost_after", &C::outbox_lost_after,
               "a queued row older than the oldest live job by this much is lost")
        .Field("outbox.batch", &C::outbox_batch, "rows re-queued per sweep")
        .Field("admin.host", &C::admin_host, "IP address of /metrics, /healthz, /readyz")
        .Field("admin.port", &C::admin_port, "admin HTTP port (0 = any free port)")
        .Field("shutdown.drain_timeout", &C::drain_timeout,
               "on SIGTERM, time to finish pushes in flight")
        .Field("log.level", &C::log_level, "debug, info, warn or error");
    return s;
  }();
  return *schema;
}

absl::StatusOr<PusherConfig> LoadPusherConfig(const std::string& path,
                                              const common::Environment& env) {
  return PusherConfigSchema().Load(path, env);
}

}  // namespace ntf::pusher
