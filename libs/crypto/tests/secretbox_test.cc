// The Salsa20 and crypto_secretbox_easy behind BoxEncrypt, BoxEncryptPadded, SbEncrypt and Seal
// against libsodium's own: every length up to 1,100 bytes and the pusher's sizes, block counters
// whose low word wraps inside a 16-block step, in place and between two buffers.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <random>
#include <vector>

#include "../src/secretbox_internal.h"

namespace ntf::crypto::internal {
namespace {

std::vector<uint8_t> RandomData(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

std::vector<size_t> Lengths() {
  std::vector<size_t> out;
  for (size_t n = 0; n <= 1100; ++n) out.push_back(n);
  for (size_t n : {2047u, 2048u, 2049u, 2880u, 2912u, 4096u + 7}) out.push_back(n);
  return out;
}

constexpr uint64_t kCounters[] = {0, 1, 7, 0xfffffff5, 0x1234567890abcdefULL};

using Salsa20Fn = void (*)(uint8_t*, const uint8_t*, size_t, const uint8_t*, uint64_t,
                           const uint8_t*);

void ExpectSameAsLibsodium(Salsa20Fn fn) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937 rng(7);
  const std::vector<uint8_t> key = RandomData(rng, 32);
  const std::vector<uint8_t> nonce = RandomData(rng, 8);
  for (size_t n : Lengths()) {
    if (n == 0) continue;  // libsodium's stream functions take no null pointers
    const std::vector<uint8_t> in = RandomData(rng, n);
    for (uint64_t ic : kCounters) {
      std::vector<uint8_t> want(n);
      crypto_stream_salsa20_xor_ic(want.data(), in.data(), n, nonce.data(), ic, key.data());
      std::vector<uint8_t> got(n);
      fn(got.data(), in.data(), n, nonce.data(), ic, key.data());
      ASSERT_EQ(got, want) << "length " << n << ", counter " << ic;
      std::vector<uint8_t> in_place = in;
      fn(in_place.data(), in_place.data(), n, nonce.data(), ic, key.data());
      ASSERT_EQ(in_place, want) << "in place, length " << n << ", counter " << ic;
    }
  }
}

TEST(Salsa20XorIc, MatchesLibsodium) { ExpectSameAsLibsodium(&Salsa20XorIc); }

#if defined(__x86_64__)
TEST(Salsa20XorIcAvx512, MatchesLibsodiumAtEveryLength) {
  if (!CpuHasAvx512()) GTEST_SKIP() << "this CPU has no AVX-512 F+BW";
  ExpectSameAsLibsodium(&Salsa20XorIcAvx512);
}
#endif

TEST(SecretboxEasy, MatchesLibsodiumInPlaceAndBetweenBuffers) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937 rng(11);
  for (size_t n : Lengths()) {
    const std::vector<uint8_t> key = RandomData(rng, crypto_secretbox_KEYBYTES);
    const std::vector<uint8_t> nonce = RandomData(rng, crypto_secretbox_NONCEBYTES);
    const std::vector<uint8_t> msg = RandomData(rng, n);
    std::vector<uint8_t> want(n + crypto_secretbox_MACBYTES);
    ASSERT_EQ(crypto_secretbox_easy(want.data(), msg.data(), n, nonce.data(), key.data()), 0);

    std::vector<uint8_t> got(n + crypto_secretbox_MACBYTES);
    SecretboxEasy(got.data(), msg.data(), n, nonce.data(), key.data());
    ASSERT_EQ(got, want) << "length " << n;

    // The message already where the ciphertext goes, as BoxEncryptPadded does.
    std::vector<uint8_t> in_place(crypto_secretbox_MACBYTES);
    in_place.insert(in_place.end(), msg.begin(), msg.end());
    SecretboxEasy(in_place.data(), in_place.data() + crypto_secretbox_MACBYTES, n, nonce.data(),
                  key.data());
    ASSERT_EQ(in_place, want) << "in place, length " << n;

    // Overlapping otherwise (the message at the start of the output): libsodium's own path.
    std::vector<uint8_t> shifted = msg;
    shifted.resize(n + crypto_secretbox_MACBYTES);
    SecretboxEasy(shifted.data(), shifted.data(), n, nonce.data(), key.data());
    ASSERT_EQ(shifted, want) << "overlapping, length " << n;
  }
}

}  // namespace
}  // namespace ntf::crypto::internal
