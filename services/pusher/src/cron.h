#pragma once

// Periodic "check messages" pushes (TCRN, spec/ntf-protocol.md §4.6). Any replica may run a
// round: due tokens are claimed in PostgreSQL with FOR UPDATE SKIP LOCKED, rescheduled one
// interval on, and a PUSH_KIND_CHECK_MESSAGES job per ACTIVE token is added to the stream
// inside the same transaction (if the XADD fails nothing is committed and the tokens stay due;
// if the commit fails after the XADD, a token gets one extra push).
//
// When a token's first periodic push is due: intake's TCRN sets cron_next_at = now + interval,
// so new tokens get their first push one interval after TCRN. The reference instead waits for a
// cron_sent_at that is never set for new tokens (so they never get periodic pushes); we decided
// against that (README "Periodic pushes").
//
// Thread-safety: RunOnce() from one thread at a time (the app's periodic task). Blocking.

#include "absl/status/statusor.h"
#include "ntf/common/clock.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {

class CronScheduler {
 public:
  // Everything must outlive the scheduler.
  CronScheduler(int batch, PushStore& store, JobStream& stream, PusherMetrics& metrics,
                const common::Clock& clock, common::Logger log)
      : batch_(batch),
        store_(store),
        stream_(stream),
        metrics_(metrics),
        clock_(clock),
        log_(std::move(log)) {}

  // Claims due tokens in batches until fewer than a batch are due (at most 100 batches) and
  // enqueues their jobs. Returns how many jobs were enqueued.
  absl::StatusOr<int> RunOnce();

 private:
  const int batch_;
  PushStore& store_;
  JobStream& stream_;
  PusherMetrics& metrics_;
  const common::Clock& clock_;
  const common::Logger log_;
};

}  // namespace ntf::pusher
