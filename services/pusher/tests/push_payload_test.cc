#include "services/pusher/src/push_payload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ntf/crypto/keys.h"
#include "ntf/crypto/primitives.h"
#include "services/pusher/tests/test_keys.h"

namespace ntf::pusher {
namespace {

using nlohmann::json;
using wire::Bytes;

Bytes Filled(size_t n, uint8_t value) { return Bytes(n, value); }

// A preset SimpleX server: a domain and an onion host, default port.
PnMessageData PresetItem(int64_t ts) {
  return PnMessageData{
      .smp_server = {.hosts = {"smp8.simplex.im",
                               "beccx4yfxxbvyhqypaavemqurytl6hozr47wfc7uuecacjqdvwpw2xid.onion"},
                     .port = "",
                     .key_hash = Filled(32, 0xd1)},
      .notifier_id = Filled(24, 0x07),
      .received_at = absl::FromUnixSeconds(ts),
      .nonce = Filled(24, 0xab),
      .enc_meta = Filled(144, 0x5c),
  };
}

// The longest item we expect from real servers: a 63-character domain, an onion host and a
// five-digit port.
PnMessageData LongestRealisticItem(int64_t ts) {
  PnMessageData item = PresetItem(ts);
  item.smp_server.hosts[0] = std::string(59, 'a') + ".com";
  item.smp_server.port = "65535";
  return item;
}

struct DhPair {
  crypto::DhSecret server;
  crypto::DhSecret client;
};

DhPair MakeDhPair() {
  absl::StatusOr<crypto::PrivateKey> s = crypto::GenerateKeyPair(crypto::KeyAlgorithm::kX25519);
  absl::StatusOr<crypto::PrivateKey> c = crypto::GenerateKeyPair(crypto::KeyAlgorithm::kX25519);
  EXPECT_TRUE(s.ok() && c.ok());
  absl::StatusOr<crypto::DhSecret> server = crypto::ComputeDhSecret(c->public_key(), *s);
  absl::StatusOr<crypto::DhSecret> client = crypto::ComputeDhSecret(s->public_key(), *c);
  EXPECT_TRUE(server.ok() && client.ok());
  return {*std::move(server), *std::move(client)};
}

// What the app does with the APNs body: base64url-decode nonce and blob, open the box, unpad.
std::string Decrypt(const crypto::DhSecret& client, const PushContent& content) {
  const json data = json::parse(ApnsPayloadJson(content))["notificationData"];
  const std::string nonce_b64 = data["nonce"];
  const std::string blob_b64 =
      data.contains("verification") ? data["verification"] : data["message"];
  absl::StatusOr<Bytes> nonce_bytes = wire::Base64UrlDecode(nonce_b64);
  absl::StatusOr<Bytes> blob = wire::Base64UrlDecode(blob_b64);
  EXPECT_TRUE(nonce_bytes.ok() && blob.ok());
  absl::StatusOr<crypto::CbNonce> nonce = crypto::NonceFromBytes(*nonce_bytes);
  EXPECT_TRUE(nonce.ok());
  EXPECT_EQ(blob->size(), kPushPaddedLength + crypto::kBoxTagSize);
  absl::StatusOr<Bytes> plain = crypto::BoxDecryptPadded(client, *nonce, *blob, kPushPaddedLength);
  EXPECT_TRUE(plain.ok()) << plain.status();
  return plain.ok() ? std::string(plain->begin(), plain->end()) : "";
}

TEST(PnMessageDataTest, FormatsLikeTheReference) {
  PnMessageData item = PresetItem(1700000000);
  item.smp_server.port = "5223";
  const std::string kh = wire::Base64UrlEncode(Filled(32, 0xd1));
  EXPECT_EQ(kh.size(), 44u);
  EXPECT_EQ(FormatPnMessageData(item),
            "smp://" + kh +
                "@smp8.simplex.im,beccx4yfxxbvyhqypaavemqurytl6hozr47wfc7uuecacjqdvwpw2xid.onion:"
                "5223/" +
                wire::Base64UrlEncode(Filled(24, 0x07)) + " 1700000000 " +
                wire::Base64UrlEncode(Filled(24, 0xab)) + " " +
                wire::Base64UrlEncode(Filled(144, 0x5c)));
  EXPECT_EQ(FormatPnMessageData(PresetItem(1700000000)).size(), 399u);
  EXPECT_EQ(FormatPnMessageData(LongestRealisticItem(1700000000)).size(), 453u);
}

TEST(PnMessagesTest, JoinsOldestFirstWithSemicolons) {
  const std::vector<PnMessageData> items = {PresetItem(1), PresetItem(2), PresetItem(3)};
  absl::StatusOr<PnMessages> out = FormatPnMessages(items);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->included, 3u);
  std::vector<std::string> parts = testing::Split(out->text, ';');
  ASSERT_EQ(parts.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(parts[i], FormatPnMessageData(items[i]));
}

TEST(PnMessagesTest, KeepsTheSixNewest) {
  std::vector<PnMessageData> items;
  for (int i = 1; i <= 8; ++i) items.push_back(PresetItem(i));
  absl::StatusOr<PnMessages> out = FormatPnMessages(items);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->included, kMaxPnMessages);
  std::vector<std::string> parts = testing::Split(out->text, ';');
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts.front(), FormatPnMessageData(items[2]));
  EXPECT_EQ(parts.back(), FormatPnMessageData(items[7]));
}

TEST(PnMessagesTest, SixLongestRealisticItemsFitThePadding) {
  std::vector<PnMessageData> items;
  for (int i = 0; i < 6; ++i) items.push_back(LongestRealisticItem(4102444800 + i));  // year 2100
  absl::StatusOr<PnMessages> out = FormatPnMessages(items);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->included, 6u);
  EXPECT_EQ(out->text.size(), 6 * 453u + 5);
  EXPECT_LE(out->text.size(), kMaxPnMessagesLength);
}

TEST(PnMessagesTest, DropsOldestItemsThatDoNotFit) {
  std::vector<PnMessageData> items = {PresetItem(1), PresetItem(2), PresetItem(3)};
  const size_t one = FormatPnMessageData(items[0]).size();
  absl::StatusOr<PnMessages> out = FormatPnMessages(items, 2 * one + 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->included, 2u);
  EXPECT_EQ(out->text, FormatPnMessageData(items[1]) + ";" + FormatPnMessageData(items[2]));
  out = FormatPnMessages(items, 2 * one);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->included, 1u);
}

TEST(PnMessagesTest, Errors) {
  EXPECT_EQ(FormatPnMessages({}).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<PnMessageData> items = {PresetItem(1)};
  EXPECT_EQ(FormatPnMessages(items, 100).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PushContentTest, VerificationRoundTrips) {
  const DhPair dh = MakeDhPair();
  const Bytes reg_code = Filled(32, 0x42);
  const crypto::CbNonce nonce = crypto::RandomNonce();
  absl::StatusOr<PushContent> c = MakeVerificationContent(dh.server, nonce, reg_code);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->kind, PushKind::kVerification);
  EXPECT_EQ(c->nonce, nonce);
  EXPECT_EQ(c->box.size(), 2928u);  // 3904 base64url characters
  EXPECT_EQ(Decrypt(dh.client, *c), std::string(32, '\x42'));
}

TEST(PushContentTest, MessageRoundTripsAtMaximumLength) {
  const DhPair dh = MakeDhPair();
  const std::string text(kMaxPnMessagesLength, 'x');
  absl::StatusOr<PushContent> c = MakeMessageContent(dh.server, crypto::RandomNonce(), text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Decrypt(dh.client, *c), text);
  EXPECT_EQ(MakeMessageContent(dh.server, crypto::RandomNonce(), text + "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PushContentTest, EveryBlobHasTheSameSize) {
  const DhPair dh = MakeDhPair();
  absl::StatusOr<PushContent> shortest = MakeMessageContent(dh.server, crypto::RandomNonce(), "");
  absl::StatusOr<PushContent> code =
      MakeVerificationContent(dh.server, crypto::RandomNonce(), Filled(32, 1));
  ASSERT_TRUE(shortest.ok() && code.ok());
  EXPECT_EQ(shortest->box.size(), code->box.size());
  EXPECT_EQ(ApnsPayloadJson(*shortest).find('='), std::string::npos);  // 2928 bytes: no padding
}

// A nonce of bytes 0..23 and a 2-byte box that needs '=' padding and uses '-' and '_'.
PushContent Sample(PushKind kind) {
  PushContent content{.kind = kind, .box = {0xfb, 0xff}};
  for (size_t i = 0; i < content.nonce.size(); ++i) content.nonce[i] = static_cast<uint8_t>(i);
  return content;
}

TEST(ApnsPayloadTest, ExactJsonForEachKind) {
  EXPECT_EQ(ApnsPayloadJson(Sample(PushKind::kVerification)),
            R"({"aps":{"content-available":1},"notificationData":{)"
            R"("nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX","verification":"-_8="}})");
  EXPECT_EQ(ApnsPayloadJson(Sample(PushKind::kMessage)),
            R"({"aps":{"mutable-content":1,"alert":"Encrypted message or another app event",)"
            R"("category":"NTF_CAT_CHECK_MESSAGE"},"notificationData":{)"
            R"("nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX","message":"-_8="}})");
  EXPECT_EQ(ApnsPayloadJson(MakeCheckMessagesContent()),
            R"({"aps":{"content-available":1},"notificationData":{"checkMessages":true}})");
}

// The body is written by hand: byte for byte what nlohmann::ordered_json's dump() writes for the
// same document, for boxes of every length modulo 3 (with and without '=' padding) and the real
// length, with random bytes.
TEST(ApnsPayloadTest, MatchesNlohmannsDocument) {
  for (PushKind kind : {PushKind::kVerification, PushKind::kMessage}) {
    for (size_t size : {0u, 1u, 2u, 3u, 4u, 5u, 2927u, 2928u}) {
      PushContent content{.kind = kind, .nonce = crypto::RandomNonce()};
      content.box = crypto::RandomBytes(size);
      nlohmann::ordered_json aps = {{"content-available", 1}};
      if (kind == PushKind::kMessage) {
        aps = {{"mutable-content", 1},
               {"alert", "Encrypted message or another app event"},
               {"category", "NTF_CAT_CHECK_MESSAGE"}};
      }
      const nlohmann::ordered_json doc = {
          {"aps", aps},
          {"notificationData",
           {{"nonce", wire::Base64UrlEncode(content.nonce)},
            {kind == PushKind::kMessage ? "message" : "verification",
             wire::Base64UrlEncode(content.box)}}}};
      EXPECT_EQ(ApnsPayloadJson(content), doc.dump()) << PushKindName(kind) << " " << size;
    }
  }
}

TEST(ApnsPayloadTest, RealPayloadsFitTheApnsLimit) {
  const DhPair dh = MakeDhPair();
  absl::StatusOr<PushContent> message =
      MakeMessageContent(dh.server, crypto::RandomNonce(), "anything");
  absl::StatusOr<PushContent> verification =
      MakeVerificationContent(dh.server, crypto::RandomNonce(), Filled(32, 9));
  ASSERT_TRUE(message.ok() && verification.ok());
  const std::string message_json = ApnsPayloadJson(*message);
  const std::string verification_json = ApnsPayloadJson(*verification);
  EXPECT_EQ(message_json.size(), 4094u);  // docs/push-payloads.md
  EXPECT_EQ(verification_json.size(), 4017u);
  EXPECT_LE(message_json.size(), kApnsMaxPayloadSize);
  const json parsed = json::parse(message_json);
  EXPECT_EQ(parsed["notificationData"]["message"], wire::Base64UrlEncode(message->box));
}

TEST(ApnsPayloadTest, PaddingIsTheLargestThatFits) {
  // JSON around the blob in a message push: 190 bytes (the nonce is always 32 characters).
  const PushContent empty{.kind = PushKind::kMessage};  // a 24-byte nonce, an empty box
  const size_t overhead = ApnsPayloadJson(empty).size();
  EXPECT_EQ(overhead, 190u);
  auto json_size = [&](size_t padded) { return overhead + 4 * ((padded + 16 + 2) / 3); };
  EXPECT_LE(json_size(kPushPaddedLength), kApnsMaxPayloadSize);
  EXPECT_GT(json_size(kPushPaddedLength + 1), kApnsMaxPayloadSize);
  EXPECT_EQ(json_size(3072), 4310u);  // the reference's padding does not fit
}

}  // namespace
}  // namespace ntf::pusher
