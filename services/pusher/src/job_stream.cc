#include "services/pusher/src/job_stream.h"

#include <algorithm>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "ntf/redis/stream_commands.h"

namespace ntf::pusher {
namespace {

// A RESP2 flat [key, value, ...] array as a map (values kept as replies).
std::map<std::string, redis::Reply> FlatMap(const redis::Reply& reply) {
  std::map<std::string, redis::Reply> out;
  if (!reply.is_array()) return out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[reply.elements[i].str] = reply.elements[i + 1];
  }
  return out;
}

std::vector<JobEntry> ToJobEntries(std::vector<redis::StreamEntry> entries, int64_t deliveries) {
  std::vector<JobEntry> out;
  out.reserve(entries.size());
  for (redis::StreamEntry& e : entries) {
    out.push_back({.id = std::move(e.id), .fields = std::move(e.fields), .deliveries = deliveries});
  }
  return out;
}

constexpr size_t kKeepOwnedChunk = 1000;

}  // namespace

std::optional<StreamId> StreamId::Parse(std::string_view text) {
  // Digits only (no sign, no blanks), at most 2^64 - 1.
  auto decimal = [](std::string_view digits, uint64_t& out) {
    if (digits.empty()) return false;
    uint64_t v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
      v = v * 10 + d;
    }
    out = v;
    return true;
  };
  const size_t dash = text.find('-');
  StreamId out;
  if (!decimal(text.substr(0, dash), out.ms)) return std::nullopt;
  if (dash != std::string_view::npos && !decimal(text.substr(dash + 1), out.seq)) {
    return std::nullopt;
  }
  return out;
}

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

std::optional<absl::Time> StreamIdTime(std::string_view id) {
  std::optional<StreamId> parsed = StreamId::Parse(id);
  if (!parsed) return std::nullopt;
  return absl::FromUnixMillis(static_cast<int64_t>(parsed->ms));
}

std::optional<std::string> JobStreamStats::LowWaterId() const {
  std::optional<StreamId> low;
  for (const std::optional<std::string>& candidate : {oldest_pending_id, oldest_unread_id}) {
    if (!candidate) continue;
    std::optional<StreamId> id = StreamId::Parse(*candidate);
    if (id && (!low || *id < *low)) low = id;
  }
  if (!low) return std::nullopt;
  return low->ToString();
}

std::optional<std::string> JobStreamStats::TrimBelowId() const {
  if (!group_exists) return std::nullopt;
  if (std::optional<std::string> low = LowWaterId()) return low;
  std::optional<StreamId> last = StreamId::Parse(last_delivered_id);
  if (!last) return std::nullopt;
  last->seq += 1;
  return last->ToString();
}

RedisJobStream::RedisJobStream(std::unique_ptr<redis::HiredisStreamClient> client,
                               JobStreamNames names, redis::CommandOptions options)
    : client_(std::move(client)), names_(std::move(names)), options_(options) {}

absl::Status RedisJobStream::EnsureGroup() {
  return client_->EnsureGroup(names_.stream, names_.group, "0", options_);
}

absl::StatusOr<std::vector<JobEntry>> RedisJobStream::ReadNew(int64_t count, absl::Duration block) {
  redis::ReadGroupOptions read;
  read.count = count;
  read.block = block;
  read.start_id = ">";
  absl::StatusOr<std::vector<redis::StreamEntry>> entries =
      client_->ReadGroup(names_.stream, names_.group, names_.consumer, read, options_);
  if (!entries.ok()) return entries.status();
  return ToJobEntries(*std::move(entries), 1);
}

absl::StatusOr<std::vector<JobEntry>> RedisJobStream::ReadOwnPending(std::string_view after,
                                                                     int64_t count) {
  redis::ReadGroupOptions read;
  read.count = count;
  read.start_id = std::string(after);
  absl::StatusOr<std::vector<redis::StreamEntry>> entries =
      client_->ReadGroup(names_.stream, names_.group, names_.consumer, read, options_);
  if (!entries.ok()) return entries.status();
  std::vector<JobEntry> out = ToJobEntries(*std::move(entries), 2);
  if (absl::Status s = FillDeliveries(out); !s.ok()) return s;
  return out;
}

absl::StatusOr<JobClaim> RedisJobStream::ClaimIdle(absl::Duration min_idle, std::string_view cursor,
                                                   int64_t count) {
  absl::StatusOr<redis::AutoClaimResult> claimed = client_->AutoClaim(
      names_.stream, names_.group, names_.consumer, min_idle, cursor, count, options_);
  if (!claimed.ok()) return claimed.status();
  JobClaim out;
  out.next_cursor = std::move(claimed->next_cursor);
  out.entries = ToJobEntries(std::move(claimed->entries), 2);
  out.deleted_ids = std::move(claimed->deleted_ids);
  if (absl::Status s = FillDeliveries(out.entries); !s.ok()) return s;
  return out;
}

// KEYS[1] stream; ARGV: group, consumer, ids in stream order. For each id still pending for this
// consumer, XCLAIM it (min-idle 0) and collect the entry; XCLAIM drops a trimmed one from the PEL.
constexpr std::string_view kReclaimScript = R"lua(
local group, consumer = ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], group, ARGV[i], ARGV[i], 1)
  if #p == 1 and p[1][2] == consumer then
    local e = redis.call('XCLAIM', KEYS[1], group, consumer, 0, ARGV[i])
    if e[1] then out[#out + 1] = e[1] end
  end
end
return out
)lua";

absl::StatusOr<std::vector<JobEntry>> RedisJobStream::Reclaim(absl::Span<const std::string> ids) {
  if (ids.empty()) return std::vector<JobEntry>{};
  // Stream order, so that FillDeliveries' XPENDING range covers them all.
  std::vector<std::pair<StreamId, std::string_view>> sorted;
  sorted.reserve(ids.size());
  for (const std::string& id : ids) {
    std::optional<StreamId> parsed = StreamId::Parse(id);
    if (!parsed) return absl::InvalidArgumentError(absl::StrCat("bad stream id ", id));
    sorted.emplace_back(*parsed, id);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> argv = {
      "EVAL", std::string(kReclaimScript), "1", names_.stream, names_.group, names_.consumer};
  argv.reserve(argv.size() + sorted.size());
  for (const auto& [parsed, id] : sorted) argv.emplace_back(id);
  absl::StatusOr<redis::Reply> reply = client_->Command(argv, options_);
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::vector<redis::StreamEntry>> entries = redis::ParseEntries(*std::move(reply));
  if (!entries.ok()) return entries.status();
  std::vector<JobEntry> out = ToJobEntries(*std::move(entries), 2);
  if (absl::Status s = FillDeliveries(out); !s.ok()) return s;
  return out;
}

absl::Status RedisJobStream::FillDeliveries(std::vector<JobEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  redis::PendingQuery query;
  query.start = entries.front().id;
  query.end = entries.back().id;
  query.count = 10000;
  query.consumer = names_.consumer;
  absl::StatusOr<std::vector<redis::PendingEntry>> pending =
      client_->PendingEntries(names_.stream, names_.group, query, options_);
  if (!pending.ok()) return pending.status();
  std::map<std::string, int64_t, std::less<>> counts;
  for (const redis::PendingEntry& p : *pending) counts[p.id] = p.deliveries;
  for (JobEntry& e : entries) {
    auto it = counts.find(e.id);
    if (it != counts.end()) e.deliveries = it->second;
  }
  return absl::OkStatus();
}

absl::Status RedisJobStream::Ack(absl::Span<const std::string> ids) {
  if (ids.empty()) return absl::OkStatus();
  return client_->Ack(names_.stream, names_.group, ids, options_).status();
}

absl::Status RedisJobStream::DeadLetter(std::string_view id, const redis::Fields& fields) {
  return client_
      ->DeadLetter(names_.stream, names_.group, id, names_.dead_stream, fields,
                   redis::PublishOptions{.max_len = names_.dead_max_len}, options_)
      .status();
}

absl::Status RedisJobStream::Xclaim(absl::Span<const std::string> ids,
                                    const std::vector<std::string>& options) {
  for (size_t i = 0; i < ids.size(); i += kKeepOwnedChunk) {
    std::vector<std::string> argv = {"XCLAIM", names_.stream, names_.group, names_.consumer, "0"};
    const size_t end = std::min(ids.size(), i + kKeepOwnedChunk);
    for (size_t j = i; j < end; ++j) argv.push_back(ids[j]);
    argv.insert(argv.end(), options.begin(), options.end());
    absl::StatusOr<redis::Reply> reply = client_->Command(argv, options_);
    if (!reply.ok()) return reply.status();
  }
  return absl::OkStatus();
}

absl::Status RedisJobStream::KeepOwned(absl::Span<const std::string> ids) {
  return Xclaim(ids, {"JUSTID"});
}

absl::Status RedisJobStream::Release(absl::Span<const std::string> ids, absl::Duration idle) {
  return Xclaim(ids, {"IDLE", absl::StrCat(redis::ToRedisMillis(idle)), "JUSTID"});
}

absl::StatusOr<std::vector<std::string>> RedisJobStream::Add(
    absl::Span<const redis::Fields> entries) {
  if (entries.empty()) return std::vector<std::string>{};
  return client_->Publish(names_.stream, entries, {}, options_);
}

absl::StatusOr<JobStreamStats> RedisJobStream::Stats() {
  JobStreamStats stats;
  absl::StatusOr<int64_t> len = client_->Len(names_.stream, options_);
  if (!len.ok()) return len.status();
  stats.length = *len;
  absl::StatusOr<int64_t> dead = client_->Len(names_.dead_stream, options_);
  if (!dead.ok()) return dead.status();
  stats.dead_length = *dead;
  if (stats.length == 0) {
    // XINFO GROUPS fails on a missing key; an empty stream may still have the group.
    absl::StatusOr<redis::Reply> exists = client_->Command({"EXISTS", names_.stream}, options_);
    if (!exists.ok()) return exists.status();
    if (exists->integer == 0) return stats;
  }
  absl::StatusOr<redis::Reply> groups =
      client_->Command({"XINFO", "GROUPS", names_.stream}, options_);
  if (!groups.ok()) return groups.status();
  for (const redis::Reply& g : groups->elements) {
    std::map<std::string, redis::Reply> info = FlatMap(g);
    if (info["name"].str != names_.group) continue;
    stats.group_exists = true;
    stats.pending = info["pending"].integer;
    stats.last_delivered_id = info["last-delivered-id"].str;
    if (info.count("lag") != 0 && info["lag"].is_integer()) stats.lag = info["lag"].integer;
  }
  if (!stats.group_exists) return stats;
  if (stats.pending > 0) {
    absl::StatusOr<redis::PendingSummary> summary =
        client_->Pending(names_.stream, names_.group, options_);
    if (!summary.ok()) return summary.status();
    if (summary->count > 0) stats.oldest_pending_id = summary->min_id;
  }
  absl::StatusOr<redis::Reply> next = client_->Command(
      {"XRANGE", names_.stream, absl::StrCat("(", stats.last_delivered_id), "+", "COUNT", "1"},
      options_);
  if (!next.ok()) return next.status();
  if (next->is_array() && !next->elements.empty() && next->elements[0].is_array() &&
      !next->elements[0].elements.empty()) {
    stats.oldest_unread_id = next->elements[0].elements[0].str;
  }
  return stats;
}

absl::StatusOr<int64_t> RedisJobStream::TrimBelow(std::string_view id) {
  absl::StatusOr<redis::Reply> reply =
      client_->Command({"XTRIM", names_.stream, "MINID", "~", std::string(id)}, options_);
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

absl::StatusOr<int> RedisJobStream::RemoveIdleConsumers(absl::Duration idle) {
  absl::StatusOr<redis::Reply> consumers =
      client_->Command({"XINFO", "CONSUMERS", names_.stream, names_.group}, options_);
  if (!consumers.ok()) return consumers.status();
  int removed = 0;
  for (const redis::Reply& c : consumers->elements) {
    std::map<std::string, redis::Reply> info = FlatMap(c);
    const std::string name = info["name"].str;
    if (name == names_.consumer || info["pending"].integer != 0 ||
        absl::Milliseconds(info["idle"].integer) < idle) {
      continue;
    }
    absl::StatusOr<redis::Reply> deleted =
        client_->Command({"XGROUP", "DELCONSUMER", names_.stream, names_.group, name}, options_);
    if (!deleted.ok()) return deleted.status();
    // Only consumers idle for `idle` (a day) with nothing pending get here: a live replica
    // interacts every read_block, so it never looks this idle.
    ++removed;
  }
  return removed;
}

}  // namespace ntf::pusher
