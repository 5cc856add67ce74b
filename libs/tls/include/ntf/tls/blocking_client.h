#pragma once

// A blocking TLS client for tests, tools and CLIs: connect, read a block, write a block, each
// with a timeout. Owns a private io_context that runs only inside its calls. Not for services
// (they use connection.h on their event loops).
//
// Thread-compatible: one thread at a time. Each call blocks for at most its timeout. Errors are
// those of connection.h.

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/tls/context.h"
#include "ntf/tls/types.h"

namespace ntf::tls {

class BlockingTlsClient {
 public:
  static absl::StatusOr<std::unique_ptr<BlockingTlsClient>> Connect(
      std::shared_ptr<const TlsClientContext> context, const std::string& host, uint16_t port,
      const ConnectOptions& options);

  ~BlockingTlsClient();
  BlockingTlsClient(const BlockingTlsClient&) = delete;
  BlockingTlsClient& operator=(const BlockingTlsClient&) = delete;

  const ConnectionInfo& info() const;
  // The server leaf's public key; owned by this client.
  EVP_PKEY* peer_public_key() const;

  absl::Status ReadExactly(absl::Span<uint8_t> out, absl::Duration timeout = absl::Seconds(30));
  // Reads one block of `size` bytes.
  absl::StatusOr<std::vector<uint8_t>> ReadBlock(size_t size,
                                                 absl::Duration timeout = absl::Seconds(30));
  absl::Status WriteAll(absl::Span<const uint8_t> data, absl::Duration timeout = absl::Seconds(30));
  // Closes the connection. Idempotent.
  void Close();

  // The underlying SSL object, for tests.
  SSL* native_handle() const;

 private:
  struct Impl;
  explicit BlockingTlsClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ntf::tls
