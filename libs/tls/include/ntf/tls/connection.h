#pragma once

// Asynchronous TLS connections on standalone Asio with C++20 coroutines.
//
// Threading: a connection lives on one executor (the io_context it was accepted or connected
// on) for its whole life. Every member function must be called, and every returned awaitable
// co_awaited, on that io_context's thread. Other threads reach a connection only by posting to
// get_executor(). Nothing here is thread-safe beyond that; nothing blocks.
//
// Concurrency on one connection: at most one ReadExactly and at most one WriteAll may be
// outstanding at a time; one of each may run concurrently (full duplex). A second concurrent
// read (or write) fails with FailedPrecondition.
//
// Errors (absl::Status codes):
//   DeadlineExceeded  a timeout expired; the connection is closed (a TLS stream cannot resume
//                     after an interrupted record)
//   Cancelled         Close() was called (or the owner destroyed the connection)
//   Unavailable       the peer closed the connection, or a network/TLS error
//   Unauthenticated   the server's chain failed ValidateServerChain (client side)
//   InvalidArgument   bad arguments (e.g. ALPN name too long)
//   FailedPrecondition a second concurrent read or write
// After any error other than FailedPrecondition/InvalidArgument the connection is unusable.

#include <openssl/types.h>

#include <asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/tls/context.h"
#include "ntf/tls/types.h"

namespace asio {
class io_context;
}  // namespace asio

namespace ntf::tls {
namespace internal {
struct AcceptorState;
}  // namespace internal

// An established TLS connection (handshake done, identity checked). Owned through
// TlsConnectionPtr by one session. Destroying it closes the socket; awaitables still
// outstanding then complete with Cancelled (internal state stays alive until they do, but the
// caller's buffers must too).
class TlsConnection {
 public:
  class Impl;

  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  const ConnectionInfo& info() const;
  const std::string& alpn() const { return info().alpn; }
  absl::Span<const uint8_t> session_id() const { return info().session_id; }
  // Client side: the public key of the server's leaf (online) certificate, to verify the
  // signed per-connection key in the server hello (EVP_DigestVerify with a NULL digest).
  // Server side: nullptr. Owned by the connection.
  EVP_PKEY* peer_public_key() const;
  // The executor that owns this connection.
  asio::any_io_executor get_executor() const;

  // Reads exactly out.size() bytes (a 512- or 16384-byte block), however the peer fragments
  // them. A finite `timeout` bounds the whole read; on expiry the connection is closed.
  asio::awaitable<absl::Status> ReadExactly(absl::Span<uint8_t> out,
                                            absl::Duration timeout = absl::InfiniteDuration());
  // Writes all of `data`. `data` must stay valid until the awaitable completes.
  asio::awaitable<absl::Status> WriteAll(absl::Span<const uint8_t> data,
                                         absl::Duration timeout = absl::InfiniteDuration());

  // Closes the TCP connection at once (no TLS close_notify; SimpleX peers do not need one).
  // Outstanding operations complete with Cancelled. Idempotent.
  void Close();
  bool is_open() const;

  // Client side: the underlying SSL object, for diagnostics and tests. Do not read or write
  // through it. Server side: nullptr, since the SSL object is freed after the handshake (the
  // connection then protects records itself; see README.md "Memory per connection").
  SSL* native_handle() const;

 private:
  friend struct ConnectionAccess;
  explicit TlsConnection(std::shared_ptr<Impl> impl);

  std::shared_ptr<Impl> impl_;
};

using TlsConnectionPtr = std::unique_ptr<TlsConnection>;

// Connects to host:port (a name is resolved), runs the TLS handshake offering options.alpn and
// no SNI, and validates the server's chain against options.key_hash, all within
// options.timeout. The connection lives on the calling coroutine's executor.
// Errors: DeadlineExceeded, Unavailable (resolve/connect/TLS failure), Unauthenticated (wrong
// fingerprint or bad chain), InvalidArgument.
asio::awaitable<absl::StatusOr<TlsConnectionPtr>> TlsConnect(
    std::shared_ptr<const TlsClientContext> context, std::string host, uint16_t port,
    ConnectOptions options);

// Listens on host:port and hands over connections whose TLS handshake completed.
// Lives on one io_context: create it, Start() and Stop() it on that io_context's thread (or
// before the io_context runs). For several event loops, create one acceptor per io_context
// with reuse_port = true on the same port.
class TlsAcceptor {
 public:
  // Called on the io_context thread for each connection whose handshake completed in time.
  using ConnectionHandler = absl::AnyInvocable<void(TlsConnectionPtr)>;
  // Called for each failed handshake (e.g. DeadlineExceeded, Unavailable) and for accept(2)
  // errors (after which the loop pauses 100 ms and goes on). For logs and metrics.
  using ErrorHandler = absl::AnyInvocable<void(const absl::Status&)>;

  // Binds and listens at once (so port() is known before Start()). Unavailable if the address
  // cannot be bound, InvalidArgument if host is not an IP literal.
  static absl::StatusOr<std::unique_ptr<TlsAcceptor>> Listen(
      asio::io_context& io, std::shared_ptr<const TlsServerContext> context,
      const AcceptorOptions& options);

  ~TlsAcceptor();  // Stop()s.
  TlsAcceptor(const TlsAcceptor&) = delete;
  TlsAcceptor& operator=(const TlsAcceptor&) = delete;

  // The bound port (the real one when options.port was 0).
  uint16_t port() const { return port_; }

  // Starts the accept loop; each accepted socket gets its own handshake coroutine with
  // options.handshake_timeout. Call once.
  void Start(ConnectionHandler on_connection, ErrorHandler on_error = nullptr);
  // Closes the listening socket. Handshakes in progress are abandoned: their connections are
  // closed and neither handler is called again. Already handed-over connections are the
  // caller's. Idempotent.
  void Stop();

 private:
  TlsAcceptor(std::shared_ptr<internal::AcceptorState> state, uint16_t port);

  // Shared with the accept loop and handshake coroutines, which may outlive this object.
  std::shared_ptr<internal::AcceptorState> state_;
  uint16_t port_;
};

}  // namespace ntf::tls
