#pragma once

// The configuration of ntf-intake: a YAML file (config/intake.example.yaml documents every key)
// with NTF_INTAKE_<KEY> environment overrides (e.g. NTF_INTAKE_DATABASE_URL). Unknown keys stop
// start-up with their name. Validated once by LoadIntakeConfig.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/common/config.h"
#include "ntf/pg/database_config.h"

namespace ntf::intake {

struct IntakeConfig {
  // --- listen: the NTF protocol port ---
  std::string listen_host = "0.0.0.0";  // IP literal to bind
  int listen_port = 443;                // NTF clients' port (0 = any free port, for tests)
  int event_loops = 2;                  // I/O threads; connections are spread across them
  absl::Duration handshake_timeout = absl::Seconds(60);  // TLS + NTF handshake budget
  absl::Duration idle_timeout = absl::Hours(1);          // close a connection silent for this long
  int max_handshakes = 1000;  // TLS handshakes in progress per event loop; more are refused

  // --- tls: files written by `ntfctl init` ---
  std::string tls_server_cert = "/etc/simplex-ntf/server.crt";  // online certificate
  std::string tls_ca_cert = "/etc/simplex-ntf/ca.crt";          // identity (CA) certificate
  std::string tls_server_key = "/etc/simplex-ntf/server.key";   // online private key
  // 32-byte key (base64url file) sealing secrets at rest in PostgreSQL.
  std::string secret_key_file = "/etc/simplex-ntf/server_secret.key";

  // --- database: PostgreSQL; a block that finds the DB queue full is answered ERR INTERNAL ---
  pg::DatabaseConfig database = {.pool_size = 8};

  // --- redis: the push job stream ---
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string push_stream = "ntf:push";  // stream the pusher consumes
  // Approximate MAXLEN on XADD; 0 = never trim here: ntf-pusher trims acknowledged entries only
  // (XTRIM MINID), so a producer-side cap could drop pending jobs in a long backlog.
  int64_t push_stream_maxlen = 0;

  // --- subscriber: gRPC SubscriberControl ("" = do not notify; the subscriber reconciles) ---
  std::string subscriber_address = "";
  absl::Duration subscriber_timeout = absl::Seconds(2);

  // --- admin: /metrics, /healthz, /readyz ---
  std::string admin_host = "127.0.0.1";
  int admin_port = 9441;  // 0 = any free port

  // --- shutdown ---
  absl::Duration drain_timeout = absl::Seconds(20);  // SIGTERM: time to finish blocks in flight

  absl::Status Validate() const;
};

const common::ConfigSchema<IntakeConfig>& IntakeConfigSchema();

// Loads `path` (empty: defaults only) and applies the environment.
absl::StatusOr<IntakeConfig> LoadIntakeConfig(const std::string& path,
                                              const common::Environment& env);

}  // namespace ntf::intake
