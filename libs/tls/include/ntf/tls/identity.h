#pragma once

// Server identity in the SimpleX transport (spec/smp-notifier.md §1.4, spec/ntf-protocol.md
// §1.1): the fingerprint ("keyHash") pinned in `ntf://<fp>@host` and `smp://<fp>@host` is the
// SHA-256 of the DER of the identity (CA) certificate, the 2nd certificate of the TLS chain.
//
// Pure functions: no I/O, thread-safe, never block.

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ntf::tls {

inline constexpr size_t kFingerprintSize = 32;
using Fingerprint = std::array<uint8_t, kFingerprintSize>;

// A DER-encoded X.509 certificate.
using Der = std::vector<uint8_t>;

// Certificate key algorithms the transport allows (TLS sigalgs ed25519:ed448).
enum class KeyAlgorithm { kEd25519, kEd448 };

std::string_view KeyAlgorithmName(KeyAlgorithm algorithm);  // "ED25519" | "ED448"

// SHA-256 of `der` (the whole signed certificate).
Fingerprint FingerprintOfDer(absl::Span<const uint8_t> der);

// base64url with '=' padding (the reference encoder's form), e.g.
// "LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=".
std::string FormatFingerprint(const Fingerprint& fingerprint);
// Accepts base64url with or without padding. InvalidArgument unless it decodes to 32 bytes.
absl::StatusOr<Fingerprint> ParseFingerprint(std::string_view text);

// Positions of the three roles in a server chain (leaf first), per the reference's
// `chainIdCaCerts`:  2 -> [leaf, id=ca],  3 -> [leaf, id, ca],  4 -> [leaf, id, x, ca].
struct ChainRoles {
  size_t leaf = 0;  // TLS key; signs the per-connection handshake key
  size_t id = 1;    // identity certificate: its fingerprint is the pinned keyHash
  size_t ca = 1;    // the only trust anchor
};
// Unauthenticated for 0, 1 or >= 5 certificates.
absl::StatusOr<ChainRoles> ClassifyChain(size_t length);

// Client-side validation of a server chain (leaf first), as the reference client does:
//   1. classify the chain (2..4 certificates);
//   2. SHA-256(DER(chain[id])) must equal `key_hash`;
//   3. verify the chain with chain[ca] as the ONLY trust anchor (signatures, validity dates,
//      CA constraints), with no hostname check;
//   4. the leaf must be X.509 v3.
// Returns OK or Unauthenticated naming the failed step. Malformed DER is Unauthenticated too.
// The TLS client runs this during the handshake; it is public so that protocol code can check
// the chain an SMP server repeats in its hello (spec/smp-notifier.md §3.2).
absl::Status ValidateServerChain(absl::Span<const Der> chain, const Fingerprint& key_hash);

// The raw public key of an Ed25519/Ed448 EVP_PKEY (32 or 57 bytes), for code that verifies or
// signs with libsodium or hand-rolled encodings. InvalidArgument for any other key type.
struct RawPublicKey {
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  std::vector<uint8_t> key;
};
absl::StatusOr<RawPublicKey> GetRawPublicKey(const EVP_PKEY* key);

}  // namespace ntf::tls
