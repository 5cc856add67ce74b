#include "ntf/wire/block.h"

#include "absl/strings/str_cat.h"

namespace ntf::wire {

absl::StatusOr<Bytes> PadBlock(ByteSpan content, size_t block_size) {
  Bytes block;
  if (absl::Status s = AppendPaddedBlock(content, block_size, block); !s.ok()) return s;
  return block;
}

absl::Status AppendPaddedBlock(ByteSpan content, size_t block_size, Bytes& out) {
  if (block_size < 2 || content.size() > block_size - 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "block content of ", content.size(), " bytes does not fit a ", block_size, "-byte block"));
  }
  const size_t end = out.size() + block_size;
  out.reserve(end);
  out.push_back(static_cast<uint8_t>(content.size() >> 8));
  out.push_back(static_cast<uint8_t>(content.size()));
  out.insert(out.end(), content.begin(), content.end());
  out.resize(end, kPadByte);
  return absl::OkStatus();
}

absl::StatusOr<ByteSpan> UnpadBlock(ByteSpan block, size_t block_size) {
  if (block.size() != block_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("block of ", block.size(), " bytes, expected ", block_size));
  }
  Reader r(block);
  ByteSpan content = r.Large("block length");
  if (!r.ok()) return r.status();
  return content;
}

absl::StatusOr<Bytes> EncodeBatch(absl::Span<const Bytes> transmissions) {
  if (transmissions.empty() || transmissions.size() > kMaxBatchCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch of ", transmissions.size(), " transmissions, must be 1..255"));
  }
  Writer w;
  w.U8(static_cast<uint8_t>(transmissions.size()));
  for (const Bytes& t : transmissions) w.Large(t);
  return w.Finish();
}

absl::StatusOr<std::vector<ByteSpan>> DecodeBatch(ByteSpan content) {
  Reader r(content);
  const uint8_t count = r.U8("batch count");
  if (r.ok() && count == 0) r.Fail("batch count: 0");
  std::vector<ByteSpan> out;
  for (unsigned i = 0; r.ok() && i < count; ++i) out.push_back(r.Large("batch item"));
  if (absl::Status s = r.Done("batch"); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<Bytes>> PackBatches(absl::Span<const Bytes> transmissions,
                                               size_t block_size) {
  const size_t limit = block_size - kBatchReserve;
  std::vector<Bytes> batches;
  std::vector<Bytes> current;
  size_t used = 0;
  auto flush = [&]() -> absl::Status {
    if (current.empty()) return absl::OkStatus();
    absl::StatusOr<Bytes> b = EncodeBatch(current);
    if (!b.ok()) return b.status();
    batches.push_back(*std::move(b));
    current.clear();
    used = 0;
    return absl::OkStatus();
  };
  for (const Bytes& t : transmissions) {
    const size_t cost = 2 + t.size();
    if (cost > limit) {
      return absl::InvalidArgumentError(absl::StrCat("transmission of ", t.size(),
                                                     " bytes does not fit a ", block_size,
                                                     "-byte block (large message)"));
    }
    if (used + cost > limit || current.size() == kMaxBatchCount) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
    current.push_back(t);
    used += cost;
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  return batches;
}

}  // namespace ntf::wire
