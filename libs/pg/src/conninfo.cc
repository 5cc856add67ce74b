#include "ntf/pg/conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

// Whole seconds, rounded up; libpq's connect_timeout and our -c settings take integers.
int64_t CeilSeconds(absl::Duration d) {
  return absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
}
int64_t CeilMillis(absl::Duration d) {
  return absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
}

// A value inside libpq's "key='value'" syntax: backslash and single quote are escaped.
std::string QuoteConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// One word inside the server "options" string: whitespace and backslash are escaped.
std::string EscapeOptionWord(std::string_view word) {
  std::string out;
  for (char c : word) {
    if (c == ' ' || c == '\t' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool HasControlChars(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> BuildConninfo(std::string_view base, const ConnectOptions& options) {
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("connect_timeout must be positive (zero waits forever)");
  }
  if (options.statement_timeout < absl::ZeroDuration() ||
      options.tcp_user_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeouts must not be negative");
  }
  if (HasControlChars(options.application_name) || HasControlChars(options.search_path)) {
    return absl::InvalidArgumentError("application_name/search_path contain control characters");
  }

  char* error = nullptr;
  std::string base_str(base);
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(base_str.c_str(), &error), &PQconninfoFree);
  if (parsed == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    if (error != nullptr) PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return absl::InvalidArgumentError(absl::StrCat("invalid PostgreSQL conninfo: ", message));
  }

  // Ordered, so the output is deterministic (tests compare it).
  std::map<std::string, std::string> values;
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) values[o->keyword] = o->val;
  }

  values["connect_timeout"] =
      absl::StrCat(std::max<int64_t>(2, CeilSeconds(options.connect_timeout)));
  if (options.tcp_user_timeout > absl::ZeroDuration()) {
    values["tcp_user_timeout"] = absl::StrCat(CeilMillis(options.tcp_user_timeout));
  }
  if (!options.application_name.empty()) values["application_name"] = options.application_name;

  std::string server_options = values.count("options") ? values["options"] : "";
  auto add_setting = [&server_options](std::string_view name, std::string_view value) {
    if (!server_options.empty()) server_options.push_back(' ');
    absl::StrAppend(&server_options, "-c ",
                    EscapeOptionWord(absl::StrCat(std::string(name), "=", std::string(value))));
  };
  if (options.statement_timeout > absl::ZeroDuration()) {
    add_setting("statement_timeout", absl::StrCat(CeilMillis(options.statement_timeout)));
  }
  if (!options.search_path.empty()) add_setting("search_path", options.search_path);
  if (!server_options.empty()) values["options"] = server_options;

  std::string out;
  for (const auto& [key, value] : values) {
    if (!out.empty()) out.push_back(' ');
    absl::StrAppend(&out, key, "=", QuoteConninfoValue(value));
  }
  return out;
}

}  // namespace ntf::pg
