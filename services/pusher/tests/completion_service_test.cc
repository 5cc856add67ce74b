// PlanCompletion / PlanRetry / BuildPushContent and the stream entry codec.
#include <gtest/gtest.h>

#include <memory>

#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"
#include "ntf/wire/encoding.h"
#include "services/pusher/src/completion.h"

namespace ntf::pusher {
namespace {

using Action = CompletionPlan::Action;

class FixedRandom final : public RandomSource {
 public:
  double Uniform01() override { return 0.5; }
};

class CompletionTest : public ::testing::Test {
 protected:
  CompletionTest() : policy_(RetryPolicyConfig{.max_attempts = 3}, random_) {}

  Delivery Job(PushKind kind, uint32_t attempt = 0) {
    Delivery d;
    d.entry_id = "1-0";
    d.job.job_id = "job";
    d.job.kind = kind;
    d.attempt = attempt;
    d.target = std::make_shared<const PushTarget>(
        PushTarget{.token_id = {1}, .device = {.provider = wire::PushProvider::kApnsProd}});
    return d;
  }
  static SendResult Answer(OutcomeKind kind) {
    SendResult r;
    r.kind = SendResult::Kind::kAnswered;
    r.outcome.kind = kind;
    r.outcome.reason = "reason";
    return r;
  }
  static SendResult Local(SendResult::Kind kind) {
    SendResult r;
    r.kind = kind;
    return r;
  }

  FixedRandom random_;
  RetryPolicy policy_;
};

TEST_F(CompletionTest, DeliveredVerificationConfirmsTheToken) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kVerification), Answer(OutcomeKind::kDelivered), policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_EQ(plan.result, PushResult::kDelivered);
  EXPECT_TRUE(plan.confirm);
  EXPECT_FALSE(plan.notifications_delivered);
}

TEST_F(CompletionTest, DeliveredMessageMarksItsNotificationsDelivered) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kMessage), Answer(OutcomeKind::kDelivered), policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_FALSE(plan.confirm);
  EXPECT_TRUE(plan.notifications_delivered);
}

TEST_F(CompletionTest, ApnsNullIsDeliveredLocally) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kVerification), Local(SendResult::Kind::kLocalSuccess), policy_);
  EXPECT_EQ(plan.result, PushResult::kDelivered);
  EXPECT_TRUE(plan.confirm);
}

TEST_F(CompletionTest, InvalidTokenIsInvalidatedAndAcknowledged) {
  SendResult r = Answer(OutcomeKind::kTokenInvalid);
  r.outcome.invalid_reason = wire::InvalidReason::kUnregistered;
  CompletionPlan plan = PlanCompletion(Job(PushKind::kMessage), r, policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_EQ(plan.result, PushResult::kTokenInvalid);
  EXPECT_EQ(plan.invalidate, wire::InvalidReason::kUnregistered);
  EXPECT_TRUE(plan.notifications_failed);
}

TEST_F(CompletionTest, MalformedDeviceTokenIsInvalidBad) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kMessage), Local(SendResult::Kind::kBadDeviceToken), policy_);
  EXPECT_EQ(plan.invalidate, wire::InvalidReason::kBad);
}

TEST_F(CompletionTest, StaleUnregisteredIsDroppedWithoutTouchingTheToken) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kMessage), Answer(OutcomeKind::kDropped), policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_EQ(plan.result, PushResult::kDropped);
  EXPECT_FALSE(plan.invalidate.has_value());
}

TEST_F(CompletionTest, RetryableFailuresBackOffThenDeadLetter) {
  SendResult r = Answer(OutcomeKind::kRetry);
  CompletionPlan first = PlanCompletion(Job(PushKind::kMessage, 0), r, policy_);
  EXPECT_EQ(first.action, Action::kRetry);
  EXPECT_TRUE(first.counts_as_attempt);
  EXPECT_GT(first.delay, absl::ZeroDuration());
  // The third attempt (attempt 2) is the last of max_attempts = 3.
  CompletionPlan last = PlanCompletion(Job(PushKind::kMessage, 2), r, policy_);
  EXPECT_EQ(last.action, Action::kDeadLetter);
  EXPECT_EQ(last.dead_reason, DeadLetterReason::kAttempts);
  EXPECT_TRUE(last.notifications_failed);
}

TEST_F(CompletionTest, RetryAfterIsAFloor) {
  SendResult r = Answer(OutcomeKind::kRetry);
  r.outcome.retry_after = absl::Seconds(30);
  EXPECT_GE(PlanCompletion(Job(PushKind::kMessage), r, policy_).delay, absl::Seconds(30));
}

TEST_F(CompletionTest, TransportErrorsAreRetried) {
  EXPECT_EQ(
      PlanCompletion(Job(PushKind::kMessage), Local(SendResult::Kind::kTransportError), policy_)
          .action,
      Action::kRetry);
}

TEST_F(CompletionTest, RejectedCredentialIsRefreshedOnceThenRetried) {
  Delivery d = Job(PushKind::kMessage);
  SendResult r = Answer(OutcomeKind::kRefreshAuthAndRetry);
  EXPECT_EQ(PlanCompletion(d, r, policy_).action, Action::kRefreshAuth);
  d.auth_refreshed = true;
  CompletionPlan again = PlanCompletion(d, r, policy_);
  EXPECT_EQ(again.action, Action::kRetry);
  EXPECT_TRUE(again.counts_as_attempt);
}

TEST_F(CompletionTest, BusyClientRetriesWithoutCountingAnAttempt) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kMessage), Local(SendResult::Kind::kBusy), policy_);
  EXPECT_EQ(plan.action, Action::kRetry);
  EXPECT_FALSE(plan.counts_as_attempt);
  EXPECT_FALSE(plan.result.has_value());
}

TEST_F(CompletionTest, RefusedIsSentAgainAtOnceUncountedThenCountsAsATransportFailure) {
  Delivery d = Job(PushKind::kMessage);
  const SendResult refused = Local(SendResult::Kind::kRefused);
  CompletionPlan plan = PlanCompletion(d, refused, policy_);
  EXPECT_EQ(plan.action, Action::kRetry);
  EXPECT_EQ(plan.delay, absl::ZeroDuration());
  EXPECT_FALSE(plan.counts_as_attempt);
  EXPECT_FALSE(plan.result.has_value());
  EXPECT_EQ(plan.reason, "refused");
  d.refusal_resent = true;
  plan = PlanCompletion(d, refused, policy_);
  EXPECT_EQ(plan.action, Action::kRetry);
  EXPECT_TRUE(plan.counts_as_attempt);
  EXPECT_GT(plan.delay, absl::ZeroDuration());
}

TEST_F(CompletionTest, PermanentFailuresAndDisabledProvidersAreDeadLettered) {
  CompletionPlan permanent =
      PlanCompletion(Job(PushKind::kMessage), Answer(OutcomeKind::kPermanentFailure), policy_);
  EXPECT_EQ(permanent.action, Action::kDeadLetter);
  EXPECT_EQ(permanent.dead_reason, DeadLetterReason::kPermanent);
  CompletionPlan disabled =
      PlanCompletion(Job(PushKind::kMessage), Local(SendResult::Kind::kProviderDisabled), policy_);
  EXPECT_EQ(disabled.dead_reason, DeadLetterReason::kProviderDisabled);
}

TEST_F(CompletionTest, ExpiredPushesAreAcknowledged) {
  CompletionPlan plan =
      PlanCompletion(Job(PushKind::kMessage), Local(SendResult::Kind::kExpired), policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_EQ(plan.result, PushResult::kExpired);
  EXPECT_TRUE(plan.notifications_failed);
}

TEST_F(CompletionTest, SkippedJobsAreAcknowledgedWhateverTheResult) {
  Delivery d = Job(PushKind::kMessage);
  d.skip = SkipReason::kTokenNotActive;
  CompletionPlan plan = PlanCompletion(d, Answer(OutcomeKind::kDelivered), policy_);
  EXPECT_EQ(plan.action, Action::kAck);
  EXPECT_EQ(plan.result, PushResult::kSkipped);
  EXPECT_TRUE(plan.notifications_failed);
  EXPECT_EQ(plan.reason, "token_not_active");
}

TEST_F(CompletionTest, DeadLetterEntryIsReplayableAndSaysWhy) {
  Delivery d = Job(PushKind::kMessage, 2);
  d.job.token_id = {7, 7};
  d.job.notification_ids = {5};
  redis::Fields fields = DeadLetterFields(d, "attempts", "APNs 503", absl::FromUnixSeconds(10));
  absl::StatusOr<JobSpec> job = push_job::DecodeEntry(fields);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->notification_ids, std::vector<int64_t>{5});
  std::map<std::string, std::string> m(fields.begin(), fields.end());
  EXPECT_EQ(m["reason"], "attempts");
  EXPECT_EQ(m["attempts"], "3");
  EXPECT_EQ(m["source_id"], "1-0");
  EXPECT_EQ(m["provider"], "apns_prod");
}

TEST(PushContentTest, VerificationCarriesTheRegistrationCodeEncrypted) {
  Delivery d;
  d.job.kind = PushKind::kVerification;
  const wire::Bytes secret = crypto::RandomBytes(32);
  d.target = std::make_shared<const PushTarget>(PushTarget{
      .dh_secret = crypto::DhSecret::FromRaw(secret).value(), .reg_code = wire::Bytes(32, 0xab)});
  absl::StatusOr<PushContent> content = BuildPushContent(d);
  ASSERT_TRUE(content.ok()) << content.status();
  absl::StatusOr<crypto::DhSecret> key = crypto::DhSecret::FromRaw(secret);
  ASSERT_TRUE(key.ok());
  absl::StatusOr<wire::Bytes> plain = crypto::BoxDecryptPadded(*key, content->nonce, content->box);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, wire::Bytes(32, 0xab));
}

TEST(PushContentTest, MessageCarriesItsNotificationsOldestFirst) {
  Delivery d;
  d.job.kind = PushKind::kMessage;
  const wire::Bytes secret = crypto::RandomBytes(32);
  d.target = std::make_shared<const PushTarget>(
      PushTarget{.dh_secret = crypto::DhSecret::FromRaw(secret).value()});
  for (int i = 0; i < 2; ++i) {
    OutboxNotification n;
    n.notification_id = i + 1;
    n.data.smp_server = {.hosts = {"smp.example.com"}, .port = "", .key_hash = wire::Bytes(32, 1)};
    n.data.notifier_id = wire::Bytes(24, static_cast<uint8_t>(i));
    n.data.received_at = absl::FromUnixSeconds(1700000000 + i);
    n.data.nonce = wire::Bytes(24, 2);
    n.data.enc_meta = wire::Bytes(144, 3);
    d.notifications.push_back(n);
  }
  absl::StatusOr<PushContent> content = BuildPushContent(d);
  ASSERT_TRUE(content.ok()) << content.status();
  absl::StatusOr<crypto::DhSecret> key = crypto::DhSecret::FromRaw(secret);
  ASSERT_TRUE(key.ok());
  absl::StatusOr<wire::Bytes> plain = crypto::BoxDecryptPadded(*key, content->nonce, content->box);
  ASSERT_TRUE(plain.ok()) << plain.status();
  const std::string text(plain->begin(), plain->end());
  EXPECT_EQ(text, FormatPnMessageData(d.notifications[0].data) + ";" +
                      FormatPnMessageData(d.notifications[1].data));
}

// A stored secret of the wrong length leaves the target without one (push_store.cc): its
// encrypted pushes fail to build, a check-messages push needs no secret.
TEST(PushContentTest, TargetWithoutSecretBuildsOnlyCheckMessages) {
  Delivery d;
  d.target = std::make_shared<const PushTarget>(PushTarget{.reg_code = wire::Bytes(32, 0xab)});
  for (PushKind kind : {PushKind::kVerification, PushKind::kMessage}) {
    d.job.kind = kind;
    EXPECT_EQ(BuildPushContent(d).status().code(), absl::StatusCode::kInvalidArgument);
  }
  d.job.kind = PushKind::kCheckMessages;
  EXPECT_TRUE(BuildPushContent(d).ok());
}

}  // namespace
}  // namespace ntf::pusher
