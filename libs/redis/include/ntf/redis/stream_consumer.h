#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/redis/stream_types.h"

namespace ntf::redis {

// Consumer-group side of a Redis stream. Implementations: HiredisStreamClient (real),
// testing::FakeStreams (in memory). Every method blocks for up to about options.timeout per
// socket wait (ReadGroup adds its BLOCK time). Common errors: Unavailable / DeadlineExceeded
// (connection; see CommandOptions), NotFound (NOGROUP: stream or group missing),
// InvalidArgument (bad argument or id), FailedPrecondition (WRONGTYPE).
class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;

  // XGROUP CREATE <stream> <group> <start_id> MKSTREAM; OK when the group already exists.
  // start_id "0" (default) also delivers entries added before the group existed; "$" only
  // later ones.
  virtual absl::Status EnsureGroup(std::string_view stream, std::string_view group,
                                   std::string_view start_id, const CommandOptions& options) = 0;

  // XREADGROUP GROUP <group> <consumer> COUNT n [BLOCK ms] STREAMS <stream> <start_id>.
  // Empty when nothing arrived within the block time.
  virtual absl::StatusOr<std::vector<StreamEntry>> ReadGroup(std::string_view stream,
                                                             std::string_view group,
                                                             std::string_view consumer,
                                                             const ReadGroupOptions& read,
                                                             const CommandOptions& options) = 0;

  // XACK: returns how many of `ids` were pending (and are now acknowledged). 0 when the stream
  // or group does not exist.
  virtual absl::StatusOr<int64_t> Ack(std::string_view stream, std::string_view group,
                                      absl::Span<const std::string> ids,
                                      const CommandOptions& options) = 0;

  // XAUTOCLAIM <stream> <group> <consumer> <min_idle> <start> COUNT <count>: takes over up to
  // `count` pending entries idle for at least min_idle (scanning at most 10 * count PEL
  // entries), resetting their idle time and incrementing their delivery count.
  virtual absl::StatusOr<AutoClaimResult> AutoClaim(std::string_view stream, std::string_view group,
                                                    std::string_view consumer,
                                                    absl::Duration min_idle, std::string_view start,
                                                    int64_t count,
                                                    const CommandOptions& options) = 0;

  // XPENDING <stream> <group>: summary of the group's pending entries list.
  virtual absl::StatusOr<PendingSummary> Pending(std::string_view stream, std::string_view group,
                                                 const CommandOptions& options) = 0;

  // XPENDING <stream> <group> [IDLE ms] <start> <end> <count> [consumer]: pending entries with
  // owner, idle time and delivery count (e.g. to dead-letter entries delivered too often).
  virtual absl::StatusOr<std::vector<PendingEntry>> PendingEntries(
      std::string_view stream, std::string_view group, const PendingQuery& query,
      const CommandOptions& options) = 0;

  // XLEN; 0 for a missing stream.
  virtual absl::StatusOr<int64_t> Len(std::string_view stream, const CommandOptions& options) = 0;

  // Atomically (MULTI/EXEC) appends `fields` to `dead_stream` and acknowledges `id` in
  // <stream>/<group>. Returns the id of the dead-letter entry. Callers usually copy the
  // entry's fields and add their own (reason, source id, deliveries). `publish.max_len` > 0
  // bounds the dead-letter stream like Publish does (XADD MAXLEN ~ n inside the transaction):
  // its oldest entries are dropped.
  virtual absl::StatusOr<std::string> DeadLetter(std::string_view stream, std::string_view group,
                                                 std::string_view id, std::string_view dead_stream,
                                                 const Fields& fields,
                                                 const PublishOptions& publish,
                                                 const CommandOptions& options) = 0;
};

}  // namespace ntf::redis
