#include "ntf/wire/encoding.h"

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "base64_reference.h"

namespace ntf::wire {
namespace {

Bytes Hex(std::string_view h) { return *HexDecode(h); }

TEST(Encoding, Int64MatchesUpstreamVector) {
  // EncodingTests upstream: Int64 1234567890123456789 -> 11 22 10 f4 7d e9 81 15.
  Bytes out = *Writer().I64(1234567890123456789).Finish();
  EXPECT_EQ(HexEncode(out), "112210f47de98115");
  Reader r(out);
  EXPECT_EQ(r.I64("i64"), 1234567890123456789);
  EXPECT_TRUE(r.Done("x").ok());
}

TEST(Encoding, NegativeInt64RoundTrips) {
  Bytes out = *Writer().I64(-2).Finish();
  EXPECT_EQ(HexEncode(out), "fffffffffffffffe");
  Reader r(out);
  EXPECT_EQ(r.I64("i64"), -2);
}

TEST(Encoding, PrimitivesAreBigEndianAndAscii) {
  Writer w;
  w.U8(7).U16(0x0102).U32(0x03040506).Short("ab").Large(AsSpan("c")).Bool(true).Bool(false);
  w.MaybeTag(false).MaybeTag(true).Raw("xyz");
  Bytes out = *w.Finish();
  EXPECT_EQ(HexEncode(out),
            "07"
            "0102"
            "03040506"
            "026162"
            "000163"
            "54"
            "46"
            "30"
            "31"
            "78797a");
  Reader r(out);
  EXPECT_EQ(r.U8("a"), 7);
  EXPECT_EQ(r.U16("b"), 0x0102);
  EXPECT_EQ(r.U32("c"), 0x03040506u);
  EXPECT_EQ(AsStringView(r.Short("d")), "ab");
  EXPECT_EQ(AsStringView(r.Large("e")), "c");
  EXPECT_TRUE(r.Bool("f"));
  EXPECT_FALSE(r.Bool("g"));
  EXPECT_FALSE(r.MaybeTag("h"));
  EXPECT_TRUE(r.MaybeTag("i"));
  EXPECT_EQ(AsStringView(r.Tail()), "xyz");
  EXPECT_TRUE(r.Done("all").ok());
}

TEST(Encoding, ShortStringOver255IsAnError) {
  Bytes big(256, 'x');
  absl::StatusOr<Bytes> out = Writer().Short(big).Finish();
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("255"), std::string_view::npos);
  EXPECT_TRUE(Writer().Short(Bytes(255, 'x')).Finish().ok());
}

TEST(Encoding, ReadPastEndNamesTheFieldAndSticks) {
  Bytes in = Hex("05616263");  // short string claims 5 bytes, has 3
  Reader r(in);
  EXPECT_TRUE(r.Short("corrId").empty());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("corrId"), std::string_view::npos);
  EXPECT_EQ(r.U8("next"), 0);  // later reads fail too
  EXPECT_NE(r.status().message().find("corrId"), std::string_view::npos);
}

TEST(Encoding, InvalidTagsAreRejected) {
  Bytes in = ToBytes("X");
  Reader r1(in);
  r1.Bool("flag");
  EXPECT_FALSE(r1.ok());
  Reader r2(in);
  r2.MaybeTag("maybe");
  EXPECT_FALSE(r2.ok());
}

TEST(Encoding, TrailingBytesAreReportedByDone) {
  Bytes in = Hex("0102");
  Reader r(in);
  r.U8("a");
  absl::Status s = r.Done("thing");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("trailing"), std::string_view::npos);
}

TEST(Encoding, ExpectLiteral) {
  Bytes in = ToBytes("NSUBX");
  Reader r(in);
  r.ExpectLiteral("NSUB", "tag");
  EXPECT_TRUE(r.ok());
  r.ExpectLiteral("Y", "tail");
  EXPECT_FALSE(r.ok());
}

TEST(Base64Url, MatchesReferenceKeyHash) {
  // smp-notifier.md §1.4: SHA-256 of the upstream test CA and its address form.
  Bytes hash = Hex("2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232");
  EXPECT_EQ(Base64UrlEncode(hash), "LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=");
  EXPECT_EQ(*Base64UrlDecode("LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI="), hash);
  EXPECT_EQ(*Base64UrlDecode("LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI"), hash);
}

TEST(Base64Url, AllRemaindersRoundTrip) {
  for (size_t n = 0; n < 10; ++n) {
    Bytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(0xf0 + i * 7);
    std::string text = Base64UrlEncode(data);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(*Base64UrlDecode(text), data) << text;
  }
}

// Every 12-bit half of a 3-byte group, against a character-at-a-time reference encoder.
TEST(Base64Url, MatchesAReferenceEncoderForEveryGroup) {
  constexpr std::string_view kAlphabet = testing::kBase64UrlAlphabet;
  Bytes data;
  for (int v = 0; v < 4096; ++v) {  // groups whose high and low halves both take every value
    data.push_back(static_cast<uint8_t>(v >> 4));
    data.push_back(static_cast<uint8_t>((v & 15) << 4 | (v >> 8)));
    data.push_back(static_cast<uint8_t>(v & 255));
  }
  std::string expected;
  for (size_t i = 0; i < data.size(); i += 3) {
    const uint32_t g = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) expected.push_back(kAlphabet[(g >> shift) & 63]);
  }
  EXPECT_EQ(Base64UrlEncode(data), expected);
}

// Every length up to 40 (six bytes per step, then three, then the padded tail), with the data
// at every offset of a buffer, against a character-at-a-time reference.
TEST(Base64Url, EveryLengthAndOffsetMatchesAReference) {
  Bytes buffer(48);
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<uint8_t>(i * 89 + 17);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; offset + n <= 40; ++n) {
      const ByteSpan data = ByteSpan(buffer).subspan(offset, n);
      EXPECT_EQ(Base64UrlEncode(data), testing::ReferenceBase64Url(data))
          << n << " bytes at " << offset;
    }
  }
}

TEST(Base64Url, AppendWritesAfterWhatIsThere) {
  for (size_t n = 0; n < 10; ++n) {
    Bytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(0xfb - i * 5);
    std::string out = "{\"v\":\"";
    AppendBase64Url(out, data);
    EXPECT_EQ(out, "{\"v\":\"" + Base64UrlEncode(data)) << n;
  }
}

TEST(Base64Url, RejectsBadInput) {
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());  // standard alphabet, not url-safe
  EXPECT_FALSE(Base64UrlDecode("a").ok());
  EXPECT_FALSE(Base64UrlDecode("ab!d").ok());
  EXPECT_FALSE(Base64UrlDecode("AB").ok());  // non-zero trailing bits
}

TEST(Uuid, SixteenBytesAsEightFourFourFourTwelveLowercaseHex) {
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(0x10 * i + 0x0f - i);
  EXPECT_EQ(FormatUuid(bytes), "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  EXPECT_EQ(FormatUuid({}), "00000000-0000-0000-0000-000000000000");
}

TEST(Base64Url, LengthIsFourPerStartedThreeBytes) {
  for (size_t n : {0, 1, 2, 3, 4, 2928})
    EXPECT_EQ(Base64UrlLength(n), Base64UrlEncode(Bytes(n)).size());
}

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(HexEncode(*HexDecode("00ffA0")), "00ffa0");
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(*HexDecode(HexEncode(all)), all);
  EXPECT_EQ(*HexDecode(absl::AsciiStrToUpper(HexEncode(all))), all);
  EXPECT_EQ(HexDecode("00112g33").status().message(), "hex: bad digit at 4");
  EXPECT_EQ(HexDecode("0011223g").status().message(), "hex: bad digit at 6");
  // Every byte that is not a hex digit is refused, in either digit of a pair.
  for (int c = 0; c < 256; ++c) {
    if (absl::ascii_isxdigit(static_cast<unsigned char>(c))) continue;
    EXPECT_FALSE(HexDecode(std::string(1, static_cast<char>(c)) + "0").ok()) << c;
    EXPECT_FALSE(HexDecode(std::string("0") + static_cast<char>(c)).ok()) << c;
  }
}

TEST(Hex, LowerHexIsDigitsAndLowercaseAToFOnly) {
  EXPECT_TRUE(IsLowerHex(""));
  EXPECT_TRUE(IsLowerHex("0123456789abcdef"));
  EXPECT_FALSE(IsLowerHex("0123456789ABCDEF"));
  for (int c = 0; c < 256; ++c) {
    const bool lower_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    EXPECT_EQ(IsLowerHex(std::string("ab") + static_cast<char>(c) + "cd"), lower_hex) << c;
  }
}

}  // namespace
}  // namespace ntf::wire
