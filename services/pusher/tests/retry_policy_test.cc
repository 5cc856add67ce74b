#include "services/pusher/src/retry_policy.h"

#include <gtest/gtest.h>

#include "services/pusher/tests/fakes.h"

namespace ntf::pusher {
namespace {

using Action = RetryDecision::Action;
using testing::FakeRandomSource;

TEST(RetryPolicyTest, CeilingGrowsExponentiallyUpToTheCap) {
  FakeRandomSource random({0.5});
  RetryPolicy policy({}, random);
  EXPECT_EQ(policy.BackoffCeiling(0), absl::Seconds(1));
  EXPECT_EQ(policy.BackoffCeiling(1), absl::Seconds(2));
  EXPECT_EQ(policy.BackoffCeiling(5), absl::Seconds(32));
  EXPECT_EQ(policy.BackoffCeiling(8), absl::Seconds(256));
  EXPECT_EQ(policy.BackoffCeiling(9), absl::Minutes(5));
  EXPECT_EQ(policy.BackoffCeiling(4000000000u), absl::Minutes(5));  // no overflow
}

TEST(RetryPolicyTest, FullJitterScalesTheCeiling) {
  FakeRandomSource random({0.0, 0.25, 0.999});
  RetryPolicy policy({.max_attempts = 10}, random);
  EXPECT_EQ(policy.OnFailure(3, std::nullopt).delay, absl::ZeroDuration());
  EXPECT_EQ(policy.OnFailure(3, std::nullopt).delay, absl::Seconds(2));
  const RetryDecision d = policy.OnFailure(3, std::nullopt);
  EXPECT_EQ(d.action, Action::kRetry);
  EXPECT_LT(d.delay, absl::Seconds(8));
  EXPECT_GT(d.delay, absl::Seconds(7.9));
}

TEST(RetryPolicyTest, DeadLettersAfterMaxAttempts) {
  FakeRandomSource random({0.5});
  RetryPolicy policy({.max_attempts = 3}, random);
  EXPECT_EQ(policy.OnFailure(0, std::nullopt).action, Action::kRetry);
  EXPECT_EQ(policy.OnFailure(1, std::nullopt).action, Action::kRetry);
  EXPECT_EQ(policy.OnFailure(2, std::nullopt).action, Action::kDeadLetter);
  EXPECT_EQ(policy.OnFailure(7, absl::Seconds(1)).action, Action::kDeadLetter);

  RetryPolicy once({.max_attempts = 1}, random);
  EXPECT_EQ(once.OnFailure(0, std::nullopt).action, Action::kDeadLetter);
}

TEST(RetryPolicyTest, RetryAfterIsAFloor) {
  FakeRandomSource random({0.5});
  RetryPolicy policy({.max_attempts = 10}, random);
  // Jitter gives 0.5 s; the provider asked for 30 s.
  EXPECT_EQ(policy.OnFailure(0, absl::Seconds(30)).delay, absl::Seconds(30));
  // Jitter gives 128 s, more than the provider's 10 s.
  EXPECT_EQ(policy.OnFailure(8, absl::Seconds(10)).delay, absl::Seconds(128));
  EXPECT_EQ(policy.OnFailure(0, absl::ZeroDuration()).delay, absl::Milliseconds(500));
}

TEST(RetryPolicyTest, RetryAfterIsCapped) {
  FakeRandomSource random({0.0});
  RetryPolicy policy({.max_retry_after = absl::Minutes(10)}, random);
  EXPECT_EQ(policy.OnFailure(0, absl::Hours(5)).delay, absl::Minutes(10));
  EXPECT_EQ(policy.OnFailure(0, absl::Seconds(-5)).delay, absl::ZeroDuration());
}

TEST(RetryPolicyTest, OutOfRangeRandomValuesAreClamped) {
  FakeRandomSource random({7.0, -1.0});
  RetryPolicy policy({}, random);
  EXPECT_EQ(policy.OnFailure(2, std::nullopt).delay, absl::Seconds(4));
  EXPECT_EQ(policy.OnFailure(2, std::nullopt).delay, absl::ZeroDuration());
}

TEST(RetryPolicyTest, DefaultRandomSourceStaysInRange) {
  RetryPolicy policy({.max_attempts = 100});
  for (int i = 0; i < 1000; ++i) {
    const RetryDecision d = policy.OnFailure(2, std::nullopt);
    ASSERT_EQ(d.action, Action::kRetry);
    ASSERT_GE(d.delay, absl::ZeroDuration());
    ASSERT_LT(d.delay, absl::Seconds(4));
  }
}

TEST(RetryPolicyTest, ConfigValidation) {
  EXPECT_TRUE(ValidateRetryPolicyConfig({}).ok());
  EXPECT_FALSE(ValidateRetryPolicyConfig({.max_attempts = 0}).ok());
  EXPECT_FALSE(ValidateRetryPolicyConfig({.initial_backoff = absl::ZeroDuration()}).ok());
  EXPECT_FALSE(ValidateRetryPolicyConfig({.multiplier = 0.5}).ok());
  EXPECT_FALSE(ValidateRetryPolicyConfig(
                   {.initial_backoff = absl::Seconds(10), .max_backoff = absl::Seconds(5)})
                   .ok());
  EXPECT_FALSE(ValidateRetryPolicyConfig({.max_retry_after = absl::Seconds(-1)}).ok());
}

}  // namespace
}  // namespace ntf::pusher
