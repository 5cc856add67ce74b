#include "ntf/testing/fake_server_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ntf::testing {
namespace {

using ::testing::HasSubstr;

constexpr ExtraFlag kExtra[] = {{"--topic", "T"}, {"--lean", "1"}};

absl::StatusOr<FakeServerFlags> Parse(const std::vector<std::string>& args) {
  return ParseFakeServerFlags(args, kExtra);
}

TEST(FakeServerFlagsTest, SharedAndExtraFlags) {
  absl::StatusOr<FakeServerFlags> flags =
      Parse({"--host", "::1", "--port", "8443", "--latency", "5ms", "--inbox", "/in", "--dir", "/d",
             "--topic", "app.example"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->host, "::1");
  EXPECT_EQ(flags->port, 8443);
  EXPECT_EQ(flags->latency, absl::Milliseconds(5));
  EXPECT_EQ(flags->inbox, "/in");
  EXPECT_EQ(flags->dir, "/d");
  EXPECT_EQ(flags->Extra("--topic"), "app.example");
  EXPECT_EQ(flags->Extra("--lean"), "");
  EXPECT_EQ(flags->Extra("--lean", "0"), "0");
}

TEST(FakeServerFlagsTest, DefaultsWithOnlyDir) {
  absl::StatusOr<FakeServerFlags> flags =
      ParseFakeServerFlags(std::vector<std::string>{"--dir", "/d"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->host, "");
  EXPECT_EQ(flags->port, 0);
  EXPECT_EQ(flags->latency, absl::ZeroDuration());
  EXPECT_EQ(flags->inbox, "");
  EXPECT_TRUE(flags->extra.empty());
}

TEST(FakeServerFlagsTest, ErrorsNameTheFlag) {
  auto error = [](const std::vector<std::string>& args) {
    return std::string(Parse(args).status().message());
  };
  EXPECT_EQ(error({}), "--dir is required");
  EXPECT_EQ(error({"--dir", "/d", "--bogus", "x"}), "unknown flag --bogus");
  EXPECT_EQ(error({"--dir"}), "--dir needs a value");
  EXPECT_EQ(error({"--dir", "/d", "--port", "70000"}), "--port: not a port: 70000");
  EXPECT_EQ(error({"--dir", "/d", "--port", "abc"}), "--port: not a port: abc");
  EXPECT_EQ(error({"--dir", "/d", "--latency", "soon"}), "--latency: not a duration: soon");
  // An extra flag of another binary is unknown here.
  EXPECT_FALSE(ParseFakeServerFlags(std::vector<std::string>{"--dir", "/d", "--topic", "t"}).ok());
}

TEST(FakeServerFlagsTest, UsageListsTheExtraFlags) {
  EXPECT_EQ(FakeServerUsage("ntf-fake-fcm"),
            "usage: ntf-fake-fcm [--host IP] [--port N] [--latency D] [--inbox DIR] --dir DIR\n");
  EXPECT_EQ(FakeServerUsage("ntf-fake-apns", kExtra),
            "usage: ntf-fake-apns [--host IP] [--port N] [--latency D] [--inbox DIR] [--topic T] "
            "[--lean 1] --dir DIR\n");
}

TEST(FakeServerFlagsTest, OrUsageWritesTheErrorAndTheUsage) {
  const char* const good[] = {"ntf-fake-apns", "--dir", "/d", "--lean", "1"};
  std::ostringstream err;
  std::optional<FakeServerFlags> flags =
      FakeServerFlagsOrUsage("ntf-fake-apns", 5, good, kExtra, err);
  ASSERT_TRUE(flags.has_value());
  EXPECT_EQ(flags->Extra("--lean"), "1");
  EXPECT_EQ(err.str(), "");

  const char* const bad[] = {"ntf-fake-apns", "--port"};
  flags = FakeServerFlagsOrUsage("ntf-fake-apns", 2, bad, kExtra, err);
  EXPECT_FALSE(flags.has_value());
  EXPECT_THAT(err.str(), HasSubstr("ntf-fake-apns: --port needs a value\nusage: ntf-fake-apns "));
}

}  // namespace
}  // namespace ntf::testing
