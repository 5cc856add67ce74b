#include "services/pusher/src/job_worker.h"

#include <pthread.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

using Action = CompletionPlan::Action;

std::string Detail(const SendResult& r) {
  if (r.kind == SendResult::Kind::kAnswered) return r.outcome.detail;
  return r.error.ok() ? std::string() : std::string(r.error.message());
}

bool TokenAlreadyConfirmed(const Delivery& d) {
  return d.target && (d.target->status.state == wire::TokenState::kConfirmed ||
                      d.target->status.state == wire::TokenState::kActive);
}

}  // namespace

JobWorker::JobWorker(JobWorkerOptions options, PushSender& sender, JobStream& stream,
                     PushStore& store, HeldJobs& held, const RetryPolicy& policy,
                     PusherMetrics& metrics, const common::Clock& clock, common::Logger log)
    : options_(options),
      sender_(sender),
      stream_(stream),
      store_(store),
      held_(held),
      policy_(policy),
      metrics_(metrics),
      clock_(clock),
      log_(std::move(log)) {}

JobWorker::~JobWorker() { Drain(absl::Now()); }

void JobWorker::Start(common::Health* health) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kCreated) return;
    state_ = State::kRunning;
  }
  const std::string lane(LaneName(options_.lane));
  if (health != nullptr) {
    // The FCM sender may wait up to a request timeout for an access token.
    sender_beat_ =
        &health->AddHeartbeat(absl::StrCat("lane_", lane, "_sender"), absl::Seconds(120));
    completer_beat_ =
        &health->AddHeartbeat(absl::StrCat("lane_", lane, "_completer"), absl::Seconds(60));
  }
  sender_thread_ = std::thread([this] { SenderLoop(); });
  completer_thread_ = std::thread([this] { CompleterLoop(); });
  pthread_setname_np(sender_thread_.native_handle(), absl::StrCat("ntf-", lane, "-send").c_str());
  pthread_setname_np(completer_thread_.native_handle(),
                     absl::StrCat("ntf-", lane, "-done").c_str());
}

bool JobWorker::RoomForABatchLocked() const {
  if (ready_.empty()) return false;
  const int64_t room = options_.max_in_flight - in_flight_;
  if (!window_filled_) return room > 0;
  // The window was full: wait for room for a batch (or for all that is ready; at most half the
  // window), not for one slot, or every answer would wake the sender to send one job.
  const int64_t wanted =
      std::min<int64_t>({static_cast<int64_t>(ready_.size()), std::max(1, options_.send_batch),
                         std::max(1, options_.max_in_flight / 2)});
  return room >= wanted;
}

int64_t JobWorker::HeldLocked() const {
  return static_cast<int64_t>(ready_.size() + backing_off_.size() + answered_.size()) + in_flight_ +
         completing_;
}

int64_t JobWorker::FreeSlotsLocked() const {
  if (state_ != State::kRunning) return 0;
  return std::max<int64_t>(0, options_.max_held - HeldLocked());
}

std::unique_ptr<Delivery> JobWorker::Offer(std::unique_ptr<Delivery> delivery) {
  absl::MutexLock lock(&mu_);
  if (FreeSlotsLocked() == 0) return delivery;
  ready_.push_back(std::move(delivery));
  return nullptr;
}

std::vector<std::unique_ptr<Delivery>> JobWorker::OfferBatch(
    std::vector<std::unique_ptr<Delivery>> jobs) {
  absl::MutexLock lock(&mu_);
  const size_t taken = std::min(jobs.size(), static_cast<size_t>(FreeSlotsLocked()));
  for (size_t i = 0; i < taken; ++i) ready_.push_back(std::move(jobs[i]));
  jobs.erase(jobs.begin(), jobs.begin() + static_cast<ptrdiff_t>(taken));
  return jobs;
}

int64_t JobWorker::FreeSlots() const {
  absl::MutexLock lock(&mu_);
  return FreeSlotsLocked();
}

JobWorker::Depth JobWorker::depth() const {
  absl::MutexLock lock(&mu_);
  return {.queued = static_cast<int64_t>(ready_.size()),
          .in_flight = in_flight_,
          .backing_off = static_cast<int64_t>(backing_off_.size()),
          .completing = completing_ + static_cast<int64_t>(answered_.size())};
}

void JobWorker::SenderLoop() {
  std::vector<DeliveryPtr> taken;
  std::vector<PushSender::Item> items;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (sender_beat_ != nullptr) sender_beat_->Tick();
        if (state_ != State::kRunning) {
          sender_done_ = true;
          return;
        }
        const absl::Time now = clock_.Now();
        while (!backing_off_.empty() && backing_off_.begin()->first <= now) {
          ready_.push_back(std::move(backing_off_.begin()->second));
          backing_off_.erase(backing_off_.begin());
        }
        if (RoomForABatchLocked()) break;
        absl::Duration wait = absl::Seconds(1);
        if (!backing_off_.empty()) wait = std::min(wait, backing_off_.begin()->first - now);
        const uint64_t changes = backoff_changes_;
        auto can_send = [this, changes]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
          return state_ != State::kRunning || backoff_changes_ != changes || RoomForABatchLocked();
        };
        mu_.AwaitWithTimeout(absl::Condition(&can_send), std::max(wait, absl::Milliseconds(1)));
      }
      // As many as the in-flight window allows, up to send_batch: one lock, and one hand-off
      // to the HTTP/2 I/O thread (PushSender::SendBatch), for all of them.
      const size_t n = static_cast<size_t>(std::min<int64_t>({static_cast<int64_t>(ready_.size()),
                                                              options_.max_in_flight - in_flight_,
                                                              std::max(1, options_.send_batch)}));
      for (size_t i = 0; i < n; ++i) {
        in_flight_jobs_.insert(ready_.front().get());
        taken.push_back(std::move(ready_.front()));
        ready_.pop_front();
      }
      in_flight_ += static_cast<int64_t>(n);
      window_filled_ = in_flight_ >= options_.max_in_flight;
    }
    for (DeliveryPtr& delivery : taken) {
      if (delivery->skip != SkipReason::kNone) {
        OnSent(std::move(delivery), SendResult{.kind = SendResult::Kind::kLocalSuccess});
        continue;
      }
      absl::StatusOr<PushContent> content = BuildPushContent(*delivery);
      if (!content.ok()) {
        SendResult result;
        result.kind = SendResult::Kind::kRejectedLocally;
        result.error = content.status();
        OnSent(std::move(delivery), std::move(result));
        continue;
      }
      const Delivery* ref = delivery.get();
      items.push_back({.delivery = ref,
                       .content = *std::move(content),
                       .done = [this, d = std::move(delivery)](SendResult result) mutable {
                         OnSent(std::move(d), std::move(result));
                       }});
    }
    taken.clear();
    if (!items.empty()) sender_.SendBatch(std::move(items));
    items.clear();
  }
}

void JobWorker::OnSent(DeliveryPtr delivery, SendResult result) {
  absl::MutexLock lock(&mu_);
  --in_flight_;
  in_flight_jobs_.erase(delivery.get());
  answered_.push_back({std::move(delivery), std::move(result)});
}

void JobWorker::CompleterLoop() {
  while (true) {
    std::vector<Answered> batch;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !answered_.empty() || state_ == State::kStopped;
      };
      while (!has_work()) {
        if (completer_beat_ != nullptr) completer_beat_->Tick();
        mu_.AwaitWithTimeout(absl::Condition(&has_work), absl::Seconds(1));
      }
      if (completer_beat_ != nullptr) completer_beat_->Tick();
      if (state_ == State::kStopped) return;
      auto full = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return answered_.size() >= static_cast<size_t>(options_.complete_batch) ||
               state_ != State::kRunning;
      };
      if (!full() && options_.complete_linger > absl::ZeroDuration()) {
        mu_.AwaitWithTimeout(absl::Condition(&full), options_.complete_linger);
      }
      if (state_ == State::kStopped) return;
      // Everything at once (erasing a front part would move all the rest, per batch), then
      // completed in chunks of complete_batch.
      batch.swap(answered_);
      completing_ += static_cast<int64_t>(batch.size());
    }
    const size_t chunk = static_cast<size_t>(options_.complete_batch);
    for (size_t begin = 0; begin < batch.size(); begin += chunk) {
      const size_t end = std::min(batch.size(), begin + chunk);
      std::vector<Answered> part(std::make_move_iterator(batch.begin() + begin),
                                 std::make_move_iterator(batch.begin() + end));
      Complete(std::move(part));
      absl::MutexLock lock(&mu_);
      completing_ -= static_cast<int64_t>(end - begin);
    }
  }
}

bool JobWorker::GiveUp() const {
  absl::MutexLock lock(&mu_);
  return state_ == State::kStopped || (state_ == State::kDraining && absl::Now() >= deadline_);
}

template <typename F>
bool JobWorker::WriteWithRetry(const char* what, F write) {
  absl::Duration backoff = options_.write_retry_min;
  for (int failures = 0;; ++failures) {
    absl::Status s = write();
    if (s.ok()) return true;
    if (absl::string_view(what).substr(0, 5) == "redis") {
      metrics_.RedisError();
    } else {
      metrics_.DbError();
    }
    if (failures == 0 || failures % 20 == 0) {
      log_.Warn("write failed; retrying", {{"what", what}, {"error", s}});
    }
    if (GiveUp()) return false;
    if (completer_beat_ != nullptr) completer_beat_->Tick();  // stalled on a dependency, alive
    absl::SleepFor(backoff);
    backoff = std::min(options_.write_retry_max, backoff * 2);
  }
}

void JobWorker::Release(const std::vector<DeliveryPtr>& deliveries) {
  std::vector<std::string_view> ids;
  ids.reserve(deliveries.size());
  for (const DeliveryPtr& d : deliveries) ids.push_back(d->entry_id);
  held_.Remove(ids);
}

void JobWorker::Record(const Delivery& d, const SendResult& r, const CompletionPlan& plan) {
  const std::optional<wire::PushProvider> provider =
      d.target ? std::optional<wire::PushProvider>(d.target->device.provider) : std::nullopt;
  if (provider && r.kind == SendResult::Kind::kAnswered) {
    metrics_.ProviderExchange(*provider, r.outcome.reason, r.latency);
  } else if (provider && r.kind == SendResult::Kind::kTransportError) {
    metrics_.ProviderExchange(*provider, "transport", r.latency);
  } else if (provider && r.kind == SendResult::Kind::kRefused) {
    metrics_.ProviderExchange(*provider, "refused", r.latency);
  }
  if (plan.result) metrics_.Push(provider, d.job.kind, *plan.result);
  if (plan.result == PushResult::kDelivered && d.job.enqueued_at > absl::UnixEpoch()) {
    metrics_.EndToEnd(d.job.kind, clock_.Now() - d.job.enqueued_at);
  }
  if (plan.invalidate && plan.action == Action::kAck) metrics_.TokenInvalidated(*plan.invalidate);
  if (plan.confirm && !TokenAlreadyConfirmed(d)) metrics_.TokenConfirmed();
  if (plan.action == Action::kDeadLetter) metrics_.DeadLetter(plan.dead_reason);
}

void JobWorker::Complete(std::vector<Answered> batch) {
  struct Item {
    DeliveryPtr delivery;
    SendResult result;
    CompletionPlan plan;
  };
  std::vector<Item> finished;  // kAck and kDeadLetter
  std::vector<Item> retries;   // kRetry and refreshed kRefreshAuth
  for (Answered& a : batch) {
    CompletionPlan plan = PlanCompletion(*a.delivery, a.result, policy_);
    if (plan.action == Action::kRefreshAuth) {
      const wire::PushProvider provider = a.delivery->target->device.provider;
      if (sender_.RefreshAuth(provider, a.result.credential)) {
        metrics_.AuthRefreshed(provider);
        a.delivery->auth_refreshed = true;
        plan.action = Action::kRetry;
        plan.delay = absl::ZeroDuration();
        plan.counts_as_attempt = false;
      } else {
        plan = PlanRetry(*a.delivery, std::nullopt, policy_, plan.reason);
      }
    }
    Record(*a.delivery, a.result, plan);
    Item item{std::move(a.delivery), std::move(a.result), std::move(plan)};
    if (item.plan.action == Action::kRetry) {
      retries.push_back(std::move(item));
    } else {
      finished.push_back(std::move(item));
    }
  }

  // Retries stay with this process; their entries stay pending (and kept owned) in Redis.
  if (!retries.empty()) {
    const absl::Time now = clock_.Now();
    absl::MutexLock lock(&mu_);
    for (Item& item : retries) {
      Delivery& d = *item.delivery;
      if (item.plan.counts_as_attempt) ++d.attempt;
      if (item.result.kind == SendResult::Kind::kRefused) d.refusal_resent = true;
      d.not_before = now + item.plan.delay;
      backing_off_.emplace(d.not_before, std::move(item.delivery));
    }
    ++backoff_changes_;
  }
  if (finished.empty()) return;

  // PostgreSQL first: a job is acknowledged only once its outcome is stored.
  OutcomeBatch outcome;
  for (const Item& item : finished) {
    const Delivery& d = *item.delivery;
    const CompletionPlan& plan = item.plan;
    if (d.target && plan.invalidate) {
      outcome.invalidations.push_back(
          {.token_id = d.target->token_id,
           .device_token = d.target->device.token,
           .status = {.state = wire::TokenState::kInvalid, .reason = plan.invalidate}});
    }
    if (d.target && plan.confirm && !TokenAlreadyConfirmed(d)) {
      outcome.confirmations.push_back({.token_id = d.target->token_id,
                                       .device_token = d.target->device.token,
                                       .status = {.state = wire::TokenState::kConfirmed}});
    }
    const std::vector<int64_t> ids = d.NotificationIds();
    if (plan.notifications_delivered) {
      outcome.delivered.insert(outcome.delivered.end(), ids.begin(), ids.end());
    } else if (plan.notifications_failed) {
      outcome.failed.insert(outcome.failed.end(), ids.begin(), ids.end());
    }
  }
  std::vector<DeliveryPtr> done;
  done.reserve(finished.size());
  auto release_all = [&] {
    for (Item& item : finished) done.push_back(std::move(item.delivery));
    Release(done);
  };
  if (!WriteWithRetry("postgres outcomes", [&] { return store_.Apply(outcome); })) {
    release_all();
    return;
  }

  std::vector<std::string> ack_ids;
  for (const Item& item : finished) {
    if (item.plan.action == Action::kAck) ack_ids.push_back(item.delivery->entry_id);
  }
  if (!ack_ids.empty() && !WriteWithRetry("redis ack", [&] { return stream_.Ack(ack_ids); })) {
    release_all();
    return;
  }
  for (const Item& item : finished) {
    if (item.plan.action != Action::kDeadLetter) continue;
    const Delivery& d = *item.delivery;
    const redis::Fields fields =
        DeadLetterFields(d, item.plan.reason, Detail(item.result), clock_.Now());
    log_.Warn("job dead-lettered", {{"job_id", d.job.job_id},
                                    {"kind", PushKindName(d.job.kind)},
                                    {"reason", item.plan.reason},
                                    {"attempts", static_cast<int64_t>(d.attempt + 1)},
                                    {"detail", Detail(item.result)}});
    if (!WriteWithRetry("redis dead letter",
                        [&] { return stream_.DeadLetter(d.entry_id, fields); })) {
      break;
    }
  }
  release_all();
}

std::vector<std::string> JobWorker::Drain(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ == State::kStopped) return {};
    if (state_ == State::kCreated) {
      state_ = State::kStopped;
      return {};
    }
    state_ = State::kDraining;
    deadline_ = deadline;
    auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return sender_done_ && in_flight_ == 0 && answered_.empty() && completing_ == 0;
    };
    mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
    state_ = State::kStopped;
  }
  if (sender_thread_.joinable()) sender_thread_.join();
  if (completer_thread_.joinable()) completer_thread_.join();
  if (sender_beat_ != nullptr) sender_beat_->Retire();
  if (completer_beat_ != nullptr) completer_beat_->Retire();
  std::vector<DeliveryPtr> left;
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (DeliveryPtr& d : ready_) left.push_back(std::move(d));
    ready_.clear();
    for (auto& [at, d] : backing_off_) left.push_back(std::move(d));
    backing_off_.clear();
    for (Answered& a : answered_) left.push_back(std::move(a.delivery));
    answered_.clear();
    for (const Delivery* d : in_flight_jobs_) ids.push_back(d->entry_id);
  }
  Release(left);
  held_.Remove(ids);
  for (const DeliveryPtr& d : left) ids.push_back(d->entry_id);
  return ids;
}

}  // namespace ntf::pusher
