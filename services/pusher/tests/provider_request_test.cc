#include "services/pusher/src/provider_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace ntf::pusher {
namespace {

using nlohmann::json;

constexpr std::string_view kHexToken =
    "8a2f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";
const absl::Time kEnqueued = absl::FromUnixSeconds(1700000000);

// A nonce and a box whose base64url is "NONCENONCENONCENONCENONCENONCE00" and "BLOB".
PushContent Content(PushKind kind) {
  if (kind == PushKind::kCheckMessages) return MakeCheckMessagesContent();
  return PushContent{.kind = kind,
                     .nonce = {52, 227, 66,  16, 211, 141, 8,  67,  78,  52, 33, 13,
                               56, 208, 132, 52, 227, 66,  16, 211, 141, 8,  77, 52},
                     .box = {0x04, 0xb3, 0x81}};
}

ApnsRequestParams Apns(std::string_view token = kHexToken) {
  return ApnsRequestParams{.device_token = token,
                           .topic = "chat.simplex.app",
                           .job_id = "job-1",
                           .enqueued_at = kEnqueued,
                           .now = kEnqueued + absl::Seconds(3),
                           .provider_token = "eyJ.jwt.sig"};
}

FcmRequestParams Fcm() {
  return FcmRequestParams{.registration_token = "fcm:token-1_x",
                          .project_id = "simplex-ntf",
                          .enqueued_at = kEnqueued,
                          .now = kEnqueued + absl::Seconds(100),
                          .access_token = "ya29.token"};
}

TEST(ApnsIdTest, IsADeterministicVersion8Uuid) {
  const std::string id = ApnsIdFromJobId("AAECAwQFBgcICQoLDA0ODw==");
  EXPECT_TRUE(std::regex_match(
      id, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
      << id;
  EXPECT_EQ(ApnsIdFromJobId("AAECAwQFBgcICQoLDA0ODw=="), id);
  EXPECT_NE(ApnsIdFromJobId("AAECAwQFBgcICQoLDA0ODg=="), id);
  EXPECT_NE(ApnsIdFromJobId(""), id);
}

// Known answers (SHA-256 computed independently): a retried job must keep its apns-id across
// releases, so the derivation may never change.
TEST(ApnsIdTest, KnownAnswers) {
  EXPECT_EQ(ApnsIdFromJobId("AAECAwQFBgcICQoLDA0ODw=="), "d553576f-4e38-8279-bbd7-0d5db8cc610d");
  EXPECT_EQ(ApnsIdFromJobId("job-1"), "4601e1be-d2bc-84c0-864c-724ec7f68ecd");
  EXPECT_EQ(ApnsIdFromJobId(""), "e5a3356c-2989-8e93-a407-f1c99d3a9cee");
}

TEST(PushLifetimeTest, PerKind) {
  EXPECT_EQ(PushLifetime(PushKind::kVerification), absl::Hours(1));
  EXPECT_EQ(PushLifetime(PushKind::kMessage), absl::Hours(168));
  EXPECT_EQ(PushLifetime(PushKind::kCheckMessages), absl::Minutes(20));
  EXPECT_EQ(PushExpiry(PushKind::kVerification, kEnqueued), kEnqueued + absl::Hours(1));
}

TEST(ApnsRequestTest, VerificationIsBackgroundPriorityFive) {
  absl::StatusOr<HttpRequest> r = BuildApnsRequest(Content(PushKind::kVerification), Apns());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/3/device/" + std::string(kHexToken));
  const HttpHeaders expected = {
      {"authorization", "bearer eyJ.jwt.sig"}, {"apns-topic", "chat.simplex.app"},
      {"apns-push-type", "background"},        {"apns-priority", "5"},
      {"apns-id", ApnsIdFromJobId("job-1")},   {"apns-expiration", "1700003600"}};
  EXPECT_EQ(r->headers, expected);
  EXPECT_EQ(r->body, ApnsPayloadJson(Content(PushKind::kVerification)));
}

TEST(ApnsRequestTest, MessageIsAlertWithoutPriorityHeader) {
  absl::StatusOr<HttpRequest> r = BuildApnsRequest(Content(PushKind::kMessage), Apns());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-push-type"), "alert");
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-priority"), std::nullopt);
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-expiration"), "1700604800");
}

TEST(ApnsRequestTest, CheckMessagesIsBackground) {
  absl::StatusOr<HttpRequest> r = BuildApnsRequest(Content(PushKind::kCheckMessages), Apns());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-push-type"), "background");
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-priority"), "5");
  EXPECT_EQ(FindHttpHeader(r->headers, "apns-expiration"), "1700001200");
  EXPECT_EQ(r->body,
            R"({"aps":{"content-available":1},"notificationData":{"checkMessages":true}})");
}

TEST(ApnsRequestTest, RetriesReuseTheApnsIdAndExpiration) {
  ApnsRequestParams later = Apns();
  later.now = kEnqueued + absl::Minutes(30);
  absl::StatusOr<HttpRequest> a = BuildApnsRequest(Content(PushKind::kVerification), Apns());
  absl::StatusOr<HttpRequest> b = BuildApnsRequest(Content(PushKind::kVerification), later);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(FindHttpHeader(a->headers, "apns-id"), FindHttpHeader(b->headers, "apns-id"));
  EXPECT_EQ(FindHttpHeader(a->headers, "apns-expiration"),
            FindHttpHeader(b->headers, "apns-expiration"));
}

TEST(ApnsRequestTest, DeviceTokensAreNonEmptyEvenLengthLowercaseHex) {
  EXPECT_TRUE(IsApnsDeviceToken("00"));
  EXPECT_TRUE(IsApnsDeviceToken(std::string(64, 'f')));
  EXPECT_TRUE(IsApnsDeviceToken("0123456789abcdef"));
  EXPECT_FALSE(IsApnsDeviceToken(""));
  EXPECT_FALSE(IsApnsDeviceToken("abc"));
  EXPECT_FALSE(IsApnsDeviceToken(std::string(64, 'f') + "0"));
  // Every byte that is not a lowercase hex digit, anywhere in the token.
  for (int c = 0; c < 256; ++c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    for (size_t at : {size_t{0}, size_t{31}, size_t{63}}) {
      std::string token(64, 'a');
      token[at] = static_cast<char>(c);
      EXPECT_FALSE(IsApnsDeviceToken(token)) << c << " at " << at;
    }
  }
}

TEST(ApnsRequestTest, RejectsBadInput) {
  const PushContent c = Content(PushKind::kMessage);
  EXPECT_EQ(BuildApnsRequest(c, Apns("")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildApnsRequest(c, Apns("ABCD")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildApnsRequest(c, Apns("abc")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildApnsRequest(c, Apns("ab/../x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  ApnsRequestParams no_topic = Apns();
  no_topic.topic = "";
  EXPECT_EQ(BuildApnsRequest(c, no_topic).status().code(), absl::StatusCode::kInvalidArgument);
  ApnsRequestParams no_jwt = Apns();
  no_jwt.provider_token = "";
  EXPECT_EQ(BuildApnsRequest(c, no_jwt).status().code(), absl::StatusCode::kInvalidArgument);
  PushContent huge = c;
  huge.box = wire::Bytes(3000, 'x');  // 4000 base64url characters
  EXPECT_EQ(BuildApnsRequest(huge, Apns()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ApnsRequestTest, RefusesExpiredPush) {
  ApnsRequestParams p = Apns();
  p.now = kEnqueued + absl::Hours(1);
  EXPECT_EQ(BuildApnsRequest(Content(PushKind::kVerification), p).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(BuildApnsRequest(Content(PushKind::kMessage), p).ok());
}

TEST(FcmRequestTest, MessageIsHighPriorityDataMessage) {
  absl::StatusOr<HttpRequest> r = BuildFcmRequest(Content(PushKind::kMessage), Fcm());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/v1/projects/simplex-ntf/messages:send");
  const HttpHeaders expected = {{"authorization", "Bearer ya29.token"},
                                {"content-type", "application/json"}};
  EXPECT_EQ(r->headers, expected);
  EXPECT_EQ(r->body, R"({"message":{"token":"fcm:token-1_x","data":{)"
                     R"("nonce":"NONCENONCENONCENONCENONCENONCE00","message":"BLOB"},)"
                     R"("android":{"priority":"HIGH","ttl":"604700s"}}})");
}

TEST(FcmRequestTest, VerificationAndCheckMessagesAreNormalPriorityWithStringValues) {
  absl::StatusOr<HttpRequest> v = BuildFcmRequest(Content(PushKind::kVerification), Fcm());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->body, R"({"message":{"token":"fcm:token-1_x","data":{)"
                     R"("nonce":"NONCENONCENONCENONCENONCENONCE00","verification":"BLOB"},)"
                     R"("android":{"priority":"NORMAL","ttl":"3500s"}}})");
  absl::StatusOr<HttpRequest> c = BuildFcmRequest(Content(PushKind::kCheckMessages), Fcm());
  ASSERT_TRUE(c.ok());
  const json body = json::parse(c->body);
  EXPECT_EQ(body["message"]["data"], json({{"checkMessages", "true"}}));
  EXPECT_EQ(body["message"]["android"]["priority"], "NORMAL");
  for (const auto& [k, v] : body["message"]["data"].items()) EXPECT_TRUE(v.is_string()) << k;
}

TEST(FcmRequestTest, TtlIsAtLeastOneSecond) {
  FcmRequestParams p = Fcm();
  p.now = kEnqueued + absl::Minutes(20) - absl::Milliseconds(1);
  absl::StatusOr<HttpRequest> r = BuildFcmRequest(Content(PushKind::kCheckMessages), p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(r->body)["message"]["android"]["ttl"], "1s");
  p.now = kEnqueued + absl::Minutes(20);
  EXPECT_EQ(BuildFcmRequest(Content(PushKind::kCheckMessages), p).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(FcmRequestTest, RejectsBadInput) {
  const PushContent c = Content(PushKind::kMessage);
  FcmRequestParams p = Fcm();
  p.registration_token = "";
  EXPECT_FALSE(BuildFcmRequest(c, p).ok());
  p = Fcm();
  p.project_id = "a/b";
  EXPECT_FALSE(BuildFcmRequest(c, p).ok());
  p.project_id = "";
  EXPECT_FALSE(BuildFcmRequest(c, p).ok());
  p = Fcm();
  p.access_token = "";
  EXPECT_FALSE(BuildFcmRequest(c, p).ok());
}

TEST(FcmRequestTest, TokenIsJsonEscaped) {
  const std::string body = FcmMessageJson(Content(PushKind::kMessage), "a\"b", absl::Seconds(5));
  EXPECT_EQ(json::parse(body)["message"]["token"], "a\"b");
}

}  // namespace
}  // namespace ntf::pusher
