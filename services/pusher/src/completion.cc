#include "services/pusher/src/completion.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/box.h"
#include "services/pusher/src/nonce_generator.h"

namespace ntf::pusher {
namespace {

using Action = CompletionPlan::Action;
using Kind = SendResult::Kind;

CompletionPlan Ack(PushResult result, std::string reason) {
  CompletionPlan plan;
  plan.action = Action::kAck;
  plan.result = result;
  plan.reason = std::move(reason);
  return plan;
}

CompletionPlan Finished(PushResult result, std::string reason) {
  CompletionPlan plan = Ack(result, std::move(reason));
  plan.notifications_failed = true;
  return plan;
}

CompletionPlan Dead(DeadLetterReason why, std::string reason) {
  CompletionPlan plan;
  plan.action = Action::kDeadLetter;
  plan.result = PushResult::kDeadLetter;
  plan.dead_reason = why;
  plan.notifications_failed = true;
  plan.reason = std::move(reason);
  return plan;
}

CompletionPlan Delivered(const Delivery& delivery, std::string reason) {
  CompletionPlan plan = Ack(PushResult::kDelivered, std::move(reason));
  plan.confirm = delivery.job.kind == PushKind::kVerification;
  plan.notifications_delivered = delivery.job.kind == PushKind::kMessage;
  return plan;
}

// Send again after `delay` without counting an attempt (no metrics result either).
CompletionPlan Uncounted(absl::Duration delay, std::string reason) {
  CompletionPlan plan;
  plan.action = Action::kRetry;
  plan.delay = delay;
  plan.reason = std::move(reason);
  return plan;
}

CompletionPlan Invalid(wire::InvalidReason why, std::string reason) {
  CompletionPlan plan = Finished(PushResult::kTokenInvalid, std::move(reason));
  plan.invalidate = why;
  return plan;
}

}  // namespace

CompletionPlan PlanRetry(const Delivery& delivery, std::optional<absl::Duration> retry_after,
                         const RetryPolicy& policy, std::string reason) {
  const RetryDecision decision = policy.OnFailure(delivery.attempt, retry_after);
  if (decision.action == RetryDecision::Action::kDeadLetter) {
    return Dead(DeadLetterReason::kAttempts, std::move(reason));
  }
  CompletionPlan plan;
  plan.action = Action::kRetry;
  plan.result = PushResult::kRetry;
  plan.delay = decision.delay;
  plan.counts_as_attempt = true;
  plan.reason = std::move(reason);
  return plan;
}

CompletionPlan PlanCompletion(const Delivery& delivery, const SendResult& result,
                              const RetryPolicy& policy) {
  if (delivery.skip != SkipReason::kNone) {
    return Finished(PushResult::kSkipped, std::string(SkipReasonName(delivery.skip)));
  }
  switch (result.kind) {
    case Kind::kLocalSuccess:
      return Delivered(delivery, "local");
    case Kind::kExpired:
      return Finished(PushResult::kExpired, "expired");
    case Kind::kBadDeviceToken:
      return Invalid(wire::InvalidReason::kBad, "malformed_device_token");
    case Kind::kRejectedLocally:
      return Dead(DeadLetterReason::kPermanent, "request_not_built");
    case Kind::kProviderDisabled:
      return Dead(DeadLetterReason::kProviderDisabled, "provider_disabled");
    case Kind::kTransportError:
      return PlanRetry(delivery, std::nullopt, policy, "transport");
    case Kind::kRefused:
      // The provider did not process it: once at once and uncounted, as an HTTP/2 client
      // resends such a request itself; refused again, it is a transport failure.
      if (delivery.refusal_resent) return PlanRetry(delivery, std::nullopt, policy, "refused");
      return Uncounted(absl::ZeroDuration(), "refused");
    case Kind::kAuthUnavailable:
      return PlanRetry(delivery, std::nullopt, policy, "auth_unavailable");
    case Kind::kBusy:
      return Uncounted(absl::Milliseconds(100), "busy");
    case Kind::kAnswered:
      break;
  }
  const PushOutcome& outcome = result.outcome;
  switch (outcome.kind) {
    case OutcomeKind::kDelivered:
      return Delivered(delivery, outcome.reason);
    case OutcomeKind::kTokenInvalid:
      return Invalid(outcome.invalid_reason.value_or(wire::InvalidReason::kBad), outcome.reason);
    case OutcomeKind::kDropped:
      return Finished(PushResult::kDropped, outcome.reason);
    case OutcomeKind::kRetry:
      return PlanRetry(delivery, outcome.retry_after, policy, outcome.reason);
    case OutcomeKind::kRefreshAuthAndRetry: {
      if (delivery.auth_refreshed) {
        return PlanRetry(delivery, std::nullopt, policy, outcome.reason);
      }
      CompletionPlan plan;
      plan.action = Action::kRefreshAuth;
      plan.reason = outcome.reason;
      return plan;
    }
    case OutcomeKind::kPermanentFailure:
      return Dead(DeadLetterReason::kPermanent, outcome.reason);
  }
  return Dead(DeadLetterReason::kPermanent, "unknown_outcome");
}

redis::Fields DeadLetterFields(const Delivery& delivery, std::string_view reason,
                               std::string_view detail, absl::Time now) {
  redis::Fields fields = push_job::EncodeEntry(delivery.job);
  fields.emplace_back("reason", std::string(reason));
  if (!detail.empty()) fields.emplace_back("detail", std::string(detail.substr(0, 500)));
  fields.emplace_back("source_id", delivery.entry_id);
  fields.emplace_back("attempts", absl::StrCat(delivery.attempt + 1));
  fields.emplace_back("deliveries", absl::StrCat(delivery.deliveries));
  fields.emplace_back("provider",
                      delivery.target
                          ? std::string(wire::PushProviderName(delivery.target->device.provider))
                          : std::string("unknown"));
  fields.emplace_back("dead_at", absl::StrCat(absl::ToUnixMillis(now)));
  return fields;
}

absl::StatusOr<PushContent> BuildPushContent(const Delivery& delivery) {
  if (!delivery.target) return absl::InvalidArgumentError("no token loaded");
  if (delivery.job.kind == PushKind::kCheckMessages) return MakeCheckMessagesContent();
  const std::optional<crypto::DhSecret>& secret = delivery.target->dh_secret;
  if (!secret) return absl::InvalidArgumentError("the token's DH secret is not 32 bytes");
  const crypto::CbNonce nonce = ThreadNonce();  // a userspace CSPRNG, not a syscall per push
  if (delivery.job.kind == PushKind::kVerification) {
    return MakeVerificationContent(*secret, nonce, delivery.target->reg_code);
  }
  std::vector<PnMessageData> items;
  items.reserve(delivery.notifications.size());
  for (const OutboxNotification& n : delivery.notifications) items.push_back(n.data);
  absl::StatusOr<PnMessages> text = FormatPnMessages(items);
  if (!text.ok()) return text.status();
  return MakeMessageContent(*secret, nonce, text->text);
}

}  // namespace ntf::pusher
