#include "ntf/common/clock.h"

#include <gtest/gtest.h>

#include "ntf/common/testing/fake_clock.h"

namespace ntf::common {
namespace {

TEST(RealClockTest, SteadyTimeDoesNotGoBack) {
  const Clock& clock = RealClock();
  const auto a = clock.SteadyNow();
  const auto b = clock.SteadyNow();
  EXPECT_LE(a, b);
  EXPECT_LT(absl::AbsDuration(clock.Now() - absl::Now()), absl::Seconds(5));
}

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  testing::FakeClock clock(absl::FromUnixSeconds(1000));
  const auto steady = clock.SteadyNow();
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(clock.Now(), absl::FromUnixMillis(1001500));
  EXPECT_EQ(clock.SteadyNow() - steady, std::chrono::milliseconds(1500));
}

TEST(FakeClockTest, SetNowStepsWallTimeOnly) {
  testing::FakeClock clock;
  const auto steady = clock.SteadyNow();
  clock.SetNow(absl::FromUnixSeconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(5));
  EXPECT_EQ(clock.SteadyNow(), steady);
  clock.Advance(absl::Seconds(-1));  // Wall time may go back; steady time never does.
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(4));
  EXPECT_EQ(clock.SteadyNow(), steady);
}

TEST(ClockTest, DurationConversionsRoundTripAndSaturate) {
  EXPECT_EQ(ToSteadyDuration(absl::Milliseconds(250)), std::chrono::milliseconds(250));
  EXPECT_EQ(FromSteadyDuration(std::chrono::seconds(3)), absl::Seconds(3));
  EXPECT_EQ(ToSteadyDuration(absl::InfiniteDuration()), std::chrono::steady_clock::duration::max());
  EXPECT_EQ(ToSteadyDuration(-absl::InfiniteDuration()),
            std::chrono::steady_clock::duration::min());
}

}  // namespace
}  // namespace ntf::common
