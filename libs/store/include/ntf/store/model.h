#pragma once

// The records of the notification server's state (docs/architecture.md §3): push tokens and
// subscriptions. Their value types (providers, device tokens, statuses, SMP servers) are the
// protocol's own, from ntf/wire/ntf_protocol.h; statuses are stored in PostgreSQL in their
// protocol text form ("ACTIVE", "INVALID,BAD", "ERR <text>"). Secrets are held in clear in
// memory and sealed only by the PostgreSQL store.

#include <cstdint>

#include "absl/time/time.h"
#include "ntf/wire/ntf_protocol.h"

namespace ntf::store {

using wire::Bytes;
using wire::ByteSpan;
using wire::DeviceToken;
using wire::PushProvider;
using wire::SubscriptionState;
using wire::SubscriptionStatus;
using wire::TokenState;
using wire::TokenStatus;
using SmpServer = wire::ProtocolServer;

struct Token {
  Bytes token_id = {};
  DeviceToken device = {};
  Bytes verify_key = {};   // SPKI DER
  Bytes dh_pub_key = {};   // server X25519 public key, SPKI DER
  Bytes dh_priv_key = {};  // server X25519 private key, PKCS#8 DER
  Bytes dh_secret = {};    // 32-byte X25519 shared secret with the client's DH key
  Bytes reg_code = {};     // 32 bytes
  TokenStatus status = {};
  uint16_t cron_interval = 0;                    // minutes, 0 = off
  absl::Time registered_at = absl::UnixEpoch();  // when `device` was last set (TNEW/TRPL)
};

struct Subscription {
  Bytes subscription_id = {};
  Bytes token_id = {};
  SmpServer server = {};
  Bytes notifier_id = {};
  Bytes notifier_key = {};  // PKCS#8 DER private key that signs NSUB
  SubscriptionStatus status = {};
};

// REGISTERED, CONFIRMED or ACTIVE: TVFY and verification re-sends are allowed.
inline bool AllowsVerification(const TokenStatus& s) {
  return s.state == TokenState::kRegistered || s.state == TokenState::kConfirmed ||
         s.state == TokenState::kActive;
}

// ACTIVE, INVALID or EXPIRED: SNEW/SCHK/SDEL are allowed (spec/ntf-protocol.md §2.5).
inline bool AllowsSubscriptionCommands(const TokenStatus& s) {
  return s.state == TokenState::kActive || s.state == TokenState::kInvalid ||
         s.state == TokenState::kExpired;
}

}  // namespace ntf::store
