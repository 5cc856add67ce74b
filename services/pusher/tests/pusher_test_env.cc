#include "services/pusher/tests/pusher_test_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/binarystring>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"
#include "ntf/pg/migrations.h"
#include "ntf/redis/stream_commands.h"
#include "ntf/redis/testing/test_env.h"
#include "ntf/store/pg_store.h"
#include "ntf/store/seal_key_file.h"
#include "ntf/wire/encoding.h"

namespace ntf::pusher::testing {
namespace {

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

std::unique_ptr<PusherTestEnv> PusherTestEnv::Create() {
  std::unique_ptr<PusherTestEnv> env(new PusherTestEnv());
  absl::StatusOr<std::unique_ptr<pg::testing::TestSchema>> schema =
      pg::testing::TestSchema::Create("pusher");
  if (!schema.ok()) {
    ADD_FAILURE() << schema.status();
    return nullptr;
  }
  env->schema_ = *std::move(schema);
  if (absl::Status s = pg::ApplyMigrations(env->schema_->conninfo(), store::Migrations());
      !s.ok()) {
    ADD_FAILURE() << "migrations: " << s;
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      pg::Pool::Create(env->schema_->MakePoolOptions(2));
  if (!pool.ok()) {
    ADD_FAILURE() << pool.status();
    return nullptr;
  }
  env->pool_ = *std::move(pool);

  absl::StatusOr<std::string> redis_url = redis::testing::RedisUrlFromEnv();
  if (!redis_url.ok()) {
    ADD_FAILURE() << redis_url.status();
    return nullptr;
  }
  env->redis_url_ = *redis_url;
  redis::ConnectionOptions redis_options;
  redis_options.url = env->redis_url_;
  absl::StatusOr<std::unique_ptr<redis::HiredisStreamClient>> client =
      redis::HiredisStreamClient::Create(std::move(redis_options));
  if (!client.ok()) {
    ADD_FAILURE() << client.status();
    return nullptr;
  }
  env->redis_ = *std::move(client);
  const std::string prefix = redis::testing::UniqueKeyPrefix("pusher");
  env->stream_ = prefix + "push";
  env->dead_stream_ = prefix + "dead";

  std::string tmpl = ::testing::TempDir() + "pusher.XXXXXX";
  env->dir_ = ::mkdtemp(tmpl.data());

  env->seal_key_ = crypto::SealKey::Generate();
  env->seal_key_file_ = env->dir_ + "/secret.key";
  if (absl::Status s = store::WriteSealKeyFile(env->seal_key_file_, *env->seal_key_); !s.ok()) {
    ADD_FAILURE() << s;
    return nullptr;
  }

  absl::StatusOr<ntf::testing::FakeApnsCredentials> apns_credentials =
      ntf::testing::MakeFakeApnsCredentials();
  absl::StatusOr<ntf::testing::FakeFcmCredentials> fcm_credentials =
      ntf::testing::MakeFakeFcmCredentials();
  if (!apns_credentials.ok() || !fcm_credentials.ok()) {
    ADD_FAILURE() << "cannot make provider keys";
    return nullptr;
  }
  env->apns_credentials_ = *apns_credentials;
  ntf::testing::FakeApnsOptions apns_options;
  apns_options.credentials = *apns_credentials;
  auto apns = ntf::testing::FakeApns::Start(apns_options);
  auto apns_test = ntf::testing::FakeApns::Start(apns_options);
  ntf::testing::FakeFcmOptions fcm_options;
  fcm_options.credentials = *fcm_credentials;
  auto fcm = ntf::testing::FakeFcm::Start(fcm_options);
  if (!apns.ok() || !apns_test.ok() || !fcm.ok()) {
    ADD_FAILURE() << "cannot start the fake providers";
    return nullptr;
  }
  env->apns_ = *std::move(apns);
  env->apns_test_ = *std::move(apns_test);
  env->fcm_ = *std::move(fcm);
  env->apns_key_file_ = WriteFile(env->dir_, "apns.p8", apns_credentials->private_key_pem);
  env->apns_ca_file_ =
      WriteFile(env->dir_, "apns_ca.pem", env->apns_->ca_pem() + env->apns_test_->ca_pem());
  env->fcm_account_file_ =
      WriteFile(env->dir_, "fcm.json", fcm_credentials->ServiceAccountJson(env->fcm_->token_uri()));
  env->fcm_ca_file_ = WriteFile(env->dir_, "fcm_ca.pem", env->fcm_->ca_pem());
  return env;
}

PusherTestEnv::~PusherTestEnv() {
  if (redis_) {
    (void)redis_->Command({"DEL", stream_, dead_stream_}, {});
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

PusherConfig PusherTestEnv::Config(const std::string& consumer) const {
  PusherConfig c;
  c.redis_url = redis_url_;
  c.push_stream = stream_;
  c.dead_stream = dead_stream_;
  c.consumer_name = consumer;
  c.read_block = absl::Milliseconds(100);
  c.claim_idle = absl::Seconds(2);
  c.claim_interval = absl::Milliseconds(200);
  c.trim_interval = absl::Seconds(1);
  c.stats_interval = absl::Milliseconds(500);
  c.database.url = schema_->conninfo();
  c.database.pool_size = 2;
  c.database.migrate = false;
  c.secret_key_file = seal_key_file_;
  c.retry_max_attempts = 4;
  c.retry_initial_backoff = absl::Milliseconds(50);
  c.retry_max_backoff = absl::Milliseconds(200);
  c.retry_max_retry_after = absl::Seconds(2);
  c.apns_key_file = apns_key_file_;
  c.apns_key_id = apns_credentials_.key_id;
  c.apns_team_id = apns_credentials_.team_id;
  c.apns_production_url = apns_->origin();
  c.apns_sandbox_url = apns_->origin();
  c.apns_test_url = apns_test_->origin();
  c.apns_ca_file = apns_ca_file_;
  c.apns_connections = 1;
  c.apns_request_timeout = absl::Seconds(10);
  c.fcm_service_account_file = fcm_account_file_;
  c.fcm_url = fcm_->origin();
  c.fcm_ca_file = fcm_ca_file_;
  c.fcm_connections = 1;
  c.fcm_request_timeout = absl::Seconds(10);
  c.cron_interval = absl::Milliseconds(200);
  c.outbox_interval = absl::Milliseconds(200);
  c.outbox_lost_after = absl::Seconds(1);
  c.admin_port = 0;
  c.drain_timeout = absl::Seconds(5);
  c.log_level = "warn";
  return c;
}

std::unique_ptr<PusherApp> PusherTestEnv::StartApp(
    const std::string& consumer, const std::function<void(PusherConfig&)>& tweak) {
  PusherConfig config = Config(consumer);
  if (tweak) tweak(config);
  if (absl::Status s = config.Validate(); !s.ok()) {
    ADD_FAILURE() << "config: " << s;
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<PusherApp>> app =
      PusherApp::Create(config, common::Logger("pusher." + consumer, common::LogLevel::kWarn));
  if (!app.ok()) {
    ADD_FAILURE() << app.status();
    return nullptr;
  }
  if (absl::Status s = (*app)->Start(); !s.ok()) {
    ADD_FAILURE() << s;
    return nullptr;
  }
  return *std::move(app);
}

std::string PusherTestEnv::WriteConfigFile(const PusherConfig& config) const {
  return WriteFile(dir_, config.consumer_name + ".yaml", PusherConfigSchema().Render(config));
}

TestToken PusherTestEnv::AddToken(wire::PushProvider provider, wire::TokenState state,
                                  absl::Time registered_at) {
  TestToken t;
  t.token_id = crypto::RandomBytes(24);
  t.provider = provider;
  t.device = provider == wire::PushProvider::kFcm
                 ? "fcm-" + wire::Base64UrlEncode(crypto::RandomBytes(24))
                 : wire::HexEncode(crypto::RandomBytes(32));
  if (provider == wire::PushProvider::kApnsNull) t.device = "test_ntf_token";
  t.dh_secret = crypto::RandomBytes(32);
  t.reg_code = crypto::RandomBytes(32);
  store::Token row;
  row.token_id = t.token_id;
  row.device = {.provider = provider, .token = wire::Bytes(t.device.begin(), t.device.end())};
  row.verify_key = crypto::RandomBytes(44);
  row.dh_pub_key = crypto::RandomBytes(44);
  row.dh_priv_key = crypto::RandomBytes(48);
  row.dh_secret = t.dh_secret;
  row.reg_code = t.reg_code;
  row.status = {.state = state};
  row.registered_at = registered_at;
  const crypto::SealKey key = *seal_key_;
  absl::Status s = pool_->Run([&](pqxx::work& tx) {
    store::PgStore store(tx, key);
    return store.InsertToken(row);
  });
  EXPECT_TRUE(s.ok()) << s;
  return t;
}

int64_t PusherTestEnv::AddNotification(const TestToken& token, absl::Time queued_at) {
  store::Subscription sub;
  sub.subscription_id = crypto::RandomBytes(24);
  sub.token_id = token.token_id;
  sub.server = {.hosts = {"smp1.example.com", "smp1.example.onion"},
                .port = "5223",
                .key_hash = wire::Bytes(32, 0x11)};
  sub.notifier_id = crypto::RandomBytes(24);
  sub.notifier_key = crypto::RandomBytes(48);
  sub.status = {.state = wire::SubscriptionState::kActive};
  const crypto::SealKey key = *seal_key_;
  absl::StatusOr<int64_t> id = pool_->Run([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    store::PgStore store(tx, key);
    if (absl::Status s = store.InsertSubscription(sub); !s.ok()) return s;
    const wire::Bytes nonce = crypto::RandomBytes(24);
    const wire::Bytes meta = crypto::RandomBytes(144);
    pqxx::result r = tx.exec_params(
        "INSERT INTO notifications (token_id, subscription_id, received_at, nmsg_nonce, "
        "nmsg_meta, queued_at) VALUES ($1, $2, now(), $3, $4, to_timestamp($5)) "
        "RETURNING notification_id",
        pqxx::binarystring(token.token_id.data(), token.token_id.size()),
        pqxx::binarystring(sub.subscription_id.data(), sub.subscription_id.size()),
        pqxx::binarystring(nonce.data(), nonce.size()),
        pqxx::binarystring(meta.data(), meta.size()),
        absl::ToDoubleSeconds(queued_at - absl::UnixEpoch()));
    return r[0][0].as<int64_t>();
  });
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : 0;
}

std::string PusherTestEnv::Enqueue(PushKind kind, const TestToken& token,
                                   std::vector<int64_t> notification_ids) {
  JobSpec job = push_job::NewJob(kind, token.token_id, std::move(notification_ids), absl::Now());
  const std::vector<redis::Fields> entries = {push_job::EncodeEntry(job)};
  absl::StatusOr<std::vector<std::string>> ids = redis_->Publish(stream_, entries, {}, {});
  EXPECT_TRUE(ids.ok()) << ids.status();
  return job.job_id;
}

void PusherTestEnv::MakeCronDue(const TestToken& token, int interval_minutes) {
  Query(absl::StrCat("UPDATE tokens SET cron_interval = ", interval_minutes,
                     ", cron_next_at = now() - interval '1 second' WHERE token_id = '\\x",
                     wire::HexEncode(token.token_id), "' RETURNING 1"));
}

std::string PusherTestEnv::Query(const std::string& sql) {
  absl::StatusOr<std::string> out = pool_->Run([&](pqxx::work& tx) -> std::string {
    pqxx::result r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return std::string();
    return r[0][0].as<std::string>();
  });
  EXPECT_TRUE(out.ok()) << out.status() << " in " << sql;
  return out.ok() ? *out : std::string();
}

std::string PusherTestEnv::StatusOf(const TestToken& token) {
  return Query(absl::StrCat("SELECT status FROM tokens WHERE token_id = '\\x",
                            wire::HexEncode(token.token_id), "'"));
}

std::string PusherTestEnv::PushStateOf(int64_t notification_id) {
  return Query(absl::StrCat("SELECT push_state FROM notifications WHERE notification_id = ",
                            notification_id));
}

int64_t PusherTestEnv::Pending() {
  absl::StatusOr<redis::PendingSummary> summary = redis_->Pending(stream_, "pushers", {});
  return summary.ok() ? summary->count : -1;
}

std::vector<redis::StreamEntry> PusherTestEnv::DeadEntries() {
  absl::StatusOr<redis::Reply> reply = redis_->Command({"XRANGE", dead_stream_, "-", "+"}, {});
  std::vector<redis::StreamEntry> out;
  if (!reply.ok()) return out;
  absl::StatusOr<std::vector<redis::StreamEntry>> entries = redis::ParseEntries(*std::move(reply));
  return entries.ok() ? *entries : out;
}

std::unique_ptr<RedisJobStream> PusherTestEnv::StreamAs(const std::string& consumer) {
  redis::ConnectionOptions options;
  options.url = redis_url_;
  auto client = redis::HiredisStreamClient::Create(std::move(options));
  EXPECT_TRUE(client.ok());
  return std::make_unique<RedisJobStream>(*std::move(client),
                                          JobStreamNames{.stream = stream_,
                                                         .group = "pushers",
                                                         .consumer = consumer,
                                                         .dead_stream = dead_stream_});
}

std::string DecryptPush(const ntf::testing::RecordedRequest& request, const TestToken& token) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) return "<not json>";
  nlohmann::json data;
  if (body.contains("notificationData")) {
    data = body["notificationData"];  // APNs
  } else if (body.contains("message")) {
    data = body["message"]["data"];  // FCM
  }
  if (!data.is_object() || !data.contains("nonce")) return "<no nonce>";
  std::string field = data.contains("verification") ? "verification" : "message";
  absl::StatusOr<wire::Bytes> nonce = wire::Base64UrlDecode(data["nonce"].get<std::string>());
  absl::StatusOr<wire::Bytes> box = wire::Base64UrlDecode(data[field].get<std::string>());
  absl::StatusOr<crypto::DhSecret> key = crypto::DhSecret::FromRaw(token.dh_secret);
  if (!nonce.ok() || !box.ok() || !key.ok()) return "<bad encoding>";
  absl::StatusOr<crypto::CbNonce> n = crypto::NonceFromBytes(*nonce);
  if (!n.ok()) return "<bad nonce>";
  absl::StatusOr<wire::Bytes> plain = crypto::BoxDecryptPadded(*key, *n, *box);
  if (!plain.ok()) return "<does not decrypt>";
  return std::string(plain->begin(), plain->end());
}

}  // namespace ntf::pusher::testing
