#include "services/intake/src/ntf_server.h"

#include <openssl/evp.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <set>

#include "ntf/crypto/primitives.h"
#include "ntf/crypto/signed_key.h"
#include "ntf/tls/connection.h"
#include "ntf/wire/block.h"

namespace ntf::intake {
namespace {

// The metrics reason of a failed TLS accept or handshake (TlsAcceptor's error handler).
HandshakeFailure TlsFailureReason(const absl::Status& error) {
  if (absl::IsDeadlineExceeded(error)) return HandshakeFailure::kTimeout;
  if (absl::IsResourceExhausted(error)) return HandshakeFailure::kOverload;
  return HandshakeFailure::kTls;
}

// Runs the executor and resumes the awaiting coroutine on `ex` with the answers. Deliberately
// not a coroutine itself: gcc 12 double-destroys by-value parameters moved out of a coroutine
// frame into a lambda (seen as a double free), so the commands travel as an initiation argument.
asio::awaitable<std::vector<wire::OutgoingResponse>> ExecuteOffLoop(
    asio::any_io_executor ex, BlockExecutor& executor, const SessionContext& session,
    std::vector<wire::ReceivedCommand> commands) {
  return asio::async_initiate<decltype(asio::use_awaitable),
                              void(std::vector<wire::OutgoingResponse>)>(
      [&executor, &session, ex](auto handler, std::vector<wire::ReceivedCommand> cmds) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        executor.Execute(session, std::move(cmds),
                         [ex, shared](std::vector<wire::OutgoingResponse> answers) mutable {
                           asio::post(ex, [shared, answers = std::move(answers)]() mutable {
                             (*shared)(std::move(answers));
                           });
                         });
      },
      asio::use_awaitable, std::move(commands));
}

}  // namespace

absl::StatusOr<crypto::PrivateKey> SigningKeyOf(const tls::ServerCredentials& credentials) {
  EVP_PKEY* key = credentials.private_key();
  size_t len = 0;
  if (EVP_PKEY_get_raw_private_key(key, nullptr, &len) != 1) {
    return absl::InvalidArgumentError("server key: no raw private key");
  }
  std::vector<uint8_t> raw(len);
  if (EVP_PKEY_get_raw_private_key(key, raw.data(), &len) != 1) {
    return absl::InternalError("server key: EVP_PKEY_get_raw_private_key failed");
  }
  const crypto::KeyAlgorithm alg = credentials.algorithm() == tls::KeyAlgorithm::kEd448
                                       ? crypto::KeyAlgorithm::kEd448
                                       : crypto::KeyAlgorithm::kEd25519;
  absl::StatusOr<crypto::PrivateKey> out = crypto::PrivateKey::FromRaw(alg, raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

struct NtfServer::Loop {
  asio::io_context io{1};
  std::unique_ptr<tls::TlsAcceptor> acceptor;
  std::set<Session*> sessions;  // touched only on this loop's thread
  // Closes connections idle past options.idle_timeout. One timer per loop, not one per waiting
  // read: an idle connection then costs no timer state (docs/benchmarks.md, memory).
  std::unique_ptr<asio::steady_timer> idle_sweep;
  std::thread thread;
};

class NtfServer::Session {
 public:
  Session(NtfServer& server, Loop& loop, tls::TlsConnectionPtr conn)
      : server_(server), loop_(loop), conn_(std::move(conn)) {}

  // The coroutine owns the session (the parameter lives in its frame).
  static asio::awaitable<void> Run(std::shared_ptr<Session> self) {
    self->loop_.sessions.insert(self.get());
    self->server_.metrics_.ConnectionOpened();
    // (gcc 12 miscompiles co_await inside conditions: results go to locals first.)
    const bool handshake_ok = co_await self->Handshake();
    if (handshake_ok) co_await self->Serve();
    self->conn_->Close();
    self->loop_.sessions.erase(self.get());
    self->server_.metrics_.ConnectionClosed();
    self->server_.active_.fetch_sub(1);
  }

  // Called on the loop thread when draining: an idle connection is closed now, a busy one
  // after its current answers are written.
  void Drain() {
    if (idle_) conn_->Close();
  }
  // At the drain deadline: closes the connection whatever it is doing.
  void Close() { conn_->Close(); }
  // Called by the loop's idle sweep: closes the connection if it waited for a block since
  // before `cutoff`.
  void CloseIfIdleSince(absl::Time cutoff) {
    if (idle_ && idle_since_ < cutoff) conn_->Close();
  }

 private:
  asio::awaitable<bool> Handshake() {
    const bool alpn = conn_->alpn() == wire::kNtfAlpn;
    wire::ServerHello hello{
        .versions = alpn ? wire::kSupportedNtfVersions : wire::kLegacyNtfVersions,
        .session_id = wire::Bytes(conn_->session_id().begin(), conn_->session_id().end())};
    if (hello.versions.max >= wire::kAuthBatchCmdsNtfVersion) {
      absl::StatusOr<crypto::PrivateKey> key =
          crypto::GenerateKeyPair(crypto::KeyAlgorithm::kX25519);
      if (!key.ok()) co_return false;
      session_key_ = *std::move(key);
      absl::StatusOr<wire::Bytes> signed_key =
          crypto::EncodeSignedKey(session_key_->public_key(), server_.signing_key_);
      if (!signed_key.ok()) co_return false;
      hello.signed_auth_key = *std::move(signed_key);
    }
    absl::StatusOr<wire::Bytes> block = wire::EncodeServerHelloBlock(hello);
    if (!block.ok()) co_return false;
    absl::Status written = co_await conn_->WriteAll(*block, server_.options_.handshake_timeout);
    if (!written.ok()) {
      server_.metrics_.HandshakeFailed(HandshakeFailure::kTls);
      co_return false;
    }
    idle_ = true;  // waiting for the client: a drain may close the connection now
    absl::Status read =
        co_await conn_->ReadExactly(absl::MakeSpan(buffer_), server_.options_.handshake_timeout);
    idle_ = false;
    if (!read.ok()) {
      server_.metrics_.HandshakeFailed(absl::IsDeadlineExceeded(read) ? HandshakeFailure::kTimeout
                                                                      : HandshakeFailure::kTls);
      co_return false;
    }
    absl::StatusOr<wire::ClientHello> client = wire::DecodeClientHelloBlock(buffer_);
    if (!client.ok()) {
      server_.metrics_.HandshakeFailed(HandshakeFailure::kBadClientHello);
      co_return false;
    }
    const tls::Fingerprint& fp = server_.tls_->credentials().fingerprint();
    if (!crypto::ConstantTimeEquals(client->key_hash, wire::ByteSpan(fp.data(), fp.size()))) {
      server_.metrics_.HandshakeFailed(HandshakeFailure::kWrongKeyHash);
      co_return false;
    }
    if (!wire::ServerAcceptsVersion(hello.versions, client->version)) {
      server_.metrics_.HandshakeFailed(HandshakeFailure::kVersion);
      co_return false;
    }
    session_.params = wire::MakeSessionParams(client->version, hello.session_id);
    session_.session_key = client->version >= wire::kAuthBatchCmdsNtfVersion && session_key_
                               ? &*session_key_
                               : nullptr;
    co_return true;
  }

  asio::awaitable<void> Serve() {
    while (!server_.draining_.load()) {
      idle_ = true;
      idle_since_ = absl::Now();
      absl::Status read =
          co_await conn_->ReadExactly(absl::MakeSpan(buffer_), absl::InfiniteDuration());
      idle_ = false;
      if (!read.ok()) co_return;
      std::vector<wire::ReceivedCommand> commands =
          wire::DecodeClientBlock(buffer_, session_.params);
      std::vector<wire::OutgoingResponse> answers = co_await ExecuteOffLoop(
          conn_->get_executor(), server_.executor_, session_, std::move(commands));
      absl::StatusOr<std::vector<wire::Bytes>> blocks =
          wire::EncodeServerBlocks(answers, session_.params);
      if (!blocks.ok()) co_return;  // an answer we cannot encode: a bug, drop the connection
      for (const wire::Bytes& b : *blocks) {
        absl::Status written = co_await conn_->WriteAll(b, server_.options_.idle_timeout);
        if (!written.ok()) co_return;
      }
    }
  }

  NtfServer& server_;
  Loop& loop_;
  tls::TlsConnectionPtr conn_;
  std::optional<crypto::PrivateKey> session_key_;
  SessionContext session_;
  std::array<uint8_t, wire::kNtfBlockSize> buffer_{};
  bool idle_ = false;
  absl::Time idle_since_ = absl::InfiniteFuture();
};

NtfServer::NtfServer(NtfServerOptions options, std::shared_ptr<const tls::TlsServerContext> tls,
                     crypto::PrivateKey signing_key, BlockExecutor& executor,
                     IntakeMetrics& metrics)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      signing_key_(std::move(signing_key)),
      executor_(executor),
      metrics_(metrics) {}

NtfServer::~NtfServer() {
  StopAccepting();
  for (auto& loop : loops_) {
    asio::post(loop->io, [l = loop.get()] {
      for (Session* s : l->sessions) s->Drain();
    });
    loop->io.stop();
  }
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

absl::Status NtfServer::Start() {
  uint16_t port = options_.port;
  for (int i = 0; i < std::max(1, options_.event_loops); ++i) {
    auto loop = std::make_unique<Loop>();
    absl::StatusOr<std::unique_ptr<tls::TlsAcceptor>> acceptor = tls::TlsAcceptor::Listen(
        loop->io, tls_,
        tls::AcceptorOptions{.host = options_.host,
                             .port = port,
                             .handshake_timeout = options_.handshake_timeout,
                             .max_handshakes = options_.max_handshakes,
                             .reuse_port = options_.event_loops > 1});
    if (!acceptor.ok()) return acceptor.status();
    loop->acceptor = *std::move(acceptor);
    port = loop->acceptor->port();  // later loops share the port the first one bound
    Loop* l = loop.get();
    l->acceptor->Start(
        [this, l](tls::TlsConnectionPtr conn) {
          if (draining_.load()) return;  // dropped: closes the connection
          active_.fetch_add(1);
          asio::co_spawn(l->io, Session::Run(std::make_shared<Session>(*this, *l, std::move(conn))),
                         asio::detached);
        },
        [this](const absl::Status& error) { metrics_.HandshakeFailed(TlsFailureReason(error)); });
    l->idle_sweep = std::make_unique<asio::steady_timer>(l->io);
    SweepIdle(*l);
    loops_.push_back(std::move(loop));
  }
  port_ = port;
  for (auto& loop : loops_) {
    loop->thread = std::thread([l = loop.get()] {
      auto guard = asio::make_work_guard(l->io);
      l->io.run();
    });
  }
  return absl::OkStatus();
}

void NtfServer::SweepIdle(Loop& loop) {
  const absl::Duration period =
      std::clamp(options_.idle_timeout / 4, absl::Milliseconds(50), absl::Seconds(30));
  loop.idle_sweep->expires_after(absl::ToChronoMilliseconds(period));
  loop.idle_sweep->async_wait([this, &loop](const std::error_code& ec) {
    if (ec) return;  // cancelled: the loop is stopping
    const absl::Time cutoff = absl::Now() - options_.idle_timeout;
    for (Session* s : loop.sessions) s->CloseIfIdleSince(cutoff);
    SweepIdle(loop);
  });
}

void NtfServer::StopAccepting() {
  for (auto& loop : loops_) {
    asio::post(loop->io, [l = loop.get()] {
      if (l->acceptor) l->acceptor->Stop();
    });
  }
}

int NtfServer::Drain(absl::Duration deadline) {
  draining_.store(true);
  StopAccepting();
  for (auto& loop : loops_) {
    asio::post(loop->io, [l = loop.get()] {
      for (Session* s : l->sessions) s->Drain();
    });
  }
  const absl::Time until = absl::Now() + deadline;
  while (active_.load() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  const int left = active_.load();
  if (left > 0) {
    for (auto& loop : loops_) {
      asio::post(loop->io, [l = loop.get()] {
        for (Session* s : l->sessions) s->Close();
      });
    }
    const absl::Time grace = absl::Now() + absl::Seconds(1);
    while (active_.load() > 0 && absl::Now() < grace) absl::SleepFor(absl::Milliseconds(10));
  }
  return left;
}

}  // namespace ntf::intake
