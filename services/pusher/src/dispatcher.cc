#include "services/pusher/src/dispatcher.h"

#include <pthread.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/pusher/src/completion.h"

namespace ntf::pusher {
namespace {

std::string Key(const wire::Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

JobWorker* Lanes::For(std::optional<wire::PushProvider> provider) const {
  if (!provider) return local;
  switch (*provider) {
    case wire::PushProvider::kApnsDev:
    case wire::PushProvider::kApnsProd:
    case wire::PushProvider::kApnsTest:
      return apns;
    case wire::PushProvider::kFcm:
      return fcm;
    case wire::PushProvider::kApnsNull:
      return local;
  }
  return local;
}

int64_t Lanes::MaxFreeSlots() const {
  int64_t free = 0;
  for (JobWorker* lane : {apns, fcm, local}) {
    if (lane != nullptr) free = std::max(free, lane->FreeSlots());
  }
  return free;
}

Dispatcher::Dispatcher(DispatcherOptions options, JobStream& stream, PushStore& store, Lanes lanes,
                       HeldJobs& held, PusherMetrics& metrics, const common::Clock& clock,
                       common::Logger log)
    : options_(options),
      stream_(stream),
      store_(store),
      lanes_(lanes),
      held_(held),
      metrics_(metrics),
      clock_(clock),
      log_(std::move(log)) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start(common::Health* health) {
  if (health != nullptr) {
    beat_ =
        &health->AddHeartbeat("dispatcher", std::max(absl::Seconds(30), 10 * options_.read_block));
  }
  thread_ = std::thread([this] { Loop(); });
  pthread_setname_np(thread_.native_handle(), "ntf-dispatcher");
}

void Dispatcher::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (beat_ != nullptr) {
    beat_->Retire();
    beat_ = nullptr;
  }
}

void Dispatcher::Backoff() const { absl::SleepFor(options_.error_backoff); }

void Dispatcher::Loop() {
  RecoverOwnPending();
  common::Clock::SteadyTimePoint next_claim = clock_.SteadyNow();
  while (!Stopping()) {
    if (beat_ != nullptr) beat_->Tick();
    Reoffer();
    const int64_t free = lanes_.MaxFreeSlots();
    if (free <= 0) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    const int64_t count = std::min<int64_t>(options_.read_batch, free);
    if (clock_.SteadyNow() >= next_claim) {
      absl::StatusOr<JobClaim> claim = stream_.ClaimIdle(options_.claim_idle, claim_cursor_, count);
      if (!claim.ok()) {
        metrics_.RedisError();
        log_.Warn("XAUTOCLAIM failed", {{"error", claim.status()}});
        claim_cursor_ = "0-0";
        next_claim = clock_.SteadyNow() + common::ToSteadyDuration(options_.claim_interval);
        Backoff();
        continue;
      }
      claim_cursor_ = claim->next_cursor;
      if (claim_cursor_ == "0-0") {
        next_claim = clock_.SteadyNow() + common::ToSteadyDuration(options_.claim_interval);
      }
      if (!claim->entries.empty()) {
        metrics_.JobsClaimed(static_cast<int64_t>(claim->entries.size()));
        log_.Info("took over idle jobs", {{"jobs", static_cast<int64_t>(claim->entries.size())}});
        Process(std::move(claim->entries));
      }
      continue;
    }
    absl::StatusOr<std::vector<JobEntry>> entries = stream_.ReadNew(count, options_.read_block);
    if (!entries.ok()) {
      metrics_.RedisError();
      if (absl::IsNotFound(entries.status())) {
        // NOGROUP: Redis lost the stream (restart without its data). Recreate it; the outbox
        // re-creates the message jobs that were in it.
        log_.Warn("consumer group missing; recreating", {{"error", entries.status()}});
        (void)stream_.EnsureGroup();
      } else {
        log_.Warn("XREADGROUP failed", {{"error", entries.status()}});
      }
      Backoff();
      continue;
    }
    if (!entries->empty()) {
      metrics_.JobsRead(static_cast<int64_t>(entries->size()));
      Process(*std::move(entries));
    }
  }
}

void Dispatcher::RecoverOwnPending() {
  std::string after = "0";
  while (!Stopping()) {
    absl::StatusOr<std::vector<JobEntry>> entries =
        stream_.ReadOwnPending(after, options_.read_batch);
    if (!entries.ok()) {
      metrics_.RedisError();
      log_.Warn("cannot read own pending jobs; they will be claimed after claim_idle",
                {{"error", entries.status()}});
      return;
    }
    if (entries->empty()) return;
    after = entries->back().id;
    metrics_.JobsClaimed(static_cast<int64_t>(entries->size()));
    log_.Info("resuming own pending jobs", {{"jobs", static_cast<int64_t>(entries->size())}});
    Process(*std::move(entries));
  }
}

void Dispatcher::Reoffer() {
  for (auto& [lane, parked] : parked_) {
    while (!parked.empty()) {
      const std::string id = parked.front()->entry_id;
      std::unique_ptr<Delivery> refused = lane->Offer(std::move(parked.front()));
      if (refused != nullptr) {
        parked.front() = std::move(refused);
        break;
      }
      parked.pop_front();
      overflowed_.erase(id);
      routed_.fetch_add(1);
    }
  }
}

void Dispatcher::Process(std::vector<JobEntry> entries) {
  std::vector<std::unique_ptr<Delivery>> jobs;
  std::vector<std::string> gone;
  const absl::Time now = clock_.Now();
  for (JobEntry& e : entries) {
    if (e.fields.empty()) {  // trimmed while pending: nothing left to deliver
      gone.push_back(e.id);
      continue;
    }
    absl::StatusOr<JobSpec> spec = DecodeJobFields(e.fields);
    if (!spec.ok()) {
      redis::Fields fields = e.fields;
      fields.emplace_back("reason", "undecodable");
      fields.emplace_back("detail", std::string(spec.status().message()));
      fields.emplace_back("source_id", e.id);
      fields.emplace_back("dead_at", absl::StrCat(absl::ToUnixMillis(now)));
      log_.Warn("undecodable job dead-lettered", {{"id", e.id}, {"error", spec.status()}});
      if (absl::Status s = stream_.DeadLetter(e.id, fields); !s.ok()) {
        metrics_.RedisError();
      } else {
        metrics_.DeadLetter(DeadLetterReason::kUndecodable);
      }
      continue;
    }
    auto d = std::make_unique<Delivery>();
    d->entry_id = e.id;
    d->deliveries = e.deliveries;
    d->job = *std::move(spec);
    d->attempt = d->job.attempt;
    d->read_at = clock_.SteadyNow();
    jobs.push_back(std::move(d));
  }
  if (!gone.empty() && !stream_.Ack(gone).ok()) metrics_.RedisError();

  // Jobs handed out too often (each hand-out after the first means an owner died or gave
  // them back): dead-letter instead of crashing another replica.
  std::vector<std::unique_ptr<Delivery>> poison;
  auto is_poison = [&](const std::unique_ptr<Delivery>& d) {
    auto overflowed = overflowed_.find(d->entry_id);
    const int64_t handed_back = overflowed == overflowed_.end() ? 0 : overflowed->second;
    return d->deliveries - handed_back > options_.max_deliveries;
  };
  for (auto& d : jobs) {
    if (is_poison(d)) poison.push_back(std::move(d));
  }
  std::erase_if(jobs, [](const std::unique_ptr<Delivery>& d) { return d == nullptr; });
  for (auto& d : poison) {
    OutcomeBatch failed;
    failed.failed = d->job.notification_ids;
    if (!store_.Apply(failed).ok()) {
      metrics_.DbError();
      continue;  // stays pending; retried at the next claim
    }
    log_.Warn("job handed out too often; dead-lettered",
              {{"job_id", d->job.job_id}, {"deliveries", d->deliveries}});
    if (stream_.DeadLetter(d->entry_id, DeadLetterFields(*d, "deliveries", "", now)).ok()) {
      metrics_.DeadLetter(DeadLetterReason::kDeliveries);
      metrics_.Push(std::nullopt, d->job.kind, PushResult::kDeadLetter);
    } else {
      metrics_.RedisError();
    }
  }
  if (jobs.empty()) return;

  std::vector<wire::Bytes> token_ids;
  std::vector<int64_t> notification_ids;
  absl::flat_hash_set<std::string> seen;
  for (const auto& d : jobs) {
    if (seen.insert(Key(d->job.token_id)).second) token_ids.push_back(d->job.token_id);
    notification_ids.insert(notification_ids.end(), d->job.notification_ids.begin(),
                            d->job.notification_ids.end());
  }
  absl::StatusOr<LoadedTargets> loaded = store_.Load(token_ids, notification_ids);
  while (!loaded.ok()) {
    metrics_.DbError();
    log_.Warn("cannot load tokens", {{"error", loaded.status()}});
    if (Stopping()) return;               // the entries stay pending; claimed again later
    if (beat_ != nullptr) beat_->Tick();  // waiting for PostgreSQL, not stuck
    Backoff();
    loaded = store_.Load(token_ids, notification_ids);
  }
  absl::flat_hash_map<std::string, const PushTarget*> targets;
  for (const PushTarget& t : loaded->tokens) targets[Key(t.token_id)] = &t;
  absl::flat_hash_map<int64_t, const OutboxNotification*> rows;
  for (const OutboxNotification& n : loaded->notifications) rows[n.notification_id] = &n;

  for (auto& d : jobs) {
    auto target = targets.find(Key(d->job.token_id));
    if (target == targets.end()) {
      d->skip = SkipReason::kTokenGone;
    } else {
      d->target = *target->second;
      if (d->job.kind == PushKind::kMessage) {
        for (int64_t id : d->job.notification_ids) {
          auto row = rows.find(id);
          if (row != rows.end() && row->second->token_id == d->job.token_id) {
            d->notifications.push_back(*row->second);
          }
        }
        if (d->notifications.empty()) d->skip = SkipReason::kNoNotifications;
      }
      // Message and periodic pushes go to ACTIVE tokens only; verification pushes go
      // whatever the status (spec/ntf-protocol.md §2.5).
      if (d->job.kind != PushKind::kVerification &&
          d->target->status.state != wire::TokenState::kActive) {
        d->skip = SkipReason::kTokenNotActive;
      }
    }
    JobWorker* lane =
        d->skip != SkipReason::kNone
            ? lanes_.local
            : lanes_.For(d->target ? std::optional(d->target->device.provider) : std::nullopt);
    const std::string id = d->entry_id;
    held_.Add(id);
    if (lane == nullptr) lane = lanes_.local;
    if (std::unique_ptr<Delivery> refused = lane->Offer(std::move(d))) {
      metrics_.LaneOverflow(lane->lane());
      std::deque<std::unique_ptr<Delivery>>& parked = parked_[lane];
      if (parked.size() < kMaxParkedPerLane) {
        parked.push_back(std::move(refused));  // still held: offered again by Reoffer()
      } else {
        held_.Remove(id);
        ++overflowed_[id];
      }
    } else {
      overflowed_.erase(id);
      routed_.fetch_add(1);
    }
  }
}

}  // namespace ntf::pusher
