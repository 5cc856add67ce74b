#include "services/intake/src/intake_config.h"

#include <gtest/gtest.h>

namespace ntf::intake {
namespace {

TEST(IntakeConfig, DefaultsAreValid) {
  auto c = IntakeConfigSchema().LoadYaml("", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen_port, 443);
  EXPECT_EQ(c->push_stream, "ntf:push");
}

TEST(IntakeConfig, FileThenEnvironment) {
  auto c = IntakeConfigSchema().LoadYaml(
      "listen:\n  port: 5443\ndatabase:\n  url: postgresql://a@b/c\n  pool_size: 3\n",
      {{"NTF_INTAKE_DATABASE_POOL_SIZE", "5"}, {"NTF_INTAKE_LISTEN_IDLE_TIMEOUT", "90s"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen_port, 5443);
  EXPECT_EQ(c->database.url, "postgresql://a@b/c");
  EXPECT_EQ(c->database.pool_size, 5);
  EXPECT_EQ(c->idle_timeout, absl::Seconds(90));
}

TEST(IntakeConfig, UnknownKeyStopsStartUpWithItsName) {
  auto c = IntakeConfigSchema().LoadYaml("listen:\n  prot: 1\n", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("listen.prot"), std::string_view::npos) << c.status();
}

TEST(IntakeConfig, ValidationNamesTheKey) {
  auto c = IntakeConfigSchema().LoadYaml("redis:\n  url: http://x\n", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("redis.url"), std::string_view::npos) << c.status();
  c = IntakeConfigSchema().LoadYaml("listen:\n  port: 70000\n", {});
  EXPECT_FALSE(c.ok());
  c = IntakeConfigSchema().LoadYaml("database:\n  pool_size: banana\n", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("database.pool_size"), std::string_view::npos);
  c = IntakeConfigSchema().LoadYaml("", {{"NTF_INTAKE_LISTEN_MAX_HANDSHAKES", "0"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("listen.max_handshakes"), std::string_view::npos);
  c = IntakeConfigSchema().LoadYaml("listen:\n  max_handshakes: 50\n", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->max_handshakes, 50);
}

TEST(IntakeConfig, DatabaseSection) {
  auto c = IntakeConfigSchema().LoadYaml("", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->database.pool_size, 8);  // intake's own default; the section's is 4
  EXPECT_EQ(c->database.url, "postgresql://ntf@127.0.0.1/ntf");
  EXPECT_TRUE(c->database.migrate);
  c = IntakeConfigSchema().LoadYaml("database:\n  queue: 10\n  statement_timeout: 3s\n",
                                    {{"NTF_INTAKE_DATABASE_MIGRATE", "false"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->database.queue, 10);
  EXPECT_EQ(c->database.statement_timeout, absl::Seconds(3));
  EXPECT_FALSE(c->database.migrate);
  EXPECT_EQ(IntakeConfigSchema().LoadYaml("database:\n  pool_size: 0\n", {}).status().message(),
            "database.pool_size: must be 1..256");
  EXPECT_EQ(IntakeConfigSchema().LoadYaml("", {{"NTF_INTAKE_DATABASE_URL", ""}}).status().message(),
            "database.url: required");
  EXPECT_NE(IntakeConfigSchema().RenderExample().find("  pool_size: 8\n"), std::string::npos);
}

TEST(IntakeConfig, RenderedConfigLoadsBack) {
  IntakeConfig c;
  c.listen_port = 1234;
  c.subscriber_address = "127.0.0.1:7000";
  auto back = IntakeConfigSchema().LoadYaml(IntakeConfigSchema().Render(c), {});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->listen_port, 1234);
  EXPECT_EQ(back->subscriber_address, "127.0.0.1:7000");
}

}  // namespace
}  // namespace ntf::intake
