#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ntf::redis {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  // Redis 6 ACL user; empty: AUTH <password> only
  std::string password;  // empty: no AUTH
};

// Parses redis://[[username]:password@]host[:port][/db]. Percent-escapes in the user info
// are decoded; IPv6 hosts go in brackets. TLS (rediss://) and unix sockets are not supported
// by hiredis 0.14 here: InvalidArgument. Pure.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

}  // namespace ntf::redis
