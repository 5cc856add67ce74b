#include "ntf/redis/testing/fake_streams.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/redis/errors.h"
#include "ntf/redis/stream_commands.h"

namespace ntf::redis::testing {
namespace {

using Id = FakeStreams::Id;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::string Format(Id id) { return absl::StrCat(id.ms, "-", id.seq); }

std::optional<uint64_t> ParseU64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (kMax - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

// "<ms>" or "<ms>-<seq>"; a missing seq is `default_seq`.
std::optional<Id> ParseId(std::string_view s, uint64_t default_seq) {
  const size_t dash = s.find('-');
  std::optional<uint64_t> ms = ParseU64(s.substr(0, dash));
  if (!ms) return std::nullopt;
  if (dash == std::string_view::npos) return Id{*ms, default_seq};
  std::optional<uint64_t> seq = ParseU64(s.substr(dash + 1));
  if (!seq) return std::nullopt;
  return Id{*ms, *seq};
}

std::optional<Id> Next(Id id) {
  if (id.seq < kMax) return Id{id.ms, id.seq + 1};
  if (id.ms < kMax) return Id{id.ms + 1, 0};
  return std::nullopt;
}

std::optional<Id> Prev(Id id) {
  if (id.seq > 0) return Id{id.ms, id.seq - 1};
  if (id.ms > 0) return Id{id.ms - 1, kMax};
  return std::nullopt;
}

// Range bounds as XPENDING/XRANGE take them: "-", "+", an id, or "(" + id (exclusive).
std::optional<Id> ParseRangeBound(std::string_view s, bool is_start) {
  if (s == "-") return Id{0, 0};
  if (s == "+") return Id{kMax, kMax};
  if (s.starts_with("(")) {
    std::optional<Id> id = ParseId(s.substr(1), is_start ? 0 : kMax);
    if (!id) return std::nullopt;
    return is_start ? Next(*id) : Prev(*id);
  }
  return ParseId(s, is_start ? 0 : kMax);
}

absl::Status InvalidId(std::string_view command) {
  return StatusFromRedisError("ERR Invalid stream ID specified as stream command argument",
                              command);
}

int64_t IdleMillis(absl::Time now, absl::Time delivered) {
  return absl::ToInt64Milliseconds(now - delivered);  // truncates, as Redis' integer ms do
}

}  // namespace

FakeStreams::FakeStreams(NowFn now) : now_(std::move(now)) {}

void FakeStreams::SetFailureForTest(absl::Status failure) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(failure);
}

int64_t FakeStreams::CallCountForTest(std::string_view method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

bool FakeStreams::DeleteEntryForTest(std::string_view stream, std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto s = streams_.find(stream);
  std::optional<Id> parsed = ParseId(id, 0);
  if (s == streams_.end() || !parsed) return false;
  return s->second.entries.erase(*parsed) > 0;
}

std::vector<StreamEntry> FakeStreams::EntriesForTest(std::string_view stream) const {
  absl::MutexLock lock(&mu_);
  std::vector<StreamEntry> out;
  auto s = streams_.find(stream);
  if (s == streams_.end()) return out;
  for (const auto& [id, fields] : s->second.entries) out.push_back({Format(id), fields});
  return out;
}

absl::Status FakeStreams::Enter(std::string_view method) {
  ++calls_[std::string(method)];
  return failure_;
}

absl::StatusOr<FakeStreams::Group*> FakeStreams::FindGroup(std::string_view stream,
                                                           std::string_view group,
                                                           std::string_view command) {
  auto s = streams_.find(stream);
  if (s != streams_.end()) {
    auto g = s->second.groups.find(group);
    if (g != s->second.groups.end()) return &g->second;
  }
  return StatusFromRedisError(absl::StrCat("NOGROUP No such key '", std::string(stream),
                                           "' or consumer group '", std::string(group), "'"),
                              command);
}

std::string FakeStreams::AddLocked(Stream& s, const Fields& fields, int64_t max_len) {
  const uint64_t now_ms = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now_())));
  const Id id = now_ms > s.last_id.ms ? Id{now_ms, 0} : Id{s.last_id.ms, s.last_id.seq + 1};
  s.entries.emplace(id, fields);
  s.last_id = id;
  if (max_len > 0) {
    while (static_cast<int64_t>(s.entries.size()) > max_len) s.entries.erase(s.entries.begin());
  }
  return Format(id);
}

absl::StatusOr<std::vector<std::string>> FakeStreams::Publish(std::string_view stream,
                                                              absl::Span<const Fields> entries,
                                                              const PublishOptions& publish,
                                                              const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Publish"); !s.ok()) return s;
  if (absl::Status valid = ValidatePublish(stream, entries); !valid.ok()) return valid;
  std::vector<std::string> ids;
  if (entries.empty()) return ids;
  Stream& s = streams_[std::string(stream)];
  ids.reserve(entries.size());
  for (const Fields& fields : entries) ids.push_back(AddLocked(s, fields, publish.max_len));
  published_.SignalAll();
  return ids;
}

absl::Status FakeStreams::EnsureGroup(std::string_view stream, std::string_view group,
                                      std::string_view start_id, const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("EnsureGroup"); !s.ok()) return s;
  if (stream.empty() || group.empty() || start_id.empty()) {
    return absl::InvalidArgumentError("empty stream, group or start id");
  }
  std::optional<Id> start;
  auto existing = streams_.find(stream);
  if (start_id == "$") {
    start = existing == streams_.end() ? Id{} : existing->second.last_id;
  } else {
    start = ParseId(start_id, 0);
  }
  if (!start) return InvalidId("XGROUP");
  Stream& s = streams_[std::string(stream)];                    // MKSTREAM
  s.groups.try_emplace(std::string(group), Group{*start, {}});  // exists: BUSYGROUP -> OK
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StreamEntry>> FakeStreams::ReadGroup(std::string_view stream,
                                                                std::string_view group,
                                                                std::string_view consumer,
                                                                const ReadGroupOptions& read,
                                                                const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("ReadGroup"); !s.ok()) return s;
  if (absl::Status v = ValidateReadGroup(stream, group, consumer, read); !v.ok()) return v;
  std::optional<Id> history_start;
  if (read.start_id != ">") {
    history_start = ParseId(read.start_id, 0);
    if (!history_start) return InvalidId("XREADGROUP");
  }
  const absl::Time deadline = absl::Now() + read.block;  // BLOCK waits in real time
  while (true) {
    absl::StatusOr<Group*> g = FindGroup(stream, group, "XREADGROUP");
    if (!g.ok()) return g.status();
    Stream& s = streams_.find(stream)->second;
    std::vector<StreamEntry> out;
    const absl::Time now = now_();

    if (history_start) {
      // This consumer's own pending entries after the id; a re-delivery counts as a delivery.
      for (auto it = (*g)->pel.upper_bound(*history_start);
           it != (*g)->pel.end() && static_cast<int64_t>(out.size()) < read.count; ++it) {
        if (it->second.consumer != consumer) continue;
        auto entry = s.entries.find(it->first);
        if (entry == s.entries.end()) {
          out.push_back({Format(it->first), {}});  // deleted: id with nil fields
          continue;
        }
        it->second.delivered = now;
        ++it->second.deliveries;
        out.push_back({Format(it->first), entry->second});
      }
      return out;
    }

    for (auto it = s.entries.upper_bound((*g)->last_delivered);
         it != s.entries.end() && static_cast<int64_t>(out.size()) < read.count; ++it) {
      (*g)->pel[it->first] = PendingInfo{std::string(consumer), now, 1};
      (*g)->last_delivered = it->first;
      out.push_back({Format(it->first), it->second});
    }
    if (!out.empty() || read.block <= absl::ZeroDuration() || absl::Now() >= deadline) return out;
    published_.WaitWithDeadline(&mu_, deadline);
  }
}

int64_t FakeStreams::AckLocked(std::string_view stream, std::string_view group,
                               absl::Span<const std::string> ids) {
  auto s = streams_.find(stream);
  if (s == streams_.end()) return 0;
  auto g = s->second.groups.find(group);
  if (g == s->second.groups.end()) return 0;
  int64_t acked = 0;
  for (const std::string& id : ids) acked += g->second.pel.erase(*ParseId(id, 0));
  return acked;
}

absl::StatusOr<int64_t> FakeStreams::Ack(std::string_view stream, std::string_view group,
                                         absl::Span<const std::string> ids, const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Ack"); !s.ok()) return s;
  for (const std::string& id : ids) {
    if (!ParseId(id, 0)) return InvalidId("XACK");
  }
  return AckLocked(stream, group, ids);
}

absl::StatusOr<AutoClaimResult> FakeStreams::AutoClaim(
    std::string_view stream, std::string_view group, std::string_view consumer,
    absl::Duration min_idle, std::string_view start, int64_t count, const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("AutoClaim"); !s.ok()) return s;
  if (absl::Status v = ValidateCount(count); !v.ok()) return v;
  absl::StatusOr<Group*> g = FindGroup(stream, group, "XAUTOCLAIM");
  if (!g.ok()) return g.status();
  std::optional<Id> from = ParseRangeBound(start, /*is_start=*/true);
  if (!from) return InvalidId("XAUTOCLAIM");
  Stream& s = streams_.find(stream)->second;
  auto& pel = (*g)->pel;

  const absl::Time now = now_();
  const int64_t min_idle_ms = ToRedisMillis(min_idle);
  AutoClaimResult result;
  int64_t attempts = count * 10;  // Redis scans at most 10 * COUNT PEL entries per call
  auto it = pel.lower_bound(*from);
  while (attempts-- > 0 && count > 0 && it != pel.end()) {
    auto entry = s.entries.find(it->first);
    if (entry == s.entries.end()) {
      result.deleted_ids.push_back(Format(it->first));
      it = pel.erase(it);
      --count;
      continue;
    }
    if (min_idle_ms > 0 && IdleMillis(now, it->second.delivered) < min_idle_ms) {
      ++it;
      continue;
    }
    it->second.consumer = std::string(consumer);
    it->second.delivered = now;
    ++it->second.deliveries;
    result.entries.push_back({Format(it->first), entry->second});
    --count;
    ++it;
  }
  result.next_cursor = it == pel.end() ? "0-0" : Format(it->first);
  return result;
}

absl::StatusOr<PendingSummary> FakeStreams::Pending(std::string_view stream, std::string_view group,
                                                    const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Pending"); !s.ok()) return s;
  absl::StatusOr<Group*> g = FindGroup(stream, group, "XPENDING");
  if (!g.ok()) return g.status();
  const auto& pel = (*g)->pel;
  PendingSummary summary;
  summary.count = static_cast<int64_t>(pel.size());
  if (pel.empty()) return summary;
  summary.min_id = Format(pel.begin()->first);
  summary.max_id = Format(pel.rbegin()->first);
  std::map<std::string, int64_t> per_consumer;  // sorted by name, as Redis lists them
  for (const auto& [id, p] : pel) ++per_consumer[p.consumer];
  summary.consumers.assign(per_consumer.begin(), per_consumer.end());
  return summary;
}

absl::StatusOr<std::vector<PendingEntry>> FakeStreams::PendingEntries(std::string_view stream,
                                                                      std::string_view group,
                                                                      const PendingQuery& query,
                                                                      const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("PendingEntries"); !s.ok()) return s;
  if (absl::Status v = ValidatePendingQuery(query); !v.ok()) return v;
  absl::StatusOr<Group*> g = FindGroup(stream, group, "XPENDING");
  if (!g.ok()) return g.status();
  std::optional<Id> start = ParseRangeBound(query.start, /*is_start=*/true);
  std::optional<Id> end = ParseRangeBound(query.end, /*is_start=*/false);
  if (!start || !end) return InvalidId("XPENDING");
  const absl::Time now = now_();
  const int64_t min_idle_ms = ToRedisMillis(query.min_idle);
  std::vector<PendingEntry> out;
  for (auto it = (*g)->pel.lower_bound(*start);
       it != (*g)->pel.end() && it->first <= *end && static_cast<int64_t>(out.size()) < query.count;
       ++it) {
    if (!query.consumer.empty() && it->second.consumer != query.consumer) continue;
    const int64_t idle_ms = IdleMillis(now, it->second.delivered);
    if (min_idle_ms > 0 && idle_ms < min_idle_ms) continue;
    out.push_back(PendingEntry{Format(it->first), it->second.consumer, absl::Milliseconds(idle_ms),
                               it->second.deliveries});
  }
  return out;
}

absl::StatusOr<int64_t> FakeStreams::Len(std::string_view stream, const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Len"); !s.ok()) return s;
  auto s = streams_.find(stream);
  return s == streams_.end() ? 0 : static_cast<int64_t>(s->second.entries.size());
}

absl::StatusOr<std::string> FakeStreams::DeadLetter(std::string_view stream, std::string_view group,
                                                    std::string_view id,
                                                    std::string_view dead_stream,
                                                    const Fields& fields,
                                                    const PublishOptions& publish,
                                                    const CommandOptions&) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("DeadLetter"); !s.ok()) return s;
  const Fields* one = &fields;
  if (absl::Status v = ValidatePublish(dead_stream, absl::MakeConstSpan(one, 1)); !v.ok()) {
    return v;
  }
  if (!ParseId(id, 0)) return InvalidId("XACK");
  std::string dead_id = AddLocked(streams_[std::string(dead_stream)], fields, publish.max_len);
  const std::string ids[] = {std::string(id)};
  AckLocked(stream, group, ids);
  published_.SignalAll();
  return dead_id;
}

}  // namespace ntf::redis::testing
