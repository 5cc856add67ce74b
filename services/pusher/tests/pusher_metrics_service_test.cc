#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/pusher_metrics.h"

namespace ntf::pusher {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(PusherMetricsTest, PushesAreCountedByProviderKindAndResult) {
  prometheus::Registry registry;
  PusherMetrics metrics(registry);
  metrics.Push(wire::PushProvider::kFcm, PushKind::kMessage, PushResult::kDelivered);
  metrics.Push(wire::PushProvider::kApnsProd, PushKind::kVerification, PushResult::kRetry);
  metrics.Push(std::nullopt, PushKind::kMessage, PushResult::kSkipped);
  const std::string text = Scrape(registry);
  EXPECT_NE(
      text.find(R"(ntf_pusher_pushes_total{kind="message",provider="fcm",result="delivered"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(ntf_pusher_retries_total{provider="apns_prod"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(provider="unknown",result="skipped"} 1)"), std::string::npos);
}

TEST(PusherMetricsTest, ProviderAnswersAndLatency) {
  prometheus::Registry registry;
  PusherMetrics metrics(registry);
  metrics.ProviderExchange(wire::PushProvider::kApnsProd, "BadDeviceToken", absl::Milliseconds(20));
  metrics.ProviderExchange(wire::PushProvider::kApnsProd, "BadDeviceToken", absl::Milliseconds(20));
  const std::string text = Scrape(registry);
  EXPECT_NE(
      text.find(
          R"(ntf_pusher_provider_answers_total{provider="apns_prod",reason="BadDeviceToken"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(ntf_pusher_provider_request_duration_seconds_count{provider="apns_prod"} 2)"),
      std::string::npos);
}

TEST(PusherMetricsTest, ProviderConnectionEventsAdvanceByTheChangeBetweenSnapshots) {
  prometheus::Registry registry;
  PusherMetrics metrics(registry);
  metrics.ProviderConnections("apns_production", {.opened = 2, .streams_in_flight = 40});
  metrics.ProviderConnections("apns_production", {.opened = 3,
                                                  .closed = 1,
                                                  .connect_failures = 4,
                                                  .goaways = 1,
                                                  .retired = 1,
                                                  .streams_in_flight = 7});
  metrics.ProviderConnections("fcm", {.opened = 1});
  const std::string text = Scrape(registry);
  for (
      const char* line : {
          R"(ntf_pusher_provider_connection_events_total{endpoint="apns_production",event="opened"} 3)",
          R"(ntf_pusher_provider_connection_events_total{endpoint="apns_production",event="closed"} 1)",
          R"(ntf_pusher_provider_connection_events_total{endpoint="apns_production",event="connect_failed"} 4)",
          R"(ntf_pusher_provider_connection_events_total{endpoint="apns_production",event="goaway"} 1)",
          R"(ntf_pusher_provider_connection_events_total{endpoint="apns_production",event="retired"} 1)",
          R"(ntf_pusher_provider_streams_in_flight{endpoint="apns_production"} 7)",
          R"(ntf_pusher_provider_connection_events_total{endpoint="fcm",event="opened"} 1)",
      }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(PusherMetricsTest, StreamGaugesAndTokenAges) {
  prometheus::Registry registry;
  PusherMetrics metrics(registry);
  JobStreamStats stats;
  stats.length = 10;
  stats.pending = 3;
  stats.lag = 7;
  stats.dead_length = 1;
  stats.oldest_pending_id = "1000-0";
  metrics.StreamStats(stats, absl::FromUnixSeconds(11));
  metrics.ApnsTokenAge(42);
  metrics.DeadLetter(DeadLetterReason::kAttempts);
  const std::string text = Scrape(registry);
  for (const char* line :
       {"ntf_pusher_stream_length 10", "ntf_pusher_stream_pending 3", "ntf_pusher_stream_lag 7",
        "ntf_pusher_stream_oldest_pending_age_seconds 10", "ntf_pusher_dead_stream_length 1",
        "ntf_pusher_apns_jwt_age_seconds 42",
        R"(ntf_pusher_dead_letters_total{reason="attempts"} 1)"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(PusherMetricsTest, BatchLoadsAreAHistogramOfSeconds) {
  prometheus::Registry registry;
  PusherMetrics metrics(registry);
  metrics.BatchLoad(absl::Microseconds(20));
  metrics.BatchLoad(absl::Microseconds(600));
  const std::string text = Scrape(registry);
  EXPECT_NE(text.find("ntf_pusher_batch_load_seconds_count 2"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(ntf_pusher_batch_load_seconds_bucket{le="0.0001"} 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(ntf_pusher_batch_load_seconds_bucket{le="0.001"} 2)"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace ntf::pusher
