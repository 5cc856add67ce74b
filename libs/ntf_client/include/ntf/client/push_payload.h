#pragma once

// What a device does with the `notificationData` of a push (spec/ntf-protocol.md §3.2–§3.3):
// decrypt the verification code and the message list with the token's DH secret, and parse the
// `PNMessageData` items.
//
//   notificationData = {"nonce": N, "verification": E(regCode)}      verification push
//                    | {"nonce": N, "message": E(pnMessages)}        message push
//   N = base64url(24-byte nonce), E(x) = base64url(crypto_box(tknDhSecret, N, pad(x, 3072)))
//   pnMessages = item (';' item)*     (1..6 items, oldest first)
//   item = smp://<keyHash>@<host>[,<host>...][:<port>]/<notifierId> <ntfTs> <nmsgNonce> <encMeta>
//
// JSON members are taken as the strings they hold (the caller parses the JSON). Base64url is
// accepted with or without '=' padding.
//
// Pure functions: thread-safe, no I/O. Errors are InvalidArgument naming the field that was
// wrong (including a box that does not authenticate under the secret).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ntf/crypto/box.h"
#include "ntf/wire/address.h"

namespace ntf::client {

// The reference server pads push plaintexts to 3072 bytes (paddedNtfLength); ours pads to 2912
// so that a message push fits APNs' 4096-byte limit (docs/push-payloads.md). The agent's unPad
// only reads the length prefix, so any padded length decrypts; this client accepts any too.
inline constexpr size_t kReferencePushPaddedLength = 3072;
// regCodeBytes.
inline constexpr size_t kRegCodeSize = 32;

// One notification inside a message push. The ntf server cannot read enc_meta: only the queue's
// recipient can, with the key it agreed with the SMP server (NKEY/NID).
struct PNMessageData {
  wire::ProtocolServer smp_server = {};  // of the queue (scheme smp://)
  wire::Bytes notifier_id = {};
  int64_t ntf_ts = 0;  // unix seconds when the ntf server received the NMSG
  crypto::CbNonce nmsg_nonce = {};
  wire::Bytes enc_meta = {};  // encNMsgMeta (144 bytes from a reference SMP server)

  bool operator==(const PNMessageData&) const = default;
};

// Parses the ';'-joined text form (at least one item; each exactly four space-separated fields).
absl::StatusOr<std::vector<PNMessageData>> ParsePNMessages(std::string_view text);

// The 32-byte registration code of a verification push.
absl::StatusOr<wire::Bytes> DecryptVerification(const crypto::DhSecret& secret,
                                                std::string_view nonce_b64,
                                                std::string_view verification_b64);

// The notifications of a message push.
absl::StatusOr<std::vector<PNMessageData>> DecryptMessages(const crypto::DhSecret& secret,
                                                           std::string_view nonce_b64,
                                                           std::string_view message_b64);

}  // namespace ntf::client
