#pragma once

// Stream statistics for the gauges, and trimming that never drops a live job: XTRIM MINID ~
// below the group's low-water mark (the oldest entry still pending or unread), so only entries
// every consumer has acknowledged (or dead-lettered) go. `~` trims whole macro-nodes only, so a
// few hundred acknowledged entries may stay. Producers should not trim (or only with a MAXLEN far
// above any backlog, as intake's push_stream_maxlen: MAXLEN can drop pending entries, which the
// outbox then re-creates for message jobs only). Assumes the stream has one consumer group.
//
// Thread-safety: each method from one thread at a time. Blocking (Redis round trips).

#include "absl/status/status.h"
#include "ntf/common/clock.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {

class StreamUpkeep {
 public:
  StreamUpkeep(JobStream& stream, PusherMetrics& metrics, const common::Clock& clock,
               common::Logger log)
      : stream_(stream), metrics_(metrics), clock_(clock), log_(std::move(log)) {}

  // Refreshes the stream gauges.
  absl::Status UpdateStats();
  // Trims acknowledged entries; returns how many were removed. Also forgets consumers (replicas
  // that went away) with nothing pending that have been idle for a day.
  absl::StatusOr<int64_t> Trim();

 private:
  JobStream& stream_;
  PusherMetrics& metrics_;
  const common::Clock& clock_;
  const common::Logger log_;
};

}  // namespace ntf::pusher
