// NtfClient against a scripted TLS peer: each test plays the server's side of the handshake and
// of the blocks by hand, so it can misbehave in ways the real server never does (wrong session
// id, bad signature, answers out of order, no answer). The real server is exercised by
// services/intake/tests/ntf_server_test.cc.
#include "ntf/client/ntf_client.h"

#include <openssl/evp.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ntf/crypto/auth.h"
#include "ntf/crypto/primitives.h"
#include "ntf/crypto/signed_key.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/connection.h"
#include "ntf/wire/block.h"

namespace ntf::client {
namespace {

using crypto::KeyAlgorithm;
using ::testing::HasSubstr;
using wire::Bytes;

// The crypto form of a TLS identity's online key.
crypto::PrivateKey SigningKeyOf(const tls::ServerCredentials& credentials) {
  size_t len = 0;
  EVP_PKEY_get_raw_private_key(credentials.private_key(), nullptr, &len);
  Bytes raw(len);
  EVP_PKEY_get_raw_private_key(credentials.private_key(), raw.data(), &len);
  return *crypto::PrivateKey::FromRaw(credentials.algorithm() == tls::KeyAlgorithm::kEd448
                                          ? KeyAlgorithm::kEd448
                                          : KeyAlgorithm::kEd25519,
                                      raw);
}

// What a scripted server's handshake established.
struct ServerSession {
  wire::SessionParams params;
  std::optional<crypto::PrivateKey> key;  // the per-connection X25519 key, if offered
  wire::ClientHello client_hello;
};

struct HelloOptions {
  wire::VersionRange versions = wire::kSupportedNtfVersions;
  const crypto::PrivateKey* signer = nullptr;  // signs the session key; null: the TLS key
  Bytes session_id = {};                       // sent instead of the real one if not empty
};

// A TLS server on its own thread; every connection runs a copy of `script`.
class ScriptedServer {
 public:
  using Script = std::function<asio::awaitable<void>(tls::TlsConnection&, ScriptedServer&)>;

  explicit ScriptedServer(Script script, tls::KeyAlgorithm algorithm = tls::KeyAlgorithm::kEd25519)
      : script_(std::move(script)) {
    tls::CertificateAndKey ca = *tls::GenerateCa({.algorithm = algorithm});
    tls::CertificateAndKey server = *tls::GenerateServerCertificate(ca, {.algorithm = algorithm});
    tls::ServerCredentials credentials = *tls::ServerCredentials::FromPem(
        server.certificate_pem + ca.certificate_pem, server.private_key_pem);
    fingerprint_ = credentials.fingerprint();
    signing_key_ = SigningKeyOf(credentials);
    auto context =
        *tls::TlsServerContext::Create(std::move(credentials), {.alpn_protocols = {tls::kNtfAlpn}});
    acceptor_ = *tls::TlsAcceptor::Listen(io_, context, {});
    acceptor_->Start([this](tls::TlsConnectionPtr conn) {
      asio::co_spawn(io_, Run(std::move(conn), script_, *this), asio::detached);
    });
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }

  ~ScriptedServer() {
    asio::post(io_, [this] {
      acceptor_.reset();
      finished_connections_.clear();
      io_.stop();
    });
    thread_.join();
  }

  uint16_t port() const { return acceptor_->port(); }
  const tls::Fingerprint& fingerprint() const { return fingerprint_; }
  const crypto::PrivateKey& signing_key() const { return *signing_key_; }

  ConnectOptions Options() const {
    return {.host = "127.0.0.1",
            .port = port(),
            .key_hash = fingerprint_,
            .connect_timeout = absl::Seconds(10),
            .io_timeout = absl::Seconds(10)};
  }

  // Waits until `n` scripts have returned.
  bool WaitForScripts(int n = 1, absl::Duration limit = absl::Seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoSeconds(limit), [&] { return scripts_done_ >= n; });
  }

  // Script steps.
  asio::awaitable<absl::StatusOr<ServerSession>> Handshake(tls::TlsConnection& conn,
                                                           HelloOptions options = {}) {
    ServerSession session;
    wire::ServerHello hello{
        .versions = options.versions,
        .session_id = options.session_id.empty()
                          ? Bytes(conn.session_id().begin(), conn.session_id().end())
                          : options.session_id};
    if (options.versions.max >= wire::kAuthBatchCmdsNtfVersion) {
      session.key = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);
      hello.signed_auth_key = *crypto::EncodeSignedKey(
          session.key->public_key(), options.signer ? *options.signer : *signing_key_);
    }
    absl::Status s = co_await conn.WriteAll(*wire::EncodeServerHelloBlock(hello));
    if (!s.ok()) co_return s;
    std::array<uint8_t, wire::kNtfBlockSize> block{};
    s = co_await conn.ReadExactly(absl::MakeSpan(block));
    if (!s.ok()) co_return s;
    absl::StatusOr<wire::ClientHello> client = wire::DecodeClientHelloBlock(block);
    if (!client.ok()) co_return client.status();
    session.client_hello = *client;
    session.params = wire::MakeSessionParams(
        client->version, Bytes(conn.session_id().begin(), conn.session_id().end()));
    co_return session;
  }

  static asio::awaitable<absl::StatusOr<Bytes>> ReadBlock(tls::TlsConnection& conn) {
    Bytes block(wire::kNtfBlockSize);
    absl::Status s = co_await conn.ReadExactly(absl::MakeSpan(block));
    if (!s.ok()) co_return s;
    co_return block;
  }

  static asio::awaitable<absl::StatusOr<std::vector<wire::ReceivedCommand>>> ReadCommands(
      tls::TlsConnection& conn, const ServerSession& session) {
    absl::StatusOr<Bytes> block = co_await ReadBlock(conn);
    if (!block.ok()) co_return block.status();
    co_return wire::DecodeClientBlock(*block, session.params);
  }

  static asio::awaitable<absl::Status> WriteAnswers(tls::TlsConnection& conn,
                                                    const ServerSession& session,
                                                    std::vector<wire::OutgoingResponse> answers) {
    absl::StatusOr<std::vector<Bytes>> blocks = wire::EncodeServerBlocks(answers, session.params);
    if (!blocks.ok()) co_return blocks.status();
    for (const Bytes& b : *blocks) {
      absl::Status s = co_await conn.WriteAll(b);
      if (!s.ok()) co_return s;
    }
    co_return absl::OkStatus();
  }

 private:
  // Runs the script, then keeps the connection open until the server stops (closing it with
  // unread data could reset it before the client reads the answers).
  static asio::awaitable<void> Run(tls::TlsConnectionPtr conn, Script script,
                                   ScriptedServer& self) {
    co_await script(*conn, self);
    self.finished_connections_.push_back(std::move(conn));
    std::lock_guard lock(self.mu_);
    ++self.scripts_done_;
    self.cv_.notify_all();
  }

  Script script_;
  asio::io_context io_;
  std::unique_ptr<tls::TlsAcceptor> acceptor_;
  std::vector<tls::TlsConnectionPtr> finished_connections_;  // on the io thread only
  tls::Fingerprint fingerprint_{};
  std::optional<crypto::PrivateKey> signing_key_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  int scripts_done_ = 0;
};

// One answer. (gcc 12 cannot compile initializer lists inside coroutines: "array used as
// initializer".)
std::vector<wire::OutgoingResponse> One(Bytes corr_id, wire::Response response,
                                        Bytes entity_id = {}) {
  std::vector<wire::OutgoingResponse> out;
  out.push_back({.corr_id = std::move(corr_id),
                 .entity_id = std::move(entity_id),
                 .response = std::move(response)});
  return out;
}

// A script that completes the handshake with `options` and then reads until the client leaves.
ScriptedServer::Script HandshakeOnly(HelloOptions options = {},
                                     std::shared_ptr<ServerSession> seen = nullptr) {
  return
      [options, seen](tls::TlsConnection& conn, ScriptedServer& server) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await server.Handshake(conn, options);
        if (!session.ok()) co_return;
        if (seen) *seen = *std::move(session);
      };
}

TEST(NtfClientTest, NegotiatesHighestCommonVersion) {
  auto seen = std::make_shared<ServerSession>();
  ScriptedServer server(HandshakeOnly({}, seen));
  ConnectOptions options = server.Options();
  options.versions = {1, 2};
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->version(), 2);
  EXPECT_EQ((*client)->server_versions(), wire::kSupportedNtfVersions);
  EXPECT_EQ((*client)->alpn(), "ntf/1");
  EXPECT_EQ((*client)->session_id().size(), 32u);
  EXPECT_TRUE((*client)->session_params().batch);
  ASSERT_TRUE(server.WaitForScripts());
  EXPECT_EQ(seen->client_hello.version, 2);
  EXPECT_EQ(seen->client_hello.key_hash,
            Bytes(server.fingerprint().begin(), server.fingerprint().end()));
  ASSERT_NE((*client)->server_session_key(), nullptr);
  EXPECT_EQ(*(*client)->server_session_key(), seen->key->public_key());
}

TEST(NtfClientTest, V1SessionHasNoSessionKey) {
  ScriptedServer server(HandshakeOnly());
  ConnectOptions options = server.Options();
  options.versions = {1, 1};
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->version(), 1);
  EXPECT_EQ((*client)->server_session_key(), nullptr);
  EXPECT_FALSE((*client)->session_params().batch);
}

TEST(NtfClientTest, VerifiesSessionKeySignedWithEd448Leaf) {
  ScriptedServer server(HandshakeOnly(), tls::KeyAlgorithm::kEd448);
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(server.Options());
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->version(), 3);
  EXPECT_NE((*client)->server_session_key(), nullptr);
}

TEST(NtfClientTest, RejectsSessionKeySignedByAnotherKey) {
  const crypto::PrivateKey other = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  ScriptedServer server(HandshakeOnly({.signer = &other}));
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(server.Options());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnauthenticated) << client.status();
}

TEST(NtfClientTest, RejectsSessionKeyEvenWhenNegotiatingV1) {
  // As the reference client: a key that is offered must verify, whatever the version.
  const crypto::PrivateKey other = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  ScriptedServer server(HandshakeOnly({.signer = &other}));
  ConnectOptions options = server.Options();
  options.versions = {1, 1};
  EXPECT_EQ(NtfClient::Connect(options).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(NtfClientTest, RejectsWrongSessionIdInHello) {
  ScriptedServer server(HandshakeOnly({.session_id = Bytes(32, 7)}));
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(server.Options());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(client.status().message(), HasSubstr("session id"));
}

TEST(NtfClientTest, NoCommonVersionIsTEVersion) {
  ScriptedServer server(HandshakeOnly({.versions = wire::kLegacyNtfVersions}));
  ConnectOptions options = server.Options();
  options.versions = {2, 3};
  absl::StatusOr<std::unique_ptr<NtfClient>> client = NtfClient::Connect(options);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(client.status().message(), HasSubstr("TEVersion"));
}

TEST(NtfClientTest, RejectsEmptyVersionRange) {
  ConnectOptions options;
  options.versions = {3, 2};
  EXPECT_EQ(NtfClient::Connect(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NtfClientTest, WrongFingerprintFailsTls) {
  ScriptedServer server(HandshakeOnly());
  ConnectOptions options = server.Options();
  options.key_hash[0] ^= 1;
  EXPECT_EQ(NtfClient::Connect(options).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(NtfClientTest, SendsTestKeyHashInHello) {
  auto seen = std::make_shared<ServerSession>();
  ScriptedServer server(HandshakeOnly({}, seen));
  ConnectOptions options = server.Options();
  options.hello_key_hash_for_test = Bytes(32, 0x11);
  ASSERT_TRUE(NtfClient::Connect(options).ok());
  ASSERT_TRUE(server.WaitForScripts());
  EXPECT_EQ(seen->client_hello.key_hash, Bytes(32, 0x11));
}

TEST(NtfClientTest, MatchesRepliesByCorrIdInAnyOrder) {
  // TCHK for three tokens; the server answers in reverse order, each with a status telling
  // which token it was about.
  const crypto::PrivateKey key = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  const std::vector<wire::TokenState> states = {
      wire::TokenState::kRegistered, wire::TokenState::kActive, wire::TokenState::kConfirmed};
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
        if (!commands.ok()) co_return;
        std::vector<wire::OutgoingResponse> answers;
        for (auto it = commands->rbegin(); it != commands->rend(); ++it) {
          answers.push_back(
              {.corr_id = it->corr_id,
               .entity_id = it->entity_id,
               .response = wire::TknResponse{.status = {.state = states[it->entity_id[0]]}}});
        }
        (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
      });
  auto client = *NtfClient::Connect(server.Options());
  std::vector<Request> requests;
  for (uint8_t i = 0; i < 3; ++i) {
    requests.push_back({.command = wire::TchkCommand{}, .entity_id = Bytes(24, i), .signer = &key});
  }
  absl::StatusOr<std::vector<Reply>> replies = client->Send(std::move(requests));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Reply& r = (*replies)[i];
    ASSERT_TRUE(r.request.has_value());
    EXPECT_EQ(*r.request, 2 - i);  // arrival order is reversed
    EXPECT_EQ(r.corr_id.size(), 24u);
    ASSERT_NE(r.response(), nullptr);
    EXPECT_EQ(std::get<wire::TknResponse>(*r.response()).status.state, states[*r.request]);
  }
}

TEST(NtfClientTest, SignsWithSignaturesAndAuthenticators) {
  const crypto::PrivateKey ed25519 = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  const crypto::PrivateKey ed448 = *crypto::GenerateKeyPair(KeyAlgorithm::kEd448);
  const crypto::PrivateKey x25519 = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);
  const std::vector<const crypto::PrivateKey*> signers = {&ed25519, &ed448, &x25519, nullptr};
  std::vector<size_t> auth_sizes;
  std::vector<bool> verified;
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
        if (!commands.ok()) co_return;
        std::vector<wire::OutgoingResponse> answers;
        for (size_t i = 0; i < commands->size(); ++i) {
          const wire::ReceivedCommand& c = (*commands)[i];
          auth_sizes.push_back(c.auth.size());
          verified.push_back(signers[i] != nullptr &&
                             crypto::VerifyAuthorization(signers[i]->public_key(), &*session->key,
                                                         c.corr_id, c.authorized, c.auth));
          answers.push_back(
              {.corr_id = c.corr_id, .entity_id = c.entity_id, .response = wire::OkResponse{}});
        }
        (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
      });
  auto client = *NtfClient::Connect(server.Options());
  std::vector<Request> requests;
  for (const crypto::PrivateKey* signer : signers) {
    requests.push_back(
        {.command = wire::TdelCommand{}, .entity_id = crypto::RandomId(), .signer = signer});
  }
  absl::StatusOr<std::vector<Reply>> replies = client->Send(std::move(requests));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_TRUE(server.WaitForScripts());
  EXPECT_THAT(auth_sizes, ::testing::ElementsAre(64, 114, 80, 0));
  EXPECT_THAT(verified, ::testing::ElementsAre(true, true, true, false));
}

TEST(NtfClientTest, V1SendsOneTransmissionPerBlock) {
  int blocks = 0;
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session =
            co_await self.Handshake(conn, {.versions = wire::kLegacyNtfVersions});
        if (!session.ok()) co_return;
        for (int i = 0; i < 3; ++i) {
          auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
          if (!commands.ok() || commands->size() != 1 || !(*commands)[0].ok()) co_return;
          ++blocks;
          std::vector<wire::OutgoingResponse> answers =
              One((*commands)[0].corr_id, wire::PongResponse{});
          (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
        }
      });
  auto client = *NtfClient::Connect(server.Options());
  ASSERT_EQ(client->version(), 1);
  absl::StatusOr<std::vector<Reply>> replies = client->Send({{.command = wire::PingCommand{}},
                                                             {.command = wire::PingCommand{}},
                                                             {.command = wire::PingCommand{}}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*replies)[i].request, i);
  ASSERT_TRUE(server.WaitForScripts());
  EXPECT_EQ(blocks, 3);
}

TEST(NtfClientTest, BatchesRequestsAtV2) {
  std::vector<size_t> per_block;
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        size_t total = 0;
        while (total < 50) {
          auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
          if (!commands.ok()) co_return;
          per_block.push_back(commands->size());
          total += commands->size();
          std::vector<wire::OutgoingResponse> answers;
          for (const auto& c : *commands) {
            answers.push_back({.corr_id = c.corr_id, .response = wire::PongResponse{}});
          }
          (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
        }
      });
  auto client = *NtfClient::Connect(server.Options());
  absl::StatusOr<std::vector<Reply>> replies =
      client->Send(std::vector<Request>(50, Request{.command = wire::PingCommand{}}));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ((*replies)[i].request, i);
  ASSERT_TRUE(server.WaitForScripts());
  // A PING transmission is 33 bytes with its length: 14 fit in a block.
  EXPECT_THAT(per_block, ::testing::ElementsAre(14, 14, 14, 8));
}

TEST(NtfClientTest, ManyBlocksInFlightDoNotDeadlock) {
  // 2000 PINGs at v1: 2000 blocks each way, more than the socket buffers hold.
  constexpr int kCount = 2000;
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session =
            co_await self.Handshake(conn, {.versions = wire::kLegacyNtfVersions});
        if (!session.ok()) co_return;
        for (int i = 0; i < kCount; ++i) {
          auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
          if (!commands.ok()) co_return;
          std::vector<wire::OutgoingResponse> answers =
              One((*commands)[0].corr_id, wire::PongResponse{});
          (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
        }
      });
  auto client = *NtfClient::Connect(server.Options());
  absl::StatusOr<std::vector<Reply>> replies =
      client->Send(std::vector<Request>(kCount, Request{.command = wire::PingCommand{}}));
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ(replies->size(), static_cast<size_t>(kCount));
}

TEST(NtfClientTest, ErrAnswerIsAValueAndWrongTypeIsAnError) {
  // One canned answer per block, in order; the corrId and entity of the command are echoed
  // unless `echo` is false.
  struct Canned {
    wire::Response response;
    bool echo_corr_id = true;
    bool echo_entity = true;
  };
  const std::vector<Canned> canned = {
      {.response = wire::ErrResponse{.error = wire::ErrorType::Of(wire::ErrorCode::kAuth)}},
      {.response = wire::IdsubResponse{.subscription_id = Bytes(24, 1)}, .echo_entity = false},
      {.response = wire::OkResponse{}, .echo_entity = false},  // OK must carry the entity
      {.response = wire::ErrResponse{.error = wire::ErrorType::Of(wire::ErrorCode::kBlock)},
       .echo_corr_id = false,
       .echo_entity = false},
  };
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        for (const Canned& c : canned) {
          auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
          if (!commands.ok()) co_return;
          std::vector<wire::OutgoingResponse> answers =
              One(c.echo_corr_id ? (*commands)[0].corr_id : Bytes(), c.response,
                  c.echo_entity ? (*commands)[0].entity_id : Bytes());
          (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
        }
      });
  auto client = *NtfClient::Connect(server.Options());
  const crypto::PrivateKey key = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  absl::StatusOr<Answer<wire::TokenStatus>> tchk = client->Tchk(crypto::RandomId(), key);
  ASSERT_TRUE(tchk.ok()) << tchk.status();
  ASSERT_FALSE(tchk->ok());
  EXPECT_EQ(tchk->error(), wire::ErrorType::Of(wire::ErrorCode::kAuth));

  absl::StatusOr<Answer<wire::PongResponse>> ping = client->Ping();
  EXPECT_EQ(ping.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ping.status().message(), HasSubstr("unexpected answer IDSUB to PING"));

  absl::StatusOr<Answer<wire::OkResponse>> tdel = client->Tdel(crypto::RandomId(), key);
  EXPECT_EQ(tdel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tdel.status().message(), HasSubstr("undecodable answer to TDEL: CMD NO_ENTITY"));

  ping = client->Ping();
  ASSERT_TRUE(ping.ok()) << ping.status();
  ASSERT_FALSE(ping->ok());
  EXPECT_EQ(ping->error(), wire::ErrorType::Of(wire::ErrorCode::kBlock));
}

TEST(NtfClientTest, RawBlockGetsTheServersAnswer) {
  Bytes received;
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        absl::StatusOr<Bytes> block = co_await ScriptedServer::ReadBlock(conn);
        if (!block.ok()) co_return;
        received = *block;
        std::vector<wire::OutgoingResponse> answers =
            One({}, wire::ErrResponse{.error = wire::ErrorType::Of(wire::ErrorCode::kBlock)});
        (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
      });
  auto client = *NtfClient::Connect(server.Options());
  const Bytes garbage(wire::kNtfBlockSize, 0xff);
  absl::StatusOr<std::vector<Reply>> replies = client->SendRawBlockForTest(garbage);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_FALSE((*replies)[0].request.has_value());
  EXPECT_TRUE((*replies)[0].corr_id.empty());
  ASSERT_NE((*replies)[0].response(), nullptr);
  EXPECT_EQ(
      *(*replies)[0].response(),
      wire::Response(wire::ErrResponse{.error = wire::ErrorType::Of(wire::ErrorCode::kBlock)}));
  ASSERT_TRUE(server.WaitForScripts());
  EXPECT_EQ(received, garbage);
}

TEST(NtfClientTest, SilentServerTimesOutAndBreaksTheConnection) {
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        // Reads until the client leaves. (gcc 12.2 miscompiles co_await inside a condition.)
        for (;;) {
          absl::StatusOr<Bytes> block = co_await ScriptedServer::ReadBlock(conn);
          if (!block.ok()) break;
        }
      });
  ConnectOptions options = server.Options();
  options.io_timeout = absl::Milliseconds(300);
  auto client = *NtfClient::Connect(options);
  EXPECT_EQ(client->Ping().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(client->Ping().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(NtfClientTest, ServerCloseIsUnavailable) {
  ScriptedServer server(
      [&](tls::TlsConnection& conn, ScriptedServer& self) -> asio::awaitable<void> {
        absl::StatusOr<ServerSession> session = co_await self.Handshake(conn);
        if (!session.ok()) co_return;
        (void)co_await ScriptedServer::ReadBlock(conn);
        conn.Close();
      });
  auto client = *NtfClient::Connect(server.Options());
  EXPECT_EQ(client->Ping().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client->Ping().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(NtfClientTest, X25519SignerNeedsAV2Session) {
  ScriptedServer server([&](tls::TlsConnection& conn,
                            ScriptedServer& self) -> asio::awaitable<void> {
    absl::StatusOr<ServerSession> session =
        co_await self.Handshake(conn, {.versions = wire::kLegacyNtfVersions});
    if (!session.ok()) co_return;
    auto commands = co_await ScriptedServer::ReadCommands(conn, *session);
    if (!commands.ok()) co_return;
    std::vector<wire::OutgoingResponse> answers = One((*commands)[0].corr_id, wire::PongResponse{});
    (void)co_await ScriptedServer::WriteAnswers(conn, *session, std::move(answers));
  });
  auto client = *NtfClient::Connect(server.Options());
  const crypto::PrivateKey x25519 = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);
  EXPECT_EQ(client->Tchk(crypto::RandomId(), x25519).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Nothing was sent: the connection is still usable.
  absl::StatusOr<Answer<wire::PongResponse>> ping = client->Ping();
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_TRUE(ping->ok());
}

TEST(NtfClientTest, ClosedClientFailsCalls) {
  ScriptedServer server(HandshakeOnly());
  auto client = *NtfClient::Connect(server.Options());
  client->Close();
  client->Close();
  EXPECT_EQ(client->Ping().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client->SendRawBlockForTest(Bytes(512, 0)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(NtfClientTest, EmptySendSendsNothing) {
  ScriptedServer server(HandshakeOnly());
  auto client = *NtfClient::Connect(server.Options());
  absl::StatusOr<std::vector<Reply>> replies = client->Send({});
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
}

TEST(ConnectOptionsTest, FromAddress) {
  const Bytes fp(32, 0x42);
  const std::string b64 = wire::Base64UrlEncode(fp);
  absl::StatusOr<ConnectOptions> o =
      ConnectOptions::FromAddress("ntf://" + b64 + "@ntf.example.com");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "ntf.example.com");
  EXPECT_EQ(o->port, 443);
  EXPECT_EQ(Bytes(o->key_hash.begin(), o->key_hash.end()), fp);
  EXPECT_TRUE(o->alpn);
  EXPECT_EQ(o->versions, wire::kSupportedNtfVersions);

  o = ConnectOptions::FromAddress("ntf://" + b64 + "@127.0.0.1,abcdefgh.onion:5443");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 5443);

  EXPECT_FALSE(ConnectOptions::FromAddress("smp://" + b64 + "@smp.example.com").ok());
  EXPECT_FALSE(ConnectOptions::FromAddress("ntf://AAAA@ntf.example.com").ok());
  EXPECT_FALSE(ConnectOptions::FromAddress("ntf.example.com:443").ok());
}

}  // namespace
}  // namespace ntf::client
