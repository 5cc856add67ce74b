#pragma once

// PushJobQueue on the Redis stream `ntf:push`: one XADD per job, all jobs of a block pipelined
// in one round trip. The entry is libs/push_job's (`push_job::EncodeEntry`), as the pusher reads
// it.
//
// Thread-safety: thread-safe (the publisher serializes its connection). Blocking: one Redis
// round trip per call, bounded by the command timeout.

#include <string>

#include "ntf/redis/stream_publisher.h"
#include "services/intake/src/ports.h"

namespace ntf::intake {

struct RedisPushJobQueueOptions {
  std::string stream = "ntf:push";
  int64_t max_len = 0;  // approximate MAXLEN trim (0 = none; the pusher trims with MINID)
  absl::Duration timeout = absl::Seconds(1);
};

class RedisPushJobQueue final : public PushJobQueue {
 public:
  // `publisher` must outlive the queue. `health` is the readiness probe of the connection.
  RedisPushJobQueue(redis::StreamPublisher& publisher, RedisPushJobQueueOptions options,
                    std::function<absl::Status()> health);

  // ntf::intake::PushJobQueue
  absl::Status EnqueueVerifications(const std::vector<store::Bytes>& token_ids) override;
  absl::Status Check() override { return health_(); }

 private:
  redis::StreamPublisher& publisher_;
  RedisPushJobQueueOptions options_;
  std::function<absl::Status()> health_;
};

}  // namespace ntf::intake
