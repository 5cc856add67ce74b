#pragma once

// Header fields as nghttp2 takes them: one field, and a request's whole block. Private to
// libs/http2.

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "ntf/http2/message.h"

namespace ntf::http2::internal {

// A header field pointing at `name` and `value` (nghttp2 copies them when it submits).
inline nghttp2_nv MakeNv(std::string_view name, std::string_view value,
                         uint8_t flags = NGHTTP2_NV_FLAG_NONE) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), flags};
}

struct HeaderBlock {
  std::vector<std::string> storage;  // lowercased names and the content-length value
  absl::InlinedVector<nghttp2_nv, 16> nv;
};

// :method, :scheme https, :authority, :path, then the request's headers with lowercase names (a
// name with uppercase letters gets a lowercased copy), then content-length unless the request
// has one or no body. Headers named in `never_indexed` (lowercase) go out as HPACK "never
// indexed" literals: values that differ on every request (APNs' apns-id) would only churn both
// sides' dynamic tables, evicting what repeats (the provider token). `out.nv` points into
// `request`, `authority` and `out.storage`: they must outlive its use; nghttp2 copies them.
void BuildHeaderBlock(const Request& request, std::string_view authority,
                      absl::Span<const std::string> never_indexed, HeaderBlock& out);

// A response's block, the same way: :status, the headers with lowercase names (those in
// `never_indexed` as never-indexed literals: a fake APNs' apns-id, new on every answer), then
// content-length unless given or the body is empty. `out.nv` points into `response` and
// `out.storage`.
void BuildResponseHeaderBlock(const Response& response, absl::Span<const std::string> never_indexed,
                              HeaderBlock& out);

}  // namespace ntf::http2::internal
