// TokenCache (hits, announced changes crossing a load, enable/disable, bounds) and
// CachingPushStore in front of an in-memory store.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <optional>

#include "ntf/common/testing/fake_clock.h"
#include "services/pusher/src/caching_push_store.h"
#include "services/pusher/src/token_cache.h"
#include "services/pusher/tests/service_fakes.h"

namespace ntf::pusher {
namespace {

using testing::FakePushStore;

PushTargetPtr Target(uint8_t id, wire::TokenState state = wire::TokenState::kActive) {
  return std::make_shared<const PushTarget>(
      PushTarget{.token_id = wire::Bytes(24, id),
                 .device = {.provider = wire::PushProvider::kApnsProd, .token = {'d', id}},
                 .dh_secret = crypto::DhSecret::FromRaw(wire::Bytes(32, 7)).value(),
                 .reg_code = wire::Bytes(32, 8),
                 .status = {.state = state}});
}

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCacheTest() { cache_.SetEnabled(true); }

  // The cached row of `id`, if any.
  std::optional<PushTarget> Find(uint8_t id) {
    std::vector<PushTargetPtr> found;
    std::vector<wire::Bytes> missing;
    cache_.Lookup({wire::Bytes(24, id)}, found, missing);
    if (found.empty()) return std::nullopt;
    return *found[0];
  }
  void Load(std::initializer_list<PushTargetPtr> rows) {
    const TokenCache::Ticket ticket = cache_.BeginLoad();
    cache_.Insert(ticket, std::vector<PushTargetPtr>(rows));
  }

  common::testing::FakeClock clock_;
  TokenCache cache_{TokenCacheOptions{.max_entries = 3, .max_age = absl::Minutes(1)}, clock_};
};

TEST_F(TokenCacheTest, ServesWhatALoadStoredAndSplitsTheRest) {
  Load({Target(1), Target(2)});
  std::vector<PushTargetPtr> found;
  std::vector<wire::Bytes> missing;
  cache_.Lookup({wire::Bytes(24, 1), wire::Bytes(24, 3), wire::Bytes(24, 2)}, found, missing);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->token_id, wire::Bytes(24, 1));
  EXPECT_EQ(found[0]->device.token, (wire::Bytes{'d', 1}));
  EXPECT_EQ(found[1]->token_id, wire::Bytes(24, 2));
  EXPECT_EQ(missing, std::vector<wire::Bytes>{wire::Bytes(24, 3)});
}

TEST_F(TokenCacheTest, AnnouncedChangeDropsTheRow) {
  Load({Target(1), Target(2)});
  cache_.Invalidate(wire::Bytes(24, 1));
  EXPECT_FALSE(Find(1).has_value());
  EXPECT_TRUE(Find(2).has_value());
}

// The load read the row before the change committed; the announcement came while the load was
// still running. Storing its row would serve the old row until max_age.
TEST_F(TokenCacheTest, RowOfALoadThatCrossedAnAnnouncedChangeIsNotStored) {
  {
    const TokenCache::Ticket ticket = cache_.BeginLoad();
    cache_.Invalidate(wire::Bytes(24, 1));
    cache_.Insert(ticket, {Target(1), Target(2)});
  }
  EXPECT_FALSE(Find(1).has_value());
  EXPECT_TRUE(Find(2).has_value());
  // A load begun after the announcement reads the new row: that one is stored.
  Load({Target(1, wire::TokenState::kInvalid)});
  ASSERT_TRUE(Find(1).has_value());
  EXPECT_EQ(Find(1)->status.state, wire::TokenState::kInvalid);
}

TEST_F(TokenCacheTest, AnnouncementsAreRememberedForEveryOlderLoadStillRunning) {
  std::optional<TokenCache::Ticket> older(cache_.BeginLoad());
  cache_.Invalidate(wire::Bytes(24, 1));
  {
    const TokenCache::Ticket newer = cache_.BeginLoad();
    cache_.Insert(newer, {Target(2)});
  }  // the newer load ends first
  cache_.Insert(*older, {Target(1)});
  older.reset();
  EXPECT_FALSE(Find(1).has_value());
  EXPECT_TRUE(Find(2).has_value());
}

TEST_F(TokenCacheTest, DisabledCacheFindsAndStoresNothingAndSwitchingForgets) {
  Load({Target(1)});
  const TokenCache::Ticket before = cache_.BeginLoad();
  cache_.SetEnabled(false);  // the listener lost its connection
  EXPECT_FALSE(cache_.enabled());
  EXPECT_FALSE(Find(1).has_value());
  Load({Target(2)});
  EXPECT_EQ(cache_.size(), 0u);
  cache_.SetEnabled(true);  // listening again: what was loaded before may be stale
  cache_.Insert(before, {Target(3)});
  EXPECT_FALSE(Find(3).has_value());
  Load({Target(4)});
  EXPECT_TRUE(Find(4).has_value());
}

TEST_F(TokenCacheTest, RowsExpireAfterMaxAge) {
  Load({Target(1)});
  clock_.Advance(absl::Seconds(59));
  EXPECT_TRUE(Find(1).has_value());
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(Find(1).has_value());
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(TokenCacheTest, HoldsAtMostMaxEntriesDroppingTheOldest) {
  Load({Target(1), Target(2), Target(3), Target(4), Target(5)});
  EXPECT_EQ(cache_.size(), 3u);
  EXPECT_FALSE(Find(1).has_value());
  EXPECT_FALSE(Find(2).has_value());
  EXPECT_TRUE(Find(3).has_value());
  EXPECT_TRUE(Find(5).has_value());
  // A row dropped by an announcement leaves room without evicting another.
  cache_.Invalidate(wire::Bytes(24, 3));
  Load({Target(6)});
  EXPECT_TRUE(Find(4).has_value());
  EXPECT_TRUE(Find(6).has_value());
}

// Rows dropped and stored again many times (announced changes) must not grow the eviction
// order without bound.
TEST_F(TokenCacheTest, ChurnKeepsTheBoundsAndTheOrder) {
  for (int round = 0; round < 5000; ++round) {
    Load({Target(1), Target(2)});
    cache_.Invalidate(wire::Bytes(24, 1));
  }
  Load({Target(1), Target(7)});  // 2 was stored before 1 and 7: it goes first
  Load({Target(8)});
  EXPECT_EQ(cache_.size(), 3u);
  EXPECT_FALSE(Find(2).has_value());
  EXPECT_TRUE(Find(1).has_value());
  EXPECT_TRUE(Find(8).has_value());
}

class CachingPushStoreTest : public ::testing::Test {
 protected:
  CachingPushStoreTest() {
    cache_.SetEnabled(true);
    store_.AddToken(*Target(1));
    store_.AddToken(*Target(2));
  }

  prometheus::Registry registry_;
  PusherMetrics metrics_{registry_};
  common::testing::FakeClock clock_;
  TokenCache cache_{TokenCacheOptions{}, clock_};
  FakePushStore store_;
  CachingPushStore caching_{store_, cache_, metrics_};
};

TEST_F(CachingPushStoreTest, SecondLoadOfATokenDoesNotReachTheStore) {
  absl::StatusOr<LoadedTargets> first = caching_.Load({wire::Bytes(24, 1)}, {});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->tokens.size(), 1u);
  absl::StatusOr<LoadedTargets> second =
      caching_.Load({wire::Bytes(24, 1), wire::Bytes(24, 2), wire::Bytes(24, 9)}, {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tokens.size(), 2u);  // 9 does not exist
  const std::vector<std::vector<wire::Bytes>> loads = store_.token_loads();
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[1], (std::vector<wire::Bytes>{wire::Bytes(24, 2), wire::Bytes(24, 9)}));
  // All cached and no outbox rows wanted: no store call at all.
  ASSERT_TRUE(caching_.Load({wire::Bytes(24, 1), wire::Bytes(24, 2)}, {}).ok());
  EXPECT_EQ(store_.token_loads().size(), 2u);
}

TEST_F(CachingPushStoreTest, OutboxRowsAlwaysComeFromTheStore) {
  OutboxNotification n;
  n.notification_id = 5;
  n.token_id = wire::Bytes(24, 1);
  store_.AddNotification(n);
  ASSERT_TRUE(caching_.Load({wire::Bytes(24, 1)}, {}).ok());
  absl::StatusOr<LoadedTargets> loaded = caching_.Load({wire::Bytes(24, 1)}, {5});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->tokens.size(), 1u);
  ASSERT_EQ(loaded->notifications.size(), 1u);
  EXPECT_EQ(store_.token_loads().back(), std::vector<wire::Bytes>{});  // the token was cached
}

TEST_F(CachingPushStoreTest, FailedLoadStoresNothing) {
  store_.FailNextLoad();
  EXPECT_FALSE(caching_.Load({wire::Bytes(24, 1)}, {}).ok());
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(CachingPushStoreTest, TokensThisProcessChangesAreDroppedAtOnce) {
  ASSERT_TRUE(caching_.Load({wire::Bytes(24, 1), wire::Bytes(24, 2)}, {}).ok());
  OutcomeBatch batch;
  batch.invalidations.push_back({.token_id = wire::Bytes(24, 1),
                                 .device_token = {'d', 1},
                                 .status = {.state = wire::TokenState::kInvalid}});
  batch.confirmations.push_back({.token_id = wire::Bytes(24, 2), .device_token = {'d', 2}});
  ASSERT_TRUE(caching_.Apply(batch).ok());
  EXPECT_EQ(cache_.size(), 0u);
  ASSERT_TRUE(caching_.Load({wire::Bytes(24, 1), wire::Bytes(24, 2)}, {}).ok());
  EXPECT_EQ(store_.token_loads().size(), 2u);  // loaded again
}

}  // namespace
}  // namespace ntf::pusher
