#pragma once

// Encoding primitives of the SimpleX wire format ("smpEncode"), shared by the NTF and SMP
// codecs. Pure functions over byte buffers: no I/O, no allocation beyond the output buffer.
//
//   u8/u16/u32      unsigned, big-endian
//   i64             signed 64-bit, big-endian two's complement
//   short(x)        u8 length + x          (x <= 255 bytes)
//   large(x)        u16 length + x         (x <= 65535 bytes)
//   maybe(x)        '0' | '1' x
//   bool            'T' | 'F'
//   list            u8 count + items       (NonEmpty: count >= 1)
//   tail            the rest of the input, no length

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ntf::wire {

using Bytes = std::vector<uint8_t>;
using ByteSpan = absl::Span<const uint8_t>;

inline ByteSpan AsSpan(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsStringView(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Appends encoded values to a buffer. An encoding that cannot be represented (a short string
// over 255 bytes, a large one over 65535) records the first error; Finish() returns it.
// Not thread-safe.
class Writer {
 public:
  Writer() = default;
  explicit Writer(Bytes initial) : out_(std::move(initial)) {}

  Writer& U8(uint8_t v);
  Writer& U16(uint16_t v);
  Writer& U32(uint32_t v);
  Writer& I64(int64_t v);
  Writer& Raw(ByteSpan b);
  Writer& Raw(std::string_view s) { return Raw(AsSpan(s)); }
  Writer& Short(ByteSpan b);
  Writer& Short(std::string_view s) { return Short(AsSpan(s)); }
  Writer& Large(ByteSpan b);
  Writer& Bool(bool v) { return U8(v ? 'T' : 'F'); }
  // Writes '0' (absent) or '1' (present); the caller writes the value after a '1'.
  Writer& MaybeTag(bool present) { return U8(present ? '1' : '0'); }

  size_t size() const { return out_.size(); }
  const absl::Status& status() const { return status_; }
  // Returns the bytes (moving them out of the writer), or the first encoding error.
  absl::StatusOr<Bytes> Finish();

 private:
  void Fail(std::string message);

  Bytes out_;
  absl::Status status_;
};

// Reads encoded values from a span without copying. Every read is bounds-checked: a read past
// the end records an error naming the field, returns an empty/zero value, and makes every later
// read fail too, so a decoder can read all fields and check status() once. Not thread-safe.
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}
  explicit Reader(std::string_view data) : data_(AsSpan(data)) {}

  uint8_t U8(std::string_view field);
  uint16_t U16(std::string_view field);
  uint32_t U32(std::string_view field);
  int64_t I64(std::string_view field);
  ByteSpan Raw(size_t n, std::string_view field);
  ByteSpan Short(std::string_view field);
  ByteSpan Large(std::string_view field);
  bool Bool(std::string_view field);
  // Reads '0' or '1'; anything else is an error.
  bool MaybeTag(std::string_view field);
  // The rest of the input; the reader is then at the end.
  ByteSpan Tail();
  // Reads one byte and checks it equals `expected`.
  void Expect(uint8_t expected, std::string_view field);
  // Reads the exact ASCII literal.
  void ExpectLiteral(std::string_view literal, std::string_view field);

  size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  bool AtEnd() const { return remaining() == 0; }
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  // Records a semantic error found by the caller (first error wins).
  void Fail(std::string message);
  // OK if no error was recorded and every byte was consumed; otherwise names the problem.
  absl::Status Done(std::string_view what) const;

 private:
  bool Need(size_t n, std::string_view field);

  ByteSpan data_;
  size_t pos_ = 0;
  absl::Status status_;
};

// Base64url (RFC 4648 §5). Encoding writes '=' padding, as the reference does; decoding accepts
// input with or without padding.
std::string Base64UrlEncode(ByteSpan data);
// Characters Base64UrlEncode writes for `n` bytes (padding included).
constexpr size_t Base64UrlLength(size_t n) { return (n + 2) / 3 * 4; }
// Appends Base64UrlEncode(data) to `out`, without a string of its own (the pusher writes a
// 3.9 KB blob straight into its JSON body).
void AppendBase64Url(std::string& out, ByteSpan data);
absl::StatusOr<Bytes> Base64UrlDecode(std::string_view text);

std::string HexEncode(ByteSpan data);
// 16 bytes as a lowercase UUID, 8-4-4-4-12 hex digits; the version and variant bits are the
// caller's to set.
std::string FormatUuid(const std::array<uint8_t, 16>& bytes);
// Either case; InvalidArgument for an odd length or a non-hex character.
absl::StatusOr<Bytes> HexDecode(std::string_view hex);
// Only '0'-'9' and 'a'-'f' (true for the empty text).
bool IsLowerHex(std::string_view text);

}  // namespace ntf::wire
