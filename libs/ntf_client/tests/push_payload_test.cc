#include "ntf/client/push_payload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ntf/crypto/primitives.h"

namespace ntf::client {
namespace {

using crypto::KeyAlgorithm;
using wire::Base64UrlEncode;
using wire::Bytes;

// Both ends of a token's DH agreement: the ntf server encrypts with its half, the device
// decrypts with its own.
struct Secrets {
  crypto::DhSecret server;
  crypto::DhSecret device;
};

Secrets MakeSecrets() {
  crypto::PrivateKey server = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);
  crypto::PrivateKey device = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);
  return {.server = *crypto::ComputeDhSecret(device.public_key(), server),
          .device = *crypto::ComputeDhSecret(server.public_key(), device)};
}

// What the pusher puts into notificationData: the nonce and the padded box, base64url.
struct Encrypted {
  std::string nonce;
  std::string box;
};

Encrypted Encrypt(const crypto::DhSecret& secret, wire::ByteSpan plain,
                  size_t padded = kReferencePushPaddedLength) {
  const crypto::CbNonce nonce = crypto::RandomNonce();
  return {.nonce = Base64UrlEncode(nonce),
          .box = Base64UrlEncode(*crypto::BoxEncryptPadded(secret, nonce, plain, padded))};
}

std::string StripPadding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

TEST(PushPayloadTest, DecryptsVerificationCode) {
  const Secrets s = MakeSecrets();
  const Bytes code = crypto::RandomBytes(kRegCodeSize);
  const Encrypted e = Encrypt(s.server, code);
  // The sizes of §3.3: a 32-character nonce and a 4120-character blob (3088 bytes).
  EXPECT_EQ(e.nonce.size(), 32u);
  EXPECT_EQ(e.box.size(), 4120u);
  absl::StatusOr<Bytes> decrypted = DecryptVerification(s.device, e.nonce, e.box);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, code);
}

TEST(PushPayloadTest, AcceptsBase64WithoutPadding) {
  const Secrets s = MakeSecrets();
  const Bytes code = crypto::RandomBytes(kRegCodeSize);
  const Encrypted e = Encrypt(s.server, code);
  absl::StatusOr<Bytes> decrypted =
      DecryptVerification(s.device, StripPadding(e.nonce), StripPadding(e.box));
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, code);
}

TEST(PushPayloadTest, RejectsVerificationUnderAnotherSecret) {
  const Secrets s = MakeSecrets();
  const Secrets other = MakeSecrets();
  const Encrypted e = Encrypt(s.server, crypto::RandomBytes(kRegCodeSize));
  EXPECT_EQ(DecryptVerification(other.device, e.nonce, e.box).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PushPayloadTest, RejectsTamperedBoxAndWrongNonce) {
  const Secrets s = MakeSecrets();
  const Encrypted e = Encrypt(s.server, crypto::RandomBytes(kRegCodeSize));
  Bytes box = *wire::Base64UrlDecode(e.box);
  box[100] ^= 1;
  EXPECT_FALSE(DecryptVerification(s.device, e.nonce, Base64UrlEncode(box)).ok());
  // Another valid nonce.
  EXPECT_FALSE(DecryptVerification(s.device, Base64UrlEncode(crypto::RandomNonce()), e.box).ok());
  // Not 24 bytes; not base64url.
  EXPECT_FALSE(DecryptVerification(s.device, Base64UrlEncode(Bytes(23, 1)), e.box).ok());
  EXPECT_FALSE(DecryptVerification(s.device, "not*base64", e.box).ok());
  EXPECT_FALSE(DecryptVerification(s.device, e.nonce, "#").ok());
}

TEST(PushPayloadTest, AnyPaddedLengthDecryptsAsInTheAgent) {
  const Secrets s = MakeSecrets();
  // Our pusher pads to 2912 (docs/push-payloads.md), the reference to 3072; the agent reads only
  // the length prefix, so both (and any other) decrypt.
  for (size_t padded : {size_t{128}, size_t{2912}, kReferencePushPaddedLength}) {
    const Bytes code = crypto::RandomBytes(kRegCodeSize);
    const Encrypted e = Encrypt(s.server, code, padded);
    absl::StatusOr<Bytes> decrypted = DecryptVerification(s.device, e.nonce, e.box);
    ASSERT_TRUE(decrypted.ok()) << padded << ": " << decrypted.status();
    EXPECT_EQ(*decrypted, code);
  }
}

TEST(PushPayloadTest, RejectsWrongCodeSize) {
  const Secrets s = MakeSecrets();
  // A code of 31 bytes.
  const Encrypted short_code = Encrypt(s.server, crypto::RandomBytes(31));
  absl::StatusOr<Bytes> r = DecryptVerification(s.device, short_code.nonce, short_code.box);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), testing::HasSubstr("31 bytes"));
}

// One item as the reference formats it (strEncode of SMPQueueNtf, SystemTime, CbNonce, bytes).
std::string Item(std::string_view server, const Bytes& notifier_id, int64_t ts,
                 const crypto::CbNonce& nonce, const Bytes& meta) {
  return absl::StrCat(std::string(server), "/", Base64UrlEncode(notifier_id), " ", ts, " ",
                      Base64UrlEncode(nonce), " ", Base64UrlEncode(meta));
}

TEST(PushPayloadTest, DecryptsMessageList) {
  const Secrets s = MakeSecrets();
  const Bytes key_hash(32, 0xab);
  const std::string fp = Base64UrlEncode(key_hash);
  const Bytes nid1 = crypto::RandomId();
  const Bytes nid2 = crypto::RandomId();
  const crypto::CbNonce n1 = crypto::RandomNonce();
  const crypto::CbNonce n2 = crypto::RandomNonce();
  const Bytes meta1 = crypto::RandomBytes(144);
  const Bytes meta2 = crypto::RandomBytes(144);
  const std::string text = absl::StrCat(
      Item("smp://" + fp + "@smp1.example.com", nid1, 1700000000, n1, meta1), ";",
      Item("smp://" + fp + "@smp2.example.com,abcdefgh.onion:5224", nid2, 1700000042, n2, meta2));
  const Encrypted e = Encrypt(s.server, wire::AsSpan(text));

  absl::StatusOr<std::vector<PNMessageData>> messages = DecryptMessages(s.device, e.nonce, e.box);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0],
            (PNMessageData{.smp_server = {.hosts = {"smp1.example.com"}, .key_hash = key_hash},
                           .notifier_id = nid1,
                           .ntf_ts = 1700000000,
                           .nmsg_nonce = n1,
                           .enc_meta = meta1}));
  EXPECT_EQ((*messages)[1],
            (PNMessageData{.smp_server = {.hosts = {"smp2.example.com", "abcdefgh.onion"},
                                          .port = "5224",
                                          .key_hash = key_hash},
                           .notifier_id = nid2,
                           .ntf_ts = 1700000042,
                           .nmsg_nonce = n2,
                           .enc_meta = meta2}));
}

TEST(PushPayloadTest, ParsesSixItems) {
  std::vector<std::string> items;
  for (int i = 0; i < 6; ++i) {
    items.push_back(Item("smp://" + Base64UrlEncode(Bytes(32, 1)) + "@localhost:7001",
                         Bytes(24, static_cast<uint8_t>(i)), i, crypto::RandomNonce(),
                         Bytes(144, 2)));
  }
  absl::StatusOr<std::vector<PNMessageData>> parsed = ParsePNMessages(absl::StrJoin(items, ";"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*parsed)[i].ntf_ts, i);
    EXPECT_EQ((*parsed)[i].notifier_id, Bytes(24, static_cast<uint8_t>(i)));
    EXPECT_EQ((*parsed)[i].smp_server.port, "7001");
  }
}

TEST(PushPayloadTest, RejectsMalformedItems) {
  const std::string fp = Base64UrlEncode(Bytes(32, 1));
  const std::string nonce = Base64UrlEncode(crypto::RandomNonce());
  const std::string nid = Base64UrlEncode(Bytes(24, 3));
  const std::string meta = Base64UrlEncode(Bytes(144, 4));
  const std::string good = absl::StrCat("smp://", fp, "@h.example/", nid, " 5 ", nonce, " ", meta);
  ASSERT_TRUE(ParsePNMessages(good).ok());

  for (const std::string& bad : {
           std::string(""), absl::StrCat(good, ";"),                           // empty item
           absl::StrCat("smp://", fp, "@h.example ", "5 ", nonce, " ", meta),  // no notifier id
           absl::StrCat("smp://", fp, "@h.example/ 5 ", nonce, " ", meta),     // empty notifier id
           absl::StrCat("ntf://", fp, "@h.example/", nid, " 5 ", nonce, " ", meta),
           absl::StrCat("smp://", fp, "@h.example/", nid, " 5 ", nonce),  // 3 fields
           absl::StrCat("smp://", fp, "@h.example/", nid, "  5 ", nonce, " ", meta),
           absl::StrCat("smp://", fp, "@h.example/", nid, " +5 ", nonce, " ", meta),
           absl::StrCat("smp://", fp, "@h.example/", nid, " 5x ", nonce, " ", meta),
           absl::StrCat("smp://", fp, "@h.example/", nid, " 5 ", Base64UrlEncode(Bytes(23, 0)), " ",
                        meta),
           absl::StrCat("smp://", fp, "@h.example/", nid, " 5 ", nonce, " ", meta, "*"),
           absl::StrCat("smp://AAAA@h.example/", nid, " 5 ", nonce, " ", meta),  // short key hash
       }) {
    EXPECT_EQ(ParsePNMessages(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  // A failure names the item.
  EXPECT_THAT(ParsePNMessages(absl::StrCat(good, ";x")).status().message(),
              testing::HasSubstr("item 1"));
}

}  // namespace
}  // namespace ntf::client
