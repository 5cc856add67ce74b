// ntf-pusher: delivers push jobs to APNs and FCM. Usage: ntf-pusher [--config FILE]
#include "ntf/common/logging.h"
#include "ntf/common/service_main.h"
#include "services/pusher/src/pusher_app.h"
#include "services/pusher/src/pusher_config.h"

int main(int argc, char** argv) {
  return ntf::common::ServiceMain(
      "ntf-pusher", argc, argv, ntf::pusher::PusherConfigSchema(),
      [](const ntf::pusher::PusherConfig& config) {
        // Validation has accepted log.level.
        const ntf::common::LogLevel level = *ntf::common::ParseLogLevel(config.log_level);
        return ntf::pusher::RunPusher(config, ntf::common::Logger("pusher", level));
      });
}
