#include "ntf/redis/url.h"

#include <gtest/gtest.h>

namespace ntf::redis {
namespace {

TEST(ParseRedisUrlTest, FullAndMinimalForms) {
  absl::StatusOr<RedisAddress> a = ParseRedisUrl("redis://127.0.0.1:56379/0");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 56379);
  EXPECT_EQ(a->db, 0);
  EXPECT_TRUE(a->password.empty());

  absl::StatusOr<RedisAddress> b = ParseRedisUrl("redis://redis.local");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "redis.local");
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->db, 0);

  absl::StatusOr<RedisAddress> c = ParseRedisUrl("redis://:p%40ss@h:7000/3");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->password, "p@ss");
  EXPECT_TRUE(c->username.empty());
  EXPECT_EQ(c->db, 3);

  absl::StatusOr<RedisAddress> d = ParseRedisUrl("redis://ntf:secret@[::1]:6380/");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->username, "ntf");
  EXPECT_EQ(d->password, "secret");
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 6380);
}

TEST(ParseRedisUrlTest, RejectsWhatWeCannotHonour) {
  for (const char* bad :
       {"rediss://h:6379", "http://h", "redis://", "redis://h:0", "redis://h:99999", "redis://h:/0",
        "redis://h/x", "redis://h:6379/0?timeout=1", "redis://:%4@h", "redis://[::1"}) {
    EXPECT_EQ(ParseRedisUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace ntf::redis
