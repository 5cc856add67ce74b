#include "services/pusher/src/dispatcher.h"

#include <pthread.h>

#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"
#include "services/pusher/src/completion.h"

namespace ntf::pusher {
namespace {

// While jobs wait for a lane (parked or refused), XREADGROUP blocks at most this long, so that
// they move as soon as the lane has room, not a whole read_block later.
constexpr absl::Duration kBackloggedReadBlock = absl::Milliseconds(2);
// While reading pauses for a busy lane (ShouldWaitForLanes), the lanes are polled this often.
constexpr absl::Duration kLanePoll = absl::Milliseconds(1);

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

std::vector<std::string> Dispatcher::TakeUnrouted() {
  std::vector<std::string> ids;
  for (auto& [lane, parked] : parked_) {
    for (const std::unique_ptr<Delivery>& d : parked) ids.push_back(d->entry_id);
  }
  // Older refused entries may have been taken over already: leave them to XAUTOCLAIM.
  const common::Clock::SteadyTimePoint now = clock_.SteadyNow();
  const auto recent = common::ToSteadyDuration(options_.claim_idle / 2);
  for (auto& [lane, queue] : refused_) {
    for (const RefusedEntry& r : queue) {
      if (now - r.got_at < recent) ids.push_back(r.id);
    }
  }
  parked_.clear();
  refused_.clear();
  overflowed_.clear();
  held_.Remove(ids);
  return ids;
}

void Dispatcher::Backoff() const { absl::SleepFor(options_.error_backoff); }

void Dispatcher::Loop() {
  RecoverOwnPending();
  common::Clock::SteadyTimePoint next_claim = clock_.SteadyNow();
  while (!Stopping()) {
    if (beat_ != nullptr) beat_->Tick();
    Reoffer();
    // Refused jobs go before new ones of their lane, but do not hold the other lanes up: one
    // batch per lane, then a read as usual.
    Refetch();
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
    if (ShouldWaitForLanes()) {
      absl::SleepFor(kLanePoll);
      continue;
    }
    const absl::Duration block =
        Backlogged() ? std::min(options_.read_block, kBackloggedReadBlock) : options_.read_block;
    absl::StatusOr<std::vector<JobEntry>> entries = stream_.ReadNew(count, block);
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
      const Routing routing = Process(*std::move(entries));
      last_read_at_ = clock_.SteadyNow();
      last_read_only_waited_ = routing.OnlyFullLanes();
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

void Dispatcher::Routing::Count(JobWorker* lane, int64_t taken, int64_t waiting) {
  lanes[lane].taken += taken;
  lanes[lane].waiting += waiting;
}

bool Dispatcher::Routing::OnlyFullLanes() const {
  bool waited = false;
  for (const auto& [lane, n] : lanes) {
    if (n.taken > 0 && n.waiting == 0) return false;  // a lane with room got jobs
    waited = waited || n.waiting > 0;
  }
  return waited;
}

bool Dispatcher::ShouldWaitForLanes() const {
  if (!last_read_only_waited_) return false;  // some lane with room is getting jobs: read on
  if (!AnyParked()) return false;
  const common::Clock::SteadyTimePoint now = clock_.SteadyNow();
  return now - last_parked_progress_ < common::ToSteadyDuration(options_.lane_stall) &&
         now - last_read_at_ < common::ToSteadyDuration(options_.max_read_pause);
}

bool Dispatcher::AnyParked() const {
  for (const auto& [lane, parked] : parked_) {
    if (!parked.empty()) return true;
  }
  return false;
}

bool Dispatcher::Backlogged() const {
  if (AnyParked()) return true;
  for (const auto& [lane, queue] : refused_) {
    if (!queue.empty()) return true;
  }
  return false;
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
      last_parked_progress_ = clock_.SteadyNow();
    }
  }
}

bool Dispatcher::Refetch() {
  bool took = false;
  for (JobWorker* lane : {lanes_.apns, lanes_.fcm, lanes_.local}) {
    if (lane == nullptr || Stopping()) continue;
    auto refused = refused_.find(lane);
    if (refused == refused_.end() || refused->second.empty()) continue;
    if (auto parked = parked_.find(lane); parked != parked_.end() && !parked->second.empty()) {
      continue;  // those go first (Reoffer)
    }
    const int64_t room = std::min<int64_t>(lane->FreeSlots(), options_.read_batch);
    if (room <= 0) continue;
    std::deque<RefusedEntry>& queue = refused->second;
    std::vector<RefusedEntry> batch;
    while (!queue.empty() && static_cast<int64_t>(batch.size()) < room) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    std::vector<std::string> ids;
    ids.reserve(batch.size());
    for (const RefusedEntry& r : batch) ids.push_back(r.id);
    // Only what is still pending for this consumer comes back (JobStream::Reclaim).
    absl::StatusOr<std::vector<JobEntry>> back = stream_.Reclaim(ids);
    if (!back.ok()) {
      metrics_.RedisError();
      log_.Warn("XCLAIM of refused jobs failed", {{"error", back.status()}});
      // Still pending: try again later (or XAUTOCLAIM takes them after claim_idle).
      queue.insert(queue.begin(), std::make_move_iterator(batch.begin()),
                   std::make_move_iterator(batch.end()));
      Backoff();
      return took;
    }
    // What did not come back was acknowledged, trimmed or taken over elsewhere.
    absl::flat_hash_set<std::string_view> returned;
    for (const JobEntry& e : *back) returned.insert(e.id);
    for (const std::string& id : ids) {
      if (!returned.contains(id)) overflowed_.erase(id);
    }
    if (back->empty()) continue;
    took = true;
    metrics_.JobsRefetched(static_cast<int64_t>(back->size()));
    Process(*std::move(back));  // may park or refuse some again (refused_ may rehash)
  }
  return took;
}

void Dispatcher::Refused(JobWorker* lane, std::unique_ptr<Delivery> refused) {
  if (parked_[lane].empty()) last_parked_progress_ = clock_.SteadyNow();  // a new wait begins
  metrics_.LaneOverflow(lane->lane());
  std::deque<std::unique_ptr<Delivery>>& parked = parked_[lane];
  if (static_cast<int64_t>(parked.size()) < options_.max_parked_per_lane) {
    parked.push_back(std::move(refused));  // still held: offered again by Reoffer()
    return;
  }
  const std::string& id = refused->entry_id;
  held_.Remove(id);
  ++overflowed_[id];
  std::deque<RefusedEntry>& queue = refused_[lane];
  if (static_cast<int64_t>(queue.size()) < options_.max_refused_per_lane) {
    queue.push_back({.id = id, .got_at = refused->read_at});  // taken back by Refetch()
  }  // else: pending until XAUTOCLAIM after claim_idle
}

Dispatcher::Routing Dispatcher::Process(std::vector<JobEntry> entries) {
  Routing routing;
  std::vector<std::unique_ptr<Delivery>> jobs;
  std::vector<std::string> gone;
  const absl::Time now = clock_.Now();
  for (JobEntry& e : entries) {
    if (e.fields.empty()) {  // trimmed while pending: nothing left to deliver
      gone.push_back(e.id);
      continue;
    }
    absl::StatusOr<JobSpec> spec = push_job::DecodeEntry(e.fields);
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
    d->entry_id = std::move(e.id);  // `e` is not used again
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
    if (overflowed_.empty()) return d->deliveries > options_.max_deliveries;
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
  if (jobs.empty()) return routing;

  std::vector<wire::Bytes> token_ids;
  std::vector<int64_t> notification_ids;
  absl::flat_hash_set<std::string_view> seen;  // views into `jobs`
  for (const auto& d : jobs) {
    if (seen.insert(wire::AsStringView(d->job.token_id)).second) {
      token_ids.push_back(d->job.token_id);
    }
    notification_ids.insert(notification_ids.end(), d->job.notification_ids.begin(),
                            d->job.notification_ids.end());
  }
  const common::Clock::SteadyTimePoint load_start = clock_.SteadyNow();
  absl::StatusOr<LoadedTargets> loaded = store_.Load(token_ids, notification_ids);
  metrics_.BatchLoad(common::FromSteadyDuration(clock_.SteadyNow() - load_start));
  while (!loaded.ok()) {
    metrics_.DbError();
    log_.Warn("cannot load tokens", {{"error", loaded.status()}});
    if (Stopping()) return routing;       // the entries stay pending; claimed again later
    if (beat_ != nullptr) beat_->Tick();  // waiting for PostgreSQL, not stuck
    Backoff();
    loaded = store_.Load(token_ids, notification_ids);
  }
  absl::flat_hash_map<std::string_view, const PushTargetPtr*> targets;  // views into `loaded`
  for (const PushTargetPtr& t : loaded->tokens) targets[wire::AsStringView(t->token_id)] = &t;
  absl::flat_hash_map<int64_t, const OutboxNotification*> rows;
  for (const OutboxNotification& n : loaded->notifications) rows[n.notification_id] = &n;

  struct LaneBatch {
    std::vector<std::string_view> ids;  // the jobs' entry ids, valid until the lane has them
    std::vector<std::unique_ptr<Delivery>> jobs;
  };
  absl::flat_hash_map<JobWorker*, LaneBatch> per_lane;
  for (auto& d : jobs) {
    auto target = targets.find(wire::AsStringView(d->job.token_id));
    if (target == targets.end()) {
      d->skip = SkipReason::kTokenGone;
    } else {
      d->target = *target->second;  // shared, not copied
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
    if (lane == nullptr) lane = lanes_.local;
    LaneBatch& batch = per_lane[lane];
    batch.ids.push_back(d->entry_id);
    batch.jobs.push_back(std::move(d));
  }
  for (auto& [lane, batch] : per_lane) {
    // Held before the lane can finish (and release) them; one lock each for both.
    held_.Add(batch.ids);
    // A job the lane takes may be finished and freed at once: what is needed of the taken ones
    // afterwards is copied before.
    std::vector<std::string> ids_for_overflowed;
    if (!overflowed_.empty()) ids_for_overflowed.assign(batch.ids.begin(), batch.ids.end());
    std::vector<std::unique_ptr<Delivery>> refused = lane->OfferBatch(std::move(batch.jobs));
    const size_t taken = batch.ids.size() - refused.size();  // the lane took a prefix
    for (size_t i = 0; i < taken && i < ids_for_overflowed.size(); ++i) {
      overflowed_.erase(ids_for_overflowed[i]);
    }
    routed_.fetch_add(static_cast<int64_t>(taken));
    routing.Count(lane, static_cast<int64_t>(taken), static_cast<int64_t>(refused.size()));
    for (std::unique_ptr<Delivery>& d : refused) Refused(lane, std::move(d));
  }
  return routing;
}

}  // namespace ntf::pusher
