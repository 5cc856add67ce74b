#include "ntf/observability/http1.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ntf/common/http_token.h"

namespace ntf::observability {
namespace {

constexpr int kMaxHeaders = 100;

// Visible ASCII, no spaces: what an origin-form target may contain (we do not decode it).
bool IsTargetChar(unsigned char c) { return c > 0x20 && c < 0x7f; }

// Field values: visible characters, spaces, tabs, and obs-text (bytes >= 0x80).
bool IsFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\t' || c == ' ' || c >= 0x80) continue;
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("bad HTTP request: ", std::string(what)));
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

}  // namespace

std::string_view HttpRequestHead::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

size_t FindHeadEnd(std::string_view buffer) {
  const size_t pos = buffer.find("\r\n\r\n");
  return pos == std::string_view::npos ? std::string_view::npos : pos + 4;
}

absl::StatusOr<HttpRequestHead> ParseHttpRequestHead(std::string_view head) {
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") {
    return Bad("head must end with an empty line");
  }
  head.remove_suffix(2);  // Every line, including the last header, now ends in "\r\n".

  HttpRequestHead out;
  bool first = true;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool have_length = false;
  int headers = 0;
  while (!head.empty()) {
    const size_t eol = head.find("\r\n");
    if (eol == std::string_view::npos) return Bad("line without CRLF");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) return Bad("bare CR or LF");

    if (first) {
      first = false;
      const size_t sp1 = line.find(' ');
      const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos) return Bad("malformed request line");
      const std::string_view method = line.substr(0, sp1);
      const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string_view version = line.substr(sp2 + 1);
      if (!common::IsHttpToken(method)) return Bad("malformed method");
      if (target.empty() || target.front() != '/') return Bad("target must start with '/'");
      for (unsigned char c : target) {
        if (!IsTargetChar(c)) return Bad("malformed target");
      }
      if (version == "HTTP/1.1") {
        out.minor_version = 1;
      } else if (version == "HTTP/1.0") {
        out.minor_version = 0;
      } else {
        return Bad("unsupported HTTP version");
      }
      out.method = std::string(method);
      out.target = std::string(target);
      continue;
    }

    if (++headers > kMaxHeaders) return Bad("too many headers");
    if (line.empty()) return Bad("empty header line");
    if (line.front() == ' ' || line.front() == '\t') return Bad("folded header line");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Bad("header line without ':'");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (!common::IsHttpToken(name)) return Bad("malformed header name");
    if (!IsFieldValue(value)) return Bad("malformed header value");

    if (EqualsIgnoreCase(name, "Content-Length")) {
      size_t n = 0;
      if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos ||
          value.size() > 18 ||
          !absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &n)) {
        return Bad("malformed Content-Length");
      }
      if (have_length && n != out.content_length) return Bad("conflicting Content-Length");
      have_length = true;
      out.content_length = n;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return Bad("Transfer-Encoding is not supported");
    } else if (EqualsIgnoreCase(name, "Connection")) {
      for (absl::string_view option :
           absl::StrSplit(absl::string_view(value.data(), value.size()), ',')) {
        option = absl::StripAsciiWhitespace(option);
        if (absl::EqualsIgnoreCase(option, "close")) connection_close = true;
        if (absl::EqualsIgnoreCase(option, "keep-alive")) connection_keep_alive = true;
      }
    }
  }
  if (first) return Bad("empty request");
  out.keep_alive =
      out.minor_version == 1 ? !connection_close : (connection_keep_alive && !connection_close);
  return out;
}

std::string_view HttpReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string SerializeHttpResponse(int status, std::string_view content_type, std::string_view body,
                                  bool keep_alive, bool head_only, std::string_view extra_headers) {
  std::string out = absl::StrCat(
      "HTTP/1.1 ", status, " ", std::string(HttpReasonPhrase(status)),
      "\r\nContent-Type: ", std::string(content_type), "\r\nContent-Length: ", body.size(),
      "\r\nCache-Control: no-store\r\nConnection: ", keep_alive ? "keep-alive" : "close", "\r\n",
      std::string(extra_headers), "\r\n");
  if (!head_only) out.append(body);
  return out;
}

}  // namespace ntf::observability
