#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ntf/redis/connection.h"
#include "ntf/redis/stream_consumer.h"
#include "ntf/redis/stream_publisher.h"

namespace ntf::redis {

// StreamPublisher and StreamConsumer over one hiredis Connection.
//
// Thread-safety: thread-safe; calls are serialized by a mutex around the one connection, so a
// ReadGroup blocking for 5 s holds up every other call on the same object for 5 s. Give
// publishers and each blocking consumer their own client (they are cheap: one socket each).
// Blocking: every call blocks the calling thread (never call from an event loop; run it on a
// Redis thread). Connection loss -> Unavailable, timeouts -> DeadlineExceeded, and the next
// call reconnects (see ConnectionOptions for the backoff).
class HiredisStreamClient final : public StreamPublisher, public StreamConsumer {
 public:
  // Parses the URL; connects on the first call. InvalidArgument for a bad URL.
  static absl::StatusOr<std::unique_ptr<HiredisStreamClient>> Create(ConnectionOptions options);

  // Readiness: see Connection::Healthy(). Never blocks (not even behind a blocking read).
  bool Healthy() const { return connection_->Healthy(); }
  // PING (e.g. for a readiness probe that should also reconnect).
  absl::Status Ping(const CommandOptions& options);

  // ntf::redis::StreamPublisher
  absl::StatusOr<std::vector<std::string>> Publish(std::string_view stream,
                                                   absl::Span<const Fields> entries,
                                                   const PublishOptions& publish,
                                                   const CommandOptions& options) override;

  // ntf::redis::StreamConsumer
  absl::Status EnsureGroup(std::string_view stream, std::string_view group,
                           std::string_view start_id, const CommandOptions& options) override;
  absl::StatusOr<std::vector<StreamEntry>> ReadGroup(std::string_view stream,
                                                     std::string_view group,
                                                     std::string_view consumer,
                                                     const ReadGroupOptions& read,
                                                     const CommandOptions& options) override;
  absl::StatusOr<int64_t> Ack(std::string_view stream, std::string_view group,
                              absl::Span<const std::string> ids,
                              const CommandOptions& options) override;
  absl::StatusOr<AutoClaimResult> AutoClaim(std::string_view stream, std::string_view group,
                                            std::string_view consumer, absl::Duration min_idle,
                                            std::string_view start, int64_t count,
                                            const CommandOptions& options) override;
  absl::StatusOr<PendingSummary> Pending(std::string_view stream, std::string_view group,
                                         const CommandOptions& options) override;
  absl::StatusOr<std::vector<PendingEntry>> PendingEntries(std::string_view stream,
                                                           std::string_view group,
                                                           const PendingQuery& query,
                                                           const CommandOptions& options) override;
  absl::StatusOr<int64_t> Len(std::string_view stream, const CommandOptions& options) override;
  absl::StatusOr<std::string> DeadLetter(std::string_view stream, std::string_view group,
                                         std::string_view id, std::string_view dead_stream,
                                         const Fields& fields, const PublishOptions& publish,
                                         const CommandOptions& options) override;

  // Any other command, for tools and tests (DEL, CLIENT LIST, ...). Same locking.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv,
                                const CommandOptions& options);

 private:
  explicit HiredisStreamClient(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  absl::Mutex mu_;
  // The pointer is constant; every use of the Connection holds mu_, except Healthy() (atomic).
  const std::unique_ptr<Connection> connection_;
};

}  // namespace ntf::redis
