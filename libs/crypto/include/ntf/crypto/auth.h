#pragma once

// Transmission authorization (smp-notifier.md §5.3, ntf-protocol.md §1.5).
//
// `authorized` is the byte string covered by the authorization,
//   short(sessionId) || short(corrId) || short(entityId) || command
// (ntf::wire::BytesToAuthorize builds it). The authorization is chosen by the entity key:
//
//   Ed25519 key -> Ed25519 signature of `authorized`                              64 bytes
//   Ed448 key   -> Ed448 signature of `authorized`                               114 bytes
//   X25519 key  -> authenticator = crypto_box_easy(SHA-512(authorized),           80 bytes
//                    nonce = NonceFromCorrId(corrId), peer = server session X25519 key,
//                    own = the entity's X25519 private key)   -- no padding
//
// The server verifies an authenticator by opening it with X25519(entity public key, its session
// private key) and comparing the plaintext with SHA-512(authorized) in constant time.
//
// Timing-safe rejection (ntf-protocol.md §1.5): when the entity is unknown, or the key type does
// not match the authorization type, a server still runs one verification of the same kind
// against a fixed dummy key, so "no such entity" and "bad signature" take the same time.
// VerifyAuthorization does this itself on a type mismatch; DummyVerifyAuthorization covers the
// unknown-entity case.
//
// Thread-safety: all functions are thread-safe. The dummy keys are immutable statics built on
// first use. Nothing blocks.

#include <cstddef>

#include "absl/status/statusor.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/keys.h"
#include "ntf/wire/transmission.h"

namespace ntf::crypto {

inline constexpr size_t kAuthenticatorSize = kBoxTagSize + 64;

static_assert(kAuthenticatorSize == wire::kX25519AuthenticatorSize);

// kNone (empty), kEd25519Signature (64 bytes), kEd448Signature (114), kX25519Authenticator (80):
// the wire's classification (ntf/wire/transmission.h), shared by NTF and SMP.
using AuthKind = wire::AuthKind;

// The kind of an authorization, by its length as the servers do. InvalidArgument for any length
// other than 0, 64, 80 or 114 (the servers answer ERR BLOCK).
absl::StatusOr<AuthKind> ClassifyAuthorization(ByteSpan auth);

// The 80-byte authenticator with a precomputed DH secret (X25519(own priv, peer pub)).
Bytes MakeAuthenticator(const DhSecret& secret, const CbNonce& nonce, ByteSpan authorized);
// True iff `authenticator` opens under `secret` and holds SHA-512(authorized).
bool VerifyAuthenticator(const DhSecret& secret, const CbNonce& nonce, ByteSpan authorized,
                         ByteSpan authenticator);

// Authorizes `authorized` with the entity's private key. `server_session_key` is the server's
// per-connection X25519 key from its handshake; it is needed only for an X25519 entity key and
// may be null otherwise. Errors: FailedPrecondition for an X25519 key without a session key,
// InvalidArgument for an X448 key or a bad session key, Internal if OpenSSL fails.
absl::StatusOr<Bytes> Authorize(const PrivateKey& key, const PublicKey* server_session_key,
                                ByteSpan corr_id, ByteSpan authorized);

// True iff `auth` is a valid authorization of `authorized` by the entity key `key`.
// `server_session_key` is the server's per-connection X25519 private key (null when the
// connection has none: then authenticators never verify). False for an empty or malformed
// `auth`; on a key/authorization type mismatch a dummy verification runs before returning false.
bool VerifyAuthorization(const PublicKey& key, const PrivateKey* server_session_key,
                         ByteSpan corr_id, ByteSpan authorized, ByteSpan auth);

// Spends the time a real verification of `auth` would take, against the dummy key of the same
// kind, for an entity that does not exist. The result is always a rejection, so none is returned.
void DummyVerifyAuthorization(const PrivateKey* server_session_key, ByteSpan corr_id,
                              ByteSpan authorized, ByteSpan auth);

// The fixed dummy public key of an algorithm. Ed25519 and X25519 are the reference server's
// (smp-notifier.md TV0); Ed448 and X448 are fixed keys of our own (only their cost matters).
const PublicKey& DummyKey(KeyAlgorithm alg);

}  // namespace ntf::crypto
