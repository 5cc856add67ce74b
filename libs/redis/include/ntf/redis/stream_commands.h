#pragma once

// The stream commands as pure functions: argument validation, argv building and reply
// parsing. Shared by HiredisStreamClient and the fake (validation), unit-tested without Redis.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/redis/reply.h"
#include "ntf/redis/stream_types.h"

namespace ntf::redis {

// ---- validation (InvalidArgument with a reason) ----
absl::Status ValidatePublish(std::string_view stream, absl::Span<const Fields> entries);
absl::Status ValidateReadGroup(std::string_view stream, std::string_view group,
                               std::string_view consumer, const ReadGroupOptions& read);
absl::Status ValidateCount(int64_t count);
absl::Status ValidatePendingQuery(const PendingQuery& query);

// Milliseconds for BLOCK / IDLE / min-idle-time: rounded up, so a positive duration never
// becomes 0 (which means "forever" for BLOCK).
int64_t ToRedisMillis(absl::Duration d);

// ---- argv builders ----
std::vector<std::string> XaddArgs(std::string_view stream, const Fields& fields,
                                  const PublishOptions& publish);
std::vector<std::string> XgroupCreateArgs(std::string_view stream, std::string_view group,
                                          std::string_view start_id);
std::vector<std::string> XreadgroupArgs(std::string_view stream, std::string_view group,
                                        std::string_view consumer, const ReadGroupOptions& read);
std::vector<std::string> XackArgs(std::string_view stream, std::string_view group,
                                  absl::Span<const std::string> ids);
std::vector<std::string> XautoclaimArgs(std::string_view stream, std::string_view group,
                                        std::string_view consumer, absl::Duration min_idle,
                                        std::string_view start, int64_t count);
std::vector<std::string> XpendingSummaryArgs(std::string_view stream, std::string_view group);
std::vector<std::string> XpendingArgs(std::string_view stream, std::string_view group,
                                      const PendingQuery& query);

// ---- reply parsers (Internal on an unexpected shape) ----
// The entry parsers take the reply by value and move its strings into the entries: pass an
// rvalue (std::move) to parse without copying.
// [[id, [f, v, ...] | nil], ...]
absl::StatusOr<std::vector<StreamEntry>> ParseEntries(Reply reply);
// nil | [[stream, entries]]: the entries of the (only) stream.
absl::StatusOr<std::vector<StreamEntry>> ParseReadGroupReply(Reply reply);
// [cursor, entries, deleted ids (Redis >= 7)]
absl::StatusOr<AutoClaimResult> ParseAutoClaimReply(Reply reply);
// [count, min | nil, max | nil, [[consumer, "n"], ...] | nil]
absl::StatusOr<PendingSummary> ParsePendingSummary(const Reply& reply);
// [[id, consumer, idle ms, deliveries], ...]
absl::StatusOr<std::vector<PendingEntry>> ParsePendingEntries(const Reply& reply);

}  // namespace ntf::redis
