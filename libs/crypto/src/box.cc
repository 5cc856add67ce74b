#include "ntf/crypto/box.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "ntf/crypto/primitives.h"
#include "ntf/wire/block.h"
#include "secretbox_internal.h"

namespace ntf::crypto {
namespace {

constexpr uint8_t kZero16[16] = {};

std::array<uint8_t, kBoxKeySize> ToKeyArray(ByteSpan raw) {
  std::array<uint8_t, kBoxKeySize> out;
  std::copy(raw.begin(), raw.end(), out.begin());
  return out;
}

// crypto_secretbox_easy with an already HSalsa20-derived key: tag(16) || ciphertext.
Bytes SecretboxEncrypt(const std::array<uint8_t, kBoxKeySize>& key, const CbNonce& nonce,
                       ByteSpan msg) {
  Bytes out(msg.size() + crypto_secretbox_MACBYTES);
  internal::SecretboxEasy(out.data(), msg.data(), msg.size(), nonce.data(), key.data());
  return out;
}

absl::StatusOr<Bytes> SecretboxDecrypt(const std::array<uint8_t, kBoxKeySize>& key,
                                       const CbNonce& nonce, ByteSpan box, std::string_view what) {
  if (box.size() < crypto_secretbox_MACBYTES) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": ciphertext of ",
                                                   box.size(),
                                                   " bytes is shorter than the 16-byte tag"));
  }
  internal::EnsureSodium();
  Bytes out(box.size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(out.data(), box.data(), box.size(), nonce.data(), key.data()) !=
      0) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": authentication failed"));
  }
  return out;
}

absl::Status CheckPaddable(ByteSpan msg) {
  if (msg.size() > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat("message of ", msg.size(), " bytes is too long to pad (max 65535)"));
  }
  return absl::OkStatus();
}

}  // namespace

CbNonce NonceFromCorrId(ByteSpan corr_id) {
  CbNonce nonce{};
  std::copy_n(corr_id.begin(), std::min(corr_id.size(), nonce.size()), nonce.begin());
  return nonce;
}

CbNonce RandomNonce() {
  internal::EnsureSodium();
  CbNonce nonce;
  randombytes_buf(nonce.data(), nonce.size());
  return nonce;
}

absl::StatusOr<CbNonce> NonceFromBytes(ByteSpan bytes) {
  if (bytes.size() != kNonceSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("nonce of ", bytes.size(), " bytes, expected ", kNonceSize));
  }
  CbNonce nonce;
  std::copy(bytes.begin(), bytes.end(), nonce.begin());
  return nonce;
}

namespace internal {

HsalsaKey::HsalsaKey(const std::array<uint8_t, kBoxKeySize>& raw) : raw_(raw) {
  EnsureSodium();
  // The crypto_box_beforenm step: HSalsa20 with a zero input block and no constant override.
  if (crypto_core_hsalsa20(secretbox_key_.data(), kZero16, raw_.data(), nullptr) != 0) {
    std::abort();  // documented to always return 0
  }
}

HsalsaKey::~HsalsaKey() {
  sodium_memzero(raw_.data(), raw_.size());
  sodium_memzero(secretbox_key_.data(), secretbox_key_.size());
}

}  // namespace internal

absl::StatusOr<DhSecret> DhSecret::FromRaw(ByteSpan raw) {
  if (raw.size() != kBoxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("DH secret of ", raw.size(), " bytes, expected ", kBoxKeySize));
  }
  return DhSecret(ToKeyArray(raw));
}

absl::StatusOr<DhSecret> ComputeDhSecret(const PublicKey& peer, const PrivateKey& mine) {
  if (peer.alg != KeyAlgorithm::kX25519 || mine.alg() != KeyAlgorithm::kX25519) {
    return absl::InvalidArgumentError(absl::StrCat("X25519 DH needs X25519 keys, got ",
                                                   std::string(AlgorithmName(peer.alg)), " and ",
                                                   std::string(AlgorithmName(mine.alg()))));
  }
  if (peer.raw.size() != crypto_scalarmult_BYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("X25519 public key of ", peer.raw.size(), " bytes, expected 32"));
  }
  internal::EnsureSodium();
  std::array<uint8_t, kBoxKeySize> shared;
  if (crypto_scalarmult(shared.data(), mine.raw().data(), peer.raw.data()) != 0) {
    return absl::InvalidArgumentError("X25519: peer public key has small order");
  }
  DhSecret secret(shared);
  sodium_memzero(shared.data(), shared.size());
  return secret;
}

absl::StatusOr<SbKey> SbKey::FromRaw(ByteSpan raw) {
  if (raw.size() != kBoxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret box key of ", raw.size(), " bytes, expected ", kBoxKeySize));
  }
  return SbKey(ToKeyArray(raw));
}

absl::StatusOr<Bytes> Pad(ByteSpan msg, size_t padded_len) {
  if (absl::Status s = CheckPaddable(msg); !s.ok()) return s;
  return wire::PadBlock(msg, padded_len);
}

absl::StatusOr<ByteSpan> Unpad(ByteSpan padded) { return wire::UnpadBlock(padded, padded.size()); }

Bytes BoxEncrypt(const DhSecret& secret, const CbNonce& nonce, ByteSpan msg) {
  return SecretboxEncrypt(secret.secretbox_key(), nonce, msg);
}

absl::StatusOr<Bytes> BoxDecrypt(const DhSecret& secret, const CbNonce& nonce, ByteSpan box) {
  return SecretboxDecrypt(secret.secretbox_key(), nonce, box, "crypto_box");
}

absl::StatusOr<Bytes> BoxEncryptPadded(const DhSecret& secret, const CbNonce& nonce, ByteSpan msg,
                                       size_t padded_len) {
  // One buffer: the padded message goes after room for the tag and is encrypted in place
  // (libsodium allows it), so there is neither a second allocation nor a plaintext copy to wipe.
  if (absl::Status s = CheckPaddable(msg); !s.ok()) return s;
  Bytes out(crypto_secretbox_MACBYTES);
  if (absl::Status s = wire::AppendPaddedBlock(msg, padded_len, out); !s.ok()) return s;
  internal::SecretboxEasy(out.data(), out.data() + crypto_secretbox_MACBYTES, padded_len,
                          nonce.data(), secret.secretbox_key().data());
  return out;
}

absl::StatusOr<Bytes> BoxDecryptPadded(const DhSecret& secret, const CbNonce& nonce, ByteSpan box,
                                       size_t expected_padded_len) {
  absl::StatusOr<Bytes> padded = BoxDecrypt(secret, nonce, box);
  if (!padded.ok()) return padded.status();
  if (expected_padded_len != 0 && padded->size() != expected_padded_len) {
    return absl::InvalidArgumentError(absl::StrCat("padded plaintext of ", padded->size(),
                                                   " bytes, expected ", expected_padded_len));
  }
  absl::StatusOr<ByteSpan> msg = Unpad(*padded);
  if (!msg.ok()) return msg.status();
  return Bytes(msg->begin(), msg->end());
}

Bytes SbEncrypt(const SbKey& key, const CbNonce& nonce, ByteSpan msg) {
  return SecretboxEncrypt(key.secretbox_key(), nonce, msg);
}

absl::StatusOr<Bytes> SbDecrypt(const SbKey& key, const CbNonce& nonce, ByteSpan box) {
  return SecretboxDecrypt(key.secretbox_key(), nonce, box, "secret_box");
}

}  // namespace ntf::crypto
