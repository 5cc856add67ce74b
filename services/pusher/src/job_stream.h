#pragma once

// The push job stream as the pusher uses it: one Redis stream (`ntf:push`), one consumer group
// (`pushers`), this process' consumer name, and the dead-letter stream (`ntf:push:dead`).
// Two implementations: RedisJobStream (below, on one hiredis connection) and an in-memory fake
// in the tests.
//
// Ownership model (README "At least once"): an entry read by a consumer stays in the group's
// pending entries list (PEL) until it is acknowledged or dead-lettered. The consumer keeps the
// entries it holds "fresh" with KeepOwned(); entries of a consumer that died go idle and are
// taken over by ClaimIdle() after the claim timeout.
//
// Thread-safety: implementations are thread-safe, but calls on one RedisJobStream are
// serialized on its connection (a ReadNew blocking for 1 s holds every other call on the same
// object): give each thread that blocks its own instance. Blocking: every call does Redis
// round trips (bounded by the command timeout; ReadNew adds its block time); never call from an
// HTTP/2 I/O thread. Errors: Unavailable / DeadlineExceeded for the connection, the server's
// error otherwise (NotFound when the group is missing).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/redis/hiredis_stream_client.h"
#include "ntf/redis/stream_types.h"

namespace ntf::pusher {

struct JobStreamNames {
  std::string stream = "ntf:push";
  std::string group = "pushers";
  std::string consumer = "pusher";
  std::string dead_stream = "ntf:push:dead";
  int64_t dead_max_len = 0;  // > 0: dead-letter XADDs carry MAXLEN ~ dead_max_len
};

// One entry handed to this consumer.
struct JobEntry {
  std::string id;
  redis::Fields fields;    // empty if the entry was trimmed while pending
  int64_t deliveries = 1;  // times the group delivered it (this delivery included)
};

struct JobClaim {
  std::string next_cursor = "0-0";  // "0-0": the scan of the PEL wrapped around
  std::vector<JobEntry> entries = {};
  std::vector<std::string> deleted_ids = {};  // pending ids whose entries are gone (trimmed)
};

// A point-in-time view for metrics, trimming and the outbox sweep.
struct JobStreamStats {
  int64_t length = 0;               // XLEN
  int64_t pending = 0;              // entries read but not acknowledged (PEL size)
  std::optional<int64_t> lag = {};  // entries not yet read by the group (Redis >= 7.0)
  std::optional<std::string> oldest_pending_id = {};
  std::optional<std::string> oldest_unread_id = {};
  std::string last_delivered_id = "0-0";
  bool group_exists = false;
  int64_t dead_length = 0;  // XLEN of the dead-letter stream

  // The oldest entry still live for the group (pending or never read), if any. Every entry
  // below it has been acknowledged or dead-lettered.
  std::optional<std::string> LowWaterId() const;
  // The id below which the stream may be trimmed without losing a live entry: LowWaterId(), or
  // just above the last delivered entry when nothing is live. nullopt when the group is missing.
  std::optional<std::string> TrimBelowId() const;
};

// A stream entry id ("1700000000000-3": milliseconds, sequence) as two numbers: ordered like
// Redis orders entries, hashed and compared without the text.
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  // "<ms>-<seq>", or "<ms>" (seq 0); nullopt for anything else.
  static std::optional<StreamId> Parse(std::string_view text);
  std::string ToString() const;

  friend auto operator<=>(const StreamId&, const StreamId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const StreamId& id) {
    return H::combine(std::move(h), id.ms, id.seq);
  }
};

// The millisecond timestamp part of a stream id ("1700000000000-3"), as a time.
std::optional<absl::Time> StreamIdTime(std::string_view id);

class JobStream {
 public:
  virtual ~JobStream() = default;

  // XGROUP CREATE <stream> <group> 0 MKSTREAM; OK when the group exists.
  virtual absl::Status EnsureGroup() = 0;
  // XREADGROUP ... STREAMS <stream> >: never-delivered entries (deliveries = 1); waits up to
  // `block` when there are none.
  virtual absl::StatusOr<std::vector<JobEntry>> ReadNew(int64_t count, absl::Duration block) = 0;
  // This consumer's own pending entries with ids above `after` (restart recovery; "0" for all).
  virtual absl::StatusOr<std::vector<JobEntry>> ReadOwnPending(std::string_view after,
                                                               int64_t count) = 0;
  // XAUTOCLAIM min_idle from `cursor`: entries of any consumer idle that long become ours,
  // with their delivery counts.
  virtual absl::StatusOr<JobClaim> ClaimIdle(absl::Duration min_idle, std::string_view cursor,
                                             int64_t count) = 0;
  // Takes back, with their fields, entries this consumer was handed and let go of (a full lane
  // refused them) — only those still pending for THIS consumer: an entry another replica took
  // over meanwhile is left to it (no duplicate delivery), one acknowledged elsewhere or trimmed
  // is not returned (a trimmed one also leaves the PEL). The check and the claim are one atomic
  // step in Redis (a script: XPENDING of the id, then XCLAIM with min-idle 0), so it holds
  // whatever reset the entry's idle time meanwhile (e.g. the keeper's KeepOwned). Deliveries are
  // counted, as for ClaimIdle. Returned in stream order.
  virtual absl::StatusOr<std::vector<JobEntry>> Reclaim(absl::Span<const std::string> ids) = 0;
  // XACK.
  virtual absl::Status Ack(absl::Span<const std::string> ids) = 0;
  // Atomically appends `fields` to the dead-letter stream (trimmed to about
  // JobStreamNames::dead_max_len entries when that is > 0) and acknowledges `id`.
  virtual absl::Status DeadLetter(std::string_view id, const redis::Fields& fields) = 0;
  // XCLAIM ... 0 <ids> JUSTID: resets the idle time of entries this consumer holds (no
  // delivery count increment), so ClaimIdle elsewhere does not take them.
  virtual absl::Status KeepOwned(absl::Span<const std::string> ids) = 0;
  // XCLAIM ... 0 <ids> IDLE <idle> JUSTID: gives entries up (graceful shutdown) by making them
  // look idle for `idle`, so another replica's next ClaimIdle takes them at once.
  virtual absl::Status Release(absl::Span<const std::string> ids, absl::Duration idle) = 0;
  // XADD each entry (no trimming); returns the ids.
  virtual absl::StatusOr<std::vector<std::string>> Add(absl::Span<const redis::Fields> entries) = 0;
  virtual absl::StatusOr<JobStreamStats> Stats() = 0;
  // XGROUP DELCONSUMER for every consumer of the group (this one excepted) that has no pending
  // entry and has been idle at least `idle` (replicas that went away). Returns how many.
  virtual absl::StatusOr<int> RemoveIdleConsumers(absl::Duration idle) = 0;
  // XTRIM <stream> MINID ~ <id>: removes (whole macro-nodes of) entries below `id`; returns how
  // many were removed.
  virtual absl::StatusOr<int64_t> TrimBelow(std::string_view id) = 0;
};

// JobStream over one HiredisStreamClient (owned).
class RedisJobStream final : public JobStream {
 public:
  RedisJobStream(std::unique_ptr<redis::HiredisStreamClient> client, JobStreamNames names,
                 redis::CommandOptions options = {});

  bool Healthy() const { return client_->Healthy(); }
  const JobStreamNames& names() const { return names_; }

  // ntf::pusher::JobStream
  absl::Status EnsureGroup() override;
  absl::StatusOr<std::vector<JobEntry>> ReadNew(int64_t count, absl::Duration block) override;
  absl::StatusOr<std::vector<JobEntry>> ReadOwnPending(std::string_view after,
                                                       int64_t count) override;
  absl::StatusOr<JobClaim> ClaimIdle(absl::Duration min_idle, std::string_view cursor,
                                     int64_t count) override;
  absl::StatusOr<std::vector<JobEntry>> Reclaim(absl::Span<const std::string> ids) override;
  absl::Status Ack(absl::Span<const std::string> ids) override;
  absl::Status DeadLetter(std::string_view id, const redis::Fields& fields) override;
  absl::Status KeepOwned(absl::Span<const std::string> ids) override;
  absl::Status Release(absl::Span<const std::string> ids, absl::Duration idle) override;
  absl::StatusOr<std::vector<std::string>> Add(absl::Span<const redis::Fields> entries) override;
  absl::StatusOr<JobStreamStats> Stats() override;
  absl::StatusOr<int64_t> TrimBelow(std::string_view id) override;
  absl::StatusOr<int> RemoveIdleConsumers(absl::Duration idle) override;

 private:
  // Delivery counts of this consumer's pending entries among `entries` (XPENDING range).
  absl::Status FillDeliveries(std::vector<JobEntry>& entries);
  absl::Status Xclaim(absl::Span<const std::string> ids, const std::vector<std::string>& options);

  const std::unique_ptr<redis::HiredisStreamClient> client_;
  const JobStreamNames names_;
  const redis::CommandOptions options_;
};

}  // namespace ntf::pusher
