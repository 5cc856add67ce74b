#pragma once

// Child processes for integration tests: start a service binary with arguments and extra
// environment, wait for a line on its stdout (e.g. "ntf-intake ready port=..."), signal it, and
// reap it. The child's stderr goes to the test's stderr, so its logs show up in failures.
//
// Not thread-safe. The destructor kills (SIGKILL) and reaps a child that is still running.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ntf::testing {

class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& extra_env = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads stdout lines until one contains `needle`; returns it. DeadlineExceeded on timeout,
  // Unavailable if the child closed stdout (exited) first.
  absl::StatusOr<std::string> WaitForLine(const std::string& needle, absl::Duration timeout);
  // Sends `signo` (SIGTERM, SIGKILL, ...).
  void Signal(int signo);
  // Waits for the child to exit; returns its exit code (128 + signal if killed).
  // DeadlineExceeded on timeout.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  pid_t pid_;
  int stdout_fd_;
  std::string buffer_;
  bool exited_ = false;
  int exit_code_ = 0;
};

// The value of `key=` in a "ready" line ("ntf-intake ready port=4431 ..." → "4431").
std::string FieldOf(const std::string& line, const std::string& key);

}  // namespace ntf::testing
