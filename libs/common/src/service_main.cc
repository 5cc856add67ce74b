#include "ntf/common/service_main.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ntf::common {

absl::StatusOr<ServiceFlags> ParseServiceFlags(absl::Span<const std::string> args) {
  ServiceFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 == args.size()) return absl::InvalidArgumentError("--config needs a value");
      flags.config_path = args[++i];
    } else if (args[i] == "--print-example-config") {
      flags.print_example_config = true;
      return flags;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument ", args[i]));
    }
  }
  return flags;
}

std::string ServiceUsage(std::string_view binary) {
  return absl::StrCat("usage: ", std::string(binary),
                      " [--config FILE] [--print-example-config]\n");
}

void PrepareServiceProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace ntf::common
