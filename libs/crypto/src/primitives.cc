#include "ntf/crypto/primitives.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "ntf/crypto/openssl_errors.h"

namespace ntf::crypto {
namespace internal {

void EnsureSodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) std::abort();  // no entropy source: nothing can work
    return true;
  }();
  (void)initialised;
}

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

}  // namespace internal

std::string DrainOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Bytes RandomBytes(size_t n) {
  internal::EnsureSodium();
  Bytes out(n);
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

Bytes RandomId() { return RandomBytes(kRandomIdSize); }

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  internal::EnsureSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// OpenSSL's digests use the CPU's SHA extensions where it has them: SHA-256 of a 47-byte input
// (the pusher's apns-id, once per push) takes ~70 ns against ~155 ns in libsodium's portable C.
// The implementation is fetched once and each thread keeps one context, so a hash costs no fetch
// and no allocation. Should OpenSSL fail (it cannot for these inputs), libsodium answers.
bool OpenSslDigest(const EVP_MD* md, ByteSpan data, uint8_t* out, unsigned int size) {
  thread_local const internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned int written = 0;
  const bool ok = md != nullptr && ctx != nullptr &&
                  EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), out, &written) == 1 && written == size;
  if (!ok) ERR_clear_error();
  return ok;
}

// `md` through OpenSSL, else libsodium's `fallback` (same digest).
template <typename Digest>
Digest Hash(const EVP_MD* md, ByteSpan data,
            int (*fallback)(unsigned char*, const unsigned char*, unsigned long long)) {
  Digest out;
  if (OpenSslDigest(md, data, out.data(), out.size())) return out;
  internal::EnsureSodium();
  fallback(out.data(), data.data(), data.size());
  return out;
}

}  // namespace

Sha256Digest Sha256(ByteSpan data) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return Hash<Sha256Digest>(md, data, &crypto_hash_sha256);
}

Sha512Digest Sha512(ByteSpan data) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  return Hash<Sha512Digest>(md, data, &crypto_hash_sha512);
}

namespace {

// OpenSSL's HKDF implementation, fetched once. EVP_KDF objects are immutable and may be shared
// between threads; each call makes its own context.
EVP_KDF* HkdfImplementation() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  return kdf;
}

}  // namespace

absl::StatusOr<Bytes> HkdfSha512(ByteSpan salt, ByteSpan ikm, ByteSpan info, size_t length) {
  constexpr size_t kMaxLength = 255 * 64;
  if (length == 0 || length > kMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF-SHA512: output length ", length, " not in 1..", kMaxLength));
  }
  EVP_KDF* kdf = HkdfImplementation();
  if (kdf == nullptr) {
    return absl::InternalError(absl::StrCat("HKDF unavailable: ", internal::OpenSslError()));
  }
  internal::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (ctx == nullptr) return absl::InternalError("EVP_KDF_CTX_new failed");

  // OSSL_PARAM wants non-const pointers; OpenSSL only reads these buffers. A zero-length octet
  // string still needs a valid pointer.
  static unsigned char empty = 0;
  auto octets = [](ByteSpan b) {
    return b.empty() ? &empty : const_cast<unsigned char*>(b.data());
  };
  char digest[] = "SHA512";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(ikm), ikm.size());
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info), info.size());
  // Without a salt OpenSSL uses HashLen zero bytes, which RFC 5869 defines as the default.
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt), salt.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return absl::InternalError(absl::StrCat("HKDF-SHA512 failed: ", internal::OpenSslError()));
  }
  return out;
}

}  // namespace ntf::crypto
