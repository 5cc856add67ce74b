#include "ntf/redis/stream_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ntf::redis {
namespace {

using ::testing::ElementsAre;

Reply S(std::string s) { return Reply::String(std::move(s)); }
Reply A(std::vector<Reply> e) { return Reply::Array(std::move(e)); }

TEST(StreamCommandsTest, BuildsArgv) {
  PublishOptions trim;
  trim.max_len = 1000;
  EXPECT_THAT(XaddArgs("s", {{"a", "1"}, {"b", "2"}}, trim),
              ElementsAre("XADD", "s", "MAXLEN", "~", "1000", "*", "a", "1", "b", "2"));
  EXPECT_THAT(XaddArgs("s", {{"a", "1"}}, {}), ElementsAre("XADD", "s", "*", "a", "1"));

  ReadGroupOptions read;
  read.count = 10;
  read.block = absl::Microseconds(1500);  // rounds up to 2 ms, never to 0 (= forever)
  EXPECT_THAT(XreadgroupArgs("s", "g", "c", read),
              ElementsAre("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "2", "STREAMS",
                          "s", ">"));
  read.block = absl::ZeroDuration();
  read.start_id = "0";
  EXPECT_THAT(XreadgroupArgs("s", "g", "c", read),
              ElementsAre("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s", "0"));

  EXPECT_THAT(XautoclaimArgs("s", "g", "c", absl::Seconds(30), "0-0", 50),
              ElementsAre("XAUTOCLAIM", "s", "g", "c", "30000", "0-0", "COUNT", "50"));
  PendingQuery query;
  query.min_idle = absl::Seconds(1);
  query.consumer = "c";
  EXPECT_THAT(XpendingArgs("s", "g", query),
              ElementsAre("XPENDING", "s", "g", "IDLE", "1000", "-", "+", "100", "c"));
  EXPECT_THAT(XpendingArgs("s", "g", PendingQuery{}),
              ElementsAre("XPENDING", "s", "g", "-", "+", "100"));
  EXPECT_THAT(XgroupCreateArgs("s", "g", "0"),
              ElementsAre("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"));
  const std::string ids[] = {"1-0", "2-0"};
  EXPECT_THAT(XackArgs("s", "g", ids), ElementsAre("XACK", "s", "g", "1-0", "2-0"));
}

TEST(StreamCommandsTest, Validates) {
  EXPECT_TRUE(ValidatePublish("s", {}).ok());
  const Fields empty;
  EXPECT_FALSE(ValidatePublish("s", absl::MakeConstSpan(&empty, 1)).ok());
  ReadGroupOptions read;
  EXPECT_TRUE(ValidateReadGroup("s", "g", "c", read).ok());
  read.block = -absl::Seconds(1);
  EXPECT_FALSE(ValidateReadGroup("s", "g", "c", read).ok());
  EXPECT_FALSE(ValidateReadGroup("s", "", "c", ReadGroupOptions{}).ok());
  EXPECT_FALSE(ValidateCount(0).ok());
  PendingQuery query;
  query.count = -1;
  EXPECT_FALSE(ValidatePendingQuery(query).ok());
}

TEST(StreamCommandsTest, ParsesReadGroupReply) {
  EXPECT_TRUE(ParseReadGroupReply(Reply::Nil())->empty());
  Reply reply =
      A({A({S("s"), A({A({S("1-0"), A({S("k"), S("v")})}), A({S("2-0"), Reply::Nil()})})})});
  absl::StatusOr<std::vector<StreamEntry>> entries = ParseReadGroupReply(reply);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0], (StreamEntry{"1-0", {{"k", "v"}}}));
  EXPECT_EQ((*entries)[1], (StreamEntry{"2-0", {}}));
  EXPECT_EQ(
      ParseReadGroupReply(A({A({S("s"), A({A({S("1-0"), A({S("odd")})})})})})).status().code(),
      absl::StatusCode::kInternal);
  EXPECT_EQ(ParseReadGroupReply(Reply::Integer(1)).status().code(), absl::StatusCode::kInternal);
}

TEST(StreamCommandsTest, ParsesAutoClaimReply) {
  Reply reply = A({S("5-0"), A({A({S("3-0"), A({S("k"), S("v")})})}), A({S("4-0")})});
  absl::StatusOr<AutoClaimResult> result = ParseAutoClaimReply(reply);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->next_cursor, "5-0");
  ASSERT_EQ(result->entries.size(), 1u);
  EXPECT_EQ(result->entries[0].id, "3-0");
  EXPECT_THAT(result->deleted_ids, ElementsAre("4-0"));
  // Redis 6.2: no deleted list, nil for a vanished entry.
  result = ParseAutoClaimReply(A({S("0-0"), A({Reply::Nil()})}));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->entries.empty());
}

TEST(StreamCommandsTest, ParsesPendingReplies) {
  absl::StatusOr<PendingSummary> empty =
      ParsePendingSummary(A({Reply::Integer(0), Reply::Nil(), Reply::Nil(), Reply::Nil()}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, PendingSummary{});
  absl::StatusOr<PendingSummary> summary = ParsePendingSummary(
      A({Reply::Integer(3), S("1-0"), S("3-0"), A({A({S("a"), S("2")}), A({S("b"), S("1")})})}));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->count, 3);
  EXPECT_EQ(summary->min_id, "1-0");
  EXPECT_THAT(summary->consumers, ElementsAre(std::pair<std::string, int64_t>("a", 2),
                                              std::pair<std::string, int64_t>("b", 1)));

  absl::StatusOr<std::vector<PendingEntry>> entries =
      ParsePendingEntries(A({A({S("1-0"), S("a"), Reply::Integer(1500), Reply::Integer(2)})}));
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].consumer, "a");
  EXPECT_EQ((*entries)[0].idle, absl::Milliseconds(1500));
  EXPECT_EQ((*entries)[0].deliveries, 2);
  EXPECT_FALSE(ParsePendingEntries(A({A({S("1-0")})})).ok());
}

}  // namespace
}  // namespace ntf::redis
