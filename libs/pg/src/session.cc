#include "ntf/pg/session.h"

#include <utility>

#include "link.h"

namespace ntf::pg {

absl::StatusOr<std::unique_ptr<Session>> Session::Create(const PoolOptions& options) {
  absl::StatusOr<internal::LinkOptions> link_options =
      internal::MakeLinkOptions(options, "pg session");
  if (!link_options.ok()) return link_options.status();
  std::unique_ptr<Session> session(new Session(*std::move(link_options)));
  {
    absl::MutexLock lock(&session->mu_);
    (void)session->link_->EnsureConnected();  // the first job need not pay for it
  }
  return session;
}

Session::Session(internal::LinkOptions link_options)
    : link_options_(std::make_unique<const internal::LinkOptions>(std::move(link_options))),
      counters_(std::make_unique<internal::LinkCounters>()),
      link_(std::make_unique<internal::Link>(*link_options_, *counters_)) {}

Session::~Session() = default;

absl::Status Session::Execute(Body& body) {
  absl::MutexLock lock(&mu_);
  return link_->Execute(body);
}

absl::Status Session::ExecuteRead(ReadBody& body) {
  absl::MutexLock lock(&mu_);
  return link_->ExecuteRead(body);
}

bool Session::Healthy() const { return counters_->healthy.load(std::memory_order_relaxed); }

PoolStats Session::Stats() const {
  PoolStats stats;
  internal::CopyLinkStats(*counters_, stats);
  return stats;
}

}  // namespace ntf::pg
