#pragma once

// Plain HTTP/2 message types shared by Http2Client and Http2Server, and the request checks the
// client runs before sending. No I/O; every function is pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace ntf::http2 {

// One header field as {name, value}. HTTP/2 sends names in lowercase; the client lowercases
// them for you, the server hands them over as received (always lowercase on the wire).
using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

struct Request {
  // ":method", e.g. "POST".
  std::string method = "GET";
  // ":path" with the query, e.g. "/3/device/<token>". Must start with '/'.
  std::string path = "/";
  // Regular header fields, no pseudo-headers (":scheme" and ":authority" come from the
  // client's origin). Connection-specific fields (connection, transfer-encoding, ...) are not
  // allowed in HTTP/2.
  Headers headers = {};
  // The body; may be binary. Sent with a content-length header unless one is given.
  std::string body = {};
};

struct Response {
  // ":status" of the final response, e.g. 200.
  int status = 0;
  // Response header fields and trailers, in arrival order, without ":status".
  Headers headers = {};
  std::string body = {};
  // Client side: which of the client's connections carried it (Http2Client::RetireConnection).
  uint64_t connection_id = 0;
};

// The first value of header `name` (ASCII case-insensitive), or nullopt.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

// HTTP/2 error codes (RFC 9113 §7), as carried by RST_STREAM and GOAWAY.
enum class ErrorCode : uint32_t {
  kNoError = 0x0,
  kProtocolError = 0x1,
  kInternalError = 0x2,
  kFlowControlError = 0x3,
  kSettingsTimeout = 0x4,
  kStreamClosed = 0x5,
  kFrameSizeError = 0x6,
  kRefusedStream = 0x7,
  kCancel = 0x8,
  kCompressionError = 0x9,
  kConnectError = 0xa,
  kEnhanceYourCalm = 0xb,
  kInadequateSecurity = 0xc,
  kHttp11Required = 0xd,
};

// "NO_ERROR", "REFUSED_STREAM", ...; "UNKNOWN(0x..)" for codes outside the table.
std::string ErrorCodeName(uint32_t code);

// What a stream that the peer (or the local stack) closed with `code` before a complete
// response means for the caller:
//   REFUSED_STREAM, NO_ERROR, CANCEL, INTERNAL_ERROR, CONNECT_ERROR, SETTINGS_TIMEOUT
//                                       -> Unavailable (may be retried)
//   ENHANCE_YOUR_CALM                   -> ResourceExhausted (slow down)
//   INADEQUATE_SECURITY, HTTP_1_1_REQUIRED -> FailedPrecondition
//   PROTOCOL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED, FRAME_SIZE_ERROR, COMPRESSION_ERROR,
//   unknown codes                       -> Internal (a bug on one side)
absl::Status StreamResetStatus(uint32_t code);

// Checks a request before it is queued: method is a token, path starts with '/', header names
// are tokens (any case) and not pseudo-headers or connection-specific fields ("te" only with
// "trailers"), values have no CR, LF or NUL. InvalidArgument naming the problem otherwise.
absl::Status ValidateRequest(const Request& request);

}  // namespace ntf::http2
