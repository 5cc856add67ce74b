#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ntf::pg {

// The status payload URL under which StatusFromSqlState() stores the SQLSTATE.
inline constexpr std::string_view kSqlStatePayload = "type.simplex-ntf/pg.sqlstate";

// Maps a five-character PostgreSQL SQLSTATE to a status code. Pure.
//   23505 unique_violation, 23P01 exclusion_violation      -> AlreadyExists
//   23503 foreign_key_violation, other class 23              -> FailedPrecondition
//   23502 not_null_violation, 23514 check_violation, class 22 (data exception,
//         e.g. invalid input syntax)                         -> InvalidArgument
//   class 40 (serialization failure, deadlock), 55P03 (lock not available) -> Aborted
//   57014 query_canceled (statement_timeout)                 -> DeadlineExceeded
//   class 08 (connection), 57P01..57P05 (server shutdown, terminated backend) -> Unavailable
//   class 53 (insufficient resources)                        -> ResourceExhausted
//   class 28 (authorization), 42501 (insufficient privilege) -> PermissionDenied
//   anything else (syntax error, undefined table, ...)       -> Internal
absl::StatusCode StatusCodeForSqlState(std::string_view sqlstate);

// A status with the code above, "[SQLSTATE] message" as its message and the SQLSTATE attached
// as payload kSqlStatePayload.
absl::Status StatusFromSqlState(std::string_view sqlstate, std::string_view message);

// The SQLSTATE carried by a status built by this library, if any.
std::optional<std::string> SqlStateOf(const absl::Status& status);

// Converts the exception currently being handled (call only inside a catch block) into a status:
//   pqxx::broken_connection                  -> Unavailable
//   pqxx::in_doubt_error, statement_completion_unknown -> Unknown (commit outcome unknown)
//   pqxx::serialization_failure, deadlock_detected, transaction_rollback -> Aborted
//   pqxx::sql_error                          -> StatusFromSqlState(sqlstate, what)
//   any other std::exception (pqxx usage/conversion/range errors, user code) -> Internal
//   anything else                            -> Unknown
absl::Status StatusFromCurrentException();

// Runs `body` (returning absl::Status or absl::StatusOr<T>) and turns an exception it throws into
// StatusFromCurrentException(): for code that reads pqxx results outside Pool::Run.
template <typename F>
auto Guard(F body) -> decltype(body()) {
  try {
    return body();
  } catch (...) {
    return StatusFromCurrentException();
  }
}

}  // namespace ntf::pg
