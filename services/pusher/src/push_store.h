#pragma once

// What the pusher reads and writes in PostgreSQL (schema: libs/store/migrations): the token and
// outbox rows a batch of jobs needs, the token states and notification states the providers'
// answers decide, due periodic pushes (TCRN) and lost outbox rows. Two implementations:
// PgPushStore (below) and an in-memory fake in the tests.
//
// Thread-safety: every method may be called from any thread. Blocking: PgPushStore runs each
// call as one transaction on its pg::Pool and waits for it, so callers are the pusher's own
// worker threads, never an HTTP/2 I/O thread. Errors: Unavailable when the database cannot be
// reached (the pool reconnects by itself), Internal for other failures (including a row that
// does not unseal: wrong server secret key).

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/crypto/seal.h"
#include "ntf/pg/pool.h"
#include "ntf/pg/session.h"
#include "services/pusher/src/push_job.h"

namespace ntf::pusher {

struct LoadedTargets {
  std::vector<PushTargetPtr> tokens = {};              // the tokens that exist
  std::vector<OutboxNotification> notifications = {};  // the rows that exist, oldest first
};

// The state changes one batch of provider answers decides. Token changes are guarded by the
// device token the push went to: a token whose device token was replaced (TRPL) meanwhile is
// left alone.
struct OutcomeBatch {
  struct TokenChange {
    wire::Bytes token_id = {};
    wire::Bytes device_token = {};  // tokens.push_token the push was sent to
    wire::TokenStatus status = {};  // INVALID(reason), or CONFIRMED
  };
  // INVALID(reason): the provider said the device token is dead.
  std::vector<TokenChange> invalidations = {};
  // CONFIRMED after a verification push was accepted; applied only when the token is not
  // already CONFIRMED or ACTIVE.
  std::vector<TokenChange> confirmations = {};
  std::vector<int64_t> delivered = {};  // notifications -> delivered (pushed_at = now)
  std::vector<int64_t> failed = {};     // queued notifications -> failed

  bool empty() const {
    return invalidations.empty() && confirmations.empty() && delivered.empty() && failed.empty();
  }
};

// Lost outbox rows of one token, grouped for one re-created message job (<= 6, oldest first).
struct LostNotifications {
  wire::Bytes token_id = {};
  std::vector<int64_t> notification_ids = {};
};

class PushStore {
 public:
  virtual ~PushStore() = default;

  // The token rows and the outbox rows (with their subscription's SMP server and notifier id)
  // the given ids name; missing rows are simply absent.
  virtual absl::StatusOr<LoadedTargets> Load(absl::Span<const wire::Bytes> token_ids,
                                             absl::Span<const int64_t> notification_ids) = 0;

  // Applies `batch` in one transaction.
  virtual absl::Status Apply(const OutcomeBatch& batch) = 0;

  // Claims up to `limit` tokens whose periodic push is due (cron_interval > 0, cron_next_at <=
  // now), skipping rows other replicas have locked, moves their cron_next_at one interval on,
  // and calls `enqueue` with the ACTIVE ones (others are only rescheduled) before committing.
  // If `enqueue` fails, nothing is committed (the tokens stay due). Returns how many were
  // enqueued.
  using EnqueueTokens = std::function<absl::Status(const std::vector<wire::Bytes>& token_ids)>;
  virtual absl::StatusOr<int> ClaimDueCron(int limit, const EnqueueTokens& enqueue) = 0;

  // Finds up to `limit` outbox rows still queued whose job has left Redis: queued before
  // min(`low_water`, now) - `margin`, where `low_water` is the time of the oldest entry still
  // live in the stream (absl::InfiniteFuture() when none is). Rows other replicas have locked
  // are skipped. `enqueue` receives them grouped per token (<= 6 per group, oldest first) and
  // returns the new job id of each group; the rows then get that job id and queued_at = now,
  // and the transaction commits. Returns how many rows were re-queued.
  using EnqueueLost = std::function<absl::StatusOr<std::vector<std::string>>(
      const std::vector<LostNotifications>& groups)>;
  virtual absl::StatusOr<int> RequeueLost(absl::Time low_water, absl::Duration margin, int limit,
                                          const EnqueueLost& enqueue) = 0;
};

class PgPushStore final : public PushStore {
 public:
  // `pool` (and `loads`, if given) must outlive the store. With `loads`, Load() runs on that
  // session, on the calling thread: the reader's own connection, which spares each batch the
  // pool's hand-off to a worker and back, and outside a transaction (Session::Read: its token and
  // notification reads need no common snapshot, and BEGIN and COMMIT would be two more round
  // trips per batch). Everything else runs on the pool.
  PgPushStore(pg::Pool& pool, crypto::SealKey seal_key, pg::Session* loads = nullptr)
      : pool_(pool), loads_(loads), seal_key_(seal_key) {}

  // ntf::pusher::PushStore
  absl::StatusOr<LoadedTargets> Load(absl::Span<const wire::Bytes> token_ids,
                                     absl::Span<const int64_t> notification_ids) override;
  absl::Status Apply(const OutcomeBatch& batch) override;
  absl::StatusOr<int> ClaimDueCron(int limit, const EnqueueTokens& enqueue) override;
  absl::StatusOr<int> RequeueLost(absl::Time low_water, absl::Duration margin, int limit,
                                  const EnqueueLost& enqueue) override;

 private:
  pg::Pool& pool_;
  pg::Session* const loads_;
  const crypto::SealKey seal_key_;
};

// PostgreSQL array literals for `$n::bytea[]`, `$n::bigint[]`, `$n::text[]` parameters
// (libpqxx 6.4 has no array parameters). Exposed for tests.
std::string ByteaArrayLiteral(absl::Span<const wire::Bytes> values);
std::string BigintArrayLiteral(absl::Span<const int64_t> values);
// Elements must not contain '"' or '\\' (status texts and job ids never do).
std::string TextArrayLiteral(absl::Span<const std::string> values);

}  // namespace ntf::pusher
