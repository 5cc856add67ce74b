#pragma once

// The HTTP/2 requests the core builds and the responses it reads. Field for field the shape of
// ntf::http2::Request/Response (libs/http2), so the service adapter copies them across; the core
// does not link the HTTP/2 client. Plain values, no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ntf::pusher {

// {name, value}; names are lowercase (HTTP/2).
using HttpHeader = std::pair<std::string, std::string>;
using HttpHeaders = std::vector<HttpHeader>;

struct HttpRequest {
  std::string method = "POST";  // ":method"
  std::string path = "/";       // ":path"; ":scheme"/":authority" come from the connection
  HttpHeaders headers = {};     // regular fields only, in send order
  std::string body = {};
};

struct HttpResponse {
  int status = 0;            // ":status"
  HttpHeaders headers = {};  // without ":status"
  std::string body = {};
};

// The first value of header `name` (ASCII case-insensitive), or nullopt.
std::optional<std::string_view> FindHttpHeader(const HttpHeaders& headers, std::string_view name);

}  // namespace ntf::pusher
