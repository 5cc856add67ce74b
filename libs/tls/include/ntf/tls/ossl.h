#pragma once

// Owning smart pointers for the few OpenSSL objects that appear in this library's public API.
// <openssl/types.h> only declares the types, so including this header is cheap.

#include <openssl/types.h>

#include <memory>

namespace ntf::tls {

struct OsslDeleter {
  void operator()(X509* p) const;
  void operator()(EVP_PKEY* p) const;
  void operator()(SSL_CTX* p) const;
};

using X509Ptr = std::unique_ptr<X509, OsslDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OsslDeleter>;

}  // namespace ntf::tls
