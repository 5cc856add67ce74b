#include "services/pusher/src/fcm_auth.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "ntf/common/testing/fake_clock.h"
#include "services/pusher/tests/fakes.h"
#include "services/pusher/tests/test_keys.h"

namespace ntf::pusher {
namespace {

using common::testing::FakeClock;
using nlohmann::json;
using testing::FakeTokenFetcher;

std::string ServiceAccountJson(const std::string& private_pem) {
  return json{{"type", "service_account"},
              {"project_id", "simplex-ntf-test"},
              {"private_key_id", "0123abcd"},
              {"private_key", private_pem},
              {"client_email", "pusher@simplex-ntf-test.iam.gserviceaccount.com"},
              {"client_id", "1234567890"},
              {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
              {"token_uri", "https://oauth2.googleapis.com/token"},
              {"universe_domain", "googleapis.com"}}
      .dump(2);
}

// Decodes application/x-www-form-urlencoded.
std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  for (const std::string& pair : testing::Split(body, '&')) {
    const size_t eq = pair.find('=');
    const std::vector<std::string_view> kv =
        eq == std::string::npos
            ? std::vector<std::string_view>{pair}
            : std::vector<std::string_view>{std::string_view(pair).substr(0, eq),
                                            std::string_view(pair).substr(eq + 1)};
    auto decode = [](std::string_view s) {
      std::string r;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
          r.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
          r.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
          i += 2;
        } else {
          r.push_back(s[i]);
        }
      }
      return r;
    };
    out[decode(kv[0])] = kv.size() > 1 ? decode(kv[1]) : "";
  }
  return out;
}

class FcmAuthTest : public ::testing::Test {
 protected:
  FcmAuthTest() : pair_(testing::GenerateRsa()) {}

  ServiceAccount Account() {
    absl::StatusOr<ServiceAccount> account =
        ParseServiceAccount(ServiceAccountJson(pair_.private_pem));
    EXPECT_TRUE(account.ok()) << account.status();
    return *std::move(account);
  }

  std::unique_ptr<FcmTokenProvider> Provider() {
    absl::StatusOr<std::unique_ptr<FcmTokenProvider>> p =
        FcmTokenProvider::Create(clock_, fetcher_, Account());
    EXPECT_TRUE(p.ok()) << p.status();
    return *std::move(p);
  }

  std::string Token(FcmTokenProvider& p) {
    absl::StatusOr<std::string> token = p.AccessToken();
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  testing::TestKeyPair pair_;
  FakeClock clock_;
  FakeTokenFetcher fetcher_;
};

TEST_F(FcmAuthTest, ParsesServiceAccount) {
  const ServiceAccount a = Account();
  EXPECT_EQ(a.project_id, "simplex-ntf-test");
  EXPECT_EQ(a.client_email, "pusher@simplex-ntf-test.iam.gserviceaccount.com");
  EXPECT_EQ(a.private_key_id, "0123abcd");
  EXPECT_EQ(a.token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(a.private_key_pem, pair_.private_pem);
}

TEST_F(FcmAuthTest, ServiceAccountDefaultsAndErrors) {
  absl::StatusOr<ServiceAccount> minimal =
      ParseServiceAccount(R"({"project_id":"p","client_email":"e@x","private_key":"k"})");
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  EXPECT_EQ(minimal->token_uri, kGoogleTokenUri);

  EXPECT_FALSE(ParseServiceAccount("").ok());
  EXPECT_FALSE(ParseServiceAccount("[]").ok());
  EXPECT_FALSE(ParseServiceAccount(R"({"client_email":"e","private_key":"k"})").ok());
  EXPECT_FALSE(ParseServiceAccount(R"({"project_id":"p","private_key":"k"})").ok());
  EXPECT_FALSE(ParseServiceAccount(R"({"project_id":"p","client_email":"e"})").ok());
  EXPECT_FALSE(
      ParseServiceAccount(
          R"({"type":"authorized_user","project_id":"p","client_email":"e","private_key":"k"})")
          .ok());
  EXPECT_FALSE(
      ParseServiceAccount(R"({"project_id":7,"client_email":"e","private_key":"k"})").ok());
}

TEST_F(FcmAuthTest, AssertionClaimsAndSignature) {
  absl::StatusOr<SigningKey> key =
      SigningKey::FromPkcs8Pem(pair_.private_pem, JwsAlgorithm::kRs256);
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> jwt =
      MakeFcmAssertion(*key, Account(), absl::FromUnixSeconds(1700000000));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(testing::VerifyRs256Jws(*jwt, pair_.public_pem));
  EXPECT_FALSE(testing::VerifyRs256Jws(*jwt, testing::GenerateRsa().public_pem));
  EXPECT_EQ(testing::JwsPart(*jwt, 0), R"({"alg":"RS256","typ":"JWT","kid":"0123abcd"})");
  const json claims = json::parse(testing::JwsPart(*jwt, 1));
  EXPECT_EQ(claims.at("iss"), "pusher@simplex-ntf-test.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(claims.at("aud"), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims.at("iat"), 1700000000);
  EXPECT_EQ(claims.at("exp"), 1700003600);
}

TEST_F(FcmAuthTest, TokenRequestBodyIsFormEncoded) {
  const std::string body = MakeTokenRequestBody("aa.bb-_.cc");
  EXPECT_EQ(
      body,
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=aa.bb-_.cc");
  EXPECT_EQ(MakeTokenRequestBody("a+b/c="),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
            "jwt-bearer&assertion=a%2Bb%2Fc%3D");
}

TEST_F(FcmAuthTest, ParsesTokenResponses) {
  absl::StatusOr<OAuthAccessToken> ok = ParseTokenResponse(
      {.status = 200,
       .body = R"({"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"})"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->token, "ya29.x");
  EXPECT_EQ(ok->expires_in, absl::Seconds(3599));

  absl::StatusOr<OAuthAccessToken> no_expiry =
      ParseTokenResponse({.status = 200, .body = R"({"access_token":"t"})"});
  ASSERT_TRUE(no_expiry.ok());
  EXPECT_EQ(no_expiry->expires_in, absl::Hours(1));

  EXPECT_EQ(ParseTokenResponse({.status = 200, .body = "{}"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTokenResponse({.status = 200, .body = "not json"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTokenResponse({.status = 200, .body = R"({"access_token":"t","expires_in":0})"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ParseTokenResponse({.status = 200, .body = R"({"access_token":"t","token_type":"MAC"})"})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);

  absl::Status bad_grant =
      ParseTokenResponse(
          {.status = 400,
           .body = R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"})
          .status();
  EXPECT_EQ(bad_grant.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(bad_grant.message().find("invalid_grant: Invalid JWT Signature."), std::string::npos);
  EXPECT_EQ(ParseTokenResponse({.status = 503, .body = "busy"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ParseTokenResponse({.status = 429}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ParseTokenResponse({.status = 302}).status().code(), absl::StatusCode::kUnknown);
}

TEST_F(FcmAuthTest, ProviderPostsAVerifiableAssertionToTheTokenUri) {
  auto provider = Provider();
  fetcher_.PushToken("tok-1");
  EXPECT_EQ(Token(*provider), "tok-1");
  const std::vector<FakeTokenFetcher::Call> calls = fetcher_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://oauth2.googleapis.com/token");
  std::map<std::string, std::string> form = ParseForm(calls[0].body);
  EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
  EXPECT_TRUE(testing::VerifyRs256Jws(form["assertion"], pair_.public_pem));
  EXPECT_EQ(json::parse(testing::JwsPart(form["assertion"], 1)).at("iat"),
            absl::ToUnixSeconds(clock_.Now()));
}

TEST_F(FcmAuthTest, ProviderCachesUntilFiveMinutesBeforeExpiry) {
  auto provider = Provider();
  EXPECT_EQ(provider->CachedAccessToken(), std::nullopt);
  EXPECT_EQ(provider->ExpiresInSeconds(), 0);
  fetcher_.PushToken("tok-1", 3600);
  fetcher_.PushToken("tok-2", 3600);
  EXPECT_EQ(Token(*provider), "tok-1");
  EXPECT_EQ(provider->CachedAccessToken(), "tok-1");
  EXPECT_EQ(provider->ExpiresInSeconds(), 3600);

  clock_.Advance(absl::Minutes(54) + absl::Seconds(59));
  EXPECT_EQ(Token(*provider), "tok-1");
  EXPECT_EQ(fetcher_.calls().size(), 1u);

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(provider->CachedAccessToken(), std::nullopt);
  EXPECT_EQ(Token(*provider), "tok-2");
  EXPECT_EQ(fetcher_.calls().size(), 2u);
}

TEST_F(FcmAuthTest, ShortLivedTokenRefreshesAtHalfLife) {
  auto provider = Provider();
  fetcher_.PushToken("short", 300);
  fetcher_.PushToken("next", 3600);
  EXPECT_EQ(Token(*provider), "short");
  clock_.Advance(absl::Seconds(149));
  EXPECT_EQ(Token(*provider), "short");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Token(*provider), "next");
}

TEST_F(FcmAuthTest, FailedFetchIsNotCached) {
  auto provider = Provider();
  fetcher_.Push(absl::UnavailableError("connect refused"));
  fetcher_.Push(HttpResponse{.status = 401, .body = R"({"error":"invalid_client"})"});
  fetcher_.PushToken("tok");
  EXPECT_EQ(provider->AccessToken().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(provider->AccessToken().status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Token(*provider), "tok");
  EXPECT_EQ(fetcher_.calls().size(), 3u);
}

TEST_F(FcmAuthTest, InvalidateRefetchesOncePerToken) {
  auto provider = Provider();
  fetcher_.PushToken("tok-1");
  fetcher_.PushToken("tok-2");
  const std::string first = Token(*provider);

  ASSERT_TRUE(provider->Invalidate(first));
  EXPECT_EQ(provider->CachedAccessToken(), std::nullopt);
  // A second 401 for the same token (another request in flight) changes nothing more.
  EXPECT_TRUE(provider->Invalidate(first));
  EXPECT_EQ(Token(*provider), "tok-2");
  EXPECT_EQ(fetcher_.calls().size(), 2u);
  EXPECT_TRUE(provider->Invalidate(first));  // stale: tok-2 is current

  // The replacement is rejected too: give up instead of hammering the token endpoint.
  EXPECT_FALSE(provider->Invalidate("tok-2"));
  EXPECT_EQ(provider->CachedAccessToken(), "tok-2");
}

// Holds every PostForm until released, then answers with a token.
class GatedTokenFetcher final : public TokenFetcher {
 public:
  absl::StatusOr<HttpResponse> PostForm(std::string_view, std::string_view) override {
    entered_.Notify();
    release_.WaitForNotification();
    absl::MutexLock lock(&mu_);
    ++calls_;
    return HttpResponse{.status = 200, .body = R"({"access_token":"shared","expires_in":3600})"};
  }
  void WaitEntered() { entered_.WaitForNotification(); }
  void Release() { release_.Notify(); }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Notification entered_;
  absl::Notification release_;
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(FcmAuthTest, ConcurrentCallersShareOneFetch) {
  GatedTokenFetcher gated;
  absl::StatusOr<std::unique_ptr<FcmTokenProvider>> provider =
      FcmTokenProvider::Create(clock_, gated, Account());
  ASSERT_TRUE(provider.ok());
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = Token(**provider); });
  gated.WaitEntered();
  for (size_t i = 1; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = Token(**provider); });
  }
  gated.Release();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(gated.calls(), 1);
  for (const std::string& token : got) EXPECT_EQ(token, "shared");
}

TEST_F(FcmAuthTest, CreateRejectsANonRsaKey) {
  ServiceAccount account = Account();
  account.private_key_pem = testing::GenerateEcP256().private_pem;
  EXPECT_EQ(FcmTokenProvider::Create(clock_, fetcher_, account).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::pusher
