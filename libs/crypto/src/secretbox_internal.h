#pragma once

// crypto_secretbox_easy with a faster Salsa20 where the CPU allows it. Not part of the public API;
// box.cc and seal.cc encrypt through SecretboxEasy, the tests reach the pieces.
//
// The pusher encrypts a 2,912-byte padded block per push; libsodium 1.0.18's best Salsa20 is
// 8 blocks at a time with AVX2, where a rotate takes three instructions. With AVX-512 (F + BW)
// Salsa20XorIcAvx512 runs 16 blocks at a time with one-instruction rotates (vprold): 2,880
// bytes in ~0.52 us instead of ~1.26 us on the benchmark machine (docs/benchmarks.md). The
// output is the same, byte for byte (tests against libsodium). HSalsa20 and the first block are
// libsodium's; Poly1305 is OpenSSL's (~0.4 cycles per byte here, libsodium's SSE2 code ~0.65).

#include <cstddef>
#include <cstdint>

namespace ntf::crypto::internal {

// crypto_stream_salsa20_xor_ic: out = in XOR the Salsa20 key stream of (key, 8-byte nonce) from
// 64-byte block `ic` on. out and in may be the same buffer (not otherwise overlapping). Picks the
// AVX-512 code for inputs of 256 bytes or more when the CPU has it, libsodium otherwise.
void Salsa20XorIc(uint8_t* out, const uint8_t* in, size_t len, const uint8_t* nonce8, uint64_t ic,
                  const uint8_t* key);

// crypto_secretbox_easy (XSalsa20-Poly1305): c = tag(16) || ciphertext(mlen), for a 24-byte
// nonce and a 32-byte key. m may be c + 16 (encryption in place); otherwise m and c must not
// overlap.
void SecretboxEasy(uint8_t* c, const uint8_t* m, size_t mlen, const uint8_t* nonce24,
                   const uint8_t* key);

#if defined(__x86_64__)
// True if the CPU and the OS support AVX-512 F and BW (checked once). Valgrind reports neither.
bool CpuHasAvx512();
// Salsa20XorIc, 16 blocks per step, any length. Only call it if CpuHasAvx512().
void Salsa20XorIcAvx512(uint8_t* out, const uint8_t* in, size_t len, const uint8_t* nonce8,
                        uint64_t ic, const uint8_t* key);
#endif

}  // namespace ntf::crypto::internal
