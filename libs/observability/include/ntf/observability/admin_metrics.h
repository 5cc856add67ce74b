#pragma once

// Metrics of the admin HTTP server itself.
//
//   ntf_admin_http_requests_total{path="/metrics|/healthz|/readyz|other"}  requests answered
//   ntf_admin_http_bad_requests_total                                     malformed requests
//   (400/431) ntf_admin_connections_rejected_total                                  over
//   max_connections

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace ntf::observability {

// Built once from the registry; every counter is created up front. Thread-safe.
class AdminMetrics {
 public:
  enum class Path { kMetrics, kHealthz, kReadyz, kOther };

  explicit AdminMetrics(prometheus::Registry& registry);

  void RequestServed(Path path);
  void BadRequest();
  void ConnectionRejected();

 private:
  prometheus::Counter& metrics_;
  prometheus::Counter& healthz_;
  prometheus::Counter& readyz_;
  prometheus::Counter& other_;
  prometheus::Counter& bad_requests_;
  prometheus::Counter& connections_rejected_;
};

}  // namespace ntf::observability
