#include "ntf/common/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ntf/common/testing/capture_log_sink.h"
#include "ntf/common/testing/fake_clock.h"

namespace ntf::common {
namespace {

using ::testing::ElementsAre;

TEST(LoggingTest, FormatsOneLinePerEvent) {
  const absl::Time t = absl::FromUnixMillis(1704067200250);  // 2024-01-01T00:00:00.250Z
  EXPECT_EQ(FormatLogLine(t, LogLevel::kInfo, "intake", "listening", {}),
            "2024-01-01T00:00:00.250Z INFO intake listening\n");
  const std::vector<LogField> fields = {{"port", 443},
                                        {"tls", true},
                                        {"ratio", 0.25},
                                        {"addr", "0.0.0.0:443"},
                                        {"wait", absl::Milliseconds(1500)},
                                        {"error", absl::UnavailableError("no route")},
                                        {"ok", absl::OkStatus()}};
  EXPECT_EQ(FormatLogLine(t, LogLevel::kWarn, "intake.session", "token registered", fields),
            "2024-01-01T00:00:00.250Z WARN intake.session \"token registered\" port=443 "
            "tls=true ratio=0.25 addr=0.0.0.0:443 wait=1.5s error=\"UNAVAILABLE: no route\" "
            "ok=OK\n");
}

TEST(LoggingTest, EscapesSoAnEventStaysOneLine) {
  const std::vector<LogField> fields = {{"v", "a\nb \"c\" d=e \\ \x01"}, {"empty", ""}};
  EXPECT_EQ(FormatLogLine(absl::UnixEpoch(), LogLevel::kError, "c", "x\ny", fields),
            "1970-01-01T00:00:00.000Z ERROR c \"x\\ny\" v=\"a\\nb \\\"c\\\" d=e \\\\ \\x01\" "
            "empty=\"\"\n");
}

TEST(LoggingTest, LoggerFiltersByLevelAndUsesClock) {
  testing::FakeClock clock(absl::FromUnixSeconds(1704067200));
  testing::CaptureLogSink sink;
  Logger log("pusher", LogLevel::kInfo, sink, clock);
  log.Debug("hidden");
  log.Info("started", {{"workers", 4}});
  clock.Advance(absl::Seconds(1));
  log.Child("apns").Error("connect failed", {{"attempt", 2}});
  EXPECT_FALSE(log.Enabled(LogLevel::kDebug));
  EXPECT_TRUE(log.Enabled(LogLevel::kWarn));
  EXPECT_THAT(sink.lines(),
              ElementsAre("2024-01-01T00:00:00.000Z INFO pusher started workers=4\n",
                          "2024-01-01T00:00:01.000Z ERROR pusher.apns \"connect failed\" "
                          "attempt=2\n"));
}

TEST(LoggingTest, ConcurrentLoggingKeepsLinesWhole) {
  testing::CaptureLogSink sink;
  Logger log("t", LogLevel::kDebug, sink);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 100; ++i) log.Debug("event", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 400u);
  for (const auto& line : lines) {
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_NE(line.find(" DEBUG t event thread="), std::string::npos) << line;
  }
}

TEST(LoggingTest, ParseLogLevel) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("Error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("loud").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "WARN");
}

}  // namespace
}  // namespace ntf::common
