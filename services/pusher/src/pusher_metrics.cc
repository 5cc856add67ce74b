#include "services/pusher/src/pusher_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "services/pusher/src/job_stream.h"

namespace ntf::pusher {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(PushResult::kCount)> kResultNames = {
    "delivered", "token_invalid", "dropped", "expired", "skipped", "retry", "dead_letter"};
constexpr std::array<std::string_view, static_cast<size_t>(DeadLetterReason::kCount)>
    kDeadLetterNames = {"attempts", "deliveries", "permanent", "undecodable", "provider_disabled"};
constexpr std::array<const char*, 4> kInvalidNames = {"BAD", "TOPIC", "EXPIRED", "UNREGISTERED"};
constexpr std::array<std::string_view, 3> kLaneStates = {"queued", "in_flight", "backing_off"};

constexpr size_t kUnknownProvider = 5;

std::string ProviderLabel(size_t p) {
  if (p == kUnknownProvider) return "unknown";
  return std::string(wire::PushProviderName(static_cast<wire::PushProvider>(p)));
}
std::string KindLabel(size_t k) { return std::string(PushKindName(static_cast<PushKind>(k))); }

}  // namespace

std::string_view LaneName(Lane lane) {
  switch (lane) {
    case Lane::kApns:
      return "apns";
    case Lane::kFcm:
      return "fcm";
    case Lane::kLocal:
      return "local";
    case Lane::kCount:
      break;
  }
  return "unknown";
}

PusherMetrics::PusherMetrics(prometheus::Registry& registry) {
  auto& pushes = prometheus::BuildCounter()
                     .Name("ntf_pusher_pushes_total")
                     .Help("Push attempts by provider, push kind and result")
                     .Register(registry);
  for (size_t p = 0; p <= kProviders; ++p) {
    for (size_t k = 0; k < kKinds; ++k) {
      for (size_t r = 0; r < kResults; ++r) {
        pushes_[p][k][r] = &pushes.Add({{"provider", ProviderLabel(p)},
                                        {"kind", KindLabel(k)},
                                        {"result", std::string(kResultNames[r])}});
      }
    }
  }
  auto& latency =
      prometheus::BuildHistogram()
          .Name("ntf_pusher_provider_request_duration_seconds")
          .Help("Time from sending a push to the provider's answer (or transport error)")
          .Register(registry);
  const prometheus::Histogram::BucketBoundaries latency_buckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  for (size_t p = 0; p < kProviders; ++p) {
    latency_[p] = &latency.Add({{"provider", ProviderLabel(p)}}, latency_buckets);
  }
  answers_family_ = &prometheus::BuildCounter()
                         .Name("ntf_pusher_provider_answers_total")
                         .Help(
                             "Provider answers by provider and reason (ok, APNs reason, FCM "
                             "error code, http_<status>, transport)")
                         .Register(registry);
  auto& retries = prometheus::BuildCounter()
                      .Name("ntf_pusher_retries_total")
                      .Help("Failed attempts that were scheduled for a retry, by provider")
                      .Register(registry);
  auto& refreshes = prometheus::BuildCounter()
                        .Name("ntf_pusher_auth_refreshes_total")
                        .Help("Provider credentials refreshed after a rejection, by provider")
                        .Register(registry);
  for (size_t p = 0; p <= kProviders; ++p) {
    retries_[p] = &retries.Add({{"provider", ProviderLabel(p)}});
    if (p < kProviders) auth_refreshes_[p] = &refreshes.Add({{"provider", ProviderLabel(p)}});
  }
  auto& dead = prometheus::BuildCounter()
                   .Name("ntf_pusher_dead_letters_total")
                   .Help("Jobs moved to the dead-letter stream, by reason")
                   .Register(registry);
  for (size_t r = 0; r < dead_.size(); ++r) {
    dead_[r] = &dead.Add({{"reason", std::string(kDeadLetterNames[r])}});
  }
  auto& tokens = prometheus::BuildCounter()
                     .Name("ntf_pusher_token_status_changes_total")
                     .Help("Token status changes decided by provider answers")
                     .Register(registry);
  for (size_t r = 0; r < invalidated_.size(); ++r) {
    invalidated_[r] = &tokens.Add({{"status", absl::StrCat("INVALID,", kInvalidNames[r])}});
  }
  confirmed_ = &tokens.Add({{"status", "CONFIRMED"}});
  auto& e2e = prometheus::BuildHistogram()
                  .Name("ntf_pusher_end_to_end_seconds")
                  .Help("Time from the job's first enqueue to the provider accepting the push")
                  .Register(registry);
  const prometheus::Histogram::BucketBoundaries e2e_buckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                               1,    2.5,   5,    10,  60,   600};
  for (size_t k = 0; k < kKinds; ++k) {
    end_to_end_[k] = &e2e.Add({{"kind", KindLabel(k)}}, e2e_buckets);
  }
  batch_load_ = &prometheus::BuildHistogram()
                     .Name("ntf_pusher_batch_load_seconds")
                     .Help(
                         "Time the stream reader waited for one batch's token and outbox rows "
                         "(token cache, then PostgreSQL for what it lacks)")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005,
                                                                      0.001, 0.0025, 0.005, 0.01,
                                                                      0.025, 0.05, 0.1, 0.25, 1});
  auto& jobs = prometheus::BuildCounter()
                   .Name("ntf_pusher_jobs_received_total")
                   .Help(
                       "Stream entries taken: read (new), claimed (idle, from a dead owner) or "
                       "refetched (refused earlier by a full lane of this replica)")
                   .Register(registry);
  read_ = &jobs.Add({{"how", "read"}});
  claimed_ = &jobs.Add({{"how", "claimed"}});
  refetched_ = &jobs.Add({{"how", "refetched"}});
  auto& overflow = prometheus::BuildCounter()
                       .Name("ntf_pusher_lane_overflow_total")
                       .Help("Jobs left pending in Redis because their lane was full")
                       .Register(registry);
  auto& depth = prometheus::BuildGauge()
                    .Name("ntf_pusher_lane_jobs")
                    .Help("Jobs held by a lane, by state")
                    .Register(registry);
  for (size_t l = 0; l < kLanes; ++l) {
    const std::string lane(LaneName(static_cast<Lane>(l)));
    overflow_[l] = &overflow.Add({{"lane", lane}});
    for (size_t s = 0; s < kLaneStates.size(); ++s) {
      lane_depth_[l][s] = &depth.Add({{"lane", lane}, {"state", std::string(kLaneStates[s])}});
    }
  }
  auto gauge = [&registry](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  };
  auto counter = [&registry](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
  };
  stream_length_ = gauge("ntf_pusher_stream_length", "Entries in the push stream (XLEN)");
  stream_lag_ = gauge("ntf_pusher_stream_lag", "Entries no consumer has read yet");
  stream_pending_ = gauge("ntf_pusher_stream_pending", "Entries read but not acknowledged");
  oldest_pending_age_ = gauge("ntf_pusher_stream_oldest_pending_age_seconds",
                              "Age of the oldest unacknowledged entry (0 when none)");
  dead_length_ = gauge("ntf_pusher_dead_stream_length", "Entries in the dead-letter stream");
  trimmed_ = counter("ntf_pusher_stream_trimmed_total", "Acknowledged entries trimmed away");
  connection_events_family_ =
      &prometheus::BuildCounter()
           .Name("ntf_pusher_provider_connection_events_total")
           .Help(
               "HTTP/2 connections to a provider endpoint: opened, closed, failed to connect, "
               "GOAWAY received, retired on the provider's word (APNs 503)")
           .Register(registry);
  streams_family_ = &prometheus::BuildGauge()
                         .Name("ntf_pusher_provider_streams_in_flight")
                         .Help("Open HTTP/2 streams to a provider endpoint")
                         .Register(registry);
  apns_token_age_ = gauge("ntf_pusher_apns_jwt_age_seconds", "Age of the APNs provider JWT");
  fcm_token_expires_in_ = gauge("ntf_pusher_fcm_token_expires_in_seconds",
                                "Seconds until the FCM access token expires");
  cron_ = counter("ntf_pusher_cron_jobs_total", "Periodic check-messages jobs enqueued");
  outbox_ = counter("ntf_pusher_outbox_requeued_total",
                    "Outbox notifications whose lost job was re-created");
  redis_errors_ = counter("ntf_pusher_redis_errors_total", "Failed Redis calls");
  db_errors_ = counter("ntf_pusher_db_errors_total", "Failed PostgreSQL transactions");
  auto& lookups = prometheus::BuildCounter()
                      .Name("ntf_pusher_token_cache_lookups_total")
                      .Help("Token rows a batch needed: found in the cache (hit) or loaded (miss)")
                      .Register(registry);
  token_cache_hits_ = &lookups.Add({{"result", "hit"}});
  token_cache_misses_ = &lookups.Add({{"result", "miss"}});
  token_changes_ = counter("ntf_pusher_token_changes_announced_total",
                           "Token row changes PostgreSQL announced (each drops a cached row)");
  token_cache_entries_ = gauge("ntf_pusher_token_cache_entries", "Token rows in the cache");
  token_cache_enabled_ =
      gauge("ntf_pusher_token_cache_enabled",
            "1 while the cache is in use (listening for token changes), 0 otherwise");
  token_cache_capacity_ = gauge("ntf_pusher_token_cache_capacity",
                                "Configured token_cache.size (0: the cache is configured off)");
}

void PusherMetrics::Push(std::optional<wire::PushProvider> provider, PushKind kind,
                         PushResult result) {
  const size_t p = provider ? static_cast<size_t>(*provider) : kUnknownProvider;
  pushes_[p][static_cast<size_t>(kind)][static_cast<size_t>(result)]->Increment();
  if (result == PushResult::kRetry) retries_[p]->Increment();
}

void PusherMetrics::ProviderExchange(wire::PushProvider provider, std::string_view reason,
                                     absl::Duration latency) {
  const size_t p = static_cast<size_t>(provider);
  latency_[p]->Observe(absl::ToDoubleSeconds(latency));
  prometheus::Counter* counter = nullptr;
  {
    absl::MutexLock lock(&answers_mu_);
    auto& by_reason = answers_[p];
    auto it = by_reason.find(absl::string_view(reason.data(), reason.size()));
    if (it == by_reason.end()) {
      counter = &answers_family_->Add({{"provider", std::string(wire::PushProviderName(provider))},
                                       {"reason", std::string(reason)}});
      by_reason.emplace(std::string(reason), counter);
    } else {
      counter = it->second;
    }
  }
  counter->Increment();
}

void PusherMetrics::DeadLetter(DeadLetterReason reason) {
  dead_[static_cast<size_t>(reason)]->Increment();
}
void PusherMetrics::AuthRefreshed(wire::PushProvider provider) {
  auth_refreshes_[static_cast<size_t>(provider)]->Increment();
}
void PusherMetrics::TokenInvalidated(wire::InvalidReason reason) {
  invalidated_[static_cast<size_t>(reason)]->Increment();
}
void PusherMetrics::TokenConfirmed() { confirmed_->Increment(); }
void PusherMetrics::EndToEnd(PushKind kind, absl::Duration latency) {
  end_to_end_[static_cast<size_t>(kind)]->Observe(absl::ToDoubleSeconds(latency));
}
void PusherMetrics::JobsRead(int64_t n) { read_->Increment(static_cast<double>(n)); }
void PusherMetrics::JobsClaimed(int64_t n) { claimed_->Increment(static_cast<double>(n)); }
void PusherMetrics::JobsRefetched(int64_t n) { refetched_->Increment(static_cast<double>(n)); }
void PusherMetrics::LaneOverflow(Lane lane) { overflow_[static_cast<size_t>(lane)]->Increment(); }
void PusherMetrics::LaneDepth(Lane lane, int64_t queued, int64_t in_flight, int64_t backing_off) {
  auto& g = lane_depth_[static_cast<size_t>(lane)];
  g[0]->Set(static_cast<double>(queued));
  g[1]->Set(static_cast<double>(in_flight));
  g[2]->Set(static_cast<double>(backing_off));
}

void PusherMetrics::StreamStats(const JobStreamStats& stats, absl::Time now) {
  stream_length_->Set(static_cast<double>(stats.length));
  stream_lag_->Set(static_cast<double>(stats.lag.value_or(0)));
  stream_pending_->Set(static_cast<double>(stats.pending));
  dead_length_->Set(static_cast<double>(stats.dead_length));
  double age = 0;
  if (stats.oldest_pending_id) {
    if (std::optional<absl::Time> t = StreamIdTime(*stats.oldest_pending_id)) {
      age = std::max(0.0, absl::ToDoubleSeconds(now - *t));
    }
  }
  oldest_pending_age_->Set(age);
}

void PusherMetrics::Trimmed(int64_t entries) { trimmed_->Increment(static_cast<double>(entries)); }
void PusherMetrics::ProviderConnections(std::string_view endpoint, const ConnectionCounts& now) {
  absl::MutexLock lock(&endpoints_mu_);
  auto [it, inserted] = endpoints_.try_emplace(std::string(endpoint));
  EndpointSeries& series = it->second;
  if (inserted) {
    constexpr std::array<const char*, 5> kEvents = {"opened", "closed", "connect_failed", "goaway",
                                                    "retired"};
    for (size_t i = 0; i < kEvents.size(); ++i) {
      series.events[i] =
          &connection_events_family_->Add({{"endpoint", it->first}, {"event", kEvents[i]}});
    }
    series.streams = &streams_family_->Add({{"endpoint", it->first}});
  }
  const std::array<std::pair<uint64_t, uint64_t>, 5> deltas = {{
      {now.opened, series.last.opened},
      {now.closed, series.last.closed},
      {now.connect_failures, series.last.connect_failures},
      {now.goaways, series.last.goaways},
      {now.retired, series.last.retired},
  }};
  for (size_t i = 0; i < deltas.size(); ++i) {
    if (deltas[i].first > deltas[i].second) {
      series.events[i]->Increment(static_cast<double>(deltas[i].first - deltas[i].second));
    }
  }
  series.streams->Set(static_cast<double>(now.streams_in_flight));
  series.last = now;
}

void PusherMetrics::ApnsTokenAge(double seconds) { apns_token_age_->Set(seconds); }
void PusherMetrics::FcmTokenExpiresIn(double seconds) { fcm_token_expires_in_->Set(seconds); }
void PusherMetrics::CronEnqueued(int64_t n) { cron_->Increment(static_cast<double>(n)); }
void PusherMetrics::OutboxRequeued(int64_t n) { outbox_->Increment(static_cast<double>(n)); }
void PusherMetrics::RedisError() { redis_errors_->Increment(); }
void PusherMetrics::DbError() { db_errors_->Increment(); }

void PusherMetrics::TokenCacheLookups(int64_t hits, int64_t misses) {
  if (hits > 0) token_cache_hits_->Increment(static_cast<double>(hits));
  if (misses > 0) token_cache_misses_->Increment(static_cast<double>(misses));
}

void PusherMetrics::BatchLoad(absl::Duration duration) {
  batch_load_->Observe(absl::ToDoubleSeconds(duration));
}

void PusherMetrics::TokenChangeAnnounced() { token_changes_->Increment(); }

void PusherMetrics::TokenCacheState(int64_t entries, int64_t capacity, bool enabled) {
  token_cache_entries_->Set(static_cast<double>(entries));
  token_cache_capacity_->Set(static_cast<double>(capacity));
  token_cache_enabled_->Set(enabled ? 1 : 0);
}

}  // namespace ntf::pusher
