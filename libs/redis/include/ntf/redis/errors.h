#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace ntf::redis {

// Maps a Redis error reply ("NOGROUP No such key ...") to a status carrying the server's
// message, prefixed with `context` (the command) when given. Pure. By the error's first word:
//   NOGROUP, NOSCRIPT                         -> NotFound
//   BUSYGROUP                                 -> AlreadyExists
//   WRONGTYPE                                 -> FailedPrecondition
//   NOAUTH, WRONGPASS, NOPERM                 -> PermissionDenied
//   LOADING, BUSY, MASTERDOWN, TRYAGAIN, READONLY, CLUSTERDOWN -> Unavailable
//   OOM                                       -> ResourceExhausted
//   EXECABORT                                 -> Aborted
//   ERR (syntax, bad id, wrong arguments)     -> InvalidArgument
//   anything else                             -> Internal
absl::Status StatusFromRedisError(std::string_view message, std::string_view context = {});

}  // namespace ntf::redis
