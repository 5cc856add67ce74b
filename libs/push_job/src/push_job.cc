#include "ntf/push_job/push_job.h"

#include <optional>
#include <utility>

#include "ntf/crypto/primitives.h"
#include "ntf/push/v1/push_job.pb.h"

namespace ntf::push_job {
namespace {

std::optional<PushKind> FromProto(push::v1::PushKind kind) {
  switch (kind) {
    case push::v1::PUSH_KIND_VERIFICATION:
      return PushKind::kVerification;
    case push::v1::PUSH_KIND_MESSAGE:
      return PushKind::kMessage;
    case push::v1::PUSH_KIND_CHECK_MESSAGES:
      return PushKind::kCheckMessages;
    default:
      return std::nullopt;
  }
}

push::v1::PushKind ToProto(PushKind kind) {
  switch (kind) {
    case PushKind::kVerification:
      return push::v1::PUSH_KIND_VERIFICATION;
    case PushKind::kMessage:
      return push::v1::PUSH_KIND_MESSAGE;
    case PushKind::kCheckMessages:
      return push::v1::PUSH_KIND_CHECK_MESSAGES;
  }
  return push::v1::PUSH_KIND_UNSPECIFIED;
}

}  // namespace

redis::Fields EncodeEntry(const PushJob& job) {
  push::v1::PushJob proto;
  proto.set_job_id(job.job_id);
  proto.set_kind(ToProto(job.kind));
  proto.set_token_id(job.token_id.data(), job.token_id.size());
  for (int64_t id : job.notification_ids) proto.add_notification_ids(id);
  proto.set_attempt(job.attempt);
  proto.set_enqueued_at_unix_ms(absl::ToUnixMillis(job.enqueued_at));
  redis::Fields fields;
  fields.reserve(2);
  fields.emplace_back(std::string(kKindField), push::v1::PushKind_Name(proto.kind()));
  fields.emplace_back(std::string(kJobField), proto.SerializeAsString());
  return fields;
}

absl::StatusOr<PushJob> DecodeEntry(const redis::Fields& fields) {
  const std::string* payload = nullptr;
  for (const auto& [name, value] : fields) {
    if (name == kJobField) payload = &value;
  }
  if (payload == nullptr) return absl::InvalidArgumentError("entry has no `job` field");
  push::v1::PushJob proto;
  if (!proto.ParseFromString(*payload)) {
    return absl::InvalidArgumentError("`job` is not a serialized PushJob");
  }
  std::optional<PushKind> kind = FromProto(proto.kind());
  if (!kind) return absl::InvalidArgumentError("job kind unspecified or unknown");
  if (proto.token_id().empty()) return absl::InvalidArgumentError("job has no token id");
  PushJob job;
  job.job_id = std::move(*proto.mutable_job_id());
  job.kind = *kind;
  job.token_id.assign(proto.token_id().begin(), proto.token_id().end());
  job.notification_ids.assign(proto.notification_ids().begin(), proto.notification_ids().end());
  job.attempt = proto.attempt();
  job.enqueued_at = proto.enqueued_at_unix_ms() > 0
                        ? absl::FromUnixMillis(proto.enqueued_at_unix_ms())
                        : absl::UnixEpoch();
  if (job.kind == PushKind::kMessage && job.notification_ids.empty()) {
    return absl::InvalidArgumentError("message job names no notification");
  }
  return job;
}

PushJob NewJob(PushKind kind, wire::Bytes token_id, std::vector<int64_t> notification_ids,
               absl::Time now) {
  PushJob job;
  job.job_id = wire::Base64UrlEncode(crypto::RandomBytes(16));
  job.kind = kind;
  job.token_id = std::move(token_id);
  job.notification_ids = std::move(notification_ids);
  job.enqueued_at = now;
  return job;
}

}  // namespace ntf::push_job
