#include "ntf/tls/connection.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ntf/tls/blocking_client.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/context.h"
#include "test_pki.h"

namespace ntf::tls {
namespace {

using ::ntf::tls::testing::MakeTestPki;
using ::testing::HasSubstr;
using Tcp = asio::ip::tcp;

// Drives `io` on this thread until `done()` holds or `limit` passes.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done,
              absl::Duration limit = absl::Seconds(20)) {
  absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    io.run_one_for(std::chrono::milliseconds(10));
    if (io.stopped()) io.restart();
  }
  return true;
}

template <typename T>
void Spawn(asio::io_context& io, asio::awaitable<T> op, std::optional<T>& out) {
  asio::co_spawn(io, std::move(op), [&out](std::exception_ptr e, T value) {
    EXPECT_FALSE(e) << "coroutine threw";
    out.emplace(std::move(value));
  });
}

std::vector<uint8_t> Pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 7 + i / 251);
  return out;
}

// Writes `data` as many small TLS records (one WriteAll per fragment).
asio::awaitable<absl::Status> WriteInFragments(TlsConnection& conn, absl::Span<const uint8_t> data,
                                               size_t fragment) {
  for (size_t offset = 0; offset < data.size(); offset += fragment) {
    absl::Status s = co_await conn.WriteAll(data.subspan(offset, fragment));
    if (!s.ok()) co_return s;
  }
  co_return absl::OkStatus();
}

// Echoes `count` blocks of `block` bytes, writing each back in `fragment`-byte pieces.
asio::awaitable<void> Echo(TlsConnection* conn, size_t block, size_t fragment, int count) {
  std::vector<uint8_t> buf(block);
  for (int i = 0; i < count; ++i) {
    if (!(co_await conn->ReadExactly(absl::MakeSpan(buf))).ok()) co_return;
    if (!(co_await WriteInFragments(*conn, buf, fragment)).ok()) co_return;
  }
}

class TlsLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const TlsClientContext>> ctx = TlsClientContext::Create();
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    client_ctx_ = *ctx;
  }

  std::shared_ptr<const TlsServerContext> ServerContext(const std::string& chain_pem,
                                                        const std::string& key_pem,
                                                        std::vector<std::string> alpn) {
    absl::StatusOr<ServerCredentials> creds = ServerCredentials::FromPemForTest(chain_pem, key_pem);
    EXPECT_TRUE(creds.ok()) << creds.status();
    absl::StatusOr<std::shared_ptr<const TlsServerContext>> ctx =
        TlsServerContext::Create(*std::move(creds), {.alpn_protocols = std::move(alpn)});
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return *ctx;
  }

  void StartServer(std::shared_ptr<const TlsServerContext> ctx, AcceptorOptions options = {}) {
    server_ctx_ = ctx;
    absl::StatusOr<std::unique_ptr<TlsAcceptor>> acceptor =
        TlsAcceptor::Listen(io_, std::move(ctx), options);
    ASSERT_TRUE(acceptor.ok()) << acceptor.status();
    acceptor_ = *std::move(acceptor);
    ASSERT_NE(acceptor_->port(), 0);
    acceptor_->Start(
        [this](TlsConnectionPtr c) {
          if (on_server_connection_) on_server_connection_(*c);
          server_conns_.push_back(std::move(c));
        },
        [this](const absl::Status& s) { server_errors_.push_back(s); });
  }

  void StartServer(const testing::TestPki& pki, std::vector<std::string> alpn = {kNtfAlpn},
                   AcceptorOptions options = {}) {
    StartServer(ServerContext(pki.ChainPem(), pki.server.private_key_pem, std::move(alpn)),
                options);
  }

  // Connects to the acceptor; when the client succeeds, also waits for the server's side.
  absl::StatusOr<TlsConnectionPtr> Connect(ConnectOptions options) {
    std::optional<absl::StatusOr<TlsConnectionPtr>> result;
    size_t before = server_conns_.size();
    Spawn(io_, TlsConnect(client_ctx_, "127.0.0.1", acceptor_->port(), std::move(options)), result);
    EXPECT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
    if (result.has_value() && result->ok()) {
      EXPECT_TRUE(RunUntil(io_, [&] { return server_conns_.size() > before; }));
    }
    return result.has_value() ? *std::move(result) : absl::InternalError("no result");
  }

  asio::io_context io_;  // first: destroyed last
  std::shared_ptr<const TlsClientContext> client_ctx_;
  std::shared_ptr<const TlsServerContext> server_ctx_;
  std::unique_ptr<TlsAcceptor> acceptor_;
  std::function<void(TlsConnection&)> on_server_connection_;
  std::vector<TlsConnectionPtr> server_conns_;
  std::vector<absl::Status> server_errors_;
};

// --- Handshake parameters, over every CA/leaf algorithm pair ---------------------------------

struct AlgorithmPair {
  KeyAlgorithm ca;
  KeyAlgorithm leaf;
};

class TlsHandshakeTest : public TlsLoopbackTest,
                         public ::testing::WithParamInterface<AlgorithmPair> {};

TEST_P(TlsHandshakeTest, AgreesOnClientFinishedSessionIdCipherAndAlpn) {
  testing::TestPki pki = MakeTestPki(GetParam().ca, GetParam().leaf);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_EQ(server_conns_.size(), 1u);
  TlsConnection& c = **client;
  TlsConnection& s = *server_conns_[0];

  // Session id: 32 bytes, the client's Finished seen from both sides.
  ASSERT_EQ(c.session_id().size(), 32u);
  EXPECT_EQ(c.info().session_id, s.info().session_id);
  unsigned char buf[64];
  size_t n = SSL_get_finished(c.native_handle(), buf, sizeof buf);
  EXPECT_EQ(std::vector<uint8_t>(buf, buf + n), c.info().session_id);
  n = SSL_get_peer_finished(c.native_handle(), buf, sizeof buf);  // the server's Finished
  EXPECT_EQ(n, 32u);
  EXPECT_NE(std::vector<uint8_t>(buf, buf + n), s.info().session_id);
  // The server runs its own record layer: its SSL object is gone after the handshake.
  EXPECT_EQ(s.native_handle(), nullptr);

  EXPECT_EQ(c.info().cipher, "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(s.info().cipher, "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(c.info().version, "TLSv1.3");
  EXPECT_EQ(c.alpn(), "ntf/1");
  EXPECT_EQ(s.alpn(), "ntf/1");
  // No resumption material was issued.
  EXPECT_EQ(SSL_SESSION_is_resumable(SSL_get0_session(c.native_handle())), 0);

  // The client never sends SNI.
  EXPECT_EQ(s.info().server_name, "");

  // The client saw the chain [online, CA] and exposes the online key.
  EXPECT_EQ(c.info().peer_chain, server_ctx_->credentials().chain_der());
  EXPECT_TRUE(s.info().peer_chain.empty());
  ASSERT_NE(c.peer_public_key(), nullptr);
  EXPECT_EQ(EVP_PKEY_eq(c.peer_public_key(), server_ctx_->credentials().private_key()), 1);
  EXPECT_EQ(s.peer_public_key(), nullptr);
  EXPECT_THAT(c.info().remote_address, HasSubstr("127.0.0.1:"));
  EXPECT_THAT(s.info().remote_address, HasSubstr("127.0.0.1:"));
  EXPECT_TRUE(server_errors_.empty());
}

TEST_P(TlsHandshakeTest, ServerKeySignatureVerifiesWithClientPeerKey) {
  // What the NTF/SMP server hello does: sign with the online key, verify with the leaf key.
  testing::TestPki pki = MakeTestPki(GetParam().ca, GetParam().leaf);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();

  const std::string message = "per-connection X25519 SPKI";
  EVP_MD_CTX* sign = EVP_MD_CTX_new();
  ASSERT_EQ(
      EVP_DigestSignInit(sign, nullptr, nullptr, nullptr, server_ctx_->credentials().private_key()),
      1);
  size_t sig_len = 0;
  ASSERT_EQ(EVP_DigestSign(sign, nullptr, &sig_len,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size()),
            1);
  std::vector<unsigned char> sig(sig_len);
  ASSERT_EQ(EVP_DigestSign(sign, sig.data(), &sig_len,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size()),
            1);
  EVP_MD_CTX_free(sign);
  EXPECT_EQ(sig_len, GetParam().leaf == KeyAlgorithm::kEd25519 ? 64u : 114u);

  EVP_MD_CTX* verify = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(verify, nullptr, nullptr, nullptr, (*client)->peer_public_key()),
            1);
  EXPECT_EQ(
      EVP_DigestVerify(verify, sig.data(), sig_len,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()),
      1);
  EVP_MD_CTX_free(verify);
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, TlsHandshakeTest,
    ::testing::Values(AlgorithmPair{KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519},
                      AlgorithmPair{KeyAlgorithm::kEd448, KeyAlgorithm::kEd448},
                      AlgorithmPair{KeyAlgorithm::kEd448, KeyAlgorithm::kEd25519},
                      AlgorithmPair{KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448}),
    [](const auto& info) {
      return "Ca" + testing::AlgorithmParamName(info.param.ca) + "Leaf" +
             testing::AlgorithmParamName(info.param.leaf);
    });

// --- ALPN ------------------------------------------------------------------------------------

TEST_F(TlsLoopbackTest, NoAlpnNegotiatedWhenClientOffersNone) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client = Connect({.key_hash = pki.fingerprint, .alpn = ""});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->alpn(), "");
  EXPECT_EQ(server_conns_[0]->alpn(), "");
  EXPECT_EQ((*client)->session_id().size(), 32u);
}

TEST_F(TlsLoopbackTest, NoAlpnNegotiatedWhenOfferDoesNotMatch) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki, {kNtfAlpn});
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kSmpAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->alpn(), "");
  EXPECT_EQ(server_conns_[0]->alpn(), "");
}

TEST_F(TlsLoopbackTest, ServerSelectsClientOfferFromItsList) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki, {"h2", kSmpAlpn, kNtfAlpn});
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kSmpAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->alpn(), "smp/1");
  EXPECT_EQ(server_conns_[0]->alpn(), "smp/1");
}

TEST_F(TlsLoopbackTest, ServerContextRejectsBadAlpnName) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(TlsServerContext::Create(*std::move(creds), {.alpn_protocols = {""}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Server identity ---------------------------------------------------------------------------

TEST_F(TlsLoopbackTest, WrongFingerprintIsRefusedDuringHandshake) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd448, KeyAlgorithm::kEd448);
  testing::TestPki other = MakeTestPki(KeyAlgorithm::kEd448, KeyAlgorithm::kEd448);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = other.fingerprint, .alpn = kNtfAlpn});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(client.status().message(), HasSubstr("identity mismatch"));
  EXPECT_THAT(client.status().message(), HasSubstr(FormatFingerprint(pki.fingerprint)));
  // The server saw the client's alert: a failed handshake, no connection.
  ASSERT_TRUE(RunUntil(io_, [&] { return !server_errors_.empty(); }));
  EXPECT_EQ(server_errors_[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(server_conns_.empty());
}

TEST_F(TlsLoopbackTest, SingleCertificateChainIsRefused) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(ServerContext(pki.server.certificate_pem, pki.server.private_key_pem, {kNtfAlpn}));
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(client.status().message(), HasSubstr("1 certificates"));
  EXPECT_TRUE(server_conns_.empty());
}

TEST_F(TlsLoopbackTest, ThreeCertificateChainIsAcceptedWithIdentityPin) {
  absl::StatusOr<CertificateAndKey> root = GenerateCa({});
  ASSERT_TRUE(root.ok());
  absl::StatusOr<CertificateAndKey> id = GenerateCa({.common_name = "identity"}, &*root);
  ASSERT_TRUE(id.ok());
  absl::StatusOr<CertificateAndKey> leaf = GenerateServerCertificate(*id, {});
  ASSERT_TRUE(leaf.ok());
  StartServer(ServerContext(leaf->certificate_pem + id->certificate_pem + root->certificate_pem,
                            leaf->private_key_pem, {kNtfAlpn}));
  absl::StatusOr<Fingerprint> id_fp = FingerprintOfPem(id->certificate_pem);
  absl::StatusOr<TlsConnectionPtr> client = Connect({.key_hash = *id_fp, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->info().peer_chain.size(), 3u);
}

// --- Block I/O ---------------------------------------------------------------------------------

struct BlockCase {
  size_t block;
  size_t fragment;
};

class TlsBlockTest : public TlsLoopbackTest, public ::testing::WithParamInterface<BlockCase> {};

TEST_P(TlsBlockTest, ExactBlocksRoundTripHoweverFragmented) {
  const auto [block, fragment] = GetParam();
  constexpr int kBlocks = 3;
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  on_server_connection_ = [&, block = block, fragment = fragment](TlsConnection& c) {
    asio::co_spawn(io_, Echo(&c, block, fragment, kBlocks), asio::detached);
  };
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  TlsConnection& c = **client;

  for (int i = 0; i < kBlocks; ++i) {
    std::vector<uint8_t> sent = Pattern(block, static_cast<uint8_t>(i));
    std::optional<absl::Status> wrote;
    Spawn(io_, WriteInFragments(c, sent, fragment), wrote);
    std::vector<uint8_t> received(block);
    std::optional<absl::Status> read;
    Spawn(io_, c.ReadExactly(absl::MakeSpan(received), absl::Seconds(10)), read);
    ASSERT_TRUE(RunUntil(io_, [&] { return wrote.has_value() && read.has_value(); }));
    ASSERT_TRUE(wrote->ok()) << *wrote;
    ASSERT_TRUE(read->ok()) << *read;
    EXPECT_EQ(received, sent) << "block " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, TlsBlockTest,
                         ::testing::Values(BlockCase{512, 512}, BlockCase{512, 7},
                                           BlockCase{16384, 16384}, BlockCase{16384, 1000},
                                           BlockCase{16384, 13}, BlockCase{512, 1}),
                         [](const auto& info) {
                           return "Block" + std::to_string(info.param.block) + "Fragment" +
                                  std::to_string(info.param.fragment);
                         });

TEST_F(TlsLoopbackTest, FullDuplexReadAndWriteAtOnce) {
  // Both sides write 1 MiB while reading 1 MiB: more than loopback socket buffers hold, so this
  // deadlocks unless one read and one write run concurrently on each connection.
  constexpr size_t kBlock = 16384;
  constexpr int kBlocks = 64;
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();

  auto writer = [](TlsConnection* c, uint8_t seed) -> asio::awaitable<absl::Status> {
    for (int i = 0; i < kBlocks; ++i) {
      std::vector<uint8_t> data = Pattern(kBlock, static_cast<uint8_t>(seed + i));
      absl::Status s = co_await c->WriteAll(data);
      if (!s.ok()) co_return s;
    }
    co_return absl::OkStatus();
  };
  auto reader = [](TlsConnection* c, uint8_t seed) -> asio::awaitable<absl::Status> {
    std::vector<uint8_t> buf(kBlock);
    for (int i = 0; i < kBlocks; ++i) {
      absl::Status s = co_await c->ReadExactly(absl::MakeSpan(buf));
      if (!s.ok()) co_return s;
      if (buf != Pattern(kBlock, static_cast<uint8_t>(seed + i))) {
        co_return absl::DataLossError("block mismatch");
      }
    }
    co_return absl::OkStatus();
  };
  std::optional<absl::Status> cw, cr, sw, sr;
  Spawn(io_, writer(client->get(), 1), cw);
  Spawn(io_, reader(client->get(), 101), cr);
  Spawn(io_, writer(server_conns_[0].get(), 101), sw);
  Spawn(io_, reader(server_conns_[0].get(), 1), sr);
  ASSERT_TRUE(RunUntil(io_, [&] { return cw && cr && sw && sr; }));
  EXPECT_TRUE(cw->ok()) << *cw;
  EXPECT_TRUE(cr->ok()) << *cr;
  EXPECT_TRUE(sw->ok()) << *sw;
  EXPECT_TRUE(sr->ok()) << *sr;
}

TEST_F(TlsLoopbackTest, ClientKeyUpdatesAreFollowedAndAnswered) {
  // Post-handshake TLS 1.3 messages inside the block stream: a KeyUpdate that requests one back
  // makes the reader's side answer with its own before its next write.
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  on_server_connection_ = [&](TlsConnection& c) {
    asio::co_spawn(io_, Echo(&c, 512, 512, 3), asio::detached);
  };
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  TlsConnection& c = **client;
  TlsConnection& s = *server_conns_[0];

  for (int i = 0; i < 3; ++i) {
    // Rounds 0 and 2: the client asks the server to update too (our record layer answers with
    // its own KeyUpdate before the echo); round 1: the client updates its keys alone.
    ASSERT_EQ(SSL_key_update(c.native_handle(),
                             i == 1 ? SSL_KEY_UPDATE_NOT_REQUESTED : SSL_KEY_UPDATE_REQUESTED),
              1);
    std::vector<uint8_t> sent = Pattern(512, static_cast<uint8_t>(40 + i));
    std::optional<absl::Status> wrote;
    Spawn(io_, c.WriteAll(sent, absl::Seconds(10)), wrote);
    std::vector<uint8_t> received(512);
    std::optional<absl::Status> read;
    Spawn(io_, c.ReadExactly(absl::MakeSpan(received), absl::Seconds(10)), read);
    ASSERT_TRUE(RunUntil(io_, [&] { return wrote.has_value() && read.has_value(); }));
    ASSERT_TRUE(wrote->ok()) << *wrote;
    ASSERT_TRUE(read->ok()) << *read;
    EXPECT_EQ(received, sent) << "round " << i;
  }
  EXPECT_TRUE(c.is_open());
  EXPECT_TRUE(s.is_open());
}

TEST_F(TlsLoopbackTest, SecondConcurrentReadFailsPrecondition) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<uint8_t> a(512), b(512);
  std::optional<absl::Status> first, second;
  Spawn(io_, (*client)->ReadExactly(absl::MakeSpan(a)), first);
  RunUntil(
      io_, [] { return false; }, absl::Milliseconds(50));  // let the first read start
  Spawn(io_, (*client)->ReadExactly(absl::MakeSpan(b)), second);
  ASSERT_TRUE(RunUntil(io_, [&] { return second.has_value(); }));
  EXPECT_EQ(second->code(), absl::StatusCode::kFailedPrecondition);
  (*client)->Close();
  ASSERT_TRUE(RunUntil(io_, [&] { return first.has_value(); }));
  EXPECT_EQ(first->code(), absl::StatusCode::kCancelled);
}

// --- Timeouts and closing ----------------------------------------------------------------------

TEST_F(TlsLoopbackTest, ServerHandshakeTimesOutWhenPeerNeverSpeaks) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki, {kNtfAlpn}, {.handshake_timeout = absl::Milliseconds(200)});
  Tcp::socket silent(io_);
  asio::error_code ec;
  silent.connect(Tcp::endpoint(asio::ip::make_address("127.0.0.1"), acceptor_->port()), ec);
  ASSERT_FALSE(ec) << ec.message();
  absl::Time start = absl::Now();
  ASSERT_TRUE(RunUntil(io_, [&] { return !server_errors_.empty(); }));
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(server_errors_[0].code(), absl::StatusCode::kDeadlineExceeded) << server_errors_[0];
  EXPECT_THAT(server_errors_[0].message(), HasSubstr("timed out"));
  EXPECT_GE(elapsed, absl::Milliseconds(150));
  EXPECT_LT(elapsed, absl::Seconds(5));
  EXPECT_TRUE(server_conns_.empty());
}

TEST_F(TlsLoopbackTest, HandshakesBeyondTheLimitAreRefusedAtOnce) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki, {kNtfAlpn}, {.handshake_timeout = absl::Seconds(30), .max_handshakes = 2});
  const Tcp::endpoint server(asio::ip::make_address("127.0.0.1"), acceptor_->port());
  // Two silent peers hold both handshake slots.
  std::vector<std::unique_ptr<Tcp::socket>> silent;
  for (int i = 0; i < 2; ++i) {
    silent.push_back(std::make_unique<Tcp::socket>(io_));
    asio::error_code ec;
    silent.back()->connect(server, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  for (int i = 0; i < 20; ++i) io_.poll();  // the acceptor takes them
  // A real client now is refused at once, not after the 30 s handshake timeout.
  absl::StatusOr<TlsConnectionPtr> refused =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn, .timeout = absl::Seconds(5)});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  ASSERT_FALSE(server_errors_.empty());
  EXPECT_TRUE(absl::IsResourceExhausted(server_errors_[0])) << server_errors_[0];
  EXPECT_THAT(server_errors_[0].message(), HasSubstr("2 TLS handshakes in progress"));

  // One silent peer leaves: its slot is free again and a client gets through.
  silent[0]->close();
  silent.erase(silent.begin());
  ASSERT_TRUE(RunUntil(io_, [&] { return server_errors_.size() >= 2; }));  // its handshake ended
  absl::StatusOr<TlsConnectionPtr> accepted =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(server_conns_.size(), 1u);
}

TEST_F(TlsLoopbackTest, ClientConnectTimesOutWhenServerNeverSpeaks) {
  // A plain TCP listener: the kernel completes the TCP handshake, nobody answers ClientHello.
  Tcp::acceptor mute(io_, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::optional<absl::StatusOr<TlsConnectionPtr>> result;
  absl::Time start = absl::Now();
  Spawn(io_,
        TlsConnect(client_ctx_, "127.0.0.1", mute.local_endpoint().port(),
                   {.key_hash = {}, .alpn = kNtfAlpn, .timeout = absl::Milliseconds(200)}),
        result);
  ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
  EXPECT_EQ(result->status().code(), absl::StatusCode::kDeadlineExceeded) << result->status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
}

TEST_F(TlsLoopbackTest, ConnectToClosedPortIsUnavailable) {
  uint16_t port;
  {
    Tcp::acceptor probe(io_, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  std::optional<absl::StatusOr<TlsConnectionPtr>> result;
  Spawn(io_, TlsConnect(client_ctx_, "127.0.0.1", port, {.alpn = kNtfAlpn}), result);
  ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
  EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable) << result->status();
}

TEST_F(TlsLoopbackTest, ReadTimeoutClosesTheConnection) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<uint8_t> buf(512);
  std::optional<absl::Status> read;
  Spawn(io_, (*client)->ReadExactly(absl::MakeSpan(buf), absl::Milliseconds(100)), read);
  ASSERT_TRUE(RunUntil(io_, [&] { return read.has_value(); }));
  EXPECT_EQ(read->code(), absl::StatusCode::kDeadlineExceeded) << *read;
  EXPECT_FALSE((*client)->is_open());
  std::optional<absl::Status> write;
  Spawn(io_, (*client)->WriteAll(buf), write);
  ASSERT_TRUE(RunUntil(io_, [&] { return write.has_value(); }));
  EXPECT_EQ(write->code(), absl::StatusCode::kDeadlineExceeded);
  // The server sees the connection go away.
  std::optional<absl::Status> server_read;
  Spawn(io_, server_conns_[0]->ReadExactly(absl::MakeSpan(buf), absl::Seconds(5)), server_read);
  ASSERT_TRUE(RunUntil(io_, [&] { return server_read.has_value(); }));
  EXPECT_EQ(server_read->code(), absl::StatusCode::kUnavailable) << *server_read;
}

TEST_F(TlsLoopbackTest, PeerCloseMidBlockIsUnavailable) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<uint8_t> half = Pattern(256, 3);
  std::optional<absl::Status> wrote;
  Spawn(io_, server_conns_[0]->WriteAll(half), wrote);
  ASSERT_TRUE(RunUntil(io_, [&] { return wrote.has_value(); }));
  server_conns_.clear();  // destroying the connection closes it
  std::vector<uint8_t> buf(512);
  std::optional<absl::Status> read;
  Spawn(io_, (*client)->ReadExactly(absl::MakeSpan(buf), absl::Seconds(5)), read);
  ASSERT_TRUE(RunUntil(io_, [&] { return read.has_value(); }));
  EXPECT_EQ(read->code(), absl::StatusCode::kUnavailable) << *read;
  EXPECT_THAT(read->message(), HasSubstr("closed by peer"));
}

TEST_F(TlsLoopbackTest, WritingToAResetPeerIsUnavailableNotSigpipe) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  // Unread data at close makes the server's kernel answer with a reset.
  std::vector<uint8_t> block = Pattern(512, 5);
  std::optional<absl::Status> wrote;
  Spawn(io_, (*client)->WriteAll(block), wrote);
  ASSERT_TRUE(RunUntil(io_, [&] { return wrote.has_value(); }));
  ASSERT_TRUE(wrote->ok()) << *wrote;
  RunUntil(
      io_, [] { return false; }, absl::Milliseconds(50));
  server_conns_.clear();
  // Writes after the reset fail (EPIPE/ECONNRESET) instead of killing the process.
  absl::Status last;
  for (int i = 0; i < 50 && last.ok(); ++i) {
    std::optional<absl::Status> again;
    Spawn(io_, (*client)->WriteAll(block, absl::Seconds(5)), again);
    ASSERT_TRUE(RunUntil(io_, [&] { return again.has_value(); }));
    last = *again;
    if (last.ok())
      RunUntil(
          io_, [] { return false; }, absl::Milliseconds(10));
  }
  EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable) << last;
  EXPECT_FALSE((*client)->is_open());
}

TEST_F(TlsLoopbackTest, DestroyingConnectionDuringReadCancelsIt) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  absl::StatusOr<TlsConnectionPtr> client =
      Connect({.key_hash = pki.fingerprint, .alpn = kNtfAlpn});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<uint8_t> buf(512);
  std::optional<absl::Status> read;
  Spawn(io_, (*client)->ReadExactly(absl::MakeSpan(buf)), read);
  RunUntil(
      io_, [] { return false; }, absl::Milliseconds(50));
  EXPECT_FALSE(read.has_value());
  client->reset();
  ASSERT_TRUE(RunUntil(io_, [&] { return read.has_value(); }));
  EXPECT_EQ(read->code(), absl::StatusCode::kCancelled) << *read;
}

TEST_F(TlsLoopbackTest, StopClosesListenerAndAbandonsHandshakes) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  StartServer(pki);
  uint16_t port = acceptor_->port();
  Tcp::socket silent(io_);
  asio::error_code ec;
  silent.connect(Tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  ASSERT_FALSE(ec);
  RunUntil(
      io_, [] { return false; }, absl::Milliseconds(50));  // accepted, handshaking
  acceptor_->Stop();
  // The abandoned handshake's socket was closed: the silent peer reads EOF.
  char byte;
  silent.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  std::optional<absl::StatusOr<TlsConnectionPtr>> result;
  Spawn(io_, TlsConnect(client_ctx_, "127.0.0.1", port, {.key_hash = pki.fingerprint}), result);
  ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
  EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(server_errors_.empty());
}

TEST_F(TlsLoopbackTest, ReusePortLetsTwoAcceptorsShareAPort) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  auto ctx = ServerContext(pki.ChainPem(), pki.server.private_key_pem, {kNtfAlpn});
  absl::StatusOr<std::unique_ptr<TlsAcceptor>> first =
      TlsAcceptor::Listen(io_, ctx, {.reuse_port = true});
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<TlsAcceptor>> second =
      TlsAcceptor::Listen(io_, ctx, {.port = (*first)->port(), .reuse_port = true});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->port(), (*first)->port());
  absl::StatusOr<std::unique_ptr<TlsAcceptor>> third =
      TlsAcceptor::Listen(io_, ctx, {.port = (*first)->port()});
  EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TlsAcceptor::Listen(io_, ctx, {.host = "localhost"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Blocking client against a server on another thread ----------------------------------------

TEST(BlockingTlsClientTest, ConnectsWritesFragmentsAndReadsBlocks) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd448, KeyAlgorithm::kEd448);
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  ASSERT_TRUE(creds.ok());
  absl::StatusOr<std::shared_ptr<const TlsServerContext>> server_ctx =
      TlsServerContext::Create(*std::move(creds), {.alpn_protocols = {kSmpAlpn}});
  ASSERT_TRUE(server_ctx.ok());

  asio::io_context server_io;
  absl::StatusOr<std::unique_ptr<TlsAcceptor>> acceptor =
      TlsAcceptor::Listen(server_io, *server_ctx, {});
  ASSERT_TRUE(acceptor.ok());
  std::vector<TlsConnectionPtr> conns;  // touched only on the server thread
  (*acceptor)->Start([&](TlsConnectionPtr c) {
    asio::co_spawn(server_io, Echo(c.get(), 16384, 16384, 2), asio::detached);
    conns.push_back(std::move(c));
  });
  std::thread server([&] { server_io.run(); });

  absl::StatusOr<std::shared_ptr<const TlsClientContext>> client_ctx = TlsClientContext::Create();
  ASSERT_TRUE(client_ctx.ok());
  absl::StatusOr<std::unique_ptr<BlockingTlsClient>> client = BlockingTlsClient::Connect(
      *client_ctx, "127.0.0.1", (*acceptor)->port(),
      {.key_hash = pki.fingerprint, .alpn = kSmpAlpn, .timeout = absl::Seconds(10)});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->info().alpn, "smp/1");
  EXPECT_EQ((*client)->info().session_id.size(), 32u);
  EXPECT_NE((*client)->peer_public_key(), nullptr);

  std::vector<uint8_t> block = Pattern(16384, 9);
  for (size_t offset = 0; offset < block.size(); offset += 100) {
    ASSERT_TRUE((*client)->WriteAll(absl::MakeConstSpan(block).subspan(offset, 100)).ok());
  }
  absl::StatusOr<std::vector<uint8_t>> echoed = (*client)->ReadBlock(16384, absl::Seconds(10));
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_EQ(*echoed, block);

  // Nothing more is coming until we write: a short read timeout fires.
  absl::StatusOr<std::vector<uint8_t>> nothing =
      (*client)->ReadBlock(16384, absl::Milliseconds(100));
  EXPECT_EQ(nothing.status().code(), absl::StatusCode::kDeadlineExceeded);

  client->reset();
  asio::post(server_io, [&] {
    (*acceptor)->Stop();
    conns.clear();
  });
  server.join();
  acceptor->reset();
}

TEST(BlockingTlsClientTest, WrongFingerprintFailsConnect) {
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  ASSERT_TRUE(creds.ok());
  auto server_ctx = TlsServerContext::Create(*std::move(creds));
  ASSERT_TRUE(server_ctx.ok());
  asio::io_context server_io;
  auto acceptor = TlsAcceptor::Listen(server_io, *server_ctx, {});
  ASSERT_TRUE(acceptor.ok());
  (*acceptor)->Start([](TlsConnectionPtr) {});
  std::thread server([&] { server_io.run(); });

  Fingerprint wrong = pki.fingerprint;
  wrong[0] ^= 1;
  auto client = BlockingTlsClient::Connect(*TlsClientContext::Create(), "127.0.0.1",
                                           (*acceptor)->port(), {.key_hash = wrong});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnauthenticated);

  asio::post(server_io, [&] { (*acceptor)->Stop(); });
  server.join();
}

}  // namespace
}  // namespace ntf::tls
