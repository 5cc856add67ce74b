#pragma once

// Codecs of the NTF protocol (client <-> notification server), spec/ntf-protocol.md §1 and §2:
// handshake, commands, responses, error types, credential rules and whole 512-byte blocks.
//
// Everything here is a pure function over byte buffers: no I/O, no global state, safe to call
// from any thread. Decoded values own their bytes (copies), so they outlive the input buffer.
//
// Decode errors:
//   * DecodeCommand/DecodeResponse return absl::UnimplementedError when the tag is unknown (to be
//     answered with ERR CMD UNKNOWN) and absl::InvalidArgumentError when the tag is known but its
//     parameters are malformed or followed by trailing bytes (ERR CMD SYNTAX).
//     ErrorForDecodeFailure() maps such a status to the ErrorType to send.
//   * Every other decoder returns absl::InvalidArgumentError naming the field that was wrong.
//
// Public keys and private keys inside commands are kept as the raw DER byte strings (SPKI for
// public keys, PKCS#8 for private ones); the crypto library parses them. A key that the crypto
// library rejects should be answered with ERR CMD SYNTAX, as the reference parser would.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/wire/address.h"
#include "ntf/wire/encoding.h"
#include "ntf/wire/transmission.h"

namespace ntf::wire {

// ---------------------------------------------------------------------------------------------
// Versions and handshake (§1.2, §1.4)

// Names as in the reference's Notifications/Transport.hs.
inline constexpr uint16_t kInitialNtfVersion = 1;        // initialNTFVersion
inline constexpr uint16_t kAuthBatchCmdsNtfVersion = 2;  // authBatchCmdsNTFVersion
inline constexpr uint16_t kInvalidReasonNtfVersion = 3;  // invalidReasonNTFVersion
inline constexpr uint16_t kCurrentNtfVersion = 3;        // currentServer/ClientNTFVersion

struct VersionRange {
  uint16_t min = 0;
  uint16_t max = 0;

  bool operator==(const VersionRange&) const = default;
};

// supportedServerNTFVRange / supportedClientNTFVRange: offered when ALPN "ntf/1" was negotiated.
inline constexpr VersionRange kSupportedNtfVersions{kInitialNtfVersion, kCurrentNtfVersion};
// legacyServerNTFVRange: what the server offers when no ALPN was negotiated.
inline constexpr VersionRange kLegacyNtfVersions{kInitialNtfVersion, kInitialNtfVersion};
inline constexpr std::string_view kNtfAlpn = "ntf/1";

// Server -> client, the first block of a connection.
//   u16 min || u16 max || short(sessionId) || [large(signed auth key)]   trailing bytes ignored
// The signed key (an X.509 "SignedExact PubKey" DER wrapping the per-connection X25519 key) is
// present iff max >= 2; it is opaque here (the crypto library verifies it).
struct ServerHello {
  VersionRange versions = {};
  Bytes session_id = {};
  std::optional<Bytes> signed_auth_key = {};

  bool operator==(const ServerHello&) const = default;
};

// Client -> server, the second block.  u16 version || short(keyHash)   trailing bytes ignored
struct ClientHello {
  uint16_t version = 0;
  Bytes key_hash = {};  // the server's CA fingerprint as the client knows it (32 bytes)

  bool operator==(const ClientHello&) const = default;
};

// Encode into / decode from a whole padded kNtfBlockSize block. The encoder fails if the range is
// empty (min > max) or the auth key is missing for max >= 2 or present for max < 2. The decoder
// fails on min > max or a missing key for max >= 2; bytes after the fields are ignored.
absl::StatusOr<Bytes> EncodeServerHelloBlock(const ServerHello& hello);
absl::StatusOr<ServerHello> DecodeServerHelloBlock(ByteSpan block);
absl::StatusOr<Bytes> EncodeClientHelloBlock(const ClientHello& hello);
absl::StatusOr<ClientHello> DecodeClientHelloBlock(ByteSpan block);

// Client side: the version to send in ClientHello, the highest version both ranges contain, or
// nullopt if they do not overlap (TEVersion).
std::optional<uint16_t> NegotiateVersion(VersionRange server, VersionRange client);
// Server side: whether the version a client chose is acceptable (server.min <= v <= server.max).
bool ServerAcceptsVersion(VersionRange server, uint16_t version);

// Per-session parameters that follow from the negotiated version.
struct SessionParams {
  uint16_t version = 0;
  Bytes session_id = {};            // tls-unique: the client's TLS Finished
  bool implied_session_id = false;  // v2+: not sent in transmissions, but authorized
  bool batch = false;               // v2+: blocks carry batches of transmissions

  TransmissionFormat format() const { return {.session_id_on_wire = !implied_session_id}; }
};
SessionParams MakeSessionParams(uint16_t version, ByteSpan session_id);

// ---------------------------------------------------------------------------------------------
// Values inside commands and responses (§2.2, §3.1)

enum class PushProvider : uint8_t {
  kApnsDev,   // "AD" apns_dev
  kApnsProd,  // "AP" apns_prod
  kApnsTest,  // "AT" apns_test
  kApnsNull,  // "AN" apns_null
  kFcm,       // "FC" fcm        (our extension; not in the reference)
};
// Two-byte tag on the wire ("AD"...).
std::string_view PushProviderTag(PushProvider p);
// Text name ("apns_dev"..., "fcm") as used in logs, configs and the database.
std::string_view PushProviderName(PushProvider p);
std::optional<PushProvider> ParsePushProviderName(std::string_view name);

// provider(2 bytes) || short(token). Token bytes are not interpreted (for APNs they are the
// lowercase hex string of the token, for FCM the registration token).
struct DeviceToken {
  PushProvider provider = PushProvider::kApnsProd;
  Bytes token = {};

  bool operator==(const DeviceToken&) const = default;
};

enum class TokenState { kNew, kRegistered, kInvalid, kConfirmed, kActive, kExpired };
enum class InvalidReason { kBad, kTopic, kExpired, kUnregistered };

// NtfTknStatus. `reason` is only meaningful with kInvalid (ignored by the encoder otherwise).
struct TokenStatus {
  TokenState state = TokenState::kNew;
  std::optional<InvalidReason> reason = {};

  bool operator==(const TokenStatus&) const = default;
};
// "NEW" | "REGISTERED" | "INVALID" ["," reason] | "CONFIRMED" | "ACTIVE" | "EXPIRED"; the reason is
// written only when version >= kInvalidReasonNtfVersion. Also the database text form.
std::string FormatTokenStatus(const TokenStatus& status, uint16_t version = kCurrentNtfVersion);
absl::StatusOr<TokenStatus> ParseTokenStatus(std::string_view text);

enum class SubscriptionState {
  kNew,
  kPending,
  kActive,
  kInactive,
  kEnd,
  kDeleted,
  kAuth,
  kService,
  kErr
};
// NtfSubStatus. `error_text` is only meaningful with kErr ("ERR <text>").
struct SubscriptionStatus {
  SubscriptionState state = SubscriptionState::kNew;
  std::string error_text = {};

  bool operator==(const SubscriptionStatus&) const = default;
};
std::string FormatSubscriptionStatus(const SubscriptionStatus& status);
absl::StatusOr<SubscriptionStatus> ParseSubscriptionStatus(std::string_view text);

// The ERR payload (§2.4), shared with SMP.
enum class ErrorCode {
  kBlock,
  kSession,
  kCmd,
  kProxy,
  kAuth,
  kBlocked,
  kService,
  kCrypto,
  kQuota,
  kStore,
  kNoMsg,
  kLargeMsg,
  kExpired,
  kInternal,
  kDuplicate,
};
enum class CmdError { kUnknown, kSyntax, kProhibited, kNoAuth, kHasAuth, kNoEntity };

struct ErrorType {
  ErrorCode code = ErrorCode::kInternal;
  CmdError cmd = CmdError::kUnknown;  // with kCmd only
  // kStore: the store error text (may be empty). kProxy / kBlocked: the rest of the payload
  // after "PROXY " / "BLOCKED ", kept opaque and non-empty (a notification server never sends
  // these). Unused otherwise.
  std::string detail = {};

  static ErrorType Cmd(CmdError e) { return {.code = ErrorCode::kCmd, .cmd = e}; }
  static ErrorType Of(ErrorCode c) { return {.code = c}; }
  bool operator==(const ErrorType&) const = default;
};
// "AUTH", "CMD SYNTAX", "STORE <text>", ... ; the parser also accepts the legacy "CMD NO_QUEUE"
// (as kNoEntity, printed back as "CMD NO_ENTITY").
std::string FormatError(const ErrorType& error);
absl::StatusOr<ErrorType> ParseError(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Commands (§2.1, §2.2). Each struct is one command; the wire form follows its name.

struct TnewCommand {  // "TNEW " 'T' deviceToken short(verifyKey SPKI) short(dhKey X25519 SPKI)
  DeviceToken device_token = {};
  Bytes verify_key = {};
  Bytes dh_key = {};
  bool operator==(const TnewCommand&) const = default;
};
struct TvfyCommand {  // "TVFY " short(regCode)
  Bytes reg_code = {};
  bool operator==(const TvfyCommand&) const = default;
};
struct TchkCommand {  // "TCHK"
  bool operator==(const TchkCommand&) const = default;
};
struct TrplCommand {  // "TRPL " deviceToken
  DeviceToken device_token = {};
  bool operator==(const TrplCommand&) const = default;
};
struct TdelCommand {  // "TDEL"
  bool operator==(const TdelCommand&) const = default;
};
struct TcrnCommand {  // "TCRN " u16 minutes (0 = off)
  uint16_t interval_minutes = 0;
  bool operator==(const TcrnCommand&) const = default;
};
// "SNEW " 'S' short(tokenId) smpServer short(notifierId) short(notifierKey PKCS#8)
struct SnewCommand {
  Bytes token_id = {};
  ProtocolServer smp_server = {};
  Bytes notifier_id = {};
  Bytes notifier_key = {};
  bool operator==(const SnewCommand&) const = default;
};
struct SchkCommand {  // "SCHK"
  bool operator==(const SchkCommand&) const = default;
};
struct SdelCommand {  // "SDEL"
  bool operator==(const SdelCommand&) const = default;
};
struct PingCommand {  // "PING"
  bool operator==(const PingCommand&) const = default;
};

// Alternatives are in CommandTag order.
using Command = std::variant<TnewCommand, TvfyCommand, TchkCommand, TrplCommand, TdelCommand,
                             TcrnCommand, SnewCommand, SchkCommand, SdelCommand, PingCommand>;
enum class CommandTag { kTnew, kTvfy, kTchk, kTrpl, kTdel, kTcrn, kSnew, kSchk, kSdel, kPing };

CommandTag TagOf(const Command& command);
std::string_view CommandTagName(CommandTag tag);  // "TNEW", ...

// Encodes `tag [SP params]`. Fails only if a field cannot be represented (a byte string over 255
// bytes, an invalid SMP server).
absl::StatusOr<Bytes> EncodeCommand(const Command& command);
// Strict: exactly one command, no trailing bytes. See the top of the file for the error codes.
absl::StatusOr<Command> DecodeCommand(ByteSpan bytes);

// ---------------------------------------------------------------------------------------------
// Responses

struct IdtknResponse {  // "IDTKN " short(tokenId) short(serverDhKey X25519 SPKI)
  Bytes token_id = {};
  Bytes server_dh_key = {};
  bool operator==(const IdtknResponse&) const = default;
};
struct IdsubResponse {  // "IDSUB " short(subId)
  Bytes subscription_id = {};
  bool operator==(const IdsubResponse&) const = default;
};
struct OkResponse {  // "OK"
  bool operator==(const OkResponse&) const = default;
};
struct ErrResponse {  // "ERR " errorType
  ErrorType error = {};
  bool operator==(const ErrResponse&) const = default;
};
struct TknResponse {  // "TKN " tokenStatus
  TokenStatus status = {};
  bool operator==(const TknResponse&) const = default;
};
struct SubResponse {  // "SUB " subStatus
  SubscriptionStatus status = {};
  bool operator==(const SubResponse&) const = default;
};
struct PongResponse {  // "PONG"
  bool operator==(const PongResponse&) const = default;
};

// Alternatives are in ResponseTag order.
using Response = std::variant<IdtknResponse, IdsubResponse, OkResponse, ErrResponse, TknResponse,
                              SubResponse, PongResponse>;
enum class ResponseTag { kIdtkn, kIdsub, kOk, kErr, kTkn, kSub, kPong };

ResponseTag TagOf(const Response& response);
std::string_view ResponseTagName(ResponseTag tag);  // "IDTKN", ...

// `version` is the session's negotiated version: below kInvalidReasonNtfVersion the INVALID
// reason of TKN is dropped. Fails only if a field cannot be represented (a byte string over
// 255 bytes, PROXY/BLOCKED without a detail).
absl::StatusOr<Bytes> EncodeResponse(const Response& response, uint16_t version);
// Strict, version-independent (accepts an INVALID reason whatever the version).
absl::StatusOr<Response> DecodeResponse(ByteSpan bytes);

// The error to answer a DecodeCommand/DecodeResponse failure with: CMD UNKNOWN for
// absl::StatusCode::kUnimplemented, CMD SYNTAX otherwise.
ErrorType ErrorForDecodeFailure(const absl::Status& status);

// ---------------------------------------------------------------------------------------------
// Credential rules (§2.1, the reference's checkCredentials); the error to send, if any.

// TNEW/SNEW: need auth, entity must be empty. PING: neither auth nor entity. Others: both.
std::optional<ErrorType> CheckCommandCredentials(CommandTag tag, bool has_auth, ByteSpan entity_id);
// IDTKN/IDSUB/PONG: entity must be empty (else CMD HAS_AUTH); ERR: any; the rest: entity
// required (else CMD NO_ENTITY).
std::optional<ErrorType> CheckResponseCredentials(ResponseTag tag, ByteSpan entity_id);

// ---------------------------------------------------------------------------------------------
// Blocks (§1.3, §1.5)

// Valid sizes of a transmission's auth field: ntf/wire/transmission.h (kEd25519SignatureSize,
// ClassifyAuthorization...); any other size is answered with ERR BLOCK.

// One transmission of a client block, as the server sees it: either a command that passed
// parsing and the credential rules, or the error to answer (with corr_id/entity_id to echo).
struct ReceivedCommand {
  Bytes corr_id = {};
  Bytes entity_id = {};
  Bytes auth = {};  // empty = unsigned; 64/114 = signature; 80 = authenticator
  // short(sessionId) short(corrId) short(entityId) command: what `auth` must cover.
  Bytes authorized = {};
  std::variant<Command, ErrorType> result = ErrorType{};

  bool ok() const { return std::holds_alternative<Command>(result); }
};

// Decodes one kNtfBlockSize block from a client. Never fails as a whole: a block whose size,
// length prefix or batch framing is broken yields one entry {corr "", entity "", ERR BLOCK}.
// Per transmission, in the reference's order:
//   unparsable transmission            -> {"", "", ERR BLOCK}
//   v1 session id != session           -> {corr, "", ERR SESSION}
//   auth of a size not 0/64/80/114     -> {corr, "", ERR BLOCK}
//   unknown tag / bad parameters       -> {corr, entity, ERR CMD UNKNOWN / CMD SYNTAX}
//   credential rules                   -> {corr, entity, ERR CMD NO_AUTH / CMD HAS_AUTH}
// Auth is not verified here.
std::vector<ReceivedCommand> DecodeClientBlock(ByteSpan block, const SessionParams& session);

// A response to send.
struct OutgoingResponse {
  Bytes corr_id = {};
  Bytes entity_id = {};
  Response response = OkResponse{};
};

// Encodes responses into kNtfBlockSize blocks, in order: v1 one transmission per block (session
// id on the wire); v2+ batches packed like the reference sender (PackBatches). Fails if a
// response cannot be encoded or does not fit a block (naming its index); nothing is returned then.
absl::StatusOr<std::vector<Bytes>> EncodeServerBlocks(absl::Span<const OutgoingResponse> responses,
                                                      const SessionParams& session);

// Client side: encodes signed transmissions (Transmission::command = EncodeCommand bytes, auth
// computed over BytesToAuthorize(session_id, corr_id, entity_id, command)) into blocks, as above.
absl::StatusOr<std::vector<Bytes>> EncodeClientBlocks(absl::Span<const Transmission> transmissions,
                                                      const SessionParams& session);

// One transmission of a server block, as the client sees it.
struct ReceivedResponse {
  Bytes corr_id = {};
  Bytes entity_id = {};
  std::variant<Response, ErrorType> result = ErrorType{};

  bool ok() const { return std::holds_alternative<Response>(result); }
};

// Decodes one block from the server, mirroring DecodeClientBlock (the reference's
// tDecodeClient): broken framing -> one {"", "", BLOCK}; unparsable transmission -> {"", "",
// BLOCK}; v1 session mismatch -> {corr, "", SESSION}; bad response -> CMD UNKNOWN/SYNTAX;
// response credential rules -> CMD NO_ENTITY/HAS_AUTH. The auth field of responses is ignored.
std::vector<ReceivedResponse> DecodeServerBlock(ByteSpan block, const SessionParams& session);

}  // namespace ntf::wire
