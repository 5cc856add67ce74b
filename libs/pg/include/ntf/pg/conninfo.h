#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ntf::pg {

// Per-connection settings every pool connection gets, on top of the operator's conninfo.
struct ConnectOptions {
  // libpq connect_timeout: bounds the TCP connect plus authentication. libpq counts whole
  // seconds (rounded up here) with a minimum of 2 s; zero means "wait forever" and is rejected.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Server-side statement_timeout for every statement (SQLSTATE 57014 -> DeadlineExceeded).
  // Zero keeps the server's default (usually "none").
  absl::Duration statement_timeout = absl::Seconds(30);
  // Kernel bound on unacknowledged outgoing data (libpq tcp_user_timeout): a peer that vanished
  // without a FIN/RST is noticed mid-query instead of after the kernel's ~15 min. Zero = off.
  absl::Duration tcp_user_timeout = absl::Seconds(30);
  // Shown in pg_stat_activity; lets operators (and tests) find this process' backends.
  std::string application_name = "simplex-ntf";
  // Schema search path, e.g. "ntf" or "t_1234,public". Empty keeps the server's default.
  std::string search_path;
};

// Merges `options` into `base`, which is anything libpq accepts (a postgresql:// URL or
// "key=value ..."), and returns an equivalent "key='value' ..." string. Keys from `options`
// win over the same keys in `base`; server options (-c statement_timeout, -c search_path) are
// appended to any `options` keyword already in `base`. Pure: parses only, never connects.
// InvalidArgument when `base` does not parse or an option is out of range.
absl::StatusOr<std::string> BuildConninfo(std::string_view base, const ConnectOptions& options);

}  // namespace ntf::pg
