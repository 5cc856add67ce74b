#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace ntf::redis {

// Passed on every call, like userver's CommandControl.
struct CommandOptions {
  // Bounds each wait on the socket (connect, each write, each read). A blocking read adds its
  // BLOCK time on top. Expiry is DeadlineExceeded and the connection is dropped (its replies
  // would be out of step); the command may or may not have run.
  absl::Duration timeout = absl::Seconds(1);
  // Extra attempts after a connection-level failure (Unavailable, DeadlineExceeded), each on a
  // fresh connection. Never after an error reply from the server. A retried Publish may add
  // entries twice and a retried ReadGroup(">") may leave the first delivery pending: consumers
  // are idempotent and pending entries are reclaimed (XAUTOCLAIM), so this is at-least-once.
  int retries = 0;
};

// A stream entry's field/value pairs, in order. Binary-safe.
using Fields = std::vector<std::pair<std::string, std::string>>;

struct StreamEntry {
  std::string id;  // "<ms>-<seq>"
  // Empty when the entry is still pending but was deleted or trimmed from the stream.
  Fields fields;

  friend bool operator==(const StreamEntry&, const StreamEntry&) = default;
};

struct PublishOptions {
  // When > 0, every XADD carries MAXLEN ~ max_len: the stream is trimmed in whole macro-nodes,
  // so its length stays at or a little above max_len (never below). Trimming may remove
  // entries that are still pending; size it far above the worst backlog and alarm on Len().
  int64_t max_len = 0;
};

struct ReadGroupOptions {
  // At most this many entries per call (COUNT); must be > 0.
  int64_t count = 100;
  // When nothing is available, wait up to this long (BLOCK) for new entries. Zero: don't
  // wait. There is no "forever": a bounded wait keeps shutdown and health checks responsive.
  absl::Duration block = absl::ZeroDuration();
  // ">" delivers never-delivered entries. Any other id (e.g. "0") re-reads this consumer's own
  // pending entries after that id: do that once on start-up, before switching to ">".
  std::string start_id = ">";
};

struct AutoClaimResult {
  // Pass back as `start` to continue the scan; "0-0" when the scan reached the end of the PEL.
  std::string next_cursor;
  // Entries now owned by the claiming consumer (their delivery count was incremented).
  std::vector<StreamEntry> entries;
  // Pending ids whose entries no longer exist (trimmed/deleted); removed from the PEL.
  std::vector<std::string> deleted_ids;
};

// XPENDING summary form.
struct PendingSummary {
  int64_t count = 0;
  std::string min_id;  // empty when count == 0
  std::string max_id;  // empty when count == 0
  // Consumers that have pending entries, by name, with their counts.
  std::vector<std::pair<std::string, int64_t>> consumers;

  friend bool operator==(const PendingSummary&, const PendingSummary&) = default;
};

// XPENDING extended form: one pending entry.
struct PendingEntry {
  std::string id;
  std::string consumer;
  absl::Duration idle;  // since the last delivery (or claim)
  int64_t deliveries = 0;
};

struct PendingQuery {
  std::string start = "-";                         // inclusive; "(" prefix for exclusive
  std::string end = "+";                           // inclusive; "(" prefix for exclusive
  int64_t count = 100;                             // must be > 0
  std::string consumer;                            // empty: every consumer
  absl::Duration min_idle = absl::ZeroDuration();  // only entries idle at least this long
};

}  // namespace ntf::redis
