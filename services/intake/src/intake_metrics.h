#pragma once

// Prometheus metrics of ntf-intake (ntf_intake_*). Built once from the registry; every counter a
// request path touches is created up front, so recording never looks up a label map.
// Thread-safe (prometheus-cpp metrics are atomic).

#include <array>
#include <chrono>
#include <string_view>

#include "ntf/wire/ntf_protocol.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace ntf::intake {

enum class HandshakeFailure {
  kTls,
  kTimeout,
  kBadClientHello,
  kWrongKeyHash,
  kVersion,
  kOverload,  // refused: listen.max_handshakes were in progress
  kCount
};

class IntakeMetrics {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);

  void ConnectionOpened();
  void ConnectionClosed();
  void HandshakeFailed(HandshakeFailure reason);
  // A command that was executed: result "ok" or the error code of an ERR answer.
  void CommandDone(wire::CommandTag tag, const wire::Response& response,
                   std::chrono::steady_clock::duration latency);
  // A transmission answered with an error before execution (ERR BLOCK, CMD ..., SESSION).
  void CommandRejected(const wire::ErrorType& error);
  void DbPoolWait(std::chrono::steady_clock::duration wait);
  void DbPoolRejected();
  void TokenCreated();
  void TokenVerified();
  void TokenDeleted();
  void SubscriptionCreated();
  void SubscriptionDeleted();

 private:
  static constexpr size_t kCommands = 10;
  // Results: ok, AUTH, CMD, QUOTA, STORE, INTERNAL, other.
  static constexpr size_t kResults = 7;
  static size_t ResultIndex(const wire::Response& response);

  prometheus::Counter* connections_ = nullptr;
  prometheus::Gauge* connections_active_ = nullptr;
  std::array<prometheus::Counter*, static_cast<size_t>(HandshakeFailure::kCount)> handshake_{};
  std::array<std::array<prometheus::Counter*, kResults>, kCommands> commands_{};
  std::array<prometheus::Histogram*, kCommands> latency_{};
  prometheus::Counter* rejected_block_ = nullptr;
  prometheus::Counter* rejected_cmd_ = nullptr;
  prometheus::Counter* rejected_other_ = nullptr;
  prometheus::Histogram* db_wait_ = nullptr;
  prometheus::Counter* db_rejected_ = nullptr;
  prometheus::Counter* tokens_created_ = nullptr;
  prometheus::Counter* tokens_verified_ = nullptr;
  prometheus::Counter* tokens_deleted_ = nullptr;
  prometheus::Counter* subs_created_ = nullptr;
  prometheus::Counter* subs_deleted_ = nullptr;
};

}  // namespace ntf::intake
