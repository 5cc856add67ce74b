#include "services/pusher/tests/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <vector>

#include "ntf/wire/encoding.h"

namespace ntf::pusher::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

TestKeyPair Export(EVP_PKEY* pkey) {
  std::unique_ptr<BIO, BioFree> priv(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> pub(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(priv.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), pkey);
  return {.private_pem = BioString(priv.get()), .public_pem = BioString(pub.get())};
}

Pkey ReadPublic(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

bool Verify(EVP_PKEY* pkey, std::string_view input, const std::string& sig) {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// Splits a compact JWS into signing input and decoded signature.
bool SplitJws(std::string_view jws, std::string_view* input, std::string* sig) {
  std::vector<std::string> parts = Split(jws, '.');
  if (parts.size() != 3) return false;
  *input = jws.substr(0, parts[0].size() + 1 + parts[1].size());
  *sig = Base64UrlDecodeToString(parts[2]);
  return !sig->empty();
}

}  // namespace

TestKeyPair GenerateEcP256() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  return Export(key.get());
}

TestKeyPair GenerateEcP384() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  return Export(key.get());
}

TestKeyPair GenerateRsa(int bits) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  return Export(key.get());
}

bool VerifyEs256Jws(std::string_view jws, std::string_view public_pem) {
  std::string_view input;
  std::string raw;
  if (!SplitJws(jws, &input, &raw) || raw.size() != 64) return false;
  // Back from R || S to the DER form OpenSSL verifies.
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  Pkey pub = ReadPublic(public_pem);
  return pub != nullptr && Verify(pub.get(), input, der_sig);
}

bool VerifyRs256Jws(std::string_view jws, std::string_view public_pem) {
  std::string_view input;
  std::string sig;
  if (!SplitJws(jws, &input, &sig)) return false;
  Pkey pub = ReadPublic(public_pem);
  return pub != nullptr && Verify(pub.get(), input, sig);
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string Base64UrlDecodeToString(std::string_view text) {
  absl::StatusOr<wire::Bytes> bytes = wire::Base64UrlDecode(text);
  if (!bytes.ok()) return {};
  return std::string(bytes->begin(), bytes->end());
}

std::string JwsPart(std::string_view jws, int index) {
  std::vector<std::string> parts = Split(jws, '.');
  if (parts.size() != 3 || index < 0 || index > 2) return {};
  return Base64UrlDecodeToString(parts[static_cast<size_t>(index)]);
}

}  // namespace ntf::pusher::testing
