#include "ntf/http2/testing/test_pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ntf::http2::testing {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;
using BnPtr = std::unique_ptr<BIGNUM, Free>;

absl::Status Error(std::string_view what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(std::string(what), ": ", buf));
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return Error(absl::StrCat("extension ", OBJ_nid2sn(nid), "=", value));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? absl::OkStatus() : Error("X509_add_ext");
}

// A certificate for `key` named CN=`cn`, signed by `issuer_key` (issuer = null: self-signed).
absl::StatusOr<CertPtr> MakeCertificate(EVP_PKEY* key, const std::string& cn, X509* issuer,
                                        EVP_PKEY* issuer_key, int days, bool is_ca,
                                        const std::vector<std::string>& san) {
  CertPtr cert(X509_new());
  if (cert == nullptr) return Error("X509_new");
  X509_set_version(cert.get(), 2);
  BnPtr serial(BN_new());
  if (serial == nullptr || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Error("serial");
  }
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ntf-test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer == nullptr ? name : X509_get_subject_name(issuer));
  if (X509_set_pubkey(cert.get(), key) != 1) return Error("X509_set_pubkey");
  X509* issuer_cert = issuer == nullptr ? cert.get() : issuer;
  auto add = [&](int nid, const std::string& value) {
    return AddExtension(cert.get(), issuer_cert, nid, value);
  };
  absl::Status s = add(NID_subject_key_identifier, "hash");
  if (s.ok() && issuer != nullptr) s = add(NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    if (s.ok()) s = add(NID_basic_constraints, "critical,CA:TRUE");
    if (s.ok()) s = add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    if (s.ok()) s = add(NID_basic_constraints, "CA:FALSE");
    if (s.ok()) s = add(NID_key_usage, "critical,digitalSignature");
    if (s.ok()) s = add(NID_ext_key_usage, "serverAuth");
    if (s.ok() && !san.empty()) s = add(NID_subject_alt_name, absl::StrJoin(san, ","));
  }
  if (!s.ok()) return s;
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return Error("X509_sign");
  return cert;
}

absl::StatusOr<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) return Error("PEM cert");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error("PEM key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(const TestPkiOptions& options) {
  KeyPtr ca_key(EVP_EC_gen("P-256"));
  KeyPtr server_key(EVP_EC_gen("P-256"));
  if (ca_key == nullptr || server_key == nullptr) return Error("EVP_EC_gen");
  absl::StatusOr<CertPtr> ca = MakeCertificate(ca_key.get(), "ntf test CA", nullptr, ca_key.get(),
                                               options.validity_days, true, {});
  if (!ca.ok()) return ca.status();
  std::vector<std::string> san;
  for (const std::string& dns : options.dns_names) san.push_back(absl::StrCat("DNS:", dns));
  for (const std::string& ip : options.ip_addresses) san.push_back(absl::StrCat("IP:", ip));
  absl::StatusOr<CertPtr> server = MakeCertificate(server_key.get(), options.common_name, ca->get(),
                                                   ca_key.get(), options.validity_days, false, san);
  if (!server.ok()) return server.status();

  TestPki pki;
  absl::StatusOr<std::string> pem = CertPem(ca->get());
  if (!pem.ok()) return pem.status();
  pki.ca_certificate_pem = *std::move(pem);
  pem = CertPem(server->get());
  if (!pem.ok()) return pem.status();
  pki.server_certificate_pem = *std::move(pem);
  pem = KeyPem(server_key.get());
  if (!pem.ok()) return pem.status();
  pki.server_private_key_pem = *std::move(pem);
  return pki;
}

absl::StatusOr<std::string> WriteTempFile(std::string_view name_prefix, std::string_view content) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return absl::InternalError(absl::StrCat("temp dir: ", ec.message()));
  std::string path = (dir / absl::StrCat(std::string(name_prefix), "XXXXXX")).string();
  const int fd = mkstemp(path.data());
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp ", path));
  ::close(fd);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("write ", path));
  return path;
}

}  // namespace ntf::http2::testing
