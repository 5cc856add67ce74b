#pragma once

// Server addresses of the SimpleX protocols (spec/smp-notifier.md §1.4, spec/ntf-protocol.md §4.11
// and §1.6), in their two forms:
//
//   text    smp://<keyHash>[:<basicAuth>]@<host>[,<host2>...][:<port>]      (also ntf://)
//           keyHash = base64url of the 32-byte SHA-256 of the identity (CA) certificate; printed
//           with '=' padding, parsed with or without it.
//   binary  (the `SMPServer` inside SNEW)
//           u8 count (>= 1) || count * short(host ASCII) || short(port ASCII, "" = default)
//           || short(keyHash)
//
// Hosts are domain names, dotted-quad IPv4 addresses or `.onion` names. IPv6 hosts are not
// supported (the reference accepts them, but no deployed client sends them to a notification
// server).
//
// The port is kept as the exact string that was sent ("" = the scheme's default, 5223 for smp and
// 443 for ntf), never normalised: the client's agent looks its queues up by the (host, port)
// strings it registered, so the server must hand back exactly what it received. "" is printed as
// no port; an explicit ":5223" stays explicit.
//
// All functions are pure and thread-safe. Errors are absl::InvalidArgumentError naming the field
// that was wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/wire/encoding.h"

namespace ntf::wire {

inline constexpr size_t kKeyHashSize = 32;
inline constexpr uint16_t kDefaultSmpPort = 5223;
inline constexpr uint16_t kDefaultNtfPort = 443;

enum class ServerScheme { kSmp, kNtf };

// "smp" / "ntf".
std::string_view SchemeName(ServerScheme scheme);
uint16_t DefaultPort(ServerScheme scheme);

enum class HostKind { kDomain, kIpv4, kOnion };

// Classifies a host as sent on the wire. Rejects the empty string, hosts over 255 bytes, IPv4
// addresses that are out of range or not in canonical form (leading zeros), bad labels, an empty
// `.onion` name and characters outside [A-Za-z0-9_-.] (lowercase [a-z0-9] for onion names).
absl::StatusOr<HostKind> ClassifyHost(std::string_view host);

// The server identity carried inside SNEW: hosts, port, key hash (no scheme, no basic auth).
// Every member has a default initializer so designated initializers may omit any of them.
struct ProtocolServer {
  std::vector<std::string> hosts = {};  // >= 1, each valid per ClassifyHost, at most 255
  std::string port = {};                // "" = default, else canonical decimal 1..65535
  Bytes key_hash = {};                  // kKeyHashSize bytes

  bool operator==(const ProtocolServer&) const = default;
};

// OK iff `server` can be encoded in both forms: 1..255 valid hosts, a valid port string and a
// 32-byte key hash.
absl::Status ValidateProtocolServer(const ProtocolServer& server);

// The port to connect to: `port` as a number, or the scheme's default if it is "".
// Requires a valid port string (ValidateProtocolServer); returns 0 otherwise.
uint16_t EffectivePort(const ProtocolServer& server, ServerScheme scheme);

// Binary form. The encoder validates first and fails on an invalid server.
absl::StatusOr<Bytes> EncodeProtocolServer(const ProtocolServer& server);
// Appends the binary form to `w`; `server` must be valid (checked by the caller).
void WriteProtocolServer(Writer& w, const ProtocolServer& server);
// Reads the binary form from `r`, validating it; problems are recorded in `r` (see Reader).
ProtocolServer ReadProtocolServer(Reader& r);
// Strict: the whole of `bytes` must be exactly one encoded server.
absl::StatusOr<ProtocolServer> DecodeProtocolServer(ByteSpan bytes);

// Text form.
struct ServerAddress {
  ServerScheme scheme = ServerScheme::kSmp;
  ProtocolServer server = {};
  // A server password: printable ASCII without space, '@', ':' or '/'; never empty if present.
  std::optional<std::string> basic_auth = {};

  bool operator==(const ServerAddress&) const = default;
};

// Parses `smp://...` or `ntf://...`. A port in the text is stored in canonical decimal (":07001"
// becomes "7001"); no trailing characters are allowed.
absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view text);
// Prints the address; the port is omitted iff `server.port` is "". The address must be valid
// (ValidateProtocolServer and a valid basic_auth); otherwise the output is unspecified but safe.
std::string FormatServerAddress(const ServerAddress& address);

}  // namespace ntf::wire
