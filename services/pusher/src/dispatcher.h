#pragma once

// The reader of the job stream: one thread per process that takes entries from Redis in
// batches, loads what they need from PostgreSQL in one transaction per batch, and hands each
// job to its provider lane.
//
//   start-up:  this consumer's own pending entries (a restart under the same name)
//   loop:      XAUTOCLAIM entries idle >= claim_idle (owner dead) every claim_interval,
//              XREADGROUP > COUNT read_batch BLOCK read_block otherwise
//   per batch: decode ─ dead-letter what is not a job, or was handed out max_deliveries times
//              load tokens + outbox rows ─ mark skips ─ route: apns_dev/prod/test → APNs lane,
//              fcm → FCM lane, apns_null and missing tokens → local lane
//
// Isolation: the reader reads only while some lane has free slots (so it never reads what no
// lane could take), asks for at most that many entries, and never waits for a full lane. A job
// whose lane is full (ntf_pusher_lane_overflow_total) is parked: kept in memory, still held, and
// offered again as soon as the lane has room (at most max_parked_per_lane per lane). Beyond that
// the job is let go of, but its entry id is remembered (at most max_refused_per_lane per lane):
// when the lane has room and nothing parked, those entries are taken back by id, oldest first
// (JobStream::Reclaim: only entries still pending for this consumer, checked atomically in
// Redis, so an entry another replica took over meanwhile is left to it), loaded again and
// routed. Only what falls out of both bounds waits claim_idle for XAUTOCLAIM. The other lanes
// keep getting their jobs meanwhile. Reading is paced so that a lane that is merely busy (it
// keeps taking its parked jobs) is not overrun: when every job of a read had to wait, the next
// read waits until the parked jobs are taken, at most max_read_pause, unless the lane is stuck.
//
// Thread-safety: Start() and Stop() from the owning thread. Blocking work (Redis, PostgreSQL)
// runs on the dispatcher's own thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/common/health.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/held_jobs.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/job_worker.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {

struct DispatcherOptions {
  int read_batch = 100;
  absl::Duration read_block = absl::Seconds(1);
  absl::Duration claim_idle = absl::Seconds(60);
  absl::Duration claim_interval = absl::Seconds(5);
  int max_deliveries = 20;
  // Jobs a full lane refused that are kept in memory (loaded, still held), per lane.
  int max_parked_per_lane = 2000;
  // Entry ids of further refused jobs remembered for Reclaim, per lane (~100 bytes each).
  int max_refused_per_lane = 100000;
  // Read pacing (ShouldWaitForLanes): a pause for a busy lane lasts at most max_read_pause
  // after a read; a lane that took none of its parked jobs for lane_stall counts as stuck.
  absl::Duration max_read_pause = absl::Milliseconds(50);
  absl::Duration lane_stall = absl::Milliseconds(50);
  // Backoff after a failed Redis read or PostgreSQL load.
  absl::Duration error_backoff = absl::Milliseconds(200);
};

// The lanes, by the provider they serve.
struct Lanes {
  JobWorker* apns = nullptr;
  JobWorker* fcm = nullptr;
  JobWorker* local = nullptr;

  // The lane for a job whose token has this provider (nullopt: the token is gone).
  JobWorker* For(std::optional<wire::PushProvider> provider) const;
  int64_t MaxFreeSlots() const;
};

class Dispatcher {
 public:
  // Every reference must outlive the dispatcher; `stream` is the reader's own connection.
  Dispatcher(DispatcherOptions options, JobStream& stream, PushStore& store, Lanes lanes,
             HeldJobs& held, PusherMetrics& metrics, const common::Clock& clock,
             common::Logger log);
  ~Dispatcher();  // Stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the reader thread (with `health`, it ticks a heartbeat).
  void Start(common::Health* health = nullptr);
  // Stops reading (the current batch is finished and handed over) and joins. Idempotent.
  void Stop();
  // After Stop(): the entry ids of the jobs no lane took (parked, and refused ones this replica
  // got less than claim_idle / 2 ago), for the caller to release to the other replicas
  // (JobStream::Release). Forgets them.
  std::vector<std::string> TakeUnrouted();

  // One batch through decode, load and routing, on the calling thread (tests).
  void ProcessForTest(std::vector<JobEntry> entries) { Process(std::move(entries)); }
  void ReofferForTest() { Reoffer(); }
  void RefetchForTest() { Refetch(); }
  // Jobs the reader has routed so far.
  int64_t routed() const { return routed_.load(); }

 private:
  void Loop();
  void RecoverOwnPending();
  // How the jobs of one batch went, per lane: taken, or waiting (parked or refused).
  struct Routing {
    struct Counts {
      int64_t taken = 0;
      int64_t waiting = 0;
    };
    absl::flat_hash_map<JobWorker*, Counts> lanes;
    void Count(JobWorker* lane, int64_t taken, int64_t waiting);
    // Some job waited and no lane took jobs without making one wait: reading on would only
    // feed full lanes.
    bool OnlyFullLanes() const;
  };
  Routing Process(std::vector<JobEntry> entries);
  // Offers parked jobs to their lanes again, oldest first, while the lanes take them.
  void Reoffer();
  // Takes back refused entries (oldest first) for lanes with room and nothing parked, and
  // processes them. Returns whether it took any.
  bool Refetch();
  // Whether jobs wait for a lane: parked (AnyParked), or parked or refused (Backlogged).
  bool AnyParked() const;
  bool Backlogged() const;
  // Whether the next read should wait: the last read fed only full lanes (OnlyFullLanes), that
  // lane is still working off its parked jobs (took one within lane_stall), and the last read
  // was less than max_read_pause ago. Reading on would only park more jobs and then refuse them
  // (each refused job costs a Reclaim and a second load). A stuck lane, or a read that fed a
  // lane with room, lets reading go on, so the other lanes keep getting their jobs.
  bool ShouldWaitForLanes() const;
  // Parks a job `lane` refused, or lets it go and remembers its entry id.
  void Refused(JobWorker* lane, std::unique_ptr<Delivery> refused);
  bool Stopping() const { return stopping_.load(); }
  void Backoff() const;

  const DispatcherOptions options_;
  JobStream& stream_;
  PushStore& store_;
  const Lanes lanes_;
  HeldJobs& held_;
  PusherMetrics& metrics_;
  const common::Clock& clock_;
  const common::Logger log_;

  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> routed_{0};
  std::string claim_cursor_ = "0-0";  // reader thread only
  // Times this replica handed a job back because its lane was full (reader thread only). Those
  // re-deliveries are back-pressure, not a crash loop, so they do not count toward
  // max_deliveries; an entry leaves the map when a lane takes the job.
  absl::flat_hash_map<std::string, int64_t> overflowed_;
  // Jobs a full lane refused, kept (still held, so no other replica takes them) and offered
  // again as soon as the lane has room, instead of waiting claim_idle for a re-delivery.
  absl::flat_hash_map<JobWorker*, std::deque<std::unique_ptr<Delivery>>> parked_;
  // Further refused jobs: their entries stay pending (owned by this consumer, no longer kept
  // owned by the keeper) and are taken back by Refetch(). `got_at` is when this replica got the
  // entry (read or claimed), which bounds how long it has been idle.
  struct RefusedEntry {
    std::string id;
    common::Clock::SteadyTimePoint got_at;
  };
  absl::flat_hash_map<JobWorker*, std::deque<RefusedEntry>> refused_;
  // Read pacing (ShouldWaitForLanes), reader thread only.
  common::Clock::SteadyTimePoint last_read_at_{};
  common::Clock::SteadyTimePoint last_parked_progress_{};
  bool last_read_only_waited_ = false;
  common::Health::Heartbeat* beat_ = nullptr;
  std::thread thread_;
};

}  // namespace ntf::pusher
