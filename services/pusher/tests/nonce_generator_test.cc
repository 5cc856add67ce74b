#include "services/pusher/src/nonce_generator.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "ntf/crypto/box.h"
#include "services/pusher/src/push_payload.h"

namespace ntf::pusher {
namespace {

TEST(NonceGeneratorTest, NoncesDifferAcrossRefills) {
  NonceGenerator generator;
  std::set<crypto::CbNonce> seen;
  constexpr int kCount = 20000;  // ~118 refills
  for (int i = 0; i < kCount; ++i) {
    EXPECT_TRUE(seen.insert(generator.Next()).second) << "repeated at " << i;
  }
  EXPECT_GT(generator.RefillsForTest(), 100u);
  // Not stuck on a constant byte value: every byte position takes many values.
  for (size_t pos = 0; pos < crypto::kNonceSize; ++pos) {
    std::set<uint8_t> values;
    for (const crypto::CbNonce& n : seen) values.insert(n[pos]);
    EXPECT_GT(values.size(), 200u) << pos;
  }
}

TEST(NonceGeneratorTest, GeneratorsAndThreadsDoNotRepeatEachOther) {
  NonceGenerator a;
  NonceGenerator b;
  EXPECT_NE(a.Next(), b.Next());  // seeded independently from the OS

  std::vector<std::vector<crypto::CbNonce>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 5000; ++i) out.push_back(ThreadNonce());
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<crypto::CbNonce> all;
  for (const auto& out : per_thread) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 4u * 5000u);
}

TEST(NonceGeneratorTest, ThreadNonceEncryptsAndDecrypts) {
  const crypto::CbNonce nonce = ThreadNonce();
  const crypto::DhSecret secret = *crypto::DhSecret::FromRaw(wire::Bytes(32, 7));
  const wire::Bytes message = {1, 2, 3};
  const wire::Bytes box = crypto::BoxEncrypt(secret, nonce, message);
  absl::StatusOr<wire::Bytes> opened = crypto::BoxDecrypt(secret, nonce, box);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, message);
}

}  // namespace
}  // namespace ntf::pusher
