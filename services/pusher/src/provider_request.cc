#include "services/pusher/src/provider_request.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/primitives.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kApnsIdDomain = "simplex-ntf apns-id v1";

bool IsProjectId(std::string_view s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == ':')) {
      return false;
    }
  }
  return !s.empty();
}

// a + b in one allocation (absl::StrCat takes no std::string_view with this Abseil).
std::string Concat(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size());
  out.append(a).append(b);
  return out;
}

absl::Status CheckNotExpired(PushKind kind, absl::Time enqueued_at, absl::Time now) {
  if (now >= PushExpiry(kind, enqueued_at)) {
    return absl::DeadlineExceededError(absl::StrCat(std::string(PushKindName(kind)),
                                                    " push expired: enqueued at ",
                                                    absl::FormatTime(enqueued_at)));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsApnsDeviceToken(std::string_view token) {
  return !token.empty() && token.size() % 2 == 0 && wire::IsLowerHex(token);
}

absl::Duration PushLifetime(PushKind kind) {
  switch (kind) {
    case PushKind::kVerification:
      return absl::Hours(1);
    case PushKind::kMessage:
      return absl::Hours(7 * 24);
    case PushKind::kCheckMessages:
      return absl::Minutes(20);
  }
  return absl::ZeroDuration();
}

absl::Time PushExpiry(PushKind kind, absl::Time enqueued_at) {
  return enqueued_at + PushLifetime(kind);
}

std::string ApnsIdFromJobId(std::string_view job_id) {
  wire::Bytes input;
  input.reserve(kApnsIdDomain.size() + 1 + job_id.size());
  input.insert(input.end(), kApnsIdDomain.begin(), kApnsIdDomain.end());
  input.push_back(0);
  input.insert(input.end(), job_id.begin(), job_id.end());
  std::array<uint8_t, 16> uuid{};
  const crypto::Sha256Digest digest = crypto::Sha256(input);
  std::copy_n(digest.begin(), uuid.size(), uuid.begin());
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x80);  // version 8
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);  // variant 10xx
  return wire::FormatUuid(uuid);
}

absl::StatusOr<HttpRequest> BuildApnsRequest(const PushContent& content,
                                             const ApnsRequestParams& params) {
  if (!IsApnsDeviceToken(params.device_token)) {
    return absl::InvalidArgumentError("APNs device token is not lowercase hex");
  }
  if (params.topic.empty()) return absl::InvalidArgumentError("apns-topic is empty");
  if (params.provider_token.empty()) return absl::InvalidArgumentError("no provider token");
  if (absl::Status s = CheckNotExpired(content.kind, params.enqueued_at, params.now); !s.ok()) {
    return s;
  }
  HttpRequest request{
      .method = "POST",
      .path = Concat("/3/device/", params.device_token),
      .body = ApnsPayloadJson(content),
  };
  if (request.body.size() > kApnsMaxPayloadSize) {
    return absl::InvalidArgumentError(absl::StrCat("APNs payload is ", request.body.size(),
                                                   " bytes, over ", kApnsMaxPayloadSize));
  }
  const bool alert = content.kind == PushKind::kMessage;
  HttpHeaders& h = request.headers;
  h.reserve(6);
  h.emplace_back("authorization", Concat("bearer ", params.provider_token));
  h.emplace_back("apns-topic", params.topic);
  h.emplace_back("apns-push-type", alert ? "alert" : "background");
  if (!alert) h.emplace_back("apns-priority", "5");
  h.emplace_back("apns-id", ApnsIdFromJobId(params.job_id));
  h.emplace_back("apns-expiration",
                 absl::StrCat(absl::ToUnixSeconds(PushExpiry(content.kind, params.enqueued_at))));
  return request;
}

std::string FcmMessageJson(const PushContent& content, std::string_view registration_token,
                           absl::Duration ttl) {
  OrderedJson data = OrderedJson::object();
  switch (content.kind) {
    case PushKind::kVerification:
      data = {{"nonce", wire::Base64UrlEncode(content.nonce)},
              {"verification", wire::Base64UrlEncode(content.box)}};
      break;
    case PushKind::kMessage:
      data = {{"nonce", wire::Base64UrlEncode(content.nonce)},
              {"message", wire::Base64UrlEncode(content.box)}};
      break;
    case PushKind::kCheckMessages:
      data = {{"checkMessages", "true"}};
      break;
  }
  const int64_t ttl_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(ttl));
  OrderedJson message = {{"token", std::string(registration_token)},
                         {"data", std::move(data)},
                         {"android",
                          {{"priority", content.kind == PushKind::kMessage ? "HIGH" : "NORMAL"},
                           {"ttl", absl::StrCat(ttl_seconds, "s")}}}};
  OrderedJson doc = {{"message", std::move(message)}};
  return doc.dump();
}

absl::StatusOr<HttpRequest> BuildFcmRequest(const PushContent& content,
                                            const FcmRequestParams& params) {
  if (params.registration_token.empty()) {
    return absl::InvalidArgumentError("FCM registration token is empty");
  }
  if (!IsProjectId(params.project_id)) {
    return absl::InvalidArgumentError("FCM project id is empty or has unexpected characters");
  }
  if (params.access_token.empty()) return absl::InvalidArgumentError("no FCM access token");
  if (absl::Status s = CheckNotExpired(content.kind, params.enqueued_at, params.now); !s.ok()) {
    return s;
  }
  const absl::Duration ttl = PushExpiry(content.kind, params.enqueued_at) - params.now;
  return HttpRequest{
      .method = "POST",
      .path = absl::StrCat("/v1/projects/", std::string(params.project_id), "/messages:send"),
      .headers = {{"authorization", absl::StrCat("Bearer ", std::string(params.access_token))},
                  {"content-type", "application/json"}},
      .body = FcmMessageJson(content, params.registration_token, ttl),
  };
}

}  // namespace ntf::pusher
