#pragma once

// What the device receives (spec/ntf-protocol.md §3.2–§3.3; docs/push-payloads.md has the exact
// bytes and the size arithmetic). Three kinds of push:
//
//   verification    {"aps":{"content-available":1},
//                    "notificationData":{"nonce":N,"verification":E(regCode)}}
//   message         {"aps":{"mutable-content":1,"alert":"Encrypted message or another app event",
//                           "category":"NTF_CAT_CHECK_MESSAGE"},
//                    "notificationData":{"nonce":N,"message":E(pnMessages)}}
//   check messages  {"aps":{"content-available":1},"notificationData":{"checkMessages":true}}
//
// N = base64url (with '=' padding) of a fresh 24-byte nonce; E(x) = base64url (with padding) of
// crypto_box(token DH secret, N, pad(x, kPushPaddedLength)). FCM carries the same fields as
// string-valued data (provider_request.h).
//
// Pure functions; thread-safe; no I/O.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ntf/crypto/box.h"
#include "ntf/push_job/push_job.h"
#include "ntf/wire/address.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher {

using PushKind = push_job::PushKind;  // verification, message, check-messages

// "verification" / "message" / "check_messages" (metric labels, logs).
std::string_view PushKindName(PushKind kind);

// APNs rejects a payload over 4096 bytes (413 PayloadTooLarge).
inline constexpr size_t kApnsMaxPayloadSize = 4096;

// Every encrypted push blob is pad(plaintext, kPushPaddedLength) + a 16-byte tag. The reference
// pads to 3072, which makes a message push 4310 bytes, over the APNs limit. 2912 is the largest
// padding that keeps the message JSON (the longest kind) within 4096 bytes: 2912 + 16 = 2928
// bytes = 3904 base64 characters (2928 is a multiple of 3, so no '=' is wasted), plus 190 bytes
// of JSON around it = 4094. It still fits six realistic PNMessageData items (each up to 484
// bytes). The arithmetic is in docs/push-payloads.md. Clients unpad by the length prefix, so
// the change is invisible to them.
inline constexpr size_t kPushPaddedLength = 2912;

// At most this many notifications travel in one message push (spec §4.4).
inline constexpr size_t kMaxPnMessages = 6;
// The longest pnMessages text that fits the padding (2 bytes go to the length prefix).
inline constexpr size_t kMaxPnMessagesLength = kPushPaddedLength - 2;

// One NMSG the device should know about (spec §3.3).
struct PnMessageData {
  wire::ProtocolServer smp_server = {};  // the SMP server that sent the NMSG
  wire::Bytes notifier_id = {};          // its queue's notifier id
  absl::Time received_at = {};           // ntfTs: when this server received the NMSG
  wire::Bytes nonce = {};                // the NMSG's 24-byte nonce
  wire::Bytes enc_meta = {};             // the NMSG's encrypted metadata (144 bytes)
};

// smp://<keyHash>@<host1>[,<host2>...][:<port>]/<notifierId> <ntfTs> <nonce> <encMeta>
// (binary fields base64url with '=' padding, ntfTs in Unix seconds). The server must be valid
// (wire::ValidateProtocolServer); otherwise the output is unspecified but safe.
std::string FormatPnMessageData(const PnMessageData& item);

struct PnMessages {
  std::string text = {};  // items joined by ';', oldest first
  size_t included = 0;    // how many of the newest items made it in
};

// Formats the newest items (input is oldest first, the last one triggered the push): at most
// kMaxPnMessages, and only as many as fit in `max_length` bytes, dropping the oldest first.
// InvalidArgument if `items` is empty or the newest one alone is longer than `max_length`.
absl::StatusOr<PnMessages> FormatPnMessages(absl::Span<const PnMessageData> items,
                                            size_t max_length = kMaxPnMessagesLength);

// The device-visible fields of one push, encrypted, ready for either provider. The bodies carry
// N = base64url(nonce) and E = base64url(box); they are encoded straight into the body, so the
// 3.9 KB of E never exist as a string of their own.
struct PushContent {
  PushKind kind = PushKind::kCheckMessages;
  crypto::CbNonce nonce = {};  // the box's nonce; unused for kCheckMessages
  wire::Bytes box = {};        // crypto_box of the padded plaintext; empty for kCheckMessages
};

// E(regCode) under the token's DH secret. `nonce` must be fresh (crypto::RandomNonce()).
// InvalidArgument if the code does not fit the padding.
absl::StatusOr<PushContent> MakeVerificationContent(const crypto::DhSecret& secret,
                                                    const crypto::CbNonce& nonce,
                                                    wire::ByteSpan reg_code);
// E(pnMessages) (FormatPnMessages().text). InvalidArgument if longer than kMaxPnMessagesLength.
absl::StatusOr<PushContent> MakeMessageContent(const crypto::DhSecret& secret,
                                               const crypto::CbNonce& nonce,
                                               std::string_view pn_messages);
// The periodic "check messages" push: nothing encrypted.
PushContent MakeCheckMessagesContent();

// The APNs JSON body, compact, keys in the order shown above (for kCheckMessages, `nonce` and
// `box` are not used).
std::string ApnsPayloadJson(const PushContent& content);

}  // namespace ntf::pusher
