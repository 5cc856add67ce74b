#include "services/intake/src/intake_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ntf::intake {
namespace {

constexpr std::array<std::string_view, 7> kResultNames = {"ok",    "AUTH",     "CMD",  "QUOTA",
                                                          "STORE", "INTERNAL", "other"};
constexpr std::array<std::string_view, static_cast<size_t>(HandshakeFailure::kCount)>
    kHandshakeNames = {"tls",     "timeout", "bad_client_hello", "wrong_key_hash",
                       "version", "overload"};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry) {
  connections_ = &prometheus::BuildCounter()
                      .Name("ntf_intake_connections_total")
                      .Help("Client connections accepted")
                      .Register(registry)
                      .Add({});
  connections_active_ = &prometheus::BuildGauge()
                             .Name("ntf_intake_connections_active")
                             .Help("Client connections open now")
                             .Register(registry)
                             .Add({});
  auto& handshake = prometheus::BuildCounter()
                        .Name("ntf_intake_handshake_failures_total")
                        .Help("Connections dropped during the TLS or NTF handshake, by reason")
                        .Register(registry);
  for (size_t i = 0; i < handshake_.size(); ++i) {
    handshake_[i] = &handshake.Add({{"reason", std::string(kHandshakeNames[i])}});
  }
  auto& commands = prometheus::BuildCounter()
                       .Name("ntf_intake_commands_total")
                       .Help("Commands executed, by command and result (ok or ERR code)")
                       .Register(registry);
  auto& latency = prometheus::BuildHistogram()
                      .Name("ntf_intake_command_duration_seconds")
                      .Help("Time to execute a command, database work included")
                      .Register(registry);
  const prometheus::Histogram::BucketBoundaries buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025,  0.05,  0.1,    0.25,  1};
  for (size_t c = 0; c < kCommands; ++c) {
    const std::string name(wire::CommandTagName(static_cast<wire::CommandTag>(c)));
    for (size_t r = 0; r < kResults; ++r) {
      commands_[c][r] =
          &commands.Add({{"command", name}, {"result", std::string(kResultNames[r])}});
    }
    latency_[c] = &latency.Add({{"command", name}}, buckets);
  }
  auto& rejected = prometheus::BuildCounter()
                       .Name("ntf_intake_transmissions_rejected_total")
                       .Help("Transmissions answered with an error before execution, by error")
                       .Register(registry);
  rejected_block_ = &rejected.Add({{"error", "BLOCK"}});
  rejected_cmd_ = &rejected.Add({{"error", "CMD"}});
  rejected_other_ = &rejected.Add({{"error", "other"}});
  db_wait_ = &prometheus::BuildHistogram()
                  .Name("ntf_intake_db_pool_wait_seconds")
                  .Help("Time a block waited for a database pool thread")
                  .Register(registry)
                  .Add({}, buckets);
  db_rejected_ = &prometheus::BuildCounter()
                      .Name("ntf_intake_db_pool_rejected_total")
                      .Help("Blocks answered ERR INTERNAL because the database pool queue was full")
                      .Register(registry)
                      .Add({});
  auto& events = prometheus::BuildCounter()
                     .Name("ntf_intake_entity_events_total")
                     .Help("Token and subscription lifecycle events")
                     .Register(registry);
  tokens_created_ = &events.Add({{"event", "token_created"}});
  tokens_verified_ = &events.Add({{"event", "token_verified"}});
  tokens_deleted_ = &events.Add({{"event", "token_deleted"}});
  subs_created_ = &events.Add({{"event", "subscription_created"}});
  subs_deleted_ = &events.Add({{"event", "subscription_deleted"}});
}

size_t IntakeMetrics::ResultIndex(const wire::Response& response) {
  const auto* err = std::get_if<wire::ErrResponse>(&response);
  if (err == nullptr) return 0;
  switch (err->error.code) {
    case wire::ErrorCode::kAuth:
      return 1;
    case wire::ErrorCode::kCmd:
      return 2;
    case wire::ErrorCode::kQuota:
      return 3;
    case wire::ErrorCode::kStore:
      return 4;
    case wire::ErrorCode::kInternal:
      return 5;
    default:
      return 6;
  }
}

void IntakeMetrics::ConnectionOpened() {
  connections_->Increment();
  connections_active_->Increment();
}
void IntakeMetrics::ConnectionClosed() { connections_active_->Decrement(); }
void IntakeMetrics::HandshakeFailed(HandshakeFailure reason) {
  handshake_[static_cast<size_t>(reason)]->Increment();
}
void IntakeMetrics::CommandDone(wire::CommandTag tag, const wire::Response& response,
                                std::chrono::steady_clock::duration latency) {
  const auto c = static_cast<size_t>(tag);
  commands_[c][ResultIndex(response)]->Increment();
  latency_[c]->Observe(Seconds(latency));
}
void IntakeMetrics::CommandRejected(const wire::ErrorType& error) {
  if (error.code == wire::ErrorCode::kBlock) {
    rejected_block_->Increment();
  } else if (error.code == wire::ErrorCode::kCmd) {
    rejected_cmd_->Increment();
  } else {
    rejected_other_->Increment();
  }
}
void IntakeMetrics::DbPoolWait(std::chrono::steady_clock::duration wait) {
  db_wait_->Observe(Seconds(wait));
}
void IntakeMetrics::DbPoolRejected() { db_rejected_->Increment(); }
void IntakeMetrics::TokenCreated() { tokens_created_->Increment(); }
void IntakeMetrics::TokenVerified() { tokens_verified_->Increment(); }
void IntakeMetrics::TokenDeleted() { tokens_deleted_->Increment(); }
void IntakeMetrics::SubscriptionCreated() { subs_created_->Increment(); }
void IntakeMetrics::SubscriptionDeleted() { subs_deleted_->Increment(); }

}  // namespace ntf::intake
