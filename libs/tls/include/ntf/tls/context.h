#pragma once

// TLS configuration shared by every connection of one role (spec/smp-notifier.md §1.1–1.3,
// spec/ntf-protocol.md §1.1–1.2):
//
//   protocol versions   TLS 1.3 only (min = max = 1.3). The reference also enables a TLS 1.2
//                       fallback, but every deployed client and server negotiates 1.3.
//   cipher suite        TLS_CHACHA20_POLY1305_SHA256 only
//   groups              X25519:X448
//   signature algs      ed25519:ed448
//   resumption          none: SSL_OP_NO_TICKET, zero TLS 1.3 tickets, session cache off
//   renegotiation       off
//   server              presents [online cert, CA cert, ...]; does not request client certs;
//                       ALPN: picks the first protocol of the client's offer that is in its own
//                       list; an offer with no match, or no offer, negotiates no ALPN (the
//                       caller then offers the legacy version range; this library only
//                       reports the result)
//   client              offers one ALPN name (or none), never sends SNI, validates the server
//                       chain against a per-connection pinned fingerprint during the handshake
//                       (ValidateServerChain), so a wrong server fails the handshake.
//
// Contexts are immutable after Create() and safe to share between threads and io_contexts;
// connections hold a shared_ptr to their context.

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/ossl.h"

namespace ntf::tls {

inline constexpr char kCipherSuite[] = "TLS_CHACHA20_POLY1305_SHA256";
inline constexpr char kGroups[] = "X25519:X448";
inline constexpr char kSignatureAlgorithms[] = "ed25519:ed448";
inline constexpr char kNtfAlpn[] = "ntf/1";
inline constexpr char kSmpAlpn[] = "smp/1";

struct ServerContextOptions {
  // Protocols the server accepts, e.g. {kNtfAlpn} or {kSmpAlpn}. Each 1..255 bytes.
  // Empty: ALPN is never negotiated.
  std::vector<std::string> alpn_protocols = {};
};

class TlsServerContext {
 public:
  // InvalidArgument for a bad ALPN name; Internal if OpenSSL rejects the configuration.
  static absl::StatusOr<std::shared_ptr<const TlsServerContext>> Create(
      ServerCredentials credentials, ServerContextOptions options = {});

  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  const ServerCredentials& credentials() const { return credentials_; }
  const ServerContextOptions& options() const { return options_; }
  // For SSL_new. Do not modify the context.
  SSL_CTX* native_handle() const { return ctx_.get(); }

 private:
  TlsServerContext(ServerCredentials credentials, ServerContextOptions options)
      : credentials_(std::move(credentials)), options_(std::move(options)) {}

  ServerCredentials credentials_;
  ServerContextOptions options_;
  std::string alpn_wire_;  // options_.alpn_protocols in ALPN wire format (u8 len || name)*
  SslCtxPtr ctx_;
};

class TlsClientContext {
 public:
  // Internal if OpenSSL rejects the configuration.
  static absl::StatusOr<std::shared_ptr<const TlsClientContext>> Create();

  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  // For SSL_new. Do not modify the context.
  SSL_CTX* native_handle() const { return ctx_.get(); }

 private:
  TlsClientContext() = default;

  SslCtxPtr ctx_;
};

}  // namespace ntf::tls
