#pragma once

// A fixed set of threads with a bounded queue, for work that blocks (libpqxx, file I/O) and
// must never run on an event loop. The pool knows nothing about event loops: completions are
// callbacks that run on the pool thread, and a caller that lives on a loop posts from there:
//
//   absl::Status s = db_pool.Submit(
//       [repo, batch = std::move(batch)] { return repo->Insert(batch); },   // on a pool thread
//       [loop](absl::Status result) {                                       // on a pool thread
//         asio::post(loop, [result] { /* back on the event loop */ });
//       });
//   if (!s.ok()) { /* queue full or shutting down: answer the client with an error now */ }
//
// Lifecycle: Start() → Submit()* → StopAccepting() → Drain(deadline); the destructor does
// whatever of that is left, waiting for all queued work without a deadline.
//
// Tasks must not throw: an exception escaping a task terminates the process (adapters convert
// library exceptions to absl::Status at the boundary).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"

namespace ntf::common {

// Receives the pool's events, e.g. to export them as metrics (observability's
// BlockingPoolMetrics). Called from submitting threads and pool threads concurrently: must be
// thread-safe and fast. Never called with the pool's lock held, so events of one task may
// arrive out of order by microseconds (OnStarted just before OnQueued); counters and gauges
// updated with increments/decrements still add up.
class BlockingPoolObserver {
 public:
  virtual ~BlockingPoolObserver() = default;
  // A task entered the queue.
  virtual void OnQueued() = 0;
  // A task was refused because the queue was full.
  virtual void OnRejected() = 0;
  // A task left the queue after waiting `queue_wait` and starts running.
  virtual void OnStarted(absl::Duration queue_wait) = 0;
  // A task finished after running for `run_time`.
  virtual void OnFinished(absl::Duration run_time) = 0;
};

struct BlockingPoolOptions {
  // Names the threads ("<name>-<i>", cut to 15 characters) and the pool in errors.
  std::string name = "pool";
  // Worker threads; >= 1. Size it to the resource behind it (e.g. the database connections).
  int threads = 4;
  // Tasks that may wait for a thread; >= 1. Beyond it Submit() fails fast with
  // ResourceExhausted: back-pressure instead of unbounded memory and latency.
  int max_queued = 1024;
};

class BlockingPool {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  struct Stats {
    size_t queued = 0;       // Waiting for a thread.
    size_t running = 0;      // Running on a thread.
    uint64_t completed = 0;  // Finished since Start().
    uint64_t rejected = 0;   // Refused by Submit() because the queue was full.
  };

  // `clock` (for the observer's wait/run times) and `observer` (may be null) must outlive the
  // pool.
  explicit BlockingPool(BlockingPoolOptions options, const Clock& clock = RealClock(),
                        BlockingPoolObserver* observer = nullptr);
  // Stops accepting, waits for every queued and running task, joins the threads.
  // Must not be called from a pool thread.
  ~BlockingPool();

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Starts the threads. InvalidArgument for bad options, FailedPrecondition if called twice,
  // Internal if a thread cannot be created.
  absl::Status Start();

  // Queues `task`. Thread-safe; never blocks beyond a short lock. Errors (the task is then
  // dropped without running):
  //   ResourceExhausted   max_queued tasks are already waiting;
  //   FailedPrecondition  before Start() or after StopAccepting().
  absl::Status Submit(Task task);

  // Runs `work()` on a pool thread, then `done(result)` (or `done()` when work returns void) on
  // the same thread. On error, neither runs. `work` and `done` must be movable.
  template <typename Work, typename Done>
  absl::Status Submit(Work work, Done done) {
    return Submit(Task([work = std::move(work), done = std::move(done)]() mutable {
      if constexpr (std::is_void_v<std::invoke_result_t<Work&>>) {
        work();
        std::move(done)();
      } else {
        std::move(done)(work());
      }
    }));
  }

  // From now on Submit() fails with FailedPrecondition; queued work still runs. Idempotent.
  void StopAccepting();

  // StopAccepting(), then waits up to `timeout` for the queue to empty and running tasks to
  // finish; then joins the threads and returns OK. DeadlineExceeded (threads still running)
  // if the time ran out; calling Drain() again continues waiting. Must not be called from a
  // pool thread.
  absl::Status Drain(absl::Duration timeout);

  // Thread-safe snapshot.
  Stats GetStats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ntf::common
