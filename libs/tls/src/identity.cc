#include "ntf/tls/identity.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "ntf/tls/ossl.h"
#include "ntf/wire/encoding.h"

namespace ntf::tls {
namespace {

struct StoreDeleter {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }  // does not free the certs
};

absl::Status Unauthenticated(std::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("server certificate: ", std::string(what)));
}

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm algorithm) {
  switch (algorithm) {
    case KeyAlgorithm::kEd25519:
      return "ED25519";
    case KeyAlgorithm::kEd448:
      return "ED448";
  }
  return "?";
}

Fingerprint FingerprintOfDer(absl::Span<const uint8_t> der) {
  Fingerprint out{};
  unsigned int len = 0;
  // EVP_Digest with SHA-256 cannot fail for in-memory input short of allocation failure.
  if (EVP_Digest(der.data(), der.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    internal::DrainOpenSslErrors();
    out.fill(0);
  }
  return out;
}

std::string FormatFingerprint(const Fingerprint& fingerprint) {
  return wire::Base64UrlEncode(wire::ByteSpan(fingerprint.data(), fingerprint.size()));
}

absl::StatusOr<Fingerprint> ParseFingerprint(std::string_view text) {
  absl::StatusOr<wire::Bytes> bytes = wire::Base64UrlDecode(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint is not base64url: ", bytes.status().message()));
  }
  if (bytes->size() != kFingerprintSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint has ", bytes->size(), " bytes, expected ", kFingerprintSize));
  }
  Fingerprint out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

absl::StatusOr<ChainRoles> ClassifyChain(size_t length) {
  switch (length) {
    case 2:
      return ChainRoles{.leaf = 0, .id = 1, .ca = 1};
    case 3:
      return ChainRoles{.leaf = 0, .id = 1, .ca = 2};
    case 4:
      return ChainRoles{.leaf = 0, .id = 1, .ca = 3};
    default:
      return Unauthenticated(absl::StrCat("chain has ", length, " certificates, expected 2 to 4"));
  }
}

absl::Status ValidateServerChain(absl::Span<const Der> chain, const Fingerprint& key_hash) {
  std::vector<X509Ptr> owned;
  std::vector<X509*> certs;
  for (size_t i = 0; i < chain.size(); ++i) {
    const unsigned char* p = chain[i].data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(chain[i].size())));
    if (cert == nullptr || p != chain[i].data() + chain[i].size()) {
      internal::DrainOpenSslErrors();
      return Unauthenticated(absl::StrCat("certificate ", i, " is not valid DER"));
    }
    certs.push_back(cert.get());
    owned.push_back(std::move(cert));
  }
  return internal::ValidateServerChainX509(certs, key_hash);
}

namespace internal {

absl::Status ValidateServerChainX509(absl::Span<X509* const> chain, const Fingerprint& key_hash) {
  absl::StatusOr<ChainRoles> roles = ClassifyChain(chain.size());
  if (!roles.ok()) return roles.status();

  absl::StatusOr<Der> id_der = CertificateToDer(chain[roles->id]);
  if (!id_der.ok()) return Unauthenticated("identity certificate cannot be encoded");
  Fingerprint presented = FingerprintOfDer(*id_der);
  if (presented != key_hash) {
    return Unauthenticated(absl::StrCat("identity mismatch: expected fingerprint ",
                                        FormatFingerprint(key_hash), ", server presented ",
                                        FormatFingerprint(presented)));
  }

  if (X509_get_version(chain[roles->leaf]) != X509_VERSION_3) {
    return Unauthenticated("leaf certificate is not X.509 v3");
  }

  // The CA certificate is the only trust anchor. PARTIAL_CHAIN lets it anchor the chain even
  // when it is not self-signed (a 3- or 4-certificate chain may end in an operator cert).
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreDeleter> ctx(X509_STORE_CTX_new());
  std::unique_ptr<STACK_OF(X509), StoreDeleter> untrusted(sk_X509_new_null());
  if (store == nullptr || ctx == nullptr || untrusted == nullptr ||
      X509_STORE_add_cert(store.get(), chain[roles->ca]) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_STORE setup");
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    if (sk_X509_push(untrusted.get(), chain[i]) <= 0) {
      return OpenSslError(absl::StatusCode::kInternal, "sk_X509_push");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[roles->leaf], untrusted.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_STORE_CTX_init");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    DrainOpenSslErrors();
    return Unauthenticated(
        absl::StrCat("chain does not verify against its CA: ", X509_verify_cert_error_string(err)));
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<RawPublicKey> GetRawPublicKey(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("no key");
  RawPublicKey out;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
      out.algorithm = KeyAlgorithm::kEd25519;
      break;
    case EVP_PKEY_ED448:
      out.algorithm = KeyAlgorithm::kEd448;
      break;
    default:
      return absl::InvalidArgumentError("key is neither Ed25519 nor Ed448");
  }
  size_t len = 0;
  if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_get_raw_public_key");
  }
  out.key.resize(len);
  if (EVP_PKEY_get_raw_public_key(key, out.key.data(), &len) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_get_raw_public_key");
  }
  out.key.resize(len);
  return out;
}

}  // namespace ntf::tls
