#pragma once

// The encoders behind AppendBase64Url, for its tests: AppendBase64Url picks the AVX2 one at run
// time when the CPU has AVX2 and the scalar one otherwise. Not part of the public API.

#include <string>

#include "ntf/wire/encoding.h"

namespace ntf::wire::internal {

// Portable: a 4096-entry table of character pairs, six input bytes per step.
void AppendBase64UrlScalar(std::string& out, ByteSpan data);

#if defined(__x86_64__)
// True if the CPU supports AVX2 (checked once).
bool CpuHasAvx2();
// 24 input bytes per step with AVX2, the rest (and the '=' padding) through the scalar code.
// Only call it if CpuHasAvx2().
void AppendBase64UrlAvx2(std::string& out, ByteSpan data);
#endif

}  // namespace ntf::wire::internal
