#pragma once

// TLS profile for HTTP/2 towards public providers (APNs, FCM) and for the test server:
// TLS 1.2+, OpenSSL default ciphers and groups, ALPN "h2" required on both sides. The client
// verifies the peer against public CAs (a CA file, PEM text or the system store) and the
// origin host name, and sends SNI for host names (never for IP literals, RFC 6066 §3).
// Private to libs/http2.

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/crypto/openssl_errors.h"

namespace ntf::http2::internal {

inline constexpr char kH2Alpn[] = "h2";

using SslCtxPtr = std::shared_ptr<SSL_CTX>;

struct ClientTlsConfig {
  std::string ca_file;
  std::string ca_pem;
  bool verify_peer = true;
};

// InvalidArgument for an unreadable CA file or bad PEM; Internal if OpenSSL fails otherwise.
absl::StatusOr<SslCtxPtr> MakeClientTlsContext(const ClientTlsConfig& config);
// InvalidArgument for bad PEM or a key that does not match the certificate.
absl::StatusOr<SslCtxPtr> MakeServerTlsContext(std::string_view certificate_chain_pem,
                                               std::string_view private_key_pem);

// Per-connection client settings on a fresh SSL: SNI and the expected host name (DNS name or
// IP literal) unless verification is off.
absl::Status ConfigureClientSsl(SSL* ssl, const std::string& host, bool verify_peer);

// The negotiated ALPN protocol ("" when none).
std::string NegotiatedAlpn(const SSL* ssl);
// The SNI the client sent ("" when none); server side.
std::string ServerName(const SSL* ssl);

// Maps a failed client handshake to a Status: Unauthenticated with OpenSSL's reason when
// certificate verification failed, Unavailable otherwise.
absl::Status ClientHandshakeError(const SSL* ssl, const std::string& target,
                                  const std::string& error_message, bool verify_peer);

bool IsIpLiteral(const std::string& host);

using crypto::DrainOpenSslErrors;

}  // namespace ntf::http2::internal
