#pragma once

// The `database:` section of a service config, shared by every service that runs a Pool, the
// way observability::AdminServerConfigSchema() is shared for `admin:`:
//
//   struct IntakeConfig {
//     pg::DatabaseConfig database = {.pool_size = 8};  // a service may change the defaults
//   };
//   schema.Section("database", &IntakeConfig::database, pg::DatabaseConfigSchema());
//   ...
//   pg::Pool::Create(config.database.ToPoolOptions("ntf-intake"));
//
// Keys: database.url, database.pool_size, database.queue, database.migrate and
// database.statement_timeout; environment NTF_<SERVICE>_DATABASE_URL and so on. A service may
// register keys of its own inside the section next to it (the pusher's database.secret_key_file).
// Validation comes with the section: errors name the full key ("database.pool_size: must be
// 1..256").

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/common/config.h"
#include "ntf/pg/pool.h"

namespace ntf::pg {

// A plain value; copy it freely.
struct DatabaseConfig {
  // Where to connect: a postgresql:// URL or a libpq "key=value" string.
  std::string url = "postgresql://ntf@127.0.0.1/ntf";
  // Connections, and the worker threads that own them (PoolOptions::connections).
  int pool_size = 4;
  // Jobs that may wait for a free worker; beyond it they fail at once (PoolOptions::max_queue).
  int queue = 1024;
  // Apply the schema migrations at start-up; false when a separate job runs `ntfctl migrate`.
  bool migrate = true;
  // Server-side statement_timeout of every statement; 0 keeps the server's default.
  absl::Duration statement_timeout = absl::Seconds(10);

  // InvalidArgument naming the key relative to the section ("pool_size: must be 1..256"); the
  // section reports it under the full key.
  absl::Status Validate() const;

  // The pool options of this config. `application_name` shows in pg_stat_activity. The metrics
  // hooks and the other options keep PoolOptions' defaults, for the caller to set.
  PoolOptions ToPoolOptions(std::string application_name) const;
};

// Schema of the section, to embed with Section("database", ...).
common::ConfigSchema<DatabaseConfig> DatabaseConfigSchema();

}  // namespace ntf::pg
