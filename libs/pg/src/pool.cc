#include "ntf/pg/pool.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "link.h"

namespace ntf::pg {
namespace {

// The pool whose worker runs on this thread, to refuse Run() from inside a job (deadlock).
thread_local const Pool* current_pool = nullptr;

}  // namespace

struct Pool::Worker {
  Worker(const internal::LinkOptions& options, internal::LinkCounters& counters)
      : link(options, counters) {}
  internal::Link link;  // owned by the worker thread; never touched by any other thread
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  absl::StatusOr<internal::LinkOptions> link_options =
      internal::MakeLinkOptions(options, "pg pool");
  if (!link_options.ok()) return link_options.status();
  if (options.connections < 1) return absl::InvalidArgumentError("pg pool: connections < 1");
  std::unique_ptr<Pool> pool(new Pool(std::move(options), *std::move(link_options)));
  pool->Start();
  return pool;
}

Pool::Pool(PoolOptions options, internal::LinkOptions link_options)
    : options_(std::move(options)),
      link_options_(std::make_unique<const internal::LinkOptions>(std::move(link_options))),
      counters_(std::make_unique<internal::LinkCounters>()) {}

Pool::~Pool() { Shutdown(); }

void Pool::Start() {
  workers_.reserve(options_.connections);
  for (int i = 0; i < options_.connections; ++i) {
    workers_.push_back(std::make_unique<Worker>(*link_options_, *counters_));
  }
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([this, w] { WorkerLoop(*w); });
  }
}

void Pool::Shutdown() {
  absl::MutexLock join_lock(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

absl::Status Pool::SubmitErased(Body body, Done done) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::FailedPreconditionError("pg pool is shutting down");
  if (queue_.size() >= options_.max_queue) {
    ++rejected_;
    return absl::ResourceExhaustedError(
        absl::StrCat("pg pool queue full (", options_.max_queue, " jobs waiting)"));
  }
  queue_.push_back(Job{std::move(body), std::move(done), absl::Now()});
  return absl::OkStatus();
}

absl::Status Pool::Ping() {
  return Run([](pqxx::work& tx) { tx.exec("SELECT 1"); });
}

PoolStats Pool::Stats() const {
  PoolStats stats;
  {
    absl::MutexLock lock(&mu_);
    stats.queued = queue_.size();
    stats.busy = busy_;
    stats.rejected = rejected_;
  }
  internal::CopyLinkStats(*counters_, stats);
  return stats;
}

const std::string& Pool::conninfo() const { return link_options_->conninfo; }

bool Pool::Healthy() const { return counters_->healthy.load(std::memory_order_relaxed); }

bool Pool::OnPoolThread() const { return current_pool == this; }

void Pool::WorkerLoop(Worker& worker) {
  current_pool = this;
  // Connect eagerly so the first jobs do not pay for it and Healthy() reflects reality early.
  (void)worker.link.EnsureConnected();
  while (true) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Pool* p)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) { return !p->queue_.empty() || p->stopping_; },
          this));
      if (queue_.empty()) break;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    const absl::Time start = absl::Now();
    if (options_.on_queue_wait) options_.on_queue_wait(start - job.enqueued);
    absl::Status status = worker.link.Execute(job.body);
    if (options_.on_job_done) options_.on_job_done(absl::Now() - start, status);
    job.body = nullptr;  // release captures before done runs
    job.done(std::move(status));
    {
      absl::MutexLock lock(&mu_);
      --busy_;
    }
  }
  worker.link.Drop();
  current_pool = nullptr;
}

}  // namespace ntf::pg
