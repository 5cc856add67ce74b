#include "link.h"

#include <poll.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/pg/errors.h"

namespace ntf::pg::internal {
namespace {

// True when an idle connection's socket has something to read or is closed. Our connections
// never LISTEN, so an idle backend only speaks to report that it is going away (FATAL
// "terminating connection due to administrator command", then EOF).
bool IdleSocketSignalsClose(int fd) {
  if (fd < 0) return true;
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN;
  int rc = ::poll(&p, 1, 0);
  if (rc < 0) return false;  // EINTR etc.: assume fine, the job will tell
  return rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace

absl::StatusOr<LinkOptions> MakeLinkOptions(const PoolOptions& options, std::string_view owner) {
  if (options.conninfo.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(owner), ": conninfo is empty"));
  }
  if (options.reconnect_backoff_min <= absl::ZeroDuration() ||
      options.reconnect_backoff_max < options.reconnect_backoff_min) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(owner), ": bad reconnect backoff range"));
  }
  absl::StatusOr<std::string> conninfo = BuildConninfo(options.conninfo, options.connect);
  if (!conninfo.ok()) return conninfo.status();
  return LinkOptions{.conninfo = *std::move(conninfo),
                     .reconnect_backoff_min = options.reconnect_backoff_min,
                     .reconnect_backoff_max = options.reconnect_backoff_max};
}

void CopyLinkStats(const LinkCounters& counters, PoolStats& stats) {
  stats.connected = counters.connected.load(std::memory_order_relaxed);
  stats.connect_failures = counters.connect_failures.load(std::memory_order_relaxed);
  stats.connections_lost = counters.connections_lost.load(std::memory_order_relaxed);
}

void Link::Drop() {
  if (conn_ == nullptr) return;
  conn_.reset();  // closes the socket; never throws
  counters_.connected.fetch_sub(1, std::memory_order_relaxed);
}

absl::Status Link::EnsureConnected() {
  if (conn_ != nullptr) {
    if (conn_->is_open() && !IdleSocketSignalsClose(conn_->sock())) return absl::OkStatus();
    // Closed while idle: replace it now, without failing the job.
    Drop();
    counters_.connections_lost.fetch_add(1, std::memory_order_relaxed);
    next_attempt_ = absl::InfinitePast();
  }
  const absl::Time now = absl::Now();
  if (now < next_attempt_) {
    return absl::UnavailableError(absl::StrCat(
        last_connect_error_.message(), " (next connection attempt in ",
        absl::FormatDuration(absl::Trunc(next_attempt_ - now, absl::Milliseconds(1))), ")"));
  }
  try {
    conn_ = std::make_unique<pqxx::connection>(options_.conninfo);
    counters_.connected.fetch_add(1, std::memory_order_relaxed);
    backoff_ = absl::ZeroDuration();
    next_attempt_ = absl::InfinitePast();
    counters_.healthy.store(true, std::memory_order_relaxed);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return ConnectFailed(e.what());
  } catch (...) {
    return ConnectFailed("unknown error");
  }
}

absl::Status Link::ConnectFailed(std::string_view what) {
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.remove_suffix(1);
  conn_.reset();
  counters_.connect_failures.fetch_add(1, std::memory_order_relaxed);
  counters_.healthy.store(false, std::memory_order_relaxed);
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? options_.reconnect_backoff_min
                 : std::min(backoff_ * 2, options_.reconnect_backoff_max);
  next_attempt_ = absl::Now() + backoff_;
  // Whatever libpq said (refused, auth failed, no such database), the job could not run.
  last_connect_error_ =
      absl::UnavailableError(absl::StrCat("cannot connect to database: ", std::string(what)));
  return last_connect_error_;
}

absl::Status Link::Execute(Body& body) {
  return Guarded([&] {
    pqxx::work tx(*conn_);
    absl::Status status = body(tx);
    if (status.ok()) {
      tx.commit();
    } else {
      tx.abort();
    }
    return status;
  });
}

absl::Status Link::ExecuteRead(ReadBody& body) {
  return Guarded([&] {
    pqxx::nontransaction tx(*conn_);
    return body(tx);
  });
}

absl::Status Link::Guarded(absl::FunctionRef<absl::Status()> attempt) {
  if (absl::Status connected = EnsureConnected(); !connected.ok()) return connected;
  absl::Status status;
  try {
    return attempt();
  } catch (...) {
    status = StatusFromCurrentException();
  }
  const bool lost = status.code() == absl::StatusCode::kUnavailable ||
                    status.code() == absl::StatusCode::kUnknown || !conn_->is_open();
  if (lost) {
    Drop();
    counters_.connections_lost.fetch_add(1, std::memory_order_relaxed);
    counters_.healthy.store(false, std::memory_order_relaxed);
    next_attempt_ = absl::InfinitePast();  // first reconnect is immediate
    if (status.code() != absl::StatusCode::kUnavailable &&
        status.code() != absl::StatusCode::kUnknown) {
      absl::Status unavailable =
          absl::UnavailableError(absl::StrCat("database connection lost: ", status.message()));
      status.ForEachPayload([&unavailable](absl::string_view url, const absl::Cord& payload) {
        unavailable.SetPayload(url, payload);
      });
      status = std::move(unavailable);
    }
  }
  return status;
}

}  // namespace ntf::pg::internal
