#include "ntf/http2/message.h"

#include <array>
#include <cstdio>

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
  for (char c : request.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("path contains a control character or space");
    }
  }
  for (const auto& [name, value] : request.headers) {
    if (!name.empty() && name[0] == ':') {
      return absl::InvalidArgumentError(absl::StrCat("pseudo-header '", name, "' not allowed"));
    }
    if (!common::IsHttpToken(name)) {
      return absl::InvalidArgumentError(absl::StrCat("bad header name '", name, "'"));
    }
    const std::string lower = absl::AsciiStrToLower(name);
    if (lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
        lower == "transfer-encoding" || lower == "upgrade") {
      return absl::InvalidArgumentError(
          absl::StrCat("connection-specific header '", name, "' not allowed in HTTP/2"));
    }
    if (lower == "te" && value != "trailers") {
      return absl::InvalidArgumentError("header 'te' may only be 'trailers' in HTTP/2");
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return absl::InvalidArgumentError(
            absl::StrCat("value of header '", name, "' contains CR, LF or NUL"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ntf::http2
