#include "services/pusher/src/apns_auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ntf/common/testing/fake_clock.h"
#include "services/pusher/tests/test_keys.h"

namespace ntf::pusher {
namespace {

using common::testing::FakeClock;

class ApnsAuthTest : public ::testing::Test {
 protected:
  ApnsAuthTest() : pair_(testing::GenerateEcP256()) {}

  SigningKey Key() const {
    absl::StatusOr<SigningKey> key =
        SigningKey::FromPkcs8Pem(pair_.private_pem, JwsAlgorithm::kEs256);
    EXPECT_TRUE(key.ok()) << key.status();
    return *std::move(key);
  }

  std::unique_ptr<ApnsTokenProvider> Provider(ApnsAuthConfig config = {}) {
    if (config.key_id.empty()) config.key_id = "ABC123DEFG";
    if (config.team_id.empty()) config.team_id = "5NN7GUYB6T";
    absl::StatusOr<std::unique_ptr<ApnsTokenProvider>> p =
        ApnsTokenProvider::Create(clock_, Key(), config);
    EXPECT_TRUE(p.ok()) << p.status();
    return *std::move(p);
  }

  std::string Current(ApnsTokenProvider& p) {
    absl::StatusOr<std::string> token = p.Current();
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  int64_t IssuedAt(const std::string& jwt) {
    return nlohmann::json::parse(testing::JwsPart(jwt, 1)).at("iat").get<int64_t>();
  }

  testing::TestKeyPair pair_;
  FakeClock clock_;
};

TEST_F(ApnsAuthTest, TokenHasHeaderClaimsAndAValidSignature) {
  absl::StatusOr<std::string> jwt =
      MakeApnsProviderToken(Key(), "ABC123DEFG", "5NN7GUYB6T", absl::FromUnixSeconds(1700000000));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(testing::JwsPart(*jwt, 0), R"({"alg":"ES256","kid":"ABC123DEFG"})");
  EXPECT_EQ(testing::JwsPart(*jwt, 1), R"({"iss":"5NN7GUYB6T","iat":1700000000})");
  EXPECT_TRUE(testing::VerifyEs256Jws(*jwt, pair_.public_pem));
  EXPECT_EQ(jwt->find('='), std::string::npos);
}

TEST_F(ApnsAuthTest, TokenNeedsAnEs256Key) {
  absl::StatusOr<SigningKey> rsa =
      SigningKey::FromPkcs8Pem(testing::GenerateRsa().private_pem, JwsAlgorithm::kRs256);
  ASSERT_TRUE(rsa.ok());
  EXPECT_FALSE(MakeApnsProviderToken(*rsa, "K", "T", absl::Now()).ok());
  EXPECT_FALSE(
      ApnsTokenProvider::Create(clock_, *std::move(rsa), {.key_id = "K", .team_id = "T"}).ok());
}

TEST_F(ApnsAuthTest, ConfigValidation) {
  EXPECT_TRUE(ValidateApnsAuthConfig({.key_id = "K", .team_id = "T"}).ok());
  EXPECT_FALSE(ValidateApnsAuthConfig({.key_id = "", .team_id = "T"}).ok());
  EXPECT_FALSE(ValidateApnsAuthConfig({.key_id = "K", .team_id = ""}).ok());
  EXPECT_FALSE(
      ValidateApnsAuthConfig({.key_id = "K", .team_id = "T", .refresh_after = absl::Minutes(19)})
          .ok());
  EXPECT_FALSE(ValidateApnsAuthConfig({.key_id = "K",
                                       .team_id = "T",
                                       .refresh_after = absl::Minutes(30),
                                       .max_age = absl::Minutes(61)})
                   .ok());
  EXPECT_FALSE(ValidateApnsAuthConfig({.key_id = "K",
                                       .team_id = "T",
                                       .refresh_after = absl::Minutes(40),
                                       .max_age = absl::Minutes(40)})
                   .ok());
}

TEST_F(ApnsAuthTest, CachesUntilTwentyMinutesThenResigns) {
  auto provider = Provider();
  EXPECT_EQ(provider->AgeSeconds(), 0);
  const std::string first = Current(*provider);
  EXPECT_TRUE(testing::VerifyEs256Jws(first, pair_.public_pem));
  EXPECT_EQ(IssuedAt(first), absl::ToUnixSeconds(clock_.Now()));

  clock_.Advance(absl::Minutes(19) + absl::Seconds(59));
  EXPECT_EQ(Current(*provider), first);
  EXPECT_DOUBLE_EQ(provider->AgeSeconds(), 19 * 60 + 59);

  clock_.Advance(absl::Seconds(1));
  const std::string second = Current(*provider);
  EXPECT_NE(second, first);
  EXPECT_EQ(IssuedAt(second), IssuedAt(first) + 20 * 60);
  EXPECT_EQ(provider->AgeSeconds(), 0);
  EXPECT_EQ(Current(*provider), second);
}

TEST_F(ApnsAuthTest, AgeUsesSteadyTimeNotWallTime) {
  auto provider = Provider();
  const std::string first = Current(*provider);
  // An NTP step of the wall clock neither ages the token nor triggers a refresh.
  clock_.SetNow(clock_.Now() + absl::Hours(3));
  EXPECT_EQ(Current(*provider), first);
  EXPECT_EQ(provider->AgeSeconds(), 0);
}

TEST_F(ApnsAuthTest, ForceRefreshReplacesTheRejectedTokenOnce) {
  auto provider = Provider();
  const std::string first = Current(*provider);
  clock_.Advance(absl::Minutes(5));

  ASSERT_TRUE(provider->ForceRefresh(first));
  const std::string second = Current(*provider);
  EXPECT_NE(second, first);
  EXPECT_EQ(provider->AgeSeconds(), 0);

  // Other requests that were in flight with `first` come back 403 too: nothing more to do.
  EXPECT_TRUE(provider->ForceRefresh(first));
  EXPECT_EQ(Current(*provider), second);

  // The fresh token is rejected as well: do not churn.
  EXPECT_FALSE(provider->ForceRefresh(second));
  EXPECT_EQ(Current(*provider), second);

  // A token that aged out normally may be force-refreshed again.
  clock_.Advance(absl::Minutes(20));
  const std::string third = Current(*provider);
  EXPECT_NE(third, second);
  EXPECT_TRUE(provider->ForceRefresh(third));
  EXPECT_NE(Current(*provider), third);
}

TEST_F(ApnsAuthTest, LongerRefreshIntervalIsHonoured) {
  auto provider = Provider({.refresh_after = absl::Minutes(45)});
  const std::string first = Current(*provider);
  clock_.Advance(absl::Minutes(44));
  EXPECT_EQ(Current(*provider), first);
  clock_.Advance(absl::Minutes(1));
  EXPECT_NE(Current(*provider), first);
}

}  // namespace
}  // namespace ntf::pusher
