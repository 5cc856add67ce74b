#include "ntf/common/blocking_pool.h"

#include <pthread.h>

#include <deque>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ntf::common {

struct BlockingPool::State {
  enum class Phase { kNotStarted, kRunning, kStopping, kStopped };

  struct Item {
    Task task;
    Clock::SteadyTimePoint queued_at;
  };

  State(BlockingPoolOptions o, const Clock& c, BlockingPoolObserver* obs)
      : options(std::move(o)), clock(c), observer(obs) {}

  void Work();
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return queue.empty() && running == 0; }

  // Constant after construction.
  const BlockingPoolOptions options;
  const Clock& clock;
  BlockingPoolObserver* const observer;

  mutable absl::Mutex mu;
  Phase phase ABSL_GUARDED_BY(mu) = Phase::kNotStarted;
  std::deque<Item> queue ABSL_GUARDED_BY(mu);
  size_t running ABSL_GUARDED_BY(mu) = 0;
  uint64_t completed ABSL_GUARDED_BY(mu) = 0;
  uint64_t rejected ABSL_GUARDED_BY(mu) = 0;

  // Touched only by Start() and the joining Drain()/destructor, which callers serialize.
  std::vector<std::thread> threads;
  absl::Mutex join_mu;  // Serializes joiners (Drain() from two threads).
};

void BlockingPool::State::Work() {
  for (;;) {
    Item item;
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](State* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
            return !s->queue.empty() || s->phase != Phase::kRunning;
          },
          this));
      if (queue.empty()) return;  // Stopping and nothing left.
      item = std::move(queue.front());
      queue.pop_front();
      ++running;
    }
    const Clock::SteadyTimePoint started = clock.SteadyNow();
    if (observer != nullptr) observer->OnStarted(FromSteadyDuration(started - item.queued_at));
    std::move(item.task)();
    item.task = nullptr;  // Destroy captures before reporting completion.
    if (observer != nullptr) observer->OnFinished(FromSteadyDuration(clock.SteadyNow() - started));
    absl::MutexLock lock(&mu);
    --running;
    ++completed;
  }
}

BlockingPool::BlockingPool(BlockingPoolOptions options, const Clock& clock,
                           BlockingPoolObserver* observer)
    : state_(std::make_unique<State>(std::move(options), clock, observer)) {}

BlockingPool::~BlockingPool() { (void)Drain(absl::InfiniteDuration()); }

absl::Status BlockingPool::Start() {
  const BlockingPoolOptions& o = state_->options;
  if (o.threads < 1 || o.max_queued < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("blocking pool ", o.name, ": threads and max_queued must be >= 1"));
  }
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->phase != State::Phase::kNotStarted) {
      return absl::FailedPreconditionError(
          absl::StrCat("blocking pool ", o.name, ": already started"));
    }
    state_->phase = State::Phase::kRunning;
  }
  for (int i = 0; i < o.threads; ++i) {
    try {
      state_->threads.emplace_back([s = state_.get(), name = absl::StrCat(o.name, "-", i)] {
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        s->Work();
      });
    } catch (const std::system_error& e) {
      // The threads already started exit at once (nothing was queued); Drain() joins them.
      absl::MutexLock lock(&state_->mu);
      state_->phase = State::Phase::kStopping;
      return absl::InternalError(
          absl::StrCat("blocking pool ", o.name, ": cannot start threads: ", e.what()));
    }
  }
  return absl::OkStatus();
}

absl::Status BlockingPool::Submit(Task task) {
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->phase != State::Phase::kRunning) {
      return absl::FailedPreconditionError(absl::StrCat(
          "blocking pool ", state_->options.name,
          state_->phase == State::Phase::kNotStarted ? " not started" : " is shutting down"));
    }
    if (state_->queue.size() >= static_cast<size_t>(state_->options.max_queued)) {
      ++state_->rejected;
    } else {
      state_->queue.push_back(State::Item{std::move(task), state_->clock.SteadyNow()});
      task = nullptr;
    }
  }
  if (task != nullptr) {
    if (state_->observer != nullptr) state_->observer->OnRejected();
    return absl::ResourceExhaustedError(absl::StrCat("blocking pool ", state_->options.name,
                                                     " queue is full (", state_->options.max_queued,
                                                     " tasks waiting)"));
  }
  if (state_->observer != nullptr) state_->observer->OnQueued();
  return absl::OkStatus();
}

void BlockingPool::StopAccepting() {
  absl::MutexLock lock(&state_->mu);
  if (state_->phase == State::Phase::kRunning) state_->phase = State::Phase::kStopping;
  if (state_->phase == State::Phase::kNotStarted) state_->phase = State::Phase::kStopped;
}

absl::Status BlockingPool::Drain(absl::Duration timeout) {
  StopAccepting();
  absl::MutexLock join_lock(&state_->join_mu);
  {
    absl::MutexLock lock(&state_->mu);
    const bool idle = state_->mu.AwaitWithTimeout(
        absl::Condition(
            +[](State* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) { return s->Idle(); }, state_.get()),
        timeout);
    if (!idle) {
      return absl::DeadlineExceededError(absl::StrCat("blocking pool ", state_->options.name,
                                                      " did not drain: ", state_->queue.size(),
                                                      " queued, ", state_->running, " running"));
    }
    state_->phase = State::Phase::kStopped;
  }
  // Idle and not running: every worker returns from Work() now.
  for (std::thread& t : state_->threads) t.join();
  state_->threads.clear();
  return absl::OkStatus();
}

BlockingPool::Stats BlockingPool::GetStats() const {
  absl::MutexLock lock(&state_->mu);
  return Stats{.queued = state_->queue.size(),
               .running = state_->running,
               .completed = state_->completed,
               .rejected = state_->rejected};
}

}  // namespace ntf::common
