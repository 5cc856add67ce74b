#include "ntf/crypto/signed_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ntf/crypto/sign.h"
#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using ::testing::HasSubstr;
using testing::Hex;
using testing::ToHex;

constexpr std::string_view kRfcEd448Secret =
    "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94"
    "492f8f032e7549a20098f95b";
// The TV7 session key signed by the RFC 8032 Ed448 key (computed with Python "cryptography").
constexpr std::string_view kSignedExactEd448 =
    "3081a8"
    "302a300506032b656e032100675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
    "300506032b6571"
    "037300a68479e8b72aba3ea73efa75ae237d45f978a9934aaec0b62b292ebc5762c970509c6ab2e6c6758efc56"
    "947a14cc1f687b75baf7a8da3b1e009868c64b9b0916ba6a8ec67d702982f4a82d4192547d553114ebb27b7b02"
    "c187e594c80cf692198cde8eb9ccac294aa894cee7f9912c700800";

class Tv7SignedKey : public ::testing::Test {
 protected:
  const PrivateKey tls_ = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kTlsSeed));
  const PublicKey session_{.alg = KeyAlgorithm::kX25519, .raw = Hex(testing::kServerSessionPub)};
};

TEST_F(Tv7SignedKey, EncodingIsExact) {
  EXPECT_EQ(ToHex(PublicOf(tls_).raw), testing::kTlsPub);
  absl::StatusOr<Bytes> der = EncodeSignedKey(session_, tls_);
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(der->size(), 120u);
  EXPECT_EQ(ToHex(*der), testing::kSignedExact);
}

TEST_F(Tv7SignedKey, VerifiesAndReturnsTheSessionKey) {
  absl::StatusOr<PublicKey> key = VerifySignedKey(Hex(testing::kSignedExact), PublicOf(tls_));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, session_);

  absl::StatusOr<SignedKeyParts> parts = ParseSignedKey(Hex(testing::kSignedExact));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signed_spki.size(), 44u);
  EXPECT_EQ(parts->signature_alg, KeyAlgorithm::kEd25519);
  EXPECT_EQ(parts->signature.size(), 64u);
}

TEST_F(Tv7SignedKey, WrongSignerOrTamperingIsRejected) {
  const Bytes der = Hex(testing::kSignedExact);
  PrivateKey other = *GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(VerifySignedKey(der, PublicOf(other)).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Flip a byte of the key, of the signature.
  for (size_t i : {size_t{20}, size_t{119}}) {
    Bytes bad = der;
    bad[i] ^= 1;
    EXPECT_EQ(VerifySignedKey(bad, PublicOf(tls_)).status().code(),
              absl::StatusCode::kPermissionDenied)
        << i;
  }
  // An Ed448 signer key against an Ed25519 signature.
  PrivateKey ed448 = *GenerateKeyPair(KeyAlgorithm::kEd448);
  absl::Status mismatch = VerifySignedKey(der, PublicOf(ed448)).status();
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(mismatch.message(), HasSubstr("Ed448"));
  // The signed key is X25519; asking for Ed25519 fails.
  EXPECT_EQ(VerifySignedKey(der, PublicOf(tls_), KeyAlgorithm::kEd25519).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(Tv7SignedKey, Ed448SignerUsesLongFormLength) {
  PrivateKey signer = *PrivateKey::FromRaw(KeyAlgorithm::kEd448, Hex(kRfcEd448Secret));
  absl::StatusOr<Bytes> der = EncodeSignedKey(session_, signer);
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(der->size(), 171u);
  EXPECT_EQ(ToHex(*der), kSignedExactEd448);
  absl::StatusOr<PublicKey> key = VerifySignedKey(*der, PublicOf(signer));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, session_);
}

TEST_F(Tv7SignedKey, SignsAnEd25519KeyForTheServiceHandshake) {
  PrivateKey service = *GenerateKeyPair(KeyAlgorithm::kEd25519);
  Bytes der = *EncodeSignedKey(PublicOf(service), tls_);
  EXPECT_EQ(*VerifySignedKey(der, PublicOf(tls_), KeyAlgorithm::kEd25519), PublicOf(service));
  // A DH key cannot sign.
  PrivateKey x = *GenerateKeyPair(KeyAlgorithm::kX25519);
  EXPECT_FALSE(EncodeSignedKey(session_, x).ok());
}

TEST_F(Tv7SignedKey, EveryTruncationIsRejected) {
  const Bytes der = Hex(testing::kSignedExact);
  for (size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(ParseSignedKey(ByteSpan(der).subspan(0, n)).ok()) << n;
  }
  Bytes longer = der;
  longer.push_back(0);
  EXPECT_THAT(ParseSignedKey(longer).status().message(), HasSubstr("trailing"));
}

TEST_F(Tv7SignedKey, MalformedDerIsRejected) {
  const std::string spki =
      "302a300506032b656e032100675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f";
  const std::string sig(128, 'a');
  auto parse = [](const std::string& hex) { return ParseSignedKey(Hex(hex)).status(); };
  // Reference: well-formed (the signature is not checked by ParseSignedKey).
  EXPECT_TRUE(parse("3076" + spki + "300506032b6570" + "034100" + sig).ok());
  // Non-minimal outer length (0x81 with a value < 0x80).
  EXPECT_FALSE(parse("308176" + spki + "300506032b6570" + "034100" + sig).ok());
  // Indefinite length.
  EXPECT_FALSE(parse("3080" + spki + "300506032b6570" + "034100" + sig + "0000").ok());
  // Wrong outer tag.
  EXPECT_FALSE(parse("3176" + spki + "300506032b6570" + "034100" + sig).ok());
  // Unused bits in the BIT STRING.
  EXPECT_FALSE(parse("3076" + spki + "300506032b6570" + "034101" + sig).ok());
  // Algorithm parameters present (NULL).
  EXPECT_FALSE(parse("3078" + spki + "300706032b65700500" + "034100" + sig).ok());
  // Unknown OID (X25519 is not a signature algorithm).
  EXPECT_FALSE(parse("3076" + spki + "300506032b656e" + "034100" + sig).ok());
  // Ed448 OID with a 64-byte signature.
  EXPECT_FALSE(parse("3076" + spki + "300506032b6571" + "034100" + sig).ok());
  // An extra element after the signature.
  EXPECT_FALSE(parse("3078" + spki + "300506032b6570" + "034100" + sig + "0500").ok());
  // Inner length running past its parent.
  EXPECT_FALSE(parse("3076" + spki + "300606032b6570" + "034100" + sig).ok());
  // Empty BIT STRING.
  EXPECT_FALSE(parse("3037" + spki + "300506032b6570" + "0300").ok());
}

TEST_F(Tv7SignedKey, SignedContentMustBeAKnownSpki) {
  // A well-signed SPKI of an unknown layout (one extra byte) parses but does not decode.
  Bytes odd_spki = Hex(
      "302b300506032b656e032200675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f00");
  Bytes sig = *Sign(tls_, odd_spki);
  Bytes content = odd_spki;
  for (uint8_t b : Hex("300506032b6570034100")) content.push_back(b);
  content.insert(content.end(), sig.begin(), sig.end());
  Bytes der = {0x30, static_cast<uint8_t>(content.size())};
  der.insert(der.end(), content.begin(), content.end());
  ASSERT_TRUE(ParseSignedKey(der).ok());
  EXPECT_EQ(VerifySignedKey(der, PublicOf(tls_)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::crypto
