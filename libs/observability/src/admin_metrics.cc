#include "ntf/observability/admin_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace ntf::observability {
namespace {

prometheus::Family<prometheus::Counter>& Requests(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("ntf_admin_http_requests_total")
      .Help("Requests answered by the admin HTTP server, by path.")
      .Register(registry);
}

}  // namespace

AdminMetrics::AdminMetrics(prometheus::Registry& registry)
    : metrics_(Requests(registry).Add({{"path", "/metrics"}})),
      healthz_(Requests(registry).Add({{"path", "/healthz"}})),
      readyz_(Requests(registry).Add({{"path", "/readyz"}})),
      other_(Requests(registry).Add({{"path", "other"}})),
      bad_requests_(prometheus::BuildCounter()
                        .Name("ntf_admin_http_bad_requests_total")
                        .Help("Malformed or oversized requests to the admin HTTP server.")
                        .Register(registry)
                        .Add({})),
      connections_rejected_(prometheus::BuildCounter()
                                .Name("ntf_admin_connections_rejected_total")
                                .Help("Admin connections closed at once: max_connections open.")
                                .Register(registry)
                                .Add({})) {}

void AdminMetrics::RequestServed(Path path) {
  switch (path) {
    case Path::kMetrics:
      metrics_.Increment();
      break;
    case Path::kHealthz:
      healthz_.Increment();
      break;
    case Path::kReadyz:
      readyz_.Increment();
      break;
    case Path::kOther:
      other_.Increment();
      break;
  }
}

void AdminMetrics::BadRequest() { bad_requests_.Increment(); }

void AdminMetrics::ConnectionRejected() { connections_rejected_.Increment(); }

}  // namespace ntf::observability
