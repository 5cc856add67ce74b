#pragma once

// Exports a common::BlockingPool's events as Prometheus metrics, labelled {pool="<name>"}:
//
//   ntf_blocking_pool_tasks_completed_total        tasks that ran to the end
//   ntf_blocking_pool_tasks_rejected_total         tasks refused because the queue was full
//   ntf_blocking_pool_queue_depth                  tasks waiting for a thread (gauge)
//   ntf_blocking_pool_busy_threads                 threads running a task (gauge)
//   ntf_blocking_pool_queue_wait_seconds           time from Submit() to start (histogram)
//   ntf_blocking_pool_task_duration_seconds        time a task ran (histogram)
//
//   observability::BlockingPoolMetrics db_metrics(registry, "db");
//   common::BlockingPool db_pool(options, clock, &db_metrics);

#include <string>

#include "absl/time/time.h"
#include "ntf/common/blocking_pool.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace ntf::observability {

// Thread-safe, as BlockingPoolObserver requires. Must outlive the pool it observes.
class BlockingPoolMetrics final : public common::BlockingPoolObserver {
 public:
  BlockingPoolMetrics(prometheus::Registry& registry, const std::string& pool);

  // ntf::common::BlockingPoolObserver
  void OnQueued() override;
  void OnRejected() override;
  void OnStarted(absl::Duration queue_wait) override;
  void OnFinished(absl::Duration run_time) override;

 private:
  prometheus::Counter& completed_;
  prometheus::Counter& rejected_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& busy_threads_;
  prometheus::Histogram& queue_wait_;
  prometheus::Histogram& run_time_;
};

}  // namespace ntf::observability
