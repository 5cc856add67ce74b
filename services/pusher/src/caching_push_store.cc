#include "services/pusher/src/caching_push_store.h"

#include <utility>
#include <vector>

namespace ntf::pusher {

absl::StatusOr<LoadedTargets> CachingPushStore::Load(absl::Span<const wire::Bytes> token_ids,
                                                     absl::Span<const int64_t> notification_ids) {
  std::vector<PushTargetPtr> found;
  std::vector<wire::Bytes> missing;
  cache_.Lookup(token_ids, found, missing);
  metrics_.TokenCacheLookups(static_cast<int64_t>(found.size()),
                             static_cast<int64_t>(missing.size()));
  LoadedTargets out;
  if (!missing.empty() || !notification_ids.empty()) {
    const TokenCache::Ticket ticket = cache_.BeginLoad();
    absl::StatusOr<LoadedTargets> loaded = store_.Load(missing, notification_ids);
    if (!loaded.ok()) return loaded.status();
    cache_.Insert(ticket, loaded->tokens);
    out = *std::move(loaded);
  }
  out.tokens.insert(out.tokens.end(), std::make_move_iterator(found.begin()),
                    std::make_move_iterator(found.end()));
  return out;
}

absl::Status CachingPushStore::Apply(const OutcomeBatch& batch) {
  absl::Status status = store_.Apply(batch);
  for (const auto* changes : {&batch.invalidations, &batch.confirmations}) {
    for (const OutcomeBatch::TokenChange& c : *changes) cache_.Invalidate(c.token_id);
  }
  return status;
}

}  // namespace ntf::pusher
