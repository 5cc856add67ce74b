#include "ntf/tls/certificates.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "internal.h"

namespace ntf::tls {
namespace {

using internal::OpenSslError;

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

absl::Status ErrnoStatus(int err, std::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(err),
                      absl::StrCat(std::string(what), ": ", std::strerror(err)));
}

absl::Status Internal(std::string_view what) {
  return OpenSslError(absl::StatusCode::kInternal, what);
}

BioPtr MemoryBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

absl::StatusOr<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0) return Internal("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyAlgorithm algorithm) {
  EvpPkeyPtr key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, std::string(KeyAlgorithmName(algorithm)).c_str()));
  if (key == nullptr) return Internal("key generation");
  return key;
}

absl::StatusOr<X509Ptr> ParseCertificate(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (cert == nullptr) return OpenSslError(absl::StatusCode::kInvalidArgument, "certificate PEM");
  return cert;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr) return OpenSslError(absl::StatusCode::kInvalidArgument, "private key PEM");
  return key;
}

absl::StatusOr<KeyAlgorithm> AlgorithmOf(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
      return KeyAlgorithm::kEd25519;
    case EVP_PKEY_ED448:
      return KeyAlgorithm::kEd448;
    default:
      return absl::InvalidArgumentError("key is neither Ed25519 nor Ed448");
  }
}

absl::Status AddNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return absl::OkStatus();
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, absl::StrCat("subject ", field));
  }
  return absl::OkStatus();
}

absl::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  std::unique_ptr<X509_EXTENSION, BioDeleter> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Internal(absl::StrCat("extension ", OBJ_nid2sn(nid), " = ", value));
  }
  return absl::OkStatus();
}

struct Extension {
  int nid;
  const char* value;
};

// Builds and signs a v3 certificate for `key`. `issuer` null means self-signed.
absl::StatusOr<X509Ptr> BuildCertificate(EVP_PKEY* key, const std::string& common_name,
                                         const std::string& organization, int validity_days,
                                         X509* issuer, EVP_PKEY* issuer_key,
                                         std::initializer_list<Extension> extensions) {
  if (validity_days <= 0) return absl::InvalidArgumentError("validity_days must be positive");
  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Internal("X509_new");
  }

  // 159-bit random positive serial, as `openssl req -x509` does.
  std::unique_ptr<BIGNUM, BioDeleter> serial(BN_new());
  if (serial == nullptr || BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Internal("serial number");
  }

  // ASN1_TIME_adj picks UTCTime up to 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5);
  // X509_gmtime_adj would keep the initial UTCTime type and fail for year ~4759.
  std::time_t now = std::time(nullptr);
  if (ASN1_TIME_adj(X509_getm_notBefore(cert.get()), now, 0, 0) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(cert.get()), now, validity_days, 0) == nullptr) {
    return Internal("validity");
  }

  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (absl::Status s = AddNameEntry(subject, "CN", common_name); !s.ok()) return s;
  if (absl::Status s = AddNameEntry(subject, "O", organization); !s.ok()) return s;
  X509* issuer_cert = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Internal("issuer/public key");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, cert.get(), nullptr, nullptr, 0);
  for (const Extension& e : extensions) {
    if (absl::Status s = AddExtension(cert.get(), &ctx, e.nid, e.value); !s.ok()) return s;
  }

  // EdDSA signs the message itself: no digest.
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, nullptr) <= 0) {
    return Internal("X509_sign");
  }
  return cert;
}

absl::StatusOr<CertificateAndKey> ToPem(X509* cert, EVP_PKEY* key) {
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (cert_bio == nullptr || key_bio == nullptr || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("PEM encoding");
  }
  CertificateAndKey out;
  absl::StatusOr<std::string> c = BioContents(cert_bio.get());
  absl::StatusOr<std::string> k = BioContents(key_bio.get());
  if (!c.ok()) return c.status();
  if (!k.ok()) return k.status();
  out.certificate_pem = *std::move(c);
  out.private_key_pem = *std::move(k);
  return out;
}

}  // namespace

absl::StatusOr<CertificateAndKey> GenerateCa(const CaOptions& options,
                                             const CertificateAndKey* issuer) {
  absl::StatusOr<EvpPkeyPtr> key = GenerateKey(options.algorithm);
  if (!key.ok()) return key.status();
  X509Ptr issuer_cert;
  EvpPkeyPtr issuer_key;
  if (issuer != nullptr) {
    absl::StatusOr<X509Ptr> c = ParseCertificate(issuer->certificate_pem);
    if (!c.ok()) return c.status();
    absl::StatusOr<EvpPkeyPtr> k = ParsePrivateKey(issuer->private_key_pem);
    if (!k.ok()) return k.status();
    issuer_cert = *std::move(c);
    issuer_key = *std::move(k);
  }
  absl::StatusOr<X509Ptr> cert =
      BuildCertificate(key->get(), options.common_name, options.organization, options.validity_days,
                       issuer_cert.get(), issuer_key.get(),
                       {{NID_basic_constraints, "critical,CA:TRUE"},
                        {NID_subject_key_identifier, "hash"},
                        {NID_authority_key_identifier, "keyid:always"}});
  if (!cert.ok()) return cert.status();
  return ToPem(cert->get(), key->get());
}

absl::StatusOr<CertificateAndKey> GenerateServerCertificate(
    const CertificateAndKey& ca, const ServerCertificateOptions& options) {
  absl::StatusOr<X509Ptr> ca_cert = ParseCertificate(ca.certificate_pem);
  if (!ca_cert.ok()) return ca_cert.status();
  absl::StatusOr<EvpPkeyPtr> ca_key = ParsePrivateKey(ca.private_key_pem);
  if (!ca_key.ok()) return ca_key.status();
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "CA key does not match CA cert");
  }
  absl::StatusOr<EvpPkeyPtr> key = GenerateKey(options.algorithm);
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert =
      BuildCertificate(key->get(), options.common_name, /*organization=*/"", options.validity_days,
                       ca_cert->get(), ca_key->get(),
                       {{NID_basic_constraints, "CA:FALSE"},
                        {NID_key_usage, "digitalSignature,nonRepudiation,keyAgreement"},
                        {NID_ext_key_usage, "serverAuth"},
                        {NID_subject_key_identifier, "hash"},
                        {NID_authority_key_identifier, "keyid:always"}});
  if (!cert.ok()) return cert.status();
  return ToPem(cert->get(), key->get());
}

absl::StatusOr<std::vector<Der>> PemCertificatesToDer(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return Internal("BIO_new_mem_buf");
  std::vector<Der> out;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) {
      unsigned long err = ERR_peek_last_error();
      if (!out.empty() && ERR_GET_LIB(err) == ERR_LIB_PEM &&
          ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // clean end of input
        break;
      }
      return OpenSslError(absl::StatusCode::kInvalidArgument,
                          absl::StrCat("certificate ", out.size(), " in PEM"));
    }
    absl::StatusOr<Der> der = internal::CertificateToDer(cert.get());
    if (!der.ok()) return der.status();
    out.push_back(*std::move(der));
  }
  return out;
}

absl::StatusOr<Fingerprint> FingerprintOfPem(std::string_view certificate_pem) {
  absl::StatusOr<std::vector<Der>> ders = PemCertificatesToDer(certificate_pem);
  if (!ders.ok()) return ders.status();
  return FingerprintOfDer(ders->front());
}

absl::Status WritePemFile(const std::string& path, std::string_view contents, bool secret,
                          bool overwrite) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, secret ? 0600 : 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path, " already exists"));
    return ErrnoStatus(err, absl::StrCat("open ", path));
  }
  // O_CREAT's mode applies only to new files; tighten an overwritten key file too.
  if (secret && ::fchmod(fd, 0600) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, absl::StrCat("chmod ", path));
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat("write ", path));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return ErrnoStatus(errno, absl::StrCat("close ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<ServerCredentials> ServerCredentials::FromPem(std::string_view chain_pem,
                                                             std::string_view key_pem) {
  return Load(chain_pem, key_pem, /*check_length=*/true);
}

absl::StatusOr<ServerCredentials> ServerCredentials::FromPemForTest(std::string_view chain_pem,
                                                                    std::string_view key_pem) {
  return Load(chain_pem, key_pem, /*check_length=*/false);
}

absl::StatusOr<ServerCredentials> ServerCredentials::FromFiles(const std::string& server_cert_path,
                                                               const std::string& ca_cert_path,
                                                               const std::string& key_path) {
  absl::StatusOr<std::string> server = ReadPemFile(server_cert_path);
  if (!server.ok()) return server.status();
  absl::StatusOr<std::string> ca = ReadPemFile(ca_cert_path);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> key = ReadPemFile(key_path);
  if (!key.ok()) return key.status();
  std::string chain = *server;
  if (!chain.empty() && chain.back() != '\n') chain += '\n';
  chain += *ca;
  return FromPem(chain, *key);
}

absl::StatusOr<ServerCredentials> ServerCredentials::Load(std::string_view chain_pem,
                                                          std::string_view key_pem,
                                                          bool check_length) {
  absl::StatusOr<std::vector<Der>> ders = PemCertificatesToDer(chain_pem);
  if (!ders.ok()) return ders.status();
  if (check_length) {
    if (absl::StatusOr<ChainRoles> roles = ClassifyChain(ders->size()); !roles.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "server chain must be [online cert, CA cert] (2 to 4 certificates), got ", ders->size()));
    }
  }
  ServerCredentials creds;
  for (const Der& der : *ders) {
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (cert == nullptr) return Internal("d2i_X509");
    creds.chain_.push_back(std::move(cert));
  }
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKey(key_pem);
  if (!key.ok()) return key.status();
  absl::StatusOr<KeyAlgorithm> algorithm = AlgorithmOf(key->get());
  if (!algorithm.ok()) return algorithm.status();
  if (X509_check_private_key(creds.chain_.front().get(), key->get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "private key does not match the online (first) certificate");
  }
  creds.key_ = *std::move(key);
  creds.algorithm_ = *algorithm;
  creds.fingerprint_ = FingerprintOfDer(ders->size() >= 2 ? (*ders)[1] : (*ders)[0]);
  creds.chain_der_ = *std::move(ders);
  return creds;
}

}  // namespace ntf::tls
