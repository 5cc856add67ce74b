#include "services/pusher/src/http_message.h"

#include "absl/strings/match.h"

namespace ntf::pusher {

std::optional<std::string_view> FindHttpHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, absl::string_view(name.data(), name.size()))) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

}  // namespace ntf::pusher
