#include "ntf/crypto/seal.h"

#include <gtest/gtest.h>

#include "ntf/crypto/primitives.h"

namespace ntf::crypto {
namespace {

TEST(Seal, RoundTrip) {
  SealKey key = SealKey::Generate();
  for (size_t n : {0, 1, 48, 1000}) {
    const Bytes secret = RandomBytes(n);
    Bytes sealed = Seal(key, secret);
    EXPECT_EQ(sealed.size(), n + kSealOverhead);
    absl::StatusOr<Bytes> opened = Unseal(key, sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, secret);
  }
}

TEST(Seal, FreshNonceEachTime) {
  SealKey key = SealKey::Generate();
  const Bytes secret(32, 7);
  EXPECT_NE(Seal(key, secret), Seal(key, secret));
}

TEST(Seal, TamperingAndWrongKeyAreRejected) {
  SealKey key = *SealKey::FromRaw(Bytes(32, 1));
  const Bytes sealed = Seal(key, Bytes(48, 9));
  for (size_t i : {size_t{0}, size_t{23}, size_t{24}, size_t{40}, sealed.size() - 1}) {
    Bytes bad = sealed;
    bad[i] ^= 0x10;
    EXPECT_FALSE(Unseal(key, bad).ok()) << i;
  }
  EXPECT_FALSE(Unseal(*SealKey::FromRaw(Bytes(32, 2)), sealed).ok());
  EXPECT_FALSE(Unseal(key, ByteSpan(sealed).subspan(0, sealed.size() - 1)).ok());
  EXPECT_FALSE(Unseal(key, ByteSpan(sealed).subspan(0, 39)).ok());
  EXPECT_FALSE(Unseal(key, {}).ok());
}

TEST(Seal, KeyFromRaw) {
  EXPECT_FALSE(SealKey::FromRaw(Bytes(31, 0)).ok());
  EXPECT_FALSE(SealKey::FromRaw(Bytes(33, 0)).ok());
  SealKey a = *SealKey::FromRaw(Bytes(32, 5));
  SealKey b = *SealKey::FromRaw(a.raw());
  EXPECT_EQ(*Unseal(b, Seal(a, Bytes(3, 3))), Bytes(3, 3));
}

}  // namespace
}  // namespace ntf::crypto
