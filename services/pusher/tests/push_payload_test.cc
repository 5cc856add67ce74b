#include "services/pusher/src/push_payload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ntf/crypto/keys.h"
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

// What the app does: base64url-decode nonce and blob, open the box, unpad.
std::string Decrypt(const crypto::DhSecret& client, const std::string& nonce_b64,
                    const std::string& blob_b64) {
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
  EXPECT_EQ(c->nonce, wire::Base64UrlEncode(nonce));
  EXPECT_EQ(c->nonce.size(), 32u);
  EXPECT_EQ(c->encrypted.size(), 3904u);
  EXPECT_EQ(Decrypt(dh.client, c->nonce, c->encrypted), std::string(32, '\x42'));
}

TEST(PushContentTest, MessageRoundTripsAtMaximumLength) {
  const DhPair dh = MakeDhPair();
  const std::string text(kMaxPnMessagesLength, 'x');
  absl::StatusOr<PushContent> c = MakeMessageContent(dh.server, crypto::RandomNonce(), text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Decrypt(dh.client, c->nonce, c->encrypted), text);
  EXPECT_EQ(MakeMessageContent(dh.server, crypto::RandomNonce(), text + "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PushContentTest, EveryBlobHasTheSameSize) {
  const DhPair dh = MakeDhPair();
  absl::StatusOr<PushContent> shortest = MakeMessageContent(dh.server, crypto::RandomNonce(), "");
  absl::StatusOr<PushContent> code =
      MakeVerificationContent(dh.server, crypto::RandomNonce(), Filled(32, 1));
  ASSERT_TRUE(shortest.ok() && code.ok());
  EXPECT_EQ(shortest->encrypted.size(), code->encrypted.size());
  EXPECT_EQ(shortest->encrypted.find('='), std::string::npos);  // 2928 bytes: no padding chars
}

TEST(ApnsPayloadTest, ExactJsonForEachKind) {
  const PushContent verification{.kind = PushKind::kVerification, .nonce = "N", .encrypted = "E"};
  EXPECT_EQ(
      ApnsPayloadJson(verification),
      R"({"aps":{"content-available":1},"notificationData":{"nonce":"N","verification":"E"}})");
  const PushContent message{.kind = PushKind::kMessage, .nonce = "N", .encrypted = "E"};
  EXPECT_EQ(
      ApnsPayloadJson(message),
      R"({"aps":{"mutable-content":1,"alert":"Encrypted message or another app event",)"
      R"("category":"NTF_CAT_CHECK_MESSAGE"},"notificationData":{"nonce":"N","message":"E"}})");
  EXPECT_EQ(ApnsPayloadJson(MakeCheckMessagesContent()),
            R"({"aps":{"content-available":1},"notificationData":{"checkMessages":true}})");
}

TEST(ApnsPayloadTest, EscapesWhatIsNotBase64) {
  const PushContent odd{
      .kind = PushKind::kVerification, .nonce = "a\"b\\c\n", .encrypted = "\x01\xc3\xa9"};
  const std::string body = ApnsPayloadJson(odd);
  EXPECT_EQ(body, R"({"aps":{"content-available":1},"notificationData":{"nonce":"a\"b\\c\n",)"
                  "\"verification\":\"\\u0001\xc3\xa9\"}}");
  const json parsed = json::parse(body);
  EXPECT_EQ(parsed["notificationData"]["nonce"], odd.nonce);
  EXPECT_EQ(parsed["notificationData"]["verification"], odd.encrypted);
}

// Every byte value at every position of an 8-byte word (and in the tail) is escaped exactly as
// nlohmann's serializer does it, or copied when it needs no escaping.
TEST(ApnsPayloadTest, JsonStringsMatchNlohmannForEveryByte) {
  for (int c = 0; c < 256; ++c) {
    for (size_t pos : {0u, 3u, 7u, 8u, 12u, 17u}) {
      std::string value = "abcdefghijklmnopq";  // 17 characters: two words and a tail
      value[pos % value.size()] = static_cast<char>(c);
      const PushContent content{.kind = PushKind::kVerification, .nonce = "N", .encrypted = value};
      std::string expected;
      try {
        expected = R"({"aps":{"content-available":1},"notificationData":{"nonce":"N",)"
                   R"("verification":)" +
                   json(value).dump() + "}}";
      } catch (const json::exception&) {
        EXPECT_THROW(ApnsPayloadJson(content), json::exception);  // invalid UTF-8, as before
        continue;
      }
      EXPECT_EQ(ApnsPayloadJson(content), expected) << "byte " << c << " at " << pos;
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
  EXPECT_EQ(parsed["notificationData"]["message"], message->encrypted);
}

TEST(ApnsPayloadTest, PaddingIsTheLargestThatFits) {
  // JSON around the blob in a message push: 190 bytes (the nonce is always 32 characters).
  const PushContent empty{.kind = PushKind::kMessage, .nonce = std::string(32, 'n')};
  const size_t overhead = ApnsPayloadJson(empty).size();
  EXPECT_EQ(overhead, 190u);
  auto json_size = [&](size_t padded) { return overhead + 4 * ((padded + 16 + 2) / 3); };
  EXPECT_LE(json_size(kPushPaddedLength), kApnsMaxPayloadSize);
  EXPECT_GT(json_size(kPushPaddedLength + 1), kApnsMaxPayloadSize);
  EXPECT_EQ(json_size(3072), 4310u);  // the reference's padding does not fit
}

}  // namespace
}  // namespace ntf::pusher
