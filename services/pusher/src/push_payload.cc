#include "services/pusher/src/push_payload.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

absl::StatusOr<PushContent> Encrypt(PushKind kind, const crypto::DhSecret& secret,
                                    const crypto::CbNonce& nonce, wire::ByteSpan plaintext) {
  absl::StatusOr<wire::Bytes> box =
      crypto::BoxEncryptPadded(secret, nonce, plaintext, kPushPaddedLength);
  if (!box.ok()) return box.status();
  return PushContent{.kind = kind, .nonce = nonce, .box = *std::move(box)};
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

// The JSON around N and E. Byte for byte what nlohmann::ordered_json's dump() wrote for these
// documents (the tests compare them): N and E are base64url, which a JSON string carries as is,
// so they are encoded straight into the body, with nothing to escape.
constexpr std::string_view kVerificationHead =
    R"({"aps":{"content-available":1},"notificationData":{"nonce":")";
constexpr std::string_view kVerificationField = R"(","verification":")";
constexpr std::string_view kMessageHead =
    R"({"aps":{"mutable-content":1,"alert":"Encrypted message or another app event",)"
    R"("category":"NTF_CAT_CHECK_MESSAGE"},"notificationData":{"nonce":")";
constexpr std::string_view kMessageField = R"(","message":")";
constexpr std::string_view kTail = R"("}})";
constexpr std::string_view kCheckMessagesJson =
    R"({"aps":{"content-available":1},"notificationData":{"checkMessages":true}})";

// head N field E tail, in one allocation.
std::string EncryptedPayloadJson(std::string_view head, std::string_view field,
                                 const PushContent& content) {
  std::string out;
  out.reserve(head.size() + wire::Base64UrlLength(content.nonce.size()) + field.size() +
              wire::Base64UrlLength(content.box.size()) + kTail.size());
  out.append(head);
  wire::AppendBase64Url(out, content.nonce);
  out.append(field);
  wire::AppendBase64Url(out, content.box);
  out.append(kTail);
  return out;
}

}  // namespace

std::string ApnsPayloadJson(const PushContent& content) {
  switch (content.kind) {
    case PushKind::kVerification:
      return EncryptedPayloadJson(kVerificationHead, kVerificationField, content);
    case PushKind::kMessage:
      return EncryptedPayloadJson(kMessageHead, kMessageField, content);
    case PushKind::kCheckMessages:
      return std::string(kCheckMessagesJson);
  }
  return {};
}

}  // namespace ntf::pusher
