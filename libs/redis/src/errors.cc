#include "ntf/redis/errors.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace ntf::redis {

absl::Status StatusFromRedisError(std::string_view message, std::string_view context) {
  const std::string_view word = message.substr(0, message.find(' '));
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (word == "NOGROUP" || word == "NOSCRIPT") {
    code = absl::StatusCode::kNotFound;
  } else if (word == "BUSYGROUP") {
    code = absl::StatusCode::kAlreadyExists;
  } else if (word == "WRONGTYPE") {
    code = absl::StatusCode::kFailedPrecondition;
  } else if (word == "NOAUTH" || word == "WRONGPASS" || word == "NOPERM") {
    code = absl::StatusCode::kPermissionDenied;
  } else if (word == "LOADING" || word == "BUSY" || word == "MASTERDOWN" || word == "TRYAGAIN" ||
             word == "READONLY" || word == "CLUSTERDOWN") {
    code = absl::StatusCode::kUnavailable;
  } else if (word == "OOM") {
    code = absl::StatusCode::kResourceExhausted;
  } else if (word == "EXECABORT") {
    code = absl::StatusCode::kAborted;
  } else if (word == "ERR") {
    code = absl::StatusCode::kInvalidArgument;
  }
  if (context.empty()) return absl::Status(code, std::string(message));
  return absl::Status(code, absl::StrCat(std::string(context), ": ", std::string(message)));
}

}  // namespace ntf::redis
