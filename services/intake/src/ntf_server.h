#pragma once

// The NTF protocol listener (spec/ntf-protocol.md §1): TLS with ALPN "ntf/1", the server and
// client handshakes, then a loop per connection that reads 512-byte blocks, hands their
// commands to the BlockExecutor and writes the answers back in order.
//
// Threads: `event_loops` threads, each running its own io_context with its own acceptor on the
// same port (SO_REUSEPORT); a connection stays on the loop that accepted it. Database work
// never runs here: the executor does it elsewhere and the answers are posted back.
//
// Lifecycle: Start() -> StopAccepting() -> Drain(deadline) (answers in flight are written, idle
// connections are closed) -> destruction joins the threads.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/crypto/keys.h"
#include "ntf/tls/context.h"
#include "services/intake/src/block_executor.h"
#include "services/intake/src/intake_metrics.h"

namespace ntf::intake {

struct NtfServerOptions {
  std::string host = "0.0.0.0";  // IP literal to bind
  uint16_t port = 443;           // 0 = any free port (tests)
  int event_loops = 2;           // threads accepting and serving connections
  absl::Duration handshake_timeout = absl::Seconds(60);  // TLS + NTF handshakes
  absl::Duration idle_timeout =
      absl::Hours(1);         // a connection with no block for this long is closed
  int max_handshakes = 1000;  // TLS handshakes in progress per event loop (0: no limit)
};

class NtfServer {
 public:
  // `tls` carries the server credentials; `signing_key` is the online (leaf) certificate's key
  // in crypto form, which signs each connection's X25519 key in the server hello. The executor
  // and metrics must outlive the server.
  NtfServer(NtfServerOptions options, std::shared_ptr<const tls::TlsServerContext> tls,
            crypto::PrivateKey signing_key, BlockExecutor& executor, IntakeMetrics& metrics);
  ~NtfServer();

  // Binds and starts the event loops. Unavailable if the port cannot be bound.
  absl::Status Start();
  // The bound port (after Start()).
  uint16_t port() const { return port_; }
  // Closes the listening sockets; open connections go on.
  void StopAccepting();
  // Lets connections finish the block they are answering, closes the idle ones, and waits up to
  // `deadline` for all to end. Returns the number of connections still open at the deadline
  // (closed forcibly).
  int Drain(absl::Duration deadline);
  int active_connections() const { return active_.load(); }

 private:
  struct Loop;
  class Session;

  // Re-arms `loop`'s idle sweep (runs on the loop's thread).
  void SweepIdle(Loop& loop);

  NtfServerOptions options_;
  std::shared_ptr<const tls::TlsServerContext> tls_;
  crypto::PrivateKey signing_key_;
  BlockExecutor& executor_;
  IntakeMetrics& metrics_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<int> active_{0};
  std::atomic<bool> draining_{false};
  uint16_t port_ = 0;
};

// The crypto form of the online key a TLS identity was loaded with (Ed25519/Ed448).
absl::StatusOr<crypto::PrivateKey> SigningKeyOf(const tls::ServerCredentials& credentials);

}  // namespace ntf::intake
