#include "ntf/common/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"

namespace ntf::common {
namespace {

class CountingObserver : public BlockingPoolObserver {
 public:
  void OnQueued() override { ++queued; }
  void OnRejected() override { ++rejected; }
  void OnStarted(absl::Duration) override { ++started; }
  void OnFinished(absl::Duration) override { ++finished; }

  std::atomic<int> queued{0}, rejected{0}, started{0}, finished{0};
};

TEST(BlockingPoolTest, RunsTasksOnPoolThreads) {
  BlockingPool pool({.name = "test", .threads = 2, .max_queued = 100});
  ASSERT_TRUE(pool.Start().ok());
  std::atomic<int> ran{0};
  std::atomic<bool> on_caller_thread{false};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.Submit([&] {
                      if (std::this_thread::get_id() == caller) on_caller_thread = true;
                      ++ran;
                    })
                    .ok());
  }
  ASSERT_TRUE(pool.Drain(absl::Seconds(10)).ok());
  EXPECT_EQ(ran, 50);
  EXPECT_FALSE(on_caller_thread);
  EXPECT_EQ(pool.GetStats().completed, 50u);
}

TEST(BlockingPoolTest, CompletionReceivesTheResult) {
  BlockingPool pool({.name = "test", .threads = 1, .max_queued = 10});
  ASSERT_TRUE(pool.Start().ok());
  absl::Notification done;
  absl::StatusOr<int> result = absl::UnknownError("not set");
  ASSERT_TRUE(pool.Submit([]() -> absl::StatusOr<int> { return 42; },
                          [&](absl::StatusOr<int> r) {
                            result = std::move(r);
                            done.Notify();
                          })
                  .ok());
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(*result, 42);

  absl::Notification void_done;
  bool worked = false;
  ASSERT_TRUE(pool.Submit([&] { worked = true; }, [&] { void_done.Notify(); }).ok());
  ASSERT_TRUE(void_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(worked);
}

TEST(BlockingPoolTest, FullQueueRejectsFast) {
  CountingObserver observer;
  BlockingPool pool({.name = "db", .threads = 1, .max_queued = 2}, RealClock(), &observer);
  ASSERT_TRUE(pool.Start().ok());
  absl::Notification release, blocked;
  ASSERT_TRUE(pool.Submit([&] {
                    blocked.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  blocked.WaitForNotification();  // The only thread is busy; the queue is empty.
  ASSERT_TRUE(pool.Submit([] {}).ok());
  ASSERT_TRUE(pool.Submit([] {}).ok());
  absl::Status full = pool.Submit([] { ADD_FAILURE() << "rejected task ran"; });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("db"), absl::string_view::npos);
  bool done_ran = false;
  EXPECT_FALSE(pool.Submit([] { return 1; }, [&](int) { done_ran = true; }).ok());
  BlockingPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.running, 1u);
  EXPECT_EQ(stats.rejected, 2u);
  release.Notify();
  ASSERT_TRUE(pool.Drain(absl::Seconds(10)).ok());
  EXPECT_FALSE(done_ran);
  EXPECT_EQ(observer.queued, 3);
  EXPECT_EQ(observer.rejected, 2);
  EXPECT_EQ(observer.started, 3);
  EXPECT_EQ(observer.finished, 3);
}

TEST(BlockingPoolTest, DrainRunsQueuedWorkThenRefusesMore) {
  BlockingPool pool({.name = "test", .threads = 1, .max_queued = 100});
  ASSERT_TRUE(pool.Start().ok());
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.Submit([&] { release.WaitForNotification(); }).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.Submit([&] { ++ran; }).ok());
  pool.StopAccepting();
  EXPECT_EQ(pool.Submit([] {}).code(), absl::StatusCode::kFailedPrecondition);
  // Still blocked: the deadline passes with work left.
  absl::Status early = pool.Drain(absl::Milliseconds(20));
  EXPECT_EQ(early.code(), absl::StatusCode::kDeadlineExceeded);
  release.Notify();
  ASSERT_TRUE(pool.Drain(absl::Seconds(10)).ok());
  EXPECT_EQ(ran, 10);
  EXPECT_TRUE(pool.Drain(absl::ZeroDuration()).ok());  // Idempotent.
}

TEST(BlockingPoolTest, DestructorWaitsForQueuedWork) {
  std::atomic<int> ran{0};
  {
    BlockingPool pool({.name = "test", .threads = 2, .max_queued = 100});
    ASSERT_TRUE(pool.Start().ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(pool.Submit([&] {
                        absl::SleepFor(absl::Milliseconds(1));
                        ++ran;
                      })
                      .ok());
    }
  }
  EXPECT_EQ(ran, 20);
}

TEST(BlockingPoolTest, LifecycleErrors) {
  BlockingPool pool({.name = "test", .threads = 1, .max_queued = 1});
  EXPECT_EQ(pool.Submit([] {}).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_EQ(pool.Start().code(), absl::StatusCode::kFailedPrecondition);

  BlockingPool bad({.name = "bad", .threads = 0, .max_queued = 1});
  EXPECT_EQ(bad.Start().code(), absl::StatusCode::kInvalidArgument);

  BlockingPool never_started({.name = "idle", .threads = 1, .max_queued = 1});
  EXPECT_TRUE(never_started.Drain(absl::ZeroDuration()).ok());
}

TEST(BlockingPoolTest, ConcurrentSubmitters) {
  BlockingPool pool({.name = "test", .threads = 3, .max_queued = 10000});
  ASSERT_TRUE(pool.Start().ok());
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 500; ++i) EXPECT_TRUE(pool.Submit([&] { ++ran; }).ok());
    });
  }
  for (auto& t : submitters) t.join();
  ASSERT_TRUE(pool.Drain(absl::Seconds(10)).ok());
  EXPECT_EQ(ran, 2000);
}

}  // namespace
}  // namespace ntf::common
