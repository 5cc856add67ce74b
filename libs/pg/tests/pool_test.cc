// Integration tests: the pool against the real PostgreSQL of scripts/local-stack.sh.
#include "ntf/pg/pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "job_semantics.h"
#include "ntf/pg/errors.h"
#include "ntf/pg/testing/test_database.h"

namespace ntf::pg {
namespace {

using ::testing::HasSubstr;
using ::testing::Ne;

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TestSchema>> schema =
        testing::TestSchema::Create("pool");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
  }

  std::unique_ptr<Pool> MakePool(PoolOptions options) {
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(std::move(options));
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }
  std::unique_ptr<Pool> MakePool(int connections = 2) {
    return MakePool(schema_->MakePoolOptions(connections));
  }

  // Terminates every backend of this test's pools (found by application_name = schema name).
  // Narrower than "all other backends of the database", which would hit parallel tests.
  int TerminateOurBackends() {
    absl::StatusOr<std::string> killed = schema_->AdminQuery(
        absl::StrCat("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                     "AND application_name = '",
                     schema_->name(), "'"));
    EXPECT_TRUE(killed.ok()) << killed.status();
    return killed.ok() ? std::stoi(*killed) : -1;
  }

  // Polls until a job succeeds; returns how many attempts failed first (-1: never succeeded).
  static int AttemptsUntilSuccess(Pool& pool, absl::Duration deadline) {
    const absl::Time end = absl::Now() + deadline;
    int failures = 0;
    while (absl::Now() < end) {
      absl::Status status = pool.Ping();
      if (status.ok()) return failures;
      EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
      ++failures;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return -1;
  }

  std::unique_ptr<testing::TestSchema> schema_;
};

TEST_F(PoolTest, RunReturnsValueAndVoid) {
  auto pool = MakePool();
  absl::StatusOr<int> answer =
      pool->Run([](pqxx::work& tx) { return tx.exec1("SELECT 40 + 2")[0].as<int>(); });
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);

  absl::Status created = pool->Run([](pqxx::work& tx) { tx.exec("CREATE TABLE t (k int)"); });
  EXPECT_TRUE(created.ok()) << created;

  absl::StatusOr<std::string> schema = pool->Run([](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec1("SELECT current_schema()")[0].as<std::string>();
  });
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(*schema, schema_->name());
}

TEST_F(PoolTest, CommitsOnSuccessAndRollsBackOnErrorStatusOrException) {
  auto pool = MakePool();
  testing::ExpectCommitsOnSuccessAndRollsBackOnFailure(*pool);
}

TEST_F(PoolTest, MapsSqlErrorsToStatusCodes) {
  auto pool = MakePool();
  ASSERT_TRUE(pool->Run([](pqxx::work& tx) {
                    tx.exec("CREATE TABLE u (k text PRIMARY KEY, n int NOT NULL)");
                    tx.exec("INSERT INTO u VALUES ('a', 1)");
                  })
                  .ok());

  absl::Status syntax = pool->Run([](pqxx::work& tx) { tx.exec("SELEC 1"); });
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(syntax.message(), HasSubstr("syntax error"));
  EXPECT_EQ(SqlStateOf(syntax), "42601");

  absl::Status bad_input = pool->Run(
      [](pqxx::work& tx) { tx.exec_params("SELECT $1::int", std::string("not a number")); });
  EXPECT_EQ(bad_input.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_input.message(), HasSubstr("invalid input syntax"));

  absl::Status duplicate = pool->Run(
      [](pqxx::work& tx) { tx.exec_params("INSERT INTO u VALUES ($1, $2)", std::string("a"), 2); });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SqlStateOf(duplicate), "23505");
  EXPECT_THAT(duplicate.message(), HasSubstr("duplicate key"));

  absl::Status null =
      pool->Run([](pqxx::work& tx) { tx.exec("INSERT INTO u VALUES ('b', NULL)"); });
  EXPECT_EQ(null.code(), absl::StatusCode::kInvalidArgument);

  absl::Status missing = pool->Run([](pqxx::work& tx) { tx.exec("SELECT * FROM nosuchtable"); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(missing.message(), HasSubstr("nosuchtable"));

  // The connection survives SQL errors: the pool keeps working.
  EXPECT_TRUE(pool->Ping().ok());
  EXPECT_EQ(pool->Stats().connections_lost, 0u);
}

TEST_F(PoolTest, StatementTimeoutIsDeadlineExceeded) {
  PoolOptions options = schema_->MakePoolOptions(1);
  options.connect.statement_timeout = absl::Milliseconds(200);
  auto pool = MakePool(std::move(options));
  const absl::Time start = absl::Now();
  absl::Status slow = pool->Run([](pqxx::work& tx) { tx.exec("SELECT pg_sleep(5)"); });
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(pool->Ping().ok());
}

TEST_F(PoolTest, SubmitRunsOnWorkerThreadAndCallsDoneOnce) {
  auto pool = MakePool();
  constexpr int kJobs = 50;
  std::atomic<int> done_calls{0};
  std::atomic<int> sum{0};
  std::atomic<bool> on_caller_thread{false};
  absl::Notification all_done;
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < kJobs; ++i) {
    absl::Status queued = pool->Submit(
        [i](pqxx::work& tx) { return tx.exec_params1("SELECT $1::int * 2", i)[0].as<int>(); },
        [&, caller](absl::StatusOr<int> result) {
          if (std::this_thread::get_id() == caller) on_caller_thread = true;
          ASSERT_TRUE(result.ok()) << result.status();
          sum += *result;
          if (++done_calls == kJobs) all_done.Notify();
        });
    ASSERT_TRUE(queued.ok()) << queued;
  }
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(sum.load(), kJobs * (kJobs - 1));
  EXPECT_FALSE(on_caller_thread.load());
  pool.reset();  // joins the workers: no late extra done calls
  EXPECT_EQ(done_calls.load(), kJobs);
}

TEST_F(PoolTest, FullQueueRejectsImmediately) {
  PoolOptions options = schema_->MakePoolOptions(1);
  options.max_queue = 2;
  auto pool = MakePool(std::move(options));

  absl::Notification started, release;
  std::atomic<int> finished{0};
  auto count = [&finished](absl::Status) { ++finished; };
  ASSERT_TRUE(pool->Submit(
                      [&](pqxx::work&) {
                        started.Notify();
                        release.WaitForNotification();
                      },
                      count)
                  .ok());
  started.WaitForNotification();  // the only worker is busy now
  ASSERT_TRUE(pool->Submit([](pqxx::work&) {}, count).ok());
  ASSERT_TRUE(pool->Submit([](pqxx::work&) {}, count).ok());

  const absl::Time before = absl::Now();
  absl::Status rejected = pool->Submit([](pqxx::work&) {}, count);
  EXPECT_EQ(rejected.code(), absl::StatusCode::kResourceExhausted) << rejected;
  absl::Status run_rejected = pool->Run([](pqxx::work&) {});
  EXPECT_EQ(run_rejected.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(100));
  EXPECT_EQ(pool->Stats().queued, 2u);
  EXPECT_EQ(pool->Stats().rejected, 2u);

  release.Notify();
  pool.reset();
  EXPECT_EQ(finished.load(), 3);  // the rejected job's done was never called
}

TEST_F(PoolTest, ObserversSeeQueueWaitAndJobOutcome) {
  std::atomic<int> waits{0}, jobs{0}, failed{0};
  PoolOptions options = schema_->MakePoolOptions(1);
  options.on_queue_wait = [&](absl::Duration wait) {
    EXPECT_GE(wait, absl::ZeroDuration());
    ++waits;
  };
  options.on_job_done = [&](absl::Duration, const absl::Status& status) {
    ++jobs;
    if (!status.ok()) ++failed;
  };
  auto pool = MakePool(std::move(options));
  EXPECT_TRUE(pool->Ping().ok());
  EXPECT_FALSE(pool->Run([](pqxx::work& tx) { tx.exec("SELEC"); }).ok());
  pool.reset();
  EXPECT_EQ(waits.load(), 2);
  EXPECT_EQ(jobs.load(), 2);
  EXPECT_EQ(failed.load(), 1);
}

TEST_F(PoolTest, RunInsideJobIsRefused) {
  auto pool = MakePool(1);
  absl::Status inner_status;
  absl::Status outer =
      pool->Run([&](pqxx::work&) { inner_status = pool->Run([](pqxx::work&) {}); });
  EXPECT_TRUE(outer.ok());
  EXPECT_EQ(inner_status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PoolTest, ReconnectsAfterIdleBackendsAreTerminated) {
  auto pool = MakePool(2);
  ASSERT_TRUE(pool->Ping().ok());
  const absl::Time wait_end = absl::Now() + absl::Seconds(10);
  while (pool->Stats().connected < 2 && absl::Now() < wait_end) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(pool->Stats().connected, 2);
  absl::StatusOr<int> pid_before =
      pool->Run([](pqxx::work& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  ASSERT_TRUE(pid_before.ok());

  EXPECT_EQ(TerminateOurBackends(), 2);
  absl::SleepFor(absl::Milliseconds(100));  // let the FATAL messages arrive

  // Idle connections that were killed are noticed before the job: every job succeeds.
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<int> pid =
        pool->Run([](pqxx::work& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
    ASSERT_TRUE(pid.ok()) << pid.status();
    EXPECT_THAT(*pid, Ne(*pid_before));
  }
  EXPECT_GE(pool->Stats().connections_lost, 1u);
  EXPECT_TRUE(pool->Healthy());
}

TEST_F(PoolTest, JobInterruptedByTerminationIsUnavailableThenRecovers) {
  auto pool = MakePool(1);
  ASSERT_TRUE(pool->Ping().ok());
  std::thread killer([this] {
    const absl::Time end = absl::Now() + absl::Seconds(10);
    while (absl::Now() < end) {
      absl::StatusOr<std::string> active = schema_->AdminQuery(absl::StrCat(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name = '", schema_->name(),
          "' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'"));
      if (active.ok() && *active == "1") break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    TerminateOurBackends();
  });
  const absl::Time start = absl::Now();
  absl::Status interrupted = pool->Run([](pqxx::work& tx) { tx.exec("SELECT pg_sleep(20)"); });
  killer.join();
  EXPECT_EQ(interrupted.code(), absl::StatusCode::kUnavailable) << interrupted;
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  EXPECT_FALSE(pool->Healthy());
  EXPECT_EQ(pool->Stats().connected, 0);

  // The first reconnect after a loss is immediate: the next job works.
  EXPECT_EQ(AttemptsUntilSuccess(*pool, absl::Seconds(5)), 0);
  EXPECT_TRUE(pool->Healthy());
}

TEST_F(PoolTest, UnreachableDatabaseFailsFastWithBackoff) {
  PoolOptions options = schema_->MakePoolOptions(1);
  options.conninfo = "postgresql://ntf@127.0.0.1:1/ntf";  // nothing listens on port 1
  options.reconnect_backoff_min = absl::Seconds(2);
  auto pool = MakePool(std::move(options));

  absl::Status first = pool->Ping();
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_FALSE(pool->Healthy());
  const uint64_t attempts = pool->Stats().connect_failures;
  EXPECT_GE(attempts, 1u);

  // Within the backoff, jobs fail at once without another connection attempt.
  const absl::Time before = absl::Now();
  absl::Status second = pool->Ping();
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.message(), HasSubstr("next connection attempt"));
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(200));
  EXPECT_EQ(pool->Stats().connect_failures, attempts);
}

TEST_F(PoolTest, RecoversWhenDatabaseAppears) {
  // A database that does not exist yet stands in for a server that is down; creating it is
  // "the server came back". The shared server itself is never restarted.
  const std::string dbname = testing::UniqueName("ntf_db");
  PoolOptions options = schema_->MakePoolOptions(2);
  absl::StatusOr<std::string> base = BuildConninfo(schema_->database_url(), ConnectOptions{});
  ASSERT_TRUE(base.ok());
  options.conninfo = absl::StrCat(*base, " dbname='", dbname, "'");  // later keys win
  options.reconnect_backoff_min = absl::Milliseconds(50);
  options.reconnect_backoff_max = absl::Milliseconds(200);
  auto pool = MakePool(std::move(options));

  absl::Status down = pool->Ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_THAT(down.message(), HasSubstr(dbname));
  EXPECT_FALSE(pool->Healthy());

  ASSERT_TRUE(schema_->AdminQuery(absl::StrCat("CREATE DATABASE ", dbname)).ok());
  EXPECT_GE(AttemptsUntilSuccess(*pool, absl::Seconds(10)), 0);
  EXPECT_TRUE(pool->Healthy());

  pool.reset();
  EXPECT_TRUE(schema_->AdminQuery(absl::StrCat("DROP DATABASE ", dbname)).ok());
}

TEST_F(PoolTest, CreateRejectsBadOptions) {
  PoolOptions options = schema_->MakePoolOptions(0);
  EXPECT_EQ(Pool::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = schema_->MakePoolOptions(1);
  options.conninfo = "host='unterminated";
  EXPECT_EQ(Pool::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::pg
