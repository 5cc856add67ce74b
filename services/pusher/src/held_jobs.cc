#include "services/pusher/src/held_jobs.h"

namespace ntf::pusher {

void HeldJobs::Add(const std::string& id) {
  absl::MutexLock lock(&mu_);
  ids_.insert(id);
}

void HeldJobs::Add(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  ids_.insert(ids.begin(), ids.end());
}

void HeldJobs::Remove(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : ids) ids_.erase(id);
}

void HeldJobs::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  ids_.erase(id);
}

std::vector<std::string> HeldJobs::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return std::vector<std::string>(ids_.begin(), ids_.end());
}

size_t HeldJobs::size() const {
  absl::MutexLock lock(&mu_);
  return ids_.size();
}

HeldJobsKeeper::HeldJobsKeeper(absl::Duration interval, JobStream& stream, const HeldJobs& held,
                               PusherMetrics& metrics, common::Logger log)
    : stream_(stream),
      held_(held),
      metrics_(metrics),
      log_(std::move(log)),
      task_(
          "ntf-keeper", interval, [this] { (void)KeepOnce(); }, /*run_at_start=*/false) {}

absl::Status HeldJobsKeeper::KeepOnce() {
  const std::vector<std::string> ids = held_.Snapshot();
  if (ids.empty()) return absl::OkStatus();
  absl::Status s = stream_.KeepOwned(ids);
  if (!s.ok()) {
    metrics_.RedisError();
    log_.Warn("cannot refresh held jobs",
              {{"jobs", static_cast<int64_t>(ids.size())}, {"error", s}});
  }
  return s;
}

}  // namespace ntf::pusher
