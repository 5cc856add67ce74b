#pragma once

// SubscriptionEvents over gRPC (proto/ntf/subscriber/v1): each change becomes one asynchronous
// Subscribe/Unsubscribe call with a deadline. Failures are counted and logged, never retried:
// the subscriber reconciles from PostgreSQL. The only translation unit of intake that includes
// gRPC headers is its .cc.
//
// Thread-safety: thread-safe. Never blocks. Calls in flight at destruction are cancelled.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/intake/src/ports.h"

namespace ntf::intake {

class GrpcSubscriptionEvents final : public SubscriptionEvents {
 public:
  // `on_result` is called on a gRPC thread after each call (for metrics); may be empty.
  static absl::StatusOr<std::unique_ptr<GrpcSubscriptionEvents>> Create(
      const std::string& address, absl::Duration timeout,
      std::function<void(const absl::Status&)> on_result);
  ~GrpcSubscriptionEvents() override;

  // ntf::intake::SubscriptionEvents
  void Subscribed(std::vector<store::Subscription> subscriptions) override;
  void Unsubscribed(std::vector<store::Subscription> subscriptions) override;

 private:
  struct Impl;
  explicit GrpcSubscriptionEvents(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ntf::intake
