#pragma once

// Copies between the core's plain HTTP messages (services/pusher/src/http_message.h) and
// libs/http2's: the same fields, so the core does not link the HTTP/2 client. Pure.

#include "ntf/http2/message.h"
#include "services/pusher/src/http_message.h"

namespace ntf::pusher {

inline http2::Request ToHttp2(HttpRequest request) {
  http2::Request out;
  out.method = std::move(request.method);
  out.path = std::move(request.path);
  out.headers.reserve(request.headers.size());
  for (HttpHeader& h : request.headers)
    out.headers.emplace_back(std::move(h.first), std::move(h.second));
  out.body = std::move(request.body);
  return out;
}

inline HttpResponse FromHttp2(http2::Response response) {
  HttpResponse out;
  out.status = response.status;
  out.headers.reserve(response.headers.size());
  for (http2::Header& h : response.headers) {
    out.headers.emplace_back(std::move(h.first), std::move(h.second));
  }
  out.body = std::move(response.body);
  return out;
}

}  // namespace ntf::pusher
