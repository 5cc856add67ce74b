#pragma once

// The composition root of ntf-pusher: builds every component from the config, starts them and
// shuts them down in order. main.cc only loads the config and calls RunPusher; integration
// tests run PusherApp in-process (several at once, each with its own registry and consumer).
//
// Threads (README "Threads"): the dispatcher (stream reader), per lane a sender and a
// completer, one HTTP/2 I/O thread per provider endpoint, the keeper, the periodic tasks
// (stats, trim, cron, outbox), the PostgreSQL pool, the admin server.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/pusher_config.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace ntf::pusher {

class PusherApp {
 public:
  // Reads the key files, connects nothing yet except the database pool (which connects in the
  // background) and applies migrations when configured (blocking). Errors name the step.
  static absl::StatusOr<std::unique_ptr<PusherApp>> Create(const PusherConfig& config,
                                                           common::Logger log);
  ~PusherApp();  // Shutdown()
  PusherApp(const PusherApp&) = delete;
  PusherApp& operator=(const PusherApp&) = delete;

  // Creates the consumer group if needed, starts the HTTP/2 clients, lanes, dispatcher,
  // background tasks and the admin server.
  absl::Status Start();

  // SIGTERM: readiness off, stop reading, let the lanes finish what is in flight and acknowledge
  // it (up to shutdown.drain_timeout), give the rest up to other replicas, stop everything.
  // Idempotent.
  void Shutdown();

  uint16_t admin_port() const;
  const std::string& consumer() const;
  prometheus::Registry& registry();
  // Runs the periodic-push claim / outbox sweep now instead of at the next interval (tests).
  void WakeCronForTest();
  void WakeOutboxForTest();

 private:
  struct Parts;
  explicit PusherApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Runs the service until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean
// shutdown, 1 when start-up fails (the reason is logged).
int RunPusher(const PusherConfig& config, const common::Logger& log);

}  // namespace ntf::pusher
