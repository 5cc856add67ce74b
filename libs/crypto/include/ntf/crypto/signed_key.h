#pragma once

// The X.509 "SignedExact PubKey" object of the SMP and NTF server handshakes
// (smp-notifier.md §3.2, ntf-protocol.md §1.4):
//
//   SEQUENCE {
//     SubjectPublicKeyInfo                       -- the signed bytes (its whole DER element)
//     SEQUENCE { OID 1.3.101.112 (Ed25519) | 1.3.101.113 (Ed448) }   -- no parameters
//     BIT STRING 00 || signature                 -- 64 or 114 bytes
//   }
//
// A server signs its per-connection X25519 key with its TLS (online certificate) key; the
// client verifies it with the public key of the certificate it got in TLS. The SMP service
// handshake uses the same object over an Ed25519 session key.
//
// Parsing is strict DER (definite minimal lengths, at most 2 length bytes, no trailing bytes)
// and bounds-checked; any deviation is InvalidArgument.
//
// Thread-safety: all functions are thread-safe. Nothing blocks.

#include "absl/status/statusor.h"
#include "ntf/crypto/keys.h"

namespace ntf::crypto {

// Signs `key` (any algorithm) with an Ed25519 or Ed448 signer. InvalidArgument if the signer is
// not a signing key or `key` is malformed; Internal if OpenSSL fails.
absl::StatusOr<Bytes> EncodeSignedKey(const PublicKey& key, const PrivateKey& signer);

// The parts of a SignedExact object, as views into the input.
struct SignedKeyParts {
  // The SubjectPublicKeyInfo element, tag and length included: the signed bytes.
  ByteSpan signed_spki = {};
  // From the AlgorithmIdentifier OID.
  KeyAlgorithm signature_alg = KeyAlgorithm::kEd25519;
  // Without the BIT STRING's unused-bits byte.
  ByteSpan signature = {};
};

// Parses without verifying. The signature length must match the algorithm.
absl::StatusOr<SignedKeyParts> ParseSignedKey(ByteSpan der);

// Parses, checks the signature algorithm is `signer`'s, verifies the signature over the SPKI
// with `signer`, and decodes the SPKI, which must be of `expected_alg`. Returns the signed key.
// InvalidArgument for malformed DER or a key of another algorithm; PermissionDenied when the
// signature algorithm does not match the signer or the signature is invalid.
absl::StatusOr<PublicKey> VerifySignedKey(ByteSpan der, const PublicKey& signer,
                                          KeyAlgorithm expected_alg = KeyAlgorithm::kX25519);

}  // namespace ntf::crypto
