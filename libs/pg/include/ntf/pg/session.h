#pragma once

// One PostgreSQL connection whose jobs run on the calling thread. For a thread that blocks on
// the database anyway (the pusher's stream reader): a Pool hands each job to a worker thread and
// the result back, two thread wake-ups that on a busy machine cost more than a short query
// (measured in docs/benchmarks.md, round 6). Jobs have the Pool's semantics: each runs in its own
// pqxx::work (commit on OK, rollback on a non-OK status or an exception), results follow fn's
// return type, libpqxx exceptions come back as statuses (errors.h), and the connection is
// replaced and backed off exactly as a Pool worker's (src/link.h).
//
// Thread-safety: thread-safe; calls are serialized on the one connection (a second caller waits
// for the first job). Run() blocks for the job, bounded by connect_timeout, statement_timeout
// and tcp_user_timeout. Never call it from an event-loop thread or from inside its own job.

#include <memory>
#include <string>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ntf/pg/job.h"
#include "ntf/pg/pool.h"

namespace ntf::pg {

class Session {
 public:
  // Validates like Pool::Create (`connections`, `max_queue` and the metrics hooks are not used)
  // and connects once; a database that is down does not fail Create (see Healthy()).
  static absl::StatusOr<std::unique_ptr<Session>> Create(const PoolOptions& options);

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  template <typename Fn>
  auto Run(Fn fn) -> internal::JobResultType<Fn>;

  // Runs fn(pqxx::transaction_base&) outside a transaction (a pqxx::nontransaction): each
  // statement commits on its own, so a job skips BEGIN and COMMIT, two round trips, but its
  // statements do not share a snapshot and a failing job undoes nothing. For reads whose
  // statements need no common snapshot. Results, errors and reconnects as Run().
  template <typename Fn>
  auto Read(Fn fn) -> internal::JobResultType<Fn>;

  // As Pool::Healthy(): false after a failed connection attempt or a lost connection.
  bool Healthy() const;
  // connected (0 or 1), connect_failures and connections_lost; the queue fields stay 0.
  PoolStats Stats() const;

 private:
  using Body = Pool::Body;
  using ReadBody = absl::AnyInvocable<absl::Status(pqxx::transaction_base&)>;
  explicit Session(internal::LinkOptions link_options);
  absl::Status Execute(Body& body);
  absl::Status ExecuteRead(ReadBody& body);

  const std::unique_ptr<const internal::LinkOptions> link_options_;
  const std::unique_ptr<internal::LinkCounters> counters_;
  absl::Mutex mu_;
  const std::unique_ptr<internal::Link> link_ ABSL_GUARDED_BY(mu_);
};

template <typename Fn>
auto Session::Run(Fn fn) -> internal::JobResultType<Fn> {
  internal::JobSlot<Fn> slot;
  Body body = [&fn, &slot](pqxx::work& tx) { return internal::CallJob(fn, tx, slot); };
  absl::Status status = Execute(body);
  return internal::TakeResult<Fn>(std::move(status), slot);
}

template <typename Fn>
auto Session::Read(Fn fn) -> internal::JobResultType<Fn> {
  static_assert(std::is_invocable_v<Fn&, pqxx::transaction_base&>,
                "a Session::Read job takes pqxx::transaction_base&, not pqxx::work&");
  internal::JobSlot<Fn> slot;
  ReadBody body = [&fn, &slot](pqxx::transaction_base& tx) {
    return internal::CallJob(fn, tx, slot);
  };
  absl::Status status = ExecuteRead(body);
  return internal::TakeResult<Fn>(std::move(status), slot);
}

}  // namespace ntf::pg
