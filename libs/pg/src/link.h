#pragma once

// internal: one PostgreSQL connection and its reconnect state, as used by exactly one thread at
// a time (a Pool worker, or a Session under its mutex). Shared by Pool and Session so that both
// run jobs, map errors, detect lost connections and back off in the same way. Not for direct
// use outside libs/pg.

#include <atomic>
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/pg/pool.h"

namespace ntf::pg::internal {

// Counters shared by the links of one owner (a Pool's workers, or a Session's one link).
struct LinkCounters {
  std::atomic<bool> healthy{true};
  std::atomic<int> connected{0};
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<uint64_t> connections_lost{0};
};

struct LinkOptions {
  std::string conninfo;  // merged (BuildConninfo)
  absl::Duration reconnect_backoff_min;
  absl::Duration reconnect_backoff_max;
};

// What a link needs of `options`, checked (conninfo, reconnect backoff range) and merged;
// `owner` ("pg pool", "pg session") begins the error messages.
absl::StatusOr<LinkOptions> MakeLinkOptions(const PoolOptions& options, std::string_view owner);

// The connection fields of `stats` (connected, connect_failures, connections_lost).
void CopyLinkStats(const LinkCounters& counters, PoolStats& stats);

class Link {
 public:
  using Body = absl::AnyInvocable<absl::Status(pqxx::work&)>;
  using ReadBody = absl::AnyInvocable<absl::Status(pqxx::transaction_base&)>;

  // `options` and `counters` must outlive the link.
  Link(const LinkOptions& options, LinkCounters& counters)
      : options_(options), counters_(counters) {}
  ~Link() { Drop(); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Connects if there is no usable connection (an idle one whose server went away is replaced
  // without an error). Unavailable while backing off after a failed attempt.
  absl::Status EnsureConnected();
  // Runs `body` in its own pqxx::work: commit on OK, rollback otherwise; exceptions become a
  // status (errors.h). A lost connection is dropped (Unavailable) and the next call reconnects
  // at once.
  absl::Status Execute(Body& body);
  // Runs `body` in a pqxx::nontransaction (each statement commits on its own; no BEGIN or
  // COMMIT), with Execute's error mapping and lost-connection handling.
  absl::Status ExecuteRead(ReadBody& body);
  // Closes the connection, if any.
  void Drop();

 private:
  absl::Status ConnectFailed(std::string_view what);
  // Connects if needed and runs `attempt` on the connection; an exception becomes a status, and
  // a lost connection is dropped (Unavailable).
  absl::Status Guarded(absl::FunctionRef<absl::Status()> attempt);

  const LinkOptions& options_;
  LinkCounters& counters_;
  std::unique_ptr<pqxx::connection> conn_;
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Status last_connect_error_;
};

}  // namespace ntf::pg::internal
