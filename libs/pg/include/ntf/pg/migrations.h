#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/pg/pool.h"

namespace ntf::pg {

// One compiled-in schema change. Owners (each service, or a lib that owns tables) keep their
// list as constants in one migrations.cc and expose it as a function returning a span, e.g.
//   absl::Span<const pg::Migration> IntakeMigrations();
// There is no global registry: ntfctl migrate and each service pass the lists they own.
struct Migration {
  // Unique key recorded in schema_migrations, e.g. "intake_0001". Never change or reuse one.
  std::string_view version;
  // Human-readable summary for logs ("create tokens").
  std::string_view name;
  // One or more statements. Runs in one transaction with the recording INSERT, so it must not
  // contain transaction control or statements that refuse transactions (CREATE INDEX
  // CONCURRENTLY, ALTER TYPE ... ADD VALUE on PostgreSQL < 12, VACUUM).
  std::string_view sql;
};

// Statement timeout for each migration transaction (overrides the pool's, which is tuned for
// request traffic).
inline constexpr absl::Duration kMigrationStatementTimeout = absl::Minutes(10);

// OK when versions are non-empty and unique within the list. Pure.
absl::Status ValidateMigrations(absl::Span<const Migration> migrations);

// Applies, in list order, every migration whose version is not yet in schema_migrations
// (created when missing, in the connection's current schema), each in its own transaction
// together with its INSERT into schema_migrations(version text primary key, applied_at
// timestamptz). Every transaction first takes a transaction-scoped advisory lock derived from
// the current schema, so processes starting together serialize and each migration is applied
// exactly once; re-running is a no-op. Versions in the table that are not in the list (a newer
// binary ran first) are left alone. Stops at the first failure, whose status is returned
// (earlier migrations stay applied). Blocking; runs on the pool's workers.
// When newly_applied is given, it receives the versions this call applied.
absl::Status ApplyMigrations(Pool& pool, absl::Span<const Migration> migrations,
                             std::vector<std::string>* newly_applied = nullptr);

// The same over a private one-connection pool built from `conninfo` with default
// ConnectOptions (for ntfctl migrate and tests).
absl::Status ApplyMigrations(std::string_view conninfo, absl::Span<const Migration> migrations,
                             std::vector<std::string>* newly_applied = nullptr);

// Versions recorded in schema_migrations, in the order they were applied. Empty when the table
// does not exist yet. Blocking.
absl::StatusOr<std::vector<std::string>> AppliedMigrations(Pool& pool);
absl::StatusOr<std::vector<std::string>> AppliedMigrations(std::string_view conninfo);

}  // namespace ntf::pg
