#include "ntf/observability/blocking_pool_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <string>

#include "absl/synchronization/notification.h"
#include "ntf/common/blocking_pool.h"

namespace ntf::observability {
namespace {

// The value of the sample of `family` labelled pool="db" (counter, gauge or histogram count).
double Sample(prometheus::Registry& registry, const std::string& family) {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      if (m.label.size() != 1 || m.label[0].value != "db") continue;
      switch (f.type) {
        case prometheus::MetricType::Counter:
          return m.counter.value;
        case prometheus::MetricType::Gauge:
          return m.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(m.histogram.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

TEST(BlockingPoolMetricsTest, ExportsPoolEvents) {
  prometheus::Registry registry;
  BlockingPoolMetrics metrics(registry, "db");
  common::BlockingPool pool({.name = "db", .threads = 1, .max_queued = 1}, common::RealClock(),
                            &metrics);
  ASSERT_TRUE(pool.Start().ok());

  absl::Notification started, release;
  ASSERT_TRUE(pool.Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();
  ASSERT_TRUE(pool.Submit([] {}).ok());
  EXPECT_EQ(pool.Submit([] {}).code(), absl::StatusCode::kResourceExhausted);

  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_busy_threads"), 1);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_queue_depth"), 1);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_tasks_rejected_total"), 1);

  release.Notify();
  ASSERT_TRUE(pool.Drain(absl::Seconds(10)).ok());
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_tasks_completed_total"), 2);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_busy_threads"), 0);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_queue_depth"), 0);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_queue_wait_seconds"), 2);
  EXPECT_EQ(Sample(registry, "ntf_blocking_pool_task_duration_seconds"), 2);
}

}  // namespace
}  // namespace ntf::observability
