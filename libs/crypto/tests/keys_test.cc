#include "ntf/crypto/keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using ::testing::HasSubstr;
using testing::Hex;
using testing::ToHex;

// RFC 8032 §7.4 "blank" Ed448 key.
constexpr std::string_view kRfcEd448Secret =
    "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94"
    "492f8f032e7549a20098f95b";
constexpr std::string_view kRfcEd448Public =
    "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1"
    "e50f6cd1fa1abeafe8256180";

TEST(Tv0DummyKeys, DecodeAsEd25519AndX25519) {
  absl::StatusOr<PublicKey> ed = DecodePublicKeySpki(Hex(testing::kDummyEd25519Spki));
  ASSERT_TRUE(ed.ok()) << ed.status();
  EXPECT_EQ(ed->alg, KeyAlgorithm::kEd25519);
  EXPECT_EQ(ToHex(ed->raw), "d77f4eaace10829a9b026074a3bad97fa4f5f6bca5ec4eb99380187b4904dd0b");
  EXPECT_EQ(ToHex(*EncodeSpki(*ed)), testing::kDummyEd25519Spki);

  absl::StatusOr<PublicKey> x = DecodePublicKeySpki(Hex(testing::kDummyX25519Spki));
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->alg, KeyAlgorithm::kX25519);
  EXPECT_EQ(ToHex(*EncodeSpki(*x)), testing::kDummyX25519Spki);
}

TEST(Tv0DummyKeys, Base64FormsMatch) {
  EXPECT_EQ(Hex(testing::kDummyEd25519Spki),
            *wire::Base64UrlDecode("MCowBQYDK2VwAyEA139Oqs4QgpqbAmB0o7rZf6T19ryl7E65k4AYe0kE3Qs="));
  EXPECT_EQ(Hex(testing::kDummyX25519Spki),
            *wire::Base64UrlDecode("MCowBQYDK2VuAyEA4JGSMYht18H4mas_jHeBwfcM7jLwNYJNOAhi2_g4RXg="));
}

TEST(Keys, Ed25519FromSeedMatchesTv1) {
  absl::StatusOr<PrivateKey> key =
      PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(ToHex(PublicOf(*key).raw), testing::kNotifierPub);
  EXPECT_EQ(ToHex(*EncodeSpki(PublicOf(*key))),
            std::string("302a300506032b6570032100") + std::string(testing::kNotifierPub));
}

TEST(Keys, X25519FromRawMatchesTv2) {
  absl::StatusOr<PrivateKey> key =
      PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kServerSessionPriv));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(ToHex(PublicOf(*key).raw), testing::kServerSessionPub);
}

TEST(Keys, Ed25519Pkcs8Is48BytesAndRoundTrips) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  Bytes der = EncodePkcs8(key);
  EXPECT_EQ(ToHex(der),
            std::string("302e020100300506032b657004220420") + std::string(testing::kNotifierSeed));
  absl::StatusOr<PrivateKey> back = DecodePrivateKeyPkcs8(der);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->alg(), KeyAlgorithm::kEd25519);
  EXPECT_EQ(PublicOf(*back), PublicOf(key));
}

TEST(Keys, X25519Pkcs8RoundTrips) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kNotifierXPriv));
  Bytes der = EncodePkcs8(key);
  EXPECT_EQ(ToHex(der),
            std::string("302e020100300506032b656e04220420") + std::string(testing::kNotifierXPriv));
  absl::StatusOr<PrivateKey> back = DecodePrivateKeyPkcs8(der);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToHex(PublicOf(*back).raw), testing::kNotifierXPub);
}

TEST(Keys, Ed448SpkiIs69BytesAndPkcs8Is73) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd448, Hex(kRfcEd448Secret));
  EXPECT_EQ(ToHex(PublicOf(key).raw), kRfcEd448Public);
  Bytes spki = *EncodeSpki(PublicOf(key));
  EXPECT_EQ(spki.size(), 69u);
  EXPECT_EQ(ToHex(spki), std::string("3043300506032b6571033a00") + std::string(kRfcEd448Public));
  EXPECT_EQ(*DecodePublicKeySpki(spki), PublicOf(key));

  Bytes pkcs8 = EncodePkcs8(key);
  // As written by OpenSSL and Python "cryptography" for the same key.
  EXPECT_EQ(ToHex(pkcs8),
            std::string("3047020100300506032b6571043b0439") + std::string(kRfcEd448Secret));
  absl::StatusOr<PrivateKey> back = DecodePrivateKeyPkcs8(pkcs8);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(PublicOf(*back), PublicOf(key));
}

TEST(Keys, X448SpkiDecodes) {
  Bytes spki = Hex("3042300506032b656f033900");
  spki.resize(68, 0x42);
  absl::StatusOr<PublicKey> key = DecodePublicKeySpki(spki);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->alg, KeyAlgorithm::kX448);
  EXPECT_EQ(key->raw.size(), 56u);
  EXPECT_FALSE(IsAuthAlgorithm(KeyAlgorithm::kX448));
}

TEST(Keys, GenerateEveryAlgorithm) {
  for (KeyAlgorithm alg :
       {KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448, KeyAlgorithm::kX25519, KeyAlgorithm::kX448}) {
    SCOPED_TRACE(std::string(AlgorithmName(alg)));
    absl::StatusOr<PrivateKey> a = GenerateKeyPair(alg);
    absl::StatusOr<PrivateKey> b = GenerateKeyPair(alg);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->alg(), alg);
    EXPECT_EQ(a->raw().size(), PrivateKeySize(alg));
    EXPECT_EQ(PublicOf(*a).raw.size(), PublicKeySize(alg));
    EXPECT_NE(PublicOf(*a), PublicOf(*b));
    // Round trips through both blobs.
    EXPECT_EQ(*DecodePublicKeySpki(*EncodeSpki(PublicOf(*a))), PublicOf(*a));
    EXPECT_EQ(PublicOf(*DecodePrivateKeyPkcs8(EncodePkcs8(*a))), PublicOf(*a));
  }
}

TEST(Keys, DecodeErrors) {
  // Unknown algorithm (secp256r1 SPKI prefix).
  absl::Status unknown = DecodePublicKeySpki(Hex("3059301306072a8648ce3d020106082a8648ce3d030107"
                                                 "03420004"))
                             .status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("unknown algorithm"));
  EXPECT_FALSE(DecodePublicKeySpki({}).ok());

  // Right prefix, wrong length: short, long.
  Bytes spki = Hex(testing::kDummyEd25519Spki);
  absl::Status too_short = DecodePublicKeySpki(ByteSpan(spki).subspan(0, 43)).status();
  EXPECT_THAT(too_short.message(), HasSubstr("Ed25519"));
  EXPECT_THAT(too_short.message(), HasSubstr("expected 44"));
  spki.push_back(0);
  EXPECT_FALSE(DecodePublicKeySpki(spki).ok());
  // Only the prefix.
  EXPECT_FALSE(DecodePublicKeySpki(Hex("302a300506032b6570032100")).ok());

  // PKCS#8: an SPKI is not a private key, truncation, trailing byte, raw seed.
  EXPECT_FALSE(DecodePrivateKeyPkcs8(Hex(testing::kDummyEd25519Spki)).ok());
  Bytes pkcs8 =
      EncodePkcs8(*PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed)));
  EXPECT_FALSE(DecodePrivateKeyPkcs8(ByteSpan(pkcs8).subspan(0, 47)).ok());
  pkcs8.push_back(0);
  EXPECT_FALSE(DecodePrivateKeyPkcs8(pkcs8).ok());
  EXPECT_FALSE(DecodePrivateKeyPkcs8(Hex(testing::kNotifierSeed)).ok());

  // Raw private key of the wrong size.
  absl::Status raw = PrivateKey::FromRaw(KeyAlgorithm::kEd448, Bytes(32, 1)).status();
  EXPECT_THAT(raw.message(), HasSubstr("expected 57"));

  // Encoding a malformed public key.
  EXPECT_FALSE(EncodeSpki(PublicKey{.alg = KeyAlgorithm::kX25519, .raw = Bytes(31, 1)}).ok());
}

TEST(Keys, CopyAndMoveKeepTheKey) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  PrivateKey copy = key;
  PrivateKey moved = std::move(copy);
  EXPECT_EQ(ToHex(moved.raw()), testing::kNotifierSeed);
  EXPECT_EQ(PublicOf(moved), PublicOf(key));
}

}  // namespace
}  // namespace ntf::crypto
