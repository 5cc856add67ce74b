#include <gtest/gtest.h>

#include "services/pusher/src/pusher_config.h"

namespace ntf::pusher {
namespace {

TEST(PusherConfigTest, DefaultsAreValid) {
  absl::StatusOr<PusherConfig> config = LoadPusherConfig("", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->push_stream, "ntf:push");
  EXPECT_EQ(config->consumer_group, "pushers");
  EXPECT_EQ(config->dead_stream, "ntf:push:dead");
  EXPECT_EQ(config->dead_max_len, 1000000);
}

TEST(PusherConfigTest, DeadMaxLenFromFileAndEnvironment) {
  absl::StatusOr<PusherConfig> config =
      PusherConfigSchema().LoadYaml("redis:\n  dead_max_len: 5000\n", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dead_max_len, 5000);
  config = PusherConfigSchema().LoadYaml("", {{"NTF_PUSHER_REDIS_DEAD_MAX_LEN", "0"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dead_max_len, 0);  // unbounded
  EXPECT_FALSE(PusherConfigSchema().LoadYaml("redis:\n  dead_max_len: -1\n", {}).ok());
  EXPECT_FALSE(PusherConfigSchema().LoadYaml("redis:\n  dead_max_len: lots\n", {}).ok());
  EXPECT_NE(PusherConfigSchema().RenderExample().find("dead_max_len: 1000000"), std::string::npos);
}

TEST(PusherConfigTest, ExampleRendersEveryKeyAndLoadsBack) {
  const std::string example = PusherConfigSchema().RenderExample();
  for (const char* key :
       {"push_stream", "claim_idle", "max_attempts", "key_file", "service_account_file",
        "lost_after", "drain_timeout", "NTF_PUSHER_APNS_KEY_FILE"}) {
    EXPECT_NE(example.find(key), std::string::npos) << key;
  }
  EXPECT_TRUE(PusherConfigSchema().LoadYaml(example, {}).ok());
}

TEST(PusherConfigTest, UnknownKeysAreRejected) {
  absl::StatusOr<PusherConfig> config = PusherConfigSchema().LoadYaml("apns:\n  kye_id: x\n", {});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("apns.kye_id"), std::string::npos);
  EXPECT_FALSE(PusherConfigSchema().LoadYaml("", {{"NTF_PUSHER_NOPE", "1"}}).ok());
}

TEST(PusherConfigTest, EnvironmentOverridesTheFile) {
  absl::StatusOr<PusherConfig> config = PusherConfigSchema().LoadYaml(
      "redis:\n  push_stream: a\nstream:\n  claim_idle: 30s\n",
      {{"NTF_PUSHER_REDIS_PUSH_STREAM", "b"}, {"NTF_PUSHER_RETRY_MAX_ATTEMPTS", "3"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->push_stream, "b");
  EXPECT_EQ(config->claim_idle, absl::Seconds(30));
  EXPECT_EQ(config->retry_max_attempts, 3);
}

TEST(PusherConfigTest, DatabaseSectionAndSecretKeyFile) {
  absl::StatusOr<PusherConfig> config = LoadPusherConfig("", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.pool_size, 4);
  EXPECT_EQ(config->secret_key_file, "/etc/simplex-ntf/server_secret.key");
  config = PusherConfigSchema().LoadYaml(
      "database:\n  url: postgresql://a@b/c\n  secret_key_file: /k\n",
      {{"NTF_PUSHER_DATABASE_POOL_SIZE", "6"}, {"NTF_PUSHER_DATABASE_SECRET_KEY_FILE", "/e"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.url, "postgresql://a@b/c");
  EXPECT_EQ(config->database.pool_size, 6);
  EXPECT_EQ(config->secret_key_file, "/e");
  EXPECT_EQ(PusherConfigSchema().LoadYaml("database:\n  queue: 0\n", {}).status().message(),
            "database.queue: must be 1..1000000");
  const std::string example = PusherConfigSchema().RenderExample();
  EXPECT_NE(example.find("  # env: NTF_PUSHER_DATABASE_SECRET_KEY_FILE\n  secret_key_file: "),
            std::string::npos);
}

TEST(PusherConfigTest, RejectsInconsistentSettings) {
  auto load = [](const std::string& yaml) { return PusherConfigSchema().LoadYaml(yaml, {}); };
  EXPECT_FALSE(load("apns:\n  key_file: /k.p8\n").ok());  // no key id / team id
  EXPECT_FALSE(load("apns:\n  token_refresh: 5m\n").ok());
  EXPECT_FALSE(load("apns:\n  production_url: http://x\n").ok());
  EXPECT_FALSE(load("stream:\n  claim_idle: 1s\n  read_block: 1s\n").ok());
  EXPECT_FALSE(load("redis:\n  dead_stream: ntf:push\n").ok());
  EXPECT_FALSE(load("retry:\n  max_attempts: 0\n").ok());
  EXPECT_FALSE(load("log:\n  level: loud\n").ok());
  EXPECT_TRUE(load("apns:\n  key_file: /k.p8\n  key_id: K\n  team_id: T\n").ok());
}

}  // namespace
}  // namespace ntf::pusher
