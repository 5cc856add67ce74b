#include "ntf/pg/conninfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ntf::pg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BuildConninfoTest, UrlBecomesKeyValueWithTimeoutsAndSettings) {
  ConnectOptions options;
  options.connect_timeout = absl::Seconds(5);
  options.statement_timeout = absl::Milliseconds(1500);
  options.tcp_user_timeout = absl::Seconds(10);
  options.application_name = "ntf-intake";
  options.search_path = "ntf";
  absl::StatusOr<std::string> conninfo =
      BuildConninfo("postgresql://ntf:secret@127.0.0.1:55432/ntf", options);
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  EXPECT_EQ(*conninfo,
            "application_name='ntf-intake' connect_timeout='5' dbname='ntf' host='127.0.0.1' "
            "options='-c statement_timeout=1500 -c search_path=ntf' password='secret' "
            "port='55432' tcp_user_timeout='10000' user='ntf'");
}

TEST(BuildConninfoTest, KeyValueBaseAndExistingOptionsAreKept) {
  ConnectOptions options;
  options.statement_timeout = absl::Seconds(2);
  options.application_name = "";
  absl::StatusOr<std::string> conninfo =
      BuildConninfo("host=/tmp dbname=x options='-c work_mem=64MB'", options);
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  EXPECT_THAT(*conninfo, HasSubstr("options='-c work_mem=64MB -c statement_timeout=2000'"));
  EXPECT_THAT(*conninfo, HasSubstr("host='/tmp'"));
  EXPECT_THAT(*conninfo, Not(HasSubstr("application_name")));
}

TEST(BuildConninfoTest, OptionsWinOverBase) {
  ConnectOptions options;
  options.connect_timeout = absl::Milliseconds(2500);  // rounds up to 3 s
  absl::StatusOr<std::string> conninfo =
      BuildConninfo("postgresql://h/db?connect_timeout=100&application_name=old", options);
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  EXPECT_THAT(*conninfo, HasSubstr("connect_timeout='3'"));
  EXPECT_THAT(*conninfo, HasSubstr("application_name='simplex-ntf'"));
}

TEST(BuildConninfoTest, ConnectTimeoutHasLibpqMinimumOfTwoSeconds) {
  ConnectOptions options;
  options.connect_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::string> conninfo = BuildConninfo("host=h", options);
  ASSERT_TRUE(conninfo.ok());
  EXPECT_THAT(*conninfo, HasSubstr("connect_timeout='2'"));
}

TEST(BuildConninfoTest, ZeroTimeoutsAreLeftOut) {
  ConnectOptions options;
  options.statement_timeout = absl::ZeroDuration();
  options.tcp_user_timeout = absl::ZeroDuration();
  absl::StatusOr<std::string> conninfo = BuildConninfo("host=h", options);
  ASSERT_TRUE(conninfo.ok());
  EXPECT_THAT(*conninfo, Not(HasSubstr("statement_timeout")));
  EXPECT_THAT(*conninfo, Not(HasSubstr("tcp_user_timeout")));
  EXPECT_THAT(*conninfo, Not(HasSubstr("options=")));
}

TEST(BuildConninfoTest, QuotesAndEscapesValues) {
  ConnectOptions options;
  options.application_name = "it's a\\b";
  options.search_path = "a b";
  absl::StatusOr<std::string> conninfo = BuildConninfo("host=h", options);
  ASSERT_TRUE(conninfo.ok());
  EXPECT_THAT(*conninfo, HasSubstr(R"(application_name='it\'s a\\b')"));
  // The space inside the -c value is escaped for the server, the backslash for libpq.
  EXPECT_THAT(*conninfo, HasSubstr(R"(-c search_path=a\\ b)"));
}

TEST(BuildConninfoTest, RejectsBadInput) {
  ConnectOptions options;
  EXPECT_EQ(BuildConninfo("host='unterminated", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildConninfo("postgresql://h/db?nosuchkey=1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.connect_timeout = absl::ZeroDuration();
  EXPECT_EQ(BuildConninfo("host=h", options).status().code(), absl::StatusCode::kInvalidArgument);
  options = ConnectOptions{};
  options.search_path = "a\nb";
  EXPECT_EQ(BuildConninfo("host=h", options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::pg
