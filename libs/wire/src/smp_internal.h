#pragma once

// Private to the SMP codecs (src/smp_*.cc). A byte cursor like ntf::wire::Reader, plus what the
// SMP grammar needs and Reader does not offer: peeking, "take until space" for the textual
// parts (tags, error words), and rewinding for the reference's backtracking optional fields.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"
#include "ntf/wire/smp_handshake.h"

namespace ntf::wire::smp::internal {

// Every read is bounds-checked; the first error sticks and later reads return empty values.
class Cursor {
 public:
  explicit Cursor(ByteSpan data) : data_(data) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  bool AtEnd() const { return remaining() == 0; }
  // Goes back to `pos` and clears the error (backtracking).
  void Rewind(size_t pos) {
    pos_ = pos;
    status_ = absl::OkStatus();
  }
  void Fail(std::string message) {
    if (status_.ok()) status_ = absl::InvalidArgumentError(std::move(message));
  }

  std::optional<uint8_t> Peek() const {
    if (!ok() || pos_ >= data_.size()) return std::nullopt;
    return data_[pos_];
  }

  ByteSpan Raw(size_t n, std::string_view field) {
    if (!ok()) return {};
    if (data_.size() - pos_ < n) {
      Fail(
          absl::StrCat(std::string(field), ": need ", n, " bytes, ", data_.size() - pos_, " left"));
      return {};
    }
    ByteSpan out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  uint8_t U8(std::string_view field) {
    ByteSpan b = Raw(1, field);
    return b.empty() ? 0 : b[0];
  }
  uint16_t U16(std::string_view field) {
    ByteSpan b = Raw(2, field);
    return b.empty() ? 0 : static_cast<uint16_t>(b[0] << 8 | b[1]);
  }
  int64_t I64(std::string_view field) {
    ByteSpan b = Raw(8, field);
    uint64_t v = 0;
    for (uint8_t x : b) v = v << 8 | x;
    return static_cast<int64_t>(v);
  }
  ByteSpan Short(std::string_view field) { return Raw(U8(field), field); }
  ByteSpan Large(std::string_view field) { return Raw(U16(field), field); }
  Bytes ShortBytes(std::string_view field) {
    ByteSpan b = Short(field);
    return Bytes(b.begin(), b.end());
  }
  Bytes LargeBytes(std::string_view field) {
    ByteSpan b = Large(field);
    return Bytes(b.begin(), b.end());
  }
  bool Bool(std::string_view field) {
    const uint8_t c = U8(field);
    if (ok() && c != 'T' && c != 'F') Fail(absl::StrCat(std::string(field), ": expected 'T'/'F'"));
    return c == 'T';
  }
  bool MaybeTag(std::string_view field) {
    const uint8_t c = U8(field);
    if (ok() && c != '0' && c != '1') {
      Fail(absl::StrCat(std::string(field), ": expected maybe tag '0'/'1'"));
    }
    return c == '1';
  }
  void Expect(uint8_t expected, std::string_view field) {
    const uint8_t c = U8(field);
    if (ok() && c != expected) {
      Fail(absl::StrCat(std::string(field), ": expected '", std::string(1, char(expected)), "'"));
    }
  }
  void Space(std::string_view field) { Expect(' ', field); }
  // Consumes `literal` if the input continues with it; otherwise consumes nothing.
  bool TryLiteral(std::string_view literal) {
    if (!ok() || data_.size() - pos_ < literal.size()) return false;
    if (AsStringView(data_.subspan(pos_, literal.size())) != literal) return false;
    pos_ += literal.size();
    return true;
  }
  // Bytes up to (not including) the next byte in `stops`, or to the end.
  std::string_view Word(std::string_view stops = " ") {
    if (!ok()) return {};
    size_t end = pos_;
    while (end < data_.size() && stops.find(static_cast<char>(data_[end])) == stops.npos) ++end;
    std::string_view out = AsStringView(data_.subspan(pos_, end - pos_));
    pos_ = end;
    return out;
  }
  ByteSpan Rest() {
    if (!ok()) return {};
    ByteSpan out = data_.subspan(pos_);
    pos_ = data_.size();
    return out;
  }
  // OK iff no error and every byte was consumed.
  absl::Status Done(std::string_view what) const {
    if (!ok()) return status_;
    if (pos_ != data_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(what), ": ", data_.size() - pos_, " unexpected trailing bytes"));
    }
    return absl::OkStatus();
  }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
  absl::Status status_;
};

inline Bytes Copy(ByteSpan b) { return Bytes(b.begin(), b.end()); }

// "BLOCK" | ... | "HANDSHAKE" SP word (smp_handshake.cc). Fails the cursor on an unknown word.
std::optional<TransportError> ParseTransportError(Cursor& c);

}  // namespace ntf::wire::smp::internal
