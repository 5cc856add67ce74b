#include "ntf/tls/identity.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/ossl.h"
#include "test_pki.h"

namespace ntf::tls {
namespace {

using ::ntf::tls::testing::MakeTestPki;
using ::ntf::tls::testing::ToDer;
using ::testing::HasSubstr;

Fingerprint FromHex(std::string_view hex) {
  Fingerprint out{};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return out;
}

// The upstream fixture ca.crt (spec/smp-notifier.md §1.4).
constexpr char kUpstreamHex[] = "2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232";
constexpr char kUpstreamB64[] = "LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=";

TEST(FingerprintTest, FormatsUpstreamVectorAsPaddedBase64Url) {
  EXPECT_EQ(FormatFingerprint(FromHex(kUpstreamHex)), kUpstreamB64);
}

TEST(FingerprintTest, ParsesWithAndWithoutPadding) {
  absl::StatusOr<Fingerprint> padded = ParseFingerprint(kUpstreamB64);
  ASSERT_TRUE(padded.ok()) << padded.status();
  EXPECT_EQ(*padded, FromHex(kUpstreamHex));
  std::string unpadded(kUpstreamB64);
  unpadded.pop_back();
  absl::StatusOr<Fingerprint> bare = ParseFingerprint(unpadded);
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(*bare, FromHex(kUpstreamHex));
}

TEST(FingerprintTest, RejectsWrongLengthAndGarbage) {
  EXPECT_EQ(ParseFingerprint("AAAA").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFingerprint("not base64 at all!").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClassifyChainTest, RolesFollowTheReference) {
  for (size_t n : {0u, 1u, 5u, 6u}) {
    EXPECT_EQ(ClassifyChain(n).status().code(), absl::StatusCode::kUnauthenticated) << n;
  }
  absl::StatusOr<ChainRoles> two = ClassifyChain(2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->leaf, 0u);
  EXPECT_EQ(two->id, 1u);
  EXPECT_EQ(two->ca, 1u);
  absl::StatusOr<ChainRoles> three = ClassifyChain(3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->id, 1u);
  EXPECT_EQ(three->ca, 2u);
  absl::StatusOr<ChainRoles> four = ClassifyChain(4);
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(four->id, 1u);
  EXPECT_EQ(four->ca, 3u);
}

class ValidateChainTest : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(ValidateChainTest, AcceptsOnlineCertPlusCa) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  std::vector<Der> chain = ToDer(pki.ChainPem());
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_TRUE(ValidateServerChain(chain, pki.fingerprint).ok())
      << ValidateServerChain(chain, pki.fingerprint);
}

TEST_P(ValidateChainTest, RejectsWrongFingerprintNamingBoth) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  testing::TestPki other = MakeTestPki(GetParam(), GetParam());
  absl::Status s = ValidateServerChain(ToDer(pki.ChainPem()), other.fingerprint);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("identity mismatch"));
  EXPECT_THAT(s.message(), HasSubstr(FormatFingerprint(other.fingerprint)));
  EXPECT_THAT(s.message(), HasSubstr(FormatFingerprint(pki.fingerprint)));
}

TEST_P(ValidateChainTest, RejectsPinOfLeafInsteadOfCa) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  std::vector<Der> chain = ToDer(pki.ChainPem());
  EXPECT_EQ(ValidateServerChain(chain, FingerprintOfDer(chain[0])).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_P(ValidateChainTest, RejectsLeafSignedByAnotherCa) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  testing::TestPki other = MakeTestPki(GetParam(), GetParam());
  // The other CA's leaf presented with our CA: the fingerprint matches, the signature does not.
  std::vector<Der> chain = ToDer(other.server.certificate_pem + pki.ca.certificate_pem);
  absl::Status s = ValidateServerChain(chain, pki.fingerprint);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("does not verify"));
}

TEST_P(ValidateChainTest, RejectsZeroOneAndFiveCertificates) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  std::vector<Der> chain = ToDer(pki.ChainPem());
  EXPECT_EQ(ValidateServerChain({}, pki.fingerprint).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ValidateServerChain({chain[0]}, pki.fingerprint).code(),
            absl::StatusCode::kUnauthenticated);
  std::vector<Der> five = {chain[0], chain[1], chain[1], chain[1], chain[1]};
  absl::Status s = ValidateServerChain(five, pki.fingerprint);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("5 certificates"));
}

TEST_P(ValidateChainTest, AcceptsThreeAndFourCertificateChains) {
  // root -> x -> id -> leaf.  3: [leaf, id, x] anchored at x;  4: [leaf, id, x, root].
  absl::StatusOr<CertificateAndKey> root = GenerateCa({.algorithm = GetParam()});
  ASSERT_TRUE(root.ok());
  absl::StatusOr<CertificateAndKey> x =
      GenerateCa({.algorithm = GetParam(), .common_name = "operator"}, &*root);
  ASSERT_TRUE(x.ok()) << x.status();
  absl::StatusOr<CertificateAndKey> id =
      GenerateCa({.algorithm = GetParam(), .common_name = "identity"}, &*x);
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<CertificateAndKey> leaf =
      GenerateServerCertificate(*id, {.algorithm = GetParam()});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  absl::StatusOr<Fingerprint> id_fp = FingerprintOfPem(id->certificate_pem);
  ASSERT_TRUE(id_fp.ok());

  std::vector<Der> three = ToDer(leaf->certificate_pem + id->certificate_pem + x->certificate_pem);
  EXPECT_TRUE(ValidateServerChain(three, *id_fp).ok()) << ValidateServerChain(three, *id_fp);
  std::vector<Der> four = ToDer(leaf->certificate_pem + id->certificate_pem + x->certificate_pem +
                                root->certificate_pem);
  EXPECT_TRUE(ValidateServerChain(four, *id_fp).ok()) << ValidateServerChain(four, *id_fp);
  // The pin is always the 2nd certificate, never the anchor.
  absl::StatusOr<Fingerprint> root_fp = FingerprintOfPem(root->certificate_pem);
  EXPECT_EQ(ValidateServerChain(four, *root_fp).code(), absl::StatusCode::kUnauthenticated);
}

TEST_P(ValidateChainTest, RejectsVersion1Leaf) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  // Re-issue the leaf as X.509 v1 (no extensions), signed by the same CA.
  auto read_cert = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return cert;
  };
  BIO* key_bio = BIO_new_mem_buf(pki.ca.private_key_pem.data(),
                                 static_cast<int>(pki.ca.private_key_pem.size()));
  EvpPkeyPtr ca_key(PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr));
  BIO_free(key_bio);
  X509Ptr ca = read_cert(pki.ca.certificate_pem);
  X509Ptr leaf = read_cert(pki.server.certificate_pem);
  ASSERT_TRUE(ca && leaf && ca_key);
  X509Ptr v1(X509_new());
  ASSERT_EQ(X509_set_version(v1.get(), X509_VERSION_1), 1);
  ASSERT_EQ(X509_set_serialNumber(v1.get(), X509_get_serialNumber(leaf.get())), 1);
  ASSERT_EQ(X509_set_subject_name(v1.get(), X509_get_subject_name(leaf.get())), 1);
  ASSERT_EQ(X509_set_issuer_name(v1.get(), X509_get_subject_name(ca.get())), 1);
  ASSERT_EQ(X509_set1_notBefore(v1.get(), X509_get0_notBefore(leaf.get())), 1);
  ASSERT_EQ(X509_set1_notAfter(v1.get(), X509_get0_notAfter(leaf.get())), 1);
  ASSERT_EQ(X509_set_pubkey(v1.get(), X509_get0_pubkey(leaf.get())), 1);
  ASSERT_GT(X509_sign(v1.get(), ca_key.get(), nullptr), 0);
  unsigned char* der = nullptr;
  int len = i2d_X509(v1.get(), &der);
  ASSERT_GT(len, 0);
  Der v1_der(der, der + len);
  OPENSSL_free(der);

  std::vector<Der> chain = {v1_der, ToDer(pki.ca.certificate_pem)[0]};
  absl::Status s = ValidateServerChain(chain, pki.fingerprint);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("v3"));
}

TEST_P(ValidateChainTest, RejectsMalformedDer) {
  testing::TestPki pki = MakeTestPki(GetParam(), GetParam());
  std::vector<Der> chain = ToDer(pki.ChainPem());
  chain[0].resize(chain[0].size() / 2);
  EXPECT_EQ(ValidateServerChain(chain, pki.fingerprint).code(), absl::StatusCode::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ValidateChainTest,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448),
                         [](const auto& info) { return testing::AlgorithmParamName(info.param); });

TEST(RawPublicKeyTest, ReturnsEd25519AndEd448Keys) {
  for (auto [algorithm, size] :
       {std::pair{KeyAlgorithm::kEd25519, 32u}, std::pair{KeyAlgorithm::kEd448, 57u}}) {
    testing::TestPki pki = MakeTestPki(algorithm, algorithm);
    absl::StatusOr<ServerCredentials> creds =
        ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
    ASSERT_TRUE(creds.ok()) << creds.status();
    absl::StatusOr<RawPublicKey> raw = GetRawPublicKey(creds->private_key());
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(raw->algorithm, algorithm);
    EXPECT_EQ(raw->key.size(), size);
  }
  EXPECT_EQ(GetRawPublicKey(nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::tls
