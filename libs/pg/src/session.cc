#include "ntf/pg/session.h"

#include <utility>

#include "link.h"

namespace ntf::pg {

absl::StatusOr<std::unique_ptr<Session>> Session::Create(const PoolOptions& options) {
  if (options.conninfo.empty()) return absl::InvalidArgumentError("pg session: conninfo is empty");
  if (options.reconnect_backoff_min <= absl::ZeroDuration() ||
      options.reconnect_backoff_max < options.reconnect_backoff_min) {
    return absl::InvalidArgumentError("pg session: bad reconnect backoff range");
  }
  absl::StatusOr<std::string> conninfo = BuildConninfo(options.conninfo, options.connect);
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<Session> session(new Session(*std::move(conninfo), options));
  {
    absl::MutexLock lock(&session->mu_);
    (void)session->link_->EnsureConnected();  // the first job need not pay for it
  }
  return session;
}

Session::Session(std::string conninfo, const PoolOptions& options)
    : link_options_(std::make_unique<internal::LinkOptions>(
          internal::LinkOptions{.conninfo = std::move(conninfo),
                                .reconnect_backoff_min = options.reconnect_backoff_min,
                                .reconnect_backoff_max = options.reconnect_backoff_max})),
      counters_(std::make_unique<internal::LinkCounters>()),
      link_(std::make_unique<internal::Link>(*link_options_, *counters_)) {}

Session::~Session() = default;

absl::Status Session::Execute(Body& body) {
  absl::MutexLock lock(&mu_);
  return link_->Execute(body);
}

bool Session::Healthy() const { return counters_->healthy.load(std::memory_order_relaxed); }

PoolStats Session::Stats() const {
  PoolStats stats;
  stats.connected = counters_->connected.load(std::memory_order_relaxed);
  stats.connect_failures = counters_->connect_failures.load(std::memory_order_relaxed);
  stats.connections_lost = counters_->connections_lost.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace ntf::pg
