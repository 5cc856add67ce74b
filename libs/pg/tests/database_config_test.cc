#include "ntf/pg/database_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ntf::pg {
namespace {

using ::testing::HasSubstr;

// A service config with the section, a default of its own and a key of its own inside it.
struct ServiceConfig {
  DatabaseConfig database = {.pool_size = 8};
  std::string secret_key_file = "/etc/secret.key";
};

common::ConfigSchema<ServiceConfig> Schema() {
  return common::ConfigSchema<ServiceConfig>("svc")
      .Section("database", &ServiceConfig::database, DatabaseConfigSchema())
      .Field("database.secret_key_file", &ServiceConfig::secret_key_file, "secret key");
}

TEST(DatabaseConfigTest, DefaultsAreValid) {
  const DatabaseConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.url, "postgresql://ntf@127.0.0.1/ntf");
  EXPECT_EQ(c.pool_size, 4);
  EXPECT_EQ(c.queue, 1024);
  EXPECT_TRUE(c.migrate);
  EXPECT_EQ(c.statement_timeout, absl::Seconds(10));
}

TEST(DatabaseConfigTest, SectionKeysFileAndEnvironment) {
  absl::StatusOr<ServiceConfig> c = Schema().LoadYaml(
      "database:\n  url: postgresql://a@b/c\n  pool_size: 3\n  queue: 10\n  migrate: false\n"
      "  statement_timeout: 2s\n  secret_key_file: /k\n",
      {{"NTF_SVC_DATABASE_POOL_SIZE", "5"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->database.url, "postgresql://a@b/c");
  EXPECT_EQ(c->database.pool_size, 5);
  EXPECT_EQ(c->database.queue, 10);
  EXPECT_FALSE(c->database.migrate);
  EXPECT_EQ(c->database.statement_timeout, absl::Seconds(2));
  EXPECT_EQ(c->secret_key_file, "/k");

  c = Schema().LoadYaml("", {{"NTF_SVC_DATABASE_URL", "host=db"},
                             {"NTF_SVC_DATABASE_QUEUE", "7"},
                             {"NTF_SVC_DATABASE_MIGRATE", "false"},
                             {"NTF_SVC_DATABASE_STATEMENT_TIMEOUT", "1m"},
                             {"NTF_SVC_DATABASE_SECRET_KEY_FILE", "/e"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->database.url, "host=db");
  EXPECT_EQ(c->database.pool_size, 8);  // The service's default.
  EXPECT_EQ(c->database.queue, 7);
  EXPECT_FALSE(c->database.migrate);
  EXPECT_EQ(c->database.statement_timeout, absl::Minutes(1));
  EXPECT_EQ(c->secret_key_file, "/e");
}

TEST(DatabaseConfigTest, ErrorsNameTheFullKey) {
  auto message = [](const std::string& yaml) {
    return std::string(Schema().LoadYaml(yaml, {}).status().message());
  };
  EXPECT_EQ(message("database: {pool_size: 0}"), "database.pool_size: must be 1..256");
  EXPECT_EQ(message("database: {pool_size: 257}"), "database.pool_size: must be 1..256");
  EXPECT_EQ(message("database: {queue: 0}"), "database.queue: must be 1..1000000");
  EXPECT_EQ(message("database: {url: ''}"), "database.url: required");
  EXPECT_THAT(message("database: {pool_size: banana}"), HasSubstr("database.pool_size"));
  EXPECT_THAT(message("database: {pool: 1}"), HasSubstr("unknown config key \"database.pool\""));
  EXPECT_TRUE(Schema().LoadYaml("database: {pool_size: 256, queue: 1000000}", {}).ok());
}

TEST(DatabaseConfigTest, ExampleListsTheKeysWithTheServiceDefaults) {
  const std::string example = Schema().RenderExample();
  EXPECT_THAT(example, HasSubstr("database:\n  # PostgreSQL URL\n  # env: NTF_SVC_DATABASE_URL\n"
                                 "  url: \"postgresql://ntf@127.0.0.1/ntf\"\n"));
  EXPECT_THAT(example, HasSubstr("  pool_size: 8\n"));
  EXPECT_THAT(example, HasSubstr("# env: NTF_SVC_DATABASE_STATEMENT_TIMEOUT\n"));
  EXPECT_THAT(example, HasSubstr("# env: NTF_SVC_DATABASE_SECRET_KEY_FILE\n"));
  EXPECT_TRUE(Schema().LoadYaml(example, {}).ok());
}

TEST(DatabaseConfigTest, ToPoolOptions) {
  DatabaseConfig c;
  c.url = "postgresql://a@b/c";
  c.pool_size = 3;
  c.queue = 99;
  c.statement_timeout = absl::Seconds(4);
  const PoolOptions options = c.ToPoolOptions("ntf-test");
  EXPECT_EQ(options.conninfo, "postgresql://a@b/c");
  EXPECT_EQ(options.connections, 3);
  EXPECT_EQ(options.max_queue, 99u);
  EXPECT_EQ(options.connect.statement_timeout, absl::Seconds(4));
  EXPECT_EQ(options.connect.application_name, "ntf-test");
  EXPECT_EQ(options.connect.connect_timeout, ConnectOptions{}.connect_timeout);
  EXPECT_FALSE(options.on_queue_wait);
}

}  // namespace
}  // namespace ntf::pg
