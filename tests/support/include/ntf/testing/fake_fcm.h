#pragma once

// A fake FCM HTTP v1 API and OAuth2 token endpoint for tests and the benchmark, on one HTTP/2
// TLS server (spec/push-providers.md §3):
//
//   POST /token   form grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>
//                 the RS256 assertion is checked (signature with the service account's public
//                 key, iss, aud = token URI, scope, exp) -> {"access_token","expires_in",
//                 "token_type":"Bearer"}; a bad assertion -> 400 invalid_grant
//   POST /v1/projects/<project>/messages:send   authorization: Bearer <issued, unrevoked token>
//                 (else 401 UNAUTHENTICATED); body {"message":{"token":T,...}} -> the scripted or
//                 default answer for T: 200 {"name":"projects/<p>/messages/<n>"} or an FCM error
//                 {"error":{"code","message","status","details":[FcmError errorCode]}}
//
// Every push request is recorded (token requests are counted). Thread-safe control methods.

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/testing/fake_apns.h"

namespace ntf::testing {

// A service account: RSA-2048 key and the identity FCM checks.
struct FakeFcmCredentials {
  std::string project_id = "simplex-fake";
  std::string client_email = "pusher@simplex-fake.iam.gserviceaccount.com";
  std::string private_key_id = "fakekeyid1";
  std::string private_key_pem;  // PKCS#8
  std::string public_key_pem;   // SPKI

  // The service-account JSON key file a pusher reads, with this token URI.
  std::string ServiceAccountJson(const std::string& token_uri) const;
};
absl::StatusOr<FakeFcmCredentials> MakeFakeFcmCredentials();

struct FakeFcmOptions {
  FakeFcmCredentials credentials;  // project_id, client_email, public_key_pem are checked
  absl::Duration access_token_lifetime = absl::Hours(1);  // expires_in of issued tokens
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint32_t max_concurrent_streams = 1000;
};

class FakeFcm final : public FakeProviderBase {
 public:
  static absl::StatusOr<std::unique_ptr<FakeFcm>> Start(FakeFcmOptions options);
  ~FakeFcm() override { Stop(); }

  // origin() + "/token": the token_uri for the service account.
  std::string token_uri() const { return origin() + "/token"; }
  // Every access token issued so far is answered 401 from now on.
  void RevokeAccessTokens();
  // Token endpoint requests answered (good or bad).
  int64_t token_requests() const { return token_requests_.load(); }

 private:
  explicit FakeFcm(FakeFcmOptions options) : options_(std::move(options)) {}
  void Handle(const http2::Request& request, http2::Responder responder) override;
  void HandleToken(const http2::Request& request, http2::Responder& responder);

  const FakeFcmOptions options_;
  std::atomic<int64_t> token_requests_{0};
  mutable absl::Mutex mu_;
  std::set<std::string> valid_tokens_ ABSL_GUARDED_BY(mu_);
  int64_t issued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t messages_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ntf::testing
