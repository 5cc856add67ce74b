#pragma once

// One provider lane: the worker pool of one provider family (APNs, FCM, or the local lane for
// apns_null and skipped jobs), isolated from the others by its own queue, in-flight cap,
// threads and Redis connection.
//
//   dispatcher ─ Offer() ─▶ ready queue ─ sender thread ─ PushSender::Send ─▶ provider
//                               ▲                                               │ answer
//                               │ retry after backoff (held, not re-queued)      ▼ (I/O thread)
//                          backing off ◀──────── completer thread ◀──────── done queue
//                                                 │ PostgreSQL: token / notification states
//                                                 │ Redis: XACK, or dead-letter stream
//
// A lane holds at most max_held jobs (queued + in flight + backing off + completing); Offer()
// refuses more, and the dispatcher leaves such jobs pending in Redis, so one slow or failing
// provider never blocks the reader or the other lanes. At most max_in_flight requests await an
// answer. A failed attempt is retried by the same process after the RetryPolicy's backoff; the
// job stays pending (and kept owned) in Redis meanwhile, so a crash loses nothing.
//
// The completer writes PostgreSQL before acknowledging in Redis: a job is acknowledged only
// after its outcome is stored. Failed writes are retried with backoff (the lane stalls while
// the database or Redis is down, and resumes by itself).
//
// Thread-safety: Offer(), FreeSlots() and depth() are thread-safe. Start() and Drain() from
// the owning thread. Blocking: Offer() never blocks; Drain() waits up to its deadline.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/common/health.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/completion.h"
#include "services/pusher/src/held_jobs.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_sender.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"
#include "services/pusher/src/retry_policy.h"

namespace ntf::pusher {

struct JobWorkerOptions {
  Lane lane = Lane::kLocal;
  int max_in_flight = 1000;  // requests awaiting an answer
  int max_held = 3000;       // jobs held in all states
  int complete_batch = 256;  // answers completed per PostgreSQL transaction / XACK
  int send_batch = 64;       // jobs the sender takes per lock and hands to the provider at once
  // The completer waits up to this long for a fuller batch (complete_batch answers) once it has
  // some: fewer, larger XACKs and transactions for ~1 ms more between answer and XACK.
  absl::Duration complete_linger = absl::Milliseconds(1);
  // Backoff between retries of a failed PostgreSQL or Redis write.
  absl::Duration write_retry_min = absl::Milliseconds(100);
  absl::Duration write_retry_max = absl::Seconds(2);
};

class JobWorker {
 public:
  struct Depth {
    int64_t queued = 0;
    int64_t in_flight = 0;
    int64_t backing_off = 0;
    int64_t completing = 0;
    int64_t total() const { return queued + in_flight + backing_off + completing; }
  };

  // Every reference must outlive the worker. `stream` is the lane's own connection (acks and
  // dead letters).
  JobWorker(JobWorkerOptions options, PushSender& sender, JobStream& stream, PushStore& store,
            HeldJobs& held, const RetryPolicy& policy, PusherMetrics& metrics,
            const common::Clock& clock, common::Logger log);
  // Drain(now) if still running.
  ~JobWorker();
  JobWorker(const JobWorker&) = delete;
  JobWorker& operator=(const JobWorker&) = delete;

  // Starts the sender and completer threads; with `health`, both tick a heartbeat.
  void Start(common::Health* health = nullptr);

  // Takes the job (returns null) unless the lane holds max_held jobs or is draining (returns
  // it unchanged).
  std::unique_ptr<Delivery> Offer(std::unique_ptr<Delivery> delivery);
  // Offer() of each job in order, under one lock (one wake-up of the sender): takes the longest
  // prefix that fits and returns the rest, in order.
  std::vector<std::unique_ptr<Delivery>> OfferBatch(std::vector<std::unique_ptr<Delivery>> jobs);
  // How many more jobs Offer() would take now.
  int64_t FreeSlots() const;
  Depth depth() const;
  Lane lane() const { return options_.lane; }

  // Stops sending: requests in flight are answered and completed (acknowledged) until
  // `deadline`; jobs not yet sent or backing off are released unacknowledged (they stay pending
  // in Redis; the caller gives them up with JobStream::Release so another replica takes them
  // over). Joins the threads. Returns the entry ids released (in-flight ones whose answer did
  // not come in time included). Idempotent. Destroy the worker only once its PushSender can no
  // longer call back (shut the HTTP/2 clients down first).
  std::vector<std::string> Drain(absl::Time deadline);

 private:
  enum class State { kCreated, kRunning, kDraining, kStopped };
  using DeliveryPtr = std::unique_ptr<Delivery>;
  struct Answered {
    DeliveryPtr delivery;
    SendResult result;
  };

  void SenderLoop();
  void CompleterLoop();
  void OnSent(DeliveryPtr delivery, SendResult result);
  void Complete(std::vector<Answered> batch);
  // Runs `write` until it succeeds; false when giving up (draining past the deadline).
  template <typename F>
  bool WriteWithRetry(const char* what, F write);
  bool GiveUp() const;
  int64_t HeldLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Jobs Offer/OfferBatch would take now: 0 unless running, else max_held - held.
  int64_t FreeSlotsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Something is ready and the in-flight window has room for it: any room, or, once the
  // window was full (window_filled_), room for a batch.
  bool RoomForABatchLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Record(const Delivery& d, const SendResult& r, const CompletionPlan& plan);
  void Release(const std::vector<DeliveryPtr>& deliveries);

  // The jobs sent and not answered yet, for the entry ids a drain that gives up releases. Each
  // stays alive while here: its sender callback owns it and runs exactly once (PushSender),
  // taking it out under mu_ (OnSent).
  absl::flat_hash_set<const Delivery*> in_flight_jobs_ ABSL_GUARDED_BY(mu_);

  const JobWorkerOptions options_;
  PushSender& sender_;
  JobStream& stream_;
  PushStore& store_;
  HeldJobs& held_;
  const RetryPolicy& policy_;
  PusherMetrics& metrics_;
  const common::Clock& clock_;
  const common::Logger log_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kCreated;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::deque<DeliveryPtr> ready_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, DeliveryPtr> backing_off_ ABSL_GUARDED_BY(mu_);
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool window_filled_ ABSL_GUARDED_BY(mu_) = false;  // the sender's last take filled it
  std::vector<Answered> answered_ ABSL_GUARDED_BY(mu_);
  int64_t completing_ ABSL_GUARDED_BY(mu_) = 0;
  bool sender_done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t backoff_changes_ ABSL_GUARDED_BY(mu_) = 0;  // wakes the sender for a new retry

  common::Health::Heartbeat* sender_beat_ = nullptr;
  common::Health::Heartbeat* completer_beat_ = nullptr;
  std::thread sender_thread_;
  std::thread completer_thread_;
};

}  // namespace ntf::pusher
