#pragma once

// Internal helpers shared by the crypto sources. Not part of the public API.

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>

namespace ntf::crypto::internal {

// Runs sodium_init() exactly once, thread-safely (function-local static). Every function that
// calls libsodium calls this first; it is a cheap check after the first time. Aborts if
// libsodium cannot initialise, which only happens when the system has no entropy source.
void EnsureSodium();

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpKdfCtxDeleter {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct EvpMacCtxDeleter {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, EvpKdfCtxDeleter>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxDeleter>;

// The last OpenSSL error on this thread as text (and clears the queue), for Internal errors.
std::string OpenSslError();

}  // namespace ntf::crypto::internal
