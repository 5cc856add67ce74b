#pragma once

// Asymmetric keys of the SimpleX protocols and their DER blobs (smp-notifier.md §4,
// ntf-protocol.md §1.6, RFC 8410).
//
//   public key  = SubjectPublicKeyInfo DER: a fixed 12-byte prefix per algorithm + raw key
//                 Ed25519 44 bytes, X25519 44, Ed448 69, X448 68
//   private key = PKCS#8 OneAsymmetricKey v0 DER, no attributes, no public key:
//                 Ed25519/X25519 48 bytes, Ed448 73, X448 72
//
// Decoding is strict: only the exact layouts above are accepted.
//
// Thread-safety: every function is thread-safe (no shared mutable state). PublicKey and
// PrivateKey are values; const access from several threads is safe.
// Errors: malformed input returns InvalidArgument naming the problem; an unsupported operation
// for an algorithm (e.g. a DH key where a signing key is needed) returns InvalidArgument too.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::crypto {

using wire::Bytes;
using wire::ByteSpan;

enum class KeyAlgorithm {
  kEd25519,  // signatures (libsodium)
  kEd448,    // signatures (OpenSSL; libsodium has no Ed448)
  kX25519,   // DH and command authenticators (libsodium)
  kX448,     // DH only; supported for key blobs, not for DH or authorization
};

// "Ed25519", "Ed448", "X25519", "X448".
std::string_view AlgorithmName(KeyAlgorithm alg);
// Raw public key size: 32, 57, 32, 56.
size_t PublicKeySize(KeyAlgorithm alg);
// Raw private key size (RFC 8410; the Ed25519 private key is its 32-byte seed): 32, 57, 32, 56.
size_t PrivateKeySize(KeyAlgorithm alg);
// True for the algorithms the servers accept as authorization keys (Ed25519, Ed448, X25519).
bool IsAuthAlgorithm(KeyAlgorithm alg);

// A raw public key. Plain value; any function taking one checks that raw.size() matches alg and
// fails (or returns false) otherwise, so a hand-built PublicKey cannot cause out-of-bounds reads.
struct PublicKey {
  KeyAlgorithm alg = KeyAlgorithm::kEd25519;
  Bytes raw = {};

  bool operator==(const PublicKey&) const = default;
};

// A private key with its public half. Always valid: it is only built by the factories below,
// which check the length and derive the public key. The secret bytes are wiped on destruction
// (best effort: buffers released by assignment are not). Copyable and movable; a moved-from key
// may only be destroyed or assigned to.
class PrivateKey {
 public:
  // Builds a key from its raw RFC 8410 private bytes (Ed25519: 32-byte seed; X25519: 32-byte
  // scalar; Ed448: 57 bytes; X448: 56 bytes). Deterministic, so tests use it with fixed seeds.
  static absl::StatusOr<PrivateKey> FromRaw(KeyAlgorithm alg, ByteSpan raw);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  ~PrivateKey();

  KeyAlgorithm alg() const { return public_key_.alg; }
  // The secret bytes. Treat with care: do not log.
  ByteSpan raw() const { return raw_; }
  const PublicKey& public_key() const { return public_key_; }

 private:
  PrivateKey(Bytes raw, PublicKey public_key)
      : raw_(std::move(raw)), public_key_(std::move(public_key)) {}

  Bytes raw_;
  PublicKey public_key_;
};

// The public half of a private key.
inline const PublicKey& PublicOf(const PrivateKey& key) { return key.public_key(); }

// A fresh random key (libsodium randombytes_buf for the seed/scalar). Never fails for the four
// algorithms; returns Internal only if OpenSSL fails to derive an Ed448/X448 public key.
absl::StatusOr<PrivateKey> GenerateKeyPair(KeyAlgorithm alg);

// SubjectPublicKeyInfo DER <-> PublicKey. Decode rejects an unknown algorithm prefix, a wrong
// total length, and trailing bytes. Encode returns InvalidArgument if raw has the wrong size.
absl::StatusOr<PublicKey> DecodePublicKeySpki(ByteSpan der);
absl::StatusOr<Bytes> EncodeSpki(const PublicKey& key);

// PKCS#8 DER <-> PrivateKey (version 0, no attributes, no embedded public key: the layout the
// reference writes). Decode rejects anything else.
absl::StatusOr<PrivateKey> DecodePrivateKeyPkcs8(ByteSpan der);
Bytes EncodePkcs8(const PrivateKey& key);

}  // namespace ntf::crypto
