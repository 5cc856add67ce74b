#include "ntf/redis/errors.h"

#include <gtest/gtest.h>

namespace ntf::redis {
namespace {

TEST(StatusFromRedisErrorTest, MapsByFirstWordAndKeepsTheMessage) {
  struct Case {
    const char* message;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {"NOGROUP No such key 's' or consumer group 'g'", absl::StatusCode::kNotFound},
      {"BUSYGROUP Consumer Group name already exists", absl::StatusCode::kAlreadyExists},
      {"WRONGTYPE Operation against a key holding the wrong kind of value",
       absl::StatusCode::kFailedPrecondition},
      {"NOAUTH Authentication required.", absl::StatusCode::kPermissionDenied},
      {"WRONGPASS invalid username-password pair", absl::StatusCode::kPermissionDenied},
      {"LOADING Redis is loading the dataset in memory", absl::StatusCode::kUnavailable},
      {"READONLY You can't write against a read only replica.", absl::StatusCode::kUnavailable},
      {"OOM command not allowed when used memory > 'maxmemory'.",
       absl::StatusCode::kResourceExhausted},
      {"EXECABORT Transaction discarded because of previous errors.", absl::StatusCode::kAborted},
      {"ERR Invalid stream ID specified as stream command argument",
       absl::StatusCode::kInvalidArgument},
      {"SOMETHINGNEW odd", absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    absl::Status status = StatusFromRedisError(c.message);
    EXPECT_EQ(status.code(), c.code) << c.message;
    EXPECT_EQ(status.message(), c.message);
  }
  EXPECT_EQ(StatusFromRedisError("NOGROUP x", "XREADGROUP").message(), "XREADGROUP: NOGROUP x");
}

}  // namespace
}  // namespace ntf::redis
