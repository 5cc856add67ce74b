#include "ntf/tls/ossl.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "internal.h"

namespace ntf::tls {

void OsslDeleter::operator()(X509* p) const { X509_free(p); }
void OsslDeleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
void OsslDeleter::operator()(SSL_CTX* p) const { SSL_CTX_free(p); }

namespace internal {

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string errors = DrainOpenSslErrors();
  if (errors.empty()) errors = "no OpenSSL error recorded";
  return absl::Status(code, absl::StrCat(std::string(what), ": ", errors));
}

absl::StatusOr<Der> CertificateToDer(const X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return OpenSslError(absl::StatusCode::kInternal, "i2d_X509");
  Der der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return OpenSslError(absl::StatusCode::kInternal, "i2d_X509");
  return der;
}

}  // namespace internal
}  // namespace ntf::tls
