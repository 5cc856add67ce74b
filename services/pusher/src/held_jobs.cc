#include "services/pusher/src/held_jobs.h"

namespace ntf::pusher {

void HeldJobs::AddLocked(std::string_view id) {
  if (std::optional<StreamId> parsed = StreamId::Parse(id)) {
    ids_.insert(*parsed);
  } else {
    other_ids_.emplace(id);
  }
}

void HeldJobs::RemoveLocked(std::string_view id) {
  if (std::optional<StreamId> parsed = StreamId::Parse(id)) {
    ids_.erase(*parsed);
  } else {
    other_ids_.erase(absl::string_view(id.data(), id.size()));
  }
}

void HeldJobs::Add(std::string_view id) {
  absl::MutexLock lock(&mu_);
  AddLocked(id);
}

void HeldJobs::Add(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : ids) AddLocked(id);
}

void HeldJobs::Add(absl::Span<const std::string_view> ids) {
  absl::MutexLock lock(&mu_);
  for (std::string_view id : ids) AddLocked(id);
}

void HeldJobs::Remove(std::string_view id) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(id);
}

void HeldJobs::Remove(absl::Span<const std::string> ids) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : ids) RemoveLocked(id);
}

void HeldJobs::Remove(absl::Span<const std::string_view> ids) {
  absl::MutexLock lock(&mu_);
  for (std::string_view id : ids) RemoveLocked(id);
}

std::vector<std::string> HeldJobs::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(ids_.size() + other_ids_.size());
  for (const StreamId& id : ids_) out.push_back(id.ToString());
  out.insert(out.end(), other_ids_.begin(), other_ids_.end());
  return out;
}

size_t HeldJobs::size() const {
  absl::MutexLock lock(&mu_);
  return ids_.size() + other_ids_.size();
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
