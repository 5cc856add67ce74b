#pragma once

// Compact JWS (RFC 7515) signing for the two provider credentials: ES256 for the APNs provider
// token (RFC 7518 §3.4: the signature is the raw 64-byte R || S, not DER) and RS256 for the FCM
// service-account assertion (RSASSA-PKCS1-v1_5 with SHA-256).
//
// Thread-safety: SigningKey is immutable after loading; Sign() may run concurrently on one key
// from any number of threads (OpenSSL 3 creates a fresh signing context per call). Nothing here
// blocks or does I/O.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace ntf::pusher {

// Base64url without '=' padding, as JWS requires.
std::string Base64UrlNoPad(std::string_view data);

enum class JwsAlgorithm { kEs256, kRs256 };

// "ES256" / "RS256".
std::string_view JwsAlgorithmName(JwsAlgorithm alg);

// A private key that signs JWS: an EC P-256 key (ES256) or an RSA key of at least 2048 bits
// (RS256). Move-only; owns the OpenSSL key.
class SigningKey {
 public:
  // Parses a PEM "PRIVATE KEY" (PKCS#8; the APNs .p8 file and the service-account
  // `private_key` are both this form; the traditional "EC/RSA PRIVATE KEY" forms are accepted
  // too, encrypted keys are not). For kEs256 the key must be EC on P-256, for kRs256 RSA
  // with >= 2048 bits. InvalidArgument if the PEM does not parse or the key does not match.
  static absl::StatusOr<SigningKey> FromPkcs8Pem(std::string_view pem, JwsAlgorithm alg);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  JwsAlgorithm algorithm() const { return alg_; }

  // Signs `signing_input` (base64url(header) "." base64url(claims)) and returns the signature
  // bytes in JWS form (ES256: 64 bytes R || S, each big-endian and left-padded to 32; RS256:
  // the modulus-sized PKCS#1 v1.5 signature). Internal if OpenSSL fails.
  absl::StatusOr<std::string> Sign(std::string_view signing_input) const;

 private:
  struct KeyDeleter {
    void operator()(evp_pkey_st* pkey) const;
  };
  SigningKey(JwsAlgorithm alg, evp_pkey_st* pkey);

  JwsAlgorithm alg_;
  std::unique_ptr<evp_pkey_st, KeyDeleter> pkey_;
};

// A compact JWS: base64url(header) "." base64url(claims) "." base64url(signature), all
// unpadded. `header_json` and `claims_json` are used byte for byte; the header's "alg" must
// match the key (the caller writes it). Internal if signing fails.
absl::StatusOr<std::string> SignCompactJws(const SigningKey& key, std::string_view header_json,
                                           std::string_view claims_json);

}  // namespace ntf::pusher
