#pragma once

// Process health, as served on /healthz and /readyz by the admin server.
//
// Liveness ("is the process still working?"): each event loop registers a Heartbeat and calls
// Tick() from a periodic timer on that loop. A heartbeat not ticked within its `max_stale`
// makes the process not live; the orchestrator then restarts it. A loop that stops on purpose
// (during shutdown) calls Retire() first.
//
// Readiness ("should it get traffic?"): every named readiness check must return OK and the
// process must not be draining. SetDraining(true) is the first step of shutdown, before
// listeners stop accepting.
//
// Thread-safe. Checks run on the caller's thread (the admin server's) on every Readiness()
// call, concurrently with each other's previous calls: they must be thread-safe, fast and
// non-blocking, typically reading state the component keeps in an atomic.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"

namespace ntf::common {

class Health {
 public:
  // One watched event loop. Owned by the Health registry; references stay valid for its
  // lifetime.
  class Heartbeat {
   public:
    // Records that the loop is turning. Lock-free; call it from the loop's own thread.
    void Tick();
    // Stops watching this loop (it is shutting down on purpose). Irreversible.
    void Retire();

    const std::string& name() const { return name_; }

   private:
    friend class Health;
    Heartbeat(std::string name, absl::Duration max_stale, const Clock& clock);

    const std::string name_;
    const absl::Duration max_stale_;
    const Clock& clock_;
    std::atomic<int64_t> last_tick_ns_;  // steady_clock time since epoch.
    std::atomic<bool> retired_{false};
  };

  using ReadinessCheck = std::function<absl::Status()>;

  struct Failure {
    std::string name;     // The check or heartbeat; "draining" while draining.
    absl::Status status;  // Never OK.
  };
  struct Report {
    bool ok = true;
    std::vector<Failure> failures;  // In registration order; empty iff ok.
  };

  // `clock` must outlive the registry.
  explicit Health(const Clock& clock = RealClock());
  ~Health();

  Health(const Health&) = delete;
  Health& operator=(const Health&) = delete;

  // Registers a check under a unique name (a repeated name replaces the earlier check).
  void AddReadinessCheck(std::string name, ReadinessCheck check);

  // Registers a loop; it counts as ticked now. Ticks further apart than `max_stale` (pick a
  // few tick intervals) make the process not live.
  Heartbeat& AddHeartbeat(std::string name, absl::Duration max_stale);

  void SetDraining(bool draining);
  bool draining() const;

  // Runs every readiness check. Not ok while draining (failure "draining", Unavailable) or when
  // any check fails. An exception escaping a check counts as a failure.
  Report Readiness() const;
  // Not ok if any non-retired heartbeat is stale (failure per loop, DeadlineExceeded).
  Report Liveness() const;

 private:
  const Clock& clock_;
  std::atomic<bool> draining_{false};
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, ReadinessCheck>> checks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Heartbeat>> heartbeats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::common
