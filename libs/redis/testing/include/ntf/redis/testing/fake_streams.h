#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/redis/stream_consumer.h"
#include "ntf/redis/stream_publisher.h"

namespace ntf::redis::testing {

// In-memory StreamPublisher + StreamConsumer with Redis 7.0 stream semantics, for unit tests
// of the components that use streams. The same contract suite runs against it and against
// real Redis (libs/redis/tests/stream_contract.h), so behaviour tests rely on is proven:
//   ids <ms>-<seq> from the clock (strictly increasing), consumer groups with a last-delivered
//   id, a pending entries list with owner, delivery time and delivery count, history reads
//   ("0") of a consumer's own pending entries, XAUTOCLAIM cursors and deleted ids, XPENDING
//   summary and extended forms, NOGROUP/BUSYGROUP errors, BLOCK waits woken by Publish.
// Differences: MAXLEN ~ trims exactly (Redis may keep up to a macro-node more); BLOCK waits in
// real time; CommandOptions are accepted and ignored (no timeouts, no retries).
//
// Time: ids and idle times come from `now`, e.g. [&clock] { return clock.Now(); } with
// ntf::common::testing::FakeClock, so tests move idle times without sleeping.
// Thread-safe: every call takes one mutex (released while a ReadGroup blocks).
class FakeStreams final : public StreamPublisher, public StreamConsumer {
 public:
  using NowFn = std::function<absl::Time()>;
  explicit FakeStreams(NowFn now = [] { return absl::Now(); });

  // While set to a non-OK status (e.g. absl::UnavailableError("down")), every call returns it
  // and changes nothing: simulates Redis being unreachable. OkStatus() clears it.
  void SetFailureForTest(absl::Status failure);
  // How many calls each method received ("Publish", "ReadGroup", "Ack", ...), e.g. to assert
  // that a component publishes a batch in one call.
  int64_t CallCountForTest(std::string_view method) const;
  // Deletes an entry from the stream (XDEL), as trimming would; pending references stay.
  bool DeleteEntryForTest(std::string_view stream, std::string_view id);
  // Every entry of the stream, oldest first (XRANGE - +).
  std::vector<StreamEntry> EntriesForTest(std::string_view stream) const;

  // ntf::redis::StreamPublisher
  absl::StatusOr<std::vector<std::string>> Publish(std::string_view stream,
                                                   absl::Span<const Fields> entries,
                                                   const PublishOptions& publish,
                                                   const CommandOptions& options) override;

  // ntf::redis::StreamConsumer
  absl::Status EnsureGroup(std::string_view stream, std::string_view group,
                           std::string_view start_id, const CommandOptions& options) override;
  absl::StatusOr<std::vector<StreamEntry>> ReadGroup(std::string_view stream,
                                                     std::string_view group,
                                                     std::string_view consumer,
                                                     const ReadGroupOptions& read,
                                                     const CommandOptions& options) override;
  absl::StatusOr<int64_t> Ack(std::string_view stream, std::string_view group,
                              absl::Span<const std::string> ids,
                              const CommandOptions& options) override;
  absl::StatusOr<AutoClaimResult> AutoClaim(std::string_view stream, std::string_view group,
                                            std::string_view consumer, absl::Duration min_idle,
                                            std::string_view start, int64_t count,
                                            const CommandOptions& options) override;
  absl::StatusOr<PendingSummary> Pending(std::string_view stream, std::string_view group,
                                         const CommandOptions& options) override;
  absl::StatusOr<std::vector<PendingEntry>> PendingEntries(std::string_view stream,
                                                           std::string_view group,
                                                           const PendingQuery& query,
                                                           const CommandOptions& options) override;
  absl::StatusOr<int64_t> Len(std::string_view stream, const CommandOptions& options) override;
  absl::StatusOr<std::string> DeadLetter(std::string_view stream, std::string_view group,
                                         std::string_view id, std::string_view dead_stream,
                                         const Fields& fields, const PublishOptions& publish,
                                         const CommandOptions& options) override;

  // A parsed stream id; public for the implementation's helpers.
  struct Id {
    uint64_t ms = 0;
    uint64_t seq = 0;
    friend auto operator<=>(const Id&, const Id&) = default;
  };

 private:
  struct PendingInfo {
    std::string consumer;
    absl::Time delivered;
    int64_t deliveries = 0;
  };
  struct Group {
    Id last_delivered;
    std::map<Id, PendingInfo> pel;
  };
  struct Stream {
    std::map<Id, Fields> entries;
    Id last_id;
    std::map<std::string, Group, std::less<>> groups;
  };

  absl::Status Enter(std::string_view method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Group*> FindGroup(std::string_view stream, std::string_view group,
                                   std::string_view command) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AddLocked(Stream& s, const Fields& fields, int64_t max_len)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t AckLocked(std::string_view stream, std::string_view group,
                    absl::Span<const std::string> ids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NowFn now_;
  mutable absl::Mutex mu_;
  absl::CondVar published_;  // signalled on every Publish / DeadLetter
  std::map<std::string, Stream, std::less<>> streams_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t, std::less<>> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ntf::redis::testing
