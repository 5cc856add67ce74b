#include "ntf/pg/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <stdexcept>

namespace ntf::pg {
namespace {

using absl::StatusCode;
using ::testing::HasSubstr;

TEST(StatusCodeForSqlStateTest, MapsClassesAndSpecialCases) {
  struct Case {
    const char* sqlstate;
    StatusCode code;
  };
  const Case cases[] = {
      {"23505", StatusCode::kAlreadyExists},
      {"23P01", StatusCode::kAlreadyExists},
      {"23503", StatusCode::kFailedPrecondition},
      {"23502", StatusCode::kInvalidArgument},
      {"23514", StatusCode::kInvalidArgument},
      {"22P02", StatusCode::kInvalidArgument},
      {"22003", StatusCode::kInvalidArgument},
      {"40001", StatusCode::kAborted},
      {"40P01", StatusCode::kAborted},
      {"55P03", StatusCode::kAborted},
      {"57014", StatusCode::kDeadlineExceeded},
      {"57P01", StatusCode::kUnavailable},
      {"57P03", StatusCode::kUnavailable},
      {"08006", StatusCode::kUnavailable},
      {"53300", StatusCode::kResourceExhausted},
      {"28P01", StatusCode::kPermissionDenied},
      {"42501", StatusCode::kPermissionDenied},
      {"42601", StatusCode::kInternal},
      {"42P01", StatusCode::kInternal},
      {"XX000", StatusCode::kInternal},
      {"", StatusCode::kInternal},
      {"2350", StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(StatusCodeForSqlState(c.sqlstate), c.code) << c.sqlstate;
  }
}

TEST(StatusFromSqlStateTest, CarriesSqlStateAndCleanMessage) {
  absl::Status status = StatusFromSqlState(
      "23505", "ERROR:  duplicate key value violates unique constraint \"t_pkey\"\n");
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "[23505] duplicate key value violates unique constraint \"t_pkey\"");
  EXPECT_EQ(SqlStateOf(status), "23505");
  EXPECT_EQ(SqlStateOf(absl::InternalError("x")), std::nullopt);
}

absl::Status Convert(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (...) {
    return StatusFromCurrentException();
  }
}

TEST(StatusFromCurrentExceptionTest, MapsPqxxHierarchy) {
  EXPECT_EQ(Convert(std::make_exception_ptr(pqxx::broken_connection("gone"))).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(Convert(std::make_exception_ptr(pqxx::in_doubt_error("?"))).code(),
            StatusCode::kUnknown);
  EXPECT_EQ(Convert(std::make_exception_ptr(pqxx::deadlock_detected("dl"))).code(),
            StatusCode::kAborted);
  EXPECT_EQ(
      Convert(std::make_exception_ptr(pqxx::unique_violation("dup", "INSERT", "23505"))).code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(Convert(std::make_exception_ptr(pqxx::conversion_error("bad int"))).code(),
            StatusCode::kInternal);
  absl::Status user = Convert(std::make_exception_ptr(std::runtime_error("boom")));
  EXPECT_EQ(user.code(), StatusCode::kInternal);
  EXPECT_THAT(user.message(), HasSubstr("boom"));
  EXPECT_EQ(Convert(std::make_exception_ptr(42)).code(), StatusCode::kUnknown);
}

}  // namespace
}  // namespace ntf::pg
