#include "ntf/wire/encoding.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base64_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ntf::wire {

Writer& Writer::U8(uint8_t v) {
  out_.push_back(v);
  return *this;
}

Writer& Writer::U16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
  return *this;
}

Writer& Writer::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
  return *this;
}

Writer& Writer::I64(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(u >> shift));
  return *this;
}

Writer& Writer::Raw(ByteSpan b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

Writer& Writer::Short(ByteSpan b) {
  if (b.size() > 255) {
    Fail(absl::StrCat("short string of ", b.size(), " bytes exceeds 255"));
    return *this;
  }
  U8(static_cast<uint8_t>(b.size()));
  return Raw(b);
}

Writer& Writer::Large(ByteSpan b) {
  if (b.size() > 65535) {
    Fail(absl::StrCat("large string of ", b.size(), " bytes exceeds 65535"));
    return *this;
  }
  U16(static_cast<uint16_t>(b.size()));
  return Raw(b);
}

void Writer::Fail(std::string message) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(std::move(message));
}

absl::StatusOr<Bytes> Writer::Finish() {
  if (!status_.ok()) return status_;
  return std::move(out_);
}

bool Reader::Need(size_t n, std::string_view field) {
  if (!status_.ok()) return false;
  if (data_.size() - pos_ < n) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(std::string(field), ": need ", n, " bytes, ", data_.size() - pos_, " left"));
    return false;
  }
  return true;
}

void Reader::Fail(std::string message) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(std::move(message));
}

uint8_t Reader::U8(std::string_view field) {
  if (!Need(1, field)) return 0;
  return data_[pos_++];
}

uint16_t Reader::U16(std::string_view field) {
  if (!Need(2, field)) return 0;
  const uint16_t v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t Reader::U32(std::string_view field) {
  if (!Need(4, field)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | data_[pos_++];
  return v;
}

int64_t Reader::I64(std::string_view field) {
  if (!Need(8, field)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | data_[pos_++];
  return static_cast<int64_t>(v);
}

ByteSpan Reader::Raw(size_t n, std::string_view field) {
  if (!Need(n, field)) return {};
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

ByteSpan Reader::Short(std::string_view field) {
  const uint8_t n = U8(field);
  return Raw(n, field);
}

ByteSpan Reader::Large(std::string_view field) {
  const uint16_t n = U16(field);
  return Raw(n, field);
}

bool Reader::Bool(std::string_view field) {
  const uint8_t c = U8(field);
  if (!ok()) return false;
  if (c != 'T' && c != 'F') Fail(absl::StrCat(std::string(field), ": expected 'T' or 'F'"));
  return c == 'T';
}

bool Reader::MaybeTag(std::string_view field) {
  const uint8_t c = U8(field);
  if (!ok()) return false;
  if (c != '0' && c != '1')
    Fail(absl::StrCat(std::string(field), ": expected maybe tag '0' or '1'"));
  return c == '1';
}

ByteSpan Reader::Tail() {
  if (!ok()) return {};
  ByteSpan out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}

void Reader::Expect(uint8_t expected, std::string_view field) {
  const uint8_t c = U8(field);
  if (ok() && c != expected) {
    Fail(absl::StrCat(std::string(field), ": expected byte 0x", absl::Hex(expected), ", got 0x",
                      absl::Hex(c)));
  }
}

void Reader::ExpectLiteral(std::string_view literal, std::string_view field) {
  ByteSpan got = Raw(literal.size(), field);
  if (ok() && AsStringView(got) != literal)
    Fail(absl::StrCat(std::string(field), ": expected \"", std::string(literal), "\""));
}

absl::Status Reader::Done(std::string_view what) const {
  if (!status_.ok()) return status_;
  if (pos_ != data_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), ": ", data_.size() - pos_, " unexpected trailing bytes"));
  }
  return absl::OkStatus();
}

namespace {
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The two characters of every 12-bit value: one lookup per half of a 3-byte group.
struct B64UrlPairs {
  char pairs[4096][2];
  constexpr B64UrlPairs() : pairs() {
    for (int v = 0; v < 4096; ++v) {
      pairs[v][0] = kB64Url[v >> 6];
      pairs[v][1] = kB64Url[v & 63];
    }
  }
};
constexpr B64UrlPairs kB64UrlPairs;
constexpr char kHex[] = "0123456789abcdef";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Hex digit -> its value in the low four bits; kUpperHex is also set for 'A'-'F', every bit of
// kNotHex for anything else. Callers OR the entries of a whole text and test the flags once: no
// branch per character (random hex mispredicts).
constexpr uint8_t kUpperHex = 0x10;
constexpr uint8_t kNotHex = 0xe0;
constexpr std::array<uint8_t, 256> kHexDigit = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xff);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<uint8_t>(10 + i);
    t['A' + i] = static_cast<uint8_t>(kUpperHex | (10 + i));
  }
  return t;
}();

// Writes the base64url text of in[0, n) with '=' padding: (n + 2) / 3 * 4 characters at o.
void EncodeScalar(char* o, const uint8_t* in, size_t n) {
  size_t i = 0;
  // Six bytes (four 12-bit halves) per step from one 8-byte big-endian load, while 8 bytes can
  // be read; then three at a time.
  for (; i + 8 <= n; i += 6) {
    uint64_t v;
    std::memcpy(&v, in + i, 8);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(o, kB64UrlPairs.pairs[v >> 52], 2);
    std::memcpy(o + 2, kB64UrlPairs.pairs[(v >> 40) & 0xfff], 2);
    std::memcpy(o + 4, kB64UrlPairs.pairs[(v >> 28) & 0xfff], 2);
    std::memcpy(o + 6, kB64UrlPairs.pairs[(v >> 16) & 0xfff], 2);
    o += 8;
  }
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    std::memcpy(o, kB64UrlPairs.pairs[v >> 12], 2);
    std::memcpy(o + 2, kB64UrlPairs.pairs[v & 0xfff], 2);
    o += 4;
  }
  const size_t rest = n - i;
  if (rest > 0) {
    const uint32_t v = uint32_t{in[i]} << 16 | (rest == 2 ? uint32_t{in[i + 1]} << 8 : 0);
    o[0] = kB64Url[(v >> 18) & 63];
    o[1] = kB64Url[(v >> 12) & 63];
    o[2] = rest == 2 ? kB64Url[(v >> 6) & 63] : '=';
    o[3] = '=';
  }
}

// Grows `out` by the encoded size of `n` bytes and returns where the text goes. Sized once and
// written through a pointer: push_back per character was a hot spot of the pusher (a 2,928-byte
// box per push).
char* Grow(std::string& out, size_t n) {
  const size_t at = out.size();
  out.resize(at + Base64UrlLength(n));
  return out.data() + at;
}

#if defined(__x86_64__)
// 24 input bytes -> 32 characters per step, 12 -> 16 in each 128-bit lane:
//  1. Two 16-byte loads fill the lanes: in[0, 16) (bytes 0-11 used) and in[8, 24) (bytes 4-15
//     used), so that no load reads past the 24 bytes of the step.
//  2. A byte shuffle turns each 3-byte group a b c into the 32-bit word with bytes b a c b, so
//     that its low 16 bits are a:b and its high 16 bits are b:c.
//  3. Multiplies move the four 6-bit fields into the low bits of the word's four bytes:
//     mulhi_epu16 by 2^6 (low half) and 2^10 (high half) shifts a:b & 0xfc00 right by 10 and
//     b:c & 0x0fc0 right by 6 (bytes 0 and 2); mullo_epi16 by 2^4 and 2^8 shifts a:b & 0x03f0
//     left by 4 and b:c & 0x003f left by 8 (bytes 1 and 3).
//  4. Each 6-bit value v becomes v + offset(class of v), the offset looked up with pshufb by a
//     class number: 0 for 0-25 ('A'), 1 for 26-51 ('a'), 2-11 for 52-61 ('0'), 12 for 62 ('-'),
//     13 for 63 ('_').
__attribute__((target("avx2"))) size_t EncodeAvx2Bulk(char* o, const uint8_t* in, size_t n) {
  const __m256i shuffle = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                           5, 4, 6, 5, 8, 7, 9, 8, 11, 10, 12, 11, 14, 13, 15, 14);
  const __m256i mask_hi = _mm256_set1_epi32(0x0fc0fc00);
  const __m256i mul_hi = _mm256_set1_epi32(0x04000040);
  const __m256i mask_lo = _mm256_set1_epi32(0x003f03f0);
  const __m256i mul_lo = _mm256_set1_epi32(0x01000010);
  const __m256i v51 = _mm256_set1_epi8(51);
  const __m256i v25 = _mm256_set1_epi8(25);
  // 'A' - 0, 'a' - 26, '0' - 52 (x10), '-' - 62, '_' - 63, unused, unused.
  const __m256i offsets =
      _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 0, 0,  //
                       65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 0, 0);
  size_t i = 0;
  // Reads in[i, i + 24) only.
  for (; i + 24 <= n; i += 24) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 8));
    const __m256i bytes = _mm256_shuffle_epi8(_mm256_set_m128i(hi, lo), shuffle);
    const __m256i idx =
        _mm256_or_si256(_mm256_mulhi_epu16(_mm256_and_si256(bytes, mask_hi), mul_hi),
                        _mm256_mullo_epi16(_mm256_and_si256(bytes, mask_lo), mul_lo));
    // 0-51 -> 0, 52-63 -> 1-12; then +1 for everything above 25 (cmpgt gives -1).
    const __m256i cls = _mm256_sub_epi8(_mm256_subs_epu8(idx, v51), _mm256_cmpgt_epi8(idx, v25));
    const __m256i text = _mm256_add_epi8(idx, _mm256_shuffle_epi8(offsets, cls));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), text);
    o += 32;
  }
  return i;
}
#endif
}  // namespace

namespace internal {

void AppendBase64UrlScalar(std::string& out, ByteSpan data) {
  EncodeScalar(Grow(out, data.size()), data.data(), data.size());
}

#if defined(__x86_64__)
bool CpuHasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

void AppendBase64UrlAvx2(std::string& out, ByteSpan data) {
  char* o = Grow(out, data.size());
  const size_t done = EncodeAvx2Bulk(o, data.data(), data.size());
  // `done` is a multiple of 3 (24 per step): the rest encodes on its own, with the padding.
  EncodeScalar(o + done / 3 * 4, data.data() + done, data.size() - done);
}
#endif

}  // namespace internal

std::string Base64UrlEncode(ByteSpan data) {
  std::string out;
  AppendBase64Url(out, data);
  return out;
}

void AppendBase64Url(std::string& out, ByteSpan data) {
#if defined(__x86_64__)
  if (internal::CpuHasAvx2()) return internal::AppendBase64UrlAvx2(out, data);
#endif
  internal::AppendBase64UrlScalar(out, data);
}

absl::StatusOr<Bytes> Base64UrlDecode(std::string_view text) {
  size_t len = text.size();
  if (len % 4 == 0 && len >= 4) {
    // Strip at most two '=' of padding.
    if (text[len - 1] == '=') --len;
    if (text[len - 1] == '=') --len;
  }
  if (len % 4 == 1) return absl::InvalidArgumentError("base64url: invalid length");
  Bytes out;
  out.reserve(len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int v = B64Value(text[i]);
    if (v < 0) return absl::InvalidArgumentError(absl::StrCat("base64url: bad character at ", i));
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("base64url: non-zero trailing bits");
  }
  return out;
}

std::string HexEncode(ByteSpan data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string FormatUuid(const std::array<uint8_t, 16>& bytes) {
  std::string id(36, '-');
  size_t at = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // past a '-'
    id[at++] = kHex[bytes[i] >> 4];
    id[at++] = kHex[bytes[i] & 15];
  }
  return id;
}

absl::StatusOr<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex: odd length");
  Bytes out(hex.size() / 2);
  uint8_t seen = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t hi = kHexDigit[static_cast<uint8_t>(hex[2 * i])];
    const uint8_t lo = kHexDigit[static_cast<uint8_t>(hex[2 * i + 1])];
    seen |= hi | lo;
    out[i] = static_cast<uint8_t>((hi & 0x0f) << 4 | (lo & 0x0f));
  }
  if ((seen & kNotHex) != 0) {
    size_t at = 0;
    while ((kHexDigit[static_cast<uint8_t>(hex[at])] & kNotHex) == 0) ++at;
    return absl::InvalidArgumentError(absl::StrCat("hex: bad digit at ", at / 2 * 2));
  }
  return out;
}

bool IsLowerHex(std::string_view text) {
  uint8_t seen = 0;
  for (char c : text) seen |= kHexDigit[static_cast<uint8_t>(c)];
  return (seen & (kNotHex | kUpperHex)) == 0;
}

}  // namespace ntf::wire
