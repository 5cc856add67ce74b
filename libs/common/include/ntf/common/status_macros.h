#pragma once

// Early-return helpers for absl::Status / absl::StatusOr.
//
//   NTF_RETURN_IF_ERROR(WriteHeader(out));
//   NTF_ASSIGN_OR_RETURN(Frame frame, DecodeFrame(bytes));

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NTF_STATUS_CONCAT_INNER_(a, b) a##b
#define NTF_STATUS_CONCAT_(a, b) NTF_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) once; returns it from the enclosing function if not OK.
#define NTF_RETURN_IF_ERROR(expr)                                        \
  do {                                                                   \
    ::absl::Status ntf_status_macro_status_ = (expr);                    \
    if (!ntf_status_macro_status_.ok()) return ntf_status_macro_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; on error returns its status, otherwise moves
// the value into `lhs` (a declaration such as `Frame f` or an existing lvalue).
#define NTF_ASSIGN_OR_RETURN(lhs, rexpr) \
  NTF_ASSIGN_OR_RETURN_IMPL_(NTF_STATUS_CONCAT_(ntf_statusor_, __LINE__), lhs, rexpr)

#define NTF_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)   \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
