// The adapters against the real services: RedisJobStream (ownership, takeover, release,
// statistics, trimming that keeps live entries) and PgPushStore (loads, guarded token updates,
// periodic-push claims with SKIP LOCKED, lost outbox rows).
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "ntf/crypto/primitives.h"
#include "ntf/pg/pool.h"
#include "ntf/pg/session.h"
#include "ntf/store/seal_key_file.h"
#include "ntf/wire/encoding.h"
#include "services/pusher/src/caching_push_store.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_store.h"
#include "services/pusher/src/token_cache.h"
#include "services/pusher/src/token_change_listener.h"
#include "services/pusher/tests/pusher_test_env.h"

namespace ntf::pusher {
namespace {

using testing::PusherTestEnv;
using testing::TestToken;
using testing::WaitUntil;
using wire::PushProvider;
using wire::TokenState;

redis::Fields Job(const TestToken& token) {
  return push_job::EncodeEntry(
      push_job::NewJob(PushKind::kCheckMessages, token.token_id, {}, absl::Now()));
}

std::vector<std::string> Ids(const std::vector<JobEntry>& entries) {
  std::vector<std::string> ids;
  for (const JobEntry& e : entries) ids.push_back(e.id);
  return ids;
}

class StoreStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = PusherTestEnv::Create();
    ASSERT_NE(env_, nullptr);
    token_ = env_->AddToken(PushProvider::kApnsProd);
  }
  std::unique_ptr<PusherTestEnv> env_;
  TestToken token_;
};

TEST_F(StoreStreamTest, KeptJobsAreNotTakenOverButIdleAndReleasedOnesAre) {
  auto a = env_->StreamAs("a");
  auto b = env_->StreamAs("b");
  ASSERT_TRUE(a->EnsureGroup().ok());
  ASSERT_TRUE(a->EnsureGroup().ok());  // idempotent
  std::vector<redis::Fields> jobs(4, Job(token_));
  ASSERT_TRUE(a->Add(jobs).ok());
  absl::StatusOr<std::vector<JobEntry>> read = a->ReadNew(10, absl::Milliseconds(100));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 4u);
  EXPECT_EQ((*read)[0].deliveries, 1);
  const std::vector<std::string> ids = Ids(*read);

  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(a->KeepOwned({ids[0], ids[1]}).ok());  // a still works on these two
  absl::StatusOr<JobClaim> claim = b->ClaimIdle(absl::Milliseconds(250), "0-0", 10);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(Ids(claim->entries), (std::vector<std::string>{ids[2], ids[3]}));
  for (const JobEntry& e : claim->entries) EXPECT_EQ(e.deliveries, 2);

  // Released on shutdown: another consumer may take them at once.
  ASSERT_TRUE(a->Release({ids[0]}, absl::Seconds(60)).ok());
  claim = b->ClaimIdle(absl::Seconds(60), "0-0", 10);
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(Ids(claim->entries), std::vector<std::string>{ids[0]});
  EXPECT_EQ(claim->entries[0].deliveries, 2);  // XCLAIM JUSTID does not count a delivery
}

// Entries a full lane let go of are taken back by id, unless another consumer took them over
// since (then they have been idle for less than the time since this one got them).
TEST_F(StoreStreamTest, RefusedJobsAreTakenBackByIdUnlessTakenOverMeanwhile) {
  auto a = env_->StreamAs("a");
  auto b = env_->StreamAs("b");
  ASSERT_TRUE(a->EnsureGroup().ok());
  std::vector<redis::Fields> jobs(5, Job(token_));
  ASSERT_TRUE(a->Add(jobs).ok());
  absl::StatusOr<std::vector<JobEntry>> read = a->ReadNew(10, absl::Milliseconds(100));
  ASSERT_TRUE(read.ok()) << read.status();
  const std::vector<std::string> ids = Ids(*read);
  ASSERT_EQ(ids.size(), 5u);
  absl::SleepFor(absl::Milliseconds(300));
  // Meanwhile: ids[1] acknowledged, ids[2] taken over by b, ids[3] trimmed away.
  ASSERT_TRUE(a->Ack({ids[1]}).ok());
  absl::StatusOr<JobClaim> claim = b->ClaimIdle(absl::Milliseconds(200), "0-0", 1);
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_EQ(claim->entries.size(), 1u);
  ASSERT_TRUE(b->Ack({ids[0]}).ok());  // b got ids[0]: a takes ids[0] back no more either
  claim = b->ClaimIdle(absl::Milliseconds(200), ids[2], 1);
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_EQ(Ids(claim->entries), std::vector<std::string>{ids[2]});
  ASSERT_TRUE(env_->redis().Command({"XDEL", env_->stream(), ids[3]}, {}).ok());
  absl::SleepFor(absl::Milliseconds(50));

  // The keeper refreshed ids[4] meanwhile (its idle time starts again): still a's, so it comes
  // back all the same.
  ASSERT_TRUE(a->KeepOwned({ids[4]}).ok());
  // Out of order on purpose: the answer comes back in stream order.
  absl::StatusOr<std::vector<JobEntry>> back = a->Reclaim({ids[4], ids[3], ids[2], ids[1]});
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(Ids(*back), std::vector<std::string>{ids[4]});
  EXPECT_FALSE((*back)[0].fields.empty());
  EXPECT_EQ((*back)[0].deliveries, 2);
  absl::StatusOr<std::vector<JobEntry>> own = a->ReadOwnPending("0", 10);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(Ids(*own), std::vector<std::string>{ids[4]});  // ids[3] left the PEL too
  absl::StatusOr<std::vector<JobEntry>> theirs = b->ReadOwnPending("0", 10);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(Ids(*theirs), std::vector<std::string>{ids[2]});  // still b's
  EXPECT_TRUE(a->Reclaim({})->empty());
}

TEST_F(StoreStreamTest, OwnPendingJobsAreResumedAfterARestart) {
  auto a = env_->StreamAs("a");
  ASSERT_TRUE(a->EnsureGroup().ok());
  std::vector<redis::Fields> jobs(3, Job(token_));
  ASSERT_TRUE(a->Add(jobs).ok());
  ASSERT_EQ(a->ReadNew(10, absl::Milliseconds(100))->size(), 3u);
  auto again = env_->StreamAs("a");  // same consumer name, new process
  absl::StatusOr<std::vector<JobEntry>> own = again->ReadOwnPending("0", 10);
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_EQ(own->size(), 3u);
  EXPECT_FALSE((*own)[0].fields.empty());
  EXPECT_GE((*own)[0].deliveries, 2);
}

TEST_F(StoreStreamTest, StatsAndTrimmingNeverDropLiveEntries) {
  auto a = env_->StreamAs("a");
  ASSERT_TRUE(a->EnsureGroup().ok());
  std::vector<redis::Fields> jobs(300, Job(token_));
  ASSERT_TRUE(a->Add(jobs).ok());
  absl::StatusOr<std::vector<JobEntry>> read = a->ReadNew(250, absl::Milliseconds(100));
  ASSERT_TRUE(read.ok());
  std::vector<std::string> acked = Ids(*read);
  const std::string pending_id = acked[200];
  acked.erase(acked.begin() + 200);  // 249 acknowledged, 1 pending, 50 unread
  ASSERT_TRUE(a->Ack(acked).ok());

  absl::StatusOr<JobStreamStats> stats = a->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(stats->group_exists);
  EXPECT_EQ(stats->length, 300);
  EXPECT_EQ(stats->pending, 1);
  EXPECT_EQ(stats->lag, 50);
  EXPECT_EQ(stats->oldest_pending_id, pending_id);
  EXPECT_EQ(stats->LowWaterId(), pending_id);
  ASSERT_TRUE(stats->TrimBelowId().has_value());
  absl::StatusOr<int64_t> trimmed = a->TrimBelow(*stats->TrimBelowId());
  ASSERT_TRUE(trimmed.ok()) << trimmed.status();
  EXPECT_GT(*trimmed, 0);  // whole macro-nodes below the pending entry went
  // The pending entry and everything after it is still there.
  absl::StatusOr<std::vector<JobEntry>> own = a->ReadOwnPending("0", 10);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_FALSE((*own)[0].fields.empty());
  stats = a->Stats();
  EXPECT_EQ(stats->lag, 50);
  EXPECT_GE(stats->length, 51);
}

TEST_F(StoreStreamTest, StatsOfAMissingStream) {
  auto a = env_->StreamAs("a");
  absl::StatusOr<JobStreamStats> stats = a->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_FALSE(stats->group_exists);
  EXPECT_FALSE(stats->TrimBelowId().has_value());
}

class PgPushStoreTest : public StoreStreamTest {
 protected:
  void SetUp() override {
    StoreStreamTest::SetUp();
    ASSERT_FALSE(HasFailure());
    absl::StatusOr<crypto::SealKey> key = store::ReadSealKeyFile(env_->Config("x").secret_key_file);
    ASSERT_TRUE(key.ok());
    pg::PoolOptions options;
    options.conninfo = env_->Config("x").database.url;
    options.connections = 2;
    auto pool = pg::Pool::Create(std::move(options));
    ASSERT_TRUE(pool.ok());
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgPushStore>(*pool_, *key);
  }
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgPushStore> store_;
};

TEST_F(PgPushStoreTest, LoadsTokensAndNotificationsWithTheirQueues) {
  const int64_t n1 = env_->AddNotification(token_);
  const int64_t n2 = env_->AddNotification(token_);
  absl::StatusOr<LoadedTargets> loaded =
      store_->Load({token_.token_id, wire::Bytes{1, 2, 3}}, {n2, n1, 999999});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->tokens.size(), 1u);
  const PushTarget& t = *loaded->tokens[0];
  ASSERT_TRUE(t.dh_secret.has_value());  // unsealed
  const wire::ByteSpan raw = t.dh_secret->raw();
  EXPECT_EQ(wire::Bytes(raw.begin(), raw.end()), token_.dh_secret);
  EXPECT_EQ(t.reg_code, token_.reg_code);
  EXPECT_EQ(t.device.provider, PushProvider::kApnsProd);
  EXPECT_EQ(std::string(t.device.token.begin(), t.device.token.end()), token_.device);
  EXPECT_EQ(t.status.state, TokenState::kActive);
  ASSERT_EQ(loaded->notifications.size(), 2u);
  EXPECT_EQ(loaded->notifications[0].notification_id, n1);  // oldest first
  const PnMessageData& d = loaded->notifications[0].data;
  EXPECT_EQ(d.smp_server.hosts,
            (std::vector<std::string>{"smp1.example.com", "smp1.example.onion"}));
  EXPECT_EQ(d.smp_server.port, "5223");
  EXPECT_EQ(d.nonce.size(), 24u);
  EXPECT_EQ(d.enc_meta.size(), 144u);
  EXPECT_EQ(d.notifier_id.size(), 24u);
}

TEST_F(PgPushStoreTest, LoadsRunOnTheReadersSessionWhenGivenOne) {
  absl::StatusOr<crypto::SealKey> key = store::ReadSealKeyFile(env_->Config("x").secret_key_file);
  ASSERT_TRUE(key.ok());
  std::atomic<int> pool_jobs{0};
  pg::PoolOptions options;
  options.conninfo = env_->Config("x").database.url;
  options.connections = 1;
  options.on_job_done = [&pool_jobs](absl::Duration, const absl::Status&) { ++pool_jobs; };
  auto pool = pg::Pool::Create(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto session = pg::Session::Create(options);
  ASSERT_TRUE(session.ok()) << session.status();
  PgPushStore store(**pool, *key, session->get());

  const int64_t n1 = env_->AddNotification(token_);
  absl::StatusOr<LoadedTargets> loaded = store.Load({token_.token_id}, {n1});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->tokens.size(), 1u);
  ASSERT_TRUE(loaded->tokens[0]->dh_secret.has_value());
  const wire::ByteSpan raw = loaded->tokens[0]->dh_secret->raw();
  EXPECT_EQ(wire::Bytes(raw.begin(), raw.end()), token_.dh_secret);
  ASSERT_EQ(loaded->notifications.size(), 1u);
  EXPECT_EQ(loaded->notifications[0].notification_id, n1);
  EXPECT_EQ(pool_jobs.load(), 0);  // not a pool job: on the session
  EXPECT_EQ((*session)->Stats().connected, 1);

  // Everything else still goes through the pool.
  OutcomeBatch delivered;
  delivered.delivered = {n1};
  ASSERT_TRUE(store.Apply(delivered).ok());
  EXPECT_EQ(pool_jobs.load(), 1);
}

TEST_F(PgPushStoreTest, TokenChangesAreGuardedByTheDeviceTokenAndTheStatus) {
  TestToken registered = env_->AddToken(PushProvider::kApnsProd, TokenState::kRegistered);
  TestToken invalid = env_->AddToken(PushProvider::kApnsProd, TokenState::kInvalid);
  auto device = [](const TestToken& t) { return wire::Bytes(t.device.begin(), t.device.end()); };
  OutcomeBatch batch;
  const wire::TokenStatus confirmed{.state = TokenState::kConfirmed};
  batch.confirmations = {{token_.token_id, device(token_), confirmed},  // ACTIVE: unchanged
                         {registered.token_id, device(registered), confirmed},
                         {invalid.token_id, device(invalid), confirmed}};
  ASSERT_TRUE(store_->Apply(batch).ok());
  EXPECT_EQ(env_->StatusOf(token_), "ACTIVE");
  EXPECT_EQ(env_->StatusOf(registered), "CONFIRMED");
  EXPECT_EQ(env_->StatusOf(invalid), "CONFIRMED");

  OutcomeBatch invalidate;
  const wire::TokenStatus bad{.state = TokenState::kInvalid, .reason = wire::InvalidReason::kBad};
  // The device token was replaced (TRPL) since the push: no change.
  invalidate.invalidations = {{token_.token_id, wire::Bytes{'o', 'l', 'd'}, bad}};
  ASSERT_TRUE(store_->Apply(invalidate).ok());
  EXPECT_EQ(env_->StatusOf(token_), "ACTIVE");
  invalidate.invalidations = {{token_.token_id, device(token_), bad}};
  ASSERT_TRUE(store_->Apply(invalidate).ok());
  EXPECT_EQ(env_->StatusOf(token_), "INVALID,BAD");
}

TEST_F(PgPushStoreTest, NotificationStates) {
  const int64_t n1 = env_->AddNotification(token_);
  const int64_t n2 = env_->AddNotification(token_);
  OutcomeBatch batch;
  batch.delivered = {n1};
  batch.failed = {n2};
  ASSERT_TRUE(store_->Apply(batch).ok());
  EXPECT_EQ(env_->PushStateOf(n1), "delivered");
  EXPECT_EQ(env_->PushStateOf(n2), "failed");
  batch = {};
  batch.failed = {n1};     // a delivered notification stays delivered
  batch.delivered = {n2};  // a later push that carried it succeeded
  ASSERT_TRUE(store_->Apply(batch).ok());
  EXPECT_EQ(env_->PushStateOf(n1), "delivered");
  EXPECT_EQ(env_->PushStateOf(n2), "delivered");
}

TEST_F(PgPushStoreTest, DueTokensAreClaimedByOneReplicaOnly) {
  std::vector<TestToken> due;
  for (int i = 0; i < 4; ++i) {
    due.push_back(env_->AddToken(PushProvider::kApnsProd));
    env_->MakeCronDue(due.back());
  }
  TestToken not_due = env_->AddToken(PushProvider::kApnsProd);
  env_->Query(
      absl::StrCat("UPDATE tokens SET cron_interval = 20, cron_next_at = now() + "
                   "interval '20 minutes' WHERE token_id = '\\x",
                   wire::HexEncode(not_due.token_id), "' RETURNING 1"));
  // Replica 1 holds its claim open while replica 2 claims.
  absl::Notification first_claimed, second_done;
  std::vector<wire::Bytes> first, second;
  std::thread one([&] {
    absl::StatusOr<int> n = store_->ClaimDueCron(10, [&](const std::vector<wire::Bytes>& ids) {
      first = ids;
      first_claimed.Notify();
      second_done.WaitForNotificationWithTimeout(absl::Seconds(5));
      return absl::OkStatus();
    });
    EXPECT_TRUE(n.ok()) << n.status();
  });
  first_claimed.WaitForNotification();
  absl::StatusOr<int> n = store_->ClaimDueCron(10, [&](const std::vector<wire::Bytes>& ids) {
    second = ids;
    return absl::OkStatus();
  });
  second_done.Notify();
  one.join();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(first.size(), 4u);
  EXPECT_TRUE(second.empty());
  // Rescheduled one interval on; a failed enqueue leaves them due.
  EXPECT_EQ(
      *store_->ClaimDueCron(10, [](const std::vector<wire::Bytes>&) { return absl::OkStatus(); }),
      0);
  env_->MakeCronDue(due[0]);
  EXPECT_FALSE(store_
                   ->ClaimDueCron(10,
                                  [](const std::vector<wire::Bytes>&) {
                                    return absl::UnavailableError("redis down");
                                  })
                   .ok());
  EXPECT_EQ(
      *store_->ClaimDueCron(10, [](const std::vector<wire::Bytes>&) { return absl::OkStatus(); }),
      1);
}

TEST_F(PgPushStoreTest, LostRowsAreThoseQueuedBeforeTheLowWaterMark) {
  const absl::Time old = absl::Now() - absl::Minutes(10);
  std::vector<int64_t> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(env_->AddNotification(token_, old));
  const int64_t fresh = env_->AddNotification(token_);
  auto enqueue = [](std::vector<LostNotifications>* seen) {
    return [seen](const std::vector<LostNotifications>& groups)
               -> absl::StatusOr<std::vector<std::string>> {
      *seen = groups;
      std::vector<std::string> ids;
      for (size_t i = 0; i < groups.size(); ++i) ids.push_back(absl::StrCat("job", i));
      return ids;
    };
  };
  std::vector<LostNotifications> groups;
  // A live job older than the rows: they may still be in it.
  absl::StatusOr<int> n =
      store_->RequeueLost(old - absl::Minutes(1), absl::Seconds(30), 100, enqueue(&groups));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0);
  // Nothing live: rows queued more than the margin ago are lost.
  n = store_->RequeueLost(absl::InfiniteFuture(), absl::Seconds(30), 100, enqueue(&groups));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 8);
  ASSERT_EQ(groups.size(), 2u);  // <= 6 per job, oldest first
  EXPECT_EQ(groups[0].notification_ids, std::vector<int64_t>(rows.begin(), rows.begin() + 6));
  EXPECT_EQ(groups[1].notification_ids, std::vector<int64_t>(rows.begin() + 6, rows.end()));
  EXPECT_EQ(env_->Query(
                absl::StrCat("SELECT job_id FROM notifications WHERE notification_id = ", rows[7])),
            "job1");
  // Re-queued now: not lost again; the fresh row is not lost yet.
  n = store_->RequeueLost(absl::InfiniteFuture(), absl::Seconds(30), 100, enqueue(&groups));
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(env_->PushStateOf(fresh), "queued");
}

// The token cache in front of the real store, kept honest by the real trigger (migration
// store_0003) and TokenChangeListener.
class TokenCacheListenerTest : public PgPushStoreTest {
 protected:
  void SetUp() override {
    PgPushStoreTest::SetUp();
    ASSERT_FALSE(HasFailure());
    caching_ = std::make_unique<CachingPushStore>(*store_, cache_, metrics_);
    listener_ = std::make_unique<TokenChangeListener>(
        pool_->conninfo(), cache_, metrics_, common::Logger("test", common::LogLevel::kError));
    listener_->Start();
    ASSERT_TRUE(WaitUntil([&] { return cache_.enabled(); }, absl::Seconds(10)));
  }
  void TearDown() override {
    if (listener_) listener_->Stop();
  }
  std::optional<PushTarget> Load(const TestToken& token) {
    absl::StatusOr<LoadedTargets> loaded = caching_->Load({token.token_id}, {});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok() || loaded->tokens.empty()) return std::nullopt;
    return *loaded->tokens[0];
  }
  std::string TokenLiteral(const TestToken& token) {
    return absl::StrCat("'\\x", wire::HexEncode(token.token_id), "'");
  }

  prometheus::Registry registry_;
  PusherMetrics metrics_{registry_};
  TokenCache cache_{TokenCacheOptions{}, common::RealClock()};
  std::unique_ptr<CachingPushStore> caching_;  // on store_, made in SetUp
  std::unique_ptr<TokenChangeListener> listener_;
};

TEST_F(TokenCacheListenerTest, ChangedOrDeletedTokensAreDroppedAndScheduleChangesAreNot) {
  ASSERT_EQ(Load(token_)->status.state, TokenState::kActive);
  ASSERT_EQ(cache_.size(), 1u);

  // The periodic-push schedule is no push's business: the row stays.
  env_->MakeCronDue(token_);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(cache_.size(), 1u);

  // Another process (intake) changes the status: the row goes at once.
  env_->Query(absl::StrCat("UPDATE tokens SET status = 'INVALID,BAD' WHERE token_id = ",
                           TokenLiteral(token_), " RETURNING 1"));
  ASSERT_TRUE(WaitUntil([&] { return cache_.size() == 0; }, absl::Seconds(5)));
  std::optional<PushTarget> reloaded = Load(token_);
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_EQ(reloaded->status.state, TokenState::kInvalid);

  // A new device token (TRPL), then deletion (TDEL).
  ASSERT_EQ(cache_.size(), 1u);
  env_->Query(absl::StrCat("UPDATE tokens SET push_token = '\\x0102' WHERE token_id = ",
                           TokenLiteral(token_), " RETURNING 1"));
  ASSERT_TRUE(WaitUntil([&] { return cache_.size() == 0; }, absl::Seconds(5)));
  EXPECT_EQ(Load(token_)->device.token, (wire::Bytes{1, 2}));
  env_->Query(
      absl::StrCat("DELETE FROM tokens WHERE token_id = ", TokenLiteral(token_), " RETURNING 1"));
  ASSERT_TRUE(WaitUntil([&] { return cache_.size() == 0; }, absl::Seconds(5)));
  EXPECT_FALSE(Load(token_).has_value());
}

TEST_F(TokenCacheListenerTest, LostConnectionDisablesTheCacheUntilListeningAgain) {
  ASSERT_TRUE(Load(token_).has_value());
  ASSERT_EQ(cache_.size(), 1u);
  const int pid = listener_->backend_pid();
  ASSERT_NE(pid, 0);
  env_->Query(absl::StrCat("SELECT pg_terminate_backend(", pid, ")"));
  // Announcements may have been lost meanwhile: whatever was cached is forgotten.
  ASSERT_TRUE(WaitUntil([&] { return listener_->listens() >= 2; }, absl::Seconds(10)));
  EXPECT_NE(listener_->backend_pid(), pid);
  EXPECT_TRUE(cache_.enabled());
  EXPECT_EQ(cache_.size(), 0u);
  // And it works again.
  ASSERT_TRUE(Load(token_).has_value());
  env_->Query(absl::StrCat("UPDATE tokens SET status = 'INVALID,BAD' WHERE token_id = ",
                           TokenLiteral(token_), " RETURNING 1"));
  EXPECT_TRUE(WaitUntil([&] { return cache_.size() == 0; }, absl::Seconds(5)));
}

TEST_F(TokenCacheListenerTest, CacheStaysOffWithoutTheTrigger) {
  listener_->Stop();
  env_->Query("DROP TRIGGER tokens_changed_notify ON tokens");
  TokenCache cache(TokenCacheOptions{}, common::RealClock());
  TokenChangeListener listener(pool_->conninfo(), cache, metrics_,
                               common::Logger("test", common::LogLevel::kError));
  listener.Start();
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(cache.enabled());
  EXPECT_EQ(listener.listens(), 0);
  listener.Stop();
}

}  // namespace
}  // namespace ntf::pusher
