#pragma once

// A base64url encoder for tests to compare with: six bits at a time, '=' padding (RFC 4648 §5),
// written for clarity, not speed.

#include <cstdint>
#include <string>
#include <string_view>

#include "ntf/wire/encoding.h"

namespace ntf::wire::testing {

inline constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline std::string ReferenceBase64Url(ByteSpan data) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8 | b) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64UrlAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kBase64UrlAlphabet[(acc << (6 - bits)) & 63]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

}  // namespace ntf::wire::testing
