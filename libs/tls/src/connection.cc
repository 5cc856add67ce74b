#include "ntf/tls/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal.h"

namespace ntf::tls {
namespace {

using Tcp = asio::ip::tcp;

auto Redirect(asio::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string EndpointText(const Tcp::endpoint& ep) {
  std::string address = ep.address().to_string();
  if (ep.address().is_v6()) address = absl::StrCat("[", address, "]");
  return absl::StrCat(address, ":", ep.port());
}

// Runs `on_expire` on the executor if `timeout` passes before this object is destroyed. An
// infinite timeout arms nothing. Single-threaded: lives in one coroutine frame on one loop.
class Watchdog {
 public:
  Watchdog(const asio::any_io_executor& executor, absl::Duration timeout,
           std::function<void()> on_expire)
      : timer_(executor) {
    // Beyond a year is "never"; it also keeps steady_clock arithmetic far from overflow.
    if (timeout >= absl::Hours(24 * 365)) return;
    state_ = std::make_shared<State>();
    state_->on_expire = std::move(on_expire);
    timer_.expires_after(std::chrono::nanoseconds(
        absl::ToInt64Nanoseconds(std::max(timeout, absl::ZeroDuration()))));
    // The handler may run after this object is gone (a cancelled wait still completes), so it
    // holds the state, never `this`; `armed` stops it from acting once we are destroyed.
    timer_.async_wait([state = state_](const asio::error_code& ec) {
      if (ec || !state->armed) return;
      state->expired = true;
      state->on_expire();
    });
  }
  ~Watchdog() {
    if (state_ == nullptr) return;
    state_->armed = false;
    timer_.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool expired() const { return state_ != nullptr && state_->expired; }

 private:
  struct State {
    bool armed = true;
    bool expired = false;
    std::function<void()> on_expire;
  };
  std::shared_ptr<State> state_;  // null when the timeout is infinite
  asio::steady_timer timer_;
};

void SetTcpOptions(Tcp::socket& socket, bool keepalive) {
  asio::error_code ec;
  socket.set_option(Tcp::no_delay(true), ec);  // blocks are small and latency-bound
  if (!keepalive) return;
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  int fd = socket.native_handle();
  int idle = 30, interval = 15, count = 4;  // the reference client's values
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace

// All of a connection's state. Shared between the owning TlsConnection and the coroutines of
// its outstanding operations, so that destroying the owner mid-operation is safe. Touched only
// on the connection's executor.
//
// OpenSSL reads and writes the socket itself (a buffer-less socket BIO on the non-blocking
// descriptor); Asio only reports readiness (async_wait). So the only per-connection buffers are
// OpenSSL's record buffers, and SSL_MODE_RELEASE_BUFFERS frees those whenever no record is in
// flight: an idle connection holds the SSL object and little else.
class TlsConnection::Impl {
 public:
  // A fresh SSL from `ctx` (owned by `context`) with its socket BIO, bound to a descriptor
  // later by BindSocket().
  static absl::StatusOr<std::shared_ptr<Impl>> Create(SSL_CTX* ctx, Tcp::socket socket,
                                                      std::shared_ptr<const void> context) {
    internal::SslPtr ssl(SSL_new(ctx));
    if (ssl == nullptr) return internal::OpenSslError(absl::StatusCode::kInternal, "SSL_new");
    // Free the 16 KiB read and write record buffers whenever no record is in flight; write at
    // most one record per SSL_write_ex, so a retry after WANT_WRITE is simply the same call.
    SSL_set_mode(ssl.get(), SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
    auto impl = std::make_shared<Impl>(std::move(socket), std::move(ssl), std::move(context));
    if (absl::Status s = internal::AttachSocketBio(impl->ssl(), &impl->bio_); !s.ok()) return s;
    return impl;
  }

  Impl(Tcp::socket socket, internal::SslPtr ssl, std::shared_ptr<const void> context)
      : socket(std::move(socket)), context_(std::move(context)), ssl_(std::move(ssl)) {}

  SSL* ssl() const { return ssl_.get(); }
  bool usable() const { return terminal.ok() && socket.is_open(); }

  // Client: pins the server's identity for the certificate callback, which leaves its verdict
  // in verify(). Handshake-only state, dropped by ReleaseHandshakeState().
  absl::Status PinServerKey(const Fingerprint& key_hash) {
    verify_ = std::make_unique<internal::PeerVerifyState>();
    verify_->key_hash = key_hash;
    return internal::AttachPeerVerifyState(ssl(), verify_.get());
  }
  // The client's certificate-callback verdict; null on the server and after the handshake.
  const internal::PeerVerifyState* verify() const { return verify_.get(); }

  // After a completed handshake: drops what only the handshake needed, and any record buffer
  // OpenSSL still holds (normally none: SSL_MODE_RELEASE_BUFFERS).
  void ReleaseHandshakeState() {
    if (verify_ != nullptr) {
      internal::DetachPeerVerifyState(ssl());
      verify_.reset();
    }
    (void)SSL_free_buffers(ssl());
  }

  // Server: lets the context's key-log callback catch the application traffic secrets, so that
  // LeaveOpenSsl() can hand the connection to our own record layer after the handshake.
  absl::Status CaptureSecrets() {
    secrets_ = std::make_unique<internal::HandshakeSecrets>();
    return internal::AttachHandshakeSecrets(ssl(), secrets_.get());
  }

  // Server, after CollectHandshakeResult: frees the SSL object (~13.5 KB) and protects records
  // with the captured secrets from now on. Nothing of the application epoch has been read or
  // written yet (no tickets are sent and OpenSSL reads no further than the client's Finished),
  // so both sequence numbers start at 0.
  absl::Status LeaveOpenSsl() {
    if (secrets_ == nullptr || !secrets_->have_client || !secrets_->have_server) {
      return absl::InternalError("TLS application traffic secrets were not captured");
    }
    if (info.cipher != kCipherSuite) {
      return absl::InternalError(absl::StrCat("unexpected TLS cipher suite ", info.cipher));
    }
    records_ = std::make_unique<internal::RecordLayer>(/*read_secret=*/secrets_->client,
                                                       /*write_secret=*/secrets_->server);
    internal::DetachHandshakeSecrets(ssl());
    secrets_.reset();
    ssl_.reset();
    return absl::OkStatus();
  }

  // One non-blocking step of a read or write, through OpenSSL or our record layer.
  internal::RecordIo ReadSome(absl::Span<uint8_t> out) {
    if (records_ != nullptr) return records_->Read(socket.native_handle(), out);
    ERR_clear_error();
    size_t n = 0;
    const int r = SSL_read_ex(ssl(), out.data(), out.size(), &n);
    return SslStep(r, n);
  }
  internal::RecordIo WriteSome(absl::Span<const uint8_t> data) {
    if (records_ != nullptr) return records_->Write(socket.native_handle(), data);
    ERR_clear_error();
    size_t n = 0;
    const int r = SSL_write_ex(ssl(), data.data(), data.size(), &n);
    return SslStep(r, n);
  }
  // Protected bytes still to send (only our record layer queues them).
  bool write_pending() const { return records_ != nullptr && records_->write_pending(); }

  // Makes the (connected) socket the SSL's transport.
  absl::Status BindSocket() {
    asio::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("non-blocking socket: ", ec.message()));
    bio_.fd = socket.native_handle();
    return absl::OkStatus();
  }

  // Closes the TCP socket; pending waits complete with operation_aborted. The SSL can no longer
  // reach the descriptor (which the kernel may hand to another connection).
  void CloseSocket() {
    bio_.fd = -1;
    asio::error_code ec;
    socket.shutdown(Tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  // Marks the connection failed with `status` (the first failure wins) and closes it.
  void Fail(absl::Status status) {
    if (terminal.ok()) terminal = std::move(status);
    CloseSocket();
  }

  // Waits until the socket can do what a WANT_READ/WANT_WRITE `ssl_error` asks for.
  auto WaitFor(int ssl_error, asio::error_code& ec) {
    return socket.async_wait(
        ssl_error == SSL_ERROR_WANT_WRITE ? Tcp::socket::wait_write : Tcp::socket::wait_read,
        Redirect(ec));
  }
  auto WaitFor(internal::RecordIo::Want want, asio::error_code& ec) {
    return WaitFor(
        want == internal::RecordIo::Want::kWrite ? SSL_ERROR_WANT_WRITE : SSL_ERROR_WANT_READ, ec);
  }

  // Why an SSL call failed (`ssl_error` from SSL_get_error, not WANT_*), for a status message.
  // Empties this thread's OpenSSL error queue.
  std::string SslErrorText(int ssl_error) { return crypto::SocketSslErrorText(ssl_error, bio_); }

  // The step an SSL_read_ex/SSL_write_ex result `r` (with `n` bytes) stands for.
  internal::RecordIo SslStep(int r, size_t n) {
    using Want = internal::RecordIo::Want;
    if (r == 1) return {.bytes = n};
    const int error = SSL_get_error(ssl(), r);
    if (error == SSL_ERROR_WANT_READ) return {.want = Want::kRead};
    if (error == SSL_ERROR_WANT_WRITE) return {.want = Want::kWrite};
    return {.error = absl::UnavailableError(SslErrorText(error))};
  }

  // Fails the connection after a read or write that did not complete and returns its status:
  // DeadlineExceeded on timeout, else `failure`, unless Close() (or an earlier error) came first.
  absl::Status IoError(std::string_view op, absl::Status failure, bool timed_out,
                       absl::Duration timeout) {
    if (timed_out) {
      Fail(absl::DeadlineExceededError(
          absl::StrCat(std::string(op), " timed out after ", absl::FormatDuration(timeout))));
    } else if (terminal.ok()) {
      Fail(failure.ok() ? absl::UnavailableError(absl::StrCat(std::string(op), ": closed"))
                        : std::move(failure));
    }
    CloseSocket();
    return terminal;
  }

  Tcp::socket socket;
  ConnectionInfo info;
  EvpPkeyPtr peer_key;
  absl::Status terminal;  // OK while usable; else why it is not
  bool reading = false;
  bool writing = false;

 private:
  // Destroyed in reverse order: the SSL first, then what it points at.
  std::shared_ptr<const void> context_;                  // owns the SSL_CTX (and its ALPN list)
  internal::SocketBio bio_;                              // the SSL's BIO state
  std::unique_ptr<internal::PeerVerifyState> verify_;    // client, during the handshake
  std::unique_ptr<internal::HandshakeSecrets> secrets_;  // server, during the handshake
  internal::SslPtr ssl_;                            // null once a server connection runs records_
  std::unique_ptr<internal::RecordLayer> records_;  // server, after the handshake
};

// Builds TlsConnection objects (their constructor is private).
struct ConnectionAccess {
  static TlsConnectionPtr Make(std::shared_ptr<TlsConnection::Impl> impl) {
    return TlsConnectionPtr(new TlsConnection(std::move(impl)));
  }
};

namespace {

using Impl = TlsConnection::Impl;

// Runs the TLS handshake to completion. The caller's watchdog bounds it by closing the socket
// (the wait then ends with an error). Does not touch impl->terminal.
asio::awaitable<absl::Status> RunHandshake(Impl* impl) {
  SSL* ssl = impl->ssl();
  for (;;) {
    if (!impl->socket.is_open()) co_return absl::CancelledError("connection closed");
    // (During the handshake OpenSSL buffers each flight and sends it with one write.)
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl);
    if (r == 1) co_return absl::OkStatus();
    const int error = SSL_get_error(ssl, r);
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      co_return absl::UnavailableError(impl->SslErrorText(error));
    }
    asio::error_code ec;
    co_await impl->WaitFor(error, ec);
    if (ec) co_return absl::UnavailableError(ec.message());
  }
}

// Fills impl.info (and the client's peer key) from a completed handshake.
absl::Status CollectHandshakeResult(Impl& impl, bool is_client) {
  SSL* ssl = impl.ssl();
  ConnectionInfo& info = impl.info;

  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  info.alpn.assign(reinterpret_cast<const char*>(alpn), alpn == nullptr ? 0 : alpn_len);

  // tls-unique as SimpleX uses it: the client's Finished, seen from either side.
  unsigned char finished[EVP_MAX_MD_SIZE];
  size_t n = is_client ? SSL_get_finished(ssl, finished, sizeof finished)
                       : SSL_get_peer_finished(ssl, finished, sizeof finished);
  if (n == 0 || n > sizeof finished) {
    return absl::InternalError("TLS handshake finished without a Finished message");
  }
  info.session_id.assign(finished, finished + n);
  info.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  info.version = SSL_get_version(ssl);
  if (!is_client) {
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni != nullptr) info.server_name = sni;
  }

  if (is_client) {
    // Defence in depth: the certificate callback must have run and passed.
    const internal::PeerVerifyState* verify = impl.verify();
    if (verify == nullptr || !verify->checked || !verify->result.ok()) {
      return absl::UnauthenticatedError("server certificate chain was not validated");
    }
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);  // client side: leaf included
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
      absl::StatusOr<Der> der = internal::CertificateToDer(sk_X509_value(chain, i));
      if (!der.ok()) return der.status();
      info.peer_chain.push_back(*std::move(der));
    }
    X509* leaf = SSL_get0_peer_certificate(ssl);
    impl.peer_key.reset(leaf != nullptr ? X509_get_pubkey(leaf) : nullptr);
    if (impl.peer_key == nullptr) {
      return internal::OpenSslError(absl::StatusCode::kInternal, "server leaf public key");
    }
  }
  impl.ReleaseHandshakeState();
  return absl::OkStatus();
}

// One read or write of `size` bytes: `step(done)` moves what it can without blocking
// (ReadSome/WriteSome from offset `done`); on WANT_READ/WANT_WRITE the loop waits for the socket
// and tries again. `pending()` is true while protected bytes still wait to be sent (writes).
// `busy` is the direction's in-progress flag: one read and one write may run at once.
// Step and Pending are small lambdas holding a span and the Impl pointer (trivially copyable).
template <typename Step, typename Pending>
asio::awaitable<absl::Status> RunIo(std::shared_ptr<Impl> impl, const char* op, bool Impl::*busy,
                                    size_t size, absl::Duration timeout, Step step,
                                    Pending pending) {
  if (!impl->terminal.ok()) co_return impl->terminal;
  if (impl.get()->*busy) {
    co_return absl::FailedPreconditionError(absl::StrCat("a ", op, " is already in progress"));
  }
  if (size == 0) co_return absl::OkStatus();
  impl.get()->*busy = true;
  size_t done = 0;
  absl::Status failure;
  bool timed_out = false;
  {
    Watchdog watchdog(impl->socket.get_executor(), timeout, [p = impl.get()] { p->CloseSocket(); });
    while ((done < size || pending()) && impl->usable()) {
      internal::RecordIo io = step(done);
      if (!io.error.ok()) {
        failure = absl::UnavailableError(absl::StrCat(op, ": ", io.error.message()));
        break;
      }
      done += io.bytes;
      if (io.want == internal::RecordIo::Want::kNothing) continue;
      asio::error_code ec;
      co_await impl->WaitFor(io.want, ec);
      if (ec) {
        failure = absl::UnavailableError(absl::StrCat(op, ": ", ec.message()));
        break;
      }
    }
    timed_out = watchdog.expired();
  }
  impl.get()->*busy = false;
  if (done == size && !pending()) co_return absl::OkStatus();
  co_return impl->IoError(op, std::move(failure), timed_out, timeout);
}

// Reads until `out` is full: each step takes whatever one record holds (SSL_read_ex or our
// record layer); the write side may run meanwhile.
asio::awaitable<absl::Status> DoRead(std::shared_ptr<Impl> impl, absl::Span<uint8_t> out,
                                     absl::Duration timeout) {
  Impl* p = impl.get();
  return RunIo(
      std::move(impl), "read", &Impl::reading, out.size(), timeout,
      [p, out](size_t done) { return p->ReadSome(out.subspan(done)); }, [] { return false; });
}

// Writes all of `data`: one record per step (partial-write mode); after WANT_WRITE the retry
// passes the same pointer and length, as OpenSSL requires.
asio::awaitable<absl::Status> DoWrite(std::shared_ptr<Impl> impl, absl::Span<const uint8_t> data,
                                      absl::Duration timeout) {
  Impl* p = impl.get();
  return RunIo(
      std::move(impl), "write", &Impl::writing, data.size(), timeout,
      [p, data](size_t done) { return p->WriteSome(data.subspan(done)); },
      [p] { return p->write_pending(); });
}

asio::awaitable<absl::StatusOr<TlsConnectionPtr>> Connect(
    std::shared_ptr<const TlsClientContext> context, std::string host, uint16_t port,
    ConnectOptions options) {
  if (context == nullptr) co_return absl::InvalidArgumentError("no TLS client context");
  if (options.alpn.size() > 255) co_return absl::InvalidArgumentError("ALPN name too long");
  const std::string target = absl::StrCat(host, ":", port);
  asio::any_io_executor executor = co_await asio::this_coro::executor;

  absl::StatusOr<std::shared_ptr<Impl>> made =
      Impl::Create(context->native_handle(), Tcp::socket(executor), context);
  if (!made.ok()) co_return made.status();
  std::shared_ptr<Impl> impl = *std::move(made);
  SSL* ssl = impl->ssl();
  SSL_set_connect_state(ssl);
  // No SSL_set_tlsext_host_name: SimpleX clients never send SNI (a server with web
  // credentials would answer with its HTTPS certificate).
  if (!options.alpn.empty()) {
    std::string wire =
        absl::StrCat(std::string(1, static_cast<char>(options.alpn.size())), options.alpn);
    // SSL_set_alpn_protos returns 0 on success.
    if (SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size())) != 0) {
      co_return internal::OpenSslError(absl::StatusCode::kInternal, "SSL_set_alpn_protos");
    }
  }
  if (absl::Status s = impl->PinServerKey(options.key_hash); !s.ok()) co_return s;

  Tcp::resolver resolver(executor);
  // One budget for all steps; the watchdog cancels whichever step is running. Declared after
  // `cancel_step`, so it is disarmed before `cancel_step` goes away.
  std::function<void()> cancel_step = [&resolver] { resolver.cancel(); };
  Watchdog watchdog(executor, options.timeout, [&cancel_step] { cancel_step(); });
  auto timed_out = [&] {
    return absl::DeadlineExceededError(absl::StrCat("connecting to ", target, " timed out after ",
                                                    absl::FormatDuration(options.timeout)));
  };

  asio::error_code ec;
  Tcp::resolver::results_type endpoints =
      co_await resolver.async_resolve(host, std::to_string(port), Redirect(ec));
  if (watchdog.expired()) co_return timed_out();
  if (ec) co_return absl::UnavailableError(absl::StrCat("resolve ", host, ": ", ec.message()));

  cancel_step = [p = impl.get()] { p->CloseSocket(); };
  co_await asio::async_connect(impl->socket, endpoints, Redirect(ec));
  if (watchdog.expired()) co_return timed_out();
  if (ec) co_return absl::UnavailableError(absl::StrCat("connect ", target, ": ", ec.message()));
  SetTcpOptions(impl->socket, options.tcp_keepalive);
  {
    asio::error_code ignored;
    impl->info.remote_address = EndpointText(impl->socket.remote_endpoint(ignored));
  }
  if (absl::Status s = impl->BindSocket(); !s.ok()) co_return s;

  absl::Status handshake = co_await RunHandshake(impl.get());
  if (watchdog.expired()) co_return timed_out();
  if (!handshake.ok()) {
    const internal::PeerVerifyState* verify = impl->verify();
    if (verify != nullptr && verify->checked && !verify->result.ok()) co_return verify->result;
    co_return absl::UnavailableError(
        absl::StrCat("TLS handshake with ", target, " failed: ", handshake.message()));
  }
  if (absl::Status s = CollectHandshakeResult(*impl, /*is_client=*/true); !s.ok()) co_return s;
  co_return ConnectionAccess::Make(std::move(impl));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TlsConnection

TlsConnection::TlsConnection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsConnection::~TlsConnection() { Close(); }

const ConnectionInfo& TlsConnection::info() const { return impl_->info; }

EVP_PKEY* TlsConnection::peer_public_key() const { return impl_->peer_key.get(); }

asio::any_io_executor TlsConnection::get_executor() const { return impl_->socket.get_executor(); }

asio::awaitable<absl::Status> TlsConnection::ReadExactly(absl::Span<uint8_t> out,
                                                         absl::Duration timeout) {
  return DoRead(impl_, out, timeout);
}

asio::awaitable<absl::Status> TlsConnection::WriteAll(absl::Span<const uint8_t> data,
                                                      absl::Duration timeout) {
  return DoWrite(impl_, data, timeout);
}

void TlsConnection::Close() { impl_->Fail(absl::CancelledError("connection closed")); }

bool TlsConnection::is_open() const { return impl_->usable(); }

SSL* TlsConnection::native_handle() const { return impl_->ssl(); }

asio::awaitable<absl::StatusOr<TlsConnectionPtr>> TlsConnect(
    std::shared_ptr<const TlsClientContext> context, std::string host, uint16_t port,
    ConnectOptions options) {
  try {
    co_return co_await Connect(std::move(context), std::move(host), port, std::move(options));
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("TlsConnect: ", e.what()));
  }
}

// ---------------------------------------------------------------------------------------------
// TlsAcceptor

namespace internal {

struct AcceptorState {
  AcceptorState(asio::io_context& io, std::shared_ptr<const TlsServerContext> ctx,
                AcceptorOptions opts)
      : acceptor(io), context(std::move(ctx)), options(std::move(opts)) {}

  void ReportError(const absl::Status& status) {
    if (!stopped && on_error) on_error(status);
  }

  Tcp::acceptor acceptor;
  const std::shared_ptr<const TlsServerContext> context;
  const AcceptorOptions options;
  TlsAcceptor::ConnectionHandler on_connection;
  TlsAcceptor::ErrorHandler on_error;
  bool started = false;
  bool stopped = false;
  // Connections still in their handshake, so Stop() can abandon them.
  std::unordered_set<Impl*> handshaking;
  // Handshake coroutines spawned and not yet finished (options.max_handshakes).
  int handshakes_in_progress = 0;
};

}  // namespace internal

namespace {

using internal::AcceptorState;

asio::awaitable<void> ServerHandshake(std::shared_ptr<AcceptorState> state, Tcp::socket socket) {
  // Frees the slot AcceptLoop took, however this coroutine ends (or is destroyed unfinished).
  struct Slot {
    AcceptorState* state;
    ~Slot() { --state->handshakes_in_progress; }
  } slot{state.get()};
  try {
    SetTcpOptions(socket, /*keepalive=*/false);
    asio::error_code ec;
    std::string remote = EndpointText(socket.remote_endpoint(ec));
    absl::StatusOr<std::shared_ptr<Impl>> made =
        Impl::Create(state->context->native_handle(), std::move(socket), state->context);
    if (!made.ok()) {
      state->ReportError(made.status());
      co_return;
    }
    std::shared_ptr<Impl> impl = *std::move(made);
    SSL_set_accept_state(impl->ssl());
    if (absl::Status s = impl->CaptureSecrets(); !s.ok()) {
      state->ReportError(s);
      co_return;
    }
    impl->info.remote_address = remote;
    const absl::Duration timeout = state->options.handshake_timeout;

    bool timed_out = false;
    absl::Status handshake = impl->BindSocket();
    state->handshaking.insert(impl.get());
    if (handshake.ok()) {
      Watchdog watchdog(impl->socket.get_executor(), timeout,
                        [p = impl.get()] { p->CloseSocket(); });
      handshake = co_await RunHandshake(impl.get());
      timed_out = watchdog.expired();
    }
    state->handshaking.erase(impl.get());

    if (state->stopped) co_return;  // abandoned; `impl` closes with this frame
    if (timed_out) {
      state->ReportError(absl::DeadlineExceededError(absl::StrCat(
          "TLS handshake from ", remote, " timed out after ", absl::FormatDuration(timeout))));
      co_return;
    }
    if (!handshake.ok()) {
      state->ReportError(absl::UnavailableError(
          absl::StrCat("TLS handshake from ", remote, " failed: ", handshake.message())));
      co_return;
    }
    absl::Status collected = CollectHandshakeResult(*impl, /*is_client=*/false);
    if (collected.ok()) collected = impl->LeaveOpenSsl();
    if (!collected.ok()) {
      state->ReportError(collected);
      co_return;
    }
    state->on_connection(ConnectionAccess::Make(std::move(impl)));
  } catch (const std::exception& e) {
    state->ReportError(absl::InternalError(absl::StrCat("TLS accept: ", e.what())));
  }
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<AcceptorState> state) {
  try {
    while (!state->stopped) {
      asio::error_code ec;
      Tcp::socket socket = co_await state->acceptor.async_accept(Redirect(ec));
      if (state->stopped) break;
      if (ec) {
        // E.g. EMFILE: report, pause briefly instead of spinning, and go on.
        state->ReportError(absl::UnavailableError(absl::StrCat("accept: ", ec.message())));
        asio::steady_timer pause(state->acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(Redirect(ec));
        continue;
      }
      const int limit = state->options.max_handshakes;
      if (limit > 0 && state->handshakes_in_progress >= limit) {
        socket.close(ec);
        state->ReportError(absl::ResourceExhaustedError(
            absl::StrCat(limit, " TLS handshakes in progress: connection refused")));
        continue;
      }
      ++state->handshakes_in_progress;
      asio::co_spawn(state->acceptor.get_executor(), ServerHandshake(state, std::move(socket)),
                     asio::detached);
    }
  } catch (const std::exception& e) {
    state->ReportError(absl::InternalError(absl::StrCat("accept loop: ", e.what())));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsAcceptor>> TlsAcceptor::Listen(
    asio::io_context& io, std::shared_ptr<const TlsServerContext> context,
    const AcceptorOptions& options) {
  if (context == nullptr) return absl::InvalidArgumentError("no TLS server context");
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen host must be an IP address: '", options.host, "'"));
  }
  auto state = std::make_shared<AcceptorState>(io, std::move(context), options);
  Tcp::endpoint endpoint(address, options.port);
  const std::string where = EndpointText(endpoint);
  auto fail = [&](std::string_view step) {
    return absl::UnavailableError(absl::StrCat(std::string(step), " ", where, ": ", ec.message()));
  };
  Tcp::acceptor& acceptor = state->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  if (acceptor.set_option(Tcp::acceptor::reuse_address(true), ec); ec) return fail("SO_REUSEADDR");
  if (options.reuse_port) {
    int on = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
      ec = asio::error_code(errno, asio::error::get_system_category());
      return fail("SO_REUSEPORT");
    }
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor.listen(options.backlog, ec); ec) return fail("listen");
  uint16_t port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("getsockname");
  return std::unique_ptr<TlsAcceptor>(new TlsAcceptor(std::move(state), port));
}

TlsAcceptor::TlsAcceptor(std::shared_ptr<internal::AcceptorState> state, uint16_t port)
    : state_(std::move(state)), port_(port) {}

TlsAcceptor::~TlsAcceptor() { Stop(); }

void TlsAcceptor::Start(ConnectionHandler on_connection, ErrorHandler on_error) {
  if (state_->started || state_->stopped) return;
  state_->started = true;
  state_->on_connection = std::move(on_connection);
  state_->on_error = std::move(on_error);
  asio::co_spawn(state_->acceptor.get_executor(), AcceptLoop(state_), asio::detached);
}

void TlsAcceptor::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  asio::error_code ec;
  state_->acceptor.close(ec);
  for (Impl* impl : state_->handshaking) impl->CloseSocket();
}

}  // namespace ntf::tls
