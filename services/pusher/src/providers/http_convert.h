#pragma once

// Moves between the core's plain HTTP messages (services/pusher/src/http_message.h) and
// libs/http2's: the same fields, so the core does not link the HTTP/2 client. Pure; nothing is
// copied.

#include <type_traits>
#include <utility>

#include "ntf/http2/message.h"
#include "services/pusher/src/http_message.h"

namespace ntf::pusher {

// The header lists are the same type, so they move across whole, like the strings.
static_assert(std::is_same_v<HttpHeaders, http2::Headers>);

inline http2::Request ToHttp2(HttpRequest request) {
  http2::Request out;
  out.method = std::move(request.method);
  out.path = std::move(request.path);
  out.headers = std::move(request.headers);
  out.body = std::move(request.body);
  return out;
}

inline HttpResponse FromHttp2(http2::Response response) {
  HttpResponse out;
  out.status = response.status;
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return out;
}

}  // namespace ntf::pusher
