#include "services/pusher/src/push_store.h"

#include <algorithm>
#include <map>
#include <pqxx/result>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ntf/pg/errors.h"
#include "ntf/pg/fields.h"
#include "ntf/pg/prepared.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher {
namespace {

// ---- SQL -------------------------------------------------------------------------------------
constexpr char kLoadTokens[] =
    "SELECT token_id, push_provider, push_token, dh_secret_sealed, reg_code, status, "
    "date_part('epoch', registered_at) FROM tokens WHERE token_id = ANY($1::bytea[])";

constexpr char kLoadNotifications[] =
    "SELECT n.notification_id, n.token_id, date_part('epoch', n.received_at), n.nmsg_nonce, "
    "n.nmsg_meta, s.notifier_id, v.smp_hosts, v.smp_port, v.smp_key_hash "
    "FROM notifications n JOIN subscriptions s USING (subscription_id) "
    "JOIN smp_servers v USING (smp_server_id) "
    "WHERE n.notification_id = ANY($1::bigint[]) ORDER BY n.received_at, n.notification_id";

constexpr char kInvalidate[] =
    "UPDATE tokens t SET status = u.status, updated_at = now() "
    "FROM unnest($1::bytea[], $2::bytea[], $3::text[]) AS u(token_id, push_token, status) "
    "WHERE t.token_id = u.token_id AND t.push_token = u.push_token";

constexpr char kConfirm[] =
    "UPDATE tokens t SET status = 'CONFIRMED', updated_at = now() "
    "FROM unnest($1::bytea[], $2::bytea[]) AS u(token_id, push_token) "
    "WHERE t.token_id = u.token_id AND t.push_token = u.push_token "
    "AND t.status NOT IN ('CONFIRMED', 'ACTIVE')";

constexpr char kDelivered[] =
    "UPDATE notifications SET push_state = 'delivered', pushed_at = now() "
    "WHERE notification_id = ANY($1::bigint[]) AND push_state <> 'delivered'";

constexpr char kFailed[] =
    "UPDATE notifications SET push_state = 'failed' "
    "WHERE notification_id = ANY($1::bigint[]) AND push_state = 'queued'";

// Every due token is rescheduled (so INVALID or REGISTERED tokens do not stay at the head of
// the due index); only ACTIVE ones are pushed. The next time keeps the phase when on time and
// restarts from now after an outage (no burst of catch-up pushes).
constexpr char kClaimDueCron[] =
    "WITH due AS (SELECT token_id FROM tokens WHERE cron_interval > 0 AND cron_next_at <= now() "
    "ORDER BY cron_next_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
    "UPDATE tokens t SET cron_next_at = CASE "
    "WHEN t.cron_next_at + make_interval(mins => t.cron_interval) > now() "
    "THEN t.cron_next_at + make_interval(mins => t.cron_interval) "
    "ELSE now() + make_interval(mins => t.cron_interval) END "
    "FROM due WHERE t.token_id = due.token_id RETURNING t.token_id, t.status";

constexpr char kFindLost[] =
    "SELECT notification_id, token_id FROM notifications WHERE push_state = 'queued' "
    "AND queued_at < LEAST($1::timestamptz, now()) - make_interval(secs => $2::double precision) "
    "ORDER BY queued_at LIMIT $3 FOR UPDATE SKIP LOCKED";

constexpr char kRequeued[] =
    "UPDATE notifications n SET job_id = u.job_id, queued_at = now() "
    "FROM unnest($1::bigint[], $2::text[]) AS u(id, job_id) WHERE n.notification_id = u.id";

// ---- helpers ---------------------------------------------------------------------------------
absl::StatusOr<PushTarget> ReadTarget(const pqxx::row& row, const crypto::SealKey& key) {
  PushTarget t;
  t.token_id = pg::ByteaField(row[0]);
  std::optional<wire::PushProvider> provider = wire::ParsePushProviderName(row[1].c_str());
  if (!provider) return absl::InternalError(absl::StrCat("bad push_provider ", row[1].c_str()));
  t.device = {.provider = *provider, .token = pg::ByteaField(row[2])};
  absl::StatusOr<wire::Bytes> secret = crypto::Unseal(key, pg::ByteaField(row[3]));
  if (!secret.ok()) {
    return absl::InternalError("cannot unseal dh_secret (wrong server secret key?)");
  }
  if (absl::StatusOr<crypto::DhSecret> dh = crypto::DhSecret::FromRaw(*secret); dh.ok()) {
    t.dh_secret = *std::move(dh);
  }
  t.reg_code = pg::ByteaField(row[4]);
  absl::StatusOr<wire::TokenStatus> status = wire::ParseTokenStatus(row[5].c_str());
  if (!status.ok()) return absl::InternalError(status.status().message());
  t.status = *status;
  t.registered_at = pg::EpochField(row[6]);
  return t;
}

OutboxNotification ReadNotification(const pqxx::row& row) {
  OutboxNotification n;
  n.notification_id = row[0].as<int64_t>();
  n.token_id = pg::ByteaField(row[1]);
  n.data.received_at = pg::EpochField(row[2]);
  n.data.nonce = pg::ByteaField(row[3]);
  n.data.enc_meta = pg::ByteaField(row[4]);
  n.data.notifier_id = pg::ByteaField(row[5]);
  n.data.smp_server.hosts = absl::StrSplit(row[6].c_str(), ',');
  n.data.smp_server.port = row[7].c_str();
  n.data.smp_server.key_hash = pg::ByteaField(row[8]);
  return n;
}

std::string TimeParam(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "infinity";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

using pg::Guard;

}  // namespace

std::string ByteaArrayLiteral(absl::Span<const wire::Bytes> values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, "\"\\\\x", wire::HexEncode(values[i]), "\"");
  }
  out += '}';
  return out;
}

std::string BigintArrayLiteral(absl::Span<const int64_t> values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::string TextArrayLiteral(absl::Span<const std::string> values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, "\"", values[i], "\"");
  }
  out += '}';
  return out;
}

absl::StatusOr<LoadedTargets> PgPushStore::Load(absl::Span<const wire::Bytes> token_ids,
                                                absl::Span<const int64_t> notification_ids) {
  if (token_ids.empty() && notification_ids.empty()) return LoadedTargets{};
  const std::string tokens_param = ByteaArrayLiteral(token_ids);
  const std::string notifications_param = BigintArrayLiteral(notification_ids);
  const crypto::SealKey& key = seal_key_;
  // Two independent reads: on the reader's session they run without BEGIN and COMMIT.
  auto load = [&](pqxx::transaction_base& tx) -> absl::StatusOr<LoadedTargets> {
    return Guard([&]() -> absl::StatusOr<LoadedTargets> {
      LoadedTargets out;
      if (!token_ids.empty()) {
        for (const pqxx::row& row :
             pg::ExecPrepared(tx, "pusher_load_tokens", kLoadTokens, tokens_param)) {
          absl::StatusOr<PushTarget> target = ReadTarget(row, key);
          if (!target.ok()) return target.status();
          out.tokens.push_back(std::make_shared<const PushTarget>(*std::move(target)));
        }
      }
      if (!notification_ids.empty()) {
        for (const pqxx::row& row : pg::ExecPrepared(tx, "pusher_load_notifications",
                                                     kLoadNotifications, notifications_param)) {
          out.notifications.push_back(ReadNotification(row));
        }
      }
      return out;
    });
  };
  return loads_ != nullptr ? loads_->Read(load) : pool_.Run(load);
}

absl::Status PgPushStore::Apply(const OutcomeBatch& batch) {
  if (batch.empty()) return absl::OkStatus();
  return pool_.Run([&](pqxx::work& tx) -> absl::Status {
    return Guard([&]() -> absl::Status {
      if (!batch.invalidations.empty()) {
        std::vector<wire::Bytes> ids, devices;
        std::vector<std::string> statuses;
        for (const OutcomeBatch::TokenChange& c : batch.invalidations) {
          ids.push_back(c.token_id);
          devices.push_back(c.device_token);
          statuses.push_back(wire::FormatTokenStatus(c.status));
        }
        tx.exec_params(kInvalidate, ByteaArrayLiteral(ids), ByteaArrayLiteral(devices),
                       TextArrayLiteral(statuses));
      }
      if (!batch.confirmations.empty()) {
        std::vector<wire::Bytes> ids, devices;
        for (const OutcomeBatch::TokenChange& c : batch.confirmations) {
          ids.push_back(c.token_id);
          devices.push_back(c.device_token);
        }
        tx.exec_params(kConfirm, ByteaArrayLiteral(ids), ByteaArrayLiteral(devices));
      }
      if (!batch.delivered.empty()) tx.exec_params(kDelivered, BigintArrayLiteral(batch.delivered));
      if (!batch.failed.empty()) tx.exec_params(kFailed, BigintArrayLiteral(batch.failed));
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<int> PgPushStore::ClaimDueCron(int limit, const EnqueueTokens& enqueue) {
  return pool_.Run([&](pqxx::work& tx) -> absl::StatusOr<int> {
    return Guard([&]() -> absl::StatusOr<int> {
      std::vector<wire::Bytes> active;
      for (const pqxx::row& row : tx.exec_params(kClaimDueCron, limit)) {
        absl::StatusOr<wire::TokenStatus> status = wire::ParseTokenStatus(row[1].c_str());
        if (status.ok() && status->state == wire::TokenState::kActive) {
          active.push_back(pg::ByteaField(row[0]));
        }
      }
      if (!active.empty()) {
        if (absl::Status s = enqueue(active); !s.ok()) return s;  // rollback: still due
      }
      return static_cast<int>(active.size());
    });
  });
}

absl::StatusOr<int> PgPushStore::RequeueLost(absl::Time low_water, absl::Duration margin, int limit,
                                             const EnqueueLost& enqueue) {
  return pool_.Run([&](pqxx::work& tx) -> absl::StatusOr<int> {
    return Guard([&]() -> absl::StatusOr<int> {
      std::map<wire::Bytes, std::vector<int64_t>> per_token;
      int rows = 0;
      for (const pqxx::row& row :
           tx.exec_params(kFindLost, TimeParam(low_water), absl::ToDoubleSeconds(margin), limit)) {
        per_token[pg::ByteaField(row[1])].push_back(row[0].as<int64_t>());
        ++rows;
      }
      if (rows == 0) return 0;
      std::vector<LostNotifications> groups;
      for (auto& [token_id, ids] : per_token) {
        std::sort(ids.begin(), ids.end());
        for (size_t i = 0; i < ids.size(); i += kMaxPnMessages) {
          const size_t end = std::min(ids.size(), i + kMaxPnMessages);
          groups.push_back(
              {.token_id = token_id,
               .notification_ids = std::vector<int64_t>(ids.begin() + i, ids.begin() + end)});
        }
      }
      absl::StatusOr<std::vector<std::string>> job_ids = enqueue(groups);
      if (!job_ids.ok()) return job_ids.status();
      if (job_ids->size() != groups.size()) {
        return absl::InternalError("outbox: enqueue returned the wrong number of job ids");
      }
      std::vector<int64_t> ids;
      std::vector<std::string> jobs;
      for (size_t g = 0; g < groups.size(); ++g) {
        for (int64_t id : groups[g].notification_ids) {
          ids.push_back(id);
          jobs.push_back((*job_ids)[g]);
        }
      }
      tx.exec_params(kRequeued, BigintArrayLiteral(ids), TextArrayLiteral(jobs));
      return rows;
    });
  });
}

}  // namespace ntf::pusher
