// The base64url encoders behind AppendBase64Url (the scalar one and, on x86-64 with AVX2, the
// vector one) against a 6-bits-at-a-time reference, for every length up to 1000 and a few large
// ones, and for data patterns that reach every 6-bit value.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../src/base64_internal.h"
#include "base64_reference.h"
#include "ntf/wire/encoding.h"

namespace ntf::wire {
namespace {

using testing::ReferenceBase64Url;
constexpr std::string_view kAlphabet = testing::kBase64UrlAlphabet;
constexpr std::string_view kPrefix = "{\"v\":\"";

using Encoder = void (*)(std::string&, ByteSpan);

// The encoders to compare: the public (dispatched) one, the scalar one, and the AVX2 one if the
// CPU has it.
std::vector<std::pair<const char*, Encoder>> Encoders() {
  std::vector<std::pair<const char*, Encoder>> encoders = {
      {"dispatched", &AppendBase64Url},
      {"scalar", &internal::AppendBase64UrlScalar},
  };
#if defined(__x86_64__)
  if (internal::CpuHasAvx2()) encoders.emplace_back("avx2", &internal::AppendBase64UrlAvx2);
#endif
  return encoders;
}

// Every encoder, into an empty string and after a prefix, equals the reference; the text decodes
// back to the data. Returns the reference text.
std::string CheckAll(ByteSpan data, std::string_view what) {
  const std::string expected = ReferenceBase64Url(data);
  for (const auto& [name, encode] : Encoders()) {
    std::string out;
    encode(out, data);
    EXPECT_EQ(out, expected) << name << ", " << what << ", " << data.size() << " bytes";
    std::string appended(kPrefix);
    encode(appended, data);
    EXPECT_EQ(appended, std::string(kPrefix) + expected)
        << name << " (appending), " << what << ", " << data.size() << " bytes";
  }
  EXPECT_EQ(Base64UrlEncode(data), expected) << what << ", " << data.size() << " bytes";
  absl::StatusOr<Bytes> decoded = Base64UrlDecode(expected);
  EXPECT_TRUE(decoded.ok() && *decoded == Bytes(data.begin(), data.end()))
      << what << ", " << data.size() << " bytes";
  return expected;
}

std::vector<size_t> Lengths() {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 1000; ++n) lengths.push_back(n);
  for (size_t n : {2928, 2928 + 24, 4096, 65536 + 7}) lengths.push_back(n);
  return lengths;
}

// Marks the 6-bit value of every character of `text` (not the padding) in `seen`.
void MarkSeen(std::string_view text, std::array<bool, 64>& seen) {
  for (char c : text) {
    const size_t v = kAlphabet.find(c);
    if (v != std::string_view::npos) seen[v] = true;
  }
}

void ExpectAllSeen(const std::array<bool, 64>& seen) {
  for (size_t v = 0; v < 64; ++v) EXPECT_TRUE(seen[v]) << "6-bit value " << v << " never produced";
}

TEST(Base64UrlEncoders, RandomBytesEveryLengthMatchTheReference) {
  std::mt19937 rng(20240611);
  std::array<bool, 64> seen{};
  for (size_t n : Lengths()) {
    Bytes data(n);
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    MarkSeen(CheckAll(data, "random"), seen);
  }
  ExpectAllSeen(seen);
}

TEST(Base64UrlEncoders, ConstantAndCountingPatternsMatchTheReference) {
  std::array<bool, 64> seen{};
  for (size_t n : Lengths()) {
    MarkSeen(CheckAll(Bytes(n, 0x00), "all 0x00"), seen);
    MarkSeen(CheckAll(Bytes(n, 0xff), "all 0xff"), seen);
    Bytes counting(n);
    for (size_t i = 0; i < n; ++i) counting[i] = static_cast<uint8_t>(i);
    MarkSeen(CheckAll(counting, "every byte value"), seen);
  }
  ExpectAllSeen(seen);
}

// Data whose text has every 6-bit value at every position of a 32-character (24-byte) block,
// i.e. in every byte of both 128-bit lanes of the AVX2 encoder, built from the wanted text.
TEST(Base64UrlEncoders, EveryValueAtEveryBlockPosition) {
  std::string expected;
  for (size_t block = 0; block < 64; ++block) {
    for (size_t p = 0; p < 32; ++p) expected.push_back(kAlphabet[(block + p) % 64]);
  }
  expected += "AAAAAAAA";  // 6 zero bytes more, so that the last block is not in the tail
  Bytes data;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : expected) {
    acc = acc << 6 | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      data.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  ASSERT_EQ(data.size(), 64u * 24 + 6);
  EXPECT_EQ(CheckAll(data, "every value at every position"), expected);
  std::array<bool, 64> seen{};
  MarkSeen(expected, seen);
  ExpectAllSeen(seen);
}

// Every input alignment, and every length of a 256-byte buffer's tail (the data ends at the
// buffer's end for the largest n of each offset, so that ASan catches a read past the end).
TEST(Base64UrlEncoders, EveryOffsetMatchesTheReference) {
  std::mt19937 rng(7);
  Bytes buffer(256);
  for (uint8_t& b : buffer) b = static_cast<uint8_t>(rng());
  for (size_t offset = 0; offset < 32; ++offset) {
    for (size_t n = 0; offset + n <= buffer.size(); ++n) {
      const ByteSpan data = ByteSpan(buffer).subspan(offset, n);
      const std::string expected = ReferenceBase64Url(data);
      for (const auto& [name, encode] : Encoders()) {
        std::string out;
        encode(out, data);
        EXPECT_EQ(out, expected) << name << ", " << n << " bytes at " << offset;
      }
    }
  }
}

// The AVX2 encoder itself (not only through the dispatch), if the CPU has AVX2.
TEST(Base64UrlEncoders, Avx2PathIsExercised) {
#if defined(__x86_64__)
  if (!internal::CpuHasAvx2()) GTEST_SKIP() << "this CPU has no AVX2; only the scalar path runs";
  std::mt19937 rng(99);
  for (size_t n : Lengths()) {
    Bytes data(n);
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    std::string avx2 = "x", scalar = "x";
    internal::AppendBase64UrlAvx2(avx2, data);
    internal::AppendBase64UrlScalar(scalar, data);
    ASSERT_EQ(avx2, scalar) << n << " bytes";
  }
#else
  GTEST_SKIP() << "not x86-64; only the scalar path exists";
#endif
}

}  // namespace
}  // namespace ntf::wire
