#pragma once

// Re-creates message jobs that left Redis without a final outcome (Redis lost them: a crash
// with AOF everysec, a restart without data, MAXLEN trimming of a pending entry, or a producer
// that died between its commit and its XADD).
//
// How a lost job is recognised without a Redis index by job id: every live job (pending, or not
// yet read) is at or above the stream's low-water mark, the oldest live entry id, whose
// millisecond part is its XADD time. A job is acknowledged only after its notifications were
// marked delivered or failed, and a notification's queued_at is written just before its job's
// XADD. So a row still `queued` whose queued_at is older than the low-water mark (minus
// outbox.lost_after for clock skew and the commit-to-XADD gap) has no live job: its job is
// re-created (grouped per token, <= 6 per job, oldest first) and the row gets the new job id
// and queued_at. Retries never re-queue a job (the same entry stays pending), so the mark stays
// exact while a job backs off. With nothing live in the stream the mark is "now".
//
// Thread-safety: RunOnce() from one thread at a time. Blocking. Replicas may run it together:
// rows are locked FOR UPDATE SKIP LOCKED.

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {

class OutboxSweeper {
 public:
  // Everything must outlive the sweeper.
  OutboxSweeper(absl::Duration lost_after, int batch, PushStore& store, JobStream& stream,
                PusherMetrics& metrics, const common::Clock& clock, common::Logger log)
      : lost_after_(lost_after),
        batch_(batch),
        store_(store),
        stream_(stream),
        metrics_(metrics),
        clock_(clock),
        log_(std::move(log)) {}

  // One sweep (at most `batch` rows). Returns how many rows were re-queued.
  absl::StatusOr<int> RunOnce();

 private:
  const absl::Duration lost_after_;
  const int batch_;
  PushStore& store_;
  JobStream& stream_;
  PusherMetrics& metrics_;
  const common::Clock& clock_;
  const common::Logger log_;
};

}  // namespace ntf::pusher
