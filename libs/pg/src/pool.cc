#include "ntf/pg/pool.h"

#include <poll.h>

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/pg/errors.h"

namespace ntf::pg {
namespace {

// The pool whose worker runs on this thread, to refuse Run() from inside a job (deadlock).
thread_local const Pool* current_pool = nullptr;

// True when an idle connection's socket has something to read or is closed. Pool connections
// never LISTEN, so an idle backend only speaks to report that it is going away (FATAL
// "terminating connection due to administrator command", then EOF).
bool IdleSocketSignalsClose(int fd) {
  if (fd < 0) return true;
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN;
  int rc = ::poll(&p, 1, 0);
  if (rc < 0) return false;  // EINTR etc.: assume fine, the job will tell
  return rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace

struct Pool::Worker {
  // Owned by the worker thread; never touched by any other thread.
  std::unique_ptr<pqxx::connection> conn;
  absl::Time next_attempt = absl::InfinitePast();
  absl::Duration backoff = absl::ZeroDuration();
  absl::Status last_connect_error;
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (options.conninfo.empty()) return absl::InvalidArgumentError("pg pool: conninfo is empty");
  if (options.connections < 1) return absl::InvalidArgumentError("pg pool: connections < 1");
  if (options.reconnect_backoff_min <= absl::ZeroDuration() ||
      options.reconnect_backoff_max < options.reconnect_backoff_min) {
    return absl::InvalidArgumentError("pg pool: bad reconnect backoff range");
  }
  absl::StatusOr<std::string> conninfo = BuildConninfo(options.conninfo, options.connect);
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<Pool> pool(new Pool(std::move(options), *std::move(conninfo)));
  pool->Start();
  return pool;
}

Pool::Pool(PoolOptions options, std::string conninfo)
    : options_(std::move(options)), conninfo_(std::move(conninfo)) {}

Pool::~Pool() { Shutdown(); }

void Pool::Start() {
  workers_.reserve(options_.connections);
  for (int i = 0; i < options_.connections; ++i) workers_.push_back(std::make_unique<Worker>());
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
  stats.connected = connected_.load(std::memory_order_relaxed);
  stats.connect_failures = connect_failures_.load(std::memory_order_relaxed);
  stats.connections_lost = connections_lost_.load(std::memory_order_relaxed);
  return stats;
}

bool Pool::OnPoolThread() const { return current_pool == this; }

void Pool::WorkerLoop(Worker& worker) {
  current_pool = this;
  // Connect eagerly so the first jobs do not pay for it and Healthy() reflects reality early.
  (void)EnsureConnected(worker);
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
    absl::Status status = Execute(worker, job.body);
    if (options_.on_job_done) options_.on_job_done(absl::Now() - start, status);
    job.body = nullptr;  // release captures before done runs
    job.done(std::move(status));
    {
      absl::MutexLock lock(&mu_);
      --busy_;
    }
  }
  DropConnection(worker);
  current_pool = nullptr;
}

void Pool::DropConnection(Worker& worker) {
  if (worker.conn == nullptr) return;
  worker.conn.reset();  // closes the socket; never throws
  connected_.fetch_sub(1, std::memory_order_relaxed);
}

absl::Status Pool::EnsureConnected(Worker& worker) {
  if (worker.conn != nullptr) {
    if (worker.conn->is_open() && !IdleSocketSignalsClose(worker.conn->sock())) {
      return absl::OkStatus();
    }
    // Closed while idle: replace it now, without failing the job.
    DropConnection(worker);
    connections_lost_.fetch_add(1, std::memory_order_relaxed);
    worker.next_attempt = absl::InfinitePast();
  }
  const absl::Time now = absl::Now();
  if (now < worker.next_attempt) {
    return absl::UnavailableError(absl::StrCat(
        worker.last_connect_error.message(), " (next connection attempt in ",
        absl::FormatDuration(absl::Trunc(worker.next_attempt - now, absl::Milliseconds(1))), ")"));
  }
  try {
    worker.conn = std::make_unique<pqxx::connection>(conninfo_);
    connected_.fetch_add(1, std::memory_order_relaxed);
    worker.backoff = absl::ZeroDuration();
    worker.next_attempt = absl::InfinitePast();
    healthy_.store(true, std::memory_order_relaxed);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return ConnectFailed(worker, e.what());
  } catch (...) {
    return ConnectFailed(worker, "unknown error");
  }
}

absl::Status Pool::ConnectFailed(Worker& worker, std::string_view what) {
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.remove_suffix(1);
  worker.conn.reset();
  connect_failures_.fetch_add(1, std::memory_order_relaxed);
  healthy_.store(false, std::memory_order_relaxed);
  worker.backoff = worker.backoff == absl::ZeroDuration()
                       ? options_.reconnect_backoff_min
                       : std::min(worker.backoff * 2, options_.reconnect_backoff_max);
  worker.next_attempt = absl::Now() + worker.backoff;
  // Whatever libpq said (refused, auth failed, no such database), the job could not run.
  worker.last_connect_error =
      absl::UnavailableError(absl::StrCat("cannot connect to database: ", std::string(what)));
  return worker.last_connect_error;
}

absl::Status Pool::Execute(Worker& worker, Body& body) {
  if (absl::Status connected = EnsureConnected(worker); !connected.ok()) return connected;
  absl::Status status;
  try {
    pqxx::work tx(*worker.conn);
    status = body(tx);
    if (status.ok()) {
      tx.commit();
    } else {
      tx.abort();
    }
    return status;
  } catch (...) {
    status = StatusFromCurrentException();
  }
  const bool lost = status.code() == absl::StatusCode::kUnavailable ||
                    status.code() == absl::StatusCode::kUnknown || !worker.conn->is_open();
  if (lost) {
    DropConnection(worker);
    connections_lost_.fetch_add(1, std::memory_order_relaxed);
    healthy_.store(false, std::memory_order_relaxed);
    worker.next_attempt = absl::InfinitePast();  // first reconnect is immediate
    if (status.code() != absl::StatusCode::kUnavailable &&
        status.code() != absl::StatusCode::kUnknown) {
      absl::Status unavailable =
          absl::UnavailableError(absl::StrCat("database connection lost: ", status.message()));
      status.ForEachPayload([&unavailable](absl::string_view url, const absl::Cord& payload) {
        unavailable.SetPayload(url, payload);
      });
      status = std::move(unavailable);
    }
  }
  return status;
}

}  // namespace ntf::pg
