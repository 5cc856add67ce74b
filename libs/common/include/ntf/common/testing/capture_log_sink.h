#pragma once

// A LogSink for tests: keeps every line in memory.

#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ntf/common/logging.h"

namespace ntf::common::testing {

// Thread-safe.
class CaptureLogSink final : public LogSink {
 public:
  // ntf::common::LogSink
  void Write(std::string_view line) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(line);
  }

  // The lines written so far, each ending in '\n'.
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::common::testing
