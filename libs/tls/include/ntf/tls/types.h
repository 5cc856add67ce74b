#pragma once

// Plain types shared by the asynchronous API (connection.h) and the blocking client
// (blocking_client.h). No Asio here.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ntf/tls/identity.h"

namespace ntf::tls {

// What a completed handshake established. Constant for the life of the connection.
struct ConnectionInfo {
  // The negotiated ALPN protocol, or empty when none was negotiated (the client offered none,
  // or nothing the server accepts). NTF/SMP servers then offer only their legacy version range.
  std::string alpn = {};
  // tls-unique as SimpleX defines it: the verify_data of the CLIENT's Finished message
  // (client: SSL_get_finished, server: SSL_get_peer_finished). 32 bytes with
  // TLS_CHACHA20_POLY1305_SHA256.
  std::vector<uint8_t> session_id;
  std::string cipher;   // e.g. "TLS_CHACHA20_POLY1305_SHA256"
  std::string version;  // e.g. "TLSv1.3"
  // Client side: the server's chain as received, leaf first (already validated).
  // Server side: empty (client certificates are not requested).
  std::vector<Der> peer_chain;
  // Server side: the SNI host name the client sent (SimpleX clients send none). Client: empty.
  std::string server_name = {};
  std::string remote_address;  // "ip:port" of the peer, for logs
};

struct ConnectOptions {
  // The pinned server fingerprint (SHA-256 of the CA certificate's DER). Required.
  Fingerprint key_hash{};
  // The one ALPN name to offer: kNtfAlpn or kSmpAlpn. Empty offers none (servers then fall
  // back to their legacy version range, so real clients always set it).
  std::string alpn = {};
  // Budget for resolve + TCP connect + TLS handshake + identity check together.
  absl::Duration timeout = absl::Seconds(30);
  // TCP keep-alive as the reference client: idle 30 s, interval 15 s, 4 probes.
  bool tcp_keepalive = true;
};

struct AcceptorOptions {
  // IP literal to bind ("127.0.0.1", "0.0.0.0", "::"). Host names are not resolved.
  std::string host = "127.0.0.1";
  // 0 picks a free port; TlsAcceptor::port() reports it.
  uint16_t port = 0;
  // Per connection: from TCP accept to a completed TLS handshake (reference: 60 s).
  absl::Duration handshake_timeout = absl::Seconds(60);
  // listen(2) backlog.
  int backlog = 1024;
  // TLS handshakes in progress at once on this acceptor. A connection accepted beyond this is
  // closed at once and reported to the error handler as ResourceExhausted: a flood of
  // connections that never finish their handshake (each holds OpenSSL's handshake buffers,
  // ~35 KB, for up to handshake_timeout) cannot exhaust memory. 0: no limit.
  int max_handshakes = 1000;
  // SO_REUSEPORT, so each io_context (one per core) can own an acceptor on the same port and
  // the kernel spreads connections across them.
  bool reuse_port = false;
};

}  // namespace ntf::tls
