#pragma once

// Private helpers shared by the library's translation units. Not installed, not for callers.

#include <openssl/ssl.h>
#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/crypto/openssl_errors.h"
#include "ntf/crypto/socket_bio.h"
#include "ntf/tls/identity.h"
#include "record_layer.h"

namespace ntf::tls::internal {

using crypto::DrainOpenSslErrors;
// A Status of `code` with "`what`: <drained OpenSSL errors>".
absl::Status OpenSslError(absl::StatusCode code, std::string_view what);

absl::StatusOr<Der> CertificateToDer(const X509* cert);

// ValidateServerChain over parsed certificates (leaf first).
absl::Status ValidateServerChainX509(absl::Span<X509* const> chain, const Fingerprint& key_hash);

// Per-connection state for the client's certificate callback: the pinned fingerprint in, the
// detailed validation result out. Owned by the connection; must outlive the handshake.
struct PeerVerifyState {
  Fingerprint key_hash{};
  bool checked = false;
  absl::Status result;
};
// Attaches `state` to a client SSL (an ex_data slot); the TlsClientContext's certificate
// callback validates the server chain against it during the handshake.
absl::Status AttachPeerVerifyState(SSL* ssl, PeerVerifyState* state);
// Removes it once the handshake is over (the callback never runs again).
void DetachPeerVerifyState(SSL* ssl);

// The application traffic secrets of a server handshake, caught from OpenSSL's key log so the
// connection can leave the SSL object behind once the handshake is done (record_layer.h).
// Owned by the connection; must outlive the handshake.
struct HandshakeSecrets {
  TrafficSecret client{};
  TrafficSecret server{};
  bool have_client = false;
  bool have_server = false;
  ~HandshakeSecrets();
};
// Attaches `secrets` to a server SSL (an ex_data slot); the TlsServerContext's key-log callback
// fills it during the handshake.
absl::Status AttachHandshakeSecrets(SSL* ssl, HandshakeSecrets* secrets);
void DetachHandshakeSecrets(SSL* ssl);

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// The state of a socket BIO (libs/crypto, ntf/crypto/socket_bio.h): OpenSSL reads and writes
// the descriptor directly (recv/send, MSG_NOSIGNAL), with no buffer of its own.
using SocketBio = crypto::SocketBioState;
// Gives `ssl` a socket BIO on `state` for both directions. `state` must outlive the SSL.
absl::Status AttachSocketBio(SSL* ssl, SocketBio* state);

}  // namespace ntf::tls::internal
