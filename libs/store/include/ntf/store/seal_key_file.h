#pragma once

// The server secret key that seals secrets at rest (ntf::crypto::SealKey), as a file: one line,
// the 32 key bytes in base64url, mode 0600. Written by `ntfctl init`, read by the services.
// Blocking file I/O.

#include <string>

#include "absl/status/statusor.h"
#include "ntf/crypto/seal.h"

namespace ntf::store {

// NotFound / PermissionDenied for the file; InvalidArgument naming the path if it does not hold
// a 32-byte key.
absl::StatusOr<crypto::SealKey> ReadSealKeyFile(const std::string& path);
// Creates the file (AlreadyExists if it exists and !overwrite).
absl::Status WriteSealKeyFile(const std::string& path, const crypto::SealKey& key,
                              bool overwrite = false);

}  // namespace ntf::store
