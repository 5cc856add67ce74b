#include "ntf/crypto/sign.h"

#include <gtest/gtest.h>

#include "ntf/wire/transmission.h"
#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using testing::Hex;
using testing::ToHex;

constexpr std::string_view kRfcEd448Secret =
    "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94"
    "492f8f032e7549a20098f95b";
// RFC 8032 §7.4 "blank": the signature of the empty message.
constexpr std::string_view kRfcEd448BlankSignature =
    "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22dd"
    "d47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda85"
    "30a113a0f4dbb61149f05a7363268c71d95808ff2e652600";

Bytes NsubSignedBytes() {
  absl::StatusOr<Bytes> bytes =
      wire::BytesToAuthorize(Hex(testing::kSessionId), Hex(testing::kCorrId),
                             Hex(testing::kNotifierId), wire::AsSpan("NSUB"));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : Bytes();
}

TEST(Tv1NsubSignature, SignedBytesMatch) {
  Bytes signed_bytes = NsubSignedBytes();
  EXPECT_EQ(signed_bytes.size(), 87u);
  EXPECT_EQ(ToHex(signed_bytes), testing::kNsubSignedBytes);
}

TEST(Tv1NsubSignature, Ed25519SignatureIsExact) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  absl::StatusOr<Bytes> sig = Sign(key, NsubSignedBytes());
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(ToHex(*sig), testing::kNsubSignature);
  EXPECT_TRUE(Verify(PublicOf(key), NsubSignedBytes(), *sig));
}

TEST(Tv1NsubSignature, WrongSignatureIsRejected) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  const Bytes message = NsubSignedBytes();
  Bytes sig = Hex(testing::kNsubSignature);
  for (size_t i : {size_t{0}, size_t{31}, size_t{63}}) {
    Bytes bad = sig;
    bad[i] ^= 0x01;
    EXPECT_FALSE(Verify(PublicOf(key), message, bad)) << i;
  }
  Bytes other_message = message;
  other_message.back() ^= 0x01;
  EXPECT_FALSE(Verify(PublicOf(key), other_message, sig));
  // Another key.
  EXPECT_FALSE(Verify(*DecodePublicKeySpki(Hex(testing::kDummyEd25519Spki)), message, sig));
}

TEST(Sign, Ed448MatchesRfc8032) {
  PrivateKey key = *PrivateKey::FromRaw(KeyAlgorithm::kEd448, Hex(kRfcEd448Secret));
  absl::StatusOr<Bytes> sig = Sign(key, {});
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(ToHex(*sig), kRfcEd448BlankSignature);
  EXPECT_TRUE(Verify(PublicOf(key), {}, *sig));
}

TEST(Sign, Ed448RoundTripAndRejection) {
  PrivateKey key = *GenerateKeyPair(KeyAlgorithm::kEd448);
  const Bytes message = NsubSignedBytes();
  absl::StatusOr<Bytes> sig = Sign(key, message);
  ASSERT_TRUE(sig.ok()) << sig.status();
  ASSERT_EQ(sig->size(), kEd448SignatureSize);
  EXPECT_TRUE(Verify(PublicOf(key), message, *sig));

  Bytes bad = *sig;
  bad[10] ^= 0x80;
  EXPECT_FALSE(Verify(PublicOf(key), message, bad));
  EXPECT_FALSE(Verify(PublicOf(*GenerateKeyPair(KeyAlgorithm::kEd448)), message, *sig));
  Bytes other = message;
  other[0] ^= 1;
  EXPECT_FALSE(Verify(PublicOf(key), other, *sig));
}

TEST(Sign, MalformedInputsNeverVerify) {
  PrivateKey ed = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  const Bytes message = NsubSignedBytes();
  const Bytes sig = *Sign(ed, message);
  // Wrong signature lengths.
  EXPECT_FALSE(Verify(PublicOf(ed), message, {}));
  EXPECT_FALSE(Verify(PublicOf(ed), message, ByteSpan(sig).subspan(0, 63)));
  Bytes longer = sig;
  longer.push_back(0);
  EXPECT_FALSE(Verify(PublicOf(ed), message, longer));
  EXPECT_FALSE(Verify(PublicOf(ed), message, Bytes(kEd448SignatureSize, 0)));
  // Wrong key lengths, for both algorithms.
  EXPECT_FALSE(Verify(PublicKey{.alg = KeyAlgorithm::kEd25519, .raw = Bytes(31, 1)}, message, sig));
  EXPECT_FALSE(Verify(PublicKey{.alg = KeyAlgorithm::kEd25519, .raw = {}}, message, sig));
  EXPECT_FALSE(Verify(PublicKey{.alg = KeyAlgorithm::kEd448, .raw = Bytes(10, 1)}, message,
                      Bytes(kEd448SignatureSize, 0)));
  // DH keys neither sign nor verify.
  PrivateKey x = *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kNotifierXPriv));
  EXPECT_EQ(Sign(x, message).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Verify(PublicOf(x), message, sig));
}

// OpenSSL 3.0 accepts Ed448 public keys of small order: with y = 0, both forged signatures below
// verify for every message (checked with Python "cryptography", which uses OpenSSL). Verify
// refuses all four small-order points.
TEST(Sign, Ed448SmallOrderKeysAreRejected) {
  Bytes y_zero(57, 0);
  Bytes y_zero_x_odd(57, 0);
  y_zero_x_odd[56] = 0x80;
  Bytes y_one(57, 0);
  y_one[0] = 1;
  Bytes y_minus_one(57, 0xff);  // p - 1 = 2^448 - 2^224 - 2, little-endian
  y_minus_one[0] = 0xfe;
  y_minus_one[28] = 0xfe;
  y_minus_one[56] = 0x00;
  for (const Bytes& raw : {y_zero, y_zero_x_odd, y_one, y_minus_one}) {
    ASSERT_EQ(raw.size(), 57u);
    const PublicKey key{.alg = KeyAlgorithm::kEd448, .raw = raw};
    // Signatures (R, S) with S = 0 and R = the all-zero encoding or the key itself.
    Bytes r_is_key = raw;
    r_is_key.resize(kEd448SignatureSize, 0);
    for (uint8_t b = 0; b < 16; ++b) {
      Bytes m = NsubSignedBytes();
      m.push_back(b);
      EXPECT_FALSE(Verify(key, m, Bytes(kEd448SignatureSize, 0))) << ToHex(raw);
      EXPECT_FALSE(Verify(key, m, r_is_key)) << ToHex(raw);
    }
  }
}

}  // namespace
}  // namespace ntf::crypto
