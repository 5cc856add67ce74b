#pragma once

// SMP commands, responses and events for a notifier client and a test SMP server
// (spec/smp-notifier.md §4-§6), and the transmission/block helpers around them (§2, §5).
//
//   client -> server: NEW SUB KEY NKEY NDEL ACK DEL SKEY SEND PING NSUB NSUBS
//   server -> client: IDS NID NMSG MSG END DELD PONG OK SOK SOKS ENDS ERR
//
// Both directions have typed values (std::variant of structs) with an encoder and a decoder,
// because the test SMP server decodes commands and encodes responses while the subscriber does
// the reverse. Layouts that depend on the negotiated version take it as a parameter.
//
// Contract:
//  * Pure functions, no I/O, no crypto: signatures, authenticators, keys and encrypted blobs are
//    opaque bytes (keys are checked only for their SPKI layout, as the reference parser does).
//    Thread-compatible.
//  * Decoded values own their bytes; nothing points into the input.
//  * Decoders are strict: every byte must be consumed. They return Unimplemented for a tag
//    this library does not know at that version (the server answers ERR CMD UNKNOWN) and
//    InvalidArgument for anything else (bad or missing parameters, trailing bytes, truncation:
//    ERR CMD SYNTAX). The message names the tag and the field. CommandErrorFor() maps them.
//  * Encoders return InvalidArgument for a value the version cannot carry (e.g. ntf_creds below
//    v17) or that is malformed (a key that is not an SPKI of an allowed type, a nonce that is not
//    24 bytes, a field over its length limit). Where the reference downgrades silently (DELD is
//    sent as END below v10, ERR BLOCKED as ERR AUTH below v12, the BLOCKED notice is dropped
//    below v18, the queue mode of NEW/IDS is not sent below v9), so do the encoders.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/wire/encoding.h"
#include "ntf/wire/smp_handshake.h"
#include "ntf/wire/transmission.h"

namespace ntf::wire::smp {

inline constexpr size_t kCorrIdSize = 24;  // what clients send; the server accepts any length
inline constexpr size_t kNonceSize = 24;   // CbNonce: 24 raw bytes, no length prefix
// Authorization sizes, AuthKind and ClassifyAuthorization: ntf/wire/transmission.h (shared
// with NTF).

// Largest SEND body the server accepts at `version` (else ERR LARGE_MSG).
size_t MaxMessageLength(uint16_t version);

// ---------------------------------------------------------------------------------------------
// Errors (§6.9): "ERR" SP errorType.

enum class CommandError : uint8_t {
  kUnknown,     // UNKNOWN
  kSyntax,      // SYNTAX
  kProhibited,  // PROHIBITED
  kNoAuth,      // NO_AUTH
  kHasAuth,     // HAS_AUTH
  kNoEntity,    // NO_ENTITY (NO_QUEUE is read as NO_ENTITY)
};

enum class BlockingReason : uint8_t { kSpam, kContent };

struct BlockingInfo {
  BlockingReason reason = BlockingReason::kSpam;
  // ",notice=" JSON: kept as raw text, not validated (v18+ at the top level of ERR).
  std::optional<std::string> notice = {};
  bool operator==(const BlockingInfo&) const = default;
};

struct NetworkError {
  enum class Kind : uint8_t { kConnect, kTls, kUnknownCa, kFailed, kTimeout, kSubscribe };
  Kind kind = Kind::kFailed;
  std::string detail = {};  // short string; CONNECT, TLS and SUBSCRIBE only
  bool operator==(const NetworkError&) const = default;
};

struct BrokerError {
  enum class Kind : uint8_t {
    kResponse,    // RESPONSE short(text)
    kUnexpected,  // UNEXPECTED short(text)
    kNetwork,     // NETWORK [SP networkError]
    kTransport,   // TRANSPORT SP transportError
    kTimeout,     // TIMEOUT
    kHost,        // HOST
    kNoService,   // NO_SERVICE
  };
  Kind kind = Kind::kTimeout;
  std::string text = {};  // kResponse, kUnexpected
  // kNetwork: the optional detail. Written back when present (the reference encoder writes a bare
  // NETWORK; every decoder accepts both).
  std::optional<NetworkError> network = {};
  TransportError transport = TransportError::kBlock;  // kTransport
  bool operator==(const BrokerError&) const = default;
};

struct ErrorType;

struct ProxyError {
  enum class Kind : uint8_t { kProtocol, kBroker, kBasicAuth, kNoSession };
  Kind kind = Kind::kNoSession;
  // kProtocol: the relay's error (required to encode). Shared and immutable: ErrorType contains
  // ProxyError, so the nested error lives on the heap; copies share it safely.
  std::shared_ptr<const ErrorType> protocol = {};
  BrokerError broker = {};  // kBroker
  friend bool operator==(const ProxyError& a, const ProxyError& b);
};

// An SMP error. Only the fields that belong to `code` are meaningful; the others stay at their
// defaults (decoders leave them so), and == compares every field.
struct ErrorType {
  enum class Code : uint8_t {
    kBlock,      // BLOCK: block or transmission unparsable, or bad authorization size
    kSession,    // SESSION: wrong session id (v6)
    kCmd,        // CMD SP cmdError
    kProxy,      // PROXY SP proxyError
    kAuth,       // AUTH
    kBlocked,    // BLOCKED SP blockingInfo (v12+)
    kService,    // SERVICE
    kCrypto,     // CRYPTO
    kQuota,      // QUOTA
    kStore,      // STORE SP text
    kNoMsg,      // NO_MSG
    kLargeMsg,   // LARGE_MSG
    kExpired,    // EXPIRED
    kInternal,   // INTERNAL
    kDuplicate,  // DUPLICATE_ (internal to the reference; never sent)
  };
  Code code = Code::kInternal;
  CommandError cmd = CommandError::kUnknown;  // kCmd
  ProxyError proxy = {};                      // kProxy
  BlockingInfo blocked = {};                  // kBlocked
  std::string store = {};                     // kStore

  static ErrorType Of(Code code) { return ErrorType{.code = code}; }
  static ErrorType Cmd(CommandError e) { return ErrorType{.code = Code::kCmd, .cmd = e}; }
  bool operator==(const ErrorType&) const = default;
};

// Compares the nested errors by value.
inline bool operator==(const ProxyError& a, const ProxyError& b) {
  const bool same_protocol =
      a.protocol == b.protocol || (a.protocol && b.protocol && *a.protocol == *b.protocol);
  return a.kind == b.kind && same_protocol && a.broker == b.broker;
}

// `version` matters only at the top level: BLOCKED becomes AUTH below v12 and loses its notice
// below v18. Nested errors (inside PROXY PROTOCOL) are written as they are, as the reference does.
absl::StatusOr<Bytes> EncodeErrorType(const ErrorType& error, uint16_t version);
// Strict. Below v12 a top-level BLOCKED is rejected, below v18 a top-level notice is rejected
// (servers never send them). Nesting deeper than 8 PROXY PROTOCOL levels is rejected.
absl::StatusOr<ErrorType> DecodeErrorType(ByteSpan bytes, uint16_t version);
// The error as protocol text at the newest version, e.g. "CMD SYNTAX", for logs and tests.
std::string ToString(const ErrorType& error);

// Maps a decoder status to the command error a server answers: Unimplemented -> UNKNOWN,
// anything else -> SYNTAX.
CommandError CommandErrorFor(const absl::Status& status);

// ---------------------------------------------------------------------------------------------
// Shared parameter types.

enum class SubscriptionMode : uint8_t { kSubscribe = 'S', kOnlyCreate = 'C' };
enum class QueueMode : uint8_t { kMessaging = 'M', kContact = 'C' };

// Short-link data of a new queue (v15+).
struct QueueLink {
  Bytes link_id = {};  // contact queues only (must be empty for messaging queues)
  Bytes sender_id = {};
  Bytes enc_fixed_data = {};  // large
  Bytes enc_user_data = {};   // large
  bool operator==(const QueueLink&) const = default;
};

// 'M' maybe(short(senderId) large large) | 'C' maybe(short(linkId) short(senderId) large large)
struct QueueReqData {
  QueueMode mode = QueueMode::kMessaging;
  std::optional<QueueLink> link = {};
  bool operator==(const QueueReqData&) const = default;
};

// key(notifierAuthPub) key(recipientNtfDhPub): NKEY's parameters, and NEW's ntfCreds (v17+).
struct NtfCreds {
  Bytes notifier_key = {};      // Ed25519 | Ed448 | X25519 SPKI: verifies NSUB
  Bytes recipient_dh_key = {};  // X25519 SPKI: encrypts NMSG metadata
  bool operator==(const NtfCreds&) const = default;
};

// short(notifierId) key(serverNtfDhPub): NID's parameters, and IDS's serverNtfCreds (v17+).
struct ServerNtfCreds {
  Bytes notifier_id = {};
  Bytes server_dh_key = {};  // X25519 SPKI
  bool operator==(const ServerNtfCreds&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Client -> server commands (§6.1-§6.8, §6.10).

namespace cmd {

// NEW (entity empty, authorized by recipient_auth_key). Layout by version (§6.8):
//  v17+   : key key maybe(short(auth)) subMode maybe(queueReqData) maybe(ntfCreds)
//  v15-16 : key key maybe(short(auth)) subMode maybe(queueReqData)
//  v9-14  : key key maybe(short(auth)) subMode bool(queue_req_data is messaging)
//  v6-8   : key key ['A' short(auth)] subMode
struct New {
  Bytes recipient_auth_key = {};  // Ed25519 | Ed448 | X25519 SPKI
  Bytes recipient_dh_key = {};    // X25519 SPKI
  std::optional<Bytes> basic_auth = {};
  SubscriptionMode sub_mode = SubscriptionMode::kSubscribe;
  // v15+: sent as is. v9-14: only the mode is sent (a link is an error); decoded as the mode
  // with no link. Below v9: not sent (a link is an error); decoded as nullopt.
  std::optional<QueueReqData> queue_req_data = {};
  std::optional<NtfCreds> ntf_creds = {};  // v17+ only
  bool operator==(const New&) const = default;
};
struct Sub {  // entity = recipient id
  bool operator==(const Sub&) const = default;
};
struct Key {              // entity = recipient id
  Bytes sender_key = {};  // auth SPKI
  bool operator==(const Key&) const = default;
};
struct Nkey {  // entity = recipient id
  NtfCreds creds = {};
  bool operator==(const Nkey&) const = default;
};
struct Ndel {  // entity = recipient id
  bool operator==(const Ndel&) const = default;
};
struct Ack {  // entity = recipient id
  Bytes msg_id = {};
  bool operator==(const Ack&) const = default;
};
struct Del {  // entity = recipient id
  bool operator==(const Del&) const = default;
};
struct Skey {             // entity = sender id; v9+
  Bytes sender_key = {};  // auth SPKI
  bool operator==(const Skey&) const = default;
};
// "SEND" SP flags SP tail(body). Decoding skips further non-space flag characters (reserved),
// so re-encoding such input drops them.
struct Send {
  bool notification = false;  // 'T': the server stores an NMSG for the queue's notifier
  Bytes body = {};
  bool operator==(const Send&) const = default;
};
struct Ping {  // no authorization, no entity
  bool operator==(const Ping&) const = default;
};
struct Nsub {  // entity = notifier id, authorized by the notifier key
  bool operator==(const Nsub&) const = default;
};
struct Nsubs {  // entity = service id; v16+
  bool operator==(const Nsubs&) const = default;
};

}  // namespace cmd

using Command = std::variant<cmd::New, cmd::Sub, cmd::Key, cmd::Nkey, cmd::Ndel, cmd::Ack, cmd::Del,
                             cmd::Skey, cmd::Send, cmd::Ping, cmd::Nsub, cmd::Nsubs>;

std::string_view CommandTag(const Command& command);
absl::StatusOr<Bytes> EncodeCommand(const Command& command, uint16_t version);
// `command` is the transmission's command field: tag [SP params].
absl::StatusOr<Command> DecodeCommand(ByteSpan command, uint16_t version);

// §5.4 (checkCredentials): nullopt if the command may have this authorization/entity shape,
// else the CMD error the server answers.
std::optional<CommandError> CheckCommandCredentials(const Command& command, bool has_auth,
                                                    bool has_entity);

// ---------------------------------------------------------------------------------------------
// Server -> client responses and events (§6).

namespace rsp {

// IDS (entity empty). Layout by version (§6.8):
//  v17+   : short short key maybe(queueMode) maybe(short(linkId)) maybe(short(serviceId))
//           maybe(short(notifierId) key)
//  v16    : ... maybe(queueMode) maybe(linkId) maybe(serviceId)
//  v15    : ... maybe(queueMode) maybe(linkId)
//  v9-14  : ... bool(queue_mode is messaging)
//  v6-8   : "IDS" SP short(rcvId) short(sndId) key(srvDhPub)
struct Ids {
  Bytes recipient_id = {};
  Bytes sender_id = {};
  Bytes server_dh_key = {};  // X25519 SPKI
  // v15+ as is; v9-14 as a bool (decoded as kMessaging/kContact); not sent below v9.
  std::optional<QueueMode> queue_mode = {};
  std::optional<Bytes> link_id = {};                    // v15+
  std::optional<Bytes> service_id = {};                 // v16+
  std::optional<ServerNtfCreds> server_ntf_creds = {};  // v17+
  bool operator==(const Ids&) const = default;
};
struct Nid {  // entity = recipient id
  ServerNtfCreds creds = {};
  bool operator==(const Nid&) const = default;
};
// "NMSG" SP nonce(24 raw) short(encNMsgMeta). Event: corrId empty, entity = notifier id.
struct Nmsg {
  Bytes nonce = {};     // exactly 24 bytes
  Bytes enc_meta = {};  // crypto_box of pad(NMsgMeta, 128): 144 bytes from real servers
  bool operator==(const Nmsg&) const = default;
};
// "MSG" SP short(msgId) tail(encrypted body). Entity = recipient id.
struct Msg {
  Bytes msg_id = {};
  Bytes enc_body = {};
  bool operator==(const Msg&) const = default;
};
struct End {  // event, entity = notifier/recipient id: another connection subscribed
  bool operator==(const End&) const = default;
};
struct Deld {  // event, v10+ (encoded as END below v10): the notifier or queue was deleted
  bool operator==(const Deld&) const = default;
};
struct Pong {  // entity empty
  bool operator==(const Pong&) const = default;
};
struct Ok {
  bool operator==(const Ok&) const = default;
};
// "SOK" SP maybe(short(serviceId)); v16+. The answer to SUB/NSUB from v16 ("SOK 0").
struct Sok {
  std::optional<Bytes> service_id = {};
  bool operator==(const Sok&) const = default;
};
struct Soks {  // "SOKS" SP i64(count); v16+
  int64_t count = 0;
  bool operator==(const Soks&) const = default;
};
struct Ends {  // "ENDS" SP i64(count); event, v16+
  int64_t count = 0;
  bool operator==(const Ends&) const = default;
};
struct Err {
  ErrorType error = {};
  bool operator==(const Err&) const = default;
};

}  // namespace rsp

using Response = std::variant<rsp::Ids, rsp::Nid, rsp::Nmsg, rsp::Msg, rsp::End, rsp::Deld,
                              rsp::Pong, rsp::Ok, rsp::Sok, rsp::Soks, rsp::Ends, rsp::Err>;

std::string_view ResponseTag(const Response& response);
absl::StatusOr<Bytes> EncodeResponse(const Response& response, uint16_t version);
absl::StatusOr<Response> DecodeResponse(ByteSpan message, uint16_t version);

// What a server answers to a successful SUB/NSUB: SOK with no service (v16+) or OK.
Response SubscribeOk(uint16_t version);
// True for OK and SOK (either may answer SUB/NSUB).
bool IsSubscribeOk(const Response& response);

// The reference client's entity rule for what it receives (§5.2): IDS and ERR may have any
// entity, PONG must have none (else CMD HAS_AUTH), everything else needs one (else
// CMD NO_ENTITY).
std::optional<CommandError> CheckResponseEntity(const Response& response, bool has_entity);

// The plaintext inside NMSG's encNMsgMeta (after crypto_box_open and unpadding):
// short(msgId) i64(msgTs seconds) [ignored tail].
struct NMsgMeta {
  Bytes msg_id = {};
  int64_t msg_ts = 0;
  bool operator==(const NMsgMeta&) const = default;
};
absl::StatusOr<Bytes> EncodeNMsgMeta(const NMsgMeta& meta);
absl::StatusOr<NMsgMeta> DecodeNMsgMeta(ByteSpan bytes);

// ---------------------------------------------------------------------------------------------
// Transmissions and blocks (§2, §5). `session_id` is the tls-unique; it is written only at v6
// (and is then required), and it is the prefix of the bytes to authorize at every version.

// AuthKind and ClassifyAuthorization(size) (nullopt: the server answers ERR BLOCK) are
// ntf::wire's (transmission.h).

// short(sessionId) short(corrId) short(notifierId) "NSUB": what the notifier key signs (87
// bytes with 32/24/24-byte ids).
absl::StatusOr<Bytes> NsubBytesToAuthorize(ByteSpan session_id, ByteSpan corr_id,
                                           ByteSpan notifier_id);
// short(auth) ['0' if v16+] short(corrId) short(notifierId) "NSUB" (v6: with short(sessionId)
// before corrId). `auth` is the signature or authenticator over NsubBytesToAuthorize.
absl::StatusOr<Bytes> EncodeNsubTransmission(ByteSpan corr_id, ByteSpan notifier_id, ByteSpan auth,
                                             const SmpSessionParams& params,
                                             ByteSpan session_id = {});

// A command to send.
struct OutgoingCommand {
  Bytes auth = {};                        // empty, or a signature/authenticator
  std::optional<Bytes> service_sig = {};  // v16+, only with non-empty auth
  Bytes corr_id = {};
  Bytes entity_id = {};
  Command command = cmd::Ping{};
};
// short(sessionId) short(corrId) short(entityId) command: what `auth` covers.
absl::StatusOr<Bytes> CommandBytesToAuthorize(ByteSpan session_id, ByteSpan corr_id,
                                              ByteSpan entity_id, const Command& command,
                                              uint16_t version);
absl::StatusOr<Bytes> EncodeCommandTransmission(const OutgoingCommand& command,
                                                const SmpSessionParams& params,
                                                ByteSpan session_id = {});

// A response or event to send (the server never authorizes).
struct OutgoingResponse {
  Bytes corr_id = {};  // the command's corrId; empty for events
  Bytes entity_id = {};
  Response response = rsp::Ok{};
};
absl::StatusOr<Bytes> EncodeResponseTransmission(const OutgoingResponse& response,
                                                 const SmpSessionParams& params,
                                                 ByteSpan session_id = {});

// Packs encoded transmissions into SMP batch contents (u8 count, large items), at most 255 items
// and 16365 bytes of items each (the same with and without block encryption), keeping order.
// Each result is one block's content, ready for PadBlock(kSmpBlockSize) or block encryption.
// InvalidArgument (TELargeMsg) if one transmission cannot fit a block alone.
absl::StatusOr<std::vector<Bytes>> PackSmpBatches(absl::Span<const Bytes> transmissions);
// Encodes and packs commands / responses.
absl::StatusOr<std::vector<Bytes>> EncodeCommandBatches(absl::Span<const OutgoingCommand> commands,
                                                        const SmpSessionParams& params,
                                                        ByteSpan session_id = {});
absl::StatusOr<std::vector<Bytes>> EncodeResponseBatches(
    absl::Span<const OutgoingResponse> responses, const SmpSessionParams& params,
    ByteSpan session_id = {});

// One transmission of a block the subscriber received.
struct ReceivedResponse {
  Bytes corr_id = {};    // empty: an event, or an error the server could not correlate
  Bytes entity_id = {};  // empty when the transmission itself was unparsable
  // Set iff the transmission parsed, the message decoded and it passed CheckResponseEntity.
  std::optional<Response> response = {};
  // Otherwise the client-side error, as the reference client reports it: BLOCK (unparsable
  // transmission, corrId empty), SESSION (v6 session id mismatch), CMD UNKNOWN/SYNTAX (message),
  // CMD NO_ENTITY/HAS_AUTH (entity rule); `detail` says what was wrong.
  ErrorType error = {};
  std::string detail = {};

  bool ok() const { return response.has_value(); }
  bool is_event() const { return corr_id.empty(); }
};

// Decodes one transmission (never fails: errors are reported in the item).
ReceivedResponse DecodeResponseTransmission(ByteSpan transmission, const SmpSessionParams& params,
                                            ByteSpan session_id = {});
// Decodes an unpadded/decrypted block content. InvalidArgument if the batch itself is malformed
// (count 0, truncated, trailing bytes): treat that as ERR BLOCK for the whole block.
absl::StatusOr<std::vector<ReceivedResponse>> DecodeResponseBatch(ByteSpan content,
                                                                  const SmpSessionParams& params,
                                                                  ByteSpan session_id = {});

// One transmission of a block the test server received.
struct ReceivedCommand {
  Bytes corr_id = {};    // empty if the transmission was unparsable
  Bytes entity_id = {};  // the entity to answer with: empty for BLOCK and SESSION errors
  Bytes auth = {};
  AuthKind auth_kind = AuthKind::kNone;
  std::optional<Bytes> service_sig = {};  // v16+: 64-byte Ed25519 service signature
  // short(sessionId) || the transmission after the auth field(s) (v7+), or the transmission
  // after the auth field(s) as sent (v6): exactly what `auth` covers.
  Bytes authorized = {};
  // Set iff the transmission parsed, the command decoded and passed CheckCommandCredentials.
  std::optional<Command> command = {};
  // Otherwise what to answer: ERR `error` with corr_id and entity_id (BLOCK, SESSION,
  // CMD UNKNOWN/SYNTAX/NO_AUTH/HAS_AUTH/NO_ENTITY); `detail` says what was wrong.
  ErrorType error = {};
  std::string detail = {};

  bool ok() const { return command.has_value(); }
};

ReceivedCommand DecodeCommandTransmission(ByteSpan transmission, const SmpSessionParams& params,
                                          ByteSpan session_id);
// InvalidArgument if the batch itself is malformed: answer one ERR BLOCK with an empty corrId.
absl::StatusOr<std::vector<ReceivedCommand>> DecodeCommandBatch(ByteSpan content,
                                                                const SmpSessionParams& params,
                                                                ByteSpan session_id);

}  // namespace ntf::wire::smp
