#include "der.h"

#include "absl/strings/str_cat.h"

namespace ntf::crypto::internal {

absl::StatusOr<DerElement> DerReader::Read(uint8_t tag, std::string_view what) {
  const size_t left = data_.size() - pos_;
  auto error = [&](std::string_view problem) {
    return absl::InvalidArgumentError(
        absl::StrCat("DER ", std::string(what), " at offset ", pos_, ": ", std::string(problem)));
  };
  if (left < 2) return error("truncated header");
  const uint8_t* p = data_.data() + pos_;
  if (p[0] != tag) {
    return error(absl::StrCat("tag 0x", absl::Hex(p[0], absl::kZeroPad2), ", expected 0x",
                              absl::Hex(tag, absl::kZeroPad2)));
  }
  size_t header = 2;
  size_t length = p[1];
  if (p[1] == 0x81) {
    if (left < 3) return error("truncated length");
    header = 3;
    length = p[2];
    if (length < 0x80) return error("non-minimal length");
  } else if (p[1] == 0x82) {
    if (left < 4) return error("truncated length");
    header = 4;
    length = (size_t{p[2]} << 8) | p[3];
    if (length < 0x100) return error("non-minimal length");
  } else if (p[1] >= 0x80) {
    return error("indefinite or over-long length");
  }
  if (length > left - header) {
    return error(
        absl::StrCat("length ", length, " runs past the end (", left - header, " bytes left)"));
  }
  DerElement element{.whole = data_.subspan(pos_, header + length),
                     .content = data_.subspan(pos_ + header, length)};
  pos_ += header + length;
  return element;
}

absl::Status AppendDer(wire::Bytes& out, uint8_t tag, wire::ByteSpan content) {
  const size_t n = content.size();
  if (n > 0xffff) {
    return absl::InvalidArgumentError(absl::StrCat("DER element of ", n, " bytes is too long"));
  }
  out.push_back(tag);
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  }
  out.insert(out.end(), content.begin(), content.end());
  return absl::OkStatus();
}

}  // namespace ntf::crypto::internal
