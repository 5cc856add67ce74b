#include "services/pusher/src/push_payload.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

constexpr std::string_view kAlertText = "Encrypted message or another app event";
constexpr std::string_view kMessageCategory = "NTF_CAT_CHECK_MESSAGE";

absl::StatusOr<PushContent> Encrypt(PushKind kind, const crypto::DhSecret& secret,
                                    const crypto::CbNonce& nonce, wire::ByteSpan plaintext) {
  absl::StatusOr<wire::Bytes> box =
      crypto::BoxEncryptPadded(secret, nonce, plaintext, kPushPaddedLength);
  if (!box.ok()) return box.status();
  return PushContent{.kind = kind,
                     .nonce = wire::Base64UrlEncode(nonce),
                     .encrypted = wire::Base64UrlEncode(*box)};
}

}  // namespace

std::string_view PushKindName(PushKind kind) {
  switch (kind) {
    case PushKind::kVerification:
      return "verification";
    case PushKind::kMessage:
      return "message";
    case PushKind::kCheckMessages:
      return "check_messages";
  }
  return "unknown";
}

std::string FormatPnMessageData(const PnMessageData& item) {
  const wire::ServerAddress address{.scheme = wire::ServerScheme::kSmp, .server = item.smp_server};
  return absl::StrCat(wire::FormatServerAddress(address), "/",
                      wire::Base64UrlEncode(item.notifier_id), " ",
                      absl::ToUnixSeconds(item.received_at), " ", wire::Base64UrlEncode(item.nonce),
                      " ", wire::Base64UrlEncode(item.enc_meta));
}

absl::StatusOr<PnMessages> FormatPnMessages(absl::Span<const PnMessageData> items,
                                            size_t max_length) {
  if (items.empty()) return absl::InvalidArgumentError("no notifications to push");
  // Newest first, so the one that triggered the push is always kept.
  std::vector<std::string> formatted;
  size_t length = 0;
  for (size_t i = items.size(); i > 0 && formatted.size() < kMaxPnMessages; --i) {
    std::string item = FormatPnMessageData(items[i - 1]);
    const size_t with_item = length + (formatted.empty() ? 0 : 1) + item.size();
    if (with_item > max_length) break;
    length = with_item;
    formatted.push_back(std::move(item));
  }
  if (formatted.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification too long for a push: ", FormatPnMessageData(items.back()).size(),
                     " > ", max_length, " bytes"));
  }
  PnMessages out{.included = formatted.size()};
  out.text.reserve(length);
  for (size_t i = formatted.size(); i > 0; --i) {
    if (!out.text.empty()) out.text.push_back(';');
    out.text += formatted[i - 1];
  }
  return out;
}

absl::StatusOr<PushContent> MakeVerificationContent(const crypto::DhSecret& secret,
                                                    const crypto::CbNonce& nonce,
                                                    wire::ByteSpan reg_code) {
  return Encrypt(PushKind::kVerification, secret, nonce, reg_code);
}

absl::StatusOr<PushContent> MakeMessageContent(const crypto::DhSecret& secret,
                                               const crypto::CbNonce& nonce,
                                               std::string_view pn_messages) {
  if (pn_messages.size() > kMaxPnMessagesLength) {
    return absl::InvalidArgumentError(absl::StrCat("pnMessages too long: ", pn_messages.size(),
                                                   " > ", kMaxPnMessagesLength, " bytes"));
  }
  return Encrypt(PushKind::kMessage, secret, nonce, wire::AsSpan(pn_messages));
}

PushContent MakeCheckMessagesContent() { return PushContent{.kind = PushKind::kCheckMessages}; }

namespace {

// Whether any byte of `w` is below 0x20 or at/above 0x80 (control characters, non-ASCII), or
// is '"' or '\\' (exact, the classic "has zero/less byte" tricks).
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
constexpr bool HasZeroByte(uint64_t w) { return ((w - kOnes) & ~w & kHighs) != 0; }
constexpr bool NeedsEscape(uint64_t w) {
  return ((w - kOnes * 0x20) & ~w & kHighs) != 0 || (w & kHighs) != 0 ||
         HasZeroByte(w ^ (kOnes * '"')) || HasZeroByte(w ^ (kOnes * '\\'));
}
bool NeedsEscape(unsigned char c) { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\'; }

// Appends `value` as a JSON string. The encrypted blobs are base64url (nothing to escape) and
// ~3.9 KB per push: nlohmann's escaping serializer, character by character, was the pusher's
// biggest single cost. Printable ASCII other than '"' and '\\' is copied as is (what nlohmann
// writes too), checked 8 bytes at a time; anything else goes through nlohmann's escaping.
void AppendJsonString(std::string& out, std::string_view value) {
  bool escape = false;
  size_t i = 0;
  for (; !escape && i + 8 <= value.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, value.data() + i, 8);
    escape = NeedsEscape(w);
  }
  for (; !escape && i < value.size(); ++i) {
    escape = NeedsEscape(static_cast<unsigned char>(value[i]));
  }
  if (!escape) {
    out.push_back('"');
    out.append(value);
    out.push_back('"');
  } else {
    out.append(nlohmann::json(std::string(value)).dump());
  }
}

}  // namespace

// Byte for byte what nlohmann::ordered_json's dump() wrote (tests compare the exact bodies).
std::string ApnsPayloadJson(const PushContent& content) {
  std::string out;
  out.reserve(128 + content.nonce.size() + content.encrypted.size());
  switch (content.kind) {
    case PushKind::kVerification:
      out.append(R"({"aps":{"content-available":1},"notificationData":{"nonce":)");
      AppendJsonString(out, content.nonce);
      out.append(R"(,"verification":)");
      AppendJsonString(out, content.encrypted);
      out.append("}}");
      break;
    case PushKind::kMessage:
      out.append(R"({"aps":{"mutable-content":1,"alert":)");
      AppendJsonString(out, kAlertText);
      out.append(R"(,"category":)");
      AppendJsonString(out, kMessageCategory);
      out.append(R"(},"notificationData":{"nonce":)");
      AppendJsonString(out, content.nonce);
      out.append(R"(,"message":)");
      AppendJsonString(out, content.encrypted);
      out.append("}}");
      break;
    case PushKind::kCheckMessages:
      out.append(R"({"aps":{"content-available":1},"notificationData":{"checkMessages":true}})");
      break;
  }
  return out;
}

}  // namespace ntf::pusher
