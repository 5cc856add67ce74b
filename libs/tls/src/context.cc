#include "ntf/tls/context.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal.h"

namespace ntf::tls {
namespace {

using internal::OpenSslError;

// The ex_data slot of a client SSL that holds its PeerVerifyState. Allocated once per process;
// OpenSSL's index allocation is thread-safe and the int is immutable afterwards.
int PeerVerifyIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The ex_data slot of a server SSL that holds its HandshakeSecrets.
int HandshakeSecretsIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Points an SSL's ex_data slot `index` at per-connection state (or clears it with nullptr).
absl::Status SetConnectionState(SSL* ssl, int index, void* state) {
  if (index < 0 || SSL_set_ex_data(ssl, index, state) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "SSL_set_ex_data");
  }
  return absl::OkStatus();
}

// Decodes exactly out.size() bytes of lowercase or uppercase hex.
bool DecodeHex(std::string_view hex, absl::Span<uint8_t> out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() != 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Server key-log callback (NSS key log format, "<label> <client random> <secret>"): keeps the
// two application traffic secrets in the connection's HandshakeSecrets; ignores the rest.
void CaptureTrafficSecrets(const SSL* ssl, const char* line) {
  auto* secrets =
      static_cast<internal::HandshakeSecrets*>(SSL_get_ex_data(ssl, HandshakeSecretsIndex()));
  if (secrets == nullptr) return;
  std::string_view text(line);
  const size_t first = text.find(' ');
  const size_t second = first == std::string_view::npos ? first : text.find(' ', first + 1);
  if (second == std::string_view::npos) return;
  const std::string_view label = text.substr(0, first);
  const std::string_view secret = text.substr(second + 1);
  if (label == "CLIENT_TRAFFIC_SECRET_0") {
    secrets->have_client = DecodeHex(secret, absl::MakeSpan(secrets->client));
  } else if (label == "SERVER_TRAFFIC_SECRET_0") {
    secrets->have_server = DecodeHex(secret, absl::MakeSpan(secrets->server));
  }
}

// Settings both roles share (context.h lists them).
absl::Status ApplyCommonSettings(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "TLS version range");
  }
  if (SSL_CTX_set_ciphersuites(ctx, kCipherSuite) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "ciphersuites");
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "groups");
  }
  if (SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "signature algorithms");
  }
  // In TLS 1.3, SSL_OP_NO_TICKET alone only switches to stateful tickets; zero tickets and no
  // session cache mean no resumption at all.
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "num_tickets");
  }
  // Send exactly the configured chain; never complete it from a store.
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  return absl::OkStatus();
}

absl::StatusOr<std::string> AlpnWireFormat(const std::vector<std::string>& protocols) {
  std::string out;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) {
      return absl::InvalidArgumentError(absl::StrCat("ALPN name must be 1..255 bytes: '", p, "'"));
    }
    out += static_cast<char>(p.size());
    out += p;
  }
  return out;
}

// Server ALPN: the first protocol in the CLIENT's offer that the server supports, as the
// reference does. No match: proceed without ALPN (the caller falls back to the legacy range).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const std::string& supported = *static_cast<const std::string*>(arg);
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (len == 0 || i + 1 + len > inlen) return SSL_TLSEXT_ERR_NOACK;  // malformed offer
    std::string_view offered(reinterpret_cast<const char*>(in + i + 1), len);
    for (size_t j = 0; j < supported.size();) {
      size_t slen = static_cast<unsigned char>(supported[j]);
      if (std::string_view(supported).substr(j + 1, slen) == offered) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      j += 1 + slen;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// Client certificate callback: replaces OpenSSL's default verification with the reference's
// (ValidateServerChain against the connection's pinned fingerprint). Returning 0 aborts the
// handshake with an alert; the detailed reason is left in the PeerVerifyState.
int VerifyServerChain(X509_STORE_CTX* store_ctx, void*) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* state =
      ssl != nullptr
          ? static_cast<internal::PeerVerifyState*>(SSL_get_ex_data(ssl, PeerVerifyIndex()))
          : nullptr;
  if (state == nullptr) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  std::vector<X509*> chain;
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  STACK_OF(X509)* received = X509_STORE_CTX_get0_untrusted(store_ctx);
  // The client-side peer chain includes the leaf first; be tolerant if it does not.
  if (received == nullptr || sk_X509_num(received) == 0 || sk_X509_value(received, 0) != leaf) {
    chain.push_back(leaf);
  }
  for (int i = 0; received != nullptr && i < sk_X509_num(received); ++i) {
    chain.push_back(sk_X509_value(received, i));
  }
  state->checked = true;
  state->result = internal::ValidateServerChainX509(chain, state->key_hash);
  if (!state->result.ok()) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace

namespace internal {

absl::Status AttachSocketBio(SSL* ssl, SocketBio* state) {
  BIO* bio = crypto::NewSocketBio(state);
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "socket BIO");
  SSL_set_bio(ssl, bio, bio);  // one reference, owned by the SSL from here on
  return absl::OkStatus();
}

absl::Status AttachPeerVerifyState(SSL* ssl, PeerVerifyState* state) {
  return SetConnectionState(ssl, PeerVerifyIndex(), state);
}

void DetachPeerVerifyState(SSL* ssl) { (void)SetConnectionState(ssl, PeerVerifyIndex(), nullptr); }

HandshakeSecrets::~HandshakeSecrets() {
  OPENSSL_cleanse(client.data(), client.size());
  OPENSSL_cleanse(server.data(), server.size());
}

absl::Status AttachHandshakeSecrets(SSL* ssl, HandshakeSecrets* secrets) {
  return SetConnectionState(ssl, HandshakeSecretsIndex(), secrets);
}

void DetachHandshakeSecrets(SSL* ssl) {
  (void)SetConnectionState(ssl, HandshakeSecretsIndex(), nullptr);
}

}  // namespace internal

absl::StatusOr<std::shared_ptr<const TlsServerContext>> TlsServerContext::Create(
    ServerCredentials credentials, ServerContextOptions options) {
  absl::StatusOr<std::string> alpn = AlpnWireFormat(options.alpn_protocols);
  if (!alpn.ok()) return alpn.status();
  std::shared_ptr<TlsServerContext> self(
      new TlsServerContext(std::move(credentials), std::move(options)));
  self->alpn_wire_ = *std::move(alpn);
  self->ctx_.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = self->ctx_.get();
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_new");
  if (absl::Status s = ApplyCommonSettings(ctx); !s.ok()) return s;

  const ServerCredentials& creds = self->credentials_;
  if (SSL_CTX_use_certificate(ctx, creds.chain().front().get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "server certificate");
  }
  for (size_t i = 1; i < creds.chain().size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, creds.chain()[i].get()) != 1) {
      return OpenSslError(absl::StatusCode::kInvalidArgument, "chain certificate");
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, creds.private_key()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "server private key");
  }
  // After the handshake a server connection runs its own record layer on these secrets.
  if (HandshakeSecretsIndex() < 0) return OpenSslError(absl::StatusCode::kInternal, "ex_data");
  SSL_CTX_set_keylog_callback(ctx, CaptureTrafficSecrets);
  // Client certificates are not requested (SSL_VERIFY_NONE is the default for servers).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  if (!self->alpn_wire_.empty()) {
    // The string lives in *self, which owns ctx_; every connection keeps its context alive.
    SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, &self->alpn_wire_);
  }
  return std::shared_ptr<const TlsServerContext>(std::move(self));
}

absl::StatusOr<std::shared_ptr<const TlsClientContext>> TlsClientContext::Create() {
  std::shared_ptr<TlsClientContext> self(new TlsClientContext());
  self->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = self->ctx_.get();
  if (ctx == nullptr) return OpenSslError(absl::StatusCode::kInternal, "SSL_CTX_new");
  if (absl::Status s = ApplyCommonSettings(ctx); !s.ok()) return s;
  if (PeerVerifyIndex() < 0) return OpenSslError(absl::StatusCode::kInternal, "ex_data index");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, VerifyServerChain, nullptr);
  return std::shared_ptr<const TlsClientContext>(std::move(self));
}

}  // namespace ntf::tls
