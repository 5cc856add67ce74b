#include "ntf/common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace ntf::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

enum class Provider { kApns, kFcm };

struct AdminSection {
  std::string host = "127.0.0.1";  // Admin listen address.
  uint16_t port = 9090;            // Admin port.

  absl::Status Validate() const {
    if (host.empty()) return absl::InvalidArgumentError("host must not be empty");
    if (port == 13) return absl::InvalidArgumentError("port: must not be 13");
    return absl::OkStatus();
  }
  bool operator==(const AdminSection&) const = default;
};

struct TestConfig {
  std::string database_url = "postgresql:///ntf";  // PostgreSQL URL.
  int listen_port = 443;                           // TLS port.
  bool tls = true;                                 // Serve TLS.
  double ratio = 0.5;                              // A fraction.
  absl::Duration timeout = absl::Seconds(30);      // A timeout.
  std::vector<std::string> peers = {"a", "b"};     // Peer addresses.
  Provider provider = Provider::kApns;             // Push provider.
  int8_t tiny = 7;                                 // A small integer.
  AdminSection admin;                              // Admin server.

  absl::Status Validate() const {
    if (listen_port <= 0) return absl::InvalidArgumentError("listen.port must be positive");
    return absl::OkStatus();
  }
  bool operator==(const TestConfig&) const = default;
};

ConfigSchema<AdminSection> AdminSchema() {
  return ConfigSchema<AdminSection>()
      .Field("host", &AdminSection::host, "Admin listen address.")
      .Field("port", &AdminSection::port, "Admin port.");
}

ConfigSchema<TestConfig> Schema() {
  return ConfigSchema<TestConfig>("test")
      .Field("database.url", &TestConfig::database_url, "PostgreSQL URL.")
      .Field("listen.port", &TestConfig::listen_port, "TLS port.")
      .Field("listen.tls", &TestConfig::tls, "Serve TLS.")
      .Field("ratio", &TestConfig::ratio, "A fraction.")
      .Field("timeout", &TestConfig::timeout, "A timeout.")
      .Field("peers", &TestConfig::peers, "Peer addresses.\nOne per line.")
      .EnumField("provider", &TestConfig::provider, "Push provider.",
                 {{"apns", Provider::kApns}, {"fcm", Provider::kFcm}})
      .Field("tiny", &TestConfig::tiny, "A small integer.")
      .Section("admin", &TestConfig::admin, AdminSchema());
}

absl::Status LoadError(std::string_view yaml, const Environment& env = {}) {
  return Schema().LoadYaml(yaml, env).status();
}

TEST(ConfigTest, EmptyDocumentGivesDefaults) {
  auto config = Schema().LoadYaml("", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*config, TestConfig{});
  config = Schema().LoadYaml("# only a comment\n", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*config, TestConfig{});
}

TEST(ConfigTest, ParsesEveryType) {
  auto config = Schema().LoadYaml(R"(
database:
  url: postgresql://db/ntf
listen:
  port: 8443
  tls: false
ratio: 0.25
timeout: 250ms
peers: [x, "y z"]
provider: fcm
tiny: -128
admin:
  host: 0.0.0.0
  port: 0
)",
                                  {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database_url, "postgresql://db/ntf");
  EXPECT_EQ(config->listen_port, 8443);
  EXPECT_FALSE(config->tls);
  EXPECT_DOUBLE_EQ(config->ratio, 0.25);
  EXPECT_EQ(config->timeout, absl::Milliseconds(250));
  EXPECT_EQ(config->peers, (std::vector<std::string>{"x", "y z"}));
  EXPECT_EQ(config->provider, Provider::kFcm);
  EXPECT_EQ(config->tiny, -128);
  EXPECT_EQ(config->admin.host, "0.0.0.0");
  EXPECT_EQ(config->admin.port, 0);
}

TEST(ConfigTest, PartialSectionKeepsOtherDefaults) {
  auto config = Schema().LoadYaml("listen:\n  port: 1\nadmin:\n", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_port, 1);
  EXPECT_TRUE(config->tls);
  EXPECT_EQ(config->admin, AdminSection{});
}

TEST(ConfigTest, DurationSpellings) {
  EXPECT_EQ(Schema().LoadYaml("timeout: 5m", {})->timeout, absl::Minutes(5));
  EXPECT_EQ(Schema().LoadYaml("timeout: 30s", {})->timeout, absl::Seconds(30));
  EXPECT_EQ(Schema().LoadYaml("timeout: 1h30m", {})->timeout, absl::Minutes(90));
  EXPECT_EQ(Schema().LoadYaml("timeout: 0", {})->timeout, absl::ZeroDuration());
  for (const char* bad : {"timeout: 30", "timeout: -1s", "timeout: inf", "timeout: soon"}) {
    absl::Status s = LoadError(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("config key \"timeout\": expected a duration")) << bad;
  }
}

TEST(ConfigTest, BoolSpellings) {
  EXPECT_FALSE(Schema().LoadYaml("listen: {tls: no}", {})->tls);
  EXPECT_TRUE(Schema().LoadYaml("listen: {tls: On}", {})->tls);
  EXPECT_THAT(LoadError("listen: {tls: maybe}").message(),
              HasSubstr("config key \"listen.tls\": expected a boolean"));
}

TEST(ConfigTest, UnknownKeyIsNamedWithFullPath) {
  absl::Status s = LoadError("listen:\n  prot: 443\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unknown config key \"listen.prot\""));
  EXPECT_THAT(s.message(), HasSubstr("<yaml>:2:"));
  EXPECT_THAT(LoadError("listn:\n  port: 1\n").message(),
              HasSubstr("unknown config key \"listn\""));
  EXPECT_THAT(LoadError("admin: {host: x, extra: {deep: 1}}").message(),
              HasSubstr("unknown config key \"admin.extra\""));
  EXPECT_THAT(LoadError("database.url: x").message(),
              HasSubstr("unknown config key \"database.url\""));
}

TEST(ConfigTest, DuplicateKeyIsAnError) {
  EXPECT_THAT(LoadError("ratio: 1\nratio: 2\n").message(),
              HasSubstr("duplicate config key \"ratio\""));
}

TEST(ConfigTest, TypeErrorsNameTheKey) {
  absl::Status s = LoadError("listen:\n  port: abc\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("config key \"listen.port\": expected an integer, got \"abc\""));
  EXPECT_THAT(LoadError("tiny: 200").message(),
              HasSubstr("config key \"tiny\": 200 is out of range [-128, 127]"));
  EXPECT_THAT(LoadError("admin: {port: 70000}").message(),
              HasSubstr("config key \"admin.port\": 70000 is out of range [0, 65535]"));
  EXPECT_THAT(LoadError("ratio: nan").message(), HasSubstr("config key \"ratio\""));
  EXPECT_THAT(LoadError("peers: x").message(),
              HasSubstr("config key \"peers\": expected a list of strings"));
  EXPECT_THAT(LoadError("peers: [[x]]").message(), HasSubstr("list items must be strings"));
  EXPECT_THAT(LoadError("listen: {port: [1]}").message(),
              HasSubstr("config key \"listen.port\": expected an integer, got a sequence"));
  EXPECT_THAT(LoadError("listen: 5").message(),
              HasSubstr("config key \"listen\" is a section: expected a mapping"));
  EXPECT_THAT(LoadError("ratio:").message(), HasSubstr("config key \"ratio\": has no value"));
  EXPECT_THAT(LoadError("provider: gcm").message(),
              HasSubstr("config key \"provider\": expected one of apns, fcm; got \"gcm\""));
}

TEST(ConfigTest, MalformedDocuments) {
  absl::Status s = LoadError("listen:\n  port: [1, 2\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("<yaml>:"));
  EXPECT_THAT(LoadError("- a\n- b\n").message(), HasSubstr("must be a YAML mapping"));
  EXPECT_THAT(LoadError("just text").message(), HasSubstr("must be a YAML mapping"));
  EXPECT_THAT(LoadError("ratio: 1\n---\nratio: 2\n").message(),
              HasSubstr("expected one YAML document"));
  EXPECT_THAT(LoadError("? [a]\n: 1\n").message(), HasSubstr("plain strings"));
  EXPECT_THAT(LoadError("base: &b {port: 1}\nlisten:\n  <<: *b\n").message(),
              HasSubstr("unknown config key \"base\""));
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  const Environment env = {
      {"NTF_TEST_DATABASE_URL", "postgresql://env/ntf"},
      {"NTF_TEST_LISTEN_PORT", "9443"},
      {"NTF_TEST_PEERS", " p1, p2 ,p3"},
      {"NTF_TEST_TIMEOUT", "2m"},
      {"NTF_TEST_ADMIN_PORT", "0"},
      {"NTF_TEST_PROVIDER", "fcm"},
      {"NTF_OTHER_SETTING", "ignored: another service's prefix"},
      {"NTF_TESTING", "ignored: not the NTF_TEST_ prefix"},
      {"PATH", "/usr/bin"},
  };
  auto config = Schema().LoadYaml("database: {url: file}\nlisten: {port: 1}\n", env);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database_url, "postgresql://env/ntf");
  EXPECT_EQ(config->listen_port, 9443);
  EXPECT_EQ(config->peers, (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(config->timeout, absl::Minutes(2));
  EXPECT_EQ(config->admin.port, 0);
  EXPECT_EQ(config->provider, Provider::kFcm);

  config = Schema().LoadYaml("", {{"NTF_TEST_PEERS", ""}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->peers.empty());
}

TEST(ConfigTest, EnvironmentErrorsNameVariableAndKey) {
  absl::Status s = LoadError("", {{"NTF_TEST_LISTEN_PORT", "http"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("NTF_TEST_LISTEN_PORT (config key \"listen.port\")"));
  s = LoadError("", {{"NTF_TEST_LISTEN_PROT", "1"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unknown environment variable NTF_TEST_LISTEN_PROT"));
}

TEST(ConfigTest, ProcessEnvironmentSeesSetenv) {
  ASSERT_EQ(setenv("NTF_CONFIG_TEST_PROBE", "42", 1), 0);
  Environment env = ProcessEnvironment();
  unsetenv("NTF_CONFIG_TEST_PROBE");
  ASSERT_TRUE(env.contains("NTF_CONFIG_TEST_PROBE"));
  EXPECT_EQ(env["NTF_CONFIG_TEST_PROBE"], "42");
}

TEST(ConfigTest, ValidationRunsAfterEnvironment) {
  absl::Status s = LoadError("listen: {port: 5}", {{"NTF_TEST_LISTEN_PORT", "0"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "listen.port must be positive");
  // A section's own Validate() comes along, prefixed with the section path.
  EXPECT_EQ(LoadError("admin: {host: ''}").message(), "admin: host must not be empty");
  // An error that starts with one of the section's keys is reported under the full key.
  EXPECT_EQ(LoadError("admin: {port: 13}").message(), "admin.port: must not be 13");
}

TEST(ConfigTest, OuterKeysInsideASection) {
  struct Outer {
    AdminSection admin;
    std::string token_file = "/t";
  };
  auto schema = ConfigSchema<Outer>("outer")
                    .Section("admin", &Outer::admin, AdminSchema())
                    .Field("admin.token_file", &Outer::token_file, "Token file.");
  auto config = schema.LoadYaml("admin:\n  port: 7\n  token_file: /x\n",
                                {{"NTF_OUTER_ADMIN_TOKEN_FILE", "/y"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->admin.port, 7);
  EXPECT_EQ(config->token_file, "/y");
  EXPECT_THAT(schema.RenderExample(), HasSubstr("admin:\n  # Admin listen address.\n"));
  EXPECT_THAT(schema.RenderExample(), HasSubstr("\n  token_file: \"/t\"\n"));
  EXPECT_THAT(schema.LoadYaml("admin: {token_fil: x}", {}).status().message(),
              HasSubstr("unknown config key \"admin.token_fil\""));
}

TEST(ConfigTest, ValidateRunsEveryStepOnABuiltStruct) {
  auto schema = Schema().Check([](const TestConfig& c) {
    if (c.ratio > 1) return absl::InvalidArgumentError("ratio must be at most 1");
    return absl::OkStatus();
  });
  TestConfig c;
  EXPECT_TRUE(schema.Validate(c).ok());
  c.listen_port = 0;
  EXPECT_EQ(schema.Validate(c).message(), "listen.port must be positive");
  c = TestConfig{};
  c.admin.port = 13;
  EXPECT_EQ(schema.Validate(c).message(), "admin.port: must not be 13");
  c = TestConfig{};
  c.ratio = 2;
  EXPECT_EQ(schema.Validate(c).message(), "ratio must be at most 1");
}

TEST(ConfigTest, CheckCallbacksRun) {
  auto schema = Schema().Check([](const TestConfig& c) {
    if (c.ratio > 1) return absl::InvalidArgumentError("ratio must be at most 1");
    return absl::OkStatus();
  });
  EXPECT_TRUE(schema.LoadYaml("ratio: 1", {}).ok());
  EXPECT_EQ(schema.LoadYaml("ratio: 1.5", {}).status().message(), "ratio must be at most 1");
}

TEST(ConfigTest, SchemaMistakesAreInternalErrors) {
  struct C {
    int a = 0;
    int b = 0;
  };
  EXPECT_EQ(ConfigSchema<C>("x").Field("Listen.Port", &C::a, "").LoadYaml("", {}).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ConfigSchema<C>("x").Field("a..b", &C::a, "").LoadYaml("", {}).status().code(),
            absl::StatusCode::kInternal);
  auto conflict = ConfigSchema<C>("x").Field("a", &C::a, "").Field("a.b", &C::b, "");
  EXPECT_THAT(conflict.LoadYaml("", {}).status().message(), HasSubstr("conflicts with"));
  auto same_env = ConfigSchema<C>("x").Field("a_b", &C::a, "").Field("a.b", &C::b, "");
  EXPECT_EQ(same_env.LoadYaml("", {}).status().code(), absl::StatusCode::kInternal);
}

TEST(ConfigTest, LoadFile) {
  const std::string path = ::testing::TempDir() + "/config_test.yaml";
  {
    std::ofstream out(path);
    out << "listen:\n  port: 7\n  prot: 8\n";
  }
  absl::Status s = Schema().LoadFile(path, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path + ":3: unknown config key \"listen.prot\""));
  {
    std::ofstream out(path);
    out << "listen:\n  port: 7\n";
  }
  auto config = Schema().LoadFile(path, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_port, 7);
  std::remove(path.c_str());
  EXPECT_EQ(Schema().LoadFile(path, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(ConfigTest, LoadWithoutPathGivesDefaultsAndEnvironment) {
  auto config = Schema().Load("", {{"NTF_TEST_LISTEN_PORT", "8443"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_port, 8443);
  EXPECT_EQ(config->database_url, "postgresql:///ntf");
  const std::string path = ::testing::TempDir() + "/config_test_load.yaml";
  {
    std::ofstream out(path);
    out << "listen:\n  port: 7\n";
  }
  config = Schema().Load(path, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_port, 7);
  std::remove(path.c_str());
  EXPECT_EQ(Schema().Load(path, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(ConfigTest, RenderExampleDocumentsDefaultsAndLoadsBack) {
  const std::string yaml = Schema().RenderExample();
  EXPECT_THAT(yaml, HasSubstr("# ntf-test configuration."));
  EXPECT_THAT(yaml, HasSubstr("database:\n  # PostgreSQL URL.\n  # env: NTF_TEST_DATABASE_URL\n"
                              "  url: \"postgresql:///ntf\"\n"));
  EXPECT_THAT(yaml, HasSubstr("# Peer addresses.\n# One per line.\n# env: NTF_TEST_PEERS\n"
                              "peers:\n  - \"a\"\n  - \"b\"\n"));
  EXPECT_THAT(yaml, HasSubstr("# One of: apns, fcm.\n# env: NTF_TEST_PROVIDER\nprovider: apns\n"));
  EXPECT_THAT(yaml, HasSubstr("timeout: 30s\n"));
  EXPECT_THAT(yaml, HasSubstr("admin:\n  # Admin listen address.\n  # env: NTF_TEST_ADMIN_HOST\n"));
  auto loaded = Schema().LoadYaml(yaml, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  EXPECT_EQ(*loaded, TestConfig{});
}

TEST(ConfigTest, RenderRoundTripsAwkwardValues) {
  TestConfig c;
  c.database_url = "quote \" backslash \\ newline \n tab \t bell \x07 é #not-a-comment: x";
  c.ratio = 0.1;
  c.timeout = absl::Minutes(90) + absl::Milliseconds(5);
  c.peers = {};
  c.tls = false;
  c.provider = Provider::kFcm;
  c.tiny = -5;
  c.admin.host = "";  // Render does not validate; loading it back does.
  c.admin.host = "::1";
  const std::string yaml = Schema().Render(c);
  EXPECT_THAT(yaml, Not(HasSubstr("# ntf-test configuration.")));
  EXPECT_THAT(yaml, HasSubstr("peers: []\n"));
  auto loaded = Schema().LoadYaml(yaml, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  EXPECT_EQ(*loaded, c) << yaml;
}

TEST(ConfigTest, SectionSchemaWithoutServiceIgnoresEnvironment) {
  auto admin = AdminSchema().LoadYaml("port: 1", {{"NTF__PORT", "2"}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->port, 1);
  EXPECT_THAT(AdminSchema().RenderExample(), Not(HasSubstr("env:")));
}

}  // namespace
}  // namespace ntf::common
