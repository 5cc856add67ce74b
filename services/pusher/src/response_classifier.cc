#include "services/pusher/src/response_classifier.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace ntf::pusher {
namespace {

using Json = nlohmann::json;
using wire::InvalidReason;

// APNs reasons (Apple's "Handling notification responses from APNs" table).
constexpr std::string_view kApnsReasons[] = {
    "BadCollapseId",
    "BadDeviceToken",
    "BadExpirationDate",
    "BadMessageId",
    "BadPriority",
    "BadTopic",
    "DeviceTokenNotForTopic",
    "DuplicateHeaders",
    "IdleTimeout",
    "InvalidPushType",
    "MissingDeviceToken",
    "MissingTopic",
    "PayloadEmpty",
    "TopicDisallowed",
    "BadCertificate",
    "BadCertificateEnvironment",
    "ExpiredProviderToken",
    "Forbidden",
    "InvalidProviderToken",
    "MissingProviderToken",
    "UnrelatedKeyIdInToken",
    "BadEnvironmentKeyInToken",
    "BadPath",
    "MethodNotAllowed",
    "ExpiredToken",
    "Unregistered",
    "PayloadTooLarge",
    "TooManyProviderTokenUpdates",
    "TooManyRequests",
    "InternalServerError",
    "ServiceUnavailable",
    "Shutdown",
};

// FCM v1 error codes (FcmError.errorCode) and the google.rpc status names FCM answers with.
constexpr std::string_view kFcmCodes[] = {
    "UNSPECIFIED_ERROR", "INVALID_ARGUMENT",    "UNREGISTERED", "SENDER_ID_MISMATCH",
    "QUOTA_EXCEEDED",    "UNAVAILABLE",         "INTERNAL",     "THIRD_PARTY_AUTH_ERROR",
    "UNAUTHENTICATED",   "PERMISSION_DENIED",   "NOT_FOUND",    "RESOURCE_EXHAUSTED",
    "DEADLINE_EXCEEDED", "FAILED_PRECONDITION", "ABORTED",      "UNIMPLEMENTED",
    "CANCELLED",
};

constexpr std::string_view kFcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
constexpr std::string_view kBadRequestType = "type.googleapis.com/google.rpc.BadRequest";

bool Known(absl::Span<const std::string_view> table, std::string_view s) {
  for (std::string_view k : table) {
    if (k == s) return true;
  }
  return false;
}

std::string HttpLabel(int status) { return absl::StrCat("http_", status); }

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 200;
  std::string out(body.substr(0, kMax));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

// The string member `key` of an object, or "".
std::string StringMember(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool IsServerError(int status) { return status >= 500 && status <= 599; }

PushOutcome Outcome(OutcomeKind kind, std::string reason, std::string detail) {
  return PushOutcome{.kind = kind, .reason = std::move(reason), .detail = std::move(detail)};
}

PushOutcome Invalid(InvalidReason why, std::string reason, std::string detail) {
  PushOutcome out = Outcome(OutcomeKind::kTokenInvalid, std::move(reason), std::move(detail));
  out.invalid_reason = why;
  return out;
}

PushOutcome Retry(const HttpResponse& response, absl::Time now, std::string reason,
                  std::string detail) {
  PushOutcome out = Outcome(OutcomeKind::kRetry, std::move(reason), std::move(detail));
  out.retry_after = ParseRetryAfter(response.headers, now);
  return out;
}

// --- APNs ----------------------------------------------------------------------------------

// APNs' 410 `timestamp` (ms since the epoch; a number, accepted as a digit string too).
std::optional<absl::Time> ApnsTimestamp(const Json& body) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find("timestamp");
  if (it == body.end()) return std::nullopt;
  int64_t ms = 0;
  if (it->is_number_integer()) {
    ms = it->get<int64_t>();
  } else if (it->is_number_unsigned()) {
    ms = static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX));
  } else if (it->is_string()) {
    if (!absl::SimpleAtoi(it->get<std::string>(), &ms)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (ms <= 0) return std::nullopt;
  return absl::FromUnixMillis(ms);
}

PushOutcome ClassifyApns(const HttpResponse& response, absl::Time registered_at, absl::Time now) {
  const int status = response.status;
  if (status == 200) return Outcome(OutcomeKind::kDelivered, "ok", "");

  const Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const std::string reason = StringMember(body, "reason");
  const std::string label = Known(kApnsReasons, reason) ? reason : HttpLabel(status);
  const std::string detail = absl::StrCat("APNs ", status, " ", Excerpt(response.body));

  switch (status) {
    case 400:
      if (reason == "BadDeviceToken") return Invalid(InvalidReason::kBad, label, detail);
      if (reason == "DeviceTokenNotForTopic") return Invalid(InvalidReason::kTopic, label, detail);
      return Outcome(OutcomeKind::kPermanentFailure, label, detail);
    case 403:
      if (reason == "ExpiredProviderToken" || reason == "InvalidProviderToken") {
        PushOutcome out = Outcome(OutcomeKind::kRefreshAuthAndRetry, label, detail);
        out.reconnect = true;
        return out;
      }
      return Outcome(OutcomeKind::kPermanentFailure, label, detail);
    case 410: {
      std::optional<InvalidReason> why;
      if (reason == "Unregistered") why = InvalidReason::kUnregistered;
      if (reason == "ExpiredToken") why = InvalidReason::kExpired;
      // Any other 410 reason: the reference retries; so do we (bounded by the policy).
      if (!why) return Retry(response, now, label, detail);
      const std::optional<absl::Time> invalid_since = ApnsTimestamp(body);
      if (invalid_since && registered_at > absl::UnixEpoch() && *invalid_since <= registered_at) {
        return Outcome(OutcomeKind::kDropped, label,
                       absl::StrCat(detail, " (stale: token registered at ",
                                    absl::FormatTime(registered_at), ")"));
      }
      return Invalid(*why, label, detail);
    }
    case 429:
      // TooManyRequests (one device pushed too often) and TooManyProviderTokenUpdates (token
      // churn; the current token stays valid) both clear with time.
      return Retry(response, now, label, detail);
    default:
      break;
  }
  if (IsServerError(status)) {
    PushOutcome out = Retry(response, now, label, detail);
    out.reconnect = status == 503;
    return out;
  }
  // 404 BadPath, 405 MethodNotAllowed, 413 PayloadTooLarge, anything unexpected.
  return Outcome(OutcomeKind::kPermanentFailure, label, detail);
}

// --- FCM -----------------------------------------------------------------------------------

struct FcmError {
  std::string status;                        // error.status, e.g. "INVALID_ARGUMENT"
  std::string message;                       // error.message
  std::string error_code;                    // FcmError.errorCode in error.details
  std::vector<std::string> violated_fields;  // google.rpc.BadRequest fieldViolations[].field
};

FcmError ParseFcmError(std::string_view text) {
  FcmError out;
  const Json body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return out;
  auto error = body.find("error");
  if (error == body.end() || !error->is_object()) return out;
  out.status = StringMember(*error, "status");
  out.message = StringMember(*error, "message");
  auto details = error->find("details");
  if (details == error->end() || !details->is_array()) return out;
  for (const Json& d : *details) {
    const std::string type = StringMember(d, "@type");
    if (type == kFcmErrorType && out.error_code.empty()) {
      out.error_code = StringMember(d, "errorCode");
    } else if (type == kBadRequestType) {
      auto violations = d.find("fieldViolations");
      if (violations == d.end() || !violations->is_array()) continue;
      for (const Json& v : *violations) out.violated_fields.push_back(StringMember(v, "field"));
    }
  }
  return out;
}

PushOutcome ClassifyFcm(const HttpResponse& response, absl::Time now) {
  const int status = response.status;
  if (status == 200) return Outcome(OutcomeKind::kDelivered, "ok", "");

  const FcmError error = ParseFcmError(response.body);
  std::string label = HttpLabel(status);
  if (Known(kFcmCodes, error.error_code)) {
    label = error.error_code;
  } else if (Known(kFcmCodes, error.status)) {
    label = error.status;
  }
  const std::string detail = absl::StrCat("FCM ", status, " ", Excerpt(response.body));

  if (error.error_code == "UNREGISTERED") {
    return Invalid(InvalidReason::kUnregistered, label, detail);
  }
  if (error.error_code == "SENDER_ID_MISMATCH") {
    // The token belongs to another Firebase project: the FCM analogue of APNs'
    // DeviceTokenNotForTopic.
    return Invalid(InvalidReason::kTopic, label, detail);
  }
  if (status == 400) {
    bool token_field = false;
    for (const std::string& field : error.violated_fields) {
      if (field == "message.token") token_field = true;
    }
    if (token_field) return Invalid(InvalidReason::kBad, label, detail);
    // Other field violations are our payload's fault, not the token's.
    if (error.violated_fields.empty() &&
        (error.error_code == "INVALID_ARGUMENT" || error.status == "INVALID_ARGUMENT") &&
        absl::StrContains(absl::AsciiStrToLower(error.message), "registration token")) {
      return Invalid(InvalidReason::kBad, label, detail);
    }
    return Outcome(OutcomeKind::kPermanentFailure, label, detail);
  }
  if (status == 401) {
    // THIRD_PARTY_AUTH_ERROR: the APNs credentials in the Firebase console (iOS via FCM).
    if (error.error_code == "THIRD_PARTY_AUTH_ERROR") {
      return Outcome(OutcomeKind::kPermanentFailure, label, detail);
    }
    return Outcome(OutcomeKind::kRefreshAuthAndRetry, label, detail);
  }
  if (status == 429 || IsServerError(status)) return Retry(response, now, label, detail);
  // 403 PERMISSION_DENIED, 404 without UNREGISTERED (wrong project), anything unexpected.
  return Outcome(OutcomeKind::kPermanentFailure, label, detail);
}

}  // namespace

std::string_view OutcomeKindName(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kDelivered:
      return "delivered";
    case OutcomeKind::kTokenInvalid:
      return "token_invalid";
    case OutcomeKind::kRetry:
      return "retry";
    case OutcomeKind::kRefreshAuthAndRetry:
      return "refresh_auth";
    case OutcomeKind::kDropped:
      return "dropped";
    case OutcomeKind::kPermanentFailure:
      return "permanent_failure";
  }
  return "unknown";
}

std::optional<absl::Duration> ParseRetryAfter(const HttpHeaders& headers, absl::Time now) {
  std::optional<std::string_view> value = FindHttpHeader(headers, "retry-after");
  if (!value) return std::nullopt;
  const std::string text(
      absl::StripAsciiWhitespace(absl::string_view(value->data(), value->size())));
  if (text.empty()) return std::nullopt;
  if (absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(text, &seconds) || seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time at;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", text, absl::UTCTimeZone(), &at, &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), at - now);
}

PushOutcome ClassifyResponse(wire::PushProvider provider, const HttpResponse& response,
                             absl::Time token_registered_at, absl::Time now) {
  if (provider == wire::PushProvider::kFcm) return ClassifyFcm(response, now);
  return ClassifyApns(response, token_registered_at, now);
}

}  // namespace ntf::pusher
