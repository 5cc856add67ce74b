#pragma once

// The Store on PostgreSQL (schema: libs/store/migrations). A PgStore is a light view bound to
// one pqxx transaction: build one inside a ntf::pg::Pool job and let the job commit.
//
// Statements never raise SQL errors for expected conflicts (INSERT ... ON CONFLICT DO NOTHING),
// so one conflict does not abort the transaction of a whole block.
// Secrets (server DH private key, DH secret, notifier keys) are sealed with the SealKey on write
// and unsealed on read; a row that fails to unseal reads as Internal ("wrong server key?").
//
// Thread-safety: like the transaction it wraps, a PgStore belongs to one thread. Blocking: every
// method does database round trips.

#include <pqxx/transaction>

#include "ntf/crypto/seal.h"
#include "ntf/pg/migrations.h"
#include "ntf/store/store.h"

namespace ntf::store {

// The schema's migrations, in order, for ntf::pg::ApplyMigrations.
absl::Span<const pg::Migration> Migrations();

class PgStore final : public Store {
 public:
  // Both must outlive the store.
  PgStore(pqxx::work& tx, const crypto::SealKey& seal_key) : tx_(tx), seal_key_(seal_key) {}

  // ntf::store::Store
  absl::StatusOr<std::optional<Token>> FindTokenRegistration(const DeviceToken& device,
                                                             ByteSpan verify_key) override;
  absl::StatusOr<std::optional<Token>> GetToken(ByteSpan token_id) override;
  absl::Status InsertToken(const Token& token) override;
  absl::Status SetTokenStatus(ByteSpan token_id, const TokenStatus& status) override;
  absl::StatusOr<std::vector<Subscription>> ActivateToken(ByteSpan token_id) override;
  absl::Status ReplaceDeviceToken(ByteSpan token_id, const DeviceToken& device,
                                  ByteSpan reg_code) override;
  absl::Status SetCronInterval(ByteSpan token_id, uint16_t minutes) override;
  absl::StatusOr<std::vector<Subscription>> DeleteToken(ByteSpan token_id) override;
  absl::StatusOr<std::optional<Subscription>> FindSubscription(const SmpServer& server,
                                                               ByteSpan notifier_id) override;
  absl::StatusOr<std::optional<Subscription>> GetSubscription(ByteSpan subscription_id) override;
  absl::Status InsertSubscription(const Subscription& subscription) override;
  absl::StatusOr<bool> DeleteSubscription(ByteSpan subscription_id) override;
  absl::Status Check() override;

 private:
  pqxx::work& tx_;
  const crypto::SealKey& seal_key_;
};

}  // namespace ntf::store
