#include "ntf/pg/testing/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ntf/pg/conninfo.h"
#include "ntf/pg/errors.h"

namespace ntf::pg::testing {
namespace {

ConnectOptions SchemaConnectOptions(const std::string& schema) {
  ConnectOptions options;
  options.connect_timeout = absl::Seconds(3);
  options.statement_timeout = absl::Seconds(30);
  options.application_name = schema;
  options.search_path = schema;
  return options;
}

}  // namespace

absl::StatusOr<std::string> DatabaseUrlFromEnv() {
  const char* url = std::getenv(kDatabaseUrlEnv);
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        kDatabaseUrlEnv,
        " is not set. This integration test needs the local PostgreSQL: run "
        "`scripts/local-stack.sh start` and `set -a; source .run/stack.env; set +a` (make test "
        "does both)."));
  }
  return std::string(url);
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  const uint64_t random = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  std::string name = absl::AsciiStrToLower(absl::StrCat(std::string(prefix), "_", ::getpid(), "_",
                                                        counter.fetch_add(1), "_",
                                                        absl::Hex(random & 0xffffffffff)));
  if (name.size() > 63) name.resize(63);
  return name;
}

absl::StatusOr<std::unique_ptr<TestSchema>> TestSchema::Create(std::string_view prefix) {
  absl::StatusOr<std::string> url = DatabaseUrlFromEnv();
  if (!url.ok()) return url.status();
  std::unique_ptr<TestSchema> schema(new TestSchema(*url, UniqueName(prefix)));
  absl::StatusOr<std::string> created =
      schema->AdminQuery(absl::StrCat("CREATE SCHEMA ", schema->name_));
  if (!created.ok()) {
    schema->name_.clear();  // nothing to drop
    return created.status();
  }
  return schema;
}

TestSchema::~TestSchema() {
  if (!name_.empty()) (void)AdminQuery(absl::StrCat("DROP SCHEMA IF EXISTS ", name_, " CASCADE"));
}

PoolOptions TestSchema::MakePoolOptions(int connections) const {
  PoolOptions options;
  options.conninfo = url_;
  options.connect = SchemaConnectOptions(name_);
  options.connections = connections;
  options.max_queue = 256;
  return options;
}

std::string TestSchema::conninfo() const {
  absl::StatusOr<std::string> conninfo = BuildConninfo(url_, SchemaConnectOptions(name_));
  return conninfo.ok() ? *conninfo : url_;
}

absl::StatusOr<std::string> TestSchema::AdminQuery(const std::string& sql) const {
  ConnectOptions options;
  options.connect_timeout = absl::Seconds(3);
  options.application_name = "ntf-test-admin";
  absl::StatusOr<std::string> conninfo = BuildConninfo(url_, options);
  if (!conninfo.ok()) return conninfo.status();
  try {
    pqxx::connection conn(*conninfo);
    pqxx::nontransaction tx(conn);  // CREATE DATABASE refuses to run in a transaction
    pqxx::result result = tx.exec(sql);
    if (result.empty() || result.columns() == 0 || result[0][0].is_null()) return std::string();
    return result[0][0].as<std::string>();
  } catch (...) {
    return StatusFromCurrentException();
  }
}

}  // namespace ntf::pg::testing
