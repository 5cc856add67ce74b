#include "ntf/pg/errors.h"

#include <exception>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

// libpq messages end in newlines and carry a "ERROR:  " prefix; keep the text readable.
std::string CleanMessage(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  }
  return std::string(message);
}

}  // namespace

absl::StatusCode StatusCodeForSqlState(std::string_view sqlstate) {
  using absl::StatusCode;
  if (sqlstate.size() != 5) return StatusCode::kInternal;
  const std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate == "23505" || sqlstate == "23P01") return StatusCode::kAlreadyExists;
  if (sqlstate == "23502" || sqlstate == "23514") return StatusCode::kInvalidArgument;
  if (cls == "23") return StatusCode::kFailedPrecondition;
  if (cls == "22") return StatusCode::kInvalidArgument;
  if (cls == "40" || sqlstate == "55P03") return StatusCode::kAborted;
  if (sqlstate == "57014") return StatusCode::kDeadlineExceeded;
  if (cls == "08" || sqlstate.starts_with("57P")) return StatusCode::kUnavailable;
  if (cls == "53") return StatusCode::kResourceExhausted;
  if (cls == "28" || sqlstate == "42501") return StatusCode::kPermissionDenied;
  return StatusCode::kInternal;
}

absl::Status StatusFromSqlState(std::string_view sqlstate, std::string_view message) {
  absl::Status status(StatusCodeForSqlState(sqlstate),
                      absl::StrCat("[", std::string(sqlstate), "] ", CleanMessage(message)));
  status.SetPayload(std::string(kSqlStatePayload), absl::Cord(std::string(sqlstate)));
  return status;
}

std::optional<std::string> SqlStateOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(std::string(kSqlStatePayload));
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("database connection lost: ", CleanMessage(e.what())));
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnknownError(
        absl::StrCat("commit outcome unknown (connection lost): ", CleanMessage(e.what())));
  } catch (const pqxx::statement_completion_unknown& e) {
    return absl::UnknownError(absl::StrCat("statement outcome unknown: ", CleanMessage(e.what())));
  } catch (const pqxx::transaction_rollback& e) {
    return absl::AbortedError(absl::StrCat("transaction rolled back: ", CleanMessage(e.what())));
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate().empty()) return absl::InternalError(CleanMessage(e.what()));
    return StatusFromSqlState(e.sqlstate(), e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(CleanMessage(e.what()));
  } catch (...) {
    return absl::UnknownError("unknown exception in database job");
  }
}

}  // namespace ntf::pg
