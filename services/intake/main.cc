// ntf-intake: the NTF protocol server. Usage: ntf-intake [--config FILE]
#include "ntf/common/logging.h"
#include "ntf/common/service_main.h"
#include "services/intake/src/intake_app.h"
#include "services/intake/src/intake_config.h"

int main(int argc, char** argv) {
  return ntf::common::ServiceMain("ntf-intake", argc, argv, ntf::intake::IntakeConfigSchema(),
                                  [](const ntf::intake::IntakeConfig& config) {
                                    return ntf::intake::RunIntake(config,
                                                                  ntf::common::Logger("intake"));
                                  });
}
