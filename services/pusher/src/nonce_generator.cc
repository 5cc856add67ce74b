#include "services/pusher/src/nonce_generator.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace ntf::pusher {

NonceGenerator::NonceGenerator() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all
  randombytes_buf(key_.data(), key_.size());
}

NonceGenerator::~NonceGenerator() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(buffer_.data(), buffer_.size());
}

void NonceGenerator::Refill() {
  static constexpr std::array<uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> kZeroNonce{};
  crypto_stream_chacha20_ietf(buffer_.data(), buffer_.size(), kZeroNonce.data(), key_.data());
  std::memcpy(key_.data(), buffer_.data(), kKeySize);  // the next key ...
  sodium_memzero(buffer_.data(), kKeySize);            // ... is never output
  used_ = kKeySize;
  ++refills_;
}

crypto::CbNonce NonceGenerator::Next() {
  crypto::CbNonce nonce;
  if (used_ + nonce.size() > buffer_.size()) Refill();
  std::memcpy(nonce.data(), buffer_.data() + used_, nonce.size());
  sodium_memzero(buffer_.data() + used_, nonce.size());
  used_ += nonce.size();
  return nonce;
}

crypto::CbNonce ThreadNonce() {
  thread_local NonceGenerator generator;
  return generator.Next();
}

}  // namespace ntf::pusher
