#include "ntf/redis/stream_commands.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ntf::redis {
namespace {

absl::Status Malformed(std::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected redis reply shape: ", std::string(what)));
}

std::string S(std::string_view v) { return std::string(v); }

bool AsString(const Reply& r, std::string* out) {
  if (r.type != Reply::Type::kString && r.type != Reply::Type::kStatus) return false;
  *out = r.str;
  return true;
}

bool AsInt(const Reply& r, int64_t* out) {
  if (r.is_integer()) {
    *out = r.integer;
    return true;
  }
  return r.is_string() && absl::SimpleAtoi(r.str, out);
}

// Moves the string out of `r` (replies are parsed once; per entry this saves a copy of the id
// and of every field name and value).
bool TakeString(Reply& r, std::string* out) {
  if (r.type != Reply::Type::kString && r.type != Reply::Type::kStatus) return false;
  *out = std::move(r.str);
  return true;
}

absl::StatusOr<StreamEntry> ParseEntry(Reply& r) {
  if (!r.is_array() || r.elements.size() != 2) return Malformed("stream entry");
  StreamEntry entry;
  if (!TakeString(r.elements[0], &entry.id)) return Malformed("stream entry id");
  Reply& fields = r.elements[1];
  if (fields.is_nil()) return entry;  // pending, but deleted from the stream
  if (!fields.is_array() || fields.elements.size() % 2 != 0) return Malformed("entry fields");
  entry.fields.reserve(fields.elements.size() / 2);
  for (size_t i = 0; i < fields.elements.size(); i += 2) {
    std::string name, value;
    if (!TakeString(fields.elements[i], &name) || !TakeString(fields.elements[i + 1], &value)) {
      return Malformed("entry field");
    }
    entry.fields.emplace_back(std::move(name), std::move(value));
  }
  return entry;
}

}  // namespace

absl::Status ValidatePublish(std::string_view stream, absl::Span<const Fields> entries) {
  if (stream.empty()) return absl::InvalidArgumentError("empty stream name");
  for (const Fields& fields : entries) {
    if (fields.empty()) return absl::InvalidArgumentError("stream entry without fields");
  }
  return absl::OkStatus();
}

absl::Status ValidateCount(int64_t count) {
  if (count <= 0) return absl::InvalidArgumentError("COUNT must be > 0");
  return absl::OkStatus();
}

absl::Status ValidateReadGroup(std::string_view stream, std::string_view group,
                               std::string_view consumer, const ReadGroupOptions& read) {
  if (stream.empty() || group.empty() || consumer.empty()) {
    return absl::InvalidArgumentError("empty stream, group or consumer name");
  }
  if (read.start_id.empty()) return absl::InvalidArgumentError("empty start id");
  if (read.block < absl::ZeroDuration()) return absl::InvalidArgumentError("negative BLOCK");
  return ValidateCount(read.count);
}

absl::Status ValidatePendingQuery(const PendingQuery& query) {
  if (query.start.empty() || query.end.empty()) return absl::InvalidArgumentError("empty range");
  if (query.min_idle < absl::ZeroDuration()) return absl::InvalidArgumentError("negative IDLE");
  return ValidateCount(query.count);
}

int64_t ToRedisMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
}

std::vector<std::string> XaddArgs(std::string_view stream, const Fields& fields,
                                  const PublishOptions& publish) {
  std::vector<std::string> argv;
  argv.reserve(6 + 2 * fields.size());
  argv.push_back("XADD");
  argv.push_back(S(stream));
  if (publish.max_len > 0) {
    argv.push_back("MAXLEN");
    argv.push_back("~");
    argv.push_back(absl::StrCat(publish.max_len));
  }
  argv.push_back("*");
  for (const auto& [name, value] : fields) {
    argv.push_back(name);
    argv.push_back(value);
  }
  return argv;
}

std::vector<std::string> XgroupCreateArgs(std::string_view stream, std::string_view group,
                                          std::string_view start_id) {
  return {"XGROUP", "CREATE", S(stream), S(group), S(start_id), "MKSTREAM"};
}

std::vector<std::string> XreadgroupArgs(std::string_view stream, std::string_view group,
                                        std::string_view consumer, const ReadGroupOptions& read) {
  std::vector<std::string> argv = {"XREADGROUP", "GROUP", S(group),
                                   S(consumer),  "COUNT", absl::StrCat(read.count)};
  if (read.block > absl::ZeroDuration()) {
    argv.push_back("BLOCK");
    argv.push_back(absl::StrCat(ToRedisMillis(read.block)));
  }
  argv.push_back("STREAMS");
  argv.push_back(S(stream));
  argv.push_back(read.start_id);
  return argv;
}

std::vector<std::string> XackArgs(std::string_view stream, std::string_view group,
                                  absl::Span<const std::string> ids) {
  std::vector<std::string> argv = {"XACK", S(stream), S(group)};
  argv.insert(argv.end(), ids.begin(), ids.end());
  return argv;
}

std::vector<std::string> XautoclaimArgs(std::string_view stream, std::string_view group,
                                        std::string_view consumer, absl::Duration min_idle,
                                        std::string_view start, int64_t count) {
  return {"XAUTOCLAIM",
          S(stream),
          S(group),
          S(consumer),
          absl::StrCat(ToRedisMillis(min_idle)),
          S(start),
          "COUNT",
          absl::StrCat(count)};
}

std::vector<std::string> XpendingSummaryArgs(std::string_view stream, std::string_view group) {
  return {"XPENDING", S(stream), S(group)};
}

std::vector<std::string> XpendingArgs(std::string_view stream, std::string_view group,
                                      const PendingQuery& query) {
  std::vector<std::string> argv = {"XPENDING", S(stream), S(group)};
  if (query.min_idle > absl::ZeroDuration()) {
    argv.push_back("IDLE");
    argv.push_back(absl::StrCat(ToRedisMillis(query.min_idle)));
  }
  argv.push_back(query.start);
  argv.push_back(query.end);
  argv.push_back(absl::StrCat(query.count));
  if (!query.consumer.empty()) argv.push_back(query.consumer);
  return argv;
}

absl::StatusOr<std::vector<StreamEntry>> ParseEntries(Reply reply) {
  std::vector<StreamEntry> entries;
  if (reply.is_nil()) return entries;
  if (!reply.is_array()) return Malformed("entry list");
  entries.reserve(reply.elements.size());
  for (Reply& element : reply.elements) {
    if (element.is_nil()) continue;  // Redis 6.2 XAUTOCLAIM: claimed id whose entry is gone
    absl::StatusOr<StreamEntry> entry = ParseEntry(element);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<StreamEntry>> ParseReadGroupReply(Reply reply) {
  if (reply.is_nil()) return std::vector<StreamEntry>();
  if (!reply.is_array()) return Malformed("XREADGROUP reply");
  if (reply.elements.empty()) return std::vector<StreamEntry>();
  Reply& stream = reply.elements[0];
  if (!stream.is_array() || stream.elements.size() != 2) return Malformed("XREADGROUP stream");
  return ParseEntries(std::move(stream.elements[1]));
}

absl::StatusOr<AutoClaimResult> ParseAutoClaimReply(Reply reply) {
  if (!reply.is_array() || reply.elements.size() < 2) return Malformed("XAUTOCLAIM reply");
  AutoClaimResult result;
  if (!AsString(reply.elements[0], &result.next_cursor)) return Malformed("XAUTOCLAIM cursor");
  absl::StatusOr<std::vector<StreamEntry>> entries = ParseEntries(std::move(reply.elements[1]));
  if (!entries.ok()) return entries.status();
  result.entries = *std::move(entries);
  if (reply.elements.size() >= 3) {
    const Reply& deleted = reply.elements[2];
    if (!deleted.is_array()) return Malformed("XAUTOCLAIM deleted ids");
    for (const Reply& id : deleted.elements) {
      std::string s;
      if (!AsString(id, &s)) return Malformed("XAUTOCLAIM deleted id");
      result.deleted_ids.push_back(std::move(s));
    }
  }
  return result;
}

absl::StatusOr<PendingSummary> ParsePendingSummary(const Reply& reply) {
  if (!reply.is_array() || reply.elements.size() != 4) return Malformed("XPENDING summary");
  PendingSummary summary;
  if (!AsInt(reply.elements[0], &summary.count)) return Malformed("XPENDING count");
  if (!reply.elements[1].is_nil() && !AsString(reply.elements[1], &summary.min_id)) {
    return Malformed("XPENDING min id");
  }
  if (!reply.elements[2].is_nil() && !AsString(reply.elements[2], &summary.max_id)) {
    return Malformed("XPENDING max id");
  }
  const Reply& consumers = reply.elements[3];
  if (consumers.is_nil()) return summary;
  if (!consumers.is_array()) return Malformed("XPENDING consumers");
  for (const Reply& c : consumers.elements) {
    std::string name;
    int64_t count = 0;
    if (!c.is_array() || c.elements.size() != 2 || !AsString(c.elements[0], &name) ||
        !AsInt(c.elements[1], &count)) {
      return Malformed("XPENDING consumer");
    }
    summary.consumers.emplace_back(std::move(name), count);
  }
  return summary;
}

absl::StatusOr<std::vector<PendingEntry>> ParsePendingEntries(const Reply& reply) {
  if (!reply.is_array()) return Malformed("XPENDING entries");
  std::vector<PendingEntry> entries;
  entries.reserve(reply.elements.size());
  for (const Reply& e : reply.elements) {
    PendingEntry entry;
    int64_t idle_ms = 0;
    if (!e.is_array() || e.elements.size() != 4 || !AsString(e.elements[0], &entry.id) ||
        !AsString(e.elements[1], &entry.consumer) || !AsInt(e.elements[2], &idle_ms) ||
        !AsInt(e.elements[3], &entry.deliveries)) {
      return Malformed("XPENDING entry");
    }
    entry.idle = absl::Milliseconds(idle_ms);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace ntf::redis
