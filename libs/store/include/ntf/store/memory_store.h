#pragma once

// In-memory Store for unit tests: the same semantics as PgStore (uniqueness, cascades), no
// persistence. Thread-safe (one mutex). Never blocks on I/O. SetAvailableForTest(false) makes
// every call fail with Unavailable, like a dead database.

#include <map>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "ntf/store/store.h"

namespace ntf::store {

class MemoryStore final : public Store {
 public:
  // ntf::store::Store
  absl::StatusOr<std::optional<Token>> FindTokenRegistration(const DeviceToken& device,
                                                             ByteSpan verify_key) override;
  absl::StatusOr<std::optional<Token>> GetToken(ByteSpan token_id) override;
  absl::Status InsertToken(const Token& token) override;
  absl::Status SetTokenStatus(ByteSpan token_id, const TokenStatus& status) override;
  absl::StatusOr<std::vector<Subscription>> ActivateToken(ByteSpan token_id) override;
  absl::Status ReplaceDeviceToken(ByteSpan token_id, const DeviceToken& device,
                                  ByteSpan reg_code) override;
  absl::Status SetCronInterval(ByteSpan token_id, uint16_t minutes) override;
  absl::StatusOr<std::vector<Subscription>> DeleteToken(ByteSpan token_id) override;
  absl::StatusOr<std::optional<Subscription>> FindSubscription(const SmpServer& server,
                                                               ByteSpan notifier_id) override;
  absl::StatusOr<std::optional<Subscription>> GetSubscription(ByteSpan subscription_id) override;
  absl::Status InsertSubscription(const Subscription& subscription) override;
  absl::StatusOr<bool> DeleteSubscription(ByteSpan subscription_id) override;
  absl::Status Check() override;

  void SetAvailableForTest(bool available);
  size_t TokenCountForTest() const;
  size_t SubscriptionCountForTest() const;

 private:
  absl::Status CheckAvailable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<Subscription> DeleteTokenLocked(const Bytes& token_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable std::mutex mu_;
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  std::map<Bytes, Token> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<Bytes, Subscription> subscriptions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::store
