#pragma once

// The agent's side of the NTF protocol (spec/ntf-protocol.md §1–§2): a blocking client for one
// connection to a notification server, used by tests, the demo and the load generator.
//
//   absl::StatusOr<ConnectOptions> options = ConnectOptions::FromAddress("ntf://<fp>@host:443");
//   absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(*options);
//   absl::StatusOr<Answer<wire::IdtknResponse>> idtkn = (*client)->Tnew(tnew, verify_key);
//   if (idtkn.ok() && idtkn->ok()) token_id = (*idtkn)->token_id;
//
// Connect() runs TLS (pinning the key hash, offering ALPN "ntf/1" unless told not to) and the
// NTF handshake: it reads the server hello, checks its session id, verifies the signed
// per-connection X25519 key with the server's leaf key (Ed25519 or Ed448, whichever the leaf
// is), negotiates the highest common version and sends the client hello.
//
// Threads: thread-compatible, not thread-safe. One thread at a time may use a client; every call
// blocks the calling thread for at most the configured timeouts. A load generator runs one
// client per thread (they may share a TlsClientContext).
//
// Errors (absl::Status codes):
//   DeadlineExceeded   a connect, read or write took longer than its timeout
//   Unavailable        the server closed the connection, or a network/TLS failure
//   Unauthenticated    the server's certificate chain does not match the key hash (TLS), or the
//                      signature of its per-connection key does not verify (TEHandshake BAD_AUTH)
//   FailedPrecondition no common protocol version (TEVersion); a command needs the server's
//                      session key but the session has none (X25519 signer at v1); the
//                      connection already failed
//   InvalidArgument    bad options or requests (e.g. a command field too long), or the server
//                      sent bytes that are not a valid hello or answer (wrong session id, an
//                      answer of the wrong type)
// After a DeadlineExceeded or Unavailable error the connection is closed and every later call
// fails with FailedPrecondition. ERR answers of the server are not errors of a call: they are
// returned as values (Reply::result, Answer::error()).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/crypto/keys.h"
#include "ntf/tls/context.h"
#include "ntf/tls/identity.h"
#include "ntf/wire/ntf_protocol.h"

namespace ntf::tls {
class BlockingTlsClient;
}  // namespace ntf::tls

namespace ntf::client {

// Where the server is and what to speak to it. A plain value.
struct ConnectOptions {
  std::string host = "127.0.0.1";         // name or IP literal of the server
  uint16_t port = wire::kDefaultNtfPort;  // TCP port
  tls::Fingerprint key_hash{};            // SHA-256 of the server's CA cert (required)
  bool alpn = true;                       // offer "ntf/1"; false: legacy v1 server range
  wire::VersionRange versions = wire::kSupportedNtfVersions;  // versions this client speaks
  absl::Duration connect_timeout = absl::Seconds(30);  // TCP + TLS + reading the server hello
  absl::Duration io_timeout = absl::Seconds(30);       // each block written or read afterwards
  // Shared TLS configuration; null creates one for this connection.
  std::shared_ptr<const tls::TlsClientContext> tls_context = nullptr;
  // Sent in the client hello instead of key_hash (TLS still pins key_hash), to test the
  // server's identity check. Empty: key_hash.
  wire::Bytes hello_key_hash_for_test = {};

  // Host, port and key hash from an "ntf://<keyHash>@<host>[,<host2>...][:<port>]" address
  // (the first host is used; no port means 443). InvalidArgument for a malformed or smp://
  // address.
  static absl::StatusOr<ConnectOptions> FromAddress(std::string_view address);
};

// One command to send. `signer` signs it (Ed25519/Ed448 signature, or an X25519 authenticator,
// which needs a v2+ session); null sends it unsigned. The key must outlive the Send() call.
struct Request {
  wire::Command command = wire::PingCommand{};
  wire::Bytes entity_id = {};
  const crypto::PrivateKey* signer = nullptr;
};

// As Request, with the command already encoded ("TAG params"): to send what the codec would
// refuse, such as an unknown tag.
struct RawRequest {
  wire::Bytes command = {};
  wire::Bytes entity_id = {};
  const crypto::PrivateKey* signer = nullptr;
};

// One transmission the server sent back.
struct Reply {
  // Index of the request (in the vector given to Send) whose corrId this answer carries;
  // nullopt when it matches none, e.g. ERR BLOCK with an empty corrId.
  std::optional<size_t> request = {};
  wire::Bytes corr_id = {};
  wire::Bytes entity_id = {};
  // The server's answer (ERR included), or the error the client found decoding it (BLOCK for
  // broken framing, CMD SYNTAX/UNKNOWN for a bad response, SESSION for a wrong v1 session id).
  std::variant<wire::Response, wire::ErrorType> result = wire::ErrorType{};

  // The server's answer, or null if it could not be decoded.
  const wire::Response* response() const { return std::get_if<wire::Response>(&result); }
};

// What the server answered to one command: the response the command expects, or ERR.
template <typename T>
class Answer {
 public:
  Answer(T value) : v_(std::move(value)) {}                // NOLINT: implicit by design
  Answer(wire::ErrorType error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  // Require ok() / !ok() respectively.
  const T& value() const { return std::get<0>(v_); }
  const wire::ErrorType& error() const { return std::get<1>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, wire::ErrorType> v_;
};

class NtfClient {
 public:
  // Connects and runs both handshakes (see the top of the file). Blocks for at most
  // options.connect_timeout, plus options.io_timeout to send the client hello.
  static absl::StatusOr<std::unique_ptr<NtfClient>> Connect(const ConnectOptions& options);

  ~NtfClient();
  NtfClient(const NtfClient&) = delete;
  NtfClient& operator=(const NtfClient&) = delete;

  // The negotiated version and the TLS session id (tls-unique, 32 bytes).
  uint16_t version() const { return session_.version; }
  const wire::Bytes& session_id() const { return session_.session_id; }
  const wire::SessionParams& session_params() const { return session_; }
  // What the server offered: 1..3 with ALPN, 1..1 without.
  wire::VersionRange server_versions() const { return server_versions_; }
  // The negotiated ALPN protocol ("" if none).
  const std::string& alpn() const { return alpn_; }
  // The server's per-connection X25519 key (verified), for X25519 authenticators; null for v1
  // sessions.
  const crypto::PublicKey* server_session_key() const {
    return server_session_key_ ? &*server_session_key_ : nullptr;
  }

  // Sends the commands, each with a fresh random 24-byte corrId, signed as requested: batched
  // into as few blocks as possible at v2+ (one transmission per block at v1), with at most a
  // few blocks in flight. Reads answers until there are as many as requests. Returns them in
  // the order they arrived, each matched to its request by corrId (Reply::request), whatever
  // the order. An answer that matches no request (ERR BLOCK with an empty corrId) is returned
  // too, and counts as one answer. (A server that answers a block with fewer answers than it
  // carried would leave Send waiting: it fails with DeadlineExceeded after io_timeout.)
  absl::StatusOr<std::vector<Reply>> Send(std::vector<Request> requests);

  // One command each; the ERR the server answered is returned as Answer::error().
  // InvalidArgument if the server answers with a response of another type.
  absl::StatusOr<Answer<wire::IdtknResponse>> Tnew(const wire::TnewCommand& command,
                                                   const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::OkResponse>> Tvfy(wire::ByteSpan token_id, wire::ByteSpan reg_code,
                                                const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::TokenStatus>> Tchk(wire::ByteSpan token_id,
                                                 const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::OkResponse>> Trpl(wire::ByteSpan token_id,
                                                const wire::DeviceToken& device_token,
                                                const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::OkResponse>> Tdel(wire::ByteSpan token_id,
                                                const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::OkResponse>> Tcrn(wire::ByteSpan token_id, uint16_t minutes,
                                                const crypto::PrivateKey& signer);
  // Returns the subscription id.
  absl::StatusOr<Answer<wire::Bytes>> Snew(const wire::SnewCommand& command,
                                           const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::SubscriptionStatus>> Schk(wire::ByteSpan subscription_id,
                                                        const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::OkResponse>> Sdel(wire::ByteSpan subscription_id,
                                                const crypto::PrivateKey& signer);
  absl::StatusOr<Answer<wire::PongResponse>> Ping();

  // As Send, with pre-encoded commands.
  absl::StatusOr<std::vector<Reply>> SendRawCommandsForTest(std::vector<RawRequest> requests);
  // Writes `bytes` as they are (the server reads kNtfBlockSize-byte blocks, so anything else
  // desynchronises the stream), then reads blocks until at least `answers` answers arrived
  // (one block at least) and returns them all.
  absl::StatusOr<std::vector<Reply>> SendRawBlockForTest(wire::ByteSpan bytes, size_t answers = 1);

  // Closes the connection; later calls fail with FailedPrecondition. Idempotent.
  void Close();

 private:
  NtfClient(std::unique_ptr<tls::BlockingTlsClient> tls, absl::Duration io_timeout);

  absl::Status Handshake(const ConnectOptions& options);
  absl::StatusOr<std::vector<Reply>> SendEncoded(std::vector<RawRequest> requests);
  template <typename T>
  absl::StatusOr<Answer<T>> SendOne(Request request);
  absl::StatusOr<wire::Bytes> ReadBlock();
  absl::Status WriteBlock(wire::ByteSpan block);
  // Records an I/O failure: the connection is closed and unusable from now on.
  absl::Status Fail(absl::Status status);

  std::unique_ptr<tls::BlockingTlsClient> tls_;
  absl::Duration io_timeout_;
  absl::Status broken_;  // OK while the connection is usable
  wire::SessionParams session_;
  wire::VersionRange server_versions_;
  std::string alpn_;
  std::optional<crypto::PublicKey> server_session_key_;
};

}  // namespace ntf::client
