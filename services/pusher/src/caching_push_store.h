#pragma once

// A PushStore that answers token loads from a TokenCache where it can and asks the store it wraps
// for the rest (and for every outbox row: those are read once per job anyway). What the wrapped
// store returns is cached; a token this process changes (Apply) is dropped from the cache at
// once, without waiting for PostgreSQL's announcement. The other calls go straight through.
//
// Thread-safety: as the wrapped store; the cache is thread-safe.

#include "services/pusher/src/push_store.h"
#include "services/pusher/src/pusher_metrics.h"
#include "services/pusher/src/token_cache.h"

namespace ntf::pusher {

class CachingPushStore final : public PushStore {
 public:
  // `store`, `cache` and `metrics` must outlive this object.
  CachingPushStore(PushStore& store, TokenCache& cache, PusherMetrics& metrics)
      : store_(store), cache_(cache), metrics_(metrics) {}

  // ntf::pusher::PushStore
  absl::StatusOr<LoadedTargets> Load(absl::Span<const wire::Bytes> token_ids,
                                     absl::Span<const int64_t> notification_ids) override;
  absl::Status Apply(const OutcomeBatch& batch) override;
  absl::StatusOr<int> ClaimDueCron(int limit, const EnqueueTokens& enqueue) override {
    return store_.ClaimDueCron(limit, enqueue);
  }
  absl::StatusOr<int> RequeueLost(absl::Time low_water, absl::Duration margin, int limit,
                                  const EnqueueLost& enqueue) override {
    return store_.RequeueLost(low_water, margin, limit, enqueue);
  }

 private:
  PushStore& store_;
  TokenCache& cache_;
  PusherMetrics& metrics_;
};

}  // namespace ntf::pusher
