// tls-echo-server: a TlsAcceptor (the server side the intake runs, with its own TLS 1.3 record
// layer after the handshake) that echoes every 512-byte block back, for interoperability tests
// with TLS stacks other than OpenSSL (gnutls_interop_test.sh). Prints "port=<n>" once
// listening; runs until killed. A fresh Ed25519 test identity each run, ALPN ntf/1.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <cstdint>
#include <iostream>
#include <memory>
#include <vector>

#include "ntf/tls/certificates.h"
#include "ntf/tls/connection.h"
#include "ntf/tls/context.h"
#include "test_pki.h"

namespace {

asio::awaitable<void> Echo(ntf::tls::TlsConnectionPtr conn) {
  std::vector<uint8_t> block(512);
  while (true) {
    absl::Status s = co_await conn->ReadExactly(absl::MakeSpan(block));
    if (!s.ok()) {
      std::cerr << "echo: " << s << std::endl;
      co_return;
    }
    s = co_await conn->WriteAll(block);
    if (!s.ok()) {
      std::cerr << "echo: " << s << std::endl;
      co_return;
    }
  }
}

}  // namespace

int main() {
  using ntf::tls::KeyAlgorithm;
  ntf::tls::testing::TestPki pki =
      ntf::tls::testing::MakeTestPki(KeyAlgorithm::kEd25519, KeyAlgorithm::kEd25519);
  absl::StatusOr<ntf::tls::ServerCredentials> creds =
      ntf::tls::ServerCredentials::FromPem(pki.ChainPem(), pki.server.private_key_pem);
  if (!creds.ok()) {
    std::cerr << creds.status() << std::endl;
    return 1;
  }
  auto context = ntf::tls::TlsServerContext::Create(*std::move(creds),
                                                    {.alpn_protocols = {ntf::tls::kNtfAlpn}});
  if (!context.ok()) {
    std::cerr << context.status() << std::endl;
    return 1;
  }
  asio::io_context io;
  auto acceptor = ntf::tls::TlsAcceptor::Listen(io, *context, {});
  if (!acceptor.ok()) {
    std::cerr << acceptor.status() << std::endl;
    return 1;
  }
  (*acceptor)->Start(
      [&io](ntf::tls::TlsConnectionPtr conn) {
        std::cerr << "accepted alpn=" << conn->alpn() << " cipher=" << conn->info().cipher
                  << std::endl;
        asio::co_spawn(io, Echo(std::move(conn)), asio::detached);
      },
      [](const absl::Status& error) { std::cerr << "handshake: " << error << std::endl; });
  std::cout << "port=" << (*acceptor)->port() << std::endl;
  io.run();
  return 0;
}
