#include "services/pusher/src/token_cache.h"

#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace ntf::pusher {
namespace {

// The table's key for a token id, without a copy (this Abseil's heterogeneous lookup takes
// absl::string_view, which is not std::string_view here).
absl::string_view KeyView(const wire::Bytes& id) {
  return absl::string_view(reinterpret_cast<const char*>(id.data()), id.size());
}

}  // namespace

TokenCache::Ticket::Ticket(Ticket&& other) noexcept
    : cache_(std::exchange(other.cache_, nullptr)), seq_(other.seq_), epoch_(other.epoch_) {}

TokenCache::Ticket::~Ticket() {
  if (cache_ != nullptr) cache_->Release(seq_);
}

TokenCache::TokenCache(TokenCacheOptions options, const common::Clock& clock)
    : options_(options), clock_(clock) {}

TokenCache::Ticket TokenCache::BeginLoad() {
  absl::MutexLock lock(&mu_);
  ++loads_[seq_];
  return Ticket(this, seq_, epoch_);
}

void TokenCache::Release(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  auto it = loads_.find(seq);
  if (it != loads_.end() && --it->second == 0) loads_.erase(it);
  // Announcements no running load predates are of no further use.
  if (loads_.empty()) {
    changed_.clear();
  } else {
    const uint64_t oldest = loads_.begin()->first;
    absl::erase_if(changed_, [oldest](const auto& c) { return c.second <= oldest; });
  }
}

void TokenCache::Lookup(absl::Span<const wire::Bytes> token_ids, std::vector<PushTargetPtr>& found,
                        std::vector<wire::Bytes>& missing) {
  absl::MutexLock lock(&mu_);
  const common::Clock::SteadyTimePoint now = clock_.SteadyNow();
  const auto max_age = common::ToSteadyDuration(options_.max_age);
  for (const wire::Bytes& id : token_ids) {
    auto it = enabled_ ? entries_.find(KeyView(id)) : entries_.end();
    if (it != entries_.end() && now - it->second.loaded_at > max_age) {
      entries_.erase(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      missing.push_back(id);
    } else {
      found.push_back(it->second.target);
    }
  }
}

void TokenCache::Insert(const Ticket& ticket, absl::Span<const PushTargetPtr> rows) {
  absl::MutexLock lock(&mu_);
  if (!enabled_ || ticket.epoch_ != epoch_ || options_.max_entries == 0) return;
  const common::Clock::SteadyTimePoint now = clock_.SteadyNow();
  for (const PushTargetPtr& row : rows) {
    std::string key(KeyView(row->token_id));
    if (auto c = changed_.find(key); c != changed_.end() && c->second > ticket.seq_) continue;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      while (entries_.size() >= options_.max_entries) Evict();
      if (order_.size() >= 2 * options_.max_entries + 1024) CompactOrder();
      order_.push_back(key);
      entries_.emplace(std::move(key), Entry{.target = row, .loaded_at = now});
    } else {
      it->second = Entry{.target = row, .loaded_at = now};
    }
  }
}

void TokenCache::CompactOrder() {
  // Keeps the latest insertion of each id still cached, in order.
  absl::flat_hash_set<std::string_view> seen;
  std::deque<std::string> kept;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    if (entries_.contains(*it) && seen.insert(*it).second) kept.push_front(*it);
  }
  order_ = std::move(kept);
}

void TokenCache::Evict() {
  // Oldest insertion first; ids of rows dropped meanwhile (changed, expired) are skipped.
  while (!order_.empty()) {
    const size_t erased = entries_.erase(order_.front());
    order_.pop_front();
    if (erased > 0) return;
  }
}

void TokenCache::Invalidate(const wire::Bytes& token_id) {
  absl::MutexLock lock(&mu_);
  std::string key(KeyView(token_id));
  entries_.erase(key);
  ++seq_;
  if (!loads_.empty()) changed_[std::move(key)] = seq_;
}

void TokenCache::SetEnabled(bool enabled) {
  absl::MutexLock lock(&mu_);
  enabled_ = enabled;
  ++epoch_;
  entries_.clear();
  order_.clear();
}

bool TokenCache::enabled() const {
  absl::MutexLock lock(&mu_);
  return enabled_;
}

size_t TokenCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace ntf::pusher
