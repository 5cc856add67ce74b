#pragma once

// The clock is an I/O boundary: code that reads time takes a `const Clock&` through its
// constructor, so tests can drive time with FakeClock (ntf/common/testing/fake_clock.h).

#include <chrono>

#include "absl/time/time.h"

namespace ntf::common {

// Two time sources: wall time (for timestamps that leave the process: logs, database rows) and
// steady time (for intervals, deadlines, timeouts; never jumps). Implementations are
// thread-safe and never block.
class Clock {
 public:
  using SteadyTimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  // Wall-clock time (CLOCK_REALTIME). May jump when the system clock is adjusted.
  virtual absl::Time Now() const = 0;
  // Monotonic time (CLOCK_MONOTONIC); compatible with Asio's steady_timer.
  virtual SteadyTimePoint SteadyNow() const = 0;
};

// The system clock. Stateless; the returned reference lives for the whole process.
const Clock& RealClock();

// Conversions between absl::Duration and std::chrono::steady_clock::duration (saturating
// at the steady_clock range).
std::chrono::steady_clock::duration ToSteadyDuration(absl::Duration d);
absl::Duration FromSteadyDuration(std::chrono::steady_clock::duration d);

}  // namespace ntf::common
