#pragma once

// Block framing shared by NTF (512-byte blocks) and SMP (16384-byte blocks).
//
//   block   = u16 L || content (L bytes) || '#' * (block_size - 2 - L)
//   batch   = u8 count (1..255) || count * large(transmission)      (NTF v2+, every SMP block)
//   single  = the content is one transmission                       (NTF v1)
//
// Pure functions, no I/O.

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::wire {

inline constexpr size_t kNtfBlockSize = 512;
inline constexpr size_t kSmpBlockSize = 16384;
// Bytes of a batch's items reserved for a block-encryption tag, as the reference sender does:
// items are packed while sum(2 + len) <= block_size - 2 - 1 - 16.
inline constexpr size_t kBatchReserve = 2 + 1 + 16;
inline constexpr size_t kMaxBatchCount = 255;
inline constexpr uint8_t kPadByte = '#';

// Pads `content` to a block of `block_size` bytes. Fails if it does not fit.
absl::StatusOr<Bytes> PadBlock(ByteSpan content, size_t block_size);
// PadBlock, appended to `out` (e.g. after room for a tag, to encrypt in place). On failure
// `out` is unchanged.
absl::Status AppendPaddedBlock(ByteSpan content, size_t block_size, Bytes& out);
// Returns the content of a padded block. Pad bytes are not checked (as in the reference).
// Fails if the block has the wrong size or the length prefix runs past the block.
absl::StatusOr<ByteSpan> UnpadBlock(ByteSpan block, size_t block_size);

// Encodes the batch content `count || large(t)...`. Fails on 0 or more than 255 items, or an
// item over 65535 bytes. Does not check the block limit: see PackBatches.
absl::StatusOr<Bytes> EncodeBatch(absl::Span<const Bytes> transmissions);
// Strictly parses batch content: count 1..255, exactly that many items, no trailing bytes.
absl::StatusOr<std::vector<ByteSpan>> DecodeBatch(ByteSpan content);

// Splits transmissions into batch contents, each within the reference sender's limit for
// `block_size` (sum of 2 + len <= block_size - kBatchReserve, at most 255 items), keeping order.
// A transmission that cannot fit in a block on its own fails the whole call (TELargeMsg).
absl::StatusOr<std::vector<Bytes>> PackBatches(absl::Span<const Bytes> transmissions,
                                               size_t block_size);

// Largest transmission that fits alone in a batch of `block_size`.
constexpr size_t MaxBatchedTransmission(size_t block_size) {
  return block_size - kBatchReserve - 2;
}

}  // namespace ntf::wire
