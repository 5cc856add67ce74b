// The stream contract against testing::FakeStreams, plus the fake's own test hooks.
#include "ntf/redis/testing/fake_streams.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "stream_contract.h"

namespace ntf::redis {
namespace {

// A manual clock (libs/common's FakeClock plugs in the same way through the NowFn).
class ManualClock {
 public:
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1704067200);  // 2024-01-01
};

class FakeEnv {
 public:
  absl::Status SetUp() { return absl::OkStatus(); }
  void TearDown() {}
  StreamPublisher& publisher() { return streams_; }
  StreamConsumer& consumer() { return streams_; }
  StreamConsumer& blocking_consumer() { return streams_; }
  std::string Key(std::string_view name) { return absl::StrCat("fake:", std::string(name)); }
  void AdvanceTime(absl::Duration d) { clock_.Advance(d); }

 private:
  ManualClock clock_;
  testing::FakeStreams streams_{[this] { return clock_.Now(); }};
};

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, StreamContractTest, FakeEnv);

class FakeStreamsTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  testing::FakeStreams streams_{[this] { return clock_.Now(); }};
  CommandOptions cmd_;
};

TEST_F(FakeStreamsTest, IdsFollowTheClock) {
  std::vector<Fields> two = {{{"k", "1"}}, {{"k", "2"}}};
  absl::StatusOr<std::vector<std::string>> ids = streams_.Publish("s", two, {}, cmd_);
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ::testing::ElementsAre("1704067200000-0", "1704067200000-1"));
  clock_.Advance(absl::Milliseconds(5));
  ids = streams_.Publish("s", two, {}, cmd_);
  EXPECT_THAT(*ids, ::testing::ElementsAre("1704067200005-0", "1704067200005-1"));
  clock_.Advance(-absl::Seconds(1));  // the clock stepping back never reuses an id
  ids = streams_.Publish("s", two, {}, cmd_);
  EXPECT_THAT(*ids, ::testing::ElementsAre("1704067200005-2", "1704067200005-3"));
}

TEST_F(FakeStreamsTest, InjectedFailureFailsEveryCallWithoutSideEffects) {
  ASSERT_TRUE(streams_.EnsureGroup("s", "g", "0", cmd_).ok());
  streams_.SetFailureForTest(absl::UnavailableError("redis down"));
  std::vector<Fields> one = {{{"k", "v"}}};
  EXPECT_EQ(streams_.Publish("s", one, {}, cmd_).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(streams_.ReadGroup("s", "g", "c", {}, cmd_).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(streams_.Len("s", cmd_).status().code(), absl::StatusCode::kUnavailable);
  streams_.SetFailureForTest(absl::OkStatus());
  EXPECT_EQ(*streams_.Len("s", cmd_), 0);
  EXPECT_EQ(streams_.CallCountForTest("Publish"), 1);
  EXPECT_EQ(streams_.CallCountForTest("Len"), 2);
}

TEST_F(FakeStreamsTest, DeletedPendingEntriesAreReportedByAutoClaimAndHistory) {
  ASSERT_TRUE(streams_.EnsureGroup("s", "g", "0", cmd_).ok());
  std::vector<Fields> three = {{{"k", "1"}}, {{"k", "2"}}, {{"k", "3"}}};
  std::vector<std::string> ids = *streams_.Publish("s", three, {}, cmd_);
  ReadGroupOptions read;
  ASSERT_EQ(streams_.ReadGroup("s", "g", "dead", read, cmd_)->size(), 3u);
  ASSERT_TRUE(streams_.DeleteEntryForTest("s", ids[1]));

  read.start_id = "0";
  absl::StatusOr<std::vector<StreamEntry>> history =
      streams_.ReadGroup("s", "g", "dead", read, cmd_);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_TRUE((*history)[1].fields.empty());

  absl::StatusOr<AutoClaimResult> claimed =
      streams_.AutoClaim("s", "g", "alive", absl::ZeroDuration(), "0-0", 10, cmd_);
  ASSERT_TRUE(claimed.ok());
  EXPECT_THAT(claimed->deleted_ids, ::testing::ElementsAre(ids[1]));
  ASSERT_EQ(claimed->entries.size(), 2u);
  EXPECT_EQ(streams_.Pending("s", "g", cmd_)->count, 2);
}

TEST_F(FakeStreamsTest, EntriesForTestShowsWhatWasPublished) {
  std::vector<Fields> one = {{{"kind", "verify"}, {"code", "abc"}}};
  ASSERT_TRUE(streams_.Publish("s", one, {}, cmd_).ok());
  std::vector<StreamEntry> entries = streams_.EntriesForTest("s");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].fields, one[0]);
  EXPECT_TRUE(streams_.EntriesForTest("other").empty());
}

}  // namespace
}  // namespace ntf::redis
