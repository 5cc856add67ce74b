#include "ntf/redis/testing/test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ntf::redis::testing {

absl::StatusOr<std::string> RedisUrlFromEnv() {
  const char* url = std::getenv(kRedisUrlEnv);
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        kRedisUrlEnv,
        " is not set. This integration test needs the local Redis: run "
        "`scripts/local-stack.sh start` and `set -a; source .run/stack.env; set +a` (make test "
        "does both)."));
  }
  return std::string(url);
}

std::string UniqueKeyPrefix(std::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return absl::StrCat("test:", std::string(prefix), ":", ::getpid(), ":", counter.fetch_add(1), ":",
                      absl::Hex(rd()), ":");
}

}  // namespace ntf::redis::testing
