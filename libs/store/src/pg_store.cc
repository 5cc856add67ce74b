#include "ntf/store/pg_store.h"

#include <pqxx/binarystring>
#include <pqxx/result>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ntf/pg/errors.h"
#include "ntf/pg/fields.h"
#include "ntf/pg/prepared.h"
#include "ntf/store/migrations_sql.h"

namespace ntf::store {
namespace {

// ---- SQL -------------------------------------------------------------------------------------
constexpr char kTokenColumns[] =
    "token_id, push_provider, push_token, verify_key, dh_pub_key, dh_priv_key_sealed, "
    "dh_secret_sealed, reg_code, status, cron_interval, date_part('epoch', registered_at)";

const std::string kFindTokenRegistration =
    std::string("SELECT ") + kTokenColumns +
    " FROM tokens WHERE push_provider = $1 AND push_token = $2 AND verify_key = $3";
const std::string kGetToken =
    std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE token_id = $1";
constexpr char kInsertToken[] =
    "INSERT INTO tokens (token_id, push_provider, push_token, verify_key, dh_pub_key, "
    "dh_priv_key_sealed, dh_secret_sealed, reg_code, status, cron_interval, registered_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, to_timestamp($11)) ON CONFLICT DO NOTHING";
constexpr char kSetTokenStatus[] =
    "UPDATE tokens SET status = $2, updated_at = now() WHERE token_id = $1";
constexpr char kReplaceDeviceToken[] =
    "UPDATE tokens SET push_provider = $2, push_token = $3, reg_code = $4, status = 'REGISTERED', "
    "registered_at = now(), updated_at = now() WHERE token_id = $1 AND NOT EXISTS ("
    "SELECT 1 FROM tokens o WHERE o.push_provider = $2 AND o.push_token = $3 "
    "AND o.verify_key = tokens.verify_key AND o.token_id <> $1)";
constexpr char kSetCron[] =
    "UPDATE tokens SET cron_interval = $2, "
    "cron_next_at = CASE WHEN $2 = 0 THEN NULL ELSE now() + make_interval(mins => $2) END, "
    "updated_at = now() WHERE token_id = $1";
constexpr char kOtherTokensOfDevice[] =
    "SELECT o.token_id FROM tokens t JOIN tokens o ON o.push_provider = t.push_provider "
    "AND o.push_token = t.push_token AND o.token_id <> t.token_id WHERE t.token_id = $1";
constexpr char kDeleteToken[] = "DELETE FROM tokens WHERE token_id = $1";

constexpr char kSubscriptionColumns[] =
    "s.subscription_id, s.token_id, v.smp_hosts, v.smp_port, v.smp_key_hash, s.notifier_id, "
    "s.notifier_key_sealed, s.status";
const std::string kFindSubscription =
    std::string("SELECT ") + kSubscriptionColumns +
    " FROM subscriptions s JOIN smp_servers v USING (smp_server_id) "
    "WHERE v.smp_hosts = $1 AND v.smp_port = $2 AND v.smp_key_hash = $3 AND s.notifier_id = $4";
const std::string kGetSubscription = std::string("SELECT ") + kSubscriptionColumns +
                                     " FROM subscriptions s JOIN smp_servers v USING "
                                     "(smp_server_id) WHERE s.subscription_id = $1";
const std::string kSubscriptionsOfToken = std::string("SELECT ") + kSubscriptionColumns +
                                          " FROM subscriptions s JOIN smp_servers v USING "
                                          "(smp_server_id) WHERE s.token_id = $1";
constexpr char kUpsertServer[] =
    "WITH ins AS (INSERT INTO smp_servers (smp_hosts, smp_port, smp_key_hash) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING smp_server_id) "
    "SELECT smp_server_id FROM ins UNION ALL SELECT smp_server_id FROM smp_servers "
    "WHERE smp_hosts = $1 AND smp_port = $2 AND smp_key_hash = $3";
constexpr char kFindServer[] =
    "SELECT smp_server_id FROM smp_servers "
    "WHERE smp_hosts = $1 AND smp_port = $2 AND smp_key_hash = $3";
// Inserts nothing (no error, so the block's transaction goes on) when the token is gone or the
// subscription exists.
constexpr char kInsertSubscription[] =
    "INSERT INTO subscriptions (subscription_id, token_id, smp_server_id, notifier_id, "
    "notifier_key_sealed, status) SELECT $1, $2, $3, $4, $5, $6 "
    "WHERE EXISTS (SELECT 1 FROM tokens WHERE token_id = $2) ON CONFLICT DO NOTHING";
constexpr char kDeleteSubscription[] = "DELETE FROM subscriptions WHERE subscription_id = $1";

constexpr pg::Migration kMigrations[] = {
    {.version = "store_0001", .name = "tokens, smp_servers, subscriptions", .sql = kMigration0001},
    {.version = "store_0002", .name = "notifications (push outbox)", .sql = kMigration0002},
    {.version = "store_0003", .name = "token changes announced (NOTIFY)", .sql = kMigration0003},
};

// ---- helpers ---------------------------------------------------------------------------------
pqxx::binarystring Bin(ByteSpan b) { return pqxx::binarystring(b.data(), b.size()); }

absl::StatusOr<Bytes> Unseal(const crypto::SealKey& key, const pqxx::field& f, const char* column) {
  absl::StatusOr<Bytes> plain = crypto::Unseal(key, pg::ByteaField(f));
  if (!plain.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot unseal ", column, " (wrong server secret key?)"));
  }
  return plain;
}

absl::StatusOr<Token> ReadToken(const pqxx::row& row, const crypto::SealKey& key) {
  Token t;
  t.token_id = pg::ByteaField(row[0]);
  std::optional<PushProvider> provider = wire::ParsePushProviderName(row[1].c_str());
  if (!provider) return absl::InternalError(absl::StrCat("bad push_provider ", row[1].c_str()));
  t.device = {.provider = *provider, .token = pg::ByteaField(row[2])};
  t.verify_key = pg::ByteaField(row[3]);
  t.dh_pub_key = pg::ByteaField(row[4]);
  absl::StatusOr<Bytes> priv = Unseal(key, row[5], "dh_priv_key");
  if (!priv.ok()) return priv.status();
  t.dh_priv_key = *std::move(priv);
  absl::StatusOr<Bytes> secret = Unseal(key, row[6], "dh_secret");
  if (!secret.ok()) return secret.status();
  t.dh_secret = *std::move(secret);
  t.reg_code = pg::ByteaField(row[7]);
  absl::StatusOr<TokenStatus> status = wire::ParseTokenStatus(row[8].c_str());
  if (!status.ok()) return absl::InternalError(status.status().message());
  t.status = *status;
  t.cron_interval = row[9].as<uint16_t>();
  t.registered_at = pg::EpochField(row[10]);
  return t;
}

absl::StatusOr<Subscription> ReadSubscription(const pqxx::row& row, const crypto::SealKey& key) {
  Subscription s;
  s.subscription_id = pg::ByteaField(row[0]);
  s.token_id = pg::ByteaField(row[1]);
  s.server.hosts = absl::StrSplit(row[2].c_str(), ',');
  s.server.port = row[3].c_str();
  s.server.key_hash = pg::ByteaField(row[4]);
  s.notifier_id = pg::ByteaField(row[5]);
  absl::StatusOr<Bytes> notifier_key = Unseal(key, row[6], "notifier_key");
  if (!notifier_key.ok()) return notifier_key.status();
  s.notifier_key = *std::move(notifier_key);
  absl::StatusOr<SubscriptionStatus> status = wire::ParseSubscriptionStatus(row[7].c_str());
  if (!status.ok()) return absl::InternalError(status.status().message());
  s.status = *status;
  return s;
}

std::string Hosts(const SmpServer& server) { return absl::StrJoin(server.hosts, ","); }

using pg::Guard;

absl::Status NotFound() { return absl::NotFoundError("no such token"); }

using pg::ExecPrepared;

}  // namespace

absl::Span<const pg::Migration> Migrations() { return kMigrations; }

absl::StatusOr<std::optional<Token>> PgStore::FindTokenRegistration(const DeviceToken& device,
                                                                    ByteSpan verify_key) {
  return Guard([&]() -> absl::StatusOr<std::optional<Token>> {
    pqxx::result r = ExecPrepared(tx_, "store_FindTokenRegistration", kFindTokenRegistration,
                                  std::string(wire::PushProviderName(device.provider)),
                                  Bin(device.token), Bin(verify_key));
    if (r.empty()) return std::nullopt;
    return ReadToken(r[0], seal_key_);
  });
}

absl::StatusOr<std::optional<Token>> PgStore::GetToken(ByteSpan token_id) {
  return Guard([&]() -> absl::StatusOr<std::optional<Token>> {
    pqxx::result r = ExecPrepared(tx_, "store_GetToken", kGetToken, Bin(token_id));
    if (r.empty()) return std::nullopt;
    return ReadToken(r[0], seal_key_);
  });
}

absl::Status PgStore::InsertToken(const Token& t) {
  return Guard([&]() -> absl::Status {
    const Bytes priv = crypto::Seal(seal_key_, t.dh_priv_key);
    const Bytes secret = crypto::Seal(seal_key_, t.dh_secret);
    pqxx::result r =
        ExecPrepared(tx_, "store_InsertToken", kInsertToken, Bin(t.token_id),
                     std::string(wire::PushProviderName(t.device.provider)), Bin(t.device.token),
                     Bin(t.verify_key), Bin(t.dh_pub_key), Bin(priv), Bin(secret), Bin(t.reg_code),
                     wire::FormatTokenStatus(t.status), static_cast<int>(t.cron_interval),
                     absl::ToDoubleSeconds(t.registered_at - absl::UnixEpoch()));
    if (r.affected_rows() == 0) return absl::AlreadyExistsError("token exists");
    return absl::OkStatus();
  });
}

absl::Status PgStore::SetTokenStatus(ByteSpan token_id, const TokenStatus& status) {
  return Guard([&]() -> absl::Status {
    pqxx::result r = ExecPrepared(tx_, "store_SetTokenStatus", kSetTokenStatus, Bin(token_id),
                                  wire::FormatTokenStatus(status));
    return r.affected_rows() == 0 ? NotFound() : absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Subscription>> PgStore::ActivateToken(ByteSpan token_id) {
  absl::Status s = SetTokenStatus(token_id, {.state = TokenState::kActive});
  if (!s.ok()) return s;
  return Guard([&]() -> absl::StatusOr<std::vector<Subscription>> {
    std::vector<Subscription> deleted;
    for (const pqxx::row& row :
         ExecPrepared(tx_, "store_OtherTokensOfDevice", kOtherTokensOfDevice, Bin(token_id))) {
      absl::StatusOr<std::vector<Subscription>> subs = DeleteToken(pg::ByteaField(row[0]));
      if (!subs.ok()) return subs.status();
      for (Subscription& sub : *subs) deleted.push_back(std::move(sub));
    }
    return deleted;
  });
}

absl::Status PgStore::ReplaceDeviceToken(ByteSpan token_id, const DeviceToken& device,
                                         ByteSpan reg_code) {
  return Guard([&]() -> absl::Status {
    pqxx::result r = ExecPrepared(
        tx_, "store_ReplaceDeviceToken", kReplaceDeviceToken, Bin(token_id),
        std::string(wire::PushProviderName(device.provider)), Bin(device.token), Bin(reg_code));
    if (r.affected_rows() > 0) return absl::OkStatus();
    absl::StatusOr<std::optional<Token>> t = GetToken(token_id);
    if (!t.ok()) return t.status();
    return t->has_value() ? absl::AlreadyExistsError("device token registered with this key")
                          : NotFound();
  });
}

absl::Status PgStore::SetCronInterval(ByteSpan token_id, uint16_t minutes) {
  return Guard([&]() -> absl::Status {
    pqxx::result r =
        ExecPrepared(tx_, "store_SetCron", kSetCron, Bin(token_id), static_cast<int>(minutes));
    return r.affected_rows() == 0 ? NotFound() : absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Subscription>> PgStore::DeleteToken(ByteSpan token_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<Subscription>> {
    std::vector<Subscription> subs;
    for (const pqxx::row& row :
         ExecPrepared(tx_, "store_SubscriptionsOfToken", kSubscriptionsOfToken, Bin(token_id))) {
      absl::StatusOr<Subscription> sub = ReadSubscription(row, seal_key_);
      if (!sub.ok()) return sub.status();
      subs.push_back(*std::move(sub));
    }
    ExecPrepared(tx_, "store_DeleteToken", kDeleteToken,
                 Bin(token_id));  // cascades to subscriptions
    return subs;
  });
}

absl::StatusOr<std::optional<Subscription>> PgStore::FindSubscription(const SmpServer& server,
                                                                      ByteSpan notifier_id) {
  return Guard([&]() -> absl::StatusOr<std::optional<Subscription>> {
    pqxx::result r = ExecPrepared(tx_, "store_FindSubscription", kFindSubscription, Hosts(server),
                                  server.port, Bin(server.key_hash), Bin(notifier_id));
    if (r.empty()) return std::nullopt;
    return ReadSubscription(r[0], seal_key_);
  });
}

absl::StatusOr<std::optional<Subscription>> PgStore::GetSubscription(ByteSpan subscription_id) {
  return Guard([&]() -> absl::StatusOr<std::optional<Subscription>> {
    pqxx::result r =
        ExecPrepared(tx_, "store_GetSubscription", kGetSubscription, Bin(subscription_id));
    if (r.empty()) return std::nullopt;
    return ReadSubscription(r[0], seal_key_);
  });
}

absl::Status PgStore::InsertSubscription(const Subscription& s) {
  return Guard([&]() -> absl::Status {
    const std::string hosts = Hosts(s.server);
    // Known servers (the common case) cost one read and no write.
    pqxx::result server = ExecPrepared(tx_, "store_FindServer", kFindServer, hosts, s.server.port,
                                       Bin(s.server.key_hash));
    if (server.empty()) {
      server = ExecPrepared(tx_, "store_UpsertServer", kUpsertServer, hosts, s.server.port,
                            Bin(s.server.key_hash));
    }
    if (server.empty()) {
      // Another transaction inserted the row concurrently: our INSERT waited for it and did
      // nothing, and that statement's snapshot predates it. A new statement sees it.
      server = ExecPrepared(tx_, "store_FindServer", kFindServer, hosts, s.server.port,
                            Bin(s.server.key_hash));
    }
    if (server.empty()) return absl::InternalError("smp_servers upsert returned no row");
    const int64_t server_id = server[0][0].as<int64_t>();
    pqxx::result r = ExecPrepared(tx_, "store_InsertSubscription", kInsertSubscription,
                                  Bin(s.subscription_id), Bin(s.token_id), server_id,
                                  Bin(s.notifier_id), Bin(crypto::Seal(seal_key_, s.notifier_key)),
                                  wire::FormatSubscriptionStatus(s.status));
    if (r.affected_rows() > 0) return absl::OkStatus();
    // Nothing inserted: the token is gone, or the subscription exists.
    absl::StatusOr<std::optional<Token>> token = GetToken(s.token_id);
    if (!token.ok()) return token.status();
    if (!token->has_value()) return NotFound();
    return absl::AlreadyExistsError("subscription exists");
  });
}

absl::StatusOr<bool> PgStore::DeleteSubscription(ByteSpan subscription_id) {
  return Guard([&]() -> absl::StatusOr<bool> {
    return ExecPrepared(tx_, "store_DeleteSubscription", kDeleteSubscription, Bin(subscription_id))
               .affected_rows() > 0;
  });
}

absl::Status PgStore::Check() {
  return Guard([&]() -> absl::Status {
    tx_.exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace ntf::store
