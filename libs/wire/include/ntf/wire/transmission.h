#pragma once

// The transmission layer shared by NTF and SMP: what surrounds a command inside a block.
//
//   transmission = short(auth) [svc] [short(sessionId)] short(corrId) short(entityId) command
//     svc        = '0' | '1' short(serviceSig)   only with TransmissionFormat::service_byte and a
//                                                non-empty auth (SMP v16+)
//     sessionId  = only with TransmissionFormat::session_id_on_wire (NTF v1, SMP v6)
//     command    = tag [SP params], to the end of the transmission
//
// The bytes that a signature or authenticator covers are the same in every version:
//   short(sessionId) short(corrId) short(entityId) command
//
// Pure functions; decoded spans point into the input buffer.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::wire {

// The sizes of a transmission's authorization field, the same in NTF and SMP: none, an
// Ed25519 signature, an X25519 authenticator (crypto_box of SHA-512 of what is authorized), an
// Ed448 signature. Any other size is answered with ERR BLOCK.
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr size_t kX25519AuthenticatorSize = 80;
inline constexpr size_t kEd448SignatureSize = 114;

enum class AuthKind : uint8_t { kNone, kEd25519Signature, kEd448Signature, kX25519Authenticator };
// By length: 0, 64, 114, 80; nullopt for any other length.
std::optional<AuthKind> ClassifyAuthorization(size_t size);

struct TransmissionFormat {
  bool session_id_on_wire = false;  // NTF v1 / SMP v6: the session id is sent, not implied.
  bool service_byte = false;        // SMP v16+: a service-signature Maybe after a non-empty auth.
};

// A transmission as it arrives, before the command is parsed.
struct TransmissionView {
  ByteSpan auth;                        // empty = unsigned
  std::optional<ByteSpan> service_sig;  // SMP v16+ '1' short(sig)
  std::optional<ByteSpan> session_id;   // present iff session_id_on_wire
  ByteSpan corr_id;
  ByteSpan entity_id;
  ByteSpan command;  // tag [SP params]
  // The part of the transmission after the auth field(s), i.e. what is covered by the
  // authorization minus the implied short(sessionId) prefix (v2+/v7+). For session-on-wire
  // formats this already starts with short(sessionId).
  ByteSpan after_auth;
};

// A transmission to send.
// Every member has a default initializer so designated initializers may omit any of them.
struct Transmission {
  Bytes auth = {};
  std::optional<Bytes> service_sig = {};
  Bytes corr_id = {};
  Bytes entity_id = {};
  Bytes command = {};
};

absl::StatusOr<TransmissionView> DecodeTransmission(ByteSpan bytes, TransmissionFormat format);

// `session_id` is written only if format.session_id_on_wire.
absl::StatusOr<Bytes> EncodeTransmission(const Transmission& t, ByteSpan session_id,
                                         TransmissionFormat format);

// short(sessionId) short(corrId) short(entityId) command: the bytes that are signed.
absl::StatusOr<Bytes> BytesToAuthorize(ByteSpan session_id, ByteSpan corr_id, ByteSpan entity_id,
                                       ByteSpan command);

// Splits "TAG rest" into the tag (up to the first space or the end) and the parameters after one
// optional space.
struct CommandParts {
  std::string_view tag;
  ByteSpan params;
};
CommandParts SplitCommand(ByteSpan command);

}  // namespace ntf::wire
