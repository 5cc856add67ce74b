#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ntf/redis/stream_types.h"

namespace ntf::redis {

// Appends entries to a Redis stream. Implementations: HiredisStreamClient (real),
// testing::FakeStreams (in memory).
class StreamPublisher {
 public:
  virtual ~StreamPublisher() = default;

  // Appends every entry (XADD <stream> [MAXLEN ~ n] * field value ...) in one round trip and
  // returns the new ids, in order. Blocks for up to about options.timeout per socket wait.
  // Errors: InvalidArgument (empty stream name, an entry without fields), Unavailable /
  // DeadlineExceeded (connection), the server's error (e.g. FailedPrecondition for WRONGTYPE).
  // On error, a prefix of the entries may have been added.
  virtual absl::StatusOr<std::vector<std::string>> Publish(std::string_view stream,
                                                           absl::Span<const Fields> entries,
                                                           const PublishOptions& publish,
                                                           const CommandOptions& options) = 0;
};

}  // namespace ntf::redis
