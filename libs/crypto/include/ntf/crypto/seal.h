#pragma once

// Sealing secrets at rest (notifier private keys, DH secrets in PostgreSQL) with a server key
// kept outside the database (design.md §3):
//
//   sealed = nonce(24, random) || crypto_secretbox_easy(plaintext, nonce, key)   -- +40 bytes
//
// This is plain libsodium crypto_secretbox (XSalsa20-Poly1305), not SimpleX's HSalsa20-keyed
// variant: the format is ours alone.
//
// Thread-safety: all functions are thread-safe; SealKey is an immutable value, wiped on
// destruction. Nothing blocks.

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::crypto {

using wire::Bytes;
using wire::ByteSpan;

inline constexpr size_t kSealKeySize = 32;
inline constexpr size_t kSealOverhead = 24 + 16;

class SealKey {
 public:
  // From 32 key bytes (e.g. read from a key file). InvalidArgument for any other length.
  static absl::StatusOr<SealKey> FromRaw(ByteSpan raw);
  // A fresh random key.
  static SealKey Generate();

  SealKey(const SealKey&) = default;
  SealKey& operator=(const SealKey&) = default;
  ~SealKey();

  ByteSpan raw() const { return key_; }

 private:
  explicit SealKey(const std::array<uint8_t, kSealKeySize>& key) : key_(key) {}

  std::array<uint8_t, kSealKeySize> key_;
};

// Encrypts with a fresh random nonce. The result is plaintext.size() + 40 bytes.
Bytes Seal(const SealKey& key, ByteSpan plaintext);
// Reverses Seal. InvalidArgument if shorter than 40 bytes or authentication fails (wrong key or
// tampered data).
absl::StatusOr<Bytes> Unseal(const SealKey& key, ByteSpan sealed);

}  // namespace ntf::crypto
