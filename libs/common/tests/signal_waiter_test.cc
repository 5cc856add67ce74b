#include "ntf/common/signal_waiter.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace ntf::common {
namespace {

TEST(SignalWaiterTest, ReturnsEachSignalOnce) {
  auto waiter = SignalWaiter::Install();
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  EXPECT_EQ((*waiter)->WaitFor(absl::Milliseconds(10)), std::nullopt);
  ASSERT_EQ(raise(SIGTERM), 0);  // Would kill the test without the waiter.
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_EQ((*waiter)->Wait(), SIGTERM);
  EXPECT_EQ((*waiter)->WaitFor(absl::Seconds(5)), SIGINT);
  EXPECT_EQ((*waiter)->WaitFor(absl::Milliseconds(10)), std::nullopt);
}

TEST(SignalWaiterTest, SignalFromAnotherThreadWakesWait) {
  auto waiter = SignalWaiter::Install();
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  std::thread sender([] {
    absl::SleepFor(absl::Milliseconds(20));
    kill(getpid(), SIGTERM);
  });
  EXPECT_EQ((*waiter)->Wait(), SIGTERM);
  sender.join();
}

TEST(SignalWaiterTest, NotifyWakesWait) {
  auto waiter = SignalWaiter::Install();
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  std::thread notifier([w = waiter->get()] { w->Notify(SIGTERM); });
  EXPECT_EQ((*waiter)->Wait(), SIGTERM);
  notifier.join();
}

TEST(SignalWaiterTest, OnlyOneAtATimeAndHandlersRestored) {
  struct sigaction before;
  ASSERT_EQ(sigaction(SIGTERM, nullptr, &before), 0);
  {
    auto first = SignalWaiter::Install();
    ASSERT_TRUE(first.ok());
    auto second = SignalWaiter::Install();
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  }
  struct sigaction after;
  ASSERT_EQ(sigaction(SIGTERM, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  EXPECT_TRUE(SignalWaiter::Install().ok());  // Free again.
}

}  // namespace
}  // namespace ntf::common
