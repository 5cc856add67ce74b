#include "ntf/crypto/box.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "ntf/crypto/primitives.h"
#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using testing::Hex;
using testing::ToHex;

PrivateKey X25519Key(std::string_view hex) {
  return *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(hex));
}

TEST(Tv4NMsgMeta, DhSecretMatchesOnBothSides) {
  PrivateKey server = X25519Key(testing::kServerNtfPriv);
  PrivateKey recipient = X25519Key(testing::kRecipientNtfPriv);
  EXPECT_EQ(ToHex(PublicOf(server).raw), testing::kServerNtfPub);
  EXPECT_EQ(ToHex(PublicOf(recipient).raw), testing::kRecipientNtfPub);
  absl::StatusOr<DhSecret> at_server = ComputeDhSecret(PublicOf(recipient), server);
  absl::StatusOr<DhSecret> at_recipient = ComputeDhSecret(PublicOf(server), recipient);
  ASSERT_TRUE(at_server.ok() && at_recipient.ok());
  EXPECT_EQ(ToHex(at_server->raw()), testing::kRcvNtfDhSecret);
  EXPECT_EQ(ToHex(at_recipient->raw()), testing::kRcvNtfDhSecret);
}

TEST(Tv4NMsgMeta, EncryptedMetaIsExactAndDecrypts) {
  DhSecret secret = *DhSecret::FromRaw(Hex(testing::kRcvNtfDhSecret));
  const CbNonce nonce = *NonceFromBytes(Hex(testing::kNMsgNonce));
  absl::StatusOr<Bytes> enc = BoxEncryptPadded(secret, nonce, Hex(testing::kNMsgMeta), 128);
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_EQ(enc->size(), 144u);
  EXPECT_EQ(ToHex(*enc), testing::kEncNMsgMeta);

  // The recipient's side.
  DhSecret recipient = *ComputeDhSecret(PublicOf(X25519Key(testing::kServerNtfPriv)),
                                        X25519Key(testing::kRecipientNtfPriv));
  absl::StatusOr<Bytes> meta = BoxDecryptPadded(recipient, nonce, *enc, 128);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(ToHex(*meta), testing::kNMsgMeta);
  // Without the expected size check too; and a wrong expected size fails.
  EXPECT_EQ(ToHex(*BoxDecryptPadded(recipient, nonce, *enc)), testing::kNMsgMeta);
  EXPECT_FALSE(BoxDecryptPadded(recipient, nonce, *enc, 3072).ok());
}

TEST(Tv4NMsgMeta, TamperedOrTruncatedBoxIsRejected) {
  DhSecret secret = *DhSecret::FromRaw(Hex(testing::kRcvNtfDhSecret));
  const CbNonce nonce = *NonceFromBytes(Hex(testing::kNMsgNonce));
  Bytes enc = Hex(testing::kEncNMsgMeta);
  for (size_t i : {size_t{0}, size_t{15}, size_t{16}, size_t{143}}) {
    Bytes bad = enc;
    bad[i] ^= 0x01;
    EXPECT_FALSE(BoxDecrypt(secret, nonce, bad).ok()) << i;
  }
  CbNonce other_nonce = nonce;
  other_nonce[23] ^= 1;
  EXPECT_FALSE(BoxDecrypt(secret, other_nonce, enc).ok());
  EXPECT_FALSE(BoxDecrypt(secret, nonce, ByteSpan(enc).subspan(0, 15)).ok());
  EXPECT_FALSE(BoxDecrypt(secret, nonce, {}).ok());
}

TEST(Box, EmptyMessageIsJustATag) {
  DhSecret secret = *DhSecret::FromRaw(Bytes(32, 7));
  const CbNonce nonce = RandomNonce();
  Bytes enc = BoxEncrypt(secret, nonce, {});
  EXPECT_EQ(enc.size(), kBoxTagSize);
  absl::StatusOr<Bytes> dec = BoxDecrypt(secret, nonce, enc);
  ASSERT_TRUE(dec.ok());
  EXPECT_TRUE(dec->empty());
}

TEST(Box, PushPayloadSizeIs3088) {
  DhSecret secret = *DhSecret::FromRaw(RandomBytes(32));
  absl::StatusOr<Bytes> enc = BoxEncryptPadded(secret, RandomNonce(), wire::AsSpan("{}"), 3072);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->size(), 3088u);
}

// BoxEncryptPadded pads and encrypts in one buffer: the same bytes as BoxEncrypt(Pad(...)),
// and the same refusals, for the push payload size and around the edges.
TEST(Box, EncryptPaddedIsBoxEncryptOfPad) {
  const DhSecret secret = *DhSecret::FromRaw(RandomBytes(32));
  const CbNonce nonce = RandomNonce();
  for (const auto& [msg_size, padded_len] :
       std::vector<std::pair<size_t, size_t>>{{0, 2},
                                              {0, 4},
                                              {2, 4},
                                              {3, 4},
                                              {0, 1},
                                              {32, 2912},
                                              {2910, 2912},
                                              {2911, 2912},
                                              {65535, 65537},
                                              {65536, 70000}}) {
    const Bytes msg = RandomBytes(msg_size);
    absl::StatusOr<Bytes> padded = Pad(msg, padded_len);
    absl::StatusOr<Bytes> box = BoxEncryptPadded(secret, nonce, msg, padded_len);
    ASSERT_EQ(box.ok(), padded.ok()) << msg_size << " in " << padded_len;
    if (!padded.ok()) {
      EXPECT_EQ(box.status(), padded.status());
      continue;
    }
    EXPECT_EQ(*box, BoxEncrypt(secret, nonce, *padded)) << msg_size << " in " << padded_len;
  }
}

TEST(Box, DhRejectsWrongKeys) {
  PrivateKey x = X25519Key(testing::kNotifierXPriv);
  // Small-order point: libsodium refuses the all-zero result.
  EXPECT_FALSE(
      ComputeDhSecret(PublicKey{.alg = KeyAlgorithm::kX25519, .raw = Bytes(32, 0)}, x).ok());
  EXPECT_FALSE(
      ComputeDhSecret(PublicKey{.alg = KeyAlgorithm::kX25519, .raw = Bytes(31, 9)}, x).ok());
  EXPECT_FALSE(
      ComputeDhSecret(PublicKey{.alg = KeyAlgorithm::kEd25519, .raw = Bytes(32, 9)}, x).ok());
  PrivateKey ed = *PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Hex(testing::kNotifierSeed));
  EXPECT_FALSE(ComputeDhSecret(PublicOf(x), ed).ok());
  EXPECT_FALSE(DhSecret::FromRaw(Bytes(31, 0)).ok());
  EXPECT_FALSE(SbKey::FromRaw(Bytes(33, 0)).ok());
}

TEST(Box, SbEncryptIsCryptoBoxWithTheKeyAsSecret) {
  // SimpleX secret_box with key k equals crypto_box with a DH secret k: both apply HSalsa20.
  const Bytes raw = RandomBytes(32);
  const CbNonce nonce = RandomNonce();
  const Bytes msg = RandomBytes(100);
  Bytes sb = SbEncrypt(*SbKey::FromRaw(raw), nonce, msg);
  EXPECT_EQ(sb, BoxEncrypt(*DhSecret::FromRaw(raw), nonce, msg));
  EXPECT_EQ(*SbDecrypt(*SbKey::FromRaw(raw), nonce, sb), msg);
  sb[20] ^= 4;
  EXPECT_FALSE(SbDecrypt(*SbKey::FromRaw(raw), nonce, sb).ok());
}

TEST(Nonce, FromCorrIdPadsOrTruncates) {
  EXPECT_EQ(ToHex(NonceFromCorrId(Hex(testing::kCorrId))), testing::kCorrId);
  EXPECT_EQ(ToHex(NonceFromCorrId(Hex("0102"))), "0102" + std::string(44, '0'));
  EXPECT_EQ(ToHex(NonceFromCorrId({})), std::string(48, '0'));
  Bytes long_id = Hex(testing::kCorrId);
  long_id.push_back(0xff);
  EXPECT_EQ(ToHex(NonceFromCorrId(long_id)), testing::kCorrId);
  EXPECT_FALSE(NonceFromBytes(Bytes(23, 0)).ok());
  EXPECT_FALSE(NonceFromBytes(Bytes(25, 0)).ok());
  EXPECT_NE(RandomNonce(), RandomNonce());
}

TEST(Pad, LayoutAndEdgeCases) {
  // TV4 NMsgMeta padded to 128: 0021 || meta || 93 x '#'.
  Bytes padded = *Pad(Hex(testing::kNMsgMeta), 128);
  ASSERT_EQ(padded.size(), 128u);
  EXPECT_EQ(ToHex(ByteSpan(padded).subspan(0, 2)), "0021");
  for (size_t i = 2 + 33; i < padded.size(); ++i) ASSERT_EQ(padded[i], '#') << i;
  EXPECT_EQ(ToHex(*Unpad(padded)), testing::kNMsgMeta);

  // Empty message; exact fit; one byte too many; padded length below 2.
  EXPECT_EQ(ToHex(*Pad({}, 4)), "00002323");
  EXPECT_EQ(ToHex(*Pad(Hex("abcd"), 4)), "0002abcd");
  EXPECT_FALSE(Pad(Hex("abcdef"), 4).ok());
  EXPECT_FALSE(Pad({}, 1).ok());
  EXPECT_FALSE(Pad(Bytes(65536, 1), 70000).ok());
  EXPECT_EQ(Pad(Bytes(65535, 1), 65537)->size(), 65537u);

  // Unpad: too short for the length, length past the end, exact, pad bytes are not checked.
  EXPECT_FALSE(Unpad({}).ok());
  EXPECT_FALSE(Unpad(Hex("00")).ok());
  EXPECT_FALSE(Unpad(Hex("0003abcd")).ok());
  EXPECT_EQ(ToHex(*Unpad(Hex("0002abcd"))), "abcd");
  EXPECT_TRUE(Unpad(Hex("0000"))->empty());
  EXPECT_EQ(ToHex(*Unpad(Hex("0001ab0000"))), "ab");
}

}  // namespace
}  // namespace ntf::crypto
