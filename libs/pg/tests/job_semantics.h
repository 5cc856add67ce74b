#pragma once

// The job contract Pool::Run and Session::Run share (commit on success; rollback on an error
// status, an exception or an SQL error), checked the same way for both.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ntf::pg::testing {

// `runner` is a Pool or a Session on a schema where table `t` does not exist yet.
template <typename Runner>
void ExpectCommitsOnSuccessAndRollsBackOnFailure(Runner& runner) {
  ASSERT_TRUE(runner.Run([](pqxx::work& tx) { tx.exec("CREATE TABLE t (k int)"); }).ok());

  absl::Status rejected = runner.Run([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (1)");
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(rejected.code(), absl::StatusCode::kFailedPrecondition);

  absl::Status thrown = runner.Run([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (2)");
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(thrown.message(), ::testing::HasSubstr("boom"));

  absl::Status syntax = runner.Run([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (4)");
    tx.exec("SELEC 1");
  });
  EXPECT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.message(), ::testing::HasSubstr("syntax error"));

  ASSERT_TRUE(runner.Run([](pqxx::work& tx) { tx.exec("INSERT INTO t VALUES (3)"); }).ok());
  absl::StatusOr<int> sum = runner.Run(
      [](pqxx::work& tx) { return tx.exec1("SELECT coalesce(sum(k), 0) FROM t")[0].as<int>(); });
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 3);  // only the committed row
}

}  // namespace ntf::pg::testing
