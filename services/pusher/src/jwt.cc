#include "services/pusher/src/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher {
namespace {

constexpr size_t kEs256CoordinateSize = 32;
constexpr int kMinRsaBits = 2048;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

// Fails with `message`, leaving OpenSSL's per-thread error queue empty: a stale entry there would
// confuse the next SSL_get_error() on this thread (an event loop's TLS code).
absl::Status OpenSslFailure(absl::StatusCode code, const char* message) {
  ERR_clear_error();
  return absl::Status(code, message);
}

absl::Status CheckKeyMatches(EVP_PKEY* pkey, JwsAlgorithm alg) {
  if (alg == JwsAlgorithm::kEs256) {
    if (!EVP_PKEY_is_a(pkey, "EC")) return absl::InvalidArgumentError("ES256 needs an EC key");
    std::array<char, 64> group{};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &len) != 1 ||
        std::string_view(group.data(), len) != "prime256v1") {
      return OpenSslFailure(absl::StatusCode::kInvalidArgument,
                            "ES256 needs a P-256 (prime256v1) key");
    }
    return absl::OkStatus();
  }
  if (!EVP_PKEY_is_a(pkey, "RSA")) return absl::InvalidArgumentError("RS256 needs an RSA key");
  if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
    return absl::InvalidArgumentError("RS256 needs an RSA key of at least 2048 bits");
  }
  return absl::OkStatus();
}

// DER ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to the JWS form R || S.
absl::StatusOr<std::string> DerToRawEcdsa(const unsigned char* der, size_t der_len) {
  const unsigned char* p = der;
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (sig == nullptr) {
    return OpenSslFailure(absl::StatusCode::kInternal, "malformed ECDSA signature from OpenSSL");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kEs256CoordinateSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256CoordinateSize) != kEs256CoordinateSize ||
      BN_bn2binpad(s, out + kEs256CoordinateSize, kEs256CoordinateSize) != kEs256CoordinateSize) {
    return absl::InternalError("ECDSA signature component longer than 32 bytes");
  }
  return raw;
}

}  // namespace

std::string Base64UrlNoPad(std::string_view data) {
  std::string out = wire::Base64UrlEncode(wire::AsSpan(data));
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kEs256 ? "ES256" : "RS256";
}

void SigningKey::KeyDeleter::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

SigningKey::SigningKey(JwsAlgorithm alg, evp_pkey_st* pkey) : alg_(alg), pkey_(pkey) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

absl::StatusOr<SigningKey> SigningKey::FromPkcs8Pem(std::string_view pem, JwsAlgorithm alg) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslFailure(absl::StatusCode::kInternal, "BIO_new_mem_buf failed");
  // A password callback that supplies none: an encrypted key fails instead of prompting on a tty.
  pem_password_cb* no_password = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) {
    return OpenSslFailure(absl::StatusCode::kInvalidArgument,
                          "not an unencrypted PEM private key (PKCS#8 \"PRIVATE KEY\" expected)");
  }
  SigningKey key(alg, raw);
  if (absl::Status s = CheckKeyMatches(raw, alg); !s.ok()) return s;
  return key;
}

absl::StatusOr<std::string> SigningKey::Sign(std::string_view signing_input) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1) {
    return OpenSslFailure(absl::StatusCode::kInternal, "EVP_DigestSignInit failed");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  size_t sig_len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, in, signing_input.size()) != 1) {
    return OpenSslFailure(absl::StatusCode::kInternal, "EVP_DigestSign (size) failed");
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, in,
                     signing_input.size()) != 1) {
    return OpenSslFailure(absl::StatusCode::kInternal, "EVP_DigestSign failed");
  }
  sig.resize(sig_len);
  if (alg_ == JwsAlgorithm::kRs256) return sig;
  return DerToRawEcdsa(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

absl::StatusOr<std::string> SignCompactJws(const SigningKey& key, std::string_view header_json,
                                           std::string_view claims_json) {
  std::string out = absl::StrCat(Base64UrlNoPad(header_json), ".", Base64UrlNoPad(claims_json));
  absl::StatusOr<std::string> sig = key.Sign(out);
  if (!sig.ok()) return sig.status();
  absl::StrAppend(&out, ".", Base64UrlNoPad(*sig));
  return out;
}

}  // namespace ntf::pusher
