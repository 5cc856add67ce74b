#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "internal.h"
#include "secretbox_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ntf::crypto::internal {
namespace {

// Below this the 16-block step computes mostly unused key stream; libsodium is as fast.
constexpr size_t kAvx512MinLength = 256;

// Poly1305 through OpenSSL: ~0.13 ns per byte here against libsodium's ~0.22 (its SSE2 code);
// 0.17 us less per 2,928-byte push. The MAC is fetched once, each thread keeps a context.
// False if OpenSSL fails (it cannot for a 32-byte key); the caller then asks libsodium.
bool OpenSslPoly1305(uint8_t* tag, const uint8_t* in, size_t len, const uint8_t* key) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  if (mac == nullptr) return false;
  thread_local const EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  size_t written = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx.get(), key, 32, nullptr) == 1 &&
                  (len == 0 || EVP_MAC_update(ctx.get(), in, len) == 1) &&
                  EVP_MAC_final(ctx.get(), tag, &written, crypto_onetimeauth_poly1305_BYTES) == 1 &&
                  written == crypto_onetimeauth_poly1305_BYTES;
  if (!ok) ERR_clear_error();
  return ok;
}

bool Overlap(const uint8_t* a, const uint8_t* b, size_t len) {
  const auto x = reinterpret_cast<uintptr_t>(a);
  const auto y = reinterpret_cast<uintptr_t>(b);
  return x < y ? y - x < len : x - y < len;
}

#if defined(__x86_64__)

#define NTF_AVX512 __attribute__((target("avx512f,avx512bw")))

// r[w] holds word w of 16 blocks (lane j = block j); afterwards r[j] holds block j, words in
// order: unpack 32-bit and 64-bit pairs within 128-bit lanes, then move 128-bit lanes twice.
NTF_AVX512 inline void Transpose16x16(__m512i* r) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  __m512i u[16];
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  __m512i v[16];
  for (int g = 0; g < 4; g += 2) {
    for (int q = 0; q < 4; ++q) {
      v[4 * g + q] = _mm512_shuffle_i32x4(u[4 * g + q], u[4 * (g + 1) + q], 0x88);
      v[4 * g + 4 + q] = _mm512_shuffle_i32x4(u[4 * g + q], u[4 * (g + 1) + q], 0xdd);
    }
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm512_shuffle_i32x4(v[q], v[8 + q], 0x88);
    r[8 + q] = _mm512_shuffle_i32x4(v[q], v[8 + q], 0xdd);
    r[4 + q] = _mm512_shuffle_i32x4(v[4 + q], v[12 + q], 0x88);
    r[12 + q] = _mm512_shuffle_i32x4(v[4 + q], v[12 + q], 0xdd);
  }
}

// One Salsa20 quarter round on 16 blocks at once.
NTF_AVX512 inline void QuarterRound(__m512i& a, __m512i& b, __m512i& c, __m512i& d) {
  b = _mm512_xor_si512(b, _mm512_rol_epi32(_mm512_add_epi32(a, d), 7));
  c = _mm512_xor_si512(c, _mm512_rol_epi32(_mm512_add_epi32(b, a), 9));
  d = _mm512_xor_si512(d, _mm512_rol_epi32(_mm512_add_epi32(c, b), 13));
  a = _mm512_xor_si512(a, _mm512_rol_epi32(_mm512_add_epi32(d, c), 18));
}

uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // x86-64 is little-endian, as Salsa20 is
  return v;
}

#endif  // __x86_64__

}  // namespace

#if defined(__x86_64__)

bool CpuHasAvx512() {
  static const bool has = [] {
    __builtin_cpu_init();  // libgcc also checks that the OS saves the AVX-512 registers
    return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512bw") != 0;
  }();
  return has;
}

NTF_AVX512 void Salsa20XorIcAvx512(uint8_t* out, const uint8_t* in, size_t len,
                                   const uint8_t* nonce8, uint64_t ic, const uint8_t* key) {
  // The Salsa20 input block: constants, key, nonce and the 64-bit block counter (words 8, 9).
  uint32_t init[16];
  init[0] = 0x61707865;
  init[5] = 0x3320646e;
  init[10] = 0x79622d32;
  init[15] = 0x6b206574;
  for (int i = 0; i < 4; ++i) {
    init[1 + i] = LoadLe32(key + 4 * i);
    init[11 + i] = LoadLe32(key + 16 + 4 * i);
  }
  init[6] = LoadLe32(nonce8);
  init[7] = LoadLe32(nonce8 + 4);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  while (len > 0) {
    __m512i x[16];
    for (int i = 0; i < 16; ++i) x[i] = _mm512_set1_epi32(static_cast<int>(init[i]));
    // Block j of this step has counter ic + j: add to the low word, carry into the high one.
    x[8] = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(ic))), lane);
    const __mmask16 carry = _mm512_cmplt_epu32_mask(x[8], lane);
    const __m512i high = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(ic >> 32)));
    x[9] = _mm512_mask_add_epi32(high, carry, high, _mm512_set1_epi32(1));
    __m512i start[16];
    std::copy(x, x + 16, start);
    for (int round = 0; round < 20; round += 2) {
      QuarterRound(x[0], x[4], x[8], x[12]);  // columns
      QuarterRound(x[5], x[9], x[13], x[1]);
      QuarterRound(x[10], x[14], x[2], x[6]);
      QuarterRound(x[15], x[3], x[7], x[11]);
      QuarterRound(x[0], x[1], x[2], x[3]);  // rows
      QuarterRound(x[5], x[6], x[7], x[4]);
      QuarterRound(x[10], x[11], x[8], x[9]);
      QuarterRound(x[15], x[12], x[13], x[14]);
    }
    for (int i = 0; i < 16; ++i) x[i] = _mm512_add_epi32(x[i], start[i]);
    Transpose16x16(x);
    for (int j = 0; j < 16 && len > 0; ++j) {
      if (len >= 64) {
        _mm512_storeu_si512(out, _mm512_xor_si512(x[j], _mm512_loadu_si512(in)));
        out += 64;
        in += 64;
        len -= 64;
      } else {
        const __mmask64 mask = (uint64_t{1} << len) - 1;
        _mm512_mask_storeu_epi8(out, mask,
                                _mm512_xor_si512(x[j], _mm512_maskz_loadu_epi8(mask, in)));
        len = 0;
      }
    }
    ic += 16;
  }
  sodium_memzero(init, sizeof init);  // the key's words (best effort: registers are not wiped)
}

#endif  // __x86_64__

void Salsa20XorIc(uint8_t* out, const uint8_t* in, size_t len, const uint8_t* nonce8, uint64_t ic,
                  const uint8_t* key) {
#if defined(__x86_64__)
  if (len >= kAvx512MinLength && CpuHasAvx512()) {
    Salsa20XorIcAvx512(out, in, len, nonce8, ic, key);
    return;
  }
#endif
  EnsureSodium();
  crypto_stream_salsa20_xor_ic(out, in, len, nonce8, ic, key);
}

// crypto_secretbox_detached, step for step: HSalsa20 of the key and the nonce's first 16 bytes
// gives the Salsa20 key; block 0 of the stream gives the Poly1305 key (its first 32 bytes) and
// encrypts the first 32 message bytes; blocks 1.. encrypt the rest; Poly1305 (OpenSSL's, or
// libsodium's should OpenSSL fail) tags the ciphertext.
void SecretboxEasy(uint8_t* c, const uint8_t* m, size_t mlen, const uint8_t* nonce24,
                   const uint8_t* key) {
  EnsureSodium();
  uint8_t* const ct = c + crypto_secretbox_MACBYTES;
  if (m != ct && Overlap(m, ct, mlen)) {
    if (crypto_secretbox_easy(c, m, mlen, nonce24, key) != 0) std::abort();  // over 2^64 bytes
    return;
  }
  uint8_t subkey[crypto_stream_salsa20_KEYBYTES];
  crypto_core_hsalsa20(subkey, nonce24, key, nullptr);
  uint8_t block0[64] = {};
  const size_t head = std::min<size_t>(mlen, 32);
  if (head > 0) std::memcpy(block0 + 32, m, head);  // m may be null when mlen is 0
  crypto_stream_salsa20_xor(block0, block0, 32 + head, nonce24 + 16, subkey);
  if (mlen > head) Salsa20XorIc(ct + head, m + head, mlen - head, nonce24 + 16, 1, subkey);
  if (head > 0) std::memcpy(ct, block0 + 32, head);
  if (!OpenSslPoly1305(c, ct, mlen, block0)) crypto_onetimeauth_poly1305(c, ct, mlen, block0);
  sodium_memzero(block0, sizeof block0);
  sodium_memzero(subkey, sizeof subkey);
}

}  // namespace ntf::crypto::internal
