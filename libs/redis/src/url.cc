#include "ntf/redis/url.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ntf::redis {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return absl::InvalidArgumentError("bad percent escape in redis URL");
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("bad percent escape in redis URL");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool ParseInt(std::string_view s, int min, int max, int* out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) {
    return absl::InvalidArgumentError("rediss:// (TLS) is not supported by hiredis 0.14");
  }
  if (!url.starts_with(kScheme)) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis URL must start with redis://: ", std::string(url)));
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError("redis URL query parameters are not supported");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  RedisAddress address;
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    absl::StatusOr<std::string> user = PercentDecode(userinfo.substr(0, colon));
    if (!user.ok()) return user.status();
    address.username = *user;
    if (colon != std::string_view::npos) {
      absl::StatusOr<std::string> password = PercentDecode(userinfo.substr(colon + 1));
      if (!password.ok()) return password.status();
      address.password = *password;
    }
  }

  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return absl::InvalidArgumentError("unterminated [ in redis URL");
    address.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return absl::InvalidArgumentError("bad redis URL after IPv6 host");
      port = after.substr(1);
      if (port.empty()) return absl::InvalidArgumentError("empty port in redis URL");
    }
  } else {
    const size_t colon = authority.rfind(':');
    address.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return absl::InvalidArgumentError("empty port in redis URL");
    }
  }
  if (address.host.empty()) return absl::InvalidArgumentError("redis URL has no host");
  if (!port.empty() && !ParseInt(port, 1, 65535, &address.port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in redis URL: ", std::string(port)));
  }
  if (!path.empty() && !ParseInt(path, 0, 1000000, &address.db)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad database number in redis URL: ", std::string(path)));
  }
  return address;
}

}  // namespace ntf::redis
