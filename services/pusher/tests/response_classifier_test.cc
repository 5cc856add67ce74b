#include "services/pusher/src/response_classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

using wire::InvalidReason;
using wire::PushProvider;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
const absl::Time kRegistered = kNow - absl::Hours(24);
constexpr int64_t kRegisteredMs = (1700000000LL - 86400) * 1000;

struct Case {
  std::string name;
  PushProvider provider = PushProvider::kApnsProd;
  int status = 200;
  std::string body = {};
  HttpHeaders headers = {};
  OutcomeKind kind = OutcomeKind::kDelivered;
  std::optional<InvalidReason> invalid = {};
  std::optional<absl::Duration> retry_after = {};
  std::string reason = {};
  bool reconnect = false;
};

std::string Apns(const std::string& reason) {
  return absl::StrCat(R"({"reason":")", reason, R"("})");
}
std::string Apns410(const std::string& reason, int64_t ts_ms) {
  return absl::StrCat(R"({"reason":")", reason, R"(","timestamp":)", ts_ms, "}");
}
std::string Fcm(int code, const std::string& status, const std::string& error_code,
                const std::string& message = "x") {
  std::string details;
  if (!error_code.empty()) {
    details = absl::StrCat(
        R"(,"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":")",
        error_code, R"("}])");
  }
  return absl::StrCat(R"({"error":{"code":)", code, R"(,"message":")", message, R"(","status":")",
                      status, R"(")", details, "}}");
}

const HttpHeaders kRetryAfter30 = {{"retry-after", "30"}};

std::vector<Case> Cases() {
  using K = OutcomeKind;
  const PushProvider fcm = PushProvider::kFcm;
  return {
      // --- APNs -----------------------------------------------------------------------------
      {.name = "apns_200", .status = 200, .kind = K::kDelivered, .reason = "ok"},
      {.name = "apns_dev_200",
       .provider = PushProvider::kApnsDev,
       .status = 200,
       .kind = K::kDelivered,
       .reason = "ok"},
      {.name = "apns_bad_device_token",
       .status = 400,
       .body = Apns("BadDeviceToken"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kBad,
       .reason = "BadDeviceToken"},
      {.name = "apns_not_for_topic",
       .status = 400,
       .body = Apns("DeviceTokenNotForTopic"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kTopic,
       .reason = "DeviceTokenNotForTopic"},
      {.name = "apns_topic_disallowed",
       .status = 400,
       .body = Apns("TopicDisallowed"),
       .kind = K::kPermanentFailure,
       .reason = "TopicDisallowed"},
      {.name = "apns_bad_topic",
       .status = 400,
       .body = Apns("BadTopic"),
       .kind = K::kPermanentFailure,
       .reason = "BadTopic"},
      {.name = "apns_400_unknown_reason",
       .status = 400,
       .body = Apns("SomethingNew"),
       .kind = K::kPermanentFailure,
       .reason = "http_400"},
      {.name = "apns_expired_provider_token",
       .status = 403,
       .body = Apns("ExpiredProviderToken"),
       .kind = K::kRefreshAuthAndRetry,
       .reason = "ExpiredProviderToken",
       .reconnect = true},
      {.name = "apns_invalid_provider_token",
       .status = 403,
       .body = Apns("InvalidProviderToken"),
       .kind = K::kRefreshAuthAndRetry,
       .reason = "InvalidProviderToken",
       .reconnect = true},
      {.name = "apns_forbidden",
       .status = 403,
       .body = Apns("Forbidden"),
       .kind = K::kPermanentFailure,
       .reason = "Forbidden"},
      {.name = "apns_bad_path",
       .status = 404,
       .body = Apns("BadPath"),
       .kind = K::kPermanentFailure,
       .reason = "BadPath"},
      {.name = "apns_unregistered_after_registration",
       .status = 410,
       .body = Apns410("Unregistered", kRegisteredMs + 1),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kUnregistered,
       .reason = "Unregistered"},
      {.name = "apns_expired_token_after_registration",
       .status = 410,
       .body = Apns410("ExpiredToken", kRegisteredMs + 3600000),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kExpired,
       .reason = "ExpiredToken"},
      {.name = "apns_unregistered_before_registration",
       .status = 410,
       .body = Apns410("Unregistered", kRegisteredMs - 1),
       .kind = K::kDropped,
       .reason = "Unregistered"},
      {.name = "apns_unregistered_at_registration",
       .status = 410,
       .body = Apns410("Unregistered", kRegisteredMs),
       .kind = K::kDropped,
       .reason = "Unregistered"},
      {.name = "apns_unregistered_string_timestamp_stale",
       .status = 410,
       .body = absl::StrCat(R"({"reason":"Unregistered","timestamp":")", kRegisteredMs - 5, "\"}"),
       .kind = K::kDropped,
       .reason = "Unregistered"},
      {.name = "apns_unregistered_without_timestamp",
       .status = 410,
       .body = Apns("Unregistered"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kUnregistered,
       .reason = "Unregistered"},
      {.name = "apns_410_other_reason",
       .status = 410,
       .body = Apns("Mystery"),
       .kind = K::kRetry,
       .reason = "http_410"},
      {.name = "apns_payload_too_large",
       .status = 413,
       .body = Apns("PayloadTooLarge"),
       .kind = K::kPermanentFailure,
       .reason = "PayloadTooLarge"},
      {.name = "apns_too_many_requests",
       .status = 429,
       .body = Apns("TooManyRequests"),
       .headers = kRetryAfter30,
       .kind = K::kRetry,
       .retry_after = absl::Seconds(30),
       .reason = "TooManyRequests"},
      {.name = "apns_too_many_token_updates",
       .status = 429,
       .body = Apns("TooManyProviderTokenUpdates"),
       .kind = K::kRetry,
       .reason = "TooManyProviderTokenUpdates"},
      {.name = "apns_500",
       .status = 500,
       .body = Apns("InternalServerError"),
       .kind = K::kRetry,
       .reason = "InternalServerError"},
      {.name = "apns_503_reconnects",
       .status = 503,
       .body = Apns("ServiceUnavailable"),
       .headers = kRetryAfter30,
       .kind = K::kRetry,
       .retry_after = absl::Seconds(30),
       .reason = "ServiceUnavailable",
       .reconnect = true},
      {.name = "apns_503_shutdown",
       .status = 503,
       .body = Apns("Shutdown"),
       .kind = K::kRetry,
       .reason = "Shutdown",
       .reconnect = true},
      {.name = "apns_502_no_body", .status = 502, .kind = K::kRetry, .reason = "http_502"},
      {.name = "apns_garbage_body",
       .status = 400,
       .body = "<html>",
       .kind = K::kPermanentFailure,
       .reason = "http_400"},
      {.name = "apns_unexpected_status",
       .status = 302,
       .kind = K::kPermanentFailure,
       .reason = "http_302"},
      // --- FCM ------------------------------------------------------------------------------
      {.name = "fcm_200",
       .provider = fcm,
       .status = 200,
       .body = R"({"name":"projects/p/messages/0:1"})",
       .kind = K::kDelivered,
       .reason = "ok"},
      {.name = "fcm_404_unregistered",
       .provider = fcm,
       .status = 404,
       .body = Fcm(404, "NOT_FOUND", "UNREGISTERED"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kUnregistered,
       .reason = "UNREGISTERED"},
      {.name = "fcm_400_unregistered",
       .provider = fcm,
       .status = 400,
       .body = Fcm(400, "INVALID_ARGUMENT", "UNREGISTERED"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kUnregistered,
       .reason = "UNREGISTERED"},
      {.name = "fcm_400_invalid_token",
       .provider = fcm,
       .status = 400,
       .body = Fcm(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                   "The registration token is not a valid FCM registration token"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kBad,
       .reason = "INVALID_ARGUMENT"},
      {.name = "fcm_400_token_field_violation",
       .provider = fcm,
       .status = 400,
       .body = R"({"error":{"code":400,"message":"Invalid value","status":"INVALID_ARGUMENT",)"
               R"("details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",)"
               R"("fieldViolations":[{"field":"message.token","description":"bad"}]}]}})",
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kBad,
       .reason = "INVALID_ARGUMENT"},
      {.name = "fcm_400_payload_field_violation",
       .provider = fcm,
       .status = 400,
       .body = R"({"error":{"code":400,"message":"Invalid registration token or ttl",)"
               R"("status":"INVALID_ARGUMENT","details":[{"@type":)"
               R"("type.googleapis.com/google.rpc.BadRequest","fieldViolations":)"
               R"([{"field":"message.android.ttl","description":"bad"}]}]}})",
       .kind = K::kPermanentFailure,
       .reason = "INVALID_ARGUMENT"},
      {.name = "fcm_400_message_too_big",
       .provider = fcm,
       .status = 400,
       .body = Fcm(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Message is too big"),
       .kind = K::kPermanentFailure,
       .reason = "INVALID_ARGUMENT"},
      {.name = "fcm_403_sender_id_mismatch",
       .provider = fcm,
       .status = 403,
       .body = Fcm(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"),
       .kind = K::kTokenInvalid,
       .invalid = InvalidReason::kTopic,
       .reason = "SENDER_ID_MISMATCH"},
      {.name = "fcm_403_permission_denied",
       .provider = fcm,
       .status = 403,
       .body = Fcm(403, "PERMISSION_DENIED", ""),
       .kind = K::kPermanentFailure,
       .reason = "PERMISSION_DENIED"},
      {.name = "fcm_401_refreshes",
       .provider = fcm,
       .status = 401,
       .body = Fcm(401, "UNAUTHENTICATED", ""),
       .kind = K::kRefreshAuthAndRetry,
       .reason = "UNAUTHENTICATED"},
      {.name = "fcm_401_third_party_auth",
       .provider = fcm,
       .status = 401,
       .body = Fcm(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"),
       .kind = K::kPermanentFailure,
       .reason = "THIRD_PARTY_AUTH_ERROR"},
      {.name = "fcm_404_wrong_project",
       .provider = fcm,
       .status = 404,
       .body = Fcm(404, "NOT_FOUND", ""),
       .kind = K::kPermanentFailure,
       .reason = "NOT_FOUND"},
      {.name = "fcm_429_quota",
       .provider = fcm,
       .status = 429,
       .body = Fcm(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
       .headers = {{"Retry-After", "60"}},
       .kind = K::kRetry,
       .retry_after = absl::Seconds(60),
       .reason = "QUOTA_EXCEEDED"},
      {.name = "fcm_500_internal",
       .provider = fcm,
       .status = 500,
       .body = Fcm(500, "INTERNAL", "INTERNAL"),
       .kind = K::kRetry,
       .reason = "INTERNAL"},
      {.name = "fcm_503_unavailable",
       .provider = fcm,
       .status = 503,
       .body = Fcm(503, "UNAVAILABLE", "UNAVAILABLE"),
       .headers = kRetryAfter30,
       .kind = K::kRetry,
       .retry_after = absl::Seconds(30),
       .reason = "UNAVAILABLE"},
      {.name = "fcm_503_html",
       .provider = fcm,
       .status = 503,
       .body = "<html>busy</html>",
       .kind = K::kRetry,
       .reason = "http_503"},
      {.name = "fcm_unknown_error_code",
       .provider = fcm,
       .status = 400,
       .body = Fcm(400, "WHATEVER", "NEW_CODE"),
       .kind = K::kPermanentFailure,
       .reason = "http_400"},
  };
}

class ClassifyResponseTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClassifyResponseTest, Outcome) {
  const Case& c = GetParam();
  const PushOutcome out = ClassifyResponse(
      c.provider, HttpResponse{.status = c.status, .headers = c.headers, .body = c.body},
      kRegistered, kNow);
  EXPECT_EQ(OutcomeKindName(out.kind), OutcomeKindName(c.kind)) << out.detail;
  EXPECT_EQ(out.invalid_reason, c.invalid);
  EXPECT_EQ(out.retry_after, c.retry_after);
  EXPECT_EQ(out.reason, c.reason);
  EXPECT_EQ(out.reconnect, c.reconnect);
}

INSTANTIATE_TEST_SUITE_P(Table, ClassifyResponseTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ClassifyResponseTest410, UnknownRegistrationTimeInvalidates) {
  const PushOutcome out = ClassifyResponse(
      PushProvider::kApnsProd, {.status = 410, .body = Apns410("Unregistered", kRegisteredMs - 1)},
      absl::UnixEpoch(), kNow);
  EXPECT_EQ(out.kind, OutcomeKind::kTokenInvalid);
}

TEST(ClassifyResponseDetailTest, DetailIsOneBoundedLine) {
  const PushOutcome out =
      ClassifyResponse(PushProvider::kFcm, {.status = 500, .body = std::string(1000, 'a') + "\n"},
                       kRegistered, kNow);
  EXPECT_LT(out.detail.size(), 250u);
  EXPECT_EQ(out.detail.find('\n'), std::string::npos);
}

TEST(ParseRetryAfterTest, Forms) {
  auto parse = [](std::string value) {
    return ParseRetryAfter({{"retry-after", std::move(value)}}, kNow);
  };
  EXPECT_EQ(parse("0"), absl::ZeroDuration());
  EXPECT_EQ(parse(" 120 "), absl::Seconds(120));
  EXPECT_EQ(parse("-5"), std::nullopt);
  EXPECT_EQ(parse("soon"), std::nullopt);
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse("12abc"), std::nullopt);
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  EXPECT_EQ(parse("Tue, 14 Nov 2023 22:14:20 GMT"), absl::Seconds(60));
  EXPECT_EQ(parse("Tue, 14 Nov 2023 22:00:00 GMT"), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter({}, kNow), std::nullopt);
}

}  // namespace
}  // namespace ntf::pusher
