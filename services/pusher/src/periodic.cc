#include "services/pusher/src/periodic.h"

#include <pthread.h>

namespace ntf::pusher {

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval, std::function<void()> fn,
                           bool run_at_start)
    : name_(std::move(name)),
      interval_(interval),
      fn_(std::move(fn)),
      run_at_start_(run_at_start) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
}

void PeriodicTask::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void PeriodicTask::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Loop() {
  bool first = true;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (!(first && run_at_start_)) {
        auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
        mu_.AwaitWithTimeout(absl::Condition(&ready), interval_);
      }
      if (stopping_) return;
      woken_ = false;
    }
    first = false;
    fn_();
  }
}

}  // namespace ntf::pusher
