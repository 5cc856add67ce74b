#include "ntf/common/logging.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ntf::common {
namespace {

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendEscaped(std::string* out, std::string_view s) {
  if (!NeedsQuoting(s)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

class StderrSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // Nowhere left to report a failing stderr.
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
};

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", std::string(name), "\" (debug, info, warn, error)"));
}

LogField::LogField(std::string_view key, double value) : key_(key) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  value_ = ec == std::errc() ? std::string(buf, end) : "nan";
}

LogField::LogField(std::string_view key, const absl::Status& value)
    : key_(key), value_(value.ok() ? "OK" : value.ToString()) {}

LogField::LogField(std::string_view key, absl::Duration value)
    : key_(key), value_(absl::FormatDuration(value)) {}

LogSink& StderrLogSink() {
  static StderrSink* const kSink = new StderrSink();  // Never destroyed: usable at exit.
  return *kSink;
}

std::string FormatLogLine(absl::Time time, LogLevel level, std::string_view component,
                          std::string_view message, absl::Span<const LogField> fields) {
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  line.push_back(' ');
  line.append(LogLevelName(level));
  line.push_back(' ');
  AppendEscaped(&line, component);
  line.push_back(' ');
  AppendEscaped(&line, message);
  for (const LogField& f : fields) {
    line.push_back(' ');
    AppendEscaped(&line, f.key());
    line.push_back('=');
    AppendEscaped(&line, f.value());
  }
  line.push_back('\n');
  return line;
}

Logger::Logger(std::string component, LogLevel min_level, LogSink& sink, const Clock& clock)
    : component_(std::move(component)), min_level_(min_level), sink_(&sink), clock_(&clock) {}

Logger Logger::Child(std::string_view name) const {
  return Logger(absl::StrCat(component_, ".", std::string(name)), min_level_, *sink_, *clock_);
}

void Logger::Log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!Enabled(level)) return;
  sink_->Write(FormatLogLine(clock_->Now(), level, component_, message,
                             absl::Span<const LogField>(fields.begin(), fields.size())));
}

}  // namespace ntf::common
