#pragma once

// Waiting for SIGTERM/SIGINT in main():
//
//   auto signals = ntf::common::SignalWaiter::Install();
//   if (!signals.ok()) { ...; return 1; }
//   ... start everything ...
//   int sig = (*signals)->Wait();  // Blocks until SIGTERM or SIGINT.
//   health.SetDraining(true); server.StopAccepting(); server.Drain(deadline); ...
//
// Signal dispositions are process-wide, so at most one SignalWaiter exists at a time. It
// installs handlers (not a blocked mask), so it works whatever threads already exist; the
// handler only writes the signal number to a pipe (async-signal-safe). Signals arriving before
// Wait() are not lost: each Wait() consumes one.

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ntf::common {

class SignalWaiter {
 public:
  // Installs handlers for SIGTERM and SIGINT. FailedPrecondition if another SignalWaiter
  // exists; Internal if the pipe or the handlers cannot be set up.
  static absl::StatusOr<std::unique_ptr<SignalWaiter>> Install();
  // Restores the previous handlers.
  ~SignalWaiter();

  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // Blocks until a signal arrives (or Notify()); returns its number. Call from one thread at a
  // time.
  int Wait();
  // As Wait(), giving up after `timeout` (nullopt).
  std::optional<int> WaitFor(absl::Duration timeout);

  // Wakes Wait() with `signo` as if that signal had arrived: an in-process shutdown request
  // (e.g. after a fatal component error). Thread-safe, async-signal-safe, never blocks.
  void Notify(int signo);

 private:
  SignalWaiter(int read_fd, int write_fd);

  int read_fd_;
  int write_fd_;
};

}  // namespace ntf::common
