#pragma once

// The admin HTTP/1.1 endpoint every service exposes (plain HTTP, meant for a private port):
//
//   GET /metrics  200, the Prometheus registry in text format 0.0.4
//   GET /healthz  200 "ok" while every event loop ticks (Health::Liveness), else 503 + reasons
//   GET /readyz   200 "ok" while every readiness check passes and the process is not draining,
//                 else 503 with one "name: CODE: message" line per failure
//   anything else 404; methods other than GET/HEAD 405; malformed requests 400 (oversized 431),
//                 then the connection closes
//
// Keep-alive is supported; idle connections close after `io_timeout`. The server runs on its
// own thread with its own io_context, so /healthz keeps answering (with 503) when the service's
// event loops are stuck.
//
//   AdminServer admin(config.admin, health, registry);
//   if (absl::Status s = admin.Start(); !s.ok()) return Fatal(s);
//   ... Wait for SIGTERM; health.SetDraining(true); drain everything else ...
//   admin.Stop();  // Last, so probes see "not ready" during the drain.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/common/config.h"
#include "ntf/common/health.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace ntf::observability {

struct AdminServerOptions {
  // Listen address: an IPv4 or IPv6 literal.
  std::string address = "0.0.0.0";
  // TCP port; 0 picks a free one (AdminServer::port() reports it).
  uint16_t port = 9090;
  // Limit for reading a request or writing a response; also how long an idle keep-alive
  // connection stays open.
  absl::Duration io_timeout = absl::Seconds(5);
  // Connections served at once; more are closed on accept.
  int max_connections = 32;
  // Limit on a request's line plus headers; larger requests get 431.
  int max_request_bytes = 8192;

  absl::Status Validate() const;
};

// Schema for an `admin:` section of a service config:
//   schema.Section("admin", &IntakeConfig::admin, observability::AdminServerConfigSchema());
common::ConfigSchema<AdminServerOptions> AdminServerConfigSchema();

// Start(), Stop() and port() are thread-safe. Requests are served on the server's thread, which
// is where readiness checks and registry collection run.
class AdminServer {
 public:
  // `health` and `registry` must outlive the server. Registers the server's own metrics
  // (admin_metrics.h) in `registry`.
  AdminServer(AdminServerOptions options, const common::Health& health,
              prometheus::Registry& registry);
  // Stops the server if still running.
  ~AdminServer();

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds, listens and starts the server thread; returns once requests can be served.
  // InvalidArgument for a bad address or options, Unavailable if the port cannot be bound,
  // FailedPrecondition if already started.
  absl::Status Start();

  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;

  // Closes the listener and every connection, and joins the thread. Blocks briefly. Idempotent;
  // a stopped server cannot be started again.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ntf::observability
