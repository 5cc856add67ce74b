#pragma once

// This thread's OpenSSL error queue as text, for status messages of every library that calls
// OpenSSL (crypto, tls, http2). No OpenSSL headers here.

#include <string>

namespace ntf::crypto {

// Drains this thread's OpenSSL error queue into "reason; reason" (empty if it was empty).
std::string DrainOpenSslErrors();

}  // namespace ntf::crypto
