#pragma once

// Test PKI: a CA, an online server certificate, and helpers to assemble chains.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ntf/tls/certificates.h"

namespace ntf::tls::testing {

struct TestPki {
  CertificateAndKey ca;
  CertificateAndKey server;
  Fingerprint fingerprint{};  // of ca

  // server.crt + ca.crt
  std::string ChainPem() const { return server.certificate_pem + ca.certificate_pem; }
};

inline TestPki MakeTestPki(KeyAlgorithm ca_algorithm, KeyAlgorithm server_algorithm) {
  TestPki pki;
  absl::StatusOr<CertificateAndKey> ca = GenerateCa({.algorithm = ca_algorithm});
  EXPECT_TRUE(ca.ok()) << ca.status();
  pki.ca = *ca;
  absl::StatusOr<CertificateAndKey> server = GenerateServerCertificate(
      pki.ca, {.algorithm = server_algorithm, .common_name = "127.0.0.1"});
  EXPECT_TRUE(server.ok()) << server.status();
  pki.server = *server;
  absl::StatusOr<Fingerprint> fp = FingerprintOfPem(pki.ca.certificate_pem);
  EXPECT_TRUE(fp.ok()) << fp.status();
  pki.fingerprint = *fp;
  return pki;
}

inline std::vector<Der> ToDer(const std::string& pem) {
  absl::StatusOr<std::vector<Der>> der = PemCertificatesToDer(pem);
  EXPECT_TRUE(der.ok()) << der.status();
  return der.ok() ? *der : std::vector<Der>{};
}

inline std::string AlgorithmParamName(KeyAlgorithm a) {
  return a == KeyAlgorithm::kEd25519 ? "Ed25519" : "Ed448";
}

}  // namespace ntf::tls::testing
