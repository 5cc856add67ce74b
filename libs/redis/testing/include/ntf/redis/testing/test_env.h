#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// Helpers for integration tests against the real Redis of scripts/local-stack.sh.
namespace ntf::redis::testing {

inline constexpr char kRedisUrlEnv[] = "NTF_REDIS_URL";

// NTF_REDIS_URL, or FailedPrecondition explaining how to start the stack. Integration tests
// must fail (not skip) on that error: ASSERT_TRUE(url.ok()) << url.status();
absl::StatusOr<std::string> RedisUrlFromEnv();

// "test:<prefix>:<pid>:<counter>:<random>:" — a key prefix no other test or run shares.
std::string UniqueKeyPrefix(std::string_view prefix);

}  // namespace ntf::redis::testing
