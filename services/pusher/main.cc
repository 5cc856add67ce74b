// ntf-pusher: delivers push jobs to APNs and FCM. Usage: ntf-pusher [--config FILE]
#include <cstring>
#include <iostream>

#include "ntf/common/config.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/pusher_app.h"
#include "services/pusher/src/pusher_config.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--print-example-config") == 0) {
      std::cout << ntf::pusher::PusherConfigSchema().RenderExample();
      return 0;
    } else {
      std::cerr << "usage: ntf-pusher [--config FILE] [--print-example-config]\n";
      return 2;
    }
  }
  absl::StatusOr<ntf::pusher::PusherConfig> config =
      ntf::pusher::LoadPusherConfig(config_path, ntf::common::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "ntf-pusher: bad configuration: " << config.status().message() << "\n";
    return 2;
  }
  const ntf::common::LogLevel level = *ntf::common::ParseLogLevel(config->log_level);
  return ntf::pusher::RunPusher(*config, ntf::common::Logger("pusher", level));
}
