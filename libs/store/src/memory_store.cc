#include "ntf/store/memory_store.h"

namespace ntf::store {
namespace {

Bytes Key(ByteSpan b) { return Bytes(b.begin(), b.end()); }

absl::Status NotFound() { return absl::NotFoundError("no such token"); }

}  // namespace

absl::Status MemoryStore::CheckAvailable() const {
  if (!available_) return absl::UnavailableError("memory store: unavailable (test)");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Token>> MemoryStore::FindTokenRegistration(const DeviceToken& device,
                                                                        ByteSpan verify_key) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  for (const auto& [id, t] : tokens_) {
    if (t.device == device && t.verify_key == Key(verify_key)) return t;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<Token>> MemoryStore::GetToken(ByteSpan token_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = tokens_.find(Key(token_id));
  if (it == tokens_.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryStore::InsertToken(const Token& token) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  for (const auto& [id, t] : tokens_) {
    if (id == token.token_id || (t.device == token.device && t.verify_key == token.verify_key)) {
      return absl::AlreadyExistsError("token exists");
    }
  }
  tokens_.emplace(token.token_id, token);
  return absl::OkStatus();
}

absl::Status MemoryStore::SetTokenStatus(ByteSpan token_id, const TokenStatus& status) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = tokens_.find(Key(token_id));
  if (it == tokens_.end()) return NotFound();
  it->second.status = status;
  return absl::OkStatus();
}

std::vector<Subscription> MemoryStore::DeleteTokenLocked(const Bytes& token_id) {
  std::vector<Subscription> deleted;
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    if (it->second.token_id == token_id) {
      deleted.push_back(std::move(it->second));
      it = subscriptions_.erase(it);
    } else {
      ++it;
    }
  }
  tokens_.erase(token_id);
  return deleted;
}

absl::StatusOr<std::vector<Subscription>> MemoryStore::ActivateToken(ByteSpan token_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = tokens_.find(Key(token_id));
  if (it == tokens_.end()) return NotFound();
  it->second.status = TokenStatus{.state = TokenState::kActive};
  const DeviceToken device = it->second.device;
  std::vector<Bytes> others;
  for (const auto& [id, t] : tokens_) {
    if (id != it->first && t.device == device) others.push_back(id);
  }
  std::vector<Subscription> deleted;
  for (const Bytes& id : others) {
    std::vector<Subscription> subs = DeleteTokenLocked(id);
    deleted.insert(deleted.end(), subs.begin(), subs.end());
  }
  return deleted;
}

absl::Status MemoryStore::ReplaceDeviceToken(ByteSpan token_id, const DeviceToken& device,
                                             ByteSpan reg_code) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = tokens_.find(Key(token_id));
  if (it == tokens_.end()) return NotFound();
  for (const auto& [id, t] : tokens_) {
    if (id != it->first && t.device == device && t.verify_key == it->second.verify_key) {
      return absl::AlreadyExistsError("token exists");
    }
  }
  it->second.device = device;
  it->second.reg_code = Key(reg_code);
  it->second.status = TokenStatus{.state = TokenState::kRegistered};
  return absl::OkStatus();
}

absl::Status MemoryStore::SetCronInterval(ByteSpan token_id, uint16_t minutes) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = tokens_.find(Key(token_id));
  if (it == tokens_.end()) return NotFound();
  it->second.cron_interval = minutes;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Subscription>> MemoryStore::DeleteToken(ByteSpan token_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  return DeleteTokenLocked(Key(token_id));
}

absl::StatusOr<std::optional<Subscription>> MemoryStore::FindSubscription(const SmpServer& server,
                                                                          ByteSpan notifier_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  for (const auto& [id, sub] : subscriptions_) {
    if (sub.server == server && sub.notifier_id == Key(notifier_id)) return sub;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<Subscription>> MemoryStore::GetSubscription(ByteSpan subscription_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = subscriptions_.find(Key(subscription_id));
  if (it == subscriptions_.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryStore::InsertSubscription(const Subscription& subscription) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  if (!tokens_.contains(subscription.token_id)) return NotFound();
  for (const auto& [id, sub] : subscriptions_) {
    if (id == subscription.subscription_id ||
        (sub.server == subscription.server && sub.notifier_id == subscription.notifier_id)) {
      return absl::AlreadyExistsError("subscription exists");
    }
  }
  subscriptions_.emplace(subscription.subscription_id, subscription);
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStore::DeleteSubscription(ByteSpan subscription_id) {
  std::lock_guard lock(mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  return subscriptions_.erase(Key(subscription_id)) > 0;
}

absl::Status MemoryStore::Check() {
  std::lock_guard lock(mu_);
  return CheckAvailable();
}

void MemoryStore::SetAvailableForTest(bool available) {
  std::lock_guard lock(mu_);
  available_ = available;
}

size_t MemoryStore::TokenCountForTest() const {
  std::lock_guard lock(mu_);
  return tokens_.size();
}

size_t MemoryStore::SubscriptionCountForTest() const {
  std::lock_guard lock(mu_);
  return subscriptions_.size();
}

}  // namespace ntf::store
