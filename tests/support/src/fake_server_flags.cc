#include "ntf/testing/fake_server_flags.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ntf::testing {

absl::StatusOr<FakeServerFlags> ParseFakeServerFlags(absl::Span<const std::string> args,
                                                     absl::Span<const ExtraFlag> extra) {
  FakeServerFlags flags;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (i + 1 == args.size())
      return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
    const std::string& value = args[i + 1];
    if (flag == "--host") {
      flags.host = value;
    } else if (flag == "--port") {
      int port = 0;
      if (!absl::SimpleAtoi(value, &port) || port < 0 || port > 65535) {
        return absl::InvalidArgumentError(absl::StrCat("--port: not a port: ", value));
      }
      flags.port = static_cast<uint16_t>(port);
    } else if (flag == "--latency") {
      if (!absl::ParseDuration(value, &flags.latency)) {
        return absl::InvalidArgumentError(absl::StrCat("--latency: not a duration: ", value));
      }
    } else if (flag == "--inbox") {
      flags.inbox = value;
    } else if (flag == "--dir") {
      flags.dir = value;
    } else if (std::find_if(extra.begin(), extra.end(),
                            [&](const ExtraFlag& e) { return e.name == flag; }) != extra.end()) {
      flags.extra[flag] = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", flag));
    }
  }
  if (flags.dir.empty()) return absl::InvalidArgumentError("--dir is required");
  return flags;
}

std::string FakeServerUsage(std::string_view binary, absl::Span<const ExtraFlag> extra) {
  std::string usage = absl::StrCat("usage: ", std::string(binary),
                                   " [--host IP] [--port N] [--latency D] [--inbox DIR]");
  for (const ExtraFlag& e : extra) {
    absl::StrAppend(&usage, " [", std::string(e.name), " ", std::string(e.value), "]");
  }
  absl::StrAppend(&usage, " --dir DIR\n");
  return usage;
}

std::optional<FakeServerFlags> FakeServerFlagsOrUsage(std::string_view binary, int argc,
                                                      const char* const* argv,
                                                      absl::Span<const ExtraFlag> extra,
                                                      std::ostream& err) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<FakeServerFlags> flags = ParseFakeServerFlags(args, extra);
  if (!flags.ok()) {
    err << binary << ": " << flags.status().message() << "\n" << FakeServerUsage(binary, extra);
    return std::nullopt;
  }
  return *std::move(flags);
}

}  // namespace ntf::testing
