#pragma once

// NaCl-style authenticated encryption as SimpleX uses it (smp-notifier.md §3.5, §6.4;
// ntf-protocol.md §3.2), and the length-prefixed '#' padding applied before it.
//
// SimpleX's "cryptoBox(key32, nonce, msg)" is XSalsa20-Poly1305 keyed with
// HSalsa20(key32, 0^16); its output is tag(16) || ciphertext.
//  - With key32 = a raw X25519 shared secret (DhSecret) it equals libsodium crypto_box_easy, so
//    the HSalsa20 step is crypto_box_beforenm and is done once per DhSecret.
//  - With key32 = a symmetric key (SbKey, used for transport block encryption) it is NOT plain
//    crypto_secretbox: the same HSalsa20 step is applied to the key first.
//
//   pad(msg, n) = u16 BE len(msg) || msg || '#' * (n - 2 - len(msg))
//
// Thread-safety: all functions are thread-safe; DhSecret and SbKey are immutable values.
// Errors: InvalidArgument for malformed input, including a ciphertext that fails
// authentication (the message says which).

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "ntf/crypto/keys.h"

namespace ntf::crypto {

inline constexpr size_t kBoxKeySize = 32;
inline constexpr size_t kNonceSize = 24;
inline constexpr size_t kBoxTagSize = 16;

// A 24-byte crypto_box/secretbox nonce ("CbNonce": 24 raw bytes on the wire, no length).
using CbNonce = std::array<uint8_t, kNonceSize>;

// The nonce a correlation id stands for: its first 24 bytes, right-padded with zeros when
// shorter (the reference's cbNonce).
CbNonce NonceFromCorrId(ByteSpan corr_id);
// 24 random bytes.
CbNonce RandomNonce();
// Copies a 24-byte nonce from the wire. InvalidArgument for any other length.
absl::StatusOr<CbNonce> NonceFromBytes(ByteSpan bytes);

namespace internal {
// A 32-byte key together with HSalsa20(key, 0^16). Both are wiped on destruction.
class HsalsaKey {
 public:
  HsalsaKey(const HsalsaKey&) = default;
  HsalsaKey& operator=(const HsalsaKey&) = default;
  ~HsalsaKey();

  // The key as stored and exchanged (e.g. the raw X25519 output).
  ByteSpan raw() const { return raw_; }
  // HSalsa20(raw, 0^16): the key given to crypto_secretbox.
  const std::array<uint8_t, kBoxKeySize>& secretbox_key() const { return secretbox_key_; }

 protected:
  explicit HsalsaKey(const std::array<uint8_t, kBoxKeySize>& raw);

 private:
  std::array<uint8_t, kBoxKeySize> raw_{};
  std::array<uint8_t, kBoxKeySize> secretbox_key_{};
};
}  // namespace internal

// An X25519 shared secret with its crypto_box_beforenm key precomputed, so each box costs one
// XSalsa20-Poly1305 pass and no scalar multiplication.
class DhSecret : public internal::HsalsaKey {
 public:
  // From a stored raw X25519 output (32 bytes). InvalidArgument for any other length.
  static absl::StatusOr<DhSecret> FromRaw(ByteSpan raw);

 private:
  explicit DhSecret(const std::array<uint8_t, kBoxKeySize>& raw) : HsalsaKey(raw) {}
  friend absl::StatusOr<DhSecret> ComputeDhSecret(const PublicKey&, const PrivateKey&);
};

// X25519(mine, peer). Both keys must be X25519. InvalidArgument for another algorithm, a
// wrong-length peer key, or a peer key of small order (all-zero result, libsodium rejects it).
absl::StatusOr<DhSecret> ComputeDhSecret(const PublicKey& peer, const PrivateKey& mine);

// A symmetric 32-byte "SbKey" for SimpleX's secret_box (HSalsa20 applied before secretbox).
class SbKey : public internal::HsalsaKey {
 public:
  // InvalidArgument unless raw is 32 bytes.
  static absl::StatusOr<SbKey> FromRaw(ByteSpan raw);

 private:
  explicit SbKey(const std::array<uint8_t, kBoxKeySize>& raw) : HsalsaKey(raw) {}
  friend class SbChain;
};

// pad(msg, padded_len). InvalidArgument if msg is over 65535 bytes or does not fit
// (len(msg) > padded_len - 2).
absl::StatusOr<Bytes> Pad(ByteSpan msg, size_t padded_len);
// The message inside a padded buffer: reads the u16 length and returns that many bytes after it
// (a view into `padded`). Pad bytes are not checked, as in the reference. InvalidArgument if the
// buffer is shorter than 2 bytes or the length runs past its end.
absl::StatusOr<ByteSpan> Unpad(ByteSpan padded);

// cryptoBox with a DH secret (= crypto_box_easy_afternm): tag(16) || ciphertext.
Bytes BoxEncrypt(const DhSecret& secret, const CbNonce& nonce, ByteSpan msg);
// Reverses BoxEncrypt. InvalidArgument if shorter than 16 bytes or authentication fails.
absl::StatusOr<Bytes> BoxDecrypt(const DhSecret& secret, const CbNonce& nonce, ByteSpan box);

// BoxEncrypt(pad(msg, padded_len)): the output is always padded_len + 16 bytes. Used for
// NMsgMeta (128) and push payloads (3072).
absl::StatusOr<Bytes> BoxEncryptPadded(const DhSecret& secret, const CbNonce& nonce, ByteSpan msg,
                                       size_t padded_len);
// Decrypts and unpads. If expected_padded_len is non-zero, the plaintext must have that size.
absl::StatusOr<Bytes> BoxDecryptPadded(const DhSecret& secret, const CbNonce& nonce, ByteSpan box,
                                       size_t expected_padded_len = 0);

// SimpleX secret_box with a symmetric key: crypto_secretbox_easy keyed with HSalsa20(key, 0^16).
Bytes SbEncrypt(const SbKey& key, const CbNonce& nonce, ByteSpan msg);
// Reverses SbEncrypt. InvalidArgument if shorter than 16 bytes or authentication fails.
absl::StatusOr<Bytes> SbDecrypt(const SbKey& key, const CbNonce& nonce, ByteSpan box);

}  // namespace ntf::crypto
