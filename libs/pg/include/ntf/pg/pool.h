#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "ntf/pg/conninfo.h"
#include "ntf/pg/job.h"

namespace ntf::pg {

struct PoolOptions {
  // Where to connect: a postgresql:// URL or libpq "key=value" string (NTF_DATABASE_URL).
  std::string conninfo;
  // Timeouts, application_name and search_path added to every connection.
  ConnectOptions connect;
  // Connections, and worker threads: each thread owns exactly one connection.
  int connections = 4;
  // Jobs that may wait for a free worker; Submit() beyond this returns ResourceExhausted.
  size_t max_queue = 1024;
  // After a failed connection attempt a worker fails jobs fast (Unavailable) for this long
  // before trying again; doubles per failure up to reconnect_backoff_max. The first attempt
  // after a connection is lost is immediate.
  absl::Duration reconnect_backoff_min = absl::Milliseconds(100);
  absl::Duration reconnect_backoff_max = absl::Seconds(5);
  // Metrics hooks, called on pool threads without locks held; must be cheap and thread-safe.
  // Time a job spent queued before a worker took it (a histogram's Observe()).
  std::function<void(absl::Duration)> on_queue_wait;
  // Time a job ran (connect, body, commit) and its outcome.
  std::function<void(absl::Duration, const absl::Status&)> on_job_done;
};

struct PoolStats {
  size_t queued = 0;              // jobs waiting for a worker
  int busy = 0;                   // workers running a job
  int connected = 0;              // workers holding an open connection
  uint64_t connect_failures = 0;  // failed connection attempts since start
  uint64_t connections_lost = 0;  // open connections found or reported broken
  uint64_t rejected = 0;          // Submit() calls refused because the queue was full
};

namespace internal {
// Defined in src/link.h: one connection's reconnect logic, shared with Session.
struct LinkCounters;
struct LinkOptions;
class Link;
}  // namespace internal

// A fixed set of PostgreSQL connections, each owned by one worker thread, fed from one bounded
// queue. Every job runs inside its own pqxx::work transaction on a worker thread:
//   fn(tx) returns normally (or an OK status)  -> commit
//   fn(tx) returns a non-OK status             -> rollback, that status is the result
//   fn(tx) or the commit throws                -> rollback, StatusFromCurrentException()
// A job's result type follows fn's return type: void or absl::Status -> absl::Status; T or
// absl::StatusOr<T> -> absl::StatusOr<T>.
//
// Failure handling: a broken connection (server restarted, backend terminated, network gone)
// fails the job with Unavailable and is dropped; the worker reconnects on its next job. Before
// each job an idle connection is probed without a round trip (a readable socket on an idle
// connection means the server closed it), so backends killed while idle are replaced without
// failing a job. A failed connection attempt makes that worker fail jobs with Unavailable at
// once, without touching the network, until its backoff ends. Nothing blocks longer than
// connect_timeout, statement_timeout or tcp_user_timeout.
//
// Thread-safety: all methods are thread-safe. Jobs must not keep pqxx objects (result, work)
// beyond their return, must not LISTEN (the idle probe would treat a notification as a closed
// connection) and must not call Run() on the pool they run on (FailedPrecondition).
// Lifetime: the destructor stops accepting jobs, lets the workers finish every queued job
// (each done callback is called) and joins them.
class Pool {
 public:
  // Validates the options and starts the workers, which connect in the background. Does not
  // fail when the database is down (see Healthy(), Ping()). InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);

  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queues fn; never blocks. fn(pqxx::work&) runs on a worker thread, then done(result) is
  // called exactly once on that same worker thread (post it to your event loop from there).
  // Returns OK when queued, ResourceExhausted when the queue is full, FailedPrecondition after
  // shutdown began; done is not called in those cases.
  template <typename Fn, typename DoneFn>
  absl::Status Submit(Fn fn, DoneFn done);

  // Blocking variant for tools, tests and start-up code: queues fn and waits for its result.
  // Never call it from an event-loop thread or from inside a job.
  template <typename Fn>
  auto Run(Fn fn) -> internal::JobResultType<Fn>;

  // Runs "SELECT 1" (blocking): OK when a connection works now, Unavailable otherwise.
  absl::Status Ping();

  // Readiness: false when the most recent connection event of any worker was a failed
  // connection attempt or a lost connection; true after the next successful connect. Never
  // blocks and never touches the network.
  bool Healthy() const;

  PoolStats Stats() const;

  // Stops accepting jobs, finishes the queued ones and joins the workers. Idempotent.
  void Shutdown();

  // The conninfo string the workers connect with (options merged in).
  const std::string& conninfo() const;

  // The type-erased job the templates build. Public so adapters can queue prepared jobs.
  using Body = absl::AnyInvocable<absl::Status(pqxx::work&)>;
  using Done = absl::AnyInvocable<void(absl::Status)>;
  absl::Status SubmitErased(Body body, Done done);

 private:
  struct Job {
    Body body;
    Done done;
    absl::Time enqueued;
  };
  struct Worker;

  Pool(PoolOptions options, internal::LinkOptions link_options);
  void Start();
  void WorkerLoop(Worker& worker);
  bool OnPoolThread() const;

  const PoolOptions options_;
  const std::unique_ptr<const internal::LinkOptions> link_options_;
  const std::unique_ptr<internal::LinkCounters> counters_;

  mutable absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;

  std::vector<std::unique_ptr<Worker>> workers_;  // constant after Start()
  absl::Mutex join_mu_;                           // serializes Shutdown()
};

// ---- implementation of the templates ---------------------------------------------------------

template <typename Fn, typename DoneFn>
absl::Status Pool::Submit(Fn fn, DoneFn done) {
  // Written by the body, read by done; both run on the same worker thread, in that order.
  auto slot = std::make_shared<internal::JobSlot<Fn>>();
  return SubmitErased(
      [fn = std::move(fn), slot](pqxx::work& tx) mutable -> absl::Status {
        return internal::CallJob(fn, tx, *slot);
      },
      [done = std::move(done), slot](absl::Status status) mutable {
        done(internal::TakeResult<Fn>(std::move(status), *slot));
      });
}

template <typename Fn>
auto Pool::Run(Fn fn) -> internal::JobResultType<Fn> {
  using Result = internal::JobResultType<Fn>;
  if (OnPoolThread()) {
    return Result(
        absl::FailedPreconditionError("pg::Pool::Run called from a job of the same pool"));
  }
  std::optional<Result> out;
  absl::Notification finished;
  absl::Status queued = Submit(std::move(fn), [&out, &finished](Result result) {
    out.emplace(std::move(result));
    finished.Notify();
  });
  if (!queued.ok()) return Result(std::move(queued));
  finished.WaitForNotification();
  return *std::move(out);
}

}  // namespace ntf::pg
