#include "ntf/crypto/primitives.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <thread>

#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using testing::Hex;
using testing::ToHex;

TEST(Random, BytesHaveTheRequestedSizeAndDiffer) {
  EXPECT_TRUE(RandomBytes(0).empty());
  EXPECT_EQ(RandomBytes(1000).size(), 1000u);
  std::set<Bytes> ids;
  for (int i = 0; i < 100; ++i) {
    Bytes id = RandomId();
    ASSERT_EQ(id.size(), kRandomIdSize);
    ids.insert(std::move(id));
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals(Hex(""), Hex("")));
  EXPECT_TRUE(ConstantTimeEquals(Hex("0102"), Hex("0102")));
  EXPECT_FALSE(ConstantTimeEquals(Hex("0102"), Hex("0103")));
  EXPECT_FALSE(ConstantTimeEquals(Hex("0102"), Hex("010200")));
  EXPECT_FALSE(ConstantTimeEquals(Hex(""), Hex("00")));
}

TEST(Hash, Sha256AndSha512OfAbc) {
  EXPECT_EQ(ToHex(Sha256(wire::AsSpan("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha512(wire::AsSpan("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

// OpenSSL computes the digests; libsodium is the reference (and the fallback). Every length
// around the block boundaries, from two threads at once (each keeps its own context).
TEST(Hash, Sha256AndSha512MatchLibsodiumAtEveryLengthOnEveryThread) {
  ASSERT_GE(sodium_init(), 0);
  auto check = [] {
    Bytes data;
    for (size_t n = 0; n <= 300; ++n) {
      Sha256Digest sha256;
      crypto_hash_sha256(sha256.data(), data.data(), data.size());
      Sha512Digest sha512;
      crypto_hash_sha512(sha512.data(), data.data(), data.size());
      EXPECT_EQ(Sha256(data), sha256) << n;
      EXPECT_EQ(Sha512(data), sha512) << n;
      data.push_back(static_cast<uint8_t>(n * 131 + 7));
    }
  };
  std::thread other(check);
  check();
  other.join();
}

// RFC 5869 test case 1 inputs with SHA-512 (expected output from Python "cryptography").
TEST(Hkdf, Sha512MatchesReference) {
  const Bytes ikm(22, 0x0b);
  absl::StatusOr<Bytes> okm =
      HkdfSha512(Hex("000102030405060708090a0b0c"), ikm, Hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(ToHex(*okm),
            "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362cb8d9f925d7cb");
}

TEST(Hkdf, EmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  absl::StatusOr<Bytes> okm = HkdfSha512({}, ikm, {}, 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(ToHex(*okm),
            "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90fff22d04836d0e2343bac");
  // An explicit all-zero salt of hash length is the same as an empty one (RFC 5869 §2.2).
  EXPECT_EQ(*HkdfSha512(Bytes(64, 0), ikm, {}, 42), *okm);
}

TEST(Hkdf, RejectsBadLengths) {
  const Bytes ikm(32, 1);
  EXPECT_EQ(HkdfSha512({}, ikm, {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HkdfSha512({}, ikm, {}, 255 * 64 + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HkdfSha512({}, ikm, {}, 255 * 64)->size(), 255u * 64);
}

}  // namespace
}  // namespace ntf::crypto
