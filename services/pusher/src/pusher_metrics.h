#pragma once

// Prometheus metrics of ntf-pusher (ntf_pusher_*; README.md has the table). Built once from
// the registry; every series a push touches is created up front, so recording never looks up
// a label map (except provider answer reasons, a bounded set created on first use).
// Thread-safe (prometheus-cpp metrics are atomic).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/pusher/src/push_payload.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace ntf::pusher {

struct JobStreamStats;

// A snapshot of one HTTP/2 client's connection counters (http2::ClientStats, monotonic except
// streams_in_flight), for ProviderConnections().
struct ConnectionCounts {
  uint64_t opened = 0;
  uint64_t closed = 0;
  uint64_t connect_failures = 0;
  uint64_t goaways = 0;
  uint64_t retired = 0;
  int64_t streams_in_flight = 0;
};

// The final (or, for kRetry, intermediate) result of one delivery attempt.
enum class PushResult {
  kDelivered,     // the provider accepted it (apns_null: accepted without sending)
  kTokenInvalid,  // the provider said the device token is dead
  kDropped,       // not delivered and not retried (stale APNs 410)
  kExpired,       // past its lifetime before it could be sent
  kSkipped,       // token gone or not ACTIVE, or its notifications gone
  kRetry,         // failed; will be retried after a backoff
  kDeadLetter,    // moved to the dead-letter stream
  kCount
};

enum class DeadLetterReason {
  kAttempts,          // retry.max_attempts failed attempts
  kDeliveries,        // handed out stream.max_deliveries times (crash loop)
  kPermanent,         // the provider refused it for good (our bug or configuration)
  kUndecodable,       // not a PushJob
  kProviderDisabled,  // no credentials / endpoint configured for the token's provider
  kCount
};

// The worker pools: APNs (apns_dev, apns_prod, apns_test), FCM, and the local lane that
// completes jobs without a provider (apns_null, skipped jobs).
enum class Lane { kApns, kFcm, kLocal, kCount };
std::string_view LaneName(Lane lane);

class PusherMetrics {
 public:
  explicit PusherMetrics(prometheus::Registry& registry);

  // `provider` is nullopt when the job's token no longer exists (label "unknown").
  void Push(std::optional<wire::PushProvider> provider, PushKind kind, PushResult result);
  // One provider exchange (answered or failed at the transport), with its answer's reason label
  // ("ok", "BadDeviceToken", "UNREGISTERED", "http_503", "transport").
  void ProviderExchange(wire::PushProvider provider, std::string_view reason,
                        absl::Duration latency);
  void DeadLetter(DeadLetterReason reason);
  void AuthRefreshed(wire::PushProvider provider);
  void TokenInvalidated(wire::InvalidReason reason);
  void TokenConfirmed();
  // Enqueue (first XADD) to the provider's acceptance.
  void EndToEnd(PushKind kind, absl::Duration latency);
  void JobsRead(int64_t n);
  void JobsClaimed(int64_t n);
  void JobsRefetched(int64_t n);
  void LaneOverflow(Lane lane);
  void LaneDepth(Lane lane, int64_t queued, int64_t in_flight, int64_t backing_off);
  void StreamStats(const JobStreamStats& stats, absl::Time now);
  void Trimmed(int64_t entries);
  // The connection counters of the HTTP/2 client for `endpoint` ("apns_production",
  // "apns_sandbox", "apns_test", "fcm", "fcm_oauth"): counters advance by the change since the
  // previous snapshot of that endpoint. Called from one thread (the stats task).
  void ProviderConnections(std::string_view endpoint, const ConnectionCounts& now);
  void ApnsTokenAge(double seconds);
  void FcmTokenExpiresIn(double seconds);
  void CronEnqueued(int64_t n);
  void OutboxRequeued(int64_t n);
  void RedisError();
  void DbError();
  // Token rows found in the TokenCache and loaded from PostgreSQL.
  void TokenCacheLookups(int64_t hits, int64_t misses);
  // How long the reader waited for one batch's token rows and outbox rows (the cache, and
  // PostgreSQL for what it lacks): while the cache fills, this paces the whole replica.
  void BatchLoad(absl::Duration duration);
  // A change of a token row announced by PostgreSQL.
  void TokenChangeAnnounced();
  // `capacity` is token_cache.size (0 when the cache is configured off).
  void TokenCacheState(int64_t entries, int64_t capacity, bool enabled);

 private:
  static constexpr size_t kProviders = 5;  // wire::PushProvider values (+1: "unknown")
  static constexpr size_t kKinds = 3;
  static constexpr size_t kResults = static_cast<size_t>(PushResult::kCount);
  static constexpr size_t kLanes = static_cast<size_t>(Lane::kCount);

  std::array<std::array<std::array<prometheus::Counter*, kResults>, kKinds>, kProviders + 1>
      pushes_{};
  std::array<prometheus::Histogram*, kProviders> latency_{};
  prometheus::Family<prometheus::Counter>* answers_family_ = nullptr;
  absl::Mutex answers_mu_;
  // Per provider, by reason (looked up by string_view: no key is built per answer).
  std::array<absl::flat_hash_map<std::string, prometheus::Counter*>, kProviders> answers_
      ABSL_GUARDED_BY(answers_mu_);
  std::array<prometheus::Counter*, kProviders + 1> retries_{};
  std::array<prometheus::Counter*, kProviders> auth_refreshes_{};
  std::array<prometheus::Counter*, static_cast<size_t>(DeadLetterReason::kCount)> dead_{};
  std::array<prometheus::Counter*, 4> invalidated_{};
  prometheus::Counter* confirmed_ = nullptr;
  std::array<prometheus::Histogram*, kKinds> end_to_end_{};
  prometheus::Histogram* batch_load_ = nullptr;
  prometheus::Counter* read_ = nullptr;
  prometheus::Counter* claimed_ = nullptr;
  prometheus::Counter* refetched_ = nullptr;
  std::array<prometheus::Counter*, kLanes> overflow_{};
  std::array<std::array<prometheus::Gauge*, 3>, kLanes> lane_depth_{};
  prometheus::Gauge* stream_length_ = nullptr;
  prometheus::Gauge* stream_lag_ = nullptr;
  prometheus::Gauge* stream_pending_ = nullptr;
  prometheus::Gauge* oldest_pending_age_ = nullptr;
  prometheus::Gauge* dead_length_ = nullptr;
  prometheus::Counter* trimmed_ = nullptr;
  struct EndpointSeries {
    std::array<prometheus::Counter*, 5>
        events{};  // opened, closed, connect_failed, goaway, retired
    prometheus::Gauge* streams = nullptr;
    ConnectionCounts last;
  };
  prometheus::Family<prometheus::Counter>* connection_events_family_ = nullptr;
  prometheus::Family<prometheus::Gauge>* streams_family_ = nullptr;
  absl::Mutex endpoints_mu_;
  absl::flat_hash_map<std::string, EndpointSeries> endpoints_ ABSL_GUARDED_BY(endpoints_mu_);
  prometheus::Gauge* apns_token_age_ = nullptr;
  prometheus::Gauge* fcm_token_expires_in_ = nullptr;
  prometheus::Counter* cron_ = nullptr;
  prometheus::Counter* outbox_ = nullptr;
  prometheus::Counter* redis_errors_ = nullptr;
  prometheus::Counter* db_errors_ = nullptr;
  prometheus::Counter* token_cache_hits_ = nullptr;
  prometheus::Counter* token_cache_misses_ = nullptr;
  prometheus::Counter* token_changes_ = nullptr;
  prometheus::Gauge* token_cache_entries_ = nullptr;
  prometheus::Gauge* token_cache_enabled_ = nullptr;
  prometheus::Gauge* token_cache_capacity_ = nullptr;
};

}  // namespace ntf::pusher
