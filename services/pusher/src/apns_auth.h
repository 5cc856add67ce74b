#pragma once

// The APNs provider token (spec/push-providers.md §2.3): an ES256 JWT signed with the team's
// .p8 key, header {"alg":"ES256","kid":<key id>}, claims {"iss":<team id>,"iat":<unix s>}.
// APNs rejects a token older than 60 minutes (403 ExpiredProviderToken) and answers 429
// TooManyProviderTokenUpdates when a key's token changes more often than every 20 minutes, so
// one token is shared by every connection and request of the process and re-signed on age.

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "services/pusher/src/jwt.h"

namespace ntf::pusher {

// APNs token-auth settings.
struct ApnsAuthConfig {
  // The 10-character Key ID of the .p8 key (JWT header "kid"). Required.
  std::string key_id = {};
  // The 10-character Team ID (JWT claim "iss"). Required.
  std::string team_id = {};
  // A cached token is re-signed once it is this old. APNs forbids changing the token more often
  // than every 20 minutes, so this may not be lower. With several pusher replicas behind one
  // egress IP, each signs its own token: a larger value (e.g. 40 min) keeps the per-key update
  // rate lower.
  absl::Duration refresh_after = absl::Minutes(20);
  // A token this old is never handed out (APNs rejects tokens older than 60 minutes). Matters
  // only when re-signing fails: until then the previous token is still served.
  absl::Duration max_age = absl::Minutes(55);
};

// InvalidArgument unless key_id and team_id are set, refresh_after >= 20 min and
// refresh_after < max_age <= 60 min.
absl::Status ValidateApnsAuthConfig(const ApnsAuthConfig& config);

// One provider token issued at `issued_at` (whole seconds). `key` must be an ES256 key.
// Internal if signing fails.
absl::StatusOr<std::string> MakeApnsProviderToken(const SigningKey& key, std::string_view key_id,
                                                  std::string_view team_id, absl::Time issued_at);

// Hands out the current provider token, re-signing it when it reaches `refresh_after`.
//
// Thread-safety: all methods are thread-safe; signing (~30 µs) happens under an internal mutex,
// so concurrent callers at the refresh moment get the same new token. Never blocks on I/O.
// Time: `iat` is wall time (Clock::Now); ages are measured on steady time, so a wall-clock step
// does not trigger a refresh storm.
class ApnsTokenProvider {
 public:
  // `clock` must outlive the provider. InvalidArgument for a bad config or a key that is not
  // ES256.
  static absl::StatusOr<std::unique_ptr<ApnsTokenProvider>> Create(const common::Clock& clock,
                                                                   SigningKey key,
                                                                   ApnsAuthConfig config);

  // The token to put into `authorization: bearer <token>`. Signs one on first use and whenever
  // the cached one is `refresh_after` old. If re-signing fails, the previous token is returned
  // while younger than `max_age`; after that the signing error is returned.
  absl::StatusOr<std::string> Current();

  // Called after APNs answered 403 ExpiredProviderToken/InvalidProviderToken to a request sent
  // with `rejected`. Returns true if the request is worth retrying with Current():
  //   - `rejected` is no longer the current token (another caller already replaced it): true;
  //   - the current token came from an earlier ForceRefresh (a fresh token was rejected too, so
  //     the key, key id, team id or clock is wrong; churning would only add 429s): false;
  //   - otherwise the token is re-signed now, even if younger than `refresh_after`: true, or
  //     false if signing fails.
  // So each naturally aged token is force-refreshed at most once.
  bool ForceRefresh(std::string_view rejected);

  // Age of the current token in seconds (0 before the first one), for a gauge
  // (ntf_pusher_apns_provider_token_age_seconds).
  double AgeSeconds() const;

 private:
  ApnsTokenProvider(const common::Clock& clock, SigningKey key, ApnsAuthConfig config);
  absl::Status SignLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const common::Clock& clock_;
  const SigningKey key_;
  const ApnsAuthConfig config_;

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);  // empty until the first signature
  common::Clock::SteadyTimePoint signed_at_ ABSL_GUARDED_BY(mu_) = {};
  bool forced_ ABSL_GUARDED_BY(mu_) = false;  // token_ came from ForceRefresh
};

}  // namespace ntf::pusher
