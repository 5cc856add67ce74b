#pragma once

// When to try a failed push again: capped exponential backoff with full jitter, the provider's
// Retry-After as a floor, and a bounded number of attempts before the job goes to the
// dead-letter stream (design.md §4).
//
//   ceiling(a) = min(max_backoff, initial_backoff * multiplier^a)     a = PushJob.attempt
//   delay      = max(uniform[0, ceiling(a)), min(Retry-After, max_retry_after))

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ntf::pusher {

// Source of jitter. One real implementation (absl::BitGen behind a mutex) and a fake in tests.
// Thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // A uniformly distributed value in [0, 1).
  virtual double Uniform01() = 0;
};

// The process-wide real source. Never blocks (a short internal mutex only).
RandomSource& DefaultRandomSource();

struct RetryPolicyConfig {
  // Delivery attempts in total, the first included; a job whose last allowed attempt fails is
  // dead-lettered. Must be >= 1.
  uint32_t max_attempts = 8;
  // Backoff ceiling of the first retry. Must be > 0.
  absl::Duration initial_backoff = absl::Seconds(1);
  // Growth of the ceiling per attempt. Must be >= 1.
  double multiplier = 2.0;
  // Upper bound of the backoff ceiling. Must be >= initial_backoff.
  absl::Duration max_backoff = absl::Minutes(5);
  // A provider's Retry-After is honoured up to this long (FCM asks for 60 s and more on
  // QUOTA_EXCEEDED). Must be >= 0.
  absl::Duration max_retry_after = absl::Minutes(30);
};

// InvalidArgument naming the first field that breaks its rule above.
absl::Status ValidateRetryPolicyConfig(const RetryPolicyConfig& config);

struct RetryDecision {
  enum class Action { kRetry, kDeadLetter };
  Action action = Action::kDeadLetter;
  absl::Duration delay = absl::ZeroDuration();  // kRetry: wait this long, then attempt + 1
};

// Thread-safe (immutable; the random source is itself thread-safe). Never blocks.
class RetryPolicy {
 public:
  // `config` must be valid (ValidateRetryPolicyConfig); `random` must outlive the policy.
  explicit RetryPolicy(RetryPolicyConfig config, RandomSource& random = DefaultRandomSource());

  // The job's attempt number `attempt` (0 = first try, as in PushJob.attempt) failed
  // retryably; `retry_after` is the provider's, if it sent one. Dead-letters once
  // attempt + 1 >= max_attempts.
  RetryDecision OnFailure(uint32_t attempt, std::optional<absl::Duration> retry_after) const;

  // The jitter ceiling for `attempt` (exposed for tests and the README table).
  absl::Duration BackoffCeiling(uint32_t attempt) const;

  const RetryPolicyConfig& config() const { return config_; }

 private:
  const RetryPolicyConfig config_;
  RandomSource& random_;
};

}  // namespace ntf::pusher
