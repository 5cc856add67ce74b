#pragma once

// Certificates for the SimpleX transport: generation (for `ntfctl init` and tests) and loading
// of the server's chain and key.
//
// Layout, as the reference `smp-server init` / `ntf-server init` produce it:
//   ca.crt      offline identity CA: CN = "SimpleX NTF server CA", O = SimpleX,
//               basicConstraints = critical,CA:TRUE. Its key should be kept offline.
//   server.crt  online certificate signed by the CA: CN = <host>, basicConstraints = CA:FALSE,
//               keyUsage = digitalSignature,nonRepudiation,keyAgreement, EKU = serverAuth.
//   server.key  the online key (PKCS#8 PEM, unencrypted).
// Both certificates are valid for 999999 days by default, so notAfter is a GeneralizedTime in
// year ~4759. The server fingerprint is FingerprintOfDer(DER(ca.crt)).
//
// All functions are thread-safe and do no I/O unless their name says "File".

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/tls/identity.h"
#include "ntf/tls/ossl.h"

namespace ntf::tls {

// A certificate and its private key, both PEM.
struct CertificateAndKey {
  std::string certificate_pem;
  std::string private_key_pem;
};

struct CaOptions {
  // Ed448 is the reference default; Ed25519 makes smaller certificates and faster handshakes.
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  std::string common_name = "SimpleX NTF server CA";
  std::string organization = "SimpleX";
  // 999999 days as the reference; notAfter beyond 2049 is written as GeneralizedTime.
  int validity_days = 999999;
};

struct ServerCertificateOptions {
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  // The server's host name (the reference puts the FQDN or IP here). Clients do not check it.
  std::string common_name = "localhost";
  int validity_days = 999999;
};

// Generates a fresh key and a CA certificate. With `issuer` == nullptr it is a self-signed root
// (the normal case); otherwise an intermediate CA signed by `issuer` (for 3- and 4-certificate
// chains, mostly in tests).
absl::StatusOr<CertificateAndKey> GenerateCa(const CaOptions& options,
                                             const CertificateAndKey* issuer = nullptr);

// Generates a fresh key and the online server certificate, signed by `ca`.
absl::StatusOr<CertificateAndKey> GenerateServerCertificate(
    const CertificateAndKey& ca, const ServerCertificateOptions& options);

// Every certificate in a PEM text, in order, as DER. InvalidArgument if there is none or one is
// malformed.
absl::StatusOr<std::vector<Der>> PemCertificatesToDer(std::string_view pem);

// FingerprintOfDer of the first certificate in `certificate_pem` (e.g. ca.crt).
absl::StatusOr<Fingerprint> FingerprintOfPem(std::string_view certificate_pem);

// Writes `contents` to `path`, creating it with mode 0600 when `secret` (keys) or 0644 otherwise.
// Fails with AlreadyExists if the file exists and !overwrite. Blocking file I/O.
absl::Status WritePemFile(const std::string& path, std::string_view contents, bool secret,
                          bool overwrite = false);
// Reads a whole file. NotFound / PermissionDenied / Internal from errno. Blocking file I/O.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

// The server's TLS identity: its chain (leaf first, then the CA; up to 4 certificates) and the
// leaf's private key. Immutable after loading; move-only; safe to read from any thread.
class ServerCredentials {
 public:
  // `chain_pem`: the online certificate followed by the CA certificate (server.crt + ca.crt), or
  // a longer chain in the order it is sent. `key_pem`: the online key. Checks that the chain has
  // 2..4 certificates, the key is Ed25519/Ed448 and matches the leaf.
  static absl::StatusOr<ServerCredentials> FromPem(std::string_view chain_pem,
                                                   std::string_view key_pem);
  // Reads server.crt, ca.crt and server.key (blocking file I/O), then as FromPem.
  static absl::StatusOr<ServerCredentials> FromFiles(const std::string& server_cert_path,
                                                     const std::string& ca_cert_path,
                                                     const std::string& key_path);
  // As FromPem but accepts any chain length >= 1, so tests can serve invalid chains.
  static absl::StatusOr<ServerCredentials> FromPemForTest(std::string_view chain_pem,
                                                          std::string_view key_pem);

  ServerCredentials(ServerCredentials&&) = default;
  ServerCredentials& operator=(ServerCredentials&&) = default;

  // The chain as sent in TLS (and in the SMP server hello's certChain), leaf first.
  const std::vector<Der>& chain_der() const { return chain_der_; }
  // SHA-256 of chain_der()[1] (the identity certificate): the address fingerprint.
  // (For a one-certificate chain from FromPemForTest: of that certificate.)
  const Fingerprint& fingerprint() const { return fingerprint_; }
  // The online (leaf) key; it signs the per-connection handshake key in the NTF/SMP server
  // hello (EVP_DigestSign with a NULL digest). Owned by this object.
  EVP_PKEY* private_key() const { return key_.get(); }
  KeyAlgorithm algorithm() const { return algorithm_; }
  // The parsed chain, owned by this object (used to configure SSL_CTX).
  const std::vector<X509Ptr>& chain() const { return chain_; }

 private:
  ServerCredentials() = default;
  static absl::StatusOr<ServerCredentials> Load(std::string_view chain_pem,
                                                std::string_view key_pem, bool check_length);

  std::vector<X509Ptr> chain_;
  std::vector<Der> chain_der_;
  EvpPkeyPtr key_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::kEd25519;
  Fingerprint fingerprint_{};
};

}  // namespace ntf::tls
