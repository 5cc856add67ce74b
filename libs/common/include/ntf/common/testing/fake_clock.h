#pragma once

// A Clock for tests: time moves only when the test says so.

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"

namespace ntf::common::testing {

// Thread-safe: tests may advance time while the code under test reads it from other threads.
// Starts at 2024-01-01T00:00:00Z (wall) and an arbitrary steady epoch.
class FakeClock final : public Clock {
 public:
  FakeClock();
  explicit FakeClock(absl::Time start);

  // ntf::common::Clock
  absl::Time Now() const override;
  SteadyTimePoint SteadyNow() const override;

  // Moves both wall and steady time forward by `d` (a negative `d` is ignored for steady time,
  // which never goes back).
  void Advance(absl::Duration d);
  // Sets wall time only, as an NTP step would; steady time is unchanged.
  void SetNow(absl::Time now);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  SteadyTimePoint steady_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::common::testing
