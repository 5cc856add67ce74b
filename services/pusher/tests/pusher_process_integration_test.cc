// ntf-pusher as real processes: kill -9 with pushes in flight loses nothing (another replica
// takes the jobs over), and SIGTERM drains (in-flight pushes are answered and acknowledged).
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "ntf/testing/subprocess.h"
#include "services/pusher/tests/pusher_test_env.h"

namespace ntf::pusher {
namespace {

using ntf::testing::FakeAnswer;
using testing::PusherTestEnv;
using testing::TestToken;
using testing::WaitUntil;

class PusherProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = PusherTestEnv::Create();
    ASSERT_NE(env_, nullptr);
  }

  std::unique_ptr<ntf::testing::Subprocess> StartPusher(const std::string& consumer) {
    PusherConfig config = env_->Config(consumer);
    config.cron_enabled = false;
    config.outbox_enabled = false;
    absl::StatusOr<std::unique_ptr<ntf::testing::Subprocess>> process =
        ntf::testing::Subprocess::Start(NTF_PUSHER_BINARY,
                                        {"--config", env_->WriteConfigFile(config)});
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    absl::StatusOr<std::string> line =
        (*process)->WaitForLine("ntf-pusher ready", absl::Seconds(30));
    EXPECT_TRUE(line.ok()) << line.status();
    if (!line.ok()) return nullptr;
    EXPECT_EQ(ntf::testing::FieldOf(*line, "consumer"), consumer);
    return *std::move(process);
  }

  bool AllAcknowledged(absl::Duration timeout) {
    return WaitUntil(
        [&] {
          absl::StatusOr<redis::Reply> groups =
              env_->redis().Command({"XINFO", "GROUPS", env_->stream()}, {});
          if (!groups.ok() || groups->elements.empty()) return false;
          const redis::Reply& g = groups->elements[0];
          int64_t pending = -1, lag = -1;
          for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
            if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
            if (g.elements[i].str == "lag") lag = g.elements[i + 1].integer;
          }
          return pending == 0 && lag == 0;
        },
        timeout);
  }

  std::unique_ptr<PusherTestEnv> env_;
};

TEST_F(PusherProcessTest, KillNineWithJobsInFlightLosesNothing) {
  FakeAnswer slow;
  slow.delay = absl::Milliseconds(1500);  // pushes stay in flight for a while
  env_->apns().SetDefaultAnswer(slow);
  std::unique_ptr<ntf::testing::Subprocess> a = StartPusher("victim");
  ASSERT_NE(a, nullptr);
  std::vector<TestToken> tokens;
  for (int i = 0; i < 40; ++i) tokens.push_back(env_->AddToken(wire::PushProvider::kApnsProd));
  for (const TestToken& t : tokens) env_->Enqueue(PushKind::kCheckMessages, t);
  ASSERT_TRUE(env_->apns().WaitForRequests(20, absl::Seconds(10)));
  a->Signal(SIGKILL);
  ASSERT_TRUE(a->Wait(absl::Seconds(10)).ok());
  const absl::Time killed = absl::Now();
  absl::SleepFor(absl::Milliseconds(300));  // requests already on the wire still land
  // Every push the victim sent was in flight: none of its answers (1.5 s away) reached it.
  const size_t in_flight_at_kill = env_->apns().RequestCount();
  ASSERT_GT(env_->Pending(), 0);  // the victim's jobs are still pending in Redis

  env_->apns().SetDefaultAnswer(FakeAnswer::Ok());
  std::unique_ptr<ntf::testing::Subprocess> b = StartPusher("rescuer");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(AllAcknowledged(absl::Seconds(20)));
  size_t duplicates = 0;
  for (const TestToken& t : tokens) {
    std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(t.device);
    ASSERT_FALSE(sent.empty());
    // Delivered by the rescuer: the victim died before any answer reached it.
    EXPECT_GE(sent.back().received_at, killed);
    EXPECT_EQ(sent.back().answered, 200);
    duplicates += sent.size() - 1;
  }
  EXPECT_LE(duplicates, in_flight_at_kill);  // at most the in-flight window is sent twice
  EXPECT_TRUE(env_->DeadEntries().empty());
  b->Signal(SIGTERM);
  absl::StatusOr<int> code = b->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

TEST_F(PusherProcessTest, SigtermFinishesPushesInFlightAndAcknowledgesThem) {
  FakeAnswer slow;
  slow.delay = absl::Milliseconds(800);
  env_->apns().SetDefaultAnswer(slow);
  std::unique_ptr<ntf::testing::Subprocess> p = StartPusher("drainer");
  ASSERT_NE(p, nullptr);
  std::vector<int64_t> notes;
  for (int i = 0; i < 5; ++i) {
    TestToken t = env_->AddToken(wire::PushProvider::kApnsProd);
    notes.push_back(env_->AddNotification(t));
    env_->Enqueue(PushKind::kMessage, t, {notes.back()});
  }
  ASSERT_TRUE(env_->apns().WaitForRequests(5, absl::Seconds(10)));
  p->Signal(SIGTERM);
  absl::StatusOr<int> code = p->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(env_->Pending(), 0);
  for (int64_t n : notes) EXPECT_EQ(env_->PushStateOf(n), "delivered");
  EXPECT_EQ(env_->apns().RequestCount(), 5u);
}

}  // namespace
}  // namespace ntf::pusher
