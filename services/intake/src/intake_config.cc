#include "services/intake/src/intake_config.h"

#include "absl/strings/str_cat.h"

namespace ntf::intake {

absl::Status IntakeConfig::Validate() const {
  auto port_ok = [](int p) { return p >= 0 && p <= 65535; };
  if (!port_ok(listen_port)) return absl::InvalidArgumentError("listen.port: not a port");
  if (!port_ok(admin_port)) return absl::InvalidArgumentError("admin.port: not a port");
  if (event_loops < 1 || event_loops > 256) {
    return absl::InvalidArgumentError("listen.event_loops: must be 1..256");
  }
  if (redis_url.rfind("redis://", 0) != 0) {
    return absl::InvalidArgumentError("redis.url: must start with redis://");
  }
  if (push_stream.empty()) return absl::InvalidArgumentError("redis.push_stream: required");
  if (max_handshakes < 1) return absl::InvalidArgumentError("listen.max_handshakes: must be >= 1");
  if (handshake_timeout <= absl::ZeroDuration() || idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("listen: timeouts must be positive");
  }
  return absl::OkStatus();
}

const common::ConfigSchema<IntakeConfig>& IntakeConfigSchema() {
  static const auto* schema = [] {
    auto* s = new common::ConfigSchema<IntakeConfig>("intake");
    using C = IntakeConfig;
    s->Field("listen.host", &C::listen_host, "IP address to bind for NTF clients")
        .Field("listen.port", &C::listen_port, "NTF protocol port (0 = any free port)")
        .Field("listen.event_loops", &C::event_loops, "I/O threads serving connections")
        .Field("listen.handshake_timeout", &C::handshake_timeout, "TLS + NTF handshake budget")
        .Field("listen.idle_timeout", &C::idle_timeout, "close connections silent this long")
        .Field("listen.max_handshakes", &C::max_handshakes,
               "TLS handshakes in progress per event loop before new connections are refused")
        .Field("tls.server_cert", &C::tls_server_cert, "online certificate (PEM)")
        .Field("tls.ca_cert", &C::tls_ca_cert, "identity CA certificate (PEM)")
        .Field("tls.server_key", &C::tls_server_key, "online private key (PEM)")
        .Field("tls.secret_key_file", &C::secret_key_file,
               "server secret key sealing secrets at rest")
        .Section("database", &C::database, pg::DatabaseConfigSchema())
        .Field("redis.url", &C::redis_url, "Redis URL (redis://host:port/db)")
        .Field("redis.push_stream", &C::push_stream, "stream of push jobs")
        .Field("redis.push_stream_maxlen", &C::push_stream_maxlen,
               "approximate stream length cap on XADD (0 = none: the pusher trims acknowledged "
               "entries)")
        .Field("subscriber.address", &C::subscriber_address,
               "ntf-subscriber gRPC host:port (empty = rely on its reconcile)")
        .Field("subscriber.timeout", &C::subscriber_timeout, "deadline of each gRPC call")
        .Field("admin.host", &C::admin_host, "IP address of /metrics, /healthz, /readyz")
        .Field("admin.port", &C::admin_port, "admin HTTP port (0 = any free port)")
        .Field("shutdown.drain_timeout", &C::drain_timeout,
               "on SIGTERM, time to finish blocks in flight");
    return s;
  }();
  return *schema;
}

absl::StatusOr<IntakeConfig> LoadIntakeConfig(const std::string& path,
                                              const common::Environment& env) {
  return IntakeConfigSchema().Load(path, env);
}

}  // namespace ntf::intake
