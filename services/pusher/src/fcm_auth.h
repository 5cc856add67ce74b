#pragma once

// FCM HTTP v1 authentication (spec/push-providers.md §3.1): an OAuth2 access token obtained
// with a service account's RS256-signed JWT assertion (RFC 7523), cached until shortly before
// it expires.
//
//   service-account JSON ─ ParseServiceAccount ─ MakeFcmAssertion ─ MakeTokenRequestBody
//        ─ TokenFetcher::PostForm(token_uri) ─ ParseTokenResponse ─ "Bearer <access_token>"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "services/pusher/src/http_message.h"
#include "services/pusher/src/jwt.h"

namespace ntf::pusher {

inline constexpr std::string_view kFcmScope = "https://www.googleapis.com/auth/firebase.messaging";
inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr std::string_view kJwtBearerGrantType =
    "urn:ietf:params:oauth:grant-type:jwt-bearer";
// Lifetime of an assertion: Google accepts at most one hour.
inline constexpr absl::Duration kFcmAssertionLifetime = absl::Hours(1);

// The fields of a Google service-account key file that FCM needs.
struct ServiceAccount {
  std::string project_id = {};       // the Firebase project: /v1/projects/<project_id>/...
  std::string client_email = {};     // assertion "iss"
  std::string private_key_pem = {};  // PKCS#8 PEM, RSA
  std::string private_key_id = {};   // assertion header "kid" (optional)
  std::string token_uri = {};        // assertion "aud" and where to POST it
};

// Parses the JSON key file. Requires project_id, client_email and private_key; "type", when
// present, must be "service_account"; token_uri defaults to kGoogleTokenUri. Other fields are
// ignored (Google adds some over time). InvalidArgument naming the problem otherwise.
absl::StatusOr<ServiceAccount> ParseServiceAccount(std::string_view json);

// The signed assertion: header {"alg":"RS256","typ":"JWT"[,"kid"]}, claims {iss, scope, aud,
// iat, exp = iat + 1 h}. `key` must be RS256. Internal if signing fails.
absl::StatusOr<std::string> MakeFcmAssertion(const SigningKey& key, const ServiceAccount& account,
                                             absl::Time issued_at);

// application/x-www-form-urlencoded "grant_type=<jwt-bearer URN>&assertion=<assertion>".
std::string MakeTokenRequestBody(std::string_view assertion);

struct OAuthAccessToken {
  std::string token = {};
  absl::Duration expires_in = absl::ZeroDuration();
};

// Reads the token endpoint's answer: 200 with {"access_token", "expires_in"[, "token_type"]}.
// A missing expires_in counts as 3600 s; token_type, when present, must be "Bearer".
// Unauthenticated for 400/401/403 (bad key, revoked account, clock skew: Google's "error" and
// "error_description" are in the message), Unavailable for 429/5xx, InvalidArgument for a
// malformed 200 body, Unknown for other statuses.
absl::StatusOr<OAuthAccessToken> ParseTokenResponse(const HttpResponse& response);

// I/O port: POSTs a form body to the token endpoint. One real implementation (HTTPS client, in
// the service) and a fake (tests). Blocking: returns when the exchange is over; an error status
// means no HTTP response was received (connect failure, timeout). Must be thread-safe.
class TokenFetcher {
 public:
  virtual ~TokenFetcher() = default;
  // Sends "POST <url>" with content-type application/x-www-form-urlencoded and `form_body`.
  virtual absl::StatusOr<HttpResponse> PostForm(std::string_view url,
                                                std::string_view form_body) = 0;
};

struct FcmAuthOptions {
  // Refresh this long before the access token expires (tokens live ~1 h). If a token lives
  // less than twice this, it is refreshed at half its lifetime instead.
  absl::Duration refresh_margin = absl::Minutes(5);
};

// Caches the FCM access token and fetches a new one when needed.
//
// Thread-safety: all methods are thread-safe. Blocking: AccessToken() calls the TokenFetcher
// when the cache is empty or due; concurrent callers wait for that one fetch and share its
// token or its error (single flight). Run it on the blocking pool, never on an event loop.
// CachedAccessToken(), Invalidate() and ExpiresInSeconds() never block on I/O.
class FcmTokenProvider {
 public:
  // `clock` and `fetcher` must outlive the provider. InvalidArgument if the account's private
  // key is not an RSA PEM key.
  static absl::StatusOr<std::unique_ptr<FcmTokenProvider>> Create(const common::Clock& clock,
                                                                  TokenFetcher& fetcher,
                                                                  ServiceAccount account,
                                                                  FcmAuthOptions options = {});

  const ServiceAccount& account() const { return account_; }

  // A valid access token, fetched if the cached one is missing, invalidated or due. Errors are
  // the fetcher's (no response) or ParseTokenResponse's. A failure is shared only with the
  // callers that waited for that fetch; the next call tries again (the caller's retry policy
  // paces it).
  absl::StatusOr<std::string> AccessToken();

  // The cached token if it is not yet due, without fetching.
  std::optional<std::string> CachedAccessToken() const;

  // Called after FCM answered 401 to a request sent with `rejected`. Returns true if a retry
  // with AccessToken() is worthwhile: the cache is dropped if it still holds `rejected` and that
  // token was not itself fetched to replace an invalidated one; returns false in that last case
  // (a fresh token was rejected: the account lacks permission, nothing to gain by churning).
  bool Invalidate(std::string_view rejected);

  // Seconds until the last fetched token expires (negative once expired, 0 before the first
  // fetch), for a gauge.
  double ExpiresInSeconds() const;

 private:
  FcmTokenProvider(const common::Clock& clock, TokenFetcher& fetcher, ServiceAccount account,
                   SigningKey key, FcmAuthOptions options);
  bool UsableLocked(common::Clock::SteadyTimePoint now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Signs an assertion and exchanges it; called with fetch_mu_ held.
  absl::StatusOr<pusher::OAuthAccessToken> Fetch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fetch_mu_);

  const common::Clock& clock_;
  TokenFetcher& fetcher_;
  const ServiceAccount account_;
  const SigningKey key_;
  const FcmAuthOptions options_;

  absl::Mutex fetch_mu_;  // held for the whole fetch: one fetch at a time
  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(fetch_mu_);
  std::string token_ ABSL_GUARDED_BY(mu_);  // empty: none or invalidated
  common::Clock::SteadyTimePoint refresh_at_ ABSL_GUARDED_BY(mu_) = {};
  common::Clock::SteadyTimePoint expires_at_ ABSL_GUARDED_BY(mu_) = {};
  bool after_invalidate_ ABSL_GUARDED_BY(mu_) = false;      // the next fetch replaces a 401'd token
  bool replaced_invalidated_ ABSL_GUARDED_BY(mu_) = false;  // token_ is such a replacement
  uint64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;               // completed fetch attempts
  absl::Status last_fetch_ ABSL_GUARDED_BY(mu_);            // outcome of the latest one
};

}  // namespace ntf::pusher
