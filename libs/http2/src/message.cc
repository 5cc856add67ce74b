#include "ntf/http2/message.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ntf/common/http_token.h"

namespace ntf::http2 {
namespace {

constexpr std::array<const char*, 14> kErrorNames = {"NO_ERROR",
                                                     "PROTOCOL_ERROR",
                                                     "INTERNAL_ERROR",
                                                     "FLOW_CONTROL_ERROR",
                                                     "SETTINGS_TIMEOUT",
                                                     "STREAM_CLOSED",
                                                     "FRAME_SIZE_ERROR",
                                                     "REFUSED_STREAM",
                                                     "CANCEL",
                                                     "COMPRESSION_ERROR",
                                                     "CONNECT_ERROR",
                                                     "ENHANCE_YOUR_CALM",
                                                     "INADEQUATE_SECURITY",
                                                     "HTTP_1_1_REQUIRED"};

// Whether `s` has a byte below `limit` (at most 0x80), 8 bytes at a time: every request's path
// and header values (an APNs JWT is ~180 bytes) go through here. Exact: (w - n) & ~w & 0x80..
// is non-zero if and only if some byte of w is below n.
bool HasByteBelow(std::string_view s, uint8_t limit) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (((w - kOnes * limit) & ~w & kHighs) != 0) return true;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<uint8_t>(s[i]) < limit) return true;
  }
  return false;
}

// `name` is `lower` (lowercase) in any ASCII case; no lowercased copy.
bool EqualsLowercase(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(name[i])) != lower[i]) return false;
  }
  return true;
}

bool IsConnectionSpecific(std::string_view name) {
  return EqualsLowercase(name, "connection") || EqualsLowercase(name, "keep-alive") ||
         EqualsLowercase(name, "proxy-connection") || EqualsLowercase(name, "transfer-encoding") ||
         EqualsLowercase(name, "upgrade");
}

}  // namespace

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (absl::EqualsIgnoreCase(h.first, std::string(name))) return std::string_view(h.second);
  }
  return std::nullopt;
}

std::string ErrorCodeName(uint32_t code) {
  if (code < kErrorNames.size()) return kErrorNames[code];
  char buf[32];
  std::snprintf(buf, sizeof buf, "UNKNOWN(0x%x)", code);
  return buf;
}

absl::Status StreamResetStatus(uint32_t code) {
  std::string message = absl::StrCat("stream closed with ", ErrorCodeName(code));
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kNoError:
    case ErrorCode::kRefusedStream:
    case ErrorCode::kCancel:
    case ErrorCode::kInternalError:
    case ErrorCode::kConnectError:
    case ErrorCode::kSettingsTimeout:
      return absl::UnavailableError(message);
    case ErrorCode::kEnhanceYourCalm:
      return absl::ResourceExhaustedError(message);
    case ErrorCode::kInadequateSecurity:
    case ErrorCode::kHttp11Required:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status ValidateRequest(const Request& request) {
  if (!common::IsHttpToken(request.method)) {
    return absl::InvalidArgumentError(absl::StrCat("bad method '", request.method, "'"));
  }
  if (request.path.empty() || request.path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("path must start with '/': '", request.path, "'"));
  }
  // Control characters and space are the bytes below 0x21; then DEL.
  if (HasByteBelow(request.path, 0x21) || request.path.find('\x7f') != std::string::npos) {
    return absl::InvalidArgumentError("path contains a control character or space");
  }
  for (const auto& [name, value] : request.headers) {
    if (!name.empty() && name[0] == ':') {
      return absl::InvalidArgumentError(absl::StrCat("pseudo-header '", name, "' not allowed"));
    }
    if (!common::IsHttpToken(name)) {
      return absl::InvalidArgumentError(absl::StrCat("bad header name '", name, "'"));
    }
    if (IsConnectionSpecific(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("connection-specific header '", name, "' not allowed in HTTP/2"));
    }
    if (EqualsLowercase(name, "te") && value != "trailers") {
      return absl::InvalidArgumentError("header 'te' may only be 'trailers' in HTTP/2");
    }
    // CR, LF and NUL are below 0x0e (so is TAB, which is allowed): look closer only then.
    if (HasByteBelow(value, 0x0e) &&
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of header '", name, "' contains CR, LF or NUL"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ntf::http2
