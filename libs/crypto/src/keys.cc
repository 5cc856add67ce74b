#include "ntf/crypto/keys.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "ntf/crypto/primitives.h"

namespace ntf::crypto {
namespace {

constexpr std::array<KeyAlgorithm, 4> kAllAlgorithms = {
    KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448, KeyAlgorithm::kX25519, KeyAlgorithm::kX448};

// Every SPKI and PKCS#8 blob is a fixed DER prefix followed by the raw key (RFC 8410).
constexpr size_t kPrefixSize = 12;
constexpr size_t kPkcs8PrefixSize = 16;

struct AlgorithmInfo {
  std::string_view name;
  size_t public_size;
  size_t private_size;
  std::array<uint8_t, kPrefixSize> spki_prefix;
  std::array<uint8_t, kPkcs8PrefixSize> pkcs8_prefix;
};

// OIDs 1.3.101.110..113 are 06 03 2b 65 6e..71.
const AlgorithmInfo& Info(KeyAlgorithm alg) {
  static const AlgorithmInfo kEd25519 = {
      "Ed25519",
      32,
      32,
      {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
      {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
       0x20}};
  static const AlgorithmInfo kEd448 = {
      "Ed448",
      57,
      57,
      {0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00},
      {0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x04, 0x3b, 0x04,
       0x39}};
  static const AlgorithmInfo kX25519 = {
      "X25519",
      32,
      32,
      {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00},
      {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04,
       0x20}};
  static const AlgorithmInfo kX448 = {
      "X448",
      56,
      56,
      {0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00},
      {0x30, 0x46, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x04, 0x3a, 0x04,
       0x38}};
  switch (alg) {
    case KeyAlgorithm::kEd25519:
      return kEd25519;
    case KeyAlgorithm::kEd448:
      return kEd448;
    case KeyAlgorithm::kX25519:
      return kX25519;
    case KeyAlgorithm::kX448:
      return kX448;
  }
  return kEd25519;  // unreachable: every enumerator is handled above
}

bool HasPrefix(ByteSpan der, ByteSpan prefix) {
  return der.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), der.begin());
}

// The public key of an Ed448/X448 private key, through OpenSSL.
absl::StatusOr<Bytes> OpenSslPublicOf(int type, ByteSpan raw, size_t public_size) {
  internal::EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(type, nullptr, raw.data(), raw.size()));
  if (pkey == nullptr) {
    return absl::InternalError(
        absl::StrCat("EVP_PKEY_new_raw_private_key: ", internal::OpenSslError()));
  }
  Bytes pub(public_size);
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &len) != 1 || len != public_size) {
    return absl::InternalError(
        absl::StrCat("EVP_PKEY_get_raw_public_key: ", internal::OpenSslError()));
  }
  return pub;
}

absl::StatusOr<Bytes> DerivePublic(KeyAlgorithm alg, ByteSpan raw) {
  internal::EnsureSodium();
  switch (alg) {
    case KeyAlgorithm::kEd25519: {
      Bytes pub(crypto_sign_PUBLICKEYBYTES);
      std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk;
      const int rc = crypto_sign_seed_keypair(pub.data(), sk.data(), raw.data());
      sodium_memzero(sk.data(), sk.size());
      if (rc != 0) return absl::InternalError("crypto_sign_seed_keypair failed");
      return pub;
    }
    case KeyAlgorithm::kX25519: {
      Bytes pub(crypto_scalarmult_BYTES);
      if (crypto_scalarmult_base(pub.data(), raw.data()) != 0) {
        return absl::InvalidArgumentError("X25519 private key gives the zero public key");
      }
      return pub;
    }
    case KeyAlgorithm::kEd448:
      return OpenSslPublicOf(EVP_PKEY_ED448, raw, Info(alg).public_size);
    case KeyAlgorithm::kX448:
      return OpenSslPublicOf(EVP_PKEY_X448, raw, Info(alg).public_size);
  }
  return absl::InvalidArgumentError("unknown key algorithm");
}

}  // namespace

std::string_view AlgorithmName(KeyAlgorithm alg) { return Info(alg).name; }
size_t PublicKeySize(KeyAlgorithm alg) { return Info(alg).public_size; }
size_t PrivateKeySize(KeyAlgorithm alg) { return Info(alg).private_size; }
bool IsAuthAlgorithm(KeyAlgorithm alg) { return alg != KeyAlgorithm::kX448; }

absl::StatusOr<PrivateKey> PrivateKey::FromRaw(KeyAlgorithm alg, ByteSpan raw) {
  if (raw.size() != PrivateKeySize(alg)) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(AlgorithmName(alg)),
                                                   " private key of ", raw.size(),
                                                   " bytes, expected ", PrivateKeySize(alg)));
  }
  absl::StatusOr<Bytes> pub = DerivePublic(alg, raw);
  if (!pub.ok()) return pub.status();
  return PrivateKey(Bytes(raw.begin(), raw.end()), PublicKey{.alg = alg, .raw = *std::move(pub)});
}

PrivateKey::~PrivateKey() {
  if (!raw_.empty()) sodium_memzero(raw_.data(), raw_.size());
}

absl::StatusOr<PrivateKey> GenerateKeyPair(KeyAlgorithm alg) {
  Bytes raw = RandomBytes(PrivateKeySize(alg));
  absl::StatusOr<PrivateKey> key = PrivateKey::FromRaw(alg, raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

absl::StatusOr<PublicKey> DecodePublicKeySpki(ByteSpan der) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    const AlgorithmInfo& info = Info(alg);
    if (!HasPrefix(der, info.spki_prefix)) continue;
    if (der.size() != kPrefixSize + info.public_size) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(info.name), " public key SPKI of ",
                                                     der.size(), " bytes, expected ",
                                                     kPrefixSize + info.public_size));
    }
    return PublicKey{.alg = alg, .raw = Bytes(der.begin() + kPrefixSize, der.end())};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "public key SPKI of ", der.size(),
      " bytes is not an Ed25519, Ed448, X25519 or X448 key (unknown algorithm or layout)"));
}

absl::StatusOr<Bytes> EncodeSpki(const PublicKey& key) {
  const AlgorithmInfo& info = Info(key.alg);
  if (key.raw.size() != info.public_size) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(info.name), " public key of ",
                                                   key.raw.size(), " bytes, expected ",
                                                   info.public_size));
  }
  Bytes der(info.spki_prefix.begin(), info.spki_prefix.end());
  der.insert(der.end(), key.raw.begin(), key.raw.end());
  return der;
}

absl::StatusOr<PrivateKey> DecodePrivateKeyPkcs8(ByteSpan der) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    const AlgorithmInfo& info = Info(alg);
    if (!HasPrefix(der, info.pkcs8_prefix)) continue;
    if (der.size() != kPkcs8PrefixSize + info.private_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(info.name), " private key PKCS#8 of ", der.size(),
                       " bytes, expected ", kPkcs8PrefixSize + info.private_size));
    }
    return PrivateKey::FromRaw(alg, der.subspan(kPkcs8PrefixSize));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "private key PKCS#8 of ", der.size(),
      " bytes is not an Ed25519, Ed448, X25519 or X448 key (unknown algorithm or layout)"));
}

Bytes EncodePkcs8(const PrivateKey& key) {
  const AlgorithmInfo& info = Info(key.alg());
  Bytes der(info.pkcs8_prefix.begin(), info.pkcs8_prefix.end());
  der.insert(der.end(), key.raw().begin(), key.raw().end());
  return der;
}

}  // namespace ntf::crypto
