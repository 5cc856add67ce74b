#pragma once

// Test keys generated with OpenSSL at run time, and independent JWS verification, so the
// signing code is checked against OpenSSL's verifier rather than against itself.

#include <string>
#include <string_view>
#include <vector>

namespace ntf::pusher::testing {

struct TestKeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY"
};

// A fresh EC P-256 key (an APNs .p8 key has this form).
TestKeyPair GenerateEcP256();
// A fresh EC key on another curve (P-384), which ES256 must refuse.
TestKeyPair GenerateEcP384();
// A fresh RSA key of `bits` bits (a service-account key is RSA-2048).
TestKeyPair GenerateRsa(int bits = 2048);

// Verifies a compact JWS with the public key: ES256 expects a 64-byte R || S signature, RS256
// a PKCS#1 v1.5 one. False on any mismatch or malformed input.
bool VerifyEs256Jws(std::string_view jws, std::string_view public_pem);
bool VerifyRs256Jws(std::string_view jws, std::string_view public_pem);

// Splits on every `sep` (absl::StrSplit does not take std::string_view on Debian 12).
std::vector<std::string> Split(std::string_view text, char sep);

// Base64url (padded or not) to bytes; empty on malformed input.
std::string Base64UrlDecodeToString(std::string_view text);

// The decoded JSON of part `index` (0 header, 1 claims) of a compact JWS.
std::string JwsPart(std::string_view jws, int index);

}  // namespace ntf::pusher::testing
