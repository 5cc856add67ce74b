#pragma once

// RFC 9110 "token" (method names, header field names), shared by the admin HTTP/1.1 server and
// the HTTP/2 client. Pure, header-only.

#include <string_view>

namespace ntf::common {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
//         "~" / DIGIT / ALPHA
constexpr bool IsHttpTokenChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

constexpr bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsHttpTokenChar(c)) return false;
  }
  return true;
}

}  // namespace ntf::common
