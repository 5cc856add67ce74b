#pragma once

// The HTTP/2 requests for one push (spec/ntf-protocol.md §3.4, spec/push-providers.md §2.2,
// §3.1–§3.2; docs/push-payloads.md):
//
//   APNs  POST /3/device/<hex token>
//         authorization: bearer <provider JWT>
//         apns-topic: <bundle id>
//         apns-push-type: background | alert
//         apns-priority: 5                 (background kinds only; alert uses APNs' default 10)
//         apns-id: <UUID derived from the job id>
//         apns-expiration: <enqueued_at + PushLifetime(kind), Unix seconds>
//         body: ApnsPayloadJson()
//
//   FCM   POST /v1/projects/<project id>/messages:send
//         authorization: Bearer <OAuth2 access token>
//         content-type: application/json
//         body: {"message":{"token":T,"data":{...},"android":{"priority":P,"ttl":"<n>s"}}}
//
// Pure functions; thread-safe; no I/O.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/pusher/src/http_message.h"
#include "services/pusher/src/push_payload.h"

namespace ntf::pusher {

// How long a push is worth delivering, counted from when its job was first enqueued (so
// retries do not extend it): verification 1 h (the app re-registers if it got no code),
// message 7 days (APNs keeps only the newest push per device, and each message push carries the
// latest notifications), check messages 20 min (the shortest TCRN interval; the next one
// supersedes it).
absl::Duration PushLifetime(PushKind kind);

// enqueued_at + PushLifetime(kind): apns-expiration, and the end of the FCM ttl. A job past it
// should be dropped, not sent (the builders below refuse it).
absl::Time PushExpiry(PushKind kind, absl::Time enqueued_at);

// A canonical lowercase UUID (8-4-4-4-12) derived from the job id: the first 16 bytes of
// SHA-256("simplex-ntf apns-id v1" || 0x00 || job_id) with the RFC 9562 version 8 ("custom")
// and variant bits set. The same job id always gives the same apns-id, so a retried or
// re-delivered job is recognisably the same push in APNs' logs.
std::string ApnsIdFromJobId(std::string_view job_id);

// An APNs device token as stored: non-empty, even-length lowercase hex (wire::IsLowerHex: no
// branch per character; every push checks it).
bool IsApnsDeviceToken(std::string_view token);

struct ApnsRequestParams {
  std::string_view device_token = {};    // lowercase hex, as stored (DeviceToken bytes)
  std::string_view topic = {};           // apns-topic: the app's bundle id
  std::string_view job_id = {};          // PushJob.job_id
  absl::Time enqueued_at = {};           // PushJob.enqueued_at_unix_ms (or now if unknown)
  absl::Time now = {};                   // to refuse expired pushes
  std::string_view provider_token = {};  // ApnsTokenProvider::Current()
};

// InvalidArgument for a device token that is not non-empty even-length lowercase hex, an empty
// topic or provider token, or a payload over kApnsMaxPayloadSize; DeadlineExceeded if the push
// is past its expiry.
absl::StatusOr<HttpRequest> BuildApnsRequest(const PushContent& content,
                                             const ApnsRequestParams& params);

struct FcmRequestParams {
  std::string_view registration_token = {};  // DeviceToken bytes for provider kFcm
  std::string_view project_id = {};          // ServiceAccount::project_id
  absl::Time enqueued_at = {};
  absl::Time now = {};
  std::string_view access_token = {};  // FcmTokenProvider::AccessToken()
};

// The FCM message body alone: data values are strings ("nonce", "verification" / "message",
// "checkMessages":"true"); android.priority is HIGH for message pushes, NORMAL otherwise;
// android.ttl is the time left until PushExpiry, at least 1 s.
std::string FcmMessageJson(const PushContent& content, std::string_view registration_token,
                           absl::Duration ttl);

// InvalidArgument for an empty token, project id or access token, or a project id with
// characters outside [A-Za-z0-9.:_-]; DeadlineExceeded if the push is past its expiry.
absl::StatusOr<HttpRequest> BuildFcmRequest(const PushContent& content,
                                            const FcmRequestParams& params);

}  // namespace ntf::pusher
