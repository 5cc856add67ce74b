#pragma once

// Polling for a condition in tests that cannot be told when it holds.

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ntf::common::testing {

// Polls `condition` every `poll` until it holds or `timeout` passes; its last value.
inline bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout,
                      absl::Duration poll = absl::Milliseconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(poll);
  }
  return condition();
}

}  // namespace ntf::common::testing
