#pragma once

// The composition root of ntf-intake: builds every component from the config, starts them,
// waits for SIGTERM/SIGINT and shuts down in order (readiness off, stop accepting, drain,
// teardown in reverse). main.cc only loads the config and calls RunIntake.

#include "ntf/common/logging.h"
#include "services/intake/src/intake_config.h"

namespace ntf::intake {

// Returns the process exit code: 0 after a clean shutdown, 1 when start-up fails (the reason is
// logged).
int RunIntake(const IntakeConfig& config, const common::Logger& log);

}  // namespace ntf::intake
