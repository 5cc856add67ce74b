#pragma once

// The repository of tokens, SMP servers and subscriptions. Two implementations: PgStore
// (PostgreSQL, secrets sealed at rest) and MemoryStore (tests).
//
// Thread-safety: every method may be called from any thread concurrently. Blocking: PgStore
// methods block on the database and must run on a DB pool thread, never on an event loop.
// Errors: absl::Unavailable when the database cannot be reached, Internal for other database
// failures; "not found" is an empty optional, never an error.

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/store/model.h"

namespace ntf::store {

class Store {
 public:
  virtual ~Store() = default;

  // --- tokens ---
  // The token registered with this device token and verify key (TNEW retry), if any.
  virtual absl::StatusOr<std::optional<Token>> FindTokenRegistration(const DeviceToken& device,
                                                                     ByteSpan verify_key) = 0;
  virtual absl::StatusOr<std::optional<Token>> GetToken(ByteSpan token_id) = 0;
  // Fails with AlreadyExists if the id or the (device, verify key) registration exists.
  virtual absl::Status InsertToken(const Token& token) = 0;
  virtual absl::Status SetTokenStatus(ByteSpan token_id, const TokenStatus& status) = 0;
  // TVFY: status ACTIVE, and every other token of the same device token is deleted (with its
  // subscriptions). Returns the subscriptions deleted that way.
  virtual absl::StatusOr<std::vector<Subscription>> ActivateToken(ByteSpan token_id) = 0;
  // TRPL: new device token and registration code, status REGISTERED; keys, DH secret and
  // subscriptions are kept.
  virtual absl::Status ReplaceDeviceToken(ByteSpan token_id, const DeviceToken& device,
                                          ByteSpan reg_code) = 0;
  // TCRN: 0 turns periodic pushes off.
  virtual absl::Status SetCronInterval(ByteSpan token_id, uint16_t minutes) = 0;
  // TDEL: deletes the token and (cascading) its subscriptions; returns the subscriptions deleted.
  virtual absl::StatusOr<std::vector<Subscription>> DeleteToken(ByteSpan token_id) = 0;

  // --- subscriptions ---
  virtual absl::StatusOr<std::optional<Subscription>> FindSubscription(const SmpServer& server,
                                                                       ByteSpan notifier_id) = 0;
  virtual absl::StatusOr<std::optional<Subscription>> GetSubscription(ByteSpan subscription_id) = 0;
  // Creates the smp_servers row if needed. AlreadyExists if (server, notifier id) is taken.
  virtual absl::Status InsertSubscription(const Subscription& subscription) = 0;
  // Returns false if there was no such subscription.
  virtual absl::StatusOr<bool> DeleteSubscription(ByteSpan subscription_id) = 0;

  // Readiness: OK when the last database interaction succeeded or a probe query works.
  virtual absl::Status Check() = 0;
};

}  // namespace ntf::store
