#pragma once

// The stream entries this process holds (read and not yet acknowledged, dead-lettered or
// released), and the keeper that keeps them owned: every claim_idle / 3 it resets their idle
// time in the group's PEL (XCLAIM ... JUSTID), so another replica's XAUTOCLAIM takes them only
// once this process has stopped looking after them (crashed, hung, or drained).
//
// Thread-safety: HeldJobs is thread-safe (one mutex; every operation is O(ids)).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/periodic.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {

class HeldJobs {
 public:
  // Ids are stream entry ids, kept as StreamId (no allocation, cheap hashing: a job passes here
  // twice); text that is not one (never from Redis) is kept as it is.
  void Add(std::string_view id);
  void Add(absl::Span<const std::string> ids);
  void Add(absl::Span<const std::string_view> ids);
  void Remove(std::string_view id);
  void Remove(absl::Span<const std::string> ids);
  void Remove(absl::Span<const std::string_view> ids);
  std::vector<std::string> Snapshot() const;
  size_t size() const;

 private:
  void AddLocked(std::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(std::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_set<StreamId> ids_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> other_ids_ ABSL_GUARDED_BY(mu_);
};

// Runs KeepOwned(held.Snapshot()) every `interval` on its own thread. `stream` (its own
// connection), `held`, `metrics` must outlive it.
class HeldJobsKeeper {
 public:
  HeldJobsKeeper(absl::Duration interval, JobStream& stream, const HeldJobs& held,
                 PusherMetrics& metrics, common::Logger log);
  void Start() { task_.Start(); }
  void Stop() { task_.Stop(); }
  // One round now, on the calling thread (tests).
  absl::Status KeepNowForTest() { return KeepOnce(); }

 private:
  absl::Status KeepOnce();

  JobStream& stream_;
  const HeldJobs& held_;
  PusherMetrics& metrics_;
  const common::Logger log_;
  PeriodicTask task_;
};

}  // namespace ntf::pusher
