#pragma once

// The command line every service binary accepts, and the loading of its configuration, so that
// each main.cc only composes:
//
//   int main(int argc, char** argv) {
//     return common::ServiceMain("ntf-intake", argc, argv, intake::IntakeConfigSchema(),
//                                [](const intake::IntakeConfig& config) {
//                                  return intake::RunIntake(config, common::Logger("intake"));
//                                });
//   }
//
// Arguments: [--config FILE] [--print-example-config]
//   --config FILE           load FILE, then the NTF_<SERVICE>_* environment (without it: the
//                           defaults and the environment only)
//   --print-example-config  write the schema's RenderExample() to stdout and exit 0; arguments
//                           after it are not looked at
// Anything else, or --config without a value, writes
//   usage: <binary> [--config FILE] [--print-example-config]
// to stderr and exits 2. A configuration that does not load (missing file, unknown key, failed
// validation) writes "<binary>: bad configuration: <message>" to stderr and exits 2. Otherwise
// ServiceMain returns run(config), which keeps the loaded config alive while it runs.

#include <concepts>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/common/config.h"

namespace ntf::common {

// Exit code of a usage or configuration error.
inline constexpr int kExitBadUsage = 2;

struct ServiceFlags {
  std::string config_path;            // --config FILE; empty = defaults and environment only.
  bool print_example_config = false;  // --print-example-config was given.
};

// Parses the arguments after argv[0]. Pure. InvalidArgument naming the argument for an unknown
// one or a --config without a value. Parsing stops at --print-example-config.
absl::StatusOr<ServiceFlags> ParseServiceFlags(absl::Span<const std::string> args);

// "usage: <binary> [--config FILE] [--print-example-config]\n"
std::string ServiceUsage(std::string_view binary);

// The whole start-up described above, with its inputs and outputs passed in (for tests).
template <typename T, std::invocable<const T&> Run>
int ServiceMain(std::string_view binary, absl::Span<const std::string> args,
                const ConfigSchema<T>& schema, const Environment& env, std::ostream& out,
                std::ostream& err, Run&& run) {
  absl::StatusOr<ServiceFlags> flags = ParseServiceFlags(args);
  if (!flags.ok()) {
    err << ServiceUsage(binary);
    return kExitBadUsage;
  }
  if (flags->print_example_config) {
    out << schema.RenderExample();
    return 0;
  }
  absl::StatusOr<T> config = schema.Load(flags->config_path, env);
  if (!config.ok()) {
    err << binary << ": bad configuration: " << config.status().message() << "\n";
    return kExitBadUsage;
  }
  return std::invoke(std::forward<Run>(run), *config);
}

// Process-wide settings of a service binary, called by the ServiceMain for main(): Abseil's
// mutex deadlock detection off. Debian builds Abseil without NDEBUG, which leaves it on: every
// Mutex::Lock then updates a global lock graph under a global spinlock, a cost paid per push
// (it showed in the pusher's profile). The unit tests keep it.
void PrepareServiceProcess();

// The same for main(): the process environment, stdout and stderr.
template <typename T, std::invocable<const T&> Run>
int ServiceMain(std::string_view binary, int argc, const char* const* argv,
                const ConfigSchema<T>& schema, Run&& run) {
  PrepareServiceProcess();
  const std::vector<std::string> args(argv + 1, argv + argc);
  return ServiceMain(binary, args, schema, ProcessEnvironment(), std::cout, std::cerr,
                     std::forward<Run>(run));
}

}  // namespace ntf::common
