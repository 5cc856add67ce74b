// Integration tests: the migration runner against the real PostgreSQL.
#include "ntf/pg/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ntf/pg/testing/test_database.h"

namespace ntf::pg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A test migration set. The INSERTs would duplicate rows if a migration ever ran twice.
constexpr Migration kMigrations[] = {
    {"test_0001", "create items", "CREATE TABLE items (id bigint PRIMARY KEY, note text)"},
    {"test_0002", "seed items",
     "INSERT INTO items VALUES (1, 'one'); INSERT INTO applied_log VALUES ('test_0002')"},
    {"test_0003", "add column",
     "ALTER TABLE items ADD COLUMN flag boolean NOT NULL DEFAULT false;"
     "INSERT INTO applied_log VALUES ('test_0003')"},
};
// applied_log must exist before the set runs; it records each data migration's executions.
constexpr Migration kLog[] = {{"test_0000", "log", "CREATE TABLE applied_log (version text)"}};

std::vector<Migration> Set(size_t n) {
  std::vector<Migration> set(std::begin(kLog), std::end(kLog));
  set.insert(set.end(), std::begin(kMigrations), std::begin(kMigrations) + n);
  return set;
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TestSchema>> schema =
        testing::TestSchema::Create("mig");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(schema_->MakePoolOptions(2));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }

  int64_t Count(const std::string& sql) {
    absl::StatusOr<int64_t> n =
        pool_->Run([&sql](pqxx::work& tx) { return tx.exec1(sql)[0].as<int64_t>(); });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<testing::TestSchema> schema_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(MigrationsTest, AppliesInOrderAndRecordsVersions) {
  std::vector<std::string> applied;
  absl::Status status = ApplyMigrations(*pool_, Set(3), &applied);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(applied, ElementsAre("test_0000", "test_0001", "test_0002", "test_0003"));

  absl::StatusOr<std::vector<std::string>> recorded = AppliedMigrations(*pool_);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_THAT(*recorded, ElementsAre("test_0000", "test_0001", "test_0002", "test_0003"));
  EXPECT_EQ(Count("SELECT count(*) FROM items WHERE flag = false"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM schema_migrations WHERE applied_at <= now()"), 4);
}

TEST_F(MigrationsTest, SecondRunIsANoOp) {
  ASSERT_TRUE(ApplyMigrations(*pool_, Set(3)).ok());
  std::vector<std::string> applied = {"stale"};
  absl::Status again = ApplyMigrations(*pool_, Set(3), &applied);
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_THAT(applied, IsEmpty());
  EXPECT_EQ(Count("SELECT count(*) FROM applied_log"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM items"), 1);
}

TEST_F(MigrationsTest, AppliesOnlyNewMigrations) {
  ASSERT_TRUE(ApplyMigrations(*pool_, Set(2)).ok());
  std::vector<std::string> applied;
  ASSERT_TRUE(ApplyMigrations(*pool_, Set(3), &applied).ok());
  EXPECT_THAT(applied, ElementsAre("test_0003"));
  EXPECT_EQ(Count("SELECT count(*) FROM applied_log"), 2);
}

TEST_F(MigrationsTest, FailedMigrationRollsBackAndStops) {
  const Migration broken[] = {
      kLog[0],
      kMigrations[0],
      {"test_bad", "half done", "CREATE TABLE half (id int); SELEC 1"},
      kMigrations[1],
  };
  absl::Status status = ApplyMigrations(*pool_, broken);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("test_bad"));
  EXPECT_THAT(status.message(), HasSubstr("syntax error"));

  absl::StatusOr<std::vector<std::string>> recorded = AppliedMigrations(*pool_);
  ASSERT_TRUE(recorded.ok());
  EXPECT_THAT(*recorded, ElementsAre("test_0000", "test_0001"));
  EXPECT_EQ(Count("SELECT count(*) FROM pg_tables WHERE tablename = 'half' "
                  "AND schemaname = current_schema()"),
            0);

  // Fixing the list lets a later run continue where it stopped.
  std::vector<std::string> applied;
  ASSERT_TRUE(ApplyMigrations(*pool_, Set(3), &applied).ok());
  EXPECT_THAT(applied, ElementsAre("test_0002", "test_0003"));
}

TEST_F(MigrationsTest, ConcurrentRunnersApplyEachMigrationOnce) {
  constexpr int kRunners = 6;
  std::vector<std::thread> runners;
  std::vector<absl::Status> results(kRunners);
  std::vector<std::vector<std::string>> applied(kRunners);
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&, i] {
      // Each runner is its own "process": its own pool and connections.
      absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(schema_->MakePoolOptions(1));
      if (!pool.ok()) {
        results[i] = pool.status();
        return;
      }
      results[i] = ApplyMigrations(**pool, Set(3), &applied[i]);
    });
  }
  for (auto& t : runners) t.join();
  size_t total = 0;
  for (int i = 0; i < kRunners; ++i) {
    EXPECT_TRUE(results[i].ok()) << "runner " << i << ": " << results[i];
    total += applied[i].size();
  }
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(Count("SELECT count(*) FROM schema_migrations"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM applied_log"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM items"), 1);
}

TEST_F(MigrationsTest, EmptyDatabaseHasNoAppliedMigrations) {
  absl::StatusOr<std::vector<std::string>> recorded = AppliedMigrations(*pool_);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_THAT(*recorded, IsEmpty());
}

TEST_F(MigrationsTest, ConninfoOverloadsWork) {
  std::vector<std::string> applied;
  absl::Status status = ApplyMigrations(schema_->conninfo(), Set(1), &applied);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(applied, ElementsAre("test_0000", "test_0001"));
  absl::StatusOr<std::vector<std::string>> recorded = AppliedMigrations(schema_->conninfo());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_THAT(*recorded, ElementsAre("test_0000", "test_0001"));
}

TEST_F(MigrationsTest, DuplicateVersionsAreRejectedBeforeTouchingTheDatabase) {
  const Migration duplicate[] = {kLog[0], kLog[0]};
  EXPECT_EQ(ApplyMigrations(*pool_, duplicate).code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<std::string>> recorded = AppliedMigrations(*pool_);
  ASSERT_TRUE(recorded.ok());
  EXPECT_THAT(*recorded, IsEmpty());
}

}  // namespace
}  // namespace ntf::pg
