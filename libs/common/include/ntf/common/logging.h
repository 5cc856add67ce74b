#pragma once

// Structured logging: one line per event, written with a single write() so lines from
// different threads never interleave:
//
//   2024-01-01T12:00:00.250Z INFO intake.session "token registered" token_id=42 provider=apns
//
// Fields: UTC timestamp (ms), level, component, message, then key=value pairs. The message and
// values are double-quoted when they contain blanks, quotes, '=' or control characters;
// control characters are escaped, so an event is always exactly one line.
//
//   Logger log("intake", LogLevel::kInfo);
//   log.Info("listening", {{"port", 443}});
//   log.Warn("redis unavailable", {{"error", status}, {"retry_in", absl::Seconds(1)}});
//
// A Logger is an immutable value: copy it freely and pass it down through constructors;
// all methods are const and thread-safe (given a thread-safe sink). Logging blocks only for the
// sink's write.

#include <concepts>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/common/clock.h"

namespace ntf::common {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// "DEBUG", "INFO", "WARN", "ERROR".
std::string_view LogLevelName(LogLevel level);
// Accepts "debug", "info", "warn"/"warning", "error" in any case; InvalidArgument otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name);

// One key=value pair. The value is rendered when the field is built. `key` is not copied: pass
// a literal (keys are [a-z0-9_] by convention).
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), value_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  LogField(std::string_view key, bool value) : key_(key), value_(value ? "true" : "false") {}
  template <std::integral I>
  LogField(std::string_view key, I value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, double value);
  // An OK status renders as "OK"; otherwise "CODE: message".
  LogField(std::string_view key, const absl::Status& value);
  // Rendered like "1.5s", "250ms".
  LogField(std::string_view key, absl::Duration value);

  std::string_view key() const { return key_; }
  const std::string& value() const { return value_; }

 private:
  std::string_view key_;
  std::string value_;
};

// Where lines go. Write() receives one complete line ending in '\n' and may be called from
// several threads at once.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes to file descriptor 2 with one write(2) per line (retrying partial writes). The
// returned sink lives for the whole process.
LogSink& StderrLogSink();

// Renders one event as a line ending in '\n'. Pure; exposed for tests and other sinks.
std::string FormatLogLine(absl::Time time, LogLevel level, std::string_view component,
                          std::string_view message, absl::Span<const LogField> fields);

class Logger {
 public:
  // `sink` and `clock` must outlive the logger and its copies.
  explicit Logger(std::string component, LogLevel min_level = LogLevel::kInfo,
                  LogSink& sink = StderrLogSink(), const Clock& clock = RealClock());

  // A logger for a part of this component: "intake" + "session" → "intake.session".
  Logger Child(std::string_view name) const;

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  const std::string& component() const { return component_; }

  void Log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  void Debug(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kDebug, message, fields);
  }
  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kInfo, message, fields);
  }
  void Warn(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kWarn, message, fields);
  }
  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kError, message, fields);
  }

 private:
  std::string component_;
  LogLevel min_level_;
  LogSink* sink_;
  const Clock* clock_;
};

}  // namespace ntf::common
