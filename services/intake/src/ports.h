#pragma once

// The I/O boundaries of ntf-intake besides the Store: where verification pushes go and how the
// subscriber service learns about subscription changes. Each has a real implementation (Redis
// stream, gRPC) and a fake in services/intake/tests.

#include <vector>

#include "absl/status/status.h"
#include "ntf/store/model.h"

namespace ntf::intake {

// Queues push jobs for the pusher. Thread-safe; may block (call it on a DB pool thread).
class PushJobQueue {
 public:
  virtual ~PushJobQueue() = default;
  // Verification pushes carrying each token's current registration code (the pusher reads it
  // from PostgreSQL), queued in one round trip. Unavailable when the queue cannot be reached:
  // the commands then fail and the clients retry them.
  virtual absl::Status EnqueueVerifications(const std::vector<store::Bytes>& token_ids) = 0;
  // Readiness of the queue.
  virtual absl::Status Check() = 0;
};

// Tells the subscriber service about subscription changes. Thread-safe; never blocks (calls are
// asynchronous hints: the subscriber reconciles from PostgreSQL, so a lost call only delays).
class SubscriptionEvents {
 public:
  virtual ~SubscriptionEvents() = default;
  virtual void Subscribed(std::vector<store::Subscription> subscriptions) = 0;
  virtual void Unsubscribed(std::vector<store::Subscription> subscriptions) = 0;
};

}  // namespace ntf::intake
