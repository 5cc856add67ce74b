#pragma once

// The header block of a request as nghttp2_submit_request takes it. Private to libs/http2.

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "ntf/http2/message.h"

namespace ntf::http2::internal {

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

}  // namespace ntf::http2::internal
