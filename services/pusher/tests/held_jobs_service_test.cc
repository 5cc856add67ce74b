// StreamId (the numeric form of a Redis stream entry id) and HeldJobs, which keeps the ids this
// process holds in that form.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "services/pusher/src/held_jobs.h"
#include "services/pusher/src/job_stream.h"

namespace ntf::pusher {
namespace {

using ::testing::UnorderedElementsAre;

TEST(StreamIdTest, ParsesAndPrintsRedisIds) {
  std::optional<StreamId> id = StreamId::Parse("1795685339707-12");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ms, 1795685339707u);
  EXPECT_EQ(id->seq, 12u);
  EXPECT_EQ(id->ToString(), "1795685339707-12");
  EXPECT_EQ(StreamId::Parse("18446744073709551615-18446744073709551615")->ToString(),
            "18446744073709551615-18446744073709551615");
  EXPECT_EQ(StreamId::Parse("7")->ToString(), "7-0");  // Redis reads "7" as 7-0
  for (std::string_view bad :
       {"", "-", "1-", "-1", "a-1", "1-b", "1-2-3", " 1-2", "1-2 ", "18446744073709551616-0"}) {
    EXPECT_FALSE(StreamId::Parse(bad).has_value()) << bad;
  }
}

TEST(StreamIdTest, OrdersAndHashesLikeRedisIds) {
  EXPECT_LT(*StreamId::Parse("9-5"), *StreamId::Parse("10-0"));  // numerically, not as text
  EXPECT_LT(*StreamId::Parse("10-2"), *StreamId::Parse("10-10"));
  EXPECT_EQ(*StreamId::Parse("10"), *StreamId::Parse("10-0"));
  absl::flat_hash_set<StreamId> set = {*StreamId::Parse("1-1"), *StreamId::Parse("1-1"),
                                       *StreamId::Parse("1-2")};
  EXPECT_EQ(set.size(), 2u);
}

TEST(HeldJobsTest, AddsAndRemovesStreamIdsAndOtherText) {
  HeldJobs held;
  held.Add("1-0");
  held.Add(std::vector<std::string>{"1795685339707-1", "1795685339707-2", "not-an-id"});
  held.Add(std::vector<std::string_view>{"1795685339707-3", "1795685339707-3"});
  EXPECT_EQ(held.size(), 5u);
  EXPECT_THAT(held.Snapshot(), UnorderedElementsAre("1-0", "1795685339707-1", "1795685339707-2",
                                                    "1795685339707-3", "not-an-id"));

  held.Remove("1795685339707-2");
  held.Remove(std::vector<std::string>{"not-an-id", "never-held", "9-9"});
  held.Remove(std::vector<std::string_view>{"1-0"});
  EXPECT_THAT(held.Snapshot(), UnorderedElementsAre("1795685339707-1", "1795685339707-3"));
  held.Remove(std::vector<std::string_view>{"1795685339707-1", "1795685339707-3"});
  EXPECT_EQ(held.size(), 0u);
  EXPECT_TRUE(held.Snapshot().empty());
}

TEST(JobStreamStatsTest, TrimsBelowTheOldestLiveEntryOrJustAboveTheLastDelivered) {
  JobStreamStats stats;
  EXPECT_FALSE(stats.TrimBelowId().has_value());  // no group
  stats.group_exists = true;
  stats.last_delivered_id = "20-4";
  EXPECT_EQ(stats.TrimBelowId(), "20-5");  // nothing live
  stats.oldest_unread_id = "20-9";
  stats.oldest_pending_id = "9-7";  // numerically older, though "9" > "20" as text
  EXPECT_EQ(stats.LowWaterId(), "9-7");
  EXPECT_EQ(stats.TrimBelowId(), "9-7");
}

}  // namespace
}  // namespace ntf::pusher
