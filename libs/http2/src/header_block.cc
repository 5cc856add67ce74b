#include "header_block.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"

namespace ntf::http2::internal {
namespace {

// The fields after the pseudo-headers, then content-length if needed (see the header).
// `out.storage` must have room for every header and the length without moving.
void AddFields(const Headers& headers, size_t body_size,
               absl::Span<const std::string> never_indexed, HeaderBlock& out) {
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    std::string_view n = name;
    if (std::any_of(name.begin(), name.end(), absl::ascii_isupper)) {
      n = out.storage.emplace_back(absl::AsciiStrToLower(name));
    }
    has_length = has_length || n == "content-length";
    const bool never =
        std::find(never_indexed.begin(), never_indexed.end(), n) != never_indexed.end();
    out.nv.push_back(MakeNv(n, value, never ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE));
  }
  if (!has_length && body_size > 0) {
    char length[24];
    const std::to_chars_result printed = std::to_chars(length, length + sizeof length, body_size);
    const std::string& value = out.storage.emplace_back(length, printed.ptr);
    out.nv.push_back(MakeNv("content-length", value));
  }
}

}  // namespace

void BuildHeaderBlock(const Request& request, std::string_view authority,
                      absl::Span<const std::string> never_indexed, HeaderBlock& out) {
  out.storage.clear();
  out.nv.clear();
  // Reserved up front: the views into `storage` must not move.
  out.storage.reserve(request.headers.size() + 1);
  out.nv.reserve(request.headers.size() + 5);
  out.nv.push_back(MakeNv(":method", request.method));
  out.nv.push_back(MakeNv(":scheme", "https"));
  out.nv.push_back(MakeNv(":authority", authority));
  out.nv.push_back(MakeNv(":path", request.path));
  AddFields(request.headers, request.body.size(), never_indexed, out);
}

void BuildResponseHeaderBlock(const Response& response, absl::Span<const std::string> never_indexed,
                              HeaderBlock& out) {
  out.storage.clear();
  out.nv.clear();
  // Reserved up front: the views into `storage` must not move.
  out.storage.reserve(response.headers.size() + 2);
  out.nv.reserve(response.headers.size() + 2);
  char status[12];
  const std::to_chars_result printed =
      std::to_chars(status, status + sizeof status, response.status);
  out.nv.push_back(MakeNv(":status", out.storage.emplace_back(status, printed.ptr)));
  AddFields(response.headers, response.body.size(), never_indexed, out);
}

}  // namespace ntf::http2::internal
