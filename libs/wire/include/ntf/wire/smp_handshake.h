#pragma once

// SMP transport handshake (spec/smp-notifier.md §3): protocol versions 6..18 and what each one
// changes for a notifier client and a test server, version negotiation, the server hello, the
// client hello, the optional service handshake (v16+), and the public-key (SPKI) layouts that
// the handshake and the commands carry.
//
//   serverHello   = u16 min u16 max short(sessionId) [certChain large(signedKey)] ignored
//                   (the cert chain and signed key only when max >= 7)
//   clientHello   = u16 version short(keyHash) [key(X25519)] [bool proxy] [maybe(serviceHello)]
//                   ignored   (key only v >= 7 and optional, proxy v >= 14, service v >= 16)
//   serviceHello  = role certChain large(signedKey)
//   serviceResp   = 'R' short(serviceId) | 'E' transportError
//   certChain     = u8 count (>= 1), count x large(cert DER)
//
// Contract: pure functions over bytes, no I/O, no crypto (certificates, the signed key and
// keys are carried as opaque DER/raw bytes: libs/crypto verifies them). Thread-compatible:
// every function may be called concurrently on different arguments. Decoded values own their
// bytes (nothing points into the input). Handshake decoders ignore bytes after the last field
// they know, as the reference does for future extensions; they return InvalidArgument when a
// field they need is malformed or missing (the reference then closes the connection with
// HANDSHAKE PARSE). Encoders return InvalidArgument for a value the given version cannot carry.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"
#include "ntf/wire/transmission.h"

namespace ntf::wire::smp {

// ---------------------------------------------------------------------------------------------
// Versions (§3.6). Named after the reference's constants.

inline constexpr uint16_t kVersionSubMode = 6;           // oldest version real servers speak
inline constexpr uint16_t kVersionAuthCmds = 7;          // X25519 authenticators, sessionId implied
inline constexpr uint16_t kVersionSendingProxy = 8;      // PRXY/PFWD/RFWD
inline constexpr uint16_t kVersionSndAuthKey = 9;        // SKEY, NEW/IDS sender-can-secure bool
inline constexpr uint16_t kVersionDeletedEvent = 10;     // DELD (END before)
inline constexpr uint16_t kVersionEncryptedBlock = 11;   // transport block encryption
inline constexpr uint16_t kVersionBlockedEntity = 12;    // ERR BLOCKED (AUTH before)
inline constexpr uint16_t kVersionProxyServerFlag = 14;  // proxy bool in the client hello
inline constexpr uint16_t kVersionShortLinks = 15;       // NEW QueueReqData, IDS queueMode/linkId
inline constexpr uint16_t kVersionServiceCerts = 16;     // service byte, SOK, NSUBS/SOKS/ENDS
inline constexpr uint16_t kVersionNewNtfCreds = 17;      // NEW ntfCreds, IDS serverNtfCreds
inline constexpr uint16_t kVersionClientNotices = 18;    // BLOCKED notice
inline constexpr uint16_t kMinVersion = kVersionSubMode;  // versions this library can encode
inline constexpr uint16_t kMaxVersion = kVersionClientNotices;

struct VersionRange {
  uint16_t min = 0;
  uint16_t max = 0;

  bool Valid() const { return min <= max; }
  bool Contains(uint16_t v) const { return min <= v && v <= max; }
  bool operator==(const VersionRange&) const = default;
};

// What our client offers (v6 needs the sessionId in every transmission and has no server key).
inline constexpr VersionRange kClientVersionRange{kVersionAuthCmds, kMaxVersion};
// What current servers offer when ALPN "smp/1" was negotiated, and without ALPN.
inline constexpr VersionRange kServerVersionRange{kVersionSubMode, kMaxVersion};
inline constexpr VersionRange kLegacyServerVersionRange{kVersionSubMode, kVersionSubMode};

// One row of the version table of §3.6.
struct VersionInfo {
  uint16_t version = 0;
  std::string_view feature;  // what the version introduced (reference name)
  std::string_view effect;   // what changes on the wire for a notifier client / test server
};

// Versions 6..18, in order.
inline constexpr std::array<VersionInfo, 13> kVersionHistory = {{
    {6, "subModeSMPVersion: create queue without subscribing",
     "sessionId sent in every transmission; no server DH key; signatures only"},
    {7, "authCmdsSMPVersion: X25519 authenticators, sessionId implied",
     "server hello carries cert chain + signed key; client hello may carry an X25519 key; "
     "sessionId signed but not sent"},
    {8, "sendingProxySMPVersion: PRXY/PFWD/RFWD", "max SEND body 16064"},
    {9, "sndAuthKeySMPVersion: SKEY, sender-securable queues",
     "NEW gets a senderCanSecure bool, IDS gets a bool"},
    {10, "deletedEventSMPVersion: DELD event", "before v10 the server sends END instead of DELD"},
    {11, "encryptedBlockSMPVersion: transport block encryption",
     "blocks encrypted if the client hello carried a key and proxy is off; max SEND body 16048"},
    {12, "blockedEntitySMPVersion: ERR BLOCKED", "older versions get ERR AUTH instead"},
    {13, "(not listed)", "no change"},
    {14, "proxyServerHandshakeSMPVersion: proxy flag in client hello",
     "client hello gets the 'T'/'F' proxy byte"},
    {15, "shortLinksSMPVersion: short links",
     "NEW carries maybe(QueueReqData); IDS carries maybe(queueMode), maybe(linkId)"},
    {16, "serviceCertsSMPVersion: service certificates",
     "maybe(service signature) byte after every non-empty authorization; client hello gets "
     "maybe(service); SUB/NSUB answered SOK instead of OK; NSUBS/SOKS/ENDS; ERR SERVICE"},
    {17, "newNtfCredsSMPVersion: notifier credentials inside NEW",
     "NEW gets maybe(ntfCreds), IDS gets maybe(serverNtfCreds)"},
    {18, "clientNoticesSMPVersion: client notices", "ERR BLOCKED may carry a JSON notice"},
}};

// The version a client picks: the highest one in both ranges. FailedPrecondition ("VERSION")
// if a range is invalid or the ranges do not intersect; the client then closes.
absl::StatusOr<uint16_t> NegotiateVersion(VersionRange server,
                                          VersionRange client = kClientVersionRange);

// Everything the codecs need to know about a negotiated version. Derived from the version
// alone; per-connection facts (session id, whether the client sent a DH key) stay with the
// caller.
struct SmpSessionParams {
  uint16_t version = 0;
  bool session_id_on_wire = false;         // v6: short(sessionId) sent in every transmission
  bool server_auth_key = false;            // v7+: server hello carries the signed session key
  bool skey = false;                       // v9+: SKEY, NEW/IDS sender-can-secure
  bool deld_event = false;                 // v10+: DELD (END before)
  bool block_encryption_possible = false;  // v11+: see UsesBlockEncryption
  bool blocked_error = false;              // v12+: ERR BLOCKED (ERR AUTH before)
  bool proxy_flag = false;                 // v14+: proxy byte in the client hello
  bool service_byte = false;               // v16+: maybe(service sig) after a non-empty auth
  bool nsub_answers_sok = false;           // v16+: SUB/NSUB answered "SOK 0" instead of "OK"
  bool ntf_creds_in_new = false;           // v17+: NEW/IDS carry notifier credentials

  TransmissionFormat transmission_format() const {
    return TransmissionFormat{.session_id_on_wire = session_id_on_wire,
                              .service_byte = service_byte};
  }
};

// Never fails: versions above kMaxVersion get every feature we know.
SmpSessionParams SessionParamsFor(uint16_t version);

// Block encryption is on iff v >= 11, the client hello carried an X25519 key and the client is
// not a proxy (§3.5).
bool UsesBlockEncryption(uint16_t version, bool client_sent_dh_key, bool proxy);

// ---------------------------------------------------------------------------------------------
// Public keys on the wire: key(k) = short(spki(k)), DER SubjectPublicKeyInfo (§4).

enum class KeyAlgorithm : uint8_t { kEd25519, kX25519, kEd448, kX448 };

// The algorithm of a DER SPKI with the exact fixed layout of §4, or nullopt.
std::optional<KeyAlgorithm> SpkiAlgorithm(ByteSpan spki);
// Size of the raw key: 32, 32, 57, 56.
size_t RawKeySize(KeyAlgorithm algorithm);
// Builds the SPKI of a raw public key. InvalidArgument if the size is wrong.
absl::StatusOr<Bytes> MakeSpki(KeyAlgorithm algorithm, ByteSpan raw_key);
// The raw key inside a valid SPKI (a subspan of `spki`); empty if `spki` is not valid.
ByteSpan SpkiRawKey(ByteSpan spki);
// Keys accepted for authorization: Ed25519, Ed448 (signatures) or X25519 (authenticators).
bool IsAuthKeySpki(ByteSpan spki);
bool IsX25519Spki(ByteSpan spki);

// ---------------------------------------------------------------------------------------------
// Transport errors (text, as in ERR PROXY BROKER TRANSPORT and the service response).

enum class TransportError : uint8_t {
  kBlock,                // "BLOCK"
  kVersion,              // "VERSION"
  kLargeMsg,             // "LARGE_MSG"
  kSession,              // "SESSION"
  kNoServerAuth,         // "NO_AUTH"
  kHandshakeParse,       // "HANDSHAKE PARSE"
  kHandshakeIdentity,    // "HANDSHAKE IDENTITY"
  kHandshakeBadAuth,     // "HANDSHAKE BAD_AUTH"
  kHandshakeBadService,  // "HANDSHAKE BAD_SERVICE"
};

std::string_view TransportErrorText(TransportError e);
// Strict: exactly one of the texts above.
absl::StatusOr<TransportError> ParseTransportError(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Handshake messages.

// A certificate chain (leaf first, DER each) and an X.509 SignedExact DER object wrapping a
// session public key, signed by the chain's leaf key.
struct CertChainPubKey {
  std::vector<Bytes> cert_chain = {};  // 1..255 certificates
  Bytes signed_key = {};               // SignedExact DER (120 bytes for Ed25519 + X25519)
  bool operator==(const CertChainPubKey&) const = default;
};

struct ServerHello {
  VersionRange versions = {};
  Bytes session_id = {};  // tls-unique: the client's TLS Finished (32 bytes)
  // The server's TLS chain and its signed per-connection X25519 key. Only carried when
  // versions.max >= 7; current servers always send it then.
  std::optional<CertChainPubKey> auth = {};
  bool operator==(const ServerHello&) const = default;
};

// InvalidArgument if the range is invalid, `auth` is set while max < 7, the chain is empty or
// longer than 255, or a field is too long.
absl::StatusOr<Bytes> EncodeServerHello(const ServerHello& hello);
// Reads the block content of a server hello. Bytes after the known fields are ignored. Like the
// reference, a cert chain + signed key that does not parse (max >= 7) is treated as absent
// (`auth` = nullopt) rather than as an error; the client then has no server key.
absl::StatusOr<ServerHello> DecodeServerHello(ByteSpan content);

enum class ServiceRole : uint8_t { kMessaging = 'M', kNotifier = 'N', kProxy = 'P' };

struct ServiceHello {
  ServiceRole role = ServiceRole::kNotifier;
  CertChainPubKey cert_key = {};  // TLS client chain + signed Ed25519 session key
  bool operator==(const ServiceHello&) const = default;
};

struct ClientHello {
  uint16_t version = 0;                      // the single chosen version
  Bytes key_hash = {};                       // 32 raw bytes from the server address
  std::optional<Bytes> dh_key = {};          // X25519 SPKI (44 bytes); v >= 7 only
  bool proxy = false;                        // written from v14 ('F' for a notifier)
  std::optional<ServiceHello> service = {};  // written from v16 ('0' when absent)
  bool operator==(const ClientHello&) const = default;
};

// InvalidArgument if `dh_key` is set below v7 or is not an X25519 SPKI, `proxy` is set below
// v14, or `service` is set below v16.
absl::StatusOr<Bytes> EncodeClientHello(const ClientHello& hello);
// Reads the block content of a client hello. The optional DH key is recognised, as in the
// reference, by trying to read short(X25519 SPKI) and backtracking if that fails. Bytes after
// the known fields are ignored. The caller checks key_hash and the version range.
absl::StatusOr<ClientHello> DecodeClientHello(ByteSpan content);

// The server's third handshake block, sent only when the client hello carried a service.
struct ServiceResponse {
  std::optional<Bytes> service_id = {};                         // 'R' short(serviceId)
  TransportError error = TransportError::kHandshakeBadService;  // 'E' error, iff !service_id
  bool operator==(const ServiceResponse&) const = default;
};

absl::StatusOr<Bytes> EncodeServiceResponse(const ServiceResponse& response);
// Bytes after the known fields are ignored.
absl::StatusOr<ServiceResponse> DecodeServiceResponse(ByteSpan content);

}  // namespace ntf::wire::smp
