#include "services/pusher/src/jwt.h"

#include <gtest/gtest.h>

#include "services/pusher/tests/test_keys.h"

namespace ntf::pusher {
namespace {

using testing::GenerateEcP256;
using testing::GenerateEcP384;
using testing::GenerateRsa;

TEST(Base64UrlNoPadTest, DropsPaddingAndUsesUrlAlphabet) {
  EXPECT_EQ(Base64UrlNoPad(""), "");
  EXPECT_EQ(Base64UrlNoPad("f"), "Zg");
  EXPECT_EQ(Base64UrlNoPad("fo"), "Zm8");
  EXPECT_EQ(Base64UrlNoPad("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlNoPad("\xfb\xff"), "-_8");
}

TEST(SigningKeyTest, Es256SignatureIsRawRAndSAndVerifies) {
  const testing::TestKeyPair pair = GenerateEcP256();
  absl::StatusOr<SigningKey> key = SigningKey::FromPkcs8Pem(pair.private_pem, JwsAlgorithm::kEs256);
  ASSERT_TRUE(key.ok()) << key.status();
  // Many signatures, so an R or S with leading zero bytes (1 in 128) shows up too.
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> jws = SignCompactJws(*key, R"({"alg":"ES256"})", "{}");
    ASSERT_TRUE(jws.ok()) << jws.status();
    ASSERT_EQ(testing::Base64UrlDecodeToString(jws->substr(jws->rfind('.') + 1)).size(), 64u);
    ASSERT_TRUE(testing::VerifyEs256Jws(*jws, pair.public_pem)) << *jws;
  }
}

TEST(SigningKeyTest, Es256SignatureDoesNotVerifyWithAnotherKey) {
  const testing::TestKeyPair pair = GenerateEcP256();
  const testing::TestKeyPair other = GenerateEcP256();
  absl::StatusOr<SigningKey> key = SigningKey::FromPkcs8Pem(pair.private_pem, JwsAlgorithm::kEs256);
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> jws = SignCompactJws(*key, "{}", "{}");
  ASSERT_TRUE(jws.ok());
  EXPECT_FALSE(testing::VerifyEs256Jws(*jws, other.public_pem));
}

TEST(SigningKeyTest, Rs256Verifies) {
  const testing::TestKeyPair pair = GenerateRsa();
  absl::StatusOr<SigningKey> key = SigningKey::FromPkcs8Pem(pair.private_pem, JwsAlgorithm::kRs256);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> jws = SignCompactJws(*key, R"({"alg":"RS256"})", R"({"a":1})");
  ASSERT_TRUE(jws.ok()) << jws.status();
  EXPECT_TRUE(testing::VerifyRs256Jws(*jws, pair.public_pem));
  EXPECT_EQ(testing::JwsPart(*jws, 0), R"({"alg":"RS256"})");
  EXPECT_EQ(testing::JwsPart(*jws, 1), R"({"a":1})");
  EXPECT_EQ(jws->find('='), std::string::npos);
}

TEST(SigningKeyTest, RejectsKeysThatDoNotMatchTheAlgorithm) {
  const testing::TestKeyPair ec = GenerateEcP256();
  const testing::TestKeyPair rsa = GenerateRsa();
  EXPECT_EQ(SigningKey::FromPkcs8Pem(rsa.private_pem, JwsAlgorithm::kEs256).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPkcs8Pem(ec.private_pem, JwsAlgorithm::kRs256).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SigningKey::FromPkcs8Pem(GenerateEcP384().private_pem, JwsAlgorithm::kEs256).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SigningKey::FromPkcs8Pem(GenerateRsa(1024).private_pem, JwsAlgorithm::kRs256).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(SigningKeyTest, RejectsGarbageAndPublicKeys) {
  EXPECT_FALSE(SigningKey::FromPkcs8Pem("", JwsAlgorithm::kEs256).ok());
  EXPECT_FALSE(
      SigningKey::FromPkcs8Pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                               JwsAlgorithm::kEs256)
          .ok());
  EXPECT_FALSE(SigningKey::FromPkcs8Pem(GenerateEcP256().public_pem, JwsAlgorithm::kEs256).ok());
}

}  // namespace
}  // namespace ntf::pusher
