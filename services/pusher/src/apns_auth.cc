#include "services/pusher/src/apns_auth.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

// Apple: "refresh your token no more than once every 20 minutes and no less than once every
// 60 minutes".
constexpr absl::Duration kMinRefreshInterval = absl::Minutes(20);
constexpr absl::Duration kMaxTokenAge = absl::Minutes(60);

}  // namespace

absl::Status ValidateApnsAuthConfig(const ApnsAuthConfig& config) {
  if (config.key_id.empty()) return absl::InvalidArgumentError("apns: key_id is required");
  if (config.team_id.empty()) return absl::InvalidArgumentError("apns: team_id is required");
  if (config.refresh_after < kMinRefreshInterval) {
    return absl::InvalidArgumentError(
        "apns: refresh_after below 20 minutes (APNs answers TooManyProviderTokenUpdates)");
  }
  if (config.max_age > kMaxTokenAge || config.max_age <= config.refresh_after) {
    return absl::InvalidArgumentError("apns: need refresh_after < max_age <= 60 minutes");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeApnsProviderToken(const SigningKey& key, std::string_view key_id,
                                                  std::string_view team_id, absl::Time issued_at) {
  if (key.algorithm() != JwsAlgorithm::kEs256) {
    return absl::InvalidArgumentError("the APNs provider token needs an ES256 key");
  }
  const nlohmann::ordered_json header = {{"alg", "ES256"}, {"kid", std::string(key_id)}};
  const nlohmann::ordered_json claims = {{"iss", std::string(team_id)},
                                         {"iat", absl::ToUnixSeconds(issued_at)}};
  return SignCompactJws(key, header.dump(), claims.dump());
}

absl::StatusOr<std::unique_ptr<ApnsTokenProvider>> ApnsTokenProvider::Create(
    const common::Clock& clock, SigningKey key, ApnsAuthConfig config) {
  if (absl::Status s = ValidateApnsAuthConfig(config); !s.ok()) return s;
  if (key.algorithm() != JwsAlgorithm::kEs256) {
    return absl::InvalidArgumentError("apns: the .p8 key must be an ES256 (P-256) key");
  }
  return std::unique_ptr<ApnsTokenProvider>(
      new ApnsTokenProvider(clock, std::move(key), std::move(config)));
}

ApnsTokenProvider::ApnsTokenProvider(const common::Clock& clock, SigningKey key,
                                     ApnsAuthConfig config)
    : clock_(clock), key_(std::move(key)), config_(std::move(config)) {}

absl::Status ApnsTokenProvider::SignLocked() {
  absl::StatusOr<std::string> token =
      MakeApnsProviderToken(key_, config_.key_id, config_.team_id, clock_.Now());
  if (!token.ok()) return token.status();
  token_ = *std::move(token);
  signed_at_ = clock_.SteadyNow();
  forced_ = false;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ApnsTokenProvider::Current() {
  absl::MutexLock lock(&mu_);
  const absl::Duration age = common::FromSteadyDuration(clock_.SteadyNow() - signed_at_);
  if (!token_.empty() && age < config_.refresh_after) return token_;
  absl::Status signed_now = SignLocked();
  if (signed_now.ok()) return token_;
  if (!token_.empty() && age < config_.max_age) return token_;
  return signed_now;
}

bool ApnsTokenProvider::ForceRefresh(std::string_view rejected) {
  absl::MutexLock lock(&mu_);
  if (token_.empty() || rejected != token_) return true;
  if (forced_) return false;
  if (!SignLocked().ok()) return false;
  forced_ = true;
  return true;
}

double ApnsTokenProvider::AgeSeconds() const {
  absl::MutexLock lock(&mu_);
  if (token_.empty()) return 0;
  return absl::ToDoubleSeconds(common::FromSteadyDuration(clock_.SteadyNow() - signed_at_));
}

}  // namespace ntf::pusher
