#pragma once

// SMP transport block encryption (smp-notifier.md §3.5; SMP v11+, when the client sent its
// X25519 key in clientHello and is not a proxy).
//
//   dh        = X25519(client hello key, server session key)
//   ck1 || ck2 = HKDF-SHA512(salt = sessionId, ikm = dh, info = "SimpleXSbChainInit", 64)
//   per block: ck' || key || nonce = HKDF-SHA512(salt = "", ikm = ck, "SimpleXSbChain", 32+32+24)
//   block     = SbEncrypt(key, nonce, pad(content, block_size - 16))    -> block_size bytes
//
// ck1 is the server->client chain, ck2 the client->server chain: a client sends with ck2 and
// receives with ck1, a server the reverse. Each direction steps its chain once per block.
//
// Thread-safety: the free functions are thread-safe. An SbChain is mutable state owned by one
// connection; it is not thread-safe (use it from the connection's event-loop thread only).

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "ntf/crypto/box.h"

namespace ntf::crypto {

inline constexpr size_t kChainKeySize = 32;

// One step of a chain: the key and nonce for one block.
struct SbChainStep {
  SbKey key;
  CbNonce nonce;
};

// A symmetric key chain. Copyable (a copy continues independently); wiped on destruction.
class SbChain {
 public:
  explicit SbChain(const std::array<uint8_t, kChainKeySize>& chain_key) : ck_(chain_key) {}
  SbChain(const SbChain&) = default;
  SbChain& operator=(const SbChain&) = default;
  ~SbChain();

  // Advances the chain and returns the key and nonce for the next block. Internal only if
  // OpenSSL's HKDF fails, in which case the chain does not advance.
  absl::StatusOr<SbChainStep> NextKey();

  // The current chain key (for tests).
  ByteSpan chain_key() const { return ck_; }

 private:
  std::array<uint8_t, kChainKeySize> ck_;
};

enum class SbRole { kClient, kServer };

// The two chains of one connection, oriented for one side.
struct SbChains {
  SbChain send;
  SbChain receive;
};

// (ck1, ck2) from the session id (tls-unique) and the handshake DH secret.
absl::StatusOr<std::array<std::array<uint8_t, kChainKeySize>, 2>> SbChainInitKeys(
    ByteSpan session_id, const DhSecret& dh);
// The chains of `role`: a client sends on ck2 and receives on ck1; a server the reverse.
absl::StatusOr<SbChains> InitSbChains(ByteSpan session_id, const DhSecret& dh, SbRole role);

// Encrypts one transport block: steps `chain`, then SbEncrypt(key, nonce, pad(content,
// block_size - 16)). The result is exactly block_size bytes. InvalidArgument if the content
// does not fit (the chain is then not stepped).
absl::StatusOr<Bytes> EncryptBlock(SbChain& chain, ByteSpan content, size_t block_size);
// Decrypts one block and returns its content (unpadded). Always steps `chain`, even when the
// block fails to decrypt, so both peers stay in step. InvalidArgument if the block is not
// block_size bytes, fails authentication, or has a bad length prefix.
absl::StatusOr<Bytes> DecryptBlock(SbChain& chain, ByteSpan block, size_t block_size);

}  // namespace ntf::crypto
