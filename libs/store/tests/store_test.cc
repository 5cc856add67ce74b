// The Store contract, run against MemoryStore and against PgStore on the local PostgreSQL (each
// call its own transaction), so the fake is proven to behave like the real store.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ntf/crypto/primitives.h"
#include "ntf/crypto/seal.h"
#include "ntf/pg/migrations.h"
#include "ntf/pg/testing/test_database.h"
#include "ntf/store/memory_store.h"
#include "ntf/store/pg_store.h"

namespace ntf::store {
namespace {

enum class Backend { kMemory, kPostgres };

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) return;
    absl::StatusOr<std::unique_ptr<pg::testing::TestSchema>> schema =
        pg::testing::TestSchema::Create("store");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(schema_->MakePoolOptions());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, Migrations()).ok());
  }

  // Runs f(Store&) on the backend under test; for PostgreSQL in a transaction of its own.
  template <typename F>
  auto Do(F f) {
    if (GetParam() == Backend::kMemory) return f(static_cast<Store&>(memory_));
    return pool_->Run([&](pqxx::work& tx) {
      PgStore store(tx, seal_key_);
      return f(static_cast<Store&>(store));
    });
  }

  Token NewToken(std::string device, uint8_t key_byte = 1) {
    return Token{.token_id = crypto::RandomId(),
                 .device = {.provider = PushProvider::kApnsProd, .token = wire::ToBytes(device)},
                 .verify_key = Bytes(44, key_byte),
                 .dh_pub_key = Bytes(44, 2),
                 .dh_priv_key = Bytes(48, 3),
                 .dh_secret = Bytes(32, 4),
                 .reg_code = crypto::RandomBytes(32),
                 .status = {.state = TokenState::kRegistered},
                 .registered_at = absl::FromUnixSeconds(1700000000)};
  }

  Subscription NewSub(const Token& t, uint8_t nid) {
    return Subscription{
        .subscription_id = crypto::RandomId(),
        .token_id = t.token_id,
        .server = {.hosts = {"a.example", "b.onion"}, .port = "5224", .key_hash = Bytes(32, 9)},
        .notifier_id = Bytes(24, nid),
        .notifier_key = Bytes(48, 5),
        .status = {.state = SubscriptionState::kNew}};
  }

  crypto::SealKey seal_key_ = crypto::SealKey::Generate();
  MemoryStore memory_;
  std::unique_ptr<pg::testing::TestSchema> schema_;
  std::unique_ptr<pg::Pool> pool_;
};

TEST_P(StoreContractTest, TokenRoundTripAndRegistrationLookup) {
  Token t = NewToken("dev1");
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertToken(t); }).ok());
  auto got = Do([&](Store& s) { return s.GetToken(t.token_id); });
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  const Token& g = **got;
  EXPECT_EQ(g.token_id, t.token_id);
  EXPECT_EQ(g.device, t.device);
  EXPECT_EQ(g.verify_key, t.verify_key);
  EXPECT_EQ(g.dh_priv_key, t.dh_priv_key);
  EXPECT_EQ(g.dh_secret, t.dh_secret);
  EXPECT_EQ(g.reg_code, t.reg_code);
  EXPECT_EQ(g.status, t.status);
  EXPECT_EQ(g.registered_at, t.registered_at);

  auto found = Do([&](Store& s) { return s.FindTokenRegistration(t.device, t.verify_key); });
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->token_id, t.token_id);
  auto other_key = Do([&](Store& s) { return s.FindTokenRegistration(t.device, Bytes(44, 7)); });
  ASSERT_TRUE(other_key.ok());
  EXPECT_FALSE(other_key->has_value());
  EXPECT_FALSE(Do([&](Store& s) { return s.GetToken(Bytes(24, 0)); })->has_value());
}

TEST_P(StoreContractTest, DuplicateRegistrationIsAlreadyExists) {
  Token t = NewToken("dev1");
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertToken(t); }).ok());
  Token again = NewToken("dev1");  // same device and verify key, new id
  EXPECT_TRUE(absl::IsAlreadyExists(Do([&](Store& s) { return s.InsertToken(again); })));
}

TEST_P(StoreContractTest, StatusCronAndReplace) {
  Token t = NewToken("dev1");
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertToken(t); }).ok());
  TokenStatus invalid{.state = TokenState::kInvalid, .reason = wire::InvalidReason::kUnregistered};
  ASSERT_TRUE(Do([&](Store& s) { return s.SetTokenStatus(t.token_id, invalid); }).ok());
  EXPECT_EQ((*Do([&](Store& s) { return s.GetToken(t.token_id); }))->status, invalid);
  ASSERT_TRUE(Do([&](Store& s) { return s.SetCronInterval(t.token_id, 30); }).ok());
  EXPECT_EQ((*Do([&](Store& s) { return s.GetToken(t.token_id); }))->cron_interval, 30);

  DeviceToken fcm{.provider = PushProvider::kFcm, .token = wire::ToBytes("fcm-token")};
  Bytes code = crypto::RandomBytes(32);
  ASSERT_TRUE(Do([&](Store& s) { return s.ReplaceDeviceToken(t.token_id, fcm, code); }).ok());
  Token r = **Do([&](Store& s) { return s.GetToken(t.token_id); });
  EXPECT_EQ(r.device, fcm);
  EXPECT_EQ(r.reg_code, code);
  EXPECT_EQ(r.status.state, TokenState::kRegistered);
  EXPECT_EQ(r.dh_secret, t.dh_secret);

  EXPECT_TRUE(absl::IsNotFound(Do([&](Store& s) { return s.SetCronInterval(Bytes(24, 0), 0); })));
}

TEST_P(StoreContractTest, SubscriptionsAndCascades) {
  Token t = NewToken("dev1");
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertToken(t); }).ok());
  Subscription s1 = NewSub(t, 1), s2 = NewSub(t, 2);
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertSubscription(s1); }).ok());
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertSubscription(s2); }).ok());
  Subscription dup = NewSub(t, 1);
  EXPECT_TRUE(absl::IsAlreadyExists(Do([&](Store& s) { return s.InsertSubscription(dup); })));

  auto found = Do([&](Store& s) { return s.FindSubscription(s1.server, s1.notifier_id); });
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
  EXPECT_EQ((*found)->subscription_id, s1.subscription_id);
  EXPECT_EQ((*found)->server, s1.server);
  EXPECT_EQ((*found)->notifier_key, s1.notifier_key);
  EXPECT_EQ((*found)->status, s1.status);
  SmpServer other = s1.server;
  other.port = "";
  EXPECT_FALSE(
      Do([&](Store& s) { return s.FindSubscription(other, s1.notifier_id); })->has_value());

  EXPECT_TRUE(*Do([&](Store& s) { return s.DeleteSubscription(s2.subscription_id); }));
  EXPECT_FALSE(*Do([&](Store& s) { return s.DeleteSubscription(s2.subscription_id); }));

  auto deleted = Do([&](Store& s) { return s.DeleteToken(t.token_id); });
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].subscription_id, s1.subscription_id);
  EXPECT_FALSE(Do([&](Store& s) { return s.GetSubscription(s1.subscription_id); })->has_value());
}

TEST_P(StoreContractTest, SubscriptionNeedsItsToken) {
  Token t = NewToken("dev1");
  EXPECT_TRUE(absl::IsNotFound(Do([&](Store& s) { return s.InsertSubscription(NewSub(t, 1)); })));
}

TEST_P(StoreContractTest, ActivateDropsOtherRegistrationsOfTheDevice) {
  Token old_t = NewToken("dev1", 1), new_t = NewToken("dev1", 2), other = NewToken("dev2", 1);
  for (const Token* t : {&old_t, &new_t, &other}) {
    ASSERT_TRUE(Do([&](Store& s) { return s.InsertToken(*t); }).ok());
  }
  ASSERT_TRUE(Do([&](Store& s) { return s.InsertSubscription(NewSub(old_t, 1)); }).ok());
  auto dropped = Do([&](Store& s) { return s.ActivateToken(new_t.token_id); });
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(dropped->size(), 1u);
  EXPECT_FALSE(Do([&](Store& s) { return s.GetToken(old_t.token_id); })->has_value());
  EXPECT_EQ((*Do([&](Store& s) { return s.GetToken(new_t.token_id); }))->status.state,
            TokenState::kActive);
  EXPECT_TRUE(Do([&](Store& s) { return s.GetToken(other.token_id); })->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend::kMemory, Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Postgres";
                         });

// Many transactions adding subscriptions on the same new SMP server at once: the server row is
// created once and no insert fails (a concurrent upsert used to see no row and fail).
TEST(PgStoreConcurrency, ConcurrentSubscriptionsOnANewServerAllSucceed) {
  auto schema = pg::testing::TestSchema::Create("conc");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto pool = pg::Pool::Create((*schema)->MakePoolOptions(8));
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(pg::ApplyMigrations(**pool, Migrations()).ok());
  crypto::SealKey key = crypto::SealKey::Generate();
  Token t{.token_id = crypto::RandomId(),
          .device = {.provider = PushProvider::kApnsDev, .token = wire::ToBytes("d")},
          .verify_key = Bytes(44, 1),
          .dh_pub_key = Bytes(44, 2),
          .dh_priv_key = Bytes(48, 3),
          .dh_secret = Bytes(32, 4),
          .reg_code = Bytes(32, 1),
          .status = {.state = TokenState::kActive}};
  ASSERT_TRUE((*pool)->Run([&](pqxx::work& tx) { return PgStore(tx, key).InsertToken(t); }).ok());
  std::atomic<int> failures{0};
  for (int round = 0; round < 5; ++round) {
    const SmpServer server{.hosts = {"r" + std::to_string(round) + ".example"},
                           .port = "",
                           .key_hash = Bytes(32, static_cast<uint8_t>(round))};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        Subscription sub{.subscription_id = crypto::RandomId(),
                         .token_id = t.token_id,
                         .server = server,
                         .notifier_id = Bytes(24, static_cast<uint8_t>(i)),
                         .notifier_key = Bytes(48, 5),
                         .status = {.state = SubscriptionState::kNew}};
        absl::Status s =
            (*pool)->Run([&](pqxx::work& tx) { return PgStore(tx, key).InsertSubscription(sub); });
        if (!s.ok()) failures.fetch_add(1);
      });
    }
    for (std::thread& th : threads) th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*schema)->AdminQuery("SELECT count(*) FROM " + (*schema)->name() + ".smp_servers"),
            "5");
}

TEST(PgStoreSealing, SecretsAreSealedAtRestAndNeedTheKey) {
  auto schema = pg::testing::TestSchema::Create("seal");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto pool = pg::Pool::Create((*schema)->MakePoolOptions());
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(pg::ApplyMigrations(**pool, Migrations()).ok());
  crypto::SealKey key = crypto::SealKey::Generate();
  Token t{.token_id = crypto::RandomId(),
          .device = {.provider = PushProvider::kApnsDev, .token = wire::ToBytes("d")},
          .verify_key = Bytes(44, 1),
          .dh_pub_key = Bytes(44, 2),
          .dh_priv_key = Bytes(48, 0xAB),
          .dh_secret = Bytes(32, 0xCD),
          .reg_code = Bytes(32, 1),
          .status = {.state = TokenState::kRegistered}};
  ASSERT_TRUE((*pool)->Run([&](pqxx::work& tx) { return PgStore(tx, key).InsertToken(t); }).ok());
  // The stored column is not the plaintext.
  auto raw = (*pool)->Run([&](pqxx::work& tx) {
    return tx.exec("SELECT dh_secret_sealed FROM tokens")[0][0].as<std::string>();
  });
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find(std::string(32, '\xCD')), std::string::npos);
  // Another key cannot read the row.
  crypto::SealKey wrong = crypto::SealKey::Generate();
  auto read = (*pool)->Run([&](pqxx::work& tx) { return PgStore(tx, wrong).GetToken(t.token_id); });
  EXPECT_TRUE(absl::IsInternal(read.status())) << read.status();
}

}  // namespace
}  // namespace ntf::store
