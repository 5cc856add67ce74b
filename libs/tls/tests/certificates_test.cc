#include "ntf/tls/certificates.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_pki.h"

namespace ntf::tls {
namespace {

using ::ntf::tls::testing::MakeTestPki;
using ::testing::HasSubstr;

X509Ptr ReadCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::string NameEntry(X509_NAME* name, int nid) {
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(name, nid, buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

int KeyId(KeyAlgorithm a) {
  return a == KeyAlgorithm::kEd25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448;
}

class CertificatesTest : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(CertificatesTest, CaHasReferenceSubjectAndCriticalCaConstraint) {
  absl::StatusOr<CertificateAndKey> ca = GenerateCa({.algorithm = GetParam()});
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_THAT(ca->private_key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));  // PKCS#8
  X509Ptr cert = ReadCert(ca->certificate_pem);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(NameEntry(X509_get_subject_name(cert.get()), NID_commonName), "SimpleX NTF server CA");
  EXPECT_EQ(NameEntry(X509_get_subject_name(cert.get()), NID_organizationName), "SimpleX");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert.get())), KeyId(GetParam()));
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  int crit = -1;
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, &crit, nullptr));
  ASSERT_NE(bc, nullptr);
  EXPECT_TRUE(bc->ca);
  EXPECT_EQ(crit, 1);
  BASIC_CONSTRAINTS_free(bc);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);  // self-signed
}

TEST_P(CertificatesTest, ServerCertIsSignedByCaWithReferenceExtensions) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  X509Ptr ca = ReadCert(pki.ca.certificate_pem);
  X509Ptr cert = ReadCert(pki.server.certificate_pem);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(NameEntry(X509_get_subject_name(cert.get()), NID_commonName), "127.0.0.1");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca.get())), 0);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.get())), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  int crit = -1;
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, &crit, nullptr));
  ASSERT_NE(bc, nullptr);
  EXPECT_FALSE(bc->ca);
  BASIC_CONSTRAINTS_free(bc);
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_AGREEMENT));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
}

TEST_P(CertificatesTest, NotAfterIsGeneralizedTimeNearYear4759) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  for (const std::string* pem : {&pki.ca.certificate_pem, &pki.server.certificate_pem}) {
    X509Ptr cert = ReadCert(*pem);
    ASSERT_NE(cert, nullptr);
    const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
    EXPECT_EQ(ASN1_STRING_type(not_after), V_ASN1_GENERALIZEDTIME);
    std::tm tm = {};
    ASSERT_EQ(ASN1_TIME_to_tm(not_after, &tm), 1);
    // now + 999999 days: 2026 + 2737.9 years.
    EXPECT_GE(tm.tm_year + 1900, 4750);
    EXPECT_LE(tm.tm_year + 1900, 4800);
    EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  }
}

TEST_P(CertificatesTest, FingerprintIsSha256OfCaDerComputedIndependently) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  // Decode the PEM body by hand (strip armour, base64) and hash with a different OpenSSL API.
  std::string pem = pki.ca.certificate_pem;
  std::string b64;
  size_t begin = pem.find('\n') + 1;
  size_t end = pem.find("-----END");
  for (size_t i = begin; i < end; ++i) {
    if (pem[i] != '\n') b64 += pem[i];
  }
  std::vector<unsigned char> der(b64.size());
  int len = EVP_DecodeBlock(der.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                            static_cast<int>(b64.size()));
  ASSERT_GT(len, 0);
  // EVP_DecodeBlock counts '=' padding bytes as zeros; drop them.
  len -= static_cast<int>(b64.size() - b64.find_last_not_of('=') - 1);
  unsigned char digest[32];
  size_t digest_len = 0;
  ASSERT_EQ(EVP_Q_digest(nullptr, "SHA256", nullptr, der.data(), static_cast<size_t>(len), digest,
                         &digest_len),
            1);
  Fingerprint expected{};
  std::copy(digest, digest + 32, expected.begin());

  EXPECT_EQ(pki.fingerprint, expected);  // FingerprintOfPem
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->fingerprint(), expected);
  EXPECT_EQ(creds->chain_der().size(), 2u);
  EXPECT_EQ(creds->algorithm(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CertificatesTest,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448),
                         [](const auto& info) { return testing::AlgorithmParamName(info.param); });

TEST(ServerCredentialsTest, RejectsKeyThatDoesNotMatchLeaf) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.ca.private_key_pem);
  EXPECT_EQ(creds.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServerCredentialsTest, RejectsSingleCertificateUnlessForTest) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  EXPECT_EQ(ServerCredentials::FromPem(pki.server.certificate_pem, pki.server.private_key_pem)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      ServerCredentials::FromPemForTest(pki.server.certificate_pem, pki.server.private_key_pem)
          .ok());
}

TEST(ServerCredentialsTest, RejectsGarbagePem) {
  EXPECT_EQ(ServerCredentials::FromPem("not a pem", "nor this").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PemCertificatesToDer("").status().code(), absl::StatusCode::kInvalidArgument);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ntf_tls_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(ServerCredentialsTest, WritesAndLoadsFiles) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd448, KeyAlgorithm::kEd448);
  TempDir dir;
  ASSERT_TRUE(WritePemFile(dir.File("ca.crt"), pki.ca.certificate_pem, false).ok());
  ASSERT_TRUE(WritePemFile(dir.File("server.crt"), pki.server.certificate_pem, false).ok());
  ASSERT_TRUE(WritePemFile(dir.File("server.key"), pki.server.private_key_pem, true).ok());

  struct stat st = {};
  ASSERT_EQ(::stat(dir.File("server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.File("ca.crt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  absl::Status again = WritePemFile(dir.File("server.key"), "x", true);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(WritePemFile(dir.File("other"), "x", false, /*overwrite=*/true).ok());
  EXPECT_TRUE(WritePemFile(dir.File("other"), "y", false, /*overwrite=*/true).ok());
  EXPECT_EQ(*ReadPemFile(dir.File("other")), "y");

  absl::StatusOr<ServerCredentials> creds = ServerCredentials::FromFiles(
      dir.File("server.crt"), dir.File("ca.crt"), dir.File("server.key"));
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->fingerprint(), pki.fingerprint);
  EXPECT_EQ(creds->algorithm(), KeyAlgorithm::kEd448);

  EXPECT_EQ(
      ServerCredentials::FromFiles(dir.File("missing"), dir.File("ca.crt"), dir.File("server.key"))
          .status()
          .code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ntf::tls
