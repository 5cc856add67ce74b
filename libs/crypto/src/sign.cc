#include "ntf/crypto/sign.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "internal.h"

namespace ntf::crypto {
namespace {

absl::StatusOr<Bytes> SignEd25519(const PrivateKey& key, ByteSpan message) {
  internal::EnsureSodium();
  // libsodium's secret key is seed || public key.
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk;
  std::copy(key.raw().begin(), key.raw().end(), sk.begin());
  std::copy(key.public_key().raw.begin(), key.public_key().raw.end(),
            sk.begin() + crypto_sign_SEEDBYTES);
  Bytes sig(crypto_sign_BYTES);
  const int rc =
      crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  if (rc != 0) return absl::InternalError("crypto_sign_detached failed");
  return sig;
}

absl::StatusOr<Bytes> SignEd448(const PrivateKey& key, ByteSpan message) {
  internal::EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, nullptr, key.raw().data(), key.raw().size()));
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr) {
    return absl::InternalError(absl::StrCat("Ed448 key setup: ", internal::OpenSslError()));
  }
  Bytes sig(kEd448SignatureSize);
  size_t len = sig.size();
  // Pure EdDSA: no digest; OpenSSL's default Ed448 context is empty.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != kEd448SignatureSize) {
    return absl::InternalError(absl::StrCat("Ed448 sign: ", internal::OpenSslError()));
  }
  return sig;
}

// True for the canonical encodings of the four Ed448 points of order 1, 2 or 4: (0, 1),
// (0, -1) and (+-1, 0). OpenSSL 3.0 accepts them as public keys, and then signatures verify
// without any private key: with the all-zero key (y = 0), the all-zero signature verifies for
// every message. libsodium refuses the equivalent Ed25519 keys; we refuse these.
bool IsSmallOrderEd448(ByteSpan raw) {
  auto all = [&](size_t from, size_t to, uint8_t v) {
    return std::all_of(raw.begin() + from, raw.begin() + to, [v](uint8_t b) { return b == v; });
  };
  const bool y_zero = all(0, 56, 0x00);
  const bool y_one = raw[0] == 0x01 && all(1, 57, 0x00);
  // p - 1 = 2^448 - 2^224 - 2, little-endian.
  const bool y_minus_one =
      raw[0] == 0xfe && all(1, 28, 0xff) && raw[28] == 0xfe && all(29, 56, 0xff) && raw[56] == 0x00;
  return (y_zero && (raw[56] == 0x00 || raw[56] == 0x80)) || y_one || y_minus_one;
}

bool VerifyEd448(const PublicKey& key, ByteSpan message, ByteSpan signature) {
  if (IsSmallOrderEd448(key.raw)) return false;
  internal::EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, nullptr, key.raw.data(), key.raw.size()));
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = pkey != nullptr && ctx != nullptr &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  if (!ok) ERR_clear_error();  // leave no stale errors on this thread's queue
  return ok;
}

}  // namespace

size_t SignatureSize(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEd25519:
      return kEd25519SignatureSize;
    case KeyAlgorithm::kEd448:
      return kEd448SignatureSize;
    case KeyAlgorithm::kX25519:
    case KeyAlgorithm::kX448:
      return 0;
  }
  return 0;
}

absl::StatusOr<Bytes> Sign(const PrivateKey& key, ByteSpan message) {
  switch (key.alg()) {
    case KeyAlgorithm::kEd25519:
      return SignEd25519(key, message);
    case KeyAlgorithm::kEd448:
      return SignEd448(key, message);
    case KeyAlgorithm::kX25519:
    case KeyAlgorithm::kX448:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(AlgorithmName(key.alg())), " key cannot sign"));
}

bool Verify(const PublicKey& key, ByteSpan message, ByteSpan signature) {
  const size_t sig_size = SignatureSize(key.alg);
  if (sig_size == 0 || signature.size() != sig_size || key.raw.size() != PublicKeySize(key.alg)) {
    return false;
  }
  if (key.alg == KeyAlgorithm::kEd25519) {
    internal::EnsureSodium();
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                       key.raw.data()) == 0;
  }
  return VerifyEd448(key, message, signature);
}

}  // namespace ntf::crypto
