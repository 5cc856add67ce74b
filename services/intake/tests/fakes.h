#pragma once

// Fakes of the intake's I/O ports for unit tests.

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "services/intake/src/ports.h"

namespace ntf::intake {

class FakePushJobQueue final : public PushJobQueue {
 public:
  absl::Status EnqueueVerifications(const std::vector<store::Bytes>& token_ids) override {
    std::lock_guard lock(mu_);
    if (!available_) return absl::UnavailableError("fake queue down");
    verifications_.insert(verifications_.end(), token_ids.begin(), token_ids.end());
    return absl::OkStatus();
  }
  absl::Status Check() override {
    std::lock_guard lock(mu_);
    return available_ ? absl::OkStatus() : absl::UnavailableError("fake queue down");
  }
  void SetAvailable(bool available) {
    std::lock_guard lock(mu_);
    available_ = available;
  }
  std::vector<store::Bytes> verifications() const {
    std::lock_guard lock(mu_);
    return verifications_;
  }

 private:
  mutable std::mutex mu_;
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<store::Bytes> verifications_ ABSL_GUARDED_BY(mu_);
};

class FakeSubscriptionEvents final : public SubscriptionEvents {
 public:
  void Subscribed(std::vector<store::Subscription> subs) override {
    std::lock_guard lock(mu_);
    for (auto& s : subs) subscribed_.push_back(std::move(s));
  }
  void Unsubscribed(std::vector<store::Subscription> subs) override {
    std::lock_guard lock(mu_);
    for (auto& s : subs) unsubscribed_.push_back(std::move(s));
  }
  std::vector<store::Subscription> subscribed() const {
    std::lock_guard lock(mu_);
    return subscribed_;
  }
  std::vector<store::Subscription> unsubscribed() const {
    std::lock_guard lock(mu_);
    return unsubscribed_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<store::Subscription> subscribed_ ABSL_GUARDED_BY(mu_);
  std::vector<store::Subscription> unsubscribed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::intake
