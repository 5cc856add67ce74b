#include "ntf/tls/blocking_client.h"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/tls/connection.h"

namespace ntf::tls {
namespace {

// Runs `op` on `io` (on this thread) until it and everything it left behind has completed.
template <typename T>
T RunSync(asio::io_context& io, asio::awaitable<T> op) {
  std::optional<T> result;
  asio::co_spawn(io, std::move(op), [&result](std::exception_ptr e, T value) {
    if (e) {
      result.emplace(absl::InternalError("unexpected exception in TLS operation"));
    } else {
      result.emplace(std::move(value));
    }
  });
  io.restart();
  io.run();
  if (!result.has_value()) return T(absl::InternalError("TLS operation did not complete"));
  return *std::move(result);
}

}  // namespace

struct BlockingTlsClient::Impl {
  asio::io_context io{1};
  TlsConnectionPtr connection;  // destroyed before `io`
};

absl::StatusOr<std::unique_ptr<BlockingTlsClient>> BlockingTlsClient::Connect(
    std::shared_ptr<const TlsClientContext> context, const std::string& host, uint16_t port,
    const ConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  absl::StatusOr<TlsConnectionPtr> connection =
      RunSync(impl->io, TlsConnect(std::move(context), host, port, options));
  if (!connection.ok()) return connection.status();
  impl->connection = *std::move(connection);
  return std::unique_ptr<BlockingTlsClient>(new BlockingTlsClient(std::move(impl)));
}

BlockingTlsClient::BlockingTlsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BlockingTlsClient::~BlockingTlsClient() {
  impl_->connection.reset();
  // Let handlers of the closed socket and cancelled timers finish before `io` goes away.
  impl_->io.restart();
  impl_->io.run();
}

const ConnectionInfo& BlockingTlsClient::info() const { return impl_->connection->info(); }

EVP_PKEY* BlockingTlsClient::peer_public_key() const {
  return impl_->connection->peer_public_key();
}

absl::Status BlockingTlsClient::ReadExactly(absl::Span<uint8_t> out, absl::Duration timeout) {
  return RunSync(impl_->io, impl_->connection->ReadExactly(out, timeout));
}

absl::StatusOr<std::vector<uint8_t>> BlockingTlsClient::ReadBlock(size_t size,
                                                                  absl::Duration timeout) {
  std::vector<uint8_t> block(size);
  if (absl::Status s = ReadExactly(absl::MakeSpan(block), timeout); !s.ok()) return s;
  return block;
}

absl::Status BlockingTlsClient::WriteAll(absl::Span<const uint8_t> data, absl::Duration timeout) {
  return RunSync(impl_->io, impl_->connection->WriteAll(data, timeout));
}

void BlockingTlsClient::Close() { impl_->connection->Close(); }

SSL* BlockingTlsClient::native_handle() const { return impl_->connection->native_handle(); }

}  // namespace ntf::tls
