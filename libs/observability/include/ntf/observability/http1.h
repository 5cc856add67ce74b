#pragma once

// The small part of HTTP/1.1 the admin server needs, as pure functions over bytes (no I/O), so
// they can be unit-tested and fuzzed (fuzz/http1_fuzz.cc).

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ntf::observability {

// A parsed request head (request line and headers; admin requests carry no body).
struct HttpRequestHead {
  std::string method;     // "GET", "HEAD", ... (case-sensitive token).
  std::string target;     // Origin-form: "/readyz?verbose=1".
  int minor_version = 1;  // HTTP/1.<minor_version>; 0 or 1.
  // Whether the client lets the connection stay open after the response: HTTP/1.1 unless
  // "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
  bool keep_alive = true;
  size_t content_length = 0;  // From Content-Length; 0 when absent.

  // The target without its query string.
  std::string_view path() const;
};

// Returns the offset just past the blank line that ends the head ("\r\n\r\n"), or npos if
// `buffer` does not hold a complete head yet.
size_t FindHeadEnd(std::string_view buffer);

// Parses a complete head: request line, header lines, each ending in CRLF, then an empty line.
// InvalidArgument for anything malformed: bad tokens, a target not starting with '/', a version
// other than HTTP/1.0 or 1.1, folded or malformed header lines, a bad or conflicting
// Content-Length, any Transfer-Encoding (bodies are not supported), more than 100 headers.
absl::StatusOr<HttpRequestHead> ParseHttpRequestHead(std::string_view head);

// A complete response: status line, Content-Type, Content-Length, Connection, blank line, and
// `body` unless `head_only` (a HEAD request: Content-Length still describes the body).
std::string SerializeHttpResponse(int status, std::string_view content_type, std::string_view body,
                                  bool keep_alive, bool head_only = false,
                                  std::string_view extra_headers = "");

// "OK", "Not Found", ...; "Unknown" for codes the admin server does not use.
std::string_view HttpReasonPhrase(int status);

}  // namespace ntf::observability
