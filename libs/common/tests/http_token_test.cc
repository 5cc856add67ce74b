#include "ntf/common/http_token.h"

#include <gtest/gtest.h>

#include <string>

namespace ntf::common {
namespace {

// Every byte value against RFC 9110's tchar, spelled out here independently of the table.
TEST(HttpTokenTest, EveryByteIsClassifiedAsTheRfcSays) {
  const std::string specials = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    const bool expected = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                          (c >= 'A' && c <= 'Z') ||
                          specials.find(static_cast<char>(c)) != std::string::npos;
    EXPECT_EQ(IsHttpTokenChar(static_cast<char>(c)), expected) << c;
  }
}

TEST(HttpTokenTest, Tokens) {
  EXPECT_TRUE(IsHttpToken("POST"));
  EXPECT_TRUE(IsHttpToken("apns-push-type"));
  EXPECT_TRUE(IsHttpToken("X-Custom_Header.1~"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("bad name"));
  EXPECT_FALSE(IsHttpToken(":path"));
  EXPECT_FALSE(IsHttpToken("caf\xc3\xa9"));
  static_assert(IsHttpToken("GET") && !IsHttpToken("G(T"));
}

}  // namespace
}  // namespace ntf::common
