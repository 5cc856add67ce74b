#pragma once

// What the pusher holds while it delivers a push job of the `ntf:push` stream. The job itself
// and its stream entry codec are libs/push_job (`push_job::PushJob`, `EncodeEntry`,
// `DecodeEntry`, `NewJob`), shared with intake.
//
// Plain values; thread-safe; no I/O.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/crypto/box.h"
#include "ntf/push_job/push_job.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/pusher/src/push_payload.h"

namespace ntf::pusher {

// One job as the producers wrote it.
using JobSpec = push_job::PushJob;

// The token row a job is delivered to (tokens, secrets unsealed).
struct PushTarget {
  wire::Bytes token_id = {};
  wire::DeviceToken device = {};
  // The token's X25519 secret, its box key derived once per load rather than once per push;
  // empty when the stored secret is not 32 bytes (the job then fails to build; the rest of its
  // batch loads).
  std::optional<crypto::DhSecret> dh_secret = std::nullopt;
  wire::Bytes reg_code = {};
  wire::TokenStatus status = {};
  absl::Time registered_at = absl::UnixEpoch();
};

// Token rows are shared, never copied: loaded once, then held by the token cache and by every
// job for the token (a copy was five allocations per job).
using PushTargetPtr = std::shared_ptr<const PushTarget>;

// One outbox row with its subscription's SMP server and notifier id.
struct OutboxNotification {
  int64_t notification_id = 0;
  wire::Bytes token_id = {};
  PnMessageData data = {};
};

// Why a job is completed without asking a provider.
enum class SkipReason {
  kNone,
  kTokenGone,        // TDEL or TVFY clean-up removed the token
  kTokenNotActive,   // message and check-messages pushes go to ACTIVE tokens only
  kNoNotifications,  // every notification of a message job is gone (subscription deleted)
};

// A job this process owns from the moment it read the entry until it acknowledges (or
// dead-letters) it. Moved between the dispatcher, a provider lane and its completer; exactly
// one of them holds it at a time.
struct Delivery {
  std::string entry_id = {};  // stream entry id (XACK, XCLAIM)
  int64_t deliveries = 1;     // Redis delivery count of the entry
  JobSpec job = {};
  uint32_t attempt = 0;  // this attempt's number: job.attempt + failed attempts in this process
  PushTargetPtr target = nullptr;
  std::vector<OutboxNotification> notifications = {};  // existing rows only, oldest first
  SkipReason skip = SkipReason::kNone;
  bool auth_refreshed = false;  // a rejected credential was already refreshed for this job
  bool refusal_resent = false;  // a refused, unprocessed request was already sent again
  absl::Time not_before = absl::InfinitePast();  // retry backoff
  std::chrono::steady_clock::time_point read_at = {};

  // The notification ids the job still carries (rows that exist).
  std::vector<int64_t> NotificationIds() const;
};

// "token_gone", "token_not_active", "no_notifications" ("" for kNone).
std::string_view SkipReasonName(SkipReason reason);

}  // namespace ntf::pusher
