#pragma once

// What a provider's answer means for the push and the token (spec/ntf-protocol.md §3.4,
// spec/push-providers.md §2.4–§2.5 and §3.3). A pure function of the response: the caller acts
// on the outcome (token state in PostgreSQL, retry scheduling, dead-letter stream, auth
// refresh, metrics). Transport errors (no response at all) never reach it; treat them as
// kRetry with reconnect.
//
// Thread-safe; no I/O.

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/pusher/src/http_message.h"

namespace ntf::pusher {

enum class OutcomeKind {
  kDelivered,            // the provider accepted the push: XACK
  kTokenInvalid,         // the device token is dead: token -> INVALID(invalid_reason), XACK
  kRetry,                // transient: retry later (RetryPolicy, floor retry_after)
  kRefreshAuthAndRetry,  // our credential was rejected: ForceRefresh/Invalidate, retry once
  kDropped,              // not delivered, nothing to fix or retry (stale APNs 410): XACK
  kPermanentFailure,     // our bug or configuration: dead-letter and alert
};

// "delivered", "token_invalid", "retry", "refresh_auth", "dropped", "permanent_failure".
std::string_view OutcomeKindName(OutcomeKind kind);

struct PushOutcome {
  OutcomeKind kind = OutcomeKind::kPermanentFailure;
  // kTokenInvalid only.
  std::optional<wire::InvalidReason> invalid_reason = {};
  // The provider's Retry-After (delta-seconds or HTTP-date, as a duration from `now`), when
  // given on a kRetry answer.
  std::optional<absl::Duration> retry_after = {};
  // Retry on a new connection: APNs 503 (ServiceUnavailable, Shutdown) and APNs 403 provider
  // token errors (APNs is known to wedge the connection after them).
  bool reconnect = false;
  // A bounded label for metrics and logs: "ok", a known APNs reason ("BadDeviceToken"), a known
  // FCM errorCode or status ("UNREGISTERED", "UNAUTHENTICATED"), or "http_<status>".
  std::string reason = {};
  // Free text for logs (never a metric label): what was decided and an excerpt of the body.
  std::string detail = {};
};

// Classifies one provider answer. `provider` picks the rules: any APNs variant or kFcm.
// `token_registered_at` is when the device token was last set (TNEW/TRPL; UnixEpoch if unknown):
// an APNs 410 invalidates the token only if APNs' `timestamp` is later than that; a 410 that
// predates the registration is stale and the push is kDropped with the token left alone (a 410
// without a timestamp, or with an unknown registration time, invalidates). `now` converts an
// HTTP-date Retry-After into a duration.
PushOutcome ClassifyResponse(wire::PushProvider provider, const HttpResponse& response,
                             absl::Time token_registered_at, absl::Time now);

// Retry-After (RFC 9110 §10.2.3): delta-seconds, or an IMF-fixdate relative to `now` (a date in
// the past gives zero). nullopt if absent or malformed.
std::optional<absl::Duration> ParseRetryAfter(const HttpHeaders& headers, absl::Time now);

}  // namespace ntf::pusher
