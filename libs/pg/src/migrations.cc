#include "ntf/pg/migrations.h"

#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

// Transaction-scoped advisory lock shared by every runner working on the same schema. The first
// key is a constant for "ntf schema_migrations" ('ntfm'); the second separates schemas, so
// runners on different schemas (parallel tests) don't wait on each other.
constexpr char kLockMigrations[] =
    "SELECT pg_advisory_xact_lock(1853122925, hashtext(coalesce(current_schema(), '')))";

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

constexpr char kSelectAppliedVersions[] = "SELECT version FROM schema_migrations";

constexpr char kSelectVersionApplied[] = "SELECT 1 FROM schema_migrations WHERE version = $1";

constexpr char kInsertVersion[] =
    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())";

constexpr char kMigrationsTableExists[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";

constexpr char kSelectAppliedInOrder[] =
    "SELECT version FROM schema_migrations ORDER BY applied_at, version";

absl::StatusOr<std::unique_ptr<Pool>> PrivatePool(std::string_view conninfo) {
  PoolOptions options;
  options.conninfo = std::string(conninfo);
  options.connections = 1;
  options.max_queue = 4;
  return Pool::Create(std::move(options));
}

}  // namespace

absl::Status ValidateMigrations(absl::Span<const Migration> migrations) {
  std::set<std::string_view> seen;
  for (const Migration& m : migrations) {
    if (m.version.empty()) return absl::InvalidArgumentError("migration with an empty version");
    if (!seen.insert(m.version).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate migration version ", std::string(m.version)));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyMigrations(Pool& pool, absl::Span<const Migration> migrations,
                             std::vector<std::string>* newly_applied) {
  if (absl::Status valid = ValidateMigrations(migrations); !valid.ok()) return valid;
  if (newly_applied != nullptr) newly_applied->clear();

  // One cheap transaction when there is nothing to do: create the table, read what is applied.
  absl::StatusOr<std::set<std::string>> applied =
      pool.Run([](pqxx::work& tx) -> std::set<std::string> {
        tx.exec(kLockMigrations);
        tx.exec(kCreateMigrationsTable);
        std::set<std::string> versions;
        for (const auto& row : tx.exec(kSelectAppliedVersions)) {
          versions.insert(row[0].as<std::string>());
        }
        return versions;
      });
  if (!applied.ok()) return applied.status();

  const std::string set_timeout = absl::StrCat(
      "SET LOCAL statement_timeout = ", absl::ToInt64Milliseconds(kMigrationStatementTimeout));
  for (const Migration& m : migrations) {
    if (applied->contains(std::string(m.version))) continue;
    // Another runner may have applied it since; the lock makes the re-check authoritative.
    absl::StatusOr<bool> ran = pool.Run([&m, &set_timeout](pqxx::work& tx) -> bool {
      tx.exec(kLockMigrations);
      tx.exec(set_timeout);
      if (!tx.exec_params(kSelectVersionApplied, std::string(m.version)).empty()) return false;
      tx.exec(std::string(m.sql));
      tx.exec_params(kInsertVersion, std::string(m.version));
      return true;
    });
    if (!ran.ok()) {
      absl::Status failed(ran.status().code(),
                          absl::StrCat("migration ", std::string(m.version), " (",
                                       std::string(m.name), ") failed: ", ran.status().message()));
      ran.status().ForEachPayload([&failed](absl::string_view url, const absl::Cord& payload) {
        failed.SetPayload(url, payload);
      });
      return failed;
    }
    if (*ran && newly_applied != nullptr) newly_applied->emplace_back(m.version);
  }
  return absl::OkStatus();
}

absl::Status ApplyMigrations(std::string_view conninfo, absl::Span<const Migration> migrations,
                             std::vector<std::string>* newly_applied) {
  absl::StatusOr<std::unique_ptr<Pool>> pool = PrivatePool(conninfo);
  if (!pool.ok()) return pool.status();
  return ApplyMigrations(**pool, migrations, newly_applied);
}

absl::StatusOr<std::vector<std::string>> AppliedMigrations(Pool& pool) {
  return pool.Run([](pqxx::work& tx) -> std::vector<std::string> {
    std::vector<std::string> versions;
    if (!tx.exec1(kMigrationsTableExists)[0].as<bool>()) return versions;
    for (const auto& row : tx.exec(kSelectAppliedInOrder)) {
      versions.push_back(row[0].as<std::string>());
    }
    return versions;
  });
}

absl::StatusOr<std::vector<std::string>> AppliedMigrations(std::string_view conninfo) {
  absl::StatusOr<std::unique_ptr<Pool>> pool = PrivatePool(conninfo);
  if (!pool.ok()) return pool.status();
  return AppliedMigrations(**pool);
}

}  // namespace ntf::pg
