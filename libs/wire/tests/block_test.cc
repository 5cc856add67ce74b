#include "ntf/wire/block.h"

#include <gtest/gtest.h>

namespace ntf::wire {
namespace {

TEST(Block, PadsWithHashToTheBlockSize) {
  Bytes block = *PadBlock(AsSpan("abc"), kNtfBlockSize);
  ASSERT_EQ(block.size(), 512u);
  EXPECT_EQ(HexEncode(ByteSpan(block).subspan(0, 5)), "0003616263");
  for (size_t i = 5; i < block.size(); ++i) ASSERT_EQ(block[i], '#') << i;
  EXPECT_EQ(AsStringView(*UnpadBlock(block, kNtfBlockSize)), "abc");
}

TEST(Block, LargestContentFits) {
  Bytes content(kSmpBlockSize - 2, 'x');
  Bytes block = *PadBlock(content, kSmpBlockSize);
  EXPECT_EQ(block.size(), kSmpBlockSize);
  EXPECT_EQ(UnpadBlock(block, kSmpBlockSize)->size(), kSmpBlockSize - 2);
  content.push_back('y');
  EXPECT_FALSE(PadBlock(content, kSmpBlockSize).ok());
}

TEST(Block, UnpadRejectsWrongSizeAndOverlongLength) {
  Bytes short_block(511, '#');
  EXPECT_FALSE(UnpadBlock(short_block, kNtfBlockSize).ok());
  Bytes block(512, '#');
  block[0] = 0x01;
  block[1] = 0xff;  // 511 > 510 available
  EXPECT_FALSE(UnpadBlock(block, kNtfBlockSize).ok());
  block[0] = 0x01;
  block[1] = 0xfe;  // exactly 510
  EXPECT_TRUE(UnpadBlock(block, kNtfBlockSize).ok());
}

TEST(Batch, EncodeDecodeRoundTrip) {
  std::vector<Bytes> items = {ToBytes("one"), ToBytes(""), ToBytes("three")};
  Bytes content = *EncodeBatch(items);
  EXPECT_EQ(HexEncode(content),
            "03"
            "00036f6e65"
            "0000"
            "00057468726565");
  std::vector<ByteSpan> decoded = *DecodeBatch(content);
  ASSERT_EQ(decoded.size(), 3u);
  EXPECT_EQ(AsStringView(decoded[0]), "one");
  EXPECT_TRUE(decoded[1].empty());
  EXPECT_EQ(AsStringView(decoded[2]), "three");
}

TEST(Batch, DecodeIsStrict) {
  EXPECT_FALSE(DecodeBatch(*HexDecode("00")).ok());          // count 0
  EXPECT_FALSE(DecodeBatch(*HexDecode("02000161")).ok());    // one item missing
  EXPECT_FALSE(DecodeBatch(*HexDecode("0100016162")).ok());  // trailing byte
  EXPECT_FALSE(DecodeBatch({}).ok());                        // empty
  EXPECT_TRUE(DecodeBatch(*HexDecode("01000161")).ok());
}

TEST(Batch, EncodeRejectsEmptyAndTooMany) {
  EXPECT_FALSE(EncodeBatch({}).ok());
  std::vector<Bytes> many(256, ToBytes("x"));
  EXPECT_FALSE(EncodeBatch(many).ok());
  many.pop_back();
  EXPECT_TRUE(EncodeBatch(many).ok());
}

// smp-notifier.md §2.3: capacities per 16 KB block that match the upstream BatchingTests.
TEST(Batch, SmpCapacitiesMatchReference) {
  struct Case {
    size_t size, per_block;
  } cases[] = {{120, 134}, {119, 135}, {136, 118}, {201, 80}, {30, 255}};
  for (const Case& c : cases) {
    std::vector<Bytes> items(1000, Bytes(c.size, 0x41));
    std::vector<Bytes> batches = *PackBatches(items, kSmpBlockSize);
    ASSERT_FALSE(batches.empty());
    EXPECT_EQ(batches[0][0], c.per_block) << "transmission size " << c.size;
    size_t total = 0;
    for (const Bytes& b : batches) {
      total += b[0];
      EXPECT_TRUE(PadBlock(b, kSmpBlockSize).ok());
    }
    EXPECT_EQ(total, 1000u);
  }
}

TEST(Batch, NtfLimitIs493BytesOfItems) {
  // 512 - 19 = 493 bytes of large() items per NTF block.
  std::vector<Bytes> items(3, Bytes(162, 0));  // 3 * 164 = 492
  EXPECT_EQ(PackBatches(items, kNtfBlockSize)->size(), 1u);
  items.assign(3, Bytes(163, 0));  // 3 * 165 = 495
  EXPECT_EQ(PackBatches(items, kNtfBlockSize)->size(), 2u);
  EXPECT_EQ(MaxBatchedTransmission(kNtfBlockSize), 491u);
  EXPECT_TRUE(PackBatches({Bytes(491, 0)}, kNtfBlockSize).ok());
  EXPECT_FALSE(PackBatches({Bytes(492, 0)}, kNtfBlockSize).ok());
}

}  // namespace
}  // namespace ntf::wire
