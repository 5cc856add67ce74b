#include "services/intake/src/redis_push_job_queue.h"

#include "ntf/push_job/push_job.h"

namespace ntf::intake {

RedisPushJobQueue::RedisPushJobQueue(redis::StreamPublisher& publisher,
                                     RedisPushJobQueueOptions options,
                                     std::function<absl::Status()> health)
    : publisher_(publisher), options_(std::move(options)), health_(std::move(health)) {}

absl::Status RedisPushJobQueue::EnqueueVerifications(const std::vector<store::Bytes>& token_ids) {
  if (token_ids.empty()) return absl::OkStatus();
  const absl::Time now = absl::Now();
  std::vector<redis::Fields> entries;
  entries.reserve(token_ids.size());
  for (const store::Bytes& id : token_ids) {
    entries.push_back(
        push_job::EncodeEntry(push_job::NewJob(push_job::PushKind::kVerification, id, {}, now)));
  }
  absl::StatusOr<std::vector<std::string>> ids = publisher_.Publish(
      options_.stream, entries, {.max_len = options_.max_len}, {.timeout = options_.timeout});
  return ids.status();
}

}  // namespace ntf::intake
