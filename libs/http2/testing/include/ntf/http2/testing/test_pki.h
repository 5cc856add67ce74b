#pragma once

// Certificates for tests of HTTP/2 over TLS: a throwaway CA and a server certificate it
// signs, ECDSA P-256 like a public web PKI (subjectAltName with DNS names and IP addresses,
// serverAuth), so clients verify them with the normal public-CA profile. Test-only.
//
// Thread-safe; no I/O except WriteTempFile.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ntf::http2::testing {

struct TestPkiOptions {
  // Subject CN of the server certificate.
  std::string common_name = "localhost";
  // subjectAltName entries the server certificate is valid for.
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1"};
  int validity_days = 30;
};

struct TestPki {
  std::string ca_certificate_pem;      // trust anchor for clients (ClientOptions::ca_pem)
  std::string server_certificate_pem;  // leaf only (ServerOptions::certificate_chain_pem)
  std::string server_private_key_pem;  // PKCS#8
};

// A fresh CA and server certificate. Internal if OpenSSL fails.
absl::StatusOr<TestPki> MakeTestPki(const TestPkiOptions& options = {});

// Writes `content` to a new file under the system temp directory and returns its path (e.g.
// for ClientOptions::ca_file). The caller may delete it.
absl::StatusOr<std::string> WriteTempFile(std::string_view name_prefix, std::string_view content);

}  // namespace ntf::http2::testing
