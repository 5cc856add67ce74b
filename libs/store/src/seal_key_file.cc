#include "ntf/store/seal_key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"

namespace ntf::store {

absl::StatusOr<crypto::SealKey> ReadSealKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    std::string msg = absl::StrCat("secret key file ", path, ": ", std::strerror(err));
    return err == EACCES ? absl::PermissionDeniedError(msg) : absl::NotFoundError(msg);
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<wire::Bytes> raw =
      wire::Base64UrlDecode(std::string(absl::StripAsciiWhitespace(text.str())));
  if (!raw.ok() || raw->size() != crypto::kSealKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret key file ", path, ": not a base64url 32-byte key"));
  }
  return crypto::SealKey::FromRaw(*raw);
}

absl::Status WriteSealKeyFile(const std::string& path, const crypto::SealKey& key, bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    const int err = errno;
    std::string msg = absl::StrCat("secret key file ", path, ": ", std::strerror(err));
    return err == EEXIST ? absl::AlreadyExistsError(msg) : absl::InternalError(msg);
  }
  const std::string text = wire::Base64UrlEncode(key.raw()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("secret key file ", path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace ntf::store
