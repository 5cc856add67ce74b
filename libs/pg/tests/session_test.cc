// Integration tests: Session against the real PostgreSQL of scripts/local-stack.sh. The
// reconnect logic it shares with Pool (src/link.h) is covered in depth by pool_test.cc; these
// tests check what is the Session's own: jobs on the calling thread, one connection shared by
// several callers, and the same results, errors and recovery as a pool.
#include "ntf/pg/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "job_semantics.h"
#include "ntf/pg/testing/test_database.h"

namespace ntf::pg {
namespace {

using ::testing::HasSubstr;
using ::testing::Ne;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TestSchema>> schema =
        testing::TestSchema::Create("session");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
  }

  std::unique_ptr<Session> MakeSession(const PoolOptions& options) {
    absl::StatusOr<std::unique_ptr<Session>> session = Session::Create(options);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *std::move(session) : nullptr;
  }
  std::unique_ptr<Session> MakeSession() { return MakeSession(schema_->MakePoolOptions(1)); }

  static absl::StatusOr<int> BackendPid(Session& session) {
    return session.Run(
        [](pqxx::work& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  }

  std::unique_ptr<testing::TestSchema> schema_;
};

TEST_F(SessionTest, RunsOnTheCallingThreadWithPoolResults) {
  auto session = MakeSession();
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->Stats().connected, 1);  // connected by Create
  const std::thread::id caller = std::this_thread::get_id();
  absl::StatusOr<int> answer = session->Run([caller](pqxx::work& tx) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    return tx.exec1("SELECT 40 + 2")[0].as<int>();
  });
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);

  absl::StatusOr<std::string> schema =
      session->Run([](pqxx::work& tx) -> absl::StatusOr<std::string> {
        return tx.exec1("SELECT current_schema()")[0].as<std::string>();
      });
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(*schema, schema_->name());
}

TEST_F(SessionTest, CommitsOnSuccessAndRollsBackOnErrorStatusOrException) {
  auto session = MakeSession();
  testing::ExpectCommitsOnSuccessAndRollsBackOnFailure(*session);
  EXPECT_TRUE(session->Healthy());  // SQL errors do not drop the connection
  EXPECT_EQ(session->Stats().connections_lost, 0u);
}

TEST_F(SessionTest, ReadRunsEachStatementInItsOwnTransaction) {
  auto session = MakeSession();
  ASSERT_NE(session, nullptr);
  // txid_current() assigns the running transaction an id: one id for both statements of a Run,
  // a new one for each statement of a Read (no BEGIN ... COMMIT around them).
  auto two_ids = [](pqxx::transaction_base& tx) {
    const int64_t first = tx.exec1("SELECT txid_current()")[0].as<int64_t>();
    const int64_t second = tx.exec1("SELECT txid_current()")[0].as<int64_t>();
    return std::make_pair(first, second);
  };
  absl::StatusOr<std::pair<int64_t, int64_t>> in_run = session->Run(two_ids);
  ASSERT_TRUE(in_run.ok()) << in_run.status();
  EXPECT_EQ(in_run->first, in_run->second);
  absl::StatusOr<std::pair<int64_t, int64_t>> in_read = session->Read(two_ids);
  ASSERT_TRUE(in_read.ok()) << in_read.status();
  EXPECT_LT(in_read->first, in_read->second);
  EXPECT_EQ(session->Stats().connected, 1);  // the same connection as Run's
}

TEST_F(SessionTest, ReadMapsErrorsLikeRunAndKeepsTheConnection) {
  auto session = MakeSession();
  ASSERT_TRUE(session->Run([](pqxx::work& tx) { tx.exec("CREATE TABLE t (k int)"); }).ok());
  absl::Status syntax = session->Read([](pqxx::transaction_base& tx) { tx.exec("SELEC 1"); });
  EXPECT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.message(), HasSubstr("syntax error"));
  absl::Status rejected = session->Read(
      [](pqxx::transaction_base&) { return absl::FailedPreconditionError("changed my mind"); });
  EXPECT_EQ(rejected.code(), absl::StatusCode::kFailedPrecondition);
  absl::Status thrown = session->Read(
      [](pqxx::transaction_base&) -> absl::Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(thrown.message(), HasSubstr("boom"));

  // A failed statement leaves no aborted transaction behind: the next Read and Run work.
  absl::StatusOr<int> rows = session->Read(
      [](pqxx::transaction_base& tx) { return tx.exec1("SELECT count(*) FROM t")[0].as<int>(); });
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 0);
  EXPECT_TRUE(session->Run([](pqxx::work& tx) { tx.exec("INSERT INTO t VALUES (1)"); }).ok());
  EXPECT_TRUE(session->Healthy());
  EXPECT_EQ(session->Stats().connections_lost, 0u);
}

TEST_F(SessionTest, ConcurrentCallersShareTheOneConnectionInTurn) {
  auto session = MakeSession();
  ASSERT_TRUE(session->Run([](pqxx::work& tx) { tx.exec("CREATE TABLE t (k int)"); }).ok());
  absl::StatusOr<int> pid = BackendPid(*session);
  ASSERT_TRUE(pid.ok()) << pid.status();
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&session, &pid, i] {
      for (int j = 0; j < 25; ++j) {
        absl::StatusOr<int> used = session->Run([i, j](pqxx::work& tx) {
          tx.exec(absl::StrCat("INSERT INTO t VALUES (", i * 100 + j, ")"));
          return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
        });
        ASSERT_TRUE(used.ok()) << used.status();
        EXPECT_EQ(*used, *pid);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  absl::StatusOr<int> rows =
      session->Run([](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM t")[0].as<int>(); });
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 100);
  EXPECT_EQ(session->Stats().connected, 1);
}

TEST_F(SessionTest, ReplacesATerminatedBackendWithoutFailingTheNextJob) {
  auto session = MakeSession();
  auto terminate = [this](int pid) {
    ASSERT_TRUE(schema_->AdminQuery(absl::StrCat("SELECT pg_terminate_backend(", pid, ")")).ok());
    absl::SleepFor(absl::Milliseconds(100));  // let the FATAL message arrive
  };
  absl::StatusOr<int> before = BackendPid(*session);
  ASSERT_TRUE(before.ok()) << before.status();
  terminate(*before);
  absl::StatusOr<int> after = BackendPid(*session);  // a Run
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(*after, Ne(*before));
  EXPECT_EQ(session->Stats().connections_lost, 1u);

  terminate(*after);  // and a Read
  absl::StatusOr<int> read = session->Read(
      [](pqxx::transaction_base& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(*read, Ne(*after));
  EXPECT_EQ(session->Stats().connections_lost, 2u);
  EXPECT_TRUE(session->Healthy());
}

TEST_F(SessionTest, UnreachableDatabaseIsUnavailableWithBackoffNotAFailedCreate) {
  PoolOptions options = schema_->MakePoolOptions(1);
  options.conninfo = "postgresql://ntf@127.0.0.1:1/ntf";  // nothing listens on port 1
  options.reconnect_backoff_min = absl::Seconds(2);
  auto session = MakeSession(options);
  ASSERT_NE(session, nullptr);
  EXPECT_FALSE(session->Healthy());
  const uint64_t attempts = session->Stats().connect_failures;
  EXPECT_GE(attempts, 1u);

  const absl::Time before = absl::Now();
  absl::Status status = session->Run([](pqxx::work& tx) { tx.exec("SELECT 1"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("next connection attempt"));
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(200));
  EXPECT_EQ(session->Stats().connect_failures, attempts);
}

TEST_F(SessionTest, CreateRejectsBadOptions) {
  PoolOptions options = schema_->MakePoolOptions(1);
  options.conninfo = "";
  EXPECT_EQ(Session::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = schema_->MakePoolOptions(1);
  options.conninfo = "host='unterminated";
  EXPECT_EQ(Session::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = schema_->MakePoolOptions(1);
  options.reconnect_backoff_max = options.reconnect_backoff_min / 2;
  EXPECT_EQ(Session::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::pg
