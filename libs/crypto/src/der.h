#pragma once

// A minimal strict DER reader and writer: definite lengths in minimal form, at most two length
// bytes (elements up to 65535 bytes), single-byte tags. Enough for the SignedExact object.
// Internal; not part of the public API. Pure functions, bounds-checked.

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::crypto::internal {

inline constexpr uint8_t kDerSequence = 0x30;
inline constexpr uint8_t kDerOid = 0x06;
inline constexpr uint8_t kDerBitString = 0x03;

struct DerElement {
  wire::ByteSpan whole;    // tag, length and content
  wire::ByteSpan content;  // content only
};

// Reads consecutive elements from a span. Not thread-safe (owns a cursor).
class DerReader {
 public:
  explicit DerReader(wire::ByteSpan data) : data_(data) {}

  // Reads the next element, which must have tag `tag`. InvalidArgument (naming `what`) on a
  // different tag, a non-minimal or unsupported length, or an element running past the end.
  absl::StatusOr<DerElement> Read(uint8_t tag, std::string_view what);
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  wire::ByteSpan data_;
  size_t pos_ = 0;
};

// Appends tag || DER length || content. InvalidArgument if content is over 65535 bytes.
absl::Status AppendDer(wire::Bytes& out, uint8_t tag, wire::ByteSpan content);

}  // namespace ntf::crypto::internal
