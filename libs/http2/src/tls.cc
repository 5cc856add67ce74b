#include "tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ntf::http2::internal {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr MemBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string errors = DrainOpenSslErrors();
  return absl::Status(
      code, errors.empty() ? std::string(what) : absl::StrCat(std::string(what), ": ", errors));
}

SslCtxPtr Wrap(SSL_CTX* ctx) {
  return SslCtxPtr(ctx, [](SSL_CTX* c) { SSL_CTX_free(c); });
}

// The client offers only "h2"; anything else is refused with no_application_protocol.
int SelectH2(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
             const unsigned char* in, unsigned int inlen, void* /*arg*/) {
  const size_t name_len = std::strlen(kH2Alpn);
  for (unsigned int i = 0; i < inlen;) {
    const unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == name_len && std::memcmp(in + i + 1, kH2Alpn, len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

absl::StatusOr<SslCtxPtr> MakeClientTlsContext(const ClientTlsConfig& config) {
  ERR_clear_error();
  SslCtxPtr ctx = Wrap(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_verify(ctx.get(), config.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (!config.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), config.ca_file.c_str(), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat("cannot load CA file '", config.ca_file, "'"));
  }
  if (!config.ca_pem.empty()) {
    BioPtr bio = MemBio(config.ca_pem);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      const int ok = X509_STORE_add_cert(store, cert);
      X509_free(cert);
      if (ok != 1) return OpenSslError(absl::StatusCode::kInvalidArgument, "X509_STORE_add_cert");
      ++added;
    }
    ERR_clear_error();  // PEM_read_bio_X509 ends with "no start line"
    if (added == 0) return absl::InvalidArgumentError("ca_pem holds no certificate");
  }
  if (config.ca_file.empty() && config.ca_pem.empty() &&
      SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_set_default_verify_paths");
  }
  static constexpr unsigned char kAlpnWire[] = {2, 'h', '2'};
  // SSL_CTX_set_alpn_protos returns 0 on success.
  if (SSL_CTX_set_alpn_protos(ctx.get(), kAlpnWire, sizeof kAlpnWire) != 0) {
    return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_set_alpn_protos");
  }
  return ctx;
}

absl::StatusOr<SslCtxPtr> MakeServerTlsContext(std::string_view certificate_chain_pem,
                                               std::string_view private_key_pem) {
  ERR_clear_error();
  SslCtxPtr ctx = Wrap(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  BioPtr bio = MemBio(certificate_chain_pem);
  X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "no certificate in chain PEM");
  }
  const int used = SSL_CTX_use_certificate(ctx.get(), leaf);
  X509_free(leaf);
  if (used != 1) return OpenSslError(absl::StatusCode::kInvalidArgument, "use certificate");
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    // add0: the context takes ownership on success.
    if (SSL_CTX_add0_chain_cert(ctx.get(), cert) != 1) {
      X509_free(cert);
      return OpenSslError(absl::StatusCode::kInvalidArgument, "add chain certificate");
    }
  }
  ERR_clear_error();

  BioPtr key_bio = MemBio(private_key_pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return OpenSslError(absl::StatusCode::kInvalidArgument, "bad private key");
  const int key_used = SSL_CTX_use_PrivateKey(ctx.get(), key);
  EVP_PKEY_free(key);
  if (key_used != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "private key does not match the certificate");
  }
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectH2, nullptr);
  return ctx;
}

absl::Status ConfigureClientSsl(SSL* ssl, const std::string& host, bool verify_peer) {
  const bool ip = IsIpLiteral(host);
  if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "SNI");
  }
  if (!verify_peer) return absl::OkStatus();
  if (ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
      return OpenSslError(absl::StatusCode::kInvalidArgument, "expected IP address");
    }
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host.c_str()) != 1) {
      return OpenSslError(absl::StatusCode::kInvalidArgument, "expected host name");
    }
  }
  return absl::OkStatus();
}

std::string NegotiatedAlpn(const SSL* ssl) {
  const unsigned char* alpn = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &len);
  return alpn == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(alpn), len);
}

std::string ServerName(const SSL* ssl) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  return name == nullptr ? std::string() : std::string(name);
}

absl::Status ClientHandshakeError(const SSL* ssl, const std::string& target,
                                  const std::string& error_message, bool verify_peer) {
  DrainOpenSslErrors();
  const long verify = SSL_get_verify_result(ssl);
  if (verify_peer && verify != X509_V_OK) {
    return absl::UnauthenticatedError(
        absl::StrCat("TLS certificate verification of ", target,
                     " failed: ", X509_verify_cert_error_string(verify)));
  }
  return absl::UnavailableError(
      absl::StrCat("TLS handshake with ", target, " failed: ", error_message));
}

}  // namespace ntf::http2::internal
