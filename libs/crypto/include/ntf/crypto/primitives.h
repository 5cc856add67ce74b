#pragma once

// Small primitives: randomness, constant-time comparison, hashes and HKDF.
//
// Thread-safety: every function is thread-safe. libsodium is initialised once, on first use,
// behind a function-local static; OpenSSL's HKDF implementation is fetched once the same way.
// Nothing here blocks except on the kernel's random source during early boot.

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::crypto {

using wire::Bytes;
using wire::ByteSpan;

using Sha256Digest = std::array<uint8_t, 32>;
using Sha512Digest = std::array<uint8_t, 64>;

// Size of the random entity and correlation ids the SimpleX agents use.
inline constexpr size_t kRandomIdSize = 24;

// n bytes from libsodium's CSPRNG (randombytes_buf). Never fails.
Bytes RandomBytes(size_t n);
// 24 random bytes: a fresh token, subscription or correlation id.
Bytes RandomId();

// Compares in time that depends only on the lengths (sodium_memcmp). Different lengths are
// unequal (and return early: lengths are not secret).
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

Sha256Digest Sha256(ByteSpan data);
Sha512Digest Sha512(ByteSpan data);

// HKDF (RFC 5869) with SHA-512, through OpenSSL 3's EVP_KDF. An empty salt means the RFC's
// default (64 zero bytes). Returns InvalidArgument if length is 0 or over 255 * 64, Internal if
// OpenSSL fails.
absl::StatusOr<Bytes> HkdfSha512(ByteSpan salt, ByteSpan ikm, ByteSpan info, size_t length);

}  // namespace ntf::crypto
