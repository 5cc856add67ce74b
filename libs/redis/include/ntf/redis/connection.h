#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/redis/reply.h"
#include "ntf/redis/stream_types.h"
#include "ntf/redis/url.h"

struct redisContext;  // <hiredis/hiredis.h>, kept out of this header

namespace ntf::redis {

struct ConnectionOptions {
  // redis://[[user]:password@]host[:port][/db] (NTF_REDIS_URL).
  std::string url = "redis://127.0.0.1:6379/0";
  // Bounds the TCP connect and the AUTH/SELECT/CLIENT SETNAME exchange. Host names are resolved
  // by the system resolver first (not bounded by this); use addresses in production configs.
  absl::Duration connect_timeout = absl::Seconds(2);
  // CLIENT SETNAME, visible in CLIENT LIST. Empty: none.
  std::string client_name;
  // After a failed connection attempt, calls fail with Unavailable at once for this long, then
  // the next call tries again; doubles per failure up to the max. The first reconnect after a
  // lost connection is immediate.
  absl::Duration reconnect_backoff_min = absl::Milliseconds(100);
  absl::Duration reconnect_backoff_max = absl::Seconds(5);
  // Metrics hooks, called on the calling thread; must be cheap and thread-safe.
  // Every Command()/Pipeline() with its label (e.g. "publish"), latency and outcome.
  std::function<void(std::string_view op, absl::Duration latency, const absl::Status&)> on_command;
  // Every connection attempt and its outcome.
  std::function<void(const absl::Status&)> on_connect;
};

// One hiredis connection (blocking API, RESP2) that connects lazily and reconnects after
// failures. Server error replies are data (Reply::kError), not connection failures.
//
// NOT thread-safe: a hiredis context must be used by one thread at a time; wrap it (as
// HiredisStreamClient does) or give each thread its own. SIGPIPE is blocked on the calling
// thread while it writes, so a peer that closed the socket yields Unavailable, never a signal.
class Connection {
 public:
  // Parses the URL; does not connect (the first call does). InvalidArgument for a bad URL.
  static absl::StatusOr<std::unique_ptr<Connection>> Create(ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One command. An error reply becomes StatusFromRedisError(message, argv[0]).
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv, const CommandOptions& options,
                                std::string_view op = {});

  // Writes all commands, then reads all replies: one round trip. Error replies stay in the
  // returned vector. `extra_read_time` extends the read timeout (a BLOCK argument).
  // Connection-level failures: Unavailable (refused, reset, EOF), DeadlineExceeded (timeout);
  // the connection is dropped and the whole pipeline retried up to options.retries times.
  absl::StatusOr<std::vector<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands, const CommandOptions& options,
      std::string_view op = {}, absl::Duration extra_read_time = absl::ZeroDuration());

  // Readiness: false after a failed connection attempt or a lost connection, true after the
  // next successful connect. Starts true (nothing tried yet). Never touches the network.
  // Thread-safe (the only method that is), so a readiness probe never waits behind a call.
  bool Healthy() const { return healthy_.load(std::memory_order_relaxed); }
  bool connected() const { return ctx_ != nullptr; }
  const RedisAddress& address() const { return address_; }

 private:
  Connection(ConnectionOptions options, RedisAddress address);
  absl::Status EnsureConnected();
  absl::Status Connect();
  void Drop();
  absl::StatusOr<std::vector<Reply>> PipelineOnce(
      const std::vector<std::vector<std::string>>& commands, absl::Duration read_timeout);

  const ConnectionOptions options_;
  const RedisAddress address_;
  redisContext* ctx_ = nullptr;
  // The socket timeout last given to ctx_ (redisSetTimeout is two setsockopt calls: only when
  // it changes). Zero: none yet on this context.
  absl::Duration socket_timeout_ = absl::ZeroDuration();
  std::atomic<bool> healthy_{true};
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Status last_connect_error_;
};

}  // namespace ntf::redis
