// A provider lane against fake ports: acknowledgement only after the outcome is stored,
// retries, dead letters, token state, credential refresh, capacity and drain.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "ntf/common/testing/wait.h"
#include "ntf/crypto/primitives.h"
#include "services/pusher/src/job_worker.h"
#include "services/pusher/tests/service_fakes.h"

namespace ntf::pusher {
namespace {

using testing::Answered;
using testing::FakeJobStream;
using testing::FakePushStore;
using testing::FakeSender;

class JobWorkerTest : public ::testing::Test {
 protected:
  void Build(FakeSender::Script script, JobWorkerOptions options = {}, uint32_t max_attempts = 3) {
    sender_ = std::make_unique<FakeSender>(std::move(script));
    policy_ =
        std::make_unique<RetryPolicy>(RetryPolicyConfig{.max_attempts = max_attempts,
                                                        .initial_backoff = absl::Milliseconds(5),
                                                        .multiplier = 2.0,
                                                        .max_backoff = absl::Milliseconds(20),
                                                        .max_retry_after = absl::Milliseconds(50)});
    options.lane = Lane::kApns;
    options.write_retry_min = absl::Milliseconds(1);
    options.write_retry_max = absl::Milliseconds(5);
    worker_ = std::make_unique<JobWorker>(options, *sender_, stream_, store_, held_, *policy_,
                                          metrics_, common::RealClock(),
                                          common::Logger("test", common::LogLevel::kError));
    worker_->Start();
  }
  void TearDown() override {
    if (worker_) worker_->Drain(absl::Now() + absl::Seconds(5));
    if (sender_) sender_->ReleaseHeld();
    worker_.reset();
  }

  std::unique_ptr<Delivery> Job(PushKind kind, std::string id, std::vector<int64_t> notes = {}) {
    auto d = std::make_unique<Delivery>();
    d->entry_id = id;
    d->job.job_id = "job-" + id;
    d->job.kind = kind;
    d->job.token_id = {1, 2, 3};
    d->target = std::make_shared<const PushTarget>(
        PushTarget{.token_id = {1, 2, 3},
                   .device = {.provider = wire::PushProvider::kApnsProd, .token = {'a', 'b'}},
                   .dh_secret = crypto::DhSecret::FromRaw(crypto::RandomBytes(32)).value(),
                   .reg_code = crypto::RandomBytes(32),
                   .status = {.state = wire::TokenState::kActive}});
    for (int64_t n : notes) {
      OutboxNotification row;
      row.notification_id = n;
      row.token_id = {1, 2, 3};
      row.data.smp_server = {.hosts = {"smp.example.com"}, .key_hash = wire::Bytes(32, 1)};
      row.data.notifier_id = wire::Bytes(24, 1);
      row.data.nonce = wire::Bytes(24, 2);
      row.data.enc_meta = wire::Bytes(144, 3);
      d->notifications.push_back(row);
    }
    held_.Add(id);
    return d;
  }
  void Offer(std::unique_ptr<Delivery> d) { ASSERT_EQ(worker_->Offer(std::move(d)), nullptr); }

  prometheus::Registry registry_;
  PusherMetrics metrics_{registry_};
  FakeJobStream stream_;
  FakePushStore store_;
  HeldJobs held_;
  std::unique_ptr<FakeSender> sender_;
  std::unique_ptr<RetryPolicy> policy_;
  std::unique_ptr<JobWorker> worker_;
};

TEST_F(JobWorkerTest, DeliveredVerificationIsConfirmedThenAcknowledged) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  auto job = Job(PushKind::kVerification, "1-0");
  PushTarget registered = *job->target;
  registered.status = {.state = wire::TokenState::kRegistered};
  job->target = std::make_shared<const PushTarget>(std::move(registered));
  Offer(std::move(job));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(stream_.acked(), std::vector<std::string>{"1-0"});
  ASSERT_EQ(store_.applied().size(), 1u);
  ASSERT_EQ(store_.applied()[0].confirmations.size(), 1u);
  EXPECT_EQ(store_.applied()[0].confirmations[0].device_token, (wire::Bytes{'a', 'b'}));
  // Released from the held set right after the ack.
  for (int i = 0; i < 500 && held_.size() != 0; ++i) absl::SleepFor(absl::Milliseconds(2));
  EXPECT_EQ(held_.size(), 0u);
}

TEST_F(JobWorkerTest, CompleterWaitsWithinTheLingerForAFullBatch) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        JobWorkerOptions{.complete_batch = 4, .complete_linger = absl::Seconds(30)});
  const absl::Time start = absl::Now();
  for (const char* id : {"1-0", "2-0", "3-0"}) Offer(Job(PushKind::kCheckMessages, id));
  absl::SleepFor(absl::Milliseconds(50));  // answered at once; three are not a full batch
  EXPECT_TRUE(stream_.acked().empty());
  Offer(Job(PushKind::kCheckMessages, "4-0"));
  ASSERT_TRUE(stream_.WaitForAcks(4, absl::Seconds(5)));
  EXPECT_EQ(stream_.ack_calls(), std::vector<size_t>{4});  // one XACK for the four
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));       // the full batch ended the wait
}

TEST_F(JobWorkerTest, DrainDoesNotWaitOutTheLinger) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        JobWorkerOptions{.complete_batch = 4, .complete_linger = absl::Seconds(30)});
  Offer(Job(PushKind::kCheckMessages, "1-0"));
  absl::SleepFor(absl::Milliseconds(20));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(worker_->Drain(start + absl::Seconds(10)).empty());
  EXPECT_EQ(stream_.acked(), std::vector<std::string>{"1-0"});
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A full in-flight window is refilled a batch at a time: one answer does not wake the sender
// to send one job (JobWorker::RoomForABatchLocked).
TEST_F(JobWorkerTest, FullWindowWaitsForRoomForABatch) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        JobWorkerOptions{.max_in_flight = 4, .send_batch = 2});
  sender_->HoldAnswers(true);
  for (const char* id : {"1-0", "2-0", "3-0", "4-0", "5-0", "6-0"}) {
    Offer(Job(PushKind::kCheckMessages, id));
  }
  ASSERT_TRUE(common::testing::WaitUntil([&] { return sender_->held_count() == 4; },
                                         absl::Seconds(5), absl::Milliseconds(2)));
  ASSERT_TRUE(sender_->ReleaseOne());  // room for one; two are ready: wait
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(sender_->sends(), 4);
  ASSERT_TRUE(sender_->ReleaseOne());  // room for both
  ASSERT_TRUE(common::testing::WaitUntil([&] { return sender_->sends() == 6; }, absl::Seconds(5),
                                         absl::Milliseconds(2)));
  EXPECT_EQ(sender_->batch_sizes().back(), 2);
  sender_->ReleaseHeld();
  ASSERT_TRUE(stream_.WaitForAcks(6, absl::Seconds(5)));
}

TEST_F(JobWorkerTest, OfferBatchTakesWhatFitsAndReturnsTheRestInOrder) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        JobWorkerOptions{.max_held = 2});
  sender_->HoldAnswers(true);  // nothing completes: the lane stays full
  std::vector<std::unique_ptr<Delivery>> jobs;
  for (const char* id : {"1-0", "2-0", "3-0", "4-0"}) {
    jobs.push_back(Job(PushKind::kCheckMessages, id));
  }
  std::vector<std::unique_ptr<Delivery>> rest = worker_->OfferBatch(std::move(jobs));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0]->entry_id, "3-0");
  EXPECT_EQ(rest[1]->entry_id, "4-0");
  EXPECT_EQ(worker_->FreeSlots(), 0);
  sender_->ReleaseHeld();
  ASSERT_TRUE(stream_.WaitForAcks(2, absl::Seconds(5)));
}

TEST_F(JobWorkerTest, ActiveTokenIsNotConfirmedAgain) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  Offer(Job(PushKind::kVerification, "1-0"));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  for (const OutcomeBatch& b : store_.applied()) EXPECT_TRUE(b.confirmations.empty());
}

TEST_F(JobWorkerTest, DeliveredMessageMarksNotificationsDelivered) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  Offer(Job(PushKind::kMessage, "1-0", {7, 8}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  ASSERT_FALSE(store_.applied().empty());
  EXPECT_EQ(store_.applied()[0].delivered, (std::vector<int64_t>{7, 8}));
}

TEST_F(JobWorkerTest, InvalidTokenIsStoredBeforeTheAck) {
  Build([](const Delivery&, int) {
    SendResult r = Answered(OutcomeKind::kTokenInvalid, "BadDeviceToken");
    r.outcome.invalid_reason = wire::InvalidReason::kBad;
    return r;
  });
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  const std::vector<OutcomeBatch> applied = store_.applied();
  ASSERT_EQ(applied.size(), 1u);
  const OutcomeBatch& b = applied[0];
  ASSERT_EQ(b.invalidations.size(), 1u);
  EXPECT_EQ(b.invalidations[0].status, (wire::TokenStatus{.state = wire::TokenState::kInvalid,
                                                          .reason = wire::InvalidReason::kBad}));
  EXPECT_EQ(b.failed, std::vector<int64_t>{7});
}

TEST_F(JobWorkerTest, RetryThenSuccess) {
  Build([](const Delivery&, int call) {
    return call < 3 ? Answered(OutcomeKind::kRetry, "http_503") : Answered(OutcomeKind::kDelivered);
  });
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(sender_->sends(), 3);
  EXPECT_EQ(stream_.acked(), std::vector<std::string>{"1-0"});
  EXPECT_TRUE(stream_.dead().empty());
}

TEST_F(JobWorkerTest, DeadLetterAfterMaxAttempts) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kRetry, "http_503"); }, {}, 3);
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(sender_->sends(), 3);
  ASSERT_EQ(stream_.dead().size(), 1u);
  const std::vector<FakeJobStream::Dead> dead = stream_.dead();
  std::map<std::string, std::string> fields(dead[0].fields.begin(), dead[0].fields.end());
  EXPECT_EQ(fields["reason"], "http_503");
  EXPECT_EQ(fields["attempts"], "3");
  EXPECT_TRUE(stream_.acked().empty());
  ASSERT_FALSE(store_.applied().empty());
  EXPECT_EQ(store_.applied().back().failed, std::vector<int64_t>{7});
}

TEST_F(JobWorkerTest, RejectedCredentialIsRefreshedOnceAndResent) {
  Build([](const Delivery&, int call) {
    return call == 1 ? Answered(OutcomeKind::kRefreshAuthAndRetry, "ExpiredProviderToken")
                     : Answered(OutcomeKind::kDelivered);
  });
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(sender_->refreshes(), 1);
  EXPECT_EQ(sender_->sends(), 2);
}

TEST_F(JobWorkerTest, CredentialRejectedTwiceFallsBackToRetries) {
  Build([](const Delivery&,
           int) { return Answered(OutcomeKind::kRefreshAuthAndRetry, "InvalidProviderToken"); },
        {}, 3);
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(sender_->refreshes(), 1);  // once per job
  EXPECT_EQ(stream_.dead().size(), 1u);
}

TEST_F(JobWorkerTest, NoAckUntilTheOutcomeIsStored) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  store_.FailApplies(3);
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(store_.apply_calls(), 4);
  EXPECT_EQ(sender_->sends(), 1);  // the push is not repeated, only the write
}

TEST_F(JobWorkerTest, FailedAckIsRetried) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  stream_.FailWrites(2, absl::UnavailableError("redis down"));
  Offer(Job(PushKind::kMessage, "1-0", {7}));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(stream_.acked(), std::vector<std::string>{"1-0"});
}

TEST_F(JobWorkerTest, RefusesJobsBeyondMaxHeld) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        {.max_in_flight = 1, .max_held = 2});
  sender_->HoldAnswers(true);
  Offer(Job(PushKind::kMessage, "1-0", {1}));
  Offer(Job(PushKind::kMessage, "2-0", {2}));
  EXPECT_EQ(worker_->FreeSlots(), 0);
  EXPECT_NE(worker_->Offer(Job(PushKind::kMessage, "3-0", {3})), nullptr);
  sender_->ReleaseHeld();
  ASSERT_TRUE(stream_.WaitForAcks(2, absl::Seconds(5)));
}

TEST_F(JobWorkerTest, RespectsMaxInFlight) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        {.max_in_flight = 2, .max_held = 100});
  sender_->HoldAnswers(true);
  for (int i = 0; i < 5; ++i) Offer(Job(PushKind::kMessage, std::to_string(i) + "-0", {i}));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(sender_->sends(), 2);
  EXPECT_EQ(worker_->depth().in_flight, 2);
  EXPECT_EQ(worker_->depth().queued, 3);
  sender_->HoldAnswers(false);
  sender_->ReleaseHeld();
  ASSERT_TRUE(stream_.WaitForAcks(5, absl::Seconds(5)));
}

TEST_F(JobWorkerTest, SenderTakesReadyJobsInBatches) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        {.max_in_flight = 100, .max_held = 100, .send_batch = 4});
  absl::Notification gate;
  sender_->GateNextBatch(&gate);
  Offer(Job(PushKind::kMessage, "0-0", {0}));
  for (int i = 0; i < 2000 && sender_->batch_sizes().empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(sender_->batch_sizes(), std::vector<int>{1});
  for (int i = 1; i <= 10; ++i) Offer(Job(PushKind::kMessage, absl::StrCat(i, "-0"), {i}));
  gate.Notify();  // the sender was busy with the first job while ten more arrived
  ASSERT_TRUE(stream_.WaitForAcks(11, absl::Seconds(5)));
  EXPECT_EQ(sender_->batch_sizes(), (std::vector<int>{1, 4, 4, 2}));
  EXPECT_EQ(sender_->sends(), 11);
}

TEST_F(JobWorkerTest, BatchesNeverExceedTheInFlightWindow) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        {.max_in_flight = 3, .max_held = 100, .send_batch = 64});
  sender_->HoldAnswers(true);
  for (int i = 0; i < 7; ++i) Offer(Job(PushKind::kMessage, absl::StrCat(i, "-0"), {i}));
  for (int i = 0; i < 2000 && sender_->held_count() < 3; ++i) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(sender_->sends(), 3);
  EXPECT_EQ(worker_->depth().in_flight, 3);
  for (int size : sender_->batch_sizes()) EXPECT_LE(size, 3);
  sender_->ReleaseHeld();
  ASSERT_TRUE(stream_.WaitForAcks(7, absl::Seconds(5)));
}

TEST_F(JobWorkerTest, DrainAcknowledgesWhatIsInFlightAndReleasesTheRest) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); },
        {.max_in_flight = 1, .max_held = 100});
  sender_->HoldAnswers(true);
  Offer(Job(PushKind::kMessage, "1-0", {1}));
  Offer(Job(PushKind::kMessage, "2-0", {2}));
  while (sender_->held_count() < 1) absl::SleepFor(absl::Milliseconds(1));
  std::thread answer([this] {
    absl::SleepFor(absl::Milliseconds(100));
    sender_->ReleaseHeld();
  });
  std::vector<std::string> released = worker_->Drain(absl::Now() + absl::Seconds(5));
  answer.join();
  EXPECT_EQ(stream_.acked(), std::vector<std::string>{"1-0"});
  EXPECT_EQ(released, std::vector<std::string>{"2-0"});
  EXPECT_EQ(held_.size(), 0u);
  EXPECT_EQ(worker_->Offer(Job(PushKind::kMessage, "3-0", {3})) != nullptr, true);
}

TEST_F(JobWorkerTest, SkippedJobsNeverReachTheSender) {
  Build([](const Delivery&, int) { return Answered(OutcomeKind::kDelivered); });
  auto job = Job(PushKind::kMessage, "1-0", {7});
  job->skip = SkipReason::kTokenNotActive;
  Offer(std::move(job));
  ASSERT_TRUE(stream_.WaitForAcks(1, absl::Seconds(5)));
  EXPECT_EQ(sender_->sends(), 0);
  EXPECT_EQ(store_.applied()[0].failed, std::vector<int64_t>{7});
}

}  // namespace
}  // namespace ntf::pusher
