#include "ntf/common/health.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "ntf/common/testing/fake_clock.h"

namespace ntf::common {
namespace {

TEST(HealthTest, ReadyWhenAllChecksPass) {
  testing::FakeClock clock;
  Health health(clock);
  EXPECT_TRUE(health.Readiness().ok);  // No checks: ready.
  std::atomic<bool> redis_up{false};
  health.AddReadinessCheck("postgres", [] { return absl::OkStatus(); });
  health.AddReadinessCheck(
      "redis", [&] { return redis_up ? absl::OkStatus() : absl::UnavailableError("connecting"); });
  Health::Report report = health.Readiness();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].name, "redis");
  EXPECT_EQ(report.failures[0].status, absl::UnavailableError("connecting"));
  redis_up = true;
  EXPECT_TRUE(health.Readiness().ok);
  EXPECT_TRUE(health.Readiness().failures.empty());
}

TEST(HealthTest, DrainingMakesNotReady) {
  Health health;
  health.AddReadinessCheck("ok", [] { return absl::OkStatus(); });
  health.SetDraining(true);
  EXPECT_TRUE(health.draining());
  Health::Report report = health.Readiness();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].name, "draining");
  EXPECT_EQ(report.failures[0].status.code(), absl::StatusCode::kUnavailable);
  health.SetDraining(false);
  EXPECT_TRUE(health.Readiness().ok);
}

TEST(HealthTest, RepeatedNameReplacesCheckAndThrowingCheckFails) {
  Health health;
  health.AddReadinessCheck("c", [] { return absl::InternalError("old"); });
  health.AddReadinessCheck("c", [] { return absl::OkStatus(); });
  EXPECT_TRUE(health.Readiness().ok);
  health.AddReadinessCheck("boom", []() -> absl::Status { throw std::runtime_error("bug"); });
  Health::Report report = health.Readiness();
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].name, "boom");
  EXPECT_EQ(report.failures[0].status.code(), absl::StatusCode::kInternal);
}

TEST(HealthTest, StaleHeartbeatMeansNotLive) {
  testing::FakeClock clock;
  Health health(clock);
  EXPECT_TRUE(health.Liveness().ok);
  Health::Heartbeat& loop0 = health.AddHeartbeat("loop-0", absl::Seconds(5));
  Health::Heartbeat& loop1 = health.AddHeartbeat("loop-1", absl::Seconds(5));
  EXPECT_EQ(loop0.name(), "loop-0");
  clock.Advance(absl::Seconds(4));
  loop0.Tick();
  loop1.Tick();
  EXPECT_TRUE(health.Liveness().ok);
  clock.Advance(absl::Seconds(4));
  loop0.Tick();  // loop-1 is stuck.
  clock.Advance(absl::Seconds(2));
  Health::Report report = health.Liveness();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].name, "loop-1");
  EXPECT_EQ(report.failures[0].status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(report.failures[0].status.message(), "no tick for 6s (limit 5s)");
  loop1.Tick();
  EXPECT_TRUE(health.Liveness().ok);
}

TEST(HealthTest, RetiredHeartbeatIsNotWatched) {
  testing::FakeClock clock;
  Health health(clock);
  Health::Heartbeat& loop = health.AddHeartbeat("loop", absl::Seconds(1));
  loop.Retire();
  clock.Advance(absl::Minutes(1));
  EXPECT_TRUE(health.Liveness().ok);
}

}  // namespace
}  // namespace ntf::common
