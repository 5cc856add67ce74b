#pragma once

// The command line of the fake providers as processes (ntf-fake-apns, ntf-fake-fcm): "--flag
// value" pairs, the same for both,
//   [--host IP] [--port N] [--latency D] [--inbox DIR] --dir DIR
// plus the flags a binary adds (ntf-fake-apns: --topic, --dump, --lean), whose values are kept
// by name. Pure apart from FakeServerFlagsOrUsage writing to `err`.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace ntf::testing {

// A flag of one binary only: {"--topic", "T"} is "--topic T" in the usage line.
struct ExtraFlag {
  std::string_view name;
  std::string_view value;
};

struct FakeServerFlags {
  std::string host;                               // --host IP; "" = the fake's default
  uint16_t port = 0;                              // --port N; 0 = any free port
  absl::Duration latency = absl::ZeroDuration();  // --latency D (5ms): delay of every answer
  std::string inbox;                              // --inbox DIR: bodies answered 200; "" = off
  std::string dir;                                // --dir DIR (required): files for the pusher
  std::map<std::string, std::string, std::less<>> extra;  // the ExtraFlag values given, by name

  // The value of the extra flag `name`, or `otherwise` when it was not given.
  std::string Extra(std::string_view name, std::string otherwise = "") const {
    auto it = extra.find(name);
    return it == extra.end() ? otherwise : it->second;
  }
};

// Parses the arguments after argv[0]. InvalidArgument naming the flag for an unknown flag, a
// flag without a value, a port that is not 0..65535, a latency that is not a duration, or a
// missing --dir. A flag given twice keeps its last value.
absl::StatusOr<FakeServerFlags> ParseFakeServerFlags(absl::Span<const std::string> args,
                                                     absl::Span<const ExtraFlag> extra = {});

// "usage: <binary> [--host IP] [--port N] [--latency D] [--inbox DIR] [--topic T] ... --dir DIR\n"
std::string FakeServerUsage(std::string_view binary, absl::Span<const ExtraFlag> extra = {});

// For main(): the flags of argv, or nullopt after writing "<binary>: <error>" and the usage line
// to `err` (main then exits 2).
std::optional<FakeServerFlags> FakeServerFlagsOrUsage(std::string_view binary, int argc,
                                                      const char* const* argv,
                                                      absl::Span<const ExtraFlag> extra,
                                                      std::ostream& err);

}  // namespace ntf::testing
