// ntf-intake: the NTF protocol server. Usage: ntf-intake [--config FILE]
#include <cstring>
#include <iostream>

#include "ntf/common/config.h"
#include "ntf/common/logging.h"
#include "services/intake/src/intake_app.h"
#include "services/intake/src/intake_config.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--print-example-config") == 0) {
      std::cout << ntf::intake::IntakeConfigSchema().RenderExample();
      return 0;
    } else {
      std::cerr << "usage: ntf-intake [--config FILE] [--print-example-config]\n";
      return 2;
    }
  }
  absl::StatusOr<ntf::intake::IntakeConfig> config =
      ntf::intake::LoadIntakeConfig(config_path, ntf::common::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "ntf-intake: bad configuration: " << config.status().message() << "\n";
    return 2;
  }
  return ntf::intake::RunIntake(*config, ntf::common::Logger("intake"));
}
