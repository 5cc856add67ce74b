#include "ntf/pg/database_config.h"

#include <cstddef>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

absl::Status Range(int v, int lo, int hi, const char* key) {
  if (v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": must be ", lo, "..", hi));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DatabaseConfig::Validate() const {
  if (absl::Status s = Range(pool_size, 1, 256, "pool_size"); !s.ok()) return s;
  if (absl::Status s = Range(queue, 1, 1000000, "queue"); !s.ok()) return s;
  if (url.empty()) return absl::InvalidArgumentError("url: required");
  return absl::OkStatus();
}

PoolOptions DatabaseConfig::ToPoolOptions(std::string application_name) const {
  PoolOptions options;
  options.conninfo = url;
  options.connect.statement_timeout = statement_timeout;
  options.connect.application_name = std::move(application_name);
  options.connections = pool_size;
  options.max_queue = static_cast<size_t>(queue);
  return options;
}

common::ConfigSchema<DatabaseConfig> DatabaseConfigSchema() {
  using C = DatabaseConfig;
  return common::ConfigSchema<C>()
      .Field("url", &C::url, "PostgreSQL URL")
      .Field("pool_size", &C::pool_size, "connections and DB threads")
      .Field("queue", &C::queue, "DB jobs queued before errors")
      .Field("migrate", &C::migrate, "apply migrations at start-up")
      .Field("statement_timeout", &C::statement_timeout, "server-side statement timeout");
}

}  // namespace ntf::pg
