#pragma once

// What to do with a job once its attempt is over: the pure decision between acknowledging it
// (with the token and notification changes the answer implies), retrying it after a backoff,
// retrying at once with a refreshed credential, and the dead-letter stream. The lane's
// completer carries the plan out (PostgreSQL first, then Redis).
//
// Pure functions; thread-safe; no I/O.

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "ntf/redis/stream_types.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/pusher/src/push_job.h"
#include "services/pusher/src/push_sender.h"
#include "services/pusher/src/pusher_metrics.h"
#include "services/pusher/src/retry_policy.h"

namespace ntf::pusher {

struct CompletionPlan {
  enum class Action {
    kAck,          // done: apply the changes below, then XACK
    kRetry,        // hold the job and send it again after `delay`
    kRefreshAuth,  // refresh the rejected credential, then send again at once (or PlanRetry)
    kDeadLetter,   // apply the changes below, then move the entry to the dead-letter stream
  };
  Action action = Action::kAck;
  // Metrics result; nullopt when the attempt does not count (kBusy).
  std::optional<PushResult> result = {};
  absl::Duration delay = absl::ZeroDuration();         // kRetry
  bool counts_as_attempt = false;                      // kRetry: attempt + 1
  std::optional<wire::InvalidReason> invalidate = {};  // token -> INVALID(reason)
  bool confirm = false;                                // token -> CONFIRMED (verification accepted)
  bool notifications_delivered = false;
  bool notifications_failed = false;
  DeadLetterReason dead_reason = DeadLetterReason::kPermanent;  // kDeadLetter
  std::string reason = {};  // bounded label for logs and the dead-letter entry
};

// The plan for `delivery` after `result`. Skipped deliveries (delivery.skip) are acknowledged
// with their notifications failed, whatever `result` says.
CompletionPlan PlanCompletion(const Delivery& delivery, const SendResult& result,
                              const RetryPolicy& policy);

// A retryable failure of `delivery`'s current attempt: kRetry after the policy's backoff
// (honouring `retry_after`), or kDeadLetter (reason kAttempts) when attempts are used up.
CompletionPlan PlanRetry(const Delivery& delivery, std::optional<absl::Duration> retry_after,
                         const RetryPolicy& policy, std::string reason);

// The dead-letter entry for `delivery`: its job (kind, job: replayable with XADD onto the push
// stream) plus why (reason, detail), where it came from (source_id), attempts, deliveries,
// provider and when (dead_at, Unix ms).
redis::Fields DeadLetterFields(const Delivery& delivery, std::string_view reason,
                               std::string_view detail, absl::Time now);

// The device-visible content of `delivery` (target and notifications loaded): E(regCode),
// E(pnMessages) of its notifications, or the periodic check. InvalidArgument when the DH secret
// is malformed or there is nothing to send.
absl::StatusOr<PushContent> BuildPushContent(const Delivery& delivery);

}  // namespace ntf::pusher
