#include "ntf/common/clock.h"

#include <chrono>
#include <limits>

#include "ntf/common/testing/fake_clock.h"

namespace ntf::common {
namespace {

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  SteadyTimePoint SteadyNow() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const Clock& RealClock() {
  static const SystemClock* const kClock = new SystemClock();  // Never destroyed: no dtor order.
  return *kClock;
}

std::chrono::steady_clock::duration ToSteadyDuration(absl::Duration d) {
  using Dur = std::chrono::steady_clock::duration;
  if (d >= absl::FromChrono(Dur::max())) return Dur::max();
  if (d <= absl::FromChrono(Dur::min())) return Dur::min();
  return std::chrono::duration_cast<Dur>(absl::ToChronoNanoseconds(d));
}

absl::Duration FromSteadyDuration(std::chrono::steady_clock::duration d) {
  return absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

namespace testing {

FakeClock::FakeClock() : FakeClock(absl::FromUnixSeconds(1704067200)) {}

FakeClock::FakeClock(absl::Time start)
    : now_(start), steady_(SteadyTimePoint(std::chrono::hours(1000))) {}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

Clock::SteadyTimePoint FakeClock::SteadyNow() const {
  absl::MutexLock lock(&mu_);
  return steady_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
  if (d > absl::ZeroDuration()) steady_ += ToSteadyDuration(d);
}

void FakeClock::SetNow(absl::Time now) {
  absl::MutexLock lock(&mu_);
  now_ = now;
}

}  // namespace testing
}  // namespace ntf::common
