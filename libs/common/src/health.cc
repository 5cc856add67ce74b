#include "ntf/common/health.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ntf::common {
namespace {

int64_t SteadyNanos(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.SteadyNow().time_since_epoch())
      .count();
}

}  // namespace

Health::Heartbeat::Heartbeat(std::string name, absl::Duration max_stale, const Clock& clock)
    : name_(std::move(name)),
      max_stale_(max_stale),
      clock_(clock),
      last_tick_ns_(SteadyNanos(clock)) {}

void Health::Heartbeat::Tick() {
  last_tick_ns_.store(SteadyNanos(clock_), std::memory_order_relaxed);
}

void Health::Heartbeat::Retire() { retired_.store(true, std::memory_order_relaxed); }

Health::Health(const Clock& clock) : clock_(clock) {}

Health::~Health() = default;

void Health::AddReadinessCheck(std::string name, ReadinessCheck check) {
  absl::MutexLock lock(&mu_);
  for (auto& [n, c] : checks_) {
    if (n == name) {
      c = std::move(check);
      return;
    }
  }
  checks_.emplace_back(std::move(name), std::move(check));
}

Health::Heartbeat& Health::AddHeartbeat(std::string name, absl::Duration max_stale) {
  absl::MutexLock lock(&mu_);
  heartbeats_.push_back(
      std::unique_ptr<Heartbeat>(new Heartbeat(std::move(name), max_stale, clock_)));
  return *heartbeats_.back();
}

void Health::SetDraining(bool draining) { draining_.store(draining); }

bool Health::draining() const { return draining_.load(); }

Health::Report Health::Readiness() const {
  std::vector<std::pair<std::string, ReadinessCheck>> checks;
  {
    absl::MutexLock lock(&mu_);
    checks = checks_;  // Run the checks without holding the lock.
  }
  Report report;
  if (draining()) {
    report.failures.push_back({"draining", absl::UnavailableError("shutting down")});
  }
  for (const auto& [name, check] : checks) {
    absl::Status status;
    try {
      status = check();
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("check threw: ", e.what()));
    } catch (...) {
      status = absl::InternalError("check threw");
    }
    if (!status.ok()) report.failures.push_back({name, std::move(status)});
  }
  report.ok = report.failures.empty();
  return report;
}

Health::Report Health::Liveness() const {
  const int64_t now = SteadyNanos(clock_);
  Report report;
  absl::MutexLock lock(&mu_);
  for (const auto& hb : heartbeats_) {
    if (hb->retired_.load(std::memory_order_relaxed)) continue;
    const absl::Duration since =
        absl::Nanoseconds(now - hb->last_tick_ns_.load(std::memory_order_relaxed));
    if (since > hb->max_stale_) {
      report.failures.push_back(
          {hb->name_, absl::DeadlineExceededError(
                          absl::StrCat("no tick for ", absl::FormatDuration(since), " (limit ",
                                       absl::FormatDuration(hb->max_stale_), ")"))});
    }
  }
  report.ok = report.failures.empty();
  return report;
}

}  // namespace ntf::common
