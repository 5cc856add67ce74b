#include "services/pusher/src/cron.h"

namespace ntf::pusher {

absl::StatusOr<int> CronScheduler::RunOnce() {
  int total = 0;
  for (int round = 0; round < 100; ++round) {
    absl::StatusOr<int> enqueued =
        store_.ClaimDueCron(batch_, [&](const std::vector<wire::Bytes>& token_ids) -> absl::Status {
          std::vector<redis::Fields> entries;
          entries.reserve(token_ids.size());
          const absl::Time now = clock_.Now();
          for (const wire::Bytes& id : token_ids) {
            entries.push_back(
                push_job::EncodeEntry(push_job::NewJob(PushKind::kCheckMessages, id, {}, now)));
          }
          absl::StatusOr<std::vector<std::string>> ids = stream_.Add(entries);
          if (!ids.ok()) metrics_.RedisError();
          return ids.status();
        });
    if (!enqueued.ok()) {
      metrics_.DbError();
      log_.Warn("periodic pushes: claim failed", {{"error", enqueued.status()}});
      return enqueued.status();
    }
    total += *enqueued;
    metrics_.CronEnqueued(*enqueued);
    // A short batch: nothing more is due (or the rest were non-ACTIVE tokens, which were only
    // rescheduled; the next round picks up anything left).
    if (*enqueued < batch_) break;
  }
  if (total > 0) log_.Debug("periodic pushes enqueued", {{"jobs", static_cast<int64_t>(total)}});
  return total;
}

}  // namespace ntf::pusher
