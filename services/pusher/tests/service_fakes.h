#pragma once

// In-memory fakes of the pusher service's ports (JobStream, PushStore, PushSender) for unit
// tests of the lanes and the dispatcher. Thread-safe: the code under test calls them from its
// own threads.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_sender.h"
#include "services/pusher/src/push_store.h"

namespace ntf::pusher::testing {

class FakeJobStream final : public JobStream {
 public:
  struct Dead {
    std::string id;
    redis::Fields fields;
  };

  // Entries ReadNew hands out (then nothing).
  void QueueForRead(std::vector<JobEntry> entries) {
    absl::MutexLock lock(&mu_);
    for (JobEntry& e : entries) unread_.push_back(std::move(e));
  }
  // The next `n` Ack / DeadLetter calls fail with `error`.
  void FailWrites(int n, absl::Status error) {
    absl::MutexLock lock(&mu_);
    write_failures_ = n;
    write_error_ = std::move(error);
  }
  // The number of ids of each Ack call, in order.
  std::vector<size_t> ack_calls() const {
    absl::MutexLock lock(&mu_);
    return ack_calls_;
  }
  std::vector<std::string> acked() const {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  std::vector<Dead> dead() const {
    absl::MutexLock lock(&mu_);
    return dead_;
  }
  std::vector<redis::Fields> added() const {
    absl::MutexLock lock(&mu_);
    return added_;
  }
  bool WaitForAcks(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return acked_.size() + dead_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

  // ntf::pusher::JobStream
  absl::Status EnsureGroup() override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<JobEntry>> ReadNew(int64_t count, absl::Duration block) override {
    {
      absl::MutexLock lock(&mu_);
      std::vector<JobEntry> out;
      while (!unread_.empty() && static_cast<int64_t>(out.size()) < count) {
        pending_[unread_.front().id] = unread_.front();
        out.push_back(std::move(unread_.front()));
        unread_.pop_front();
      }
      if (!out.empty()) return out;
    }
    absl::SleepFor(std::min(block, absl::Milliseconds(10)));
    return std::vector<JobEntry>{};
  }
  absl::StatusOr<std::vector<JobEntry>> ReadOwnPending(std::string_view, int64_t) override {
    return std::vector<JobEntry>{};
  }
  absl::StatusOr<JobClaim> ClaimIdle(absl::Duration, std::string_view, int64_t) override {
    return JobClaim{};
  }
  // Entries ReadNew handed out and not yet acknowledged come back (delivery count + 1) unless
  // TakeOverForTest gave them to another consumer; `min_idle` is recorded, not checked.
  absl::StatusOr<std::vector<JobEntry>> Reclaim(absl::Span<const std::string> ids) override {
    absl::MutexLock lock(&mu_);
    reclaims_.push_back({std::vector<std::string>(ids.begin(), ids.end())});
    std::vector<JobEntry> out;
    for (const std::string& id : ids) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      ++it->second.deliveries;
      out.push_back(it->second);
    }
    return out;
  }
  struct ReclaimCall {
    std::vector<std::string> ids;
  };
  std::vector<ReclaimCall> reclaims() const {
    absl::MutexLock lock(&mu_);
    return reclaims_;
  }
  // Another replica claimed `id`: Reclaim no longer returns it.
  void TakeOverForTest(const std::string& id) {
    absl::MutexLock lock(&mu_);
    pending_.erase(id);
  }
  absl::Status Ack(absl::Span<const std::string> ids) override {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFailure(); !s.ok()) return s;
    acked_.insert(acked_.end(), ids.begin(), ids.end());
    ack_calls_.push_back(ids.size());
    for (const std::string& id : ids) pending_.erase(id);
    return absl::OkStatus();
  }
  absl::Status DeadLetter(std::string_view id, const redis::Fields& fields) override {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFailure(); !s.ok()) return s;
    dead_.push_back({std::string(id), fields});
    pending_.erase(std::string(id));
    return absl::OkStatus();
  }
  absl::Status KeepOwned(absl::Span<const std::string>) override { return absl::OkStatus(); }
  absl::Status Release(absl::Span<const std::string> ids, absl::Duration) override {
    absl::MutexLock lock(&mu_);
    released_.insert(released_.end(), ids.begin(), ids.end());
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> Add(absl::Span<const redis::Fields> entries) override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> ids;
    for (const redis::Fields& f : entries) {
      added_.push_back(f);
      ids.push_back(std::to_string(added_.size()) + "-0");
    }
    return ids;
  }
  absl::StatusOr<JobStreamStats> Stats() override { return JobStreamStats{}; }
  absl::StatusOr<int64_t> TrimBelow(std::string_view) override { return 0; }
  absl::StatusOr<int> RemoveIdleConsumers(absl::Duration) override { return 0; }

 private:
  absl::Status TakeFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (write_failures_ <= 0) return absl::OkStatus();
    --write_failures_;
    return write_error_;
  }

  mutable absl::Mutex mu_;
  std::deque<JobEntry> unread_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, JobEntry> pending_ ABSL_GUARDED_BY(mu_);  // handed out by ReadNew
  std::vector<ReclaimCall> reclaims_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> acked_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> ack_calls_ ABSL_GUARDED_BY(mu_);  // ids per Ack call
  std::vector<Dead> dead_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> released_ ABSL_GUARDED_BY(mu_);
  std::vector<redis::Fields> added_ ABSL_GUARDED_BY(mu_);
  int write_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
};

class FakePushStore final : public PushStore {
 public:
  void AddToken(PushTarget t) {
    absl::MutexLock lock(&mu_);
    tokens_[Key(t.token_id)] = std::move(t);
  }
  void AddNotification(OutboxNotification n) {
    absl::MutexLock lock(&mu_);
    notifications_[n.notification_id] = std::move(n);
  }
  // The next `n` Apply calls fail.
  void FailApplies(int n) {
    absl::MutexLock lock(&mu_);
    apply_failures_ = n;
  }
  std::vector<OutcomeBatch> applied() const {
    absl::MutexLock lock(&mu_);
    return applied_;
  }
  int apply_calls() const {
    absl::MutexLock lock(&mu_);
    return apply_calls_;
  }
  // The token ids each Load asked for.
  std::vector<std::vector<wire::Bytes>> token_loads() const {
    absl::MutexLock lock(&mu_);
    return token_loads_;
  }
  // The next Load fails.
  void FailNextLoad() {
    absl::MutexLock lock(&mu_);
    fail_load_ = true;
  }

  // ntf::pusher::PushStore
  absl::StatusOr<LoadedTargets> Load(absl::Span<const wire::Bytes> token_ids,
                                     absl::Span<const int64_t> notification_ids) override {
    absl::MutexLock lock(&mu_);
    if (std::exchange(fail_load_, false)) return absl::UnavailableError("database down");
    token_loads_.emplace_back(token_ids.begin(), token_ids.end());
    LoadedTargets out;
    for (const wire::Bytes& id : token_ids) {
      auto it = tokens_.find(Key(id));
      if (it != tokens_.end()) out.tokens.push_back(std::make_shared<const PushTarget>(it->second));
    }
    for (int64_t id : notification_ids) {
      auto it = notifications_.find(id);
      if (it != notifications_.end()) out.notifications.push_back(it->second);
    }
    return out;
  }
  absl::Status Apply(const OutcomeBatch& batch) override {
    absl::MutexLock lock(&mu_);
    ++apply_calls_;
    if (apply_failures_ > 0) {
      --apply_failures_;
      return absl::UnavailableError("database down");
    }
    applied_.push_back(batch);
    return absl::OkStatus();
  }
  absl::StatusOr<int> ClaimDueCron(int, const EnqueueTokens&) override { return 0; }
  absl::StatusOr<int> RequeueLost(absl::Time, absl::Duration, int, const EnqueueLost&) override {
    return 0;
  }

 private:
  static std::string Key(const wire::Bytes& b) { return std::string(b.begin(), b.end()); }

  mutable absl::Mutex mu_;
  std::map<std::string, PushTarget> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, OutboxNotification> notifications_ ABSL_GUARDED_BY(mu_);
  std::vector<OutcomeBatch> applied_ ABSL_GUARDED_BY(mu_);
  int apply_failures_ ABSL_GUARDED_BY(mu_) = 0;
  int apply_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::vector<wire::Bytes>> token_loads_ ABSL_GUARDED_BY(mu_);
  bool fail_load_ ABSL_GUARDED_BY(mu_) = false;
};

// Answers each Send from a script: `script(delivery, call number for this job)` gives the
// result, at once on the calling thread, or, while HoldAnswers(true), when ReleaseHeld() runs
// (requests in flight).
class FakeSender final : public PushSender {
 public:
  using Script = std::function<SendResult(const Delivery&, int call)>;

  explicit FakeSender(Script script) : script_(std::move(script)) {}
  ~FakeSender() override = default;

  void HoldAnswers(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  // Answers every held request.
  void ReleaseHeld() {
    std::vector<std::pair<Done, SendResult>> held;
    {
      absl::MutexLock lock(&mu_);
      hold_ = false;
      held.swap(held_);
    }
    for (auto& [done, result] : held) done(std::move(result));
  }
  // Answers the oldest held request (keeps holding the others); false if none is held.
  bool ReleaseOne() {
    std::pair<Done, SendResult> one;
    {
      absl::MutexLock lock(&mu_);
      if (held_.empty()) return false;
      one = std::move(held_.front());
      held_.erase(held_.begin());
    }
    one.first(std::move(one.second));
    return true;
  }
  int sends() const {
    absl::MutexLock lock(&mu_);
    return sends_;
  }
  int refreshes() const {
    absl::MutexLock lock(&mu_);
    return refreshes_;
  }
  int held_count() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(held_.size());
  }
  std::vector<std::string> sent_job_ids() const {
    absl::MutexLock lock(&mu_);
    return sent_job_ids_;
  }
  void set_refresh_result(bool r) {
    absl::MutexLock lock(&mu_);
    refresh_result_ = r;
  }

  // ntf::pusher::PushSender
  void Send(const Delivery& delivery, const PushContent&, Done done) override {
    SendResult result;
    {
      absl::MutexLock lock(&mu_);
      ++sends_;
      sent_job_ids_.push_back(delivery.job.job_id);
      const int call = ++calls_[delivery.job.job_id];
      result = script_(delivery, call);
      if (hold_) {
        held_.emplace_back(std::move(done), std::move(result));
        return;
      }
    }
    done(std::move(result));
  }
  bool RefreshAuth(wire::PushProvider, std::string_view) override {
    absl::MutexLock lock(&mu_);
    ++refreshes_;
    return refresh_result_;
  }
  void SendBatch(std::vector<Item> items) override {
    absl::Notification* gate = nullptr;
    {
      absl::MutexLock lock(&mu_);
      batch_sizes_.push_back(static_cast<int>(items.size()));
      std::swap(gate, gate_);
    }
    if (gate != nullptr) gate->WaitForNotification();
    PushSender::SendBatch(std::move(items));
  }
  // The next SendBatch waits for `gate` before sending.
  void GateNextBatch(absl::Notification* gate) {
    absl::MutexLock lock(&mu_);
    gate_ = gate;
  }
  std::vector<int> batch_sizes() const {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }

 private:
  const Script script_;
  mutable absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::pair<Done, SendResult>> held_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> sent_job_ids_ ABSL_GUARDED_BY(mu_);
  int sends_ ABSL_GUARDED_BY(mu_) = 0;
  int refreshes_ ABSL_GUARDED_BY(mu_) = 0;
  bool refresh_result_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
  absl::Notification* gate_ ABSL_GUARDED_BY(mu_) = nullptr;
};

inline SendResult Answered(OutcomeKind kind, std::string reason = "ok") {
  SendResult r;
  r.kind = SendResult::Kind::kAnswered;
  r.outcome.kind = kind;
  r.outcome.reason = std::move(reason);
  return r;
}

}  // namespace ntf::pusher::testing
