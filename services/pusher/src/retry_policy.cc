#include "services/pusher/src/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace ntf::pusher {
namespace {

class BitGenRandomSource final : public RandomSource {
 public:
  // ntf::pusher::RandomSource
  double Uniform01() override {
    absl::MutexLock lock(&mu_);
    return absl::Uniform<double>(gen_, 0.0, 1.0);
  }

 private:
  absl::Mutex mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

RandomSource& DefaultRandomSource() {
  static RandomSource* const source = new BitGenRandomSource();
  return *source;
}

absl::Status ValidateRetryPolicyConfig(const RetryPolicyConfig& config) {
  if (config.max_attempts < 1) return absl::InvalidArgumentError("retry: max_attempts < 1");
  if (config.initial_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry: initial_backoff must be positive");
  }
  if (!(config.multiplier >= 1.0)) return absl::InvalidArgumentError("retry: multiplier < 1");
  if (config.max_backoff < config.initial_backoff) {
    return absl::InvalidArgumentError("retry: max_backoff < initial_backoff");
  }
  if (config.max_retry_after < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry: max_retry_after is negative");
  }
  return absl::OkStatus();
}

RetryPolicy::RetryPolicy(RetryPolicyConfig config, RandomSource& random)
    : config_(config), random_(random) {}

absl::Duration RetryPolicy::BackoffCeiling(uint32_t attempt) const {
  // In seconds as a double: multiplier^attempt overflows to inf long before it matters, and
  // the min() below caps it.
  const double ceiling = absl::ToDoubleSeconds(config_.initial_backoff) *
                         std::pow(config_.multiplier, static_cast<double>(attempt));
  const double cap = absl::ToDoubleSeconds(config_.max_backoff);
  return absl::Seconds(std::min(ceiling, cap));
}

RetryDecision RetryPolicy::OnFailure(uint32_t attempt,
                                     std::optional<absl::Duration> retry_after) const {
  if (static_cast<uint64_t>(attempt) + 1 >= config_.max_attempts) {
    return RetryDecision{.action = RetryDecision::Action::kDeadLetter};
  }
  const double u = std::clamp(random_.Uniform01(), 0.0, 1.0);
  absl::Duration delay = BackoffCeiling(attempt) * u;
  if (retry_after) {
    const absl::Duration floor =
        std::clamp(*retry_after, absl::ZeroDuration(), config_.max_retry_after);
    delay = std::max(delay, floor);
  }
  return RetryDecision{.action = RetryDecision::Action::kRetry, .delay = delay};
}

}  // namespace ntf::pusher
