#include "ntf/client/push_payload.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ntf::client {
namespace {

// Abseil on Debian 12 has its own string_view (docs/pitfalls.md).
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Bad(std::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("push payload: ", Absl(field), ": ", why));
}

absl::StatusOr<wire::Bytes> DecodeB64(std::string_view field, std::string_view text) {
  absl::StatusOr<wire::Bytes> bytes = wire::Base64UrlDecode(text);
  if (!bytes.ok()) return Bad(field, bytes.status().message());
  return bytes;
}

absl::StatusOr<crypto::CbNonce> DecodeNonce(std::string_view field, std::string_view text) {
  absl::StatusOr<wire::Bytes> bytes = DecodeB64(field, text);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<crypto::CbNonce> nonce = crypto::NonceFromBytes(*bytes);
  if (!nonce.ok()) return Bad(field, nonce.status().message());
  return nonce;
}

// Decodes and decrypts one encrypted member; returns the unpadded plaintext.
absl::StatusOr<wire::Bytes> Open(const crypto::DhSecret& secret, std::string_view nonce_b64,
                                 std::string_view field, std::string_view box_b64) {
  absl::StatusOr<crypto::CbNonce> nonce = DecodeNonce("nonce", nonce_b64);
  if (!nonce.ok()) return nonce.status();
  absl::StatusOr<wire::Bytes> box = DecodeB64(field, box_b64);
  if (!box.ok()) return box.status();
  absl::StatusOr<wire::Bytes> plain = crypto::BoxDecryptPadded(secret, *nonce, *box);
  if (!plain.ok()) return Bad(field, plain.status().message());
  return plain;
}

// [-]digits, nothing else (absl::SimpleAtoi alone would also take '+' and spaces).
bool ParseDecimal(std::string_view text, int64_t* out) {
  const std::string_view digits = text.substr(!text.empty() && text[0] == '-' ? 1 : 0);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(Absl(text), out);
}

absl::StatusOr<PNMessageData> ParseItem(std::string_view item) {
  std::vector<std::string_view> fields;
  for (absl::string_view f : absl::StrSplit(Absl(item), ' '))
    fields.emplace_back(f.data(), f.size());
  if (fields.size() != 4) {
    return Bad("message item", absl::StrCat(fields.size(), " fields instead of 4"));
  }
  PNMessageData out;

  // smp://<keyHash>@<hosts>[:<port>]/<notifierId>: neither the key hash, the basic auth, the
  // hosts nor the port may contain '/', so the first one after the scheme ends the server.
  const std::string_view queue = fields[0];
  const size_t scheme_end = queue.find("://");
  const size_t slash = scheme_end == std::string_view::npos ? std::string_view::npos
                                                            : queue.find('/', scheme_end + 3);
  if (slash == std::string_view::npos) return Bad("queue", "missing '/<notifierId>'");
  absl::StatusOr<wire::ServerAddress> server = wire::ParseServerAddress(queue.substr(0, slash));
  if (!server.ok()) return Bad("queue", server.status().message());
  if (server->scheme != wire::ServerScheme::kSmp) return Bad("queue", "not an smp:// server");
  out.smp_server = std::move(server->server);
  absl::StatusOr<wire::Bytes> notifier_id = DecodeB64("notifier id", queue.substr(slash + 1));
  if (!notifier_id.ok()) return notifier_id.status();
  if (notifier_id->empty()) return Bad("notifier id", "empty");
  out.notifier_id = *std::move(notifier_id);

  if (!ParseDecimal(fields[1], &out.ntf_ts)) {
    return Bad("ntfTs", absl::StrCat("not an integer: \"", Absl(fields[1]), "\""));
  }
  absl::StatusOr<crypto::CbNonce> nonce = DecodeNonce("nmsg nonce", fields[2]);
  if (!nonce.ok()) return nonce.status();
  out.nmsg_nonce = *nonce;
  absl::StatusOr<wire::Bytes> meta = DecodeB64("encNMsgMeta", fields[3]);
  if (!meta.ok()) return meta.status();
  out.enc_meta = *std::move(meta);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<PNMessageData>> ParsePNMessages(std::string_view text) {
  if (text.empty()) return Bad("messages", "empty");
  std::vector<PNMessageData> out;
  for (absl::string_view item : absl::StrSplit(Absl(text), ';')) {
    absl::StatusOr<PNMessageData> parsed = ParseItem(std::string_view(item.data(), item.size()));
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", out.size(), ": ", parsed.status().message()));
    }
    out.push_back(*std::move(parsed));
  }
  return out;
}

absl::StatusOr<wire::Bytes> DecryptVerification(const crypto::DhSecret& secret,
                                                std::string_view nonce_b64,
                                                std::string_view verification_b64) {
  absl::StatusOr<wire::Bytes> code = Open(secret, nonce_b64, "verification", verification_b64);
  if (!code.ok()) return code.status();
  if (code->size() != kRegCodeSize) {
    return Bad("verification",
               absl::StrCat("code of ", code->size(), " bytes instead of ", kRegCodeSize));
  }
  return code;
}

absl::StatusOr<std::vector<PNMessageData>> DecryptMessages(const crypto::DhSecret& secret,
                                                           std::string_view nonce_b64,
                                                           std::string_view message_b64) {
  absl::StatusOr<wire::Bytes> text = Open(secret, nonce_b64, "message", message_b64);
  if (!text.ok()) return text.status();
  return ParsePNMessages(wire::AsStringView(*text));
}

}  // namespace ntf::client
