#include "services/pusher/src/outbox.h"

namespace ntf::pusher {

absl::StatusOr<int> OutboxSweeper::RunOnce() {
  absl::StatusOr<JobStreamStats> stats = stream_.Stats();
  if (!stats.ok()) {
    metrics_.RedisError();
    return stats.status();
  }
  absl::Time low_water = absl::InfiniteFuture();
  if (std::optional<std::string> low = stats->LowWaterId()) {
    if (std::optional<absl::Time> t = StreamIdTime(*low)) low_water = *t;
  }
  absl::StatusOr<int> requeued = store_.RequeueLost(
      low_water, lost_after_, batch_,
      [&](const std::vector<LostNotifications>& groups)
          -> absl::StatusOr<std::vector<std::string>> {
        std::vector<redis::Fields> entries;
        std::vector<std::string> job_ids;
        const absl::Time now = clock_.Now();
        for (const LostNotifications& g : groups) {
          JobSpec job = push_job::NewJob(PushKind::kMessage, g.token_id, g.notification_ids, now);
          job_ids.push_back(job.job_id);
          entries.push_back(push_job::EncodeEntry(job));
        }
        absl::StatusOr<std::vector<std::string>> added = stream_.Add(entries);
        if (!added.ok()) {
          metrics_.RedisError();
          return added.status();
        }
        return job_ids;
      });
  if (!requeued.ok()) {
    metrics_.DbError();
    log_.Warn("outbox sweep failed", {{"error", requeued.status()}});
    return requeued.status();
  }
  if (*requeued > 0) {
    metrics_.OutboxRequeued(*requeued);
    log_.Warn("re-created lost message jobs", {{"notifications", static_cast<int64_t>(*requeued)}});
  }
  return requeued;
}

}  // namespace ntf::pusher
