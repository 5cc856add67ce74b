// Memory of idle established connections: not a timing benchmark, a generous bound on heap
// bytes, which (unlike time) is deterministic enough to assert. The exact figures are printed.

#include <malloc.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "ntf/tls/connection.h"
#include "ntf/tls/context.h"
#include "test_pki.h"

#if defined(__SANITIZE_ADDRESS__)
#define NTF_TLS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTF_TLS_TEST_ASAN 1
#endif
#endif
#ifdef NTF_TLS_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace ntf::tls {
namespace {

using ::ntf::tls::testing::MakeTestPki;

// Heap bytes in use now. glibc: mallinfo2 over all arenas (small chunks + mmapped ones);
// under ASan (whose allocator glibc cannot see) the sanitizer's own count.
size_t HeapInUse() {
#ifdef NTF_TLS_TEST_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

bool RunUntil(asio::io_context& io, const std::function<bool()>& done,
              absl::Duration limit = absl::Seconds(60)) {
  absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    io.run_one_for(std::chrono::milliseconds(10));
    if (io.stopped()) io.restart();
  }
  return true;
}

// Runs whatever is ready (completions of closed sockets, cancelled timers) without blocking.
void Settle(asio::io_context& io) {
  for (int i = 0; i < 10; ++i) {
    io.restart();
    io.poll();
  }
}

// A server session parked as the NTF intake parks an idle client: in ReadExactly of one
// 512-byte block with a finite idle timeout (the intake's is an hour). The buffer is the
// caller's, allocated before the measurement.
asio::awaitable<void> ParkedRead(TlsConnection* conn, uint8_t* block, int* finished) {
  absl::Status s = co_await conn->ReadExactly(absl::MakeSpan(block, 512), absl::Hours(1));
  (void)s;
  ++*finished;
}

TEST(TlsConnectionMemoryTest, IdleServerConnectionCostsLessThan6KiB) {
  constexpr int kConnections = 200;
  testing::TestPki pki = MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  absl::StatusOr<ServerCredentials> creds =
      ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  ASSERT_TRUE(creds.ok()) << creds.status();
  absl::StatusOr<std::shared_ptr<const TlsServerContext>> server_ctx =
      TlsServerContext::Create(*std::move(creds), {.alpn_protocols = {kNtfAlpn}});
  ASSERT_TRUE(server_ctx.ok()) << server_ctx.status();
  absl::StatusOr<std::shared_ptr<const TlsClientContext>> client_ctx = TlsClientContext::Create();
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.status();

  asio::io_context io;
  absl::StatusOr<std::unique_ptr<TlsAcceptor>> acceptor = TlsAcceptor::Listen(io, *server_ctx, {});
  ASSERT_TRUE(acceptor.ok()) << acceptor.status();
  // Everything the measurement must not count is reserved up front.
  std::vector<TlsConnectionPtr> server_conns;
  std::vector<TlsConnectionPtr> client_conns;
  std::vector<std::optional<absl::StatusOr<TlsConnectionPtr>>> results(kConnections);
  server_conns.reserve(kConnections);
  client_conns.reserve(kConnections);
  std::vector<uint8_t> blocks(512 * kConnections);
  int parked_finished = 0;
  int handshake_errors = 0;
  (*acceptor)->Start(
      [&](TlsConnectionPtr c) {
        uint8_t* block = blocks.data() + 512 * server_conns.size();
        asio::co_spawn(io, ParkedRead(c.get(), block, &parked_finished), asio::detached);
        server_conns.push_back(std::move(c));
      },
      [&](const absl::Status&) { ++handshake_errors; });

  // Warm-up: one connection pair, so one-time allocations (OpenSSL's provider caches, Asio's
  // reactor and recycled frames) are not charged to the measured connections.
  auto connect = [&](int i) {
    asio::co_spawn(io,
                   TlsConnect(*client_ctx, "127.0.0.1", (*acceptor)->port(),
                              {.key_hash = pki.fingerprint, .alpn = kNtfAlpn}),
                   [&results, i](std::exception_ptr e, absl::StatusOr<TlsConnectionPtr> r) {
                     if (e) r = absl::InternalError("TlsConnect threw");
                     results[i].emplace(std::move(r));
                   });
  };
  connect(0);
  ASSERT_TRUE(RunUntil(io, [&] { return results[0].has_value() && server_conns.size() == 1; }));
  ASSERT_TRUE(results[0]->ok()) << results[0]->status();
  client_conns.push_back(**std::move(results[0]));
  results[0].reset();
  Settle(io);

  const size_t before = HeapInUse();
  // Sequentially, so that at most one handshake's transient state exists at any time.
  for (int i = 1; i < kConnections; ++i) {
    connect(i);
    auto both_sides_done = [&] {
      return results[i].has_value() && server_conns.size() == static_cast<size_t>(i) + 1;
    };
    ASSERT_TRUE(RunUntil(io, both_sides_done)) << "connection " << i;
    ASSERT_TRUE(results[i]->ok()) << results[i]->status();
    client_conns.push_back(**std::move(results[i]));
    results[i].reset();
  }
  Settle(io);
  const size_t established = HeapInUse();

  // Destroying the server side closes it; its parked reads complete with Cancelled.
  for (size_t i = 1; i < server_conns.size(); ++i) server_conns[i].reset();
  ASSERT_TRUE(RunUntil(io, [&] { return parked_finished == kConnections - 1; }));
  Settle(io);
  const size_t without_server = HeapInUse();

  // And the client side: what is left is what the connections did not give back (Asio keeps
  // each socket's reactor state in a pool for reuse).
  for (size_t i = 1; i < client_conns.size(); ++i) client_conns[i].reset();
  Settle(io);
  const size_t closed = HeapInUse();

  constexpr int n = kConnections - 1;
  auto per_connection = [](size_t from, size_t to) {
    return (static_cast<double>(to) - static_cast<double>(from)) / n;
  };
  const double pair = per_connection(before, established);
  const double server = per_connection(without_server, established);
  const double client = pair - server;
  const double residue = per_connection(before, closed);
  std::printf(
      "[memory] %d idle connections: server %.0f B, client %.0f B, pair %.0f B each; "
      "%.0f B per pair left after closing\n",
      n, server, client, pair, residue);
  EXPECT_EQ(handshake_errors, 0);
  EXPECT_LT(server, 6 * 1024.0) << "the server keeps its SSL object after the handshake?";
  EXPECT_GT(server, 0.0);
  EXPECT_LT(residue, 1024.0) << "closed connections keep memory";

  // Tear down on this thread before `io` goes away.
  client_conns.clear();
  server_conns.clear();
  (*acceptor)->Stop();
  Settle(io);
}

}  // namespace
}  // namespace ntf::tls
