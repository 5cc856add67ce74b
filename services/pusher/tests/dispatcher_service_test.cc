// The dispatcher's batch processing: decoding, poison jobs, loading, skips and routing.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/primitives.h"
#include "services/pusher/src/dispatcher.h"
#include "services/pusher/tests/service_fakes.h"

namespace ntf::pusher {
namespace {

using testing::Answered;
using testing::FakeJobStream;
using testing::FakePushStore;
using testing::FakeSender;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : policy_(RetryPolicyConfig{.max_attempts = 3}),
        ok_([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); }),
        apns_sender_(ok_script()),
        fcm_sender_(ok_script()),
        local_sender_(ok_script()) {}

  static FakeSender::Script ok_script() {
    return [](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); };
  }

  void SetUp() override { Build(DispatcherOptions{.max_deliveries = 5}); }
  void Build(DispatcherOptions options) {
    auto lane = [&](Lane which, FakeSender& sender, FakeJobStream& stream, int held) {
      auto w = std::make_unique<JobWorker>(
          JobWorkerOptions{.lane = which, .max_in_flight = 10, .max_held = held}, sender, stream,
          store_, held_, policy_, metrics_, common::RealClock(),
          common::Logger("test", common::LogLevel::kError));
      w->Start();
      return w;
    };
    apns_ = lane(Lane::kApns, apns_sender_, apns_stream_, 2);
    fcm_ = lane(Lane::kFcm, fcm_sender_, fcm_stream_, 100);
    local_ = lane(Lane::kLocal, local_sender_, local_stream_, 100);
    dispatcher_ = std::make_unique<Dispatcher>(
        options, reader_, store_,
        Lanes{.apns = apns_.get(), .fcm = fcm_.get(), .local = local_.get()}, held_, metrics_,
        common::RealClock(), common::Logger("test", common::LogLevel::kError));
  }
  void TearDown() override {
    for (JobWorker* w : {apns_.get(), fcm_.get(), local_.get()}) {
      w->Drain(absl::Now() + absl::Seconds(5));
    }
  }

  wire::Bytes AddToken(wire::PushProvider provider, wire::TokenState state) {
    wire::Bytes id = crypto::RandomBytes(24);
    store_.AddToken({.token_id = id,
                     .device = {.provider = provider, .token = {'a', 'b'}},
                     .dh_secret = crypto::DhSecret::FromRaw(crypto::RandomBytes(32)).value(),
                     .reg_code = crypto::RandomBytes(32),
                     .status = {.state = state}});
    return id;
  }
  void AddNotification(int64_t id, const wire::Bytes& token) {
    OutboxNotification n;
    n.notification_id = id;
    n.token_id = token;
    n.data.smp_server = {.hosts = {"smp.example.com"}, .key_hash = wire::Bytes(32, 1)};
    n.data.notifier_id = wire::Bytes(24, 1);
    n.data.nonce = wire::Bytes(24, 2);
    n.data.enc_meta = wire::Bytes(144, 3);
    store_.AddNotification(n);
  }
  static JobEntry Entry(std::string id, PushKind kind, const wire::Bytes& token,
                        std::vector<int64_t> notes = {}, int64_t deliveries = 1) {
    return {.id = std::move(id),
            .fields =
                push_job::EncodeEntry(push_job::NewJob(kind, token, std::move(notes), absl::Now())),
            .deliveries = deliveries};
  }

  prometheus::Registry registry_;
  PusherMetrics metrics_{registry_};
  RetryPolicy policy_;
  FakeSender::Script ok_;
  FakeSender apns_sender_, fcm_sender_, local_sender_;
  FakeJobStream reader_, apns_stream_, fcm_stream_, local_stream_;
  FakePushStore store_;
  HeldJobs held_;
  std::unique_ptr<JobWorker> apns_, fcm_, local_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, RoutesByProvider) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  const wire::Bytes fcm = AddToken(wire::PushProvider::kFcm, wire::TokenState::kActive);
  const wire::Bytes null = AddToken(wire::PushProvider::kApnsNull, wire::TokenState::kRegistered);
  dispatcher_->ProcessForTest({Entry("1-0", PushKind::kCheckMessages, apns),
                               Entry("2-0", PushKind::kCheckMessages, fcm),
                               Entry("3-0", PushKind::kVerification, null)});
  ASSERT_TRUE(apns_stream_.WaitForAcks(1, absl::Seconds(5)));
  ASSERT_TRUE(fcm_stream_.WaitForAcks(1, absl::Seconds(5)));
  ASSERT_TRUE(local_stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(apns_stream_.acked(), std::vector<std::string>{"1-0"});
  EXPECT_EQ(fcm_stream_.acked(), std::vector<std::string>{"2-0"});
  EXPECT_EQ(local_stream_.acked(), std::vector<std::string>{"3-0"});
  EXPECT_EQ(dispatcher_->routed(), 3);
  // One load for the batch, whatever its lanes.
  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_NE(text.find("ntf_pusher_batch_load_seconds_count 1"), std::string::npos) << text;
}

TEST_F(DispatcherTest, SkipsWhatMustNotBePushed) {
  const wire::Bytes registered =
      AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kRegistered);
  const wire::Bytes active = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  AddNotification(10, registered);
  dispatcher_->ProcessForTest({
      Entry("1-0", PushKind::kMessage, registered, {10}),  // token not ACTIVE
      Entry("2-0", PushKind::kMessage, active, {99}),      // notification gone
      Entry("3-0", PushKind::kVerification, {9, 9, 9}),    // token gone
      Entry("4-0", PushKind::kCheckMessages, registered),  // token not ACTIVE
  });
  ASSERT_TRUE(local_stream_.WaitForAcks(4, absl::Seconds(5)));
  EXPECT_EQ(apns_sender_.sends(), 0);
  EXPECT_EQ(local_sender_.sends(), 0);
  bool failed_10 = false;
  for (const OutcomeBatch& b : store_.applied()) {
    for (int64_t id : b.failed) failed_10 |= id == 10;
  }
  EXPECT_TRUE(failed_10);
}

TEST_F(DispatcherTest, VerificationGoesWhateverTheStatus) {
  const wire::Bytes invalid = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kInvalid);
  dispatcher_->ProcessForTest({Entry("1-0", PushKind::kVerification, invalid)});
  ASSERT_TRUE(apns_stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(apns_sender_.sends(), 1);
}

TEST_F(DispatcherTest, DeadLettersWhatIsNotAJob) {
  dispatcher_->ProcessForTest({{.id = "1-0", .fields = {{"job", "garbage"}}, .deliveries = 1}});
  ASSERT_EQ(reader_.dead().size(), 1u);
  const std::vector<FakeJobStream::Dead> dead = reader_.dead();
  std::map<std::string, std::string> fields(dead[0].fields.begin(), dead[0].fields.end());
  EXPECT_EQ(fields["reason"], "undecodable");
}

TEST_F(DispatcherTest, DeadLettersJobsHandedOutTooOften) {
  const wire::Bytes active = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  dispatcher_->ProcessForTest({Entry("1-0", PushKind::kMessage, active, {5}, /*deliveries=*/6)});
  ASSERT_EQ(reader_.dead().size(), 1u);
  EXPECT_EQ(apns_sender_.sends(), 0);
  ASSERT_EQ(store_.applied().size(), 1u);
  EXPECT_EQ(store_.applied()[0].failed, std::vector<int64_t>{5});
}

TEST_F(DispatcherTest, AcknowledgesEntriesTrimmedWhilePending) {
  dispatcher_->ProcessForTest({{.id = "1-0", .fields = {}, .deliveries = 2}});
  EXPECT_EQ(reader_.acked(), std::vector<std::string>{"1-0"});
}

TEST_F(DispatcherTest, FullLaneParksJobsWithoutBlockingTheOthers) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  const wire::Bytes fcm = AddToken(wire::PushProvider::kFcm, wire::TokenState::kActive);
  apns_sender_.HoldAnswers(true);  // the APNs lane (max_held 2) fills up
  dispatcher_->ProcessForTest(
      {Entry("1-0", PushKind::kCheckMessages, apns), Entry("2-0", PushKind::kCheckMessages, apns),
       Entry("3-0", PushKind::kCheckMessages, apns), Entry("4-0", PushKind::kCheckMessages, fcm)});
  ASSERT_TRUE(fcm_stream_.WaitForAcks(1, absl::Seconds(5)));  // FCM does not wait for APNs
  EXPECT_EQ(dispatcher_->routed(), 3);  // 3-0 is parked: still held, not yet in the lane
  std::vector<std::string> held = held_.Snapshot();
  EXPECT_EQ(std::count(held.begin(), held.end(), "3-0"), 1);
  dispatcher_->ReofferForTest();  // the lane is still full: nothing moves
  EXPECT_EQ(dispatcher_->routed(), 3);
  apns_sender_.ReleaseHeld();
  ASSERT_TRUE(apns_stream_.WaitForAcks(2, absl::Seconds(5)));
  // Room again: the parked job goes to the lane at once, without waiting claim_idle.
  for (int i = 0; i < 500 && dispatcher_->routed() < 4; ++i) {
    dispatcher_->ReofferForTest();
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(dispatcher_->routed(), 4);
  apns_sender_.ReleaseHeld();
  ASSERT_TRUE(apns_stream_.WaitForAcks(3, absl::Seconds(5)));
}

// The reader loop against a lane that is busy but moving: it waits for the lane to take its
// parked jobs instead of reading on, parking more and refusing them (each refused job would
// cost a Reclaim and a second load).
class ReaderLoopTest : public DispatcherTest {
 protected:
  // Generous pacing windows: on a loaded machine a lane of 2 can take tens of milliseconds to
  // move, which must not count as stuck here.
  void SetUp() override {
    Build(DispatcherOptions{.read_batch = 10,
                            .max_parked_per_lane = 20,
                            .max_read_pause = absl::Seconds(2),
                            .lane_stall = absl::Seconds(1)});
  }
};

TEST_F(ReaderLoopTest, WaitsForABusyLaneInsteadOfRefusingItsJobs) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  std::vector<JobEntry> entries;
  for (int i = 1; i <= 300; ++i) {
    entries.push_back(Entry(absl::StrCat(i, "-0"), PushKind::kCheckMessages, apns));
  }
  reader_.QueueForRead(std::move(entries));
  dispatcher_->Start(nullptr);  // the APNs lane holds 2 jobs at a time and answers at once
  ASSERT_TRUE(apns_stream_.WaitForAcks(300, absl::Seconds(30)));
  dispatcher_->Stop();
  size_t reclaimed = 0;
  for (const auto& call : reader_.reclaims()) reclaimed += call.ids.size();
  // Reading on would refuse most of the 300 and take them back one by one; a pause cut short
  // by a slow machine refuses at most a batch or so.
  EXPECT_LE(reclaimed, 30u);
  EXPECT_EQ(dispatcher_->routed(), 300);
}

// A stuck lane does not pause reading: the jobs of the other lanes behind its own are read.
TEST_F(ReaderLoopTest, ReadsPastAStuckLane) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  const wire::Bytes fcm = AddToken(wire::PushProvider::kFcm, wire::TokenState::kActive);
  apns_sender_.HoldAnswers(true);
  std::vector<JobEntry> entries;
  for (int i = 1; i <= 200; ++i) {
    entries.push_back(Entry(absl::StrCat(i, "-0"), PushKind::kCheckMessages, apns));
  }
  for (int i = 201; i <= 205; ++i) {
    entries.push_back(Entry(absl::StrCat(i, "-0"), PushKind::kCheckMessages, fcm));
  }
  reader_.QueueForRead(std::move(entries));
  dispatcher_->Start(nullptr);
  EXPECT_TRUE(fcm_stream_.WaitForAcks(5, absl::Seconds(10)));
  dispatcher_->Stop();
  apns_sender_.ReleaseHeld();
}

// Reads `entries` through the fake stream (so it knows them as pending) and processes them.
class RefetchTest : public DispatcherTest {
 protected:
  void SetUp() override { Build(DispatcherOptions{.max_deliveries = 5, .max_parked_per_lane = 1}); }
  void Read(std::vector<JobEntry> entries) {
    const size_t n = entries.size();
    reader_.QueueForRead(std::move(entries));
    absl::StatusOr<std::vector<JobEntry>> read =
        reader_.ReadNew(static_cast<int64_t>(n), absl::ZeroDuration());
    ASSERT_TRUE(read.ok());
    dispatcher_->ProcessForTest(*std::move(read));
  }
  // Reoffer + Refetch, as the reader loop does, until `routed` jobs went to lanes.
  bool RouteUntil(int64_t routed) {
    for (int i = 0; i < 500 && dispatcher_->routed() < routed; ++i) {
      dispatcher_->ReofferForTest();
      dispatcher_->RefetchForTest();
      absl::SleepFor(absl::Milliseconds(10));
    }
    return dispatcher_->routed() == routed;
  }
};

TEST_F(RefetchTest, RefusedJobsBeyondTheParkedOnesAreTakenBackAsSoonAsTheLaneHasRoom) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  const wire::Bytes fcm = AddToken(wire::PushProvider::kFcm, wire::TokenState::kActive);
  apns_sender_.HoldAnswers(true);  // the APNs lane (max_held 2) fills up
  Read({Entry("1-0", PushKind::kCheckMessages, apns), Entry("2-0", PushKind::kCheckMessages, apns),
        Entry("3-0", PushKind::kCheckMessages, apns), Entry("4-0", PushKind::kCheckMessages, apns),
        Entry("5-0", PushKind::kCheckMessages, apns), Entry("6-0", PushKind::kCheckMessages, fcm)});
  ASSERT_TRUE(fcm_stream_.WaitForAcks(1, absl::Seconds(5)));  // FCM does not wait for APNs
  EXPECT_EQ(dispatcher_->routed(), 3);  // 1-0, 2-0 and 6-0; 3-0 parked; 4-0, 5-0 let go
  std::vector<std::string> held = held_.Snapshot();
  EXPECT_EQ(std::count(held.begin(), held.end(), "3-0"), 1);
  EXPECT_EQ(std::count(held.begin(), held.end(), "4-0"), 0);  // not kept owned any more
  dispatcher_->RefetchForTest();  // the lane is still full: nothing is taken back
  EXPECT_TRUE(reader_.reclaims().empty());

  absl::SleepFor(absl::Milliseconds(50));
  apns_sender_.ReleaseHeld();  // answers from now on come at once
  ASSERT_TRUE(RouteUntil(6));
  ASSERT_TRUE(apns_stream_.WaitForAcks(5, absl::Seconds(5)));
  // Taken back by id, oldest first, after the parked job.
  std::vector<FakeJobStream::ReclaimCall> calls = reader_.reclaims();
  ASSERT_FALSE(calls.empty());
  std::vector<std::string> ids;
  for (const auto& c : calls) ids.insert(ids.end(), c.ids.begin(), c.ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"4-0", "5-0"}));
  EXPECT_TRUE(reader_.dead().empty());  // re-deliveries of refused jobs are not a crash loop
}

TEST_F(RefetchTest, RefusedJobTakenOverByAnotherReplicaIsLeftToIt) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  apns_sender_.HoldAnswers(true);
  Read({Entry("1-0", PushKind::kCheckMessages, apns), Entry("2-0", PushKind::kCheckMessages, apns),
        Entry("3-0", PushKind::kCheckMessages, apns),
        Entry("4-0", PushKind::kCheckMessages, apns)});
  EXPECT_EQ(dispatcher_->routed(), 2);
  reader_.TakeOverForTest("4-0");  // its XAUTOCLAIM got there first
  apns_sender_.ReleaseHeld();
  ASSERT_TRUE(RouteUntil(3));  // the parked 3-0
  ASSERT_TRUE(apns_stream_.WaitForAcks(3, absl::Seconds(5)));
  for (int i = 0; i < 10; ++i) {
    dispatcher_->ReofferForTest();
    dispatcher_->RefetchForTest();
  }
  EXPECT_EQ(dispatcher_->routed(), 3);  // 4-0 is not delivered here as well
  ASSERT_EQ(reader_.reclaims().size(), 1u);
  EXPECT_EQ(reader_.reclaims()[0].ids, std::vector<std::string>{"4-0"});
  dispatcher_->RefetchForTest();
  EXPECT_EQ(reader_.reclaims().size(), 1u);  // and forgotten
}

TEST_F(RefetchTest, UnroutedJobsAreHandedBackOnStop) {
  const wire::Bytes apns = AddToken(wire::PushProvider::kApnsProd, wire::TokenState::kActive);
  apns_sender_.HoldAnswers(true);
  Read({Entry("1-0", PushKind::kCheckMessages, apns), Entry("2-0", PushKind::kCheckMessages, apns),
        Entry("3-0", PushKind::kCheckMessages, apns),
        Entry("4-0", PushKind::kCheckMessages, apns)});
  dispatcher_->Stop();
  std::vector<std::string> unrouted = dispatcher_->TakeUnrouted();
  std::sort(unrouted.begin(), unrouted.end());
  EXPECT_EQ(unrouted, (std::vector<std::string>{"3-0", "4-0"}));
  std::vector<std::string> held = held_.Snapshot();
  EXPECT_EQ(std::count(held.begin(), held.end(), "3-0"), 0);
  apns_sender_.ReleaseHeld();
}

}  // namespace
}  // namespace ntf::pusher
