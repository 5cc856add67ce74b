#pragma once

// The stream contract: one typed test suite that runs against real Redis
// (hiredis_stream_client_test.cc) and against testing::FakeStreams (fake_streams_test.cc), so
// the fake is proven to behave like Redis 7.0 wherever these tests look.
//
// An Env type provides:
//   absl::Status SetUp();  void TearDown();
//   StreamPublisher& publisher();  StreamConsumer& consumer();
//   StreamConsumer& blocking_consumer();  // may block while publisher() publishes
//   std::string Key(std::string_view name);  // unique per test
//   void AdvanceTime(absl::Duration d);      // real: sleep; fake: move the clock

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ntf/redis/stream_consumer.h"
#include "ntf/redis/stream_publisher.h"

namespace ntf::redis {

template <typename Env>
class StreamContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status status = env_.SetUp();
    ASSERT_TRUE(status.ok()) << status;
    stream_ = env_.Key("stream");
  }
  void TearDown() override { env_.TearDown(); }

  StreamPublisher& pub() { return env_.publisher(); }
  StreamConsumer& con() { return env_.consumer(); }

  static Fields Job(int i) {
    return {{"kind", "message"}, {"n", absl::StrCat(i)}, {"bin", std::string("a\0b\xff", 4)}};
  }
  static std::vector<Fields> Jobs(int n, int first = 0) {
    std::vector<Fields> jobs;
    for (int i = first; i < first + n; ++i) jobs.push_back(Job(i));
    return jobs;
  }
  std::vector<std::string> PublishJobs(int n, int first = 0) {
    absl::StatusOr<std::vector<std::string>> ids = pub().Publish(stream_, Jobs(n, first), {}, cmd_);
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? *ids : std::vector<std::string>();
  }
  std::vector<StreamEntry> Read(std::string_view consumer, int64_t count, std::string start = ">") {
    ReadGroupOptions read;
    read.count = count;
    read.start_id = std::move(start);
    absl::StatusOr<std::vector<StreamEntry>> entries =
        con().ReadGroup(stream_, kGroup, consumer, read, cmd_);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<StreamEntry>();
  }
  static std::vector<std::string> IdsOf(const std::vector<StreamEntry>& entries) {
    std::vector<std::string> ids;
    for (const StreamEntry& e : entries) ids.push_back(e.id);
    return ids;
  }
  static std::vector<std::string> Slice(const std::vector<std::string>& v, size_t from, size_t to) {
    return std::vector<std::string>(v.begin() + from, v.begin() + to);
  }

  static constexpr char kGroup[] = "pushers";
  // Short enough for real-time tests, long enough that "not idle yet" holds on a busy box.
  static constexpr absl::Duration kMinIdle = absl::Milliseconds(300);
  Env env_;
  std::string stream_;
  CommandOptions cmd_;
};

TYPED_TEST_SUITE_P(StreamContractTest);

TYPED_TEST_P(StreamContractTest, PublishesThousandEntriesInOneCall) {
  std::vector<std::string> ids = this->PublishJobs(1000);
  ASSERT_EQ(ids.size(), 1000u);
  EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  absl::StatusOr<int64_t> len = this->con().Len(this->stream_, this->cmd_);
  ASSERT_TRUE(len.ok()) << len.status();
  EXPECT_EQ(*len, 1000);

  // Ids are in publication order: a group reading from 0 sees them in that order.
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<StreamEntry> entries = this->Read("c1", 1000);
  ASSERT_EQ(entries.size(), 1000u);
  EXPECT_EQ(this->IdsOf(entries), ids);
  EXPECT_EQ(entries[7].fields, this->Job(7));  // binary-safe values
}

TYPED_TEST_P(StreamContractTest, MaxLenTrimsButNeverBelowTheLimit) {
  PublishOptions publish;
  publish.max_len = 100;
  absl::StatusOr<std::vector<std::string>> ids =
      this->pub().Publish(this->stream_, this->Jobs(1000), publish, this->cmd_);
  ASSERT_TRUE(ids.ok()) << ids.status();
  absl::StatusOr<int64_t> len = this->con().Len(this->stream_, this->cmd_);
  ASSERT_TRUE(len.ok());
  EXPECT_GE(*len, 100);
  EXPECT_LE(*len, 200);  // "~": whole macro-nodes (100 entries by default)
}

TYPED_TEST_P(StreamContractTest, PublishRejectsEntriesWithoutFields) {
  std::vector<Fields> bad = {{{"k", "v"}}, {}};
  EXPECT_EQ(this->pub().Publish(this->stream_, bad, {}, this->cmd_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->pub().Publish("", this->Jobs(1), {}, this->cmd_).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<std::string>> none =
      this->pub().Publish(this->stream_, {}, {}, this->cmd_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(*this->con().Len(this->stream_, this->cmd_), 0);
}

TYPED_TEST_P(StreamContractTest, EnsureGroupCreatesStreamAndIsIdempotent) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  absl::Status again = this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_);
  EXPECT_TRUE(again.ok()) << again;
  absl::StatusOr<int64_t> len = this->con().Len(this->stream_, this->cmd_);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 0);  // MKSTREAM made an empty stream
  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(*pending, PendingSummary{});
}

TYPED_TEST_P(StreamContractTest, GroupFromDollarSkipsEarlierEntries) {
  this->PublishJobs(3);
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "$", this->cmd_).ok());
  EXPECT_TRUE(this->Read("c1", 10).empty());
  std::vector<std::string> later = this->PublishJobs(2, 3);
  EXPECT_EQ(this->IdsOf(this->Read("c1", 10)), later);
}

TYPED_TEST_P(StreamContractTest, MissingGroupIsNotFound) {
  this->PublishJobs(1);
  ReadGroupOptions read;
  EXPECT_EQ(this->con().ReadGroup(this->stream_, "nogroup", "c1", read, this->cmd_).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(this->con()
                .ReadGroup(this->env_.Key("nostream"), "g", "c1", read, this->cmd_)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(this->con().Pending(this->stream_, "nogroup", this->cmd_).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      this->con()
          .AutoClaim(this->stream_, "nogroup", "c1", absl::ZeroDuration(), "0-0", 10, this->cmd_)
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  // XACK and XLEN on missing things are not errors.
  const std::vector<std::string> ids = {"1-0"};
  absl::StatusOr<int64_t> acked = this->con().Ack(this->stream_, "nogroup", ids, this->cmd_);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(*acked, 0);
  EXPECT_EQ(*this->con().Len(this->env_.Key("nostream"), this->cmd_), 0);
}

TYPED_TEST_P(StreamContractTest, GroupDeliversEachEntryToOneConsumer) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(10);
  std::vector<StreamEntry> a = this->Read("a", 4);
  std::vector<StreamEntry> b = this->Read("b", 100);
  EXPECT_EQ(this->IdsOf(a), this->Slice(ids, 0, 4));
  EXPECT_EQ(this->IdsOf(b), this->Slice(ids, 4, 10));
  EXPECT_EQ(b[0].fields, this->Job(4));
  EXPECT_TRUE(this->Read("a", 100).empty());

  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(pending->count, 10);
  EXPECT_EQ(pending->min_id, ids.front());
  EXPECT_EQ(pending->max_id, ids.back());
  EXPECT_THAT(pending->consumers, ::testing::ElementsAre(std::pair<std::string, int64_t>("a", 4),
                                                         std::pair<std::string, int64_t>("b", 6)));
}

TYPED_TEST_P(StreamContractTest, AckRemovesOnlyPendingEntries) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(5);
  ASSERT_EQ(this->Read("a", 5).size(), 5u);
  std::vector<std::string> to_ack = {ids[0], ids[1], ids[2], "1-1" /* never delivered */,
                                     ids[0] /* twice */};
  absl::StatusOr<int64_t> acked = this->con().Ack(this->stream_, this->kGroup, to_ack, this->cmd_);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(*acked, 3);
  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->count, 2);
  EXPECT_EQ(pending->min_id, ids[3]);
  EXPECT_EQ(*this->con().Len(this->stream_, this->cmd_), 5);  // acking does not delete

  const std::vector<std::string> bad = {"not-an-id"};
  EXPECT_EQ(this->con().Ack(this->stream_, this->kGroup, bad, this->cmd_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StreamContractTest, HistoryReadReturnsOwnPendingEntriesAndCountsDelivery) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(5);
  ASSERT_EQ(this->Read("a", 3).size(), 3u);
  ASSERT_EQ(this->Read("b", 2).size(), 2u);

  // After a restart, consumer "a" drains its own pending entries first.
  std::vector<StreamEntry> again = this->Read("a", 100, "0");
  EXPECT_EQ(this->IdsOf(again), this->Slice(ids, 0, 3));
  EXPECT_EQ(again[1].fields, this->Job(1));
  EXPECT_EQ(this->IdsOf(this->Read("a", 1, "0")), this->Slice(ids, 0, 1));       // COUNT applies
  EXPECT_EQ(this->IdsOf(this->Read("a", 100, ids[1])), this->Slice(ids, 2, 3));  // after an id

  const std::vector<std::string> first = {ids[0]};
  ASSERT_EQ(*this->con().Ack(this->stream_, this->kGroup, first, this->cmd_), 1);
  EXPECT_EQ(this->IdsOf(this->Read("a", 100, "0")), this->Slice(ids, 1, 3));

  PendingQuery query;
  query.consumer = "a";
  absl::StatusOr<std::vector<PendingEntry>> entries =
      this->con().PendingEntries(this->stream_, this->kGroup, query, this->cmd_);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  // ids[1]: read with ">", then by three history reads ("0", after ids[1] excluded it, "0").
  EXPECT_EQ((*entries)[0].id, ids[1]);
  EXPECT_EQ((*entries)[0].deliveries, 3);
  EXPECT_EQ((*entries)[1].deliveries, 4);
}

TYPED_TEST_P(StreamContractTest, AutoClaimTakesOverEntriesOfADeadConsumer) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(5);
  ASSERT_EQ(this->Read("dead", 5).size(), 5u);  // and then it crashes

  absl::StatusOr<AutoClaimResult> early = this->con().AutoClaim(
      this->stream_, this->kGroup, "alive", this->kMinIdle, "0-0", 100, this->cmd_);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_TRUE(early->entries.empty());
  EXPECT_EQ(early->next_cursor, "0-0");

  this->env_.AdvanceTime(this->kMinIdle + absl::Milliseconds(50));
  absl::StatusOr<AutoClaimResult> claimed = this->con().AutoClaim(
      this->stream_, this->kGroup, "alive", this->kMinIdle, "0-0", 100, this->cmd_);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(this->IdsOf(claimed->entries), ids);
  EXPECT_EQ(claimed->entries[2].fields, this->Job(2));
  EXPECT_EQ(claimed->next_cursor, "0-0");
  EXPECT_TRUE(claimed->deleted_ids.empty());

  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok());
  EXPECT_THAT(pending->consumers,
              ::testing::ElementsAre(std::pair<std::string, int64_t>("alive", 5)));
  absl::StatusOr<std::vector<PendingEntry>> entries =
      this->con().PendingEntries(this->stream_, this->kGroup, PendingQuery{}, this->cmd_);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[0].consumer, "alive");
  EXPECT_EQ((*entries)[0].deliveries, 2);
  EXPECT_LT((*entries)[0].idle, this->kMinIdle);  // claiming reset the idle time

  // The new owner acks; nothing is left to claim.
  absl::StatusOr<int64_t> acked = this->con().Ack(this->stream_, this->kGroup, ids, this->cmd_);
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(*acked, 5);
  EXPECT_EQ(this->con().Pending(this->stream_, this->kGroup, this->cmd_)->count, 0);
}

TYPED_TEST_P(StreamContractTest, AutoClaimPagesWithCursor) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(5);
  ASSERT_EQ(this->Read("dead", 5).size(), 5u);
  std::vector<std::string> claimed;
  std::string cursor = "0-0";
  std::vector<std::string> cursors;
  do {
    absl::StatusOr<AutoClaimResult> page = this->con().AutoClaim(
        this->stream_, this->kGroup, "alive", absl::ZeroDuration(), cursor, 2, this->cmd_);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->entries.size(), 2u);
    for (const StreamEntry& e : page->entries) claimed.push_back(e.id);
    cursor = page->next_cursor;
    cursors.push_back(cursor);
  } while (cursor != "0-0" && cursors.size() < 10);
  EXPECT_EQ(claimed, ids);
  EXPECT_EQ(cursors, (std::vector<std::string>{ids[2], ids[4], "0-0"}));
}

TYPED_TEST_P(StreamContractTest, PendingEntriesFiltersByIdleConsumerAndRange) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(4);
  ASSERT_EQ(this->Read("a", 2).size(), 2u);
  this->env_.AdvanceTime(this->kMinIdle + absl::Milliseconds(50));
  ASSERT_EQ(this->Read("b", 2).size(), 2u);

  PendingQuery idle;
  idle.min_idle = this->kMinIdle;
  absl::StatusOr<std::vector<PendingEntry>> old =
      this->con().PendingEntries(this->stream_, this->kGroup, idle, this->cmd_);
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_EQ(old->size(), 2u);
  EXPECT_EQ((*old)[0].id, ids[0]);
  EXPECT_EQ((*old)[0].consumer, "a");
  EXPECT_GE((*old)[0].idle, this->kMinIdle);
  EXPECT_EQ((*old)[0].deliveries, 1);

  PendingQuery of_b;
  of_b.consumer = "b";
  absl::StatusOr<std::vector<PendingEntry>> b =
      this->con().PendingEntries(this->stream_, this->kGroup, of_b, this->cmd_);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].id, ids[2]);

  PendingQuery range;
  range.start = absl::StrCat("(", ids[0]);
  range.end = ids[2];
  range.count = 10;
  absl::StatusOr<std::vector<PendingEntry>> middle =
      this->con().PendingEntries(this->stream_, this->kGroup, range, this->cmd_);
  ASSERT_TRUE(middle.ok()) << middle.status();
  ASSERT_EQ(middle->size(), 2u);
  EXPECT_EQ((*middle)[0].id, ids[1]);
  EXPECT_EQ((*middle)[1].id, ids[2]);

  PendingQuery first;
  first.count = 1;
  EXPECT_EQ(this->con().PendingEntries(this->stream_, this->kGroup, first, this->cmd_)->size(), 1u);
}

TYPED_TEST_P(StreamContractTest, DeadLetterMovesEntryAndAcksIt) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  std::vector<std::string> ids = this->PublishJobs(2);
  std::vector<StreamEntry> read = this->Read("a", 2);
  ASSERT_EQ(read.size(), 2u);

  const std::string dead = this->env_.Key("dead");
  Fields fields = read[0].fields;
  fields.emplace_back("reason", "too many attempts");
  fields.emplace_back("source_id", read[0].id);
  absl::StatusOr<std::string> dead_id =
      this->con().DeadLetter(this->stream_, this->kGroup, read[0].id, dead, fields, {}, this->cmd_);
  ASSERT_TRUE(dead_id.ok()) << dead_id.status();

  EXPECT_EQ(*this->con().Len(dead, this->cmd_), 1);
  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->count, 1);
  EXPECT_EQ(pending->min_id, ids[1]);

  // The dead-letter stream is a stream like any other: an operator tool reads it with a group.
  ASSERT_TRUE(this->con().EnsureGroup(dead, "ops", "0", this->cmd_).ok());
  ReadGroupOptions all;
  absl::StatusOr<std::vector<StreamEntry>> dead_entries =
      this->con().ReadGroup(dead, "ops", "tool", all, this->cmd_);
  ASSERT_TRUE(dead_entries.ok());
  ASSERT_EQ(dead_entries->size(), 1u);
  EXPECT_EQ((*dead_entries)[0].id, *dead_id);
  EXPECT_EQ((*dead_entries)[0].fields, fields);

  EXPECT_EQ(this->con()
                .DeadLetter(this->stream_, this->kGroup, read[1].id, dead, Fields{}, {}, this->cmd_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StreamContractTest, DeadLetterMaxLenBoundsTheDeadStream) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  this->PublishJobs(1000);
  std::vector<StreamEntry> read = this->Read("a", 1000);
  ASSERT_EQ(read.size(), 1000u);

  const std::string dead = this->env_.Key("dead");
  PublishOptions bounded;
  bounded.max_len = 100;
  std::string last_dead_id;
  for (const StreamEntry& entry : read) {
    absl::StatusOr<std::string> dead_id = this->con().DeadLetter(
        this->stream_, this->kGroup, entry.id, dead, entry.fields, bounded, this->cmd_);
    ASSERT_TRUE(dead_id.ok()) << dead_id.status();
    last_dead_id = *dead_id;
  }
  absl::StatusOr<int64_t> len = this->con().Len(dead, this->cmd_);
  ASSERT_TRUE(len.ok());
  EXPECT_GE(*len, 100);
  EXPECT_LE(*len, 200);  // "~": whole macro-nodes (100 entries by default)
  // Every entry was still acknowledged, and the newest dead letter is kept.
  absl::StatusOr<PendingSummary> pending =
      this->con().Pending(this->stream_, this->kGroup, this->cmd_);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->count, 0);
  ASSERT_TRUE(this->con().EnsureGroup(dead, "ops", "0", this->cmd_).ok());
  ReadGroupOptions all;
  all.count = 1000;
  absl::StatusOr<std::vector<StreamEntry>> kept =
      this->con().ReadGroup(dead, "ops", "tool", all, this->cmd_);
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_FALSE(kept->empty());
  EXPECT_EQ(kept->back().id, last_dead_id);
  EXPECT_EQ(kept->back().fields, read.back().fields);

  // max_len 0: unbounded, as before.
  const std::string unbounded = this->env_.Key("dead_unbounded");
  this->PublishJobs(300, 1000);
  std::vector<StreamEntry> more = this->Read("a", 300);
  ASSERT_EQ(more.size(), 300u);
  for (const StreamEntry& entry : more) {
    ASSERT_TRUE(this->con()
                    .DeadLetter(this->stream_, this->kGroup, entry.id, unbounded, entry.fields, {},
                                this->cmd_)
                    .ok());
  }
  EXPECT_EQ(*this->con().Len(unbounded, this->cmd_), 300);
}

TYPED_TEST_P(StreamContractTest, BlockingReadWakesOnPublishOrTimesOut) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "$", this->cmd_).ok());
  ReadGroupOptions read;
  read.count = 10;
  read.block = absl::Milliseconds(150);
  absl::Time start = absl::Now();
  absl::StatusOr<std::vector<StreamEntry>> nothing =
      this->env_.blocking_consumer().ReadGroup(this->stream_, this->kGroup, "c", read, this->cmd_);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_TRUE(nothing->empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(140));

  read.block = absl::Seconds(5);
  std::thread publisher([this] {
    absl::SleepFor(absl::Milliseconds(100));
    this->PublishJobs(1);
  });
  start = absl::Now();
  absl::StatusOr<std::vector<StreamEntry>> woke =
      this->env_.blocking_consumer().ReadGroup(this->stream_, this->kGroup, "c", read, this->cmd_);
  publisher.join();
  ASSERT_TRUE(woke.ok()) << woke.status();
  ASSERT_EQ(woke->size(), 1u);
  EXPECT_EQ((*woke)[0].fields, this->Job(0));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TYPED_TEST_P(StreamContractTest, RejectsBadArguments) {
  ASSERT_TRUE(this->con().EnsureGroup(this->stream_, this->kGroup, "0", this->cmd_).ok());
  ReadGroupOptions read;
  read.count = 0;
  EXPECT_EQ(
      this->con().ReadGroup(this->stream_, this->kGroup, "c", read, this->cmd_).status().code(),
      absl::StatusCode::kInvalidArgument);
  read.count = 1;
  read.start_id = "bogus";
  EXPECT_EQ(
      this->con().ReadGroup(this->stream_, this->kGroup, "c", read, this->cmd_).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      this->con()
          .AutoClaim(this->stream_, this->kGroup, "c", absl::ZeroDuration(), "0-0", 0, this->cmd_)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->con().EnsureGroup(this->stream_, "other", "bogus", this->cmd_).code(),
            absl::StatusCode::kInvalidArgument);
}

REGISTER_TYPED_TEST_SUITE_P(StreamContractTest, PublishesThousandEntriesInOneCall,
                            MaxLenTrimsButNeverBelowTheLimit, PublishRejectsEntriesWithoutFields,
                            EnsureGroupCreatesStreamAndIsIdempotent,
                            GroupFromDollarSkipsEarlierEntries, MissingGroupIsNotFound,
                            GroupDeliversEachEntryToOneConsumer, AckRemovesOnlyPendingEntries,
                            HistoryReadReturnsOwnPendingEntriesAndCountsDelivery,
                            AutoClaimTakesOverEntriesOfADeadConsumer, AutoClaimPagesWithCursor,
                            PendingEntriesFiltersByIdleConsumerAndRange,
                            DeadLetterMovesEntryAndAcksIt, DeadLetterMaxLenBoundsTheDeadStream,
                            BlockingReadWakesOnPublishOrTimesOut, RejectsBadArguments);

}  // namespace ntf::redis
