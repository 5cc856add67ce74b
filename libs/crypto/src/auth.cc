#include "ntf/crypto/auth.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/primitives.h"
#include "ntf/crypto/sign.h"

namespace ntf::crypto {
namespace {

// Raw halves of the reference server's dummy keys (smp-notifier.md §8.1, TV0):
// MCowBQYDK2VwAyEA139Oqs4QgpqbAmB0o7rZf6T19ryl7E65k4AYe0kE3Qs= and
// MCowBQYDK2VuAyEA4JGSMYht18H4mas/jHeBwfcM7jLwNYJNOAhi2/g4RXg=.
constexpr std::array<uint8_t, 32> kDummyEd25519 = {
    0xd7, 0x7f, 0x4e, 0xaa, 0xce, 0x10, 0x82, 0x9a, 0x9b, 0x02, 0x60, 0x74, 0xa3, 0xba, 0xd9, 0x7f,
    0xa4, 0xf5, 0xf6, 0xbc, 0xa5, 0xec, 0x4e, 0xb9, 0x93, 0x80, 0x18, 0x7b, 0x49, 0x04, 0xdd, 0x0b};
constexpr std::array<uint8_t, 32> kDummyX25519 = {
    0xe0, 0x91, 0x92, 0x31, 0x88, 0x6d, 0xd7, 0xc1, 0xf8, 0x99, 0xab, 0x3f, 0x8c, 0x77, 0x81, 0xc1,
    0xf7, 0x0c, 0xee, 0x32, 0xf0, 0x35, 0x82, 0x4d, 0x38, 0x08, 0x62, 0xdb, 0xf8, 0x38, 0x45, 0x78};

// Ed448 and X448 dummies: the public halves of fixed private keys (only their cost matters).
PublicKey FixedPublicKey(KeyAlgorithm alg, uint8_t fill) {
  Bytes raw(PrivateKeySize(alg), fill);
  absl::StatusOr<PrivateKey> key = PrivateKey::FromRaw(alg, raw);
  if (!key.ok()) return PublicKey{.alg = alg, .raw = Bytes(PublicKeySize(alg), fill)};
  return key->public_key();
}

bool VerifyX25519Authorization(const PublicKey& key, const PrivateKey* server_session_key,
                               ByteSpan corr_id, ByteSpan authorized, ByteSpan auth) {
  if (server_session_key == nullptr) return false;
  absl::StatusOr<DhSecret> secret = ComputeDhSecret(key, *server_session_key);
  if (!secret.ok()) return false;
  return VerifyAuthenticator(*secret, NonceFromCorrId(corr_id), authorized, auth);
}

// Verifies `auth` (already classified) against the dummy key of its kind.
void DummyVerify(AuthKind kind, const PrivateKey* server_session_key, ByteSpan corr_id,
                 ByteSpan authorized, ByteSpan auth) {
  switch (kind) {
    case AuthKind::kNone:
      return;
    case AuthKind::kEd25519Signature:
      (void)Verify(DummyKey(KeyAlgorithm::kEd25519), authorized, auth);
      return;
    case AuthKind::kEd448Signature:
      (void)Verify(DummyKey(KeyAlgorithm::kEd448), authorized, auth);
      return;
    case AuthKind::kX25519Authenticator:
      (void)VerifyX25519Authorization(DummyKey(KeyAlgorithm::kX25519), server_session_key, corr_id,
                                      authorized, auth);
      return;
  }
}

}  // namespace

absl::StatusOr<AuthKind> ClassifyAuthorization(ByteSpan auth) {
  std::optional<AuthKind> kind = wire::ClassifyAuthorization(auth.size());
  if (!kind) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authorization of ", auth.size(), " bytes is neither a signature nor an authenticator"));
  }
  return *kind;
}

Bytes MakeAuthenticator(const DhSecret& secret, const CbNonce& nonce, ByteSpan authorized) {
  const Sha512Digest digest = Sha512(authorized);
  return BoxEncrypt(secret, nonce, digest);
}

bool VerifyAuthenticator(const DhSecret& secret, const CbNonce& nonce, ByteSpan authorized,
                         ByteSpan authenticator) {
  if (authenticator.size() != kAuthenticatorSize) return false;
  absl::StatusOr<Bytes> opened = BoxDecrypt(secret, nonce, authenticator);
  if (!opened.ok()) return false;
  const Sha512Digest digest = Sha512(authorized);
  return ConstantTimeEquals(*opened, digest);
}

absl::StatusOr<Bytes> Authorize(const PrivateKey& key, const PublicKey* server_session_key,
                                ByteSpan corr_id, ByteSpan authorized) {
  switch (key.alg()) {
    case KeyAlgorithm::kEd25519:
    case KeyAlgorithm::kEd448:
      return Sign(key, authorized);
    case KeyAlgorithm::kX25519: {
      if (server_session_key == nullptr) {
        return absl::FailedPreconditionError(
            "an X25519 authenticator needs the server's session key (no server key in the "
            "handshake)");
      }
      absl::StatusOr<DhSecret> secret = ComputeDhSecret(*server_session_key, key);
      if (!secret.ok()) return secret.status();
      return MakeAuthenticator(*secret, NonceFromCorrId(corr_id), authorized);
    }
    case KeyAlgorithm::kX448:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(AlgorithmName(key.alg())), " keys cannot authorize transmissions"));
}

bool VerifyAuthorization(const PublicKey& key, const PrivateKey* server_session_key,
                         ByteSpan corr_id, ByteSpan authorized, ByteSpan auth) {
  absl::StatusOr<AuthKind> kind = ClassifyAuthorization(auth);
  if (!kind.ok()) return false;
  switch (*kind) {
    case AuthKind::kNone:
      return false;
    case AuthKind::kEd25519Signature:
      if (key.alg == KeyAlgorithm::kEd25519) return Verify(key, authorized, auth);
      break;
    case AuthKind::kEd448Signature:
      if (key.alg == KeyAlgorithm::kEd448) return Verify(key, authorized, auth);
      break;
    case AuthKind::kX25519Authenticator:
      if (key.alg == KeyAlgorithm::kX25519) {
        return VerifyX25519Authorization(key, server_session_key, corr_id, authorized, auth);
      }
      break;
  }
  // The key's type does not match the authorization's: spend the same time, then reject.
  DummyVerify(*kind, server_session_key, corr_id, authorized, auth);
  return false;
}

void DummyVerifyAuthorization(const PrivateKey* server_session_key, ByteSpan corr_id,
                              ByteSpan authorized, ByteSpan auth) {
  absl::StatusOr<AuthKind> kind = ClassifyAuthorization(auth);
  if (!kind.ok()) return;
  DummyVerify(*kind, server_session_key, corr_id, authorized, auth);
}

const PublicKey& DummyKey(KeyAlgorithm alg) {
  // Heap-allocated and never freed, so no destructor runs at exit (Google style for statics).
  switch (alg) {
    case KeyAlgorithm::kEd25519: {
      static const PublicKey* const key = new PublicKey{
          .alg = KeyAlgorithm::kEd25519, .raw = Bytes(kDummyEd25519.begin(), kDummyEd25519.end())};
      return *key;
    }
    case KeyAlgorithm::kX25519: {
      static const PublicKey* const key = new PublicKey{
          .alg = KeyAlgorithm::kX25519, .raw = Bytes(kDummyX25519.begin(), kDummyX25519.end())};
      return *key;
    }
    case KeyAlgorithm::kEd448: {
      static const PublicKey* const key = new PublicKey(FixedPublicKey(KeyAlgorithm::kEd448, 0x5a));
      return *key;
    }
    case KeyAlgorithm::kX448:
      break;
  }
  static const PublicKey* const key = new PublicKey(FixedPublicKey(KeyAlgorithm::kX448, 0x5a));
  return *key;
}

}  // namespace ntf::crypto
