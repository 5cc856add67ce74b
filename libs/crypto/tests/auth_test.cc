#include "ntf/crypto/auth.h"

#include <gtest/gtest.h>

#include "ntf/crypto/sign.h"
#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using testing::Hex;
using testing::ToHex;

class Tv2Authenticator : public ::testing::Test {
 protected:
  const PrivateKey server_session_ =
      *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kServerSessionPriv));
  const PrivateKey notifier_ =
      *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kNotifierXPriv));
  const Bytes corr_id_ = Hex(testing::kCorrId);
  const Bytes authorized_ = Hex(testing::kNsubSignedBytes);
};

TEST_F(Tv2Authenticator, KeysMatch) {
  EXPECT_EQ(ToHex(PublicOf(server_session_).raw), testing::kServerSessionPub);
  EXPECT_EQ(ToHex(PublicOf(notifier_).raw), testing::kNotifierXPub);
}

TEST_F(Tv2Authenticator, ClientAuthorizationIsExact) {
  absl::StatusOr<Bytes> auth =
      Authorize(notifier_, &PublicOf(server_session_), corr_id_, authorized_);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->size(), kAuthenticatorSize);
  EXPECT_EQ(ToHex(*auth), testing::kAuthenticator);
  EXPECT_EQ(*ClassifyAuthorization(*auth), AuthKind::kX25519Authenticator);
}

TEST_F(Tv2Authenticator, VerifiesOnBothSides) {
  const Bytes auth = Hex(testing::kAuthenticator);
  // Server: the notifier's public key and its own session private key.
  EXPECT_TRUE(
      VerifyAuthorization(PublicOf(notifier_), &server_session_, corr_id_, authorized_, auth));
  // With the DH secret computed either way round.
  const CbNonce nonce = NonceFromCorrId(corr_id_);
  DhSecret at_server = *ComputeDhSecret(PublicOf(notifier_), server_session_);
  DhSecret at_client = *ComputeDhSecret(PublicOf(server_session_), notifier_);
  EXPECT_EQ(at_server.raw(), at_client.raw());
  EXPECT_TRUE(VerifyAuthenticator(at_server, nonce, authorized_, auth));
  EXPECT_TRUE(VerifyAuthenticator(at_client, nonce, authorized_, auth));
  EXPECT_EQ(MakeAuthenticator(at_server, nonce, authorized_), auth);
}

TEST_F(Tv2Authenticator, TamperedAuthenticatorIsRejected) {
  const Bytes auth = Hex(testing::kAuthenticator);
  for (size_t i : {size_t{0}, size_t{16}, size_t{79}}) {
    Bytes bad = auth;
    bad[i] ^= 0x40;
    EXPECT_FALSE(
        VerifyAuthorization(PublicOf(notifier_), &server_session_, corr_id_, authorized_, bad))
        << i;
  }
  // Different covered bytes, corrId (nonce), entity key, session key; no session key at all.
  Bytes other = authorized_;
  other.back() ^= 1;
  EXPECT_FALSE(VerifyAuthorization(PublicOf(notifier_), &server_session_, corr_id_, other, auth));
  Bytes other_corr = corr_id_;
  other_corr[0] ^= 1;
  EXPECT_FALSE(
      VerifyAuthorization(PublicOf(notifier_), &server_session_, other_corr, authorized_, auth));
  PrivateKey other_key = *GenerateKeyPair(KeyAlgorithm::kX25519);
  EXPECT_FALSE(
      VerifyAuthorization(PublicOf(other_key), &server_session_, corr_id_, authorized_, auth));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(notifier_), &other_key, corr_id_, authorized_, auth));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(notifier_), nullptr, corr_id_, authorized_, auth));
  // Truncated / padded authenticators and an empty one.
  EXPECT_FALSE(VerifyAuthorization(PublicOf(notifier_), &server_session_, corr_id_, authorized_,
                                   ByteSpan(auth).subspan(0, 79)));
  EXPECT_FALSE(
      VerifyAuthorization(PublicOf(notifier_), &server_session_, corr_id_, authorized_, {}));
  EXPECT_FALSE(VerifyAuthenticator(*ComputeDhSecret(PublicOf(notifier_), server_session_),
                                   NonceFromCorrId(corr_id_), authorized_, Bytes(96, 0)));
}

TEST_F(Tv2Authenticator, X25519NeedsTheServerSessionKey) {
  absl::StatusOr<Bytes> auth = Authorize(notifier_, nullptr, corr_id_, authorized_);
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kFailedPrecondition);
  const PublicKey not_x25519 = *DecodePublicKeySpki(Hex(testing::kDummyEd25519Spki));
  EXPECT_FALSE(Authorize(notifier_, &not_x25519, corr_id_, authorized_).ok());
}

TEST(Authorize, Ed25519IsTheTv1Signature) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  const Bytes authorized = Hex(testing::kNsubSignedBytes);
  absl::StatusOr<Bytes> auth = Authorize(key, nullptr, Hex(testing::kCorrId), authorized);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(ToHex(*auth), testing::kNsubSignature);
  EXPECT_EQ(*ClassifyAuthorization(*auth), AuthKind::kEd25519Signature);
  EXPECT_TRUE(
      VerifyAuthorization(PublicOf(key), nullptr, Hex(testing::kCorrId), authorized, *auth));
}

TEST(Authorize, Ed448SignatureIs114Bytes) {
  PrivateKey key = *GenerateKeyPair(KeyAlgorithm::kEd448);
  const Bytes authorized = Hex(testing::kNsubSignedBytes);
  absl::StatusOr<Bytes> auth = Authorize(key, nullptr, Hex(testing::kCorrId), authorized);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->size(), 114u);
  EXPECT_EQ(*ClassifyAuthorization(*auth), AuthKind::kEd448Signature);
  EXPECT_TRUE(VerifyAuthorization(PublicOf(key), nullptr, {}, authorized, *auth));
  (*auth)[5] ^= 1;
  EXPECT_FALSE(VerifyAuthorization(PublicOf(key), nullptr, {}, authorized, *auth));
}

TEST(Authorize, X448CannotAuthorize) {
  PrivateKey key = *GenerateKeyPair(KeyAlgorithm::kX448);
  EXPECT_EQ(Authorize(key, nullptr, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VerifyAuthorization, TypeMismatchIsRejected) {
  PrivateKey ed = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  PrivateKey ed448 = *GenerateKeyPair(KeyAlgorithm::kEd448);
  PrivateKey session =
      *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kServerSessionPriv));
  PrivateKey x = *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kNotifierXPriv));
  const Bytes corr = Hex(testing::kCorrId);
  const Bytes authorized = Hex(testing::kNsubSignedBytes);
  const Bytes ed_sig = Hex(testing::kNsubSignature);
  const Bytes ed448_sig = *Sign(ed448, authorized);
  const Bytes authenticator = Hex(testing::kAuthenticator);

  // Valid authorizations presented for an entity key of another type.
  EXPECT_FALSE(VerifyAuthorization(PublicOf(x), &session, corr, authorized, ed_sig));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(ed448), &session, corr, authorized, ed_sig));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(ed), &session, corr, authorized, ed448_sig));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(ed), &session, corr, authorized, authenticator));
  EXPECT_FALSE(VerifyAuthorization(PublicOf(ed448), &session, corr, authorized, authenticator));
  // A malformed length.
  EXPECT_FALSE(VerifyAuthorization(PublicOf(ed), &session, corr, authorized, Bytes(65, 0)));
  // A hand-built key of the wrong length.
  EXPECT_FALSE(VerifyAuthorization(PublicKey{.alg = KeyAlgorithm::kEd25519, .raw = Bytes(3, 0)},
                                   &session, corr, authorized, ed_sig));
}

TEST(ClassifyAuthorization, ByLength) {
  EXPECT_EQ(*ClassifyAuthorization({}), AuthKind::kNone);
  EXPECT_EQ(*ClassifyAuthorization(Bytes(64, 0)), AuthKind::kEd25519Signature);
  EXPECT_EQ(*ClassifyAuthorization(Bytes(80, 0)), AuthKind::kX25519Authenticator);
  EXPECT_EQ(*ClassifyAuthorization(Bytes(114, 0)), AuthKind::kEd448Signature);
  for (size_t n : {1, 63, 65, 79, 81, 113, 115, 255}) {
    EXPECT_EQ(ClassifyAuthorization(Bytes(n, 0)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
}

TEST(DummyKeys, AreTheReferenceKeysAndNeverVerify) {
  EXPECT_EQ(ToHex(*EncodeSpki(DummyKey(KeyAlgorithm::kEd25519))), testing::kDummyEd25519Spki);
  EXPECT_EQ(ToHex(*EncodeSpki(DummyKey(KeyAlgorithm::kX25519))), testing::kDummyX25519Spki);
  EXPECT_EQ(DummyKey(KeyAlgorithm::kEd448).alg, KeyAlgorithm::kEd448);
  EXPECT_EQ(DummyKey(KeyAlgorithm::kEd448).raw.size(), 57u);
  EXPECT_EQ(DummyKey(KeyAlgorithm::kX448).raw.size(), 56u);
  // Same object every time.
  EXPECT_EQ(&DummyKey(KeyAlgorithm::kEd448), &DummyKey(KeyAlgorithm::kEd448));

  PrivateKey session =
      *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kServerSessionPriv));
  const Bytes corr = Hex(testing::kCorrId);
  const Bytes authorized = Hex(testing::kNsubSignedBytes);
  for (const Bytes& auth : {Bytes(), Bytes(64, 1), Bytes(114, 1), Bytes(80, 1), Bytes(7, 1),
                            Hex(testing::kAuthenticator), Hex(testing::kNsubSignature)}) {
    DummyVerifyAuthorization(&session, corr, authorized, auth);
    DummyVerifyAuthorization(nullptr, corr, authorized, auth);
  }
}

}  // namespace
}  // namespace ntf::crypto
