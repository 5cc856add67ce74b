#pragma once

// Private helpers shared by the library's translation units. Not installed, not for callers.

#include <openssl/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/tls/identity.h"

namespace ntf::tls::internal {

// Drains this thread's OpenSSL error queue into "reason; reason" (empty if it was empty).
std::string DrainOpenSslErrors();
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

}  // namespace ntf::tls::internal
