#include "services/intake/src/redis_push_job_queue.h"

#include "ntf/crypto/primitives.h"
#include "ntf/push/v1/push_job.pb.h"
#include "ntf/wire/encoding.h"

namespace ntf::intake {

RedisPushJobQueue::RedisPushJobQueue(redis::StreamPublisher& publisher,
                                     RedisPushJobQueueOptions options,
                                     std::function<absl::Status()> health)
    : publisher_(publisher), options_(std::move(options)), health_(std::move(health)) {}

absl::Status RedisPushJobQueue::EnqueueVerifications(const std::vector<store::Bytes>& token_ids) {
  if (token_ids.empty()) return absl::OkStatus();
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::vector<redis::Fields> entries;
  entries.reserve(token_ids.size());
  for (const store::Bytes& id : token_ids) {
    push::v1::PushJob job;
    job.set_job_id(wire::Base64UrlEncode(crypto::RandomBytes(16)));
    job.set_kind(push::v1::PUSH_KIND_VERIFICATION);
    job.set_token_id(id.data(), id.size());
    job.set_enqueued_at_unix_ms(now_ms);
    entries.push_back(
        {{"kind", push::v1::PushKind_Name(job.kind())}, {"job", job.SerializeAsString()}});
  }
  absl::StatusOr<std::vector<std::string>> ids = publisher_.Publish(
      options_.stream, entries, {.max_len = options_.max_len}, {.timeout = options_.timeout});
  return ids.status();
}

}  // namespace ntf::intake
