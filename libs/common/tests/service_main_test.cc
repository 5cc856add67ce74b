#include "ntf/common/service_main.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ntf::common {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct DemoConfig {
  int port = 443;  // Listen port.

  absl::Status Validate() const {
    if (port <= 0) return absl::InvalidArgumentError("port: must be positive");
    return absl::OkStatus();
  }
};

ConfigSchema<DemoConfig> DemoSchema() {
  return ConfigSchema<DemoConfig>("demo").Field("port", &DemoConfig::port, "Listen port.");
}

constexpr char kUsage[] = "usage: ntf-demo [--config FILE] [--print-example-config]\n";

// Runs ServiceMain with `args`; the run callback records the config and returns 7.
struct MainResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::vector<DemoConfig> runs;
};
MainResult RunMain(const std::vector<std::string>& args, const Environment& env = {}) {
  MainResult r;
  std::ostringstream out, err;
  r.exit_code =
      ServiceMain("ntf-demo", args, DemoSchema(), env, out, err, [&r](const DemoConfig& config) {
        r.runs.push_back(config);
        return 7;
      });
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(ServiceFlagsTest, ParsesConfigAndPrintExample) {
  absl::StatusOr<ServiceFlags> flags = ParseServiceFlags({});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->config_path, "");
  EXPECT_FALSE(flags->print_example_config);

  flags = ParseServiceFlags(std::vector<std::string>{"--config", "/etc/ntf/demo.yaml"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->config_path, "/etc/ntf/demo.yaml");

  flags = ParseServiceFlags(std::vector<std::string>{"--print-example-config"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->print_example_config);
}

TEST(ServiceFlagsTest, RejectsUnknownArgumentsAndMissingValues) {
  absl::StatusOr<ServiceFlags> flags = ParseServiceFlags(std::vector<std::string>{"--verbose"});
  EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(flags.status().message(), HasSubstr("--verbose"));
  flags = ParseServiceFlags(std::vector<std::string>{"demo.yaml"});
  EXPECT_FALSE(flags.ok());
  flags = ParseServiceFlags(std::vector<std::string>{"--config"});
  EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(flags.status().message(), HasSubstr("--config"));
  flags = ParseServiceFlags(std::vector<std::string>{"--config=demo.yaml"});
  EXPECT_FALSE(flags.ok());
}

TEST(ServiceFlagsTest, ArgumentsAfterPrintExampleAreNotLookedAt) {
  absl::StatusOr<ServiceFlags> flags =
      ParseServiceFlags(std::vector<std::string>{"--print-example-config", "--bogus"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->print_example_config);
  EXPECT_FALSE(
      ParseServiceFlags(std::vector<std::string>{"--bogus", "--print-example-config"}).ok());
}

TEST(ServiceMainTest, PrintExampleConfigExitsZeroWithoutRunning) {
  MainResult r = RunMain({"--print-example-config"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, DemoSchema().RenderExample());
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.runs.empty());
}

TEST(ServiceMainTest, UsageErrorsExitTwoWithTheUsageLine) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, std::vector<std::string>{"--config"},
        std::vector<std::string>{"--config", "a.yaml", "extra"}}) {
    MainResult r = RunMain(args);
    EXPECT_EQ(r.exit_code, 2) << args.back();
    EXPECT_EQ(r.err, kUsage) << args.back();
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.runs.empty());
  }
}

TEST(ServiceMainTest, WithoutConfigRunsWithDefaultsAndEnvironment) {
  MainResult r = RunMain({});
  EXPECT_EQ(r.exit_code, 7);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].port, 443);

  r = RunMain({}, {{"NTF_DEMO_PORT", "8443"}});
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].port, 8443);
}

TEST(ServiceMainTest, ConfigFileIsLoadedThenTheEnvironment) {
  const std::string path = ::testing::TempDir() + "/service_main_test.yaml";
  {
    std::ofstream out(path);
    out << "port: 5443\n";
  }
  MainResult r = RunMain({"--config", path});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].port, 5443);

  r = RunMain({"--config", path}, {{"NTF_DEMO_PORT", "9443"}});
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].port, 9443);
  std::remove(path.c_str());
}

TEST(ServiceMainTest, BadConfigurationExitsTwoWithTheMessage) {
  MainResult r = RunMain({}, {{"NTF_DEMO_PORT", "0"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ntf-demo: bad configuration: port: must be positive\n");
  EXPECT_TRUE(r.runs.empty());

  const std::string missing = ::testing::TempDir() + "/service_main_test_missing.yaml";
  r = RunMain({"--config", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("ntf-demo: bad configuration: cannot read config file "));
  EXPECT_THAT(r.err, HasSubstr(missing));

  r = RunMain({}, {{"NTF_DEMO_PROT", "1"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("NTF_DEMO_PROT"));
}

}  // namespace
}  // namespace ntf::common
