#pragma once

// internal: how a job's function `fn(pqxx::work&)` becomes the status a connection runs and the
// result handed to the caller, for Pool and Session alike:
//   void or absl::Status        -> absl::Status
//   T or absl::StatusOr<T>      -> absl::StatusOr<T>

#include <optional>
#include <pqxx/pqxx>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ntf::pg::internal {

template <typename R>
struct JobResult {
  using Type = absl::StatusOr<R>;
  using Value = R;
};
template <>
struct JobResult<void> {
  using Type = absl::Status;
  using Value = std::monostate;
};
template <>
struct JobResult<absl::Status> {
  using Type = absl::Status;
  using Value = std::monostate;
};
template <typename T>
struct JobResult<absl::StatusOr<T>> {
  using Type = absl::StatusOr<T>;
  using Value = T;
};

template <typename Fn>
using JobReturn = std::invoke_result_t<Fn&, pqxx::work&>;
template <typename Fn>
using JobResultType = typename JobResult<JobReturn<Fn>>::Type;
// Where a job's value waits between the transaction and the caller.
template <typename Fn>
using JobSlot = std::optional<typename JobResult<JobReturn<Fn>>::Value>;

// Runs fn(tx): its status decides commit or rollback; a value goes to `slot`. `tx` is the
// job's pqxx::work, or a pqxx::nontransaction for a Session::Read job.
template <typename Fn, typename Tx>
absl::Status CallJob(Fn& fn, Tx& tx, JobSlot<Fn>& slot) {
  using R = JobReturn<Fn>;
  if constexpr (std::is_void_v<R>) {
    fn(tx);
    return absl::OkStatus();
  } else if constexpr (std::is_same_v<R, absl::Status>) {
    return fn(tx);
  } else if constexpr (std::is_same_v<R, JobResultType<Fn>>) {  // absl::StatusOr<T>
    R result = fn(tx);
    if (!result.ok()) return result.status();
    slot.emplace(*std::move(result));
    return absl::OkStatus();
  } else {
    slot.emplace(fn(tx));
    return absl::OkStatus();
  }
}

// The caller's result: the job's status, or its value once it committed.
template <typename Fn>
JobResultType<Fn> TakeResult(absl::Status status, JobSlot<Fn>& slot) {
  using Result = JobResultType<Fn>;
  if constexpr (std::is_same_v<Result, absl::Status>) {
    return status;
  } else {
    if (!status.ok()) return Result(std::move(status));
    return Result(*std::move(slot));
  }
}

}  // namespace ntf::pg::internal
