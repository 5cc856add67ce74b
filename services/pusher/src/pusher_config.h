#pragma once

// The configuration of ntf-pusher: a YAML file (config/pusher.example.yaml documents every key)
// with NTF_PUSHER_<KEY> environment overrides (e.g. NTF_PUSHER_APNS_KEY_FILE). Unknown keys stop
// start-up with their name. Validated once by LoadPusherConfig.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/common/config.h"
#include "ntf/pg/database_config.h"

namespace ntf::pusher {

struct PusherConfig {
  // --- redis: the job stream ---
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string push_stream = "ntf:push";       // jobs from intake and the subscriber
  std::string dead_stream = "ntf:push:dead";  // jobs that will not be delivered, for operators
  // Dead-letter XADDs carry MAXLEN ~ dead_max_len: the stream keeps about the newest this many
  // (whole macro-nodes, so a little more); 0 = unbounded.
  int64_t dead_max_len = 1000000;
  std::string consumer_group = "pushers";  // every replica joins this group
  std::string consumer_name = "";          // "" = <hostname>-<pid>; a stable name (pod name) lets a
                                           // restarted replica resume its own pending jobs at once
  absl::Duration redis_timeout = absl::Seconds(2);  // per Redis round trip

  // --- stream: reading, takeover, trimming ---
  int read_batch = 100;                              // entries per XREADGROUP / XAUTOCLAIM
  absl::Duration read_block = absl::Seconds(1);      // XREADGROUP BLOCK when idle
  absl::Duration claim_idle = absl::Seconds(60);     // take over jobs idle this long (dead owner)
  absl::Duration claim_interval = absl::Seconds(5);  // how often to look for such jobs
  int max_deliveries = 20;  // a job handed out this often (crash loops) is dead-lettered
  absl::Duration trim_interval = absl::Seconds(10);  // XTRIM MINID below the oldest live job; 0=off
  absl::Duration stats_interval = absl::Seconds(5);  // stream gauges refresh

  // --- database: PostgreSQL (the section's defaults: 4 connections) ---
  pg::DatabaseConfig database;
  // database.secret_key_file (a key of the pusher's own in the section): the server secret key
  // (written by `ntfctl init`) that unseals token DH secrets.
  std::string secret_key_file = "/etc/simplex-ntf/server_secret.key";

  // --- token_cache: token rows kept in memory, dropped when PostgreSQL announces a change ---
  int64_t token_cache_size = 100000;  // rows (~300 bytes each); 0 = off (every job loads its row)
  absl::Duration token_cache_max_age = absl::Minutes(10);  // a row is loaded again after this

  // --- retry: provider 429/5xx/connection errors ---
  int retry_max_attempts = 8;  // attempts per job, the first included; then dead letter
  absl::Duration retry_initial_backoff = absl::Seconds(1);
  double retry_multiplier = 2.0;
  absl::Duration retry_max_backoff = absl::Minutes(5);
  absl::Duration retry_max_retry_after = absl::Minutes(30);  // cap on a provider's Retry-After

  // --- apns ("" key file = APNs off: apns_* jobs are dead-lettered) ---
  std::string apns_key_file = "";  // .p8 (PKCS#8 PEM, EC P-256)
  std::string apns_key_id = "";    // 10-character key id (JWT kid)
  std::string apns_team_id = "";   // 10-character team id (JWT iss)
  std::string apns_topic = "chat.simplex.app";
  std::string apns_production_url = "https://api.push.apple.com";       // apns_prod tokens
  std::string apns_sandbox_url = "https://api.sandbox.push.apple.com";  // apns_dev tokens
  std::string apns_test_url = "";                         // apns_test tokens ("" = dead-lettered)
  std::string apns_ca_file = "";                          // trust anchors (PEM); "" = system store
  absl::Duration apns_token_refresh = absl::Minutes(40);  // JWT re-signed at this age (>= 20m)
  int apns_connections = 2;                               // HTTP/2 connections per endpoint
  int apns_max_in_flight = 1000;                          // requests awaiting an answer
  int apns_max_held = 3000;  // jobs held (queued + in flight + backing off)
  absl::Duration apns_request_timeout = absl::Seconds(30);

  // --- fcm ("" service account = FCM off: fcm jobs are dead-lettered) ---
  std::string fcm_service_account_file = "";  // Google service-account JSON key
  std::string fcm_url = "https://fcm.googleapis.com";
  std::string fcm_ca_file = "";  // trust anchors for FCM and the token endpoint; "" = system
  int fcm_connections = 4;
  int fcm_max_in_flight = 500;
  int fcm_max_held = 3000;
  absl::Duration fcm_request_timeout = absl::Seconds(30);

  // --- cron: periodic "check messages" pushes (TCRN) ---
  bool cron_enabled = true;
  absl::Duration cron_interval = absl::Seconds(30);  // how often due tokens are claimed
  int cron_batch = 1000;                             // tokens per claim

  // --- outbox: re-create message jobs that left Redis undelivered ---
  bool outbox_enabled = true;
  absl::Duration outbox_interval = absl::Seconds(30);
  // A queued row is lost when queued this long before the oldest live job of the stream.
  absl::Duration outbox_lost_after = absl::Minutes(1);
  int outbox_batch = 1000;

  // --- admin: /metrics, /healthz, /readyz ---
  std::string admin_host = "127.0.0.1";
  int admin_port = 9442;  // 0 = any free port

  // --- shutdown ---
  absl::Duration drain_timeout = absl::Seconds(20);  // SIGTERM: finish pushes in flight

  // --- log ---
  std::string log_level = "info";  // debug | info | warn | error

  absl::Status Validate() const;
};

const common::ConfigSchema<PusherConfig>& PusherConfigSchema();

// Loads `path` (empty: defaults only) and applies the environment.
absl::StatusOr<PusherConfig> LoadPusherConfig(const std::string& path,
                                              const common::Environment& env);

}  // namespace ntf::pusher
