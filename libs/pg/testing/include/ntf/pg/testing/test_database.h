#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/pg/pool.h"

// Helpers for integration tests against the real PostgreSQL of scripts/local-stack.sh.
// Test-only: link ntf::pg_testing from tests, never from production targets.
namespace ntf::pg::testing {

// The environment variable the tests read (make test exports it from .run/stack.env).
inline constexpr char kDatabaseUrlEnv[] = "NTF_DATABASE_URL";

// NTF_DATABASE_URL, or FailedPrecondition explaining how to start the stack. Integration tests
// must fail (not skip) on that error: ASSERT_TRUE(url.ok()) << url.status();
absl::StatusOr<std::string> DatabaseUrlFromEnv();

// A name unique across processes and runs: "<prefix>_<pid>_<counter>_<random>", lower case,
// at most 63 bytes (a valid unquoted PostgreSQL identifier for a sane prefix).
std::string UniqueName(std::string_view prefix);

// A freshly created schema, dropped with everything in it (CASCADE) on destruction, so tests
// can run in parallel and repeatedly against one database. Connections made through
// MakePoolOptions()/conninfo() use it as search_path and its name as application_name (tests
// find their own backends in pg_stat_activity by it).
class TestSchema {
 public:
  // Reads NTF_DATABASE_URL and creates the schema; errors as above or Unavailable.
  static absl::StatusOr<std::unique_ptr<TestSchema>> Create(std::string_view prefix = "t");
  ~TestSchema();
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;

  const std::string& name() const { return name_; }
  // NTF_DATABASE_URL as read.
  const std::string& database_url() const { return url_; }
  // Options for a pool confined to this schema (connections, short connect timeout).
  PoolOptions MakePoolOptions(int connections = 2) const;
  // A libpq conninfo confined to this schema (for the conninfo overloads).
  std::string conninfo() const;

  // Runs one statement outside any pool, on a fresh connection to the same database without
  // the schema restrictions (admin work: pg_terminate_backend, CREATE DATABASE). Returns the
  // first column of the first row as text ("" when there is none).
  absl::StatusOr<std::string> AdminQuery(const std::string& sql) const;

 private:
  TestSchema(std::string url, std::string name) : url_(std::move(url)), name_(std::move(name)) {}
  std::string url_;
  std::string name_;
};

}  // namespace ntf::pg::testing
