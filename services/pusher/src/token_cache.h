#pragma once

// The pusher's cache of token rows (PushTarget), so that a job for a token already seen does not
// cost a PostgreSQL round trip. PostgreSQL stays the source of truth: every change of a token row
// that a push depends on is announced on the channel ntf_token_changed (migration store_0003), and
// TokenChangeListener drops the entry. While no listener is connected the cache is disabled: it
// finds nothing and stores nothing.
//
// A load and a change can cross: a load that read a row before the change committed may return
// after the announcement was handled. Each load therefore takes a Ticket before it queries, and
// Insert() stores a row only if no change of that token was announced, and the cache was not
// reset, since the ticket was taken.
//
// Bounds: at most max_entries rows (the oldest stored is dropped for a new one), each served for
// at most max_age after it was loaded.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/common/clock.h"
#include "services/pusher/src/push_job.h"

namespace ntf::pusher {

struct TokenCacheOptions {
  size_t max_entries = 100000;
  absl::Duration max_age = absl::Minutes(10);
};

class TokenCache {
 public:
  TokenCache(TokenCacheOptions options, const common::Clock& clock);
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Taken before a load queries PostgreSQL; released when destroyed. Move-only.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class TokenCache;
    Ticket(TokenCache* cache, uint64_t seq, uint64_t epoch)
        : cache_(cache), seq_(seq), epoch_(epoch) {}
    TokenCache* cache_;
    uint64_t seq_;
    uint64_t epoch_;
  };
  Ticket BeginLoad();

  // Appends the cached rows of `token_ids` to `found` and the other ids to `missing`.
  void Lookup(absl::Span<const wire::Bytes> token_ids, std::vector<PushTargetPtr>& found,
              std::vector<wire::Bytes>& missing);
  // Stores the rows a load returned, except those announced as changed since `ticket`.
  void Insert(const Ticket& ticket, absl::Span<const PushTargetPtr> rows);
  // A change of `token_id` was announced (or made by this process).
  void Invalidate(const wire::Bytes& token_id);
  // Disabled: Lookup finds nothing and Insert stores nothing. Either switch forgets every row,
  // and rows of loads begun before it are not stored: a listener that (re)connects cannot know
  // what it missed.
  void SetEnabled(bool enabled);

  bool enabled() const;
  size_t size() const;

 private:
  void Release(uint64_t seq);
  void Evict() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops ids of rows no longer cached (and older duplicates) from order_.
  void CompactOrder() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Entry {
    PushTargetPtr target;
    common::Clock::SteadyTimePoint loaded_at;
  };

  const TokenCacheOptions options_;
  const common::Clock& clock_;
  mutable absl::Mutex mu_;
  bool enabled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;  // one step per announced change
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Ids in insertion order, for Evict(); rows dropped otherwise leave theirs behind until
  // CompactOrder() (at 2 * max_entries + 1024 ids).
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
  // Tokens announced as changed while loads were running: id -> seq of the announcement. Kept
  // while a load older than the announcement runs.
  absl::flat_hash_map<std::string, uint64_t> changed_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int> loads_ ABSL_GUARDED_BY(mu_);  // running loads: ticket seq -> count
};

}  // namespace ntf::pusher
