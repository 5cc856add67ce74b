#include "ntf/crypto/seal.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "secretbox_internal.h"

namespace ntf::crypto {

static_assert(kSealKeySize == crypto_secretbox_KEYBYTES);
static_assert(kSealOverhead == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES);

absl::StatusOr<SealKey> SealKey::FromRaw(ByteSpan raw) {
  if (raw.size() != kSealKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("seal key of ", raw.size(), " bytes, expected ", kSealKeySize));
  }
  std::array<uint8_t, kSealKeySize> key;
  std::copy(raw.begin(), raw.end(), key.begin());
  SealKey out(key);
  sodium_memzero(key.data(), key.size());
  return out;
}

SealKey SealKey::Generate() {
  internal::EnsureSodium();
  std::array<uint8_t, kSealKeySize> key;
  crypto_secretbox_keygen(key.data());
  SealKey out(key);
  sodium_memzero(key.data(), key.size());
  return out;
}

SealKey::~SealKey() { sodium_memzero(key_.data(), key_.size()); }

Bytes Seal(const SealKey& key, ByteSpan plaintext) {
  internal::EnsureSodium();
  Bytes out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  uint8_t* nonce = out.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  internal::SecretboxEasy(out.data() + crypto_secretbox_NONCEBYTES, plaintext.data(),
                          plaintext.size(), nonce, key.raw().data());
  return out;
}

absl::StatusOr<Bytes> Unseal(const SealKey& key, ByteSpan sealed) {
  if (sealed.size() < kSealOverhead) {
    return absl::InvalidArgumentError(
        absl::StrCat("sealed value of ", sealed.size(), " bytes is shorter than ", kSealOverhead));
  }
  internal::EnsureSodium();
  const ByteSpan nonce = sealed.subspan(0, crypto_secretbox_NONCEBYTES);
  const ByteSpan box = sealed.subspan(crypto_secretbox_NONCEBYTES);
  Bytes out(box.size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(out.data(), box.data(), box.size(), nonce.data(),
                                 key.raw().data()) != 0) {
    return absl::InvalidArgumentError("unseal: authentication failed (wrong key or tampered)");
  }
  return out;
}

}  // namespace ntf::crypto
