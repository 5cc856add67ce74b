#include "ntf/observability/blocking_pool_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ntf::observability {
namespace {

// 100µs .. 10s: a database round trip is around a millisecond; seconds mean trouble.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace

BlockingPoolMetrics::BlockingPoolMetrics(prometheus::Registry& registry, const std::string& pool)
    : completed_(prometheus::BuildCounter()
                     .Name("ntf_blocking_pool_tasks_completed_total")
                     .Help("Tasks that ran to the end on a blocking pool.")
                     .Register(registry)
                     .Add({{"pool", pool}})),
      rejected_(prometheus::BuildCounter()
                    .Name("ntf_blocking_pool_tasks_rejected_total")
                    .Help("Tasks refused by a blocking pool because its queue was full.")
                    .Register(registry)
                    .Add({{"pool", pool}})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("ntf_blocking_pool_queue_depth")
                       .Help("Tasks waiting for a blocking-pool thread.")
                       .Register(registry)
                       .Add({{"pool", pool}})),
      busy_threads_(prometheus::BuildGauge()
                        .Name("ntf_blocking_pool_busy_threads")
                        .Help("Blocking-pool threads running a task.")
                        .Register(registry)
                        .Add({{"pool", pool}})),
      queue_wait_(prometheus::BuildHistogram()
                      .Name("ntf_blocking_pool_queue_wait_seconds")
                      .Help("Time from Submit() until a blocking-pool thread starts the task.")
                      .Register(registry)
                      .Add({{"pool", pool}}, LatencyBuckets())),
      run_time_(prometheus::BuildHistogram()
                    .Name("ntf_blocking_pool_task_duration_seconds")
                    .Help("Time a task ran on a blocking-pool thread.")
                    .Register(registry)
                    .Add({{"pool", pool}}, LatencyBuckets())) {}

void BlockingPoolMetrics::OnQueued() { queue_depth_.Increment(); }

void BlockingPoolMetrics::OnRejected() { rejected_.Increment(); }

void BlockingPoolMetrics::OnStarted(absl::Duration queue_wait) {
  queue_depth_.Decrement();
  busy_threads_.Increment();
  queue_wait_.Observe(absl::ToDoubleSeconds(queue_wait));
}

void BlockingPoolMetrics::OnFinished(absl::Duration run_time) {
  busy_threads_.Decrement();
  completed_.Increment();
  run_time_.Observe(absl::ToDoubleSeconds(run_time));
}

}  // namespace ntf::observability
