#pragma once

// RFC 9110 "token" (method names, header field names), shared by the admin HTTP/1.1 server and
// the HTTP/2 client. Pure, header-only.

#include <array>
#include <string_view>

namespace ntf::common {

namespace internal {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
//         "~" / DIGIT / ALPHA
// One lookup per character: the HTTP/2 client checks every header name of every request.
constexpr std::array<bool, 256> MakeHttpTokenChars() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  }
  return table;
}
inline constexpr std::array<bool, 256> kHttpTokenChars = MakeHttpTokenChars();

}  // namespace internal

constexpr bool IsHttpTokenChar(char c) {
  return internal::kHttpTokenChars[static_cast<unsigned char>(c)];
}

constexpr bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsHttpTokenChar(c)) return false;
  }
  return true;
}

}  // namespace ntf::common
