#pragma once

// A minimal blocking HTTP/1.1 GET on 127.0.0.1 for tests of admin endpoints.

#include <string>

#include "absl/status/statusor.h"

namespace ntf::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Unavailable if the connection fails; InvalidArgument if the answer is not HTTP.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path);

}  // namespace ntf::testing
