// Feeds arbitrary bytes to the admin server's request parser: it must return a result or an
// error, never crash, and a parsed head must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ntf/observability/http1.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t end = ntf::observability::FindHeadEnd(input);
  const std::string_view head = end == std::string_view::npos ? input : input.substr(0, end);
  auto parsed = ntf::observability::ParseHttpRequestHead(head);
  if (parsed.ok()) {
    if (parsed->target.empty() || parsed->target[0] != '/') std::abort();
    if (parsed->path().size() > parsed->target.size()) std::abort();
    (void)ntf::observability::SerializeHttpResponse(200, "text/plain", parsed->target,
                                                    parsed->keep_alive);
  }
  return 0;
}
