#include "ntf/wire/address.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ntf::wire {
namespace {

constexpr size_t kMaxHostLength = 255;
constexpr size_t kMaxHosts = 255;
constexpr std::string_view kOnionSuffix = ".onion";

std::string Quote(std::string_view s) {
  return absl::StrCat("\"", absl::CHexEscape(absl::string_view(s.data(), s.size())), "\"");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }
bool IsDomainChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

// Canonical decimal (no leading zeros, no sign) in [min, max].
std::optional<uint32_t> ParseCanonicalDecimal(std::string_view s, uint32_t min, uint32_t max) {
  if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

bool AllDigitsAndDots(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c) || c == '.'; });
}

absl::Status ValidatePort(std::string_view port) {
  if (port.empty() || ParseCanonicalDecimal(port, 1, 65535)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("port ", Quote(port), ": not 1..65535"));
}

bool ValidBasicAuth(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '@' && c != ':' && c != '/';
  });
}

}  // namespace

std::string_view SchemeName(ServerScheme scheme) {
  return scheme == ServerScheme::kSmp ? "smp" : "ntf";
}

uint16_t DefaultPort(ServerScheme scheme) {
  return scheme == ServerScheme::kSmp ? kDefaultSmpPort : kDefaultNtfPort;
}

absl::StatusOr<HostKind> ClassifyHost(std::string_view host) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("host ", Quote(host), ": ", std::string(why)));
  };
  if (host.empty()) return bad("empty");
  if (host.size() > kMaxHostLength) return bad("longer than 255 bytes");
  if (AllDigitsAndDots(host)) {
    const std::vector<std::string_view> octets = Split(host, '.');
    if (octets.size() != 4) return bad("not a dotted-quad IPv4 address");
    for (std::string_view o : octets) {
      if (!ParseCanonicalDecimal(o, 0, 255)) return bad("bad IPv4 octet");
    }
    return HostKind::kIpv4;
  }
  if (host.size() >= kOnionSuffix.size() &&
      host.substr(host.size() - kOnionSuffix.size()) == kOnionSuffix) {
    const std::string_view name = host.substr(0, host.size() - kOnionSuffix.size());
    if (name.empty()) return bad("empty onion name");
    if (!std::all_of(name.begin(), name.end(), IsLowerAlnum)) return bad("bad onion name");
    return HostKind::kOnion;
  }
  for (std::string_view label : Split(host, '.')) {
    if (label.empty()) return bad("empty domain label");
    if (label.size() > 63) return bad("domain label longer than 63");
    if (!std::all_of(label.begin(), label.end(), IsDomainChar)) return bad("bad character");
  }
  return HostKind::kDomain;
}

absl::Status ValidateProtocolServer(const ProtocolServer& server) {
  if (server.hosts.empty()) return absl::InvalidArgumentError("server: no hosts");
  if (server.hosts.size() > kMaxHosts) return absl::InvalidArgumentError("server: over 255 hosts");
  for (const std::string& h : server.hosts) {
    if (absl::StatusOr<HostKind> k = ClassifyHost(h); !k.ok()) return k.status();
  }
  if (absl::Status s = ValidatePort(server.port); !s.ok()) return s;
  if (server.key_hash.size() != kKeyHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("key hash of ", server.key_hash.size(), " bytes, expected 32"));
  }
  return absl::OkStatus();
}

uint16_t EffectivePort(const ProtocolServer& server, ServerScheme scheme) {
  if (server.port.empty()) return DefaultPort(scheme);
  return static_cast<uint16_t>(ParseCanonicalDecimal(server.port, 1, 65535).value_or(0));
}

void WriteProtocolServer(Writer& w, const ProtocolServer& server) {
  w.U8(static_cast<uint8_t>(server.hosts.size()));
  for (const std::string& h : server.hosts) w.Short(h);
  w.Short(server.port).Short(server.key_hash);
}

absl::StatusOr<Bytes> EncodeProtocolServer(const ProtocolServer& server) {
  if (absl::Status s = ValidateProtocolServer(server); !s.ok()) return s;
  Writer w;
  WriteProtocolServer(w, server);
  return w.Finish();
}

ProtocolServer ReadProtocolServer(Reader& r) {
  ProtocolServer server;
  const uint8_t count = r.U8("server host count");
  if (r.ok() && count == 0) r.Fail("server host count: 0");
  for (unsigned i = 0; r.ok() && i < count; ++i) {
    server.hosts.emplace_back(AsStringView(r.Short("server host")));
  }
  ByteSpan port = r.Short("server port");
  server.port = std::string(AsStringView(port));
  ByteSpan key_hash = r.Short("server key hash");
  server.key_hash.assign(key_hash.begin(), key_hash.end());
  if (r.ok()) {
    if (absl::Status s = ValidateProtocolServer(server); !s.ok()) r.Fail(std::string(s.message()));
  }
  return server;
}

absl::StatusOr<ProtocolServer> DecodeProtocolServer(ByteSpan bytes) {
  Reader r(bytes);
  ProtocolServer server = ReadProtocolServer(r);
  if (absl::Status s = r.Done("server"); !s.ok()) return s;
  return server;
}

absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view text) {
  auto bad = [](std::string why) {
    return absl::InvalidArgumentError(absl::StrCat("server address: ", why));
  };
  ServerAddress address;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad("missing \"://\"");
  const std::string_view scheme = text.substr(0, scheme_end);
  if (scheme == "smp") {
    address.scheme = ServerScheme::kSmp;
  } else if (scheme == "ntf") {
    address.scheme = ServerScheme::kNtf;
  } else {
    return bad(absl::StrCat("unknown scheme ", Quote(scheme)));
  }
  std::string_view rest = text.substr(scheme_end + 3);

  const size_t at = rest.find('@');
  if (at == std::string_view::npos) return bad("missing '@'");
  std::string_view credentials = rest.substr(0, at);
  std::string_view location = rest.substr(at + 1);

  const size_t colon = credentials.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view auth = credentials.substr(colon + 1);
    if (!ValidBasicAuth(auth)) return bad("invalid basic auth");
    address.basic_auth = std::string(auth);
    credentials = credentials.substr(0, colon);
  }
  if (credentials.empty()) return bad("empty key hash");
  absl::StatusOr<Bytes> key_hash = Base64UrlDecode(credentials);
  if (!key_hash.ok()) return bad(absl::StrCat("key hash: ", key_hash.status().message()));
  address.server.key_hash = *std::move(key_hash);

  const size_t port_colon = location.find(':');
  if (port_colon != std::string_view::npos) {
    std::string_view port = location.substr(port_colon + 1);
    location = location.substr(0, port_colon);
    // Leading zeros are accepted and dropped, as the reference parses the port as a number.
    const size_t nonzero = port.find_first_not_of('0');
    if (!port.empty() && nonzero == std::string_view::npos) return bad("port 0");
    if (nonzero != std::string_view::npos) port = port.substr(nonzero);
    if (port.empty() || !ParseCanonicalDecimal(port, 1, 65535)) return bad("bad port");
    address.server.port = std::string(port);
  }
  for (std::string_view host : Split(location, ',')) address.server.hosts.emplace_back(host);
  if (absl::Status s = ValidateProtocolServer(address.server); !s.ok()) {
    return bad(std::string(s.message()));
  }
  return address;
}

std::string FormatServerAddress(const ServerAddress& address) {
  std::string out = absl::StrCat(std::string(SchemeName(address.scheme)), "://",
                                 Base64UrlEncode(address.server.key_hash));
  if (address.basic_auth) absl::StrAppend(&out, ":", *address.basic_auth);
  out.push_back('@');
  for (size_t i = 0; i < address.server.hosts.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += address.server.hosts[i];
  }
  if (!address.server.port.empty()) absl::StrAppend(&out, ":", address.server.port);
  return out;
}

}  // namespace ntf::wire
