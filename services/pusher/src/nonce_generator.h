#pragma once

// Nonces for the push payloads' crypto_box, without a system call per push.
//
// crypto::RandomNonce() asks the kernel (getrandom) for every 24-byte nonce: one system call
// per push, a measurable share of the pusher's CPU at tens of thousands of pushes per second.
// NonceGenerator is a userspace CSPRNG seeded once from the OS:
//
//   * the key: 32 bytes from libsodium's randombytes_buf (getrandom) when the generator is made;
//   * output: the ChaCha20 keystream (crypto_stream_chacha20_ietf) under that key, 4 KiB per
//     refill, handed out 24 bytes at a time;
//   * fast key erasure (D. J. Bernstein, "Fast-key-erasure random-number generators", 2017):
//     the first 32 bytes of every refill become the next key and are wiped from the buffer, and
//     every byte handed out is wiped too, so the generator's state never lets anyone recompute
//     an earlier output. The stream nonce can stay zero because every refill uses a fresh key.
//
// The outputs are indistinguishable from random as long as ChaCha20 is a PRF, so the nonces are
// unique (and unpredictable) with overwhelming probability, like getrandom's: 2^-96 for a
// collision among 2^48 nonces. crypto_box (XSalsa20-Poly1305) only needs them unique under a
// key. One generator per thread (ThreadNonce), so there is no lock and no shared state; the
// pusher never forks (a forked child would repeat its parent's stream).
//
// Thread-safety: a NonceGenerator is not thread-safe; ThreadNonce() is (one per thread).

#include <array>
#include <cstddef>
#include <cstdint>

#include "ntf/crypto/box.h"

namespace ntf::pusher {

class NonceGenerator {
 public:
  // Seeds from the OS.
  NonceGenerator();
  ~NonceGenerator();
  NonceGenerator(const NonceGenerator&) = delete;
  NonceGenerator& operator=(const NonceGenerator&) = delete;

  crypto::CbNonce Next();

  // How many refills (ChaCha20 calls) so far; for tests.
  uint64_t RefillsForTest() const { return refills_; }

 private:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kBufferSize = kKeySize + 24 * 169;  // 4088 bytes per refill

  void Refill();

  std::array<uint8_t, kKeySize> key_;
  std::array<uint8_t, kBufferSize> buffer_;
  size_t used_ = kBufferSize;  // bytes of buffer_ consumed (and wiped)
  uint64_t refills_ = 0;
};

// A nonce from this thread's NonceGenerator (made on first use).
crypto::CbNonce ThreadNonce();

}  // namespace ntf::pusher
