#pragma once

// A thread that runs one function every `interval` until stopped: the pusher's background
// chores (keeping held jobs owned, stream statistics and trimming, periodic pushes, the outbox
// sweep). A slow run delays the next one; runs never overlap.
//
// Thread-safety: Start() and Stop() from one owning thread. Stop() blocks until the current run
// (if any) returns; the function must therefore bound its own blocking.

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ntf::pusher {

class PeriodicTask {
 public:
  // `fn` runs first right after Start() (when `run_at_start`) and then every `interval`.
  PeriodicTask(std::string name, absl::Duration interval, std::function<void()> fn,
               bool run_at_start = true);
  ~PeriodicTask();  // Stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start();
  // Runs the function soon (e.g. a test that does not want to wait an interval).
  void Wake();
  // Idempotent.
  void Stop();

 private:
  void Loop();

  const std::string name_;
  const absl::Duration interval_;
  const std::function<void()> fn_;
  const bool run_at_start_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ntf::pusher
