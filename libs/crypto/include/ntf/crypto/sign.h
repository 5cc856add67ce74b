#pragma once

// EdDSA signatures (RFC 8032, pure, empty context): Ed25519 through libsodium, Ed448 through
// OpenSSL's EVP_DigestSign with no digest.
//
// Thread-safety: all functions are thread-safe. Nothing blocks.

#include <cstddef>

#include "absl/status/statusor.h"
#include "ntf/crypto/keys.h"
#include "ntf/wire/transmission.h"

namespace ntf::crypto {

// The signature sizes of the wire's authorization field (ntf/wire/transmission.h).
using wire::kEd25519SignatureSize;
using wire::kEd448SignatureSize;

// Signature size for a signing algorithm; 0 for X25519/X448.
size_t SignatureSize(KeyAlgorithm alg);

// Signs `message`. Returns a 64-byte (Ed25519) or 114-byte (Ed448) signature. InvalidArgument if
// the key is not a signing key, Internal if OpenSSL fails.
absl::StatusOr<Bytes> Sign(const PrivateKey& key, ByteSpan message);

// True iff `signature` is a valid signature of `message` by `key`. False for any malformed
// input (non-signing key, wrong key or signature length); never crashes.
bool Verify(const PublicKey& key, ByteSpan message, ByteSpan signature);

}  // namespace ntf::crypto
