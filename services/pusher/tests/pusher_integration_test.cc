// ntf-pusher in-process against the local PostgreSQL and Redis and the fake providers: every
// token-invalidation path, CONFIRMED on verification, retries and dead letters, credential
// refresh, apns_null / apns_test, periodic pushes, the outbox, takeover of a dead consumer's
// jobs, provider isolation, drain, and the admin endpoint.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ntf/testing/http_get.h"
#include "services/pusher/src/push_payload.h"
#include "services/pusher/tests/pusher_test_env.h"

namespace ntf::pusher {
namespace {

using ntf::testing::FakeAnswer;
using testing::PusherTestEnv;
using testing::TestToken;
using testing::WaitUntil;
using wire::PushProvider;
using wire::TokenState;

class PusherIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = PusherTestEnv::Create();
    ASSERT_NE(env_, nullptr);
  }
  void TearDown() override {
    for (auto& app : apps_) app->Shutdown();
    apps_.clear();
  }
  PusherApp* Start(const std::string& consumer,
                   const std::function<void(PusherConfig&)>& tweak = {}) {
    std::unique_ptr<PusherApp> app = env_->StartApp(consumer, tweak);
    if (app == nullptr) return nullptr;
    apps_.push_back(std::move(app));
    return apps_.back().get();
  }
  // Waits until every job was acknowledged (nothing pending, nothing unread).
  bool WaitIdle(absl::Duration timeout = absl::Seconds(10)) {
    return WaitUntil(
        [&] {
          absl::StatusOr<redis::Reply> lag =
              env_->redis().Command({"XINFO", "GROUPS", env_->stream()}, {});
          if (!lag.ok() || lag->elements.empty()) return false;
          const redis::Reply& g = lag->elements[0];
          int64_t pending = -1, unread = -1;
          for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
            if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
            if (g.elements[i].str == "lag") unread = g.elements[i + 1].integer;
          }
          return pending == 0 && unread == 0;
        },
        timeout);
  }

  std::unique_ptr<PusherTestEnv> env_;
  std::vector<std::unique_ptr<PusherApp>> apps_;
};

TEST_F(PusherIntegrationTest, VerificationPushConfirmsTheTokenAndCarriesTheCode) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken registered = env_->AddToken(PushProvider::kApnsProd, TokenState::kRegistered);
  TestToken active = env_->AddToken(PushProvider::kApnsProd, TokenState::kActive);
  env_->Enqueue(PushKind::kVerification, registered);
  env_->Enqueue(PushKind::kVerification, active);
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->StatusOf(registered), "CONFIRMED");
  EXPECT_EQ(env_->StatusOf(active), "ACTIVE");  // never moved back
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(registered.device);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Header("apns-push-type"), "background");
  EXPECT_EQ(sent[0].Header("apns-priority"), "5");
  EXPECT_EQ(sent[0].Header("apns-topic"), "chat.simplex.app");
  EXPECT_EQ(testing::DecryptPush(sent[0], registered),
            std::string(registered.reg_code.begin(), registered.reg_code.end()));
}

TEST_F(PusherIntegrationTest, MessagePushCarriesItsNotificationsAndMarksThemDelivered) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  const int64_t n1 = env_->AddNotification(token);
  const int64_t n2 = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {n1, n2});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->PushStateOf(n1), "delivered");
  EXPECT_EQ(env_->PushStateOf(n2), "delivered");
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Header("apns-push-type"), "alert");
  const std::string text = testing::DecryptPush(sent[0], token);
  EXPECT_EQ(std::count(text.begin(), text.end(), ';'), 1) << text;
  EXPECT_TRUE(absl::StartsWith(text, "smp://")) << text;
  EXPECT_NE(text.find("smp1.example.com,smp1.example.onion:5223/"), std::string::npos) << text;
}

TEST_F(PusherIntegrationTest, FcmMessagePushIsDelivered) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kFcm);
  const int64_t n1 = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {n1});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->PushStateOf(n1), "delivered");
  std::vector<ntf::testing::RecordedRequest> sent = env_->fcm().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(testing::DecryptPush(sent[0], token), "smp://"));
  EXPECT_EQ(env_->fcm().token_requests(), 1);
}

struct InvalidationCase {
  std::string name;
  PushProvider provider;
  FakeAnswer answer;
  std::string expected_status;  // tokens.status afterwards
};

class InvalidationTest : public PusherIntegrationTest,
                         public ::testing::WithParamInterface<InvalidationCase> {};

TEST_P(InvalidationTest, ProviderAnswerSetsTheTokenStateAndStopsFurtherPushes) {
  const InvalidationCase& c = GetParam();
  ASSERT_NE(Start("a"), nullptr);
  const absl::Time registered_at = absl::Now() - absl::Hours(1);
  TestToken token = env_->AddToken(c.provider, TokenState::kActive, registered_at);
  FakeAnswer answer = c.answer;
  if (answer.timestamp_ms)
    answer.timestamp_ms = absl::ToUnixMillis(registered_at) + *answer.timestamp_ms;
  ntf::testing::FakeProviderBase& fake =
      c.provider == PushProvider::kFcm ? static_cast<ntf::testing::FakeProviderBase&>(env_->fcm())
                                       : env_->apns();
  fake.ScriptAnswers(token.device, {answer});
  const int64_t first = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {first});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->StatusOf(token), c.expected_status);
  EXPECT_EQ(env_->PushStateOf(first), "failed");
  EXPECT_EQ(fake.RequestsFor(token.device).size(), 1u);
  // No further message pushes to an invalid token.
  const int64_t second = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {second});
  ASSERT_TRUE(WaitIdle());
  if (c.expected_status != "ACTIVE") {
    EXPECT_EQ(fake.RequestsFor(token.device).size(), 1u);
    EXPECT_EQ(env_->PushStateOf(second), "failed");
  } else {
    EXPECT_EQ(env_->PushStateOf(second), "delivered");
  }
}

FakeAnswer Answer(int status, std::string reason, std::optional<int64_t> timestamp_offset_ms = {}) {
  FakeAnswer a = FakeAnswer::Error(status, std::move(reason));
  a.timestamp_ms = timestamp_offset_ms;
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, InvalidationTest,
    ::testing::Values(
        InvalidationCase{"ApnsBadDeviceToken", PushProvider::kApnsProd,
                         Answer(400, "BadDeviceToken"), "INVALID,BAD"},
        InvalidationCase{"ApnsDeviceTokenNotForTopic", PushProvider::kApnsProd,
                         Answer(400, "DeviceTokenNotForTopic"), "INVALID,TOPIC"},
        InvalidationCase{"ApnsUnregisteredAfterRegistration", PushProvider::kApnsDev,
                         Answer(410, "Unregistered", /*after registration*/ 60000),
                         "INVALID,UNREGISTERED"},
        InvalidationCase{"ApnsUnregisteredWithoutTimestamp", PushProvider::kApnsProd,
                         Answer(410, "Unregistered"), "INVALID,UNREGISTERED"},
        InvalidationCase{"ApnsExpiredToken", PushProvider::kApnsProd, Answer(410, "ExpiredToken"),
                         "INVALID,EXPIRED"},
        // APNs saw the token die before it was (re-)registered: stale, the token stays.
        InvalidationCase{"ApnsUnregisteredBeforeRegistrationIsStale", PushProvider::kApnsProd,
                         Answer(410, "Unregistered", -86400000), "ACTIVE"},
        InvalidationCase{"FcmUnregistered", PushProvider::kFcm, Answer(404, "UNREGISTERED"),
                         "INVALID,UNREGISTERED"},
        InvalidationCase{"FcmSenderIdMismatch", PushProvider::kFcm,
                         Answer(403, "SENDER_ID_MISMATCH"), "INVALID,TOPIC"}),
    [](const ::testing::TestParamInfo<InvalidationCase>& info) { return info.param.name; });

TEST_F(PusherIntegrationTest, RetriesHonourRetryAfterThenSucceed) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  FakeAnswer too_many = FakeAnswer::Error(429, "TooManyRequests");
  too_many.retry_after = "1";
  env_->apns().ScriptAnswers(token.device,
                             {too_many, FakeAnswer::Error(503, "ServiceUnavailable")});
  const int64_t n = env_->AddNotification(token);
  const absl::Time start = absl::Now();
  env_->Enqueue(PushKind::kMessage, token, {n});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->PushStateOf(n), "delivered");
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_GE(sent[1].received_at - sent[0].received_at, absl::Milliseconds(990));  // Retry-After
  EXPECT_EQ(sent[0].Header("apns-id"), sent[2].Header("apns-id"));                // the same push
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(env_->DeadEntries().empty());
}

// The HTTP/2 clients release each body once sent (release_sent_bodies), so a stream the provider
// refuses unprocessed comes back to the lane, which builds the push again and sends it at once
// without counting an attempt; a second refusal counts like a lost connection.
TEST_F(PusherIntegrationTest, RefusedStreamIsSentAgainAtOnceWithoutCountingAnAttempt) {
  ASSERT_NE(Start("a", [](PusherConfig& c) { c.retry_max_attempts = 1; }), nullptr);
  FakeAnswer refuse;
  refuse.refuse = true;
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  env_->apns().ScriptAnswers(token.device, {refuse});
  const int64_t n = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {n});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->PushStateOf(n), "delivered");
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].answered, 0);
  EXPECT_EQ(sent[1].answered, 200);
  EXPECT_EQ(sent[0].Header("apns-id"), sent[1].Header("apns-id"));  // the same push, rebuilt
  EXPECT_LT(sent[1].received_at - sent[0].received_at, absl::Milliseconds(500));  // no backoff
  EXPECT_TRUE(env_->DeadEntries().empty());

  TestToken twice = env_->AddToken(PushProvider::kApnsProd);
  env_->apns().ScriptAnswers(twice.device, {refuse, refuse});
  const int64_t m = env_->AddNotification(twice);
  env_->Enqueue(PushKind::kMessage, twice, {m});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->apns().RequestsFor(twice.device).size(), 2u);
  std::vector<redis::StreamEntry> dead = env_->DeadEntries();
  ASSERT_EQ(dead.size(), 1u);  // one attempt allowed: the second refusal used it
  std::map<std::string, std::string> fields(dead[0].fields.begin(), dead[0].fields.end());
  EXPECT_EQ(fields["reason"], "refused");
  EXPECT_EQ(env_->PushStateOf(m), "failed");
}

TEST_F(PusherIntegrationTest, Apns503RetiresTheConnectionAndRetriesOnAFreshOne) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  // A first push warms the pool; then count the TLS sessions the fake accepted.
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  auto sessions = [&] { return env_->apns().stats().sessions_accepted; };
  const uint64_t before = sessions();
  ASSERT_GE(before, 1u);

  env_->apns().ScriptAnswers(token.device, {FakeAnswer::Error(503, "ServiceUnavailable")});
  const int64_t n = env_->AddNotification(token);
  env_->Enqueue(PushKind::kMessage, token, {n});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->PushStateOf(n), "delivered");
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 3u);  // the warm-up, the 503, the retry
  EXPECT_EQ(sent[1].answered, 503);
  EXPECT_EQ(sent[2].answered, 200);
  // The connection that answered 503 was retired and replaced by a fresh one.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (sessions() < before + 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(sessions(), before + 1);
}

TEST_F(PusherIntegrationTest, DeadLetterAfterMaxAttempts) {
  ASSERT_NE(Start("a", [](PusherConfig& c) { c.retry_max_attempts = 3; }), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  env_->apns().ScriptAnswers(
      token.device, std::vector<FakeAnswer>(10, FakeAnswer::Error(503, "ServiceUnavailable")));
  const int64_t n = env_->AddNotification(token);
  const std::string job_id = env_->Enqueue(PushKind::kMessage, token, {n});
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->apns().RequestsFor(token.device).size(), 3u);
  std::vector<redis::StreamEntry> dead = env_->DeadEntries();
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> fields(dead[0].fields.begin(), dead[0].fields.end());
  EXPECT_EQ(fields["reason"], "ServiceUnavailable");
  EXPECT_EQ(fields["attempts"], "3");
  absl::StatusOr<JobSpec> job = push_job::DecodeEntry(dead[0].fields);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->job_id, job_id);
  EXPECT_EQ(env_->PushStateOf(n), "failed");
  EXPECT_EQ(env_->StatusOf(token), "ACTIVE");
}

TEST_F(PusherIntegrationTest, PermanentFailureIsDeadLetteredAtOnce) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  env_->apns().ScriptAnswers(token.device, {FakeAnswer::Error(400, "BadExpirationDate")});
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->DeadEntries().size(), 1u);
  EXPECT_EQ(env_->apns().RequestsFor(token.device).size(), 1u);
}

TEST_F(PusherIntegrationTest, ExpiredProviderTokenIsRefreshedOnce) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  ASSERT_EQ(env_->apns().TokensSeen().size(), 1u);
  env_->apns().ExpireTokensSeenSoFar();  // APNs now says the JWT is older than an hour
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].answered, 403);
  EXPECT_EQ(sent[1].answered_reason, "ExpiredProviderToken");
  EXPECT_EQ(sent[2].answered, 200);
  EXPECT_EQ(env_->apns().TokensSeen().size(), 2u);  // one new JWT, not one per request
  EXPECT_TRUE(env_->DeadEntries().empty());
}

TEST_F(PusherIntegrationTest, RevokedFcmAccessTokenIsFetchedAgain) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kFcm);
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  env_->fcm().RevokeAccessTokens();
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  std::vector<ntf::testing::RecordedRequest> sent = env_->fcm().RequestsFor(token.device);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].answered, 401);
  EXPECT_EQ(sent[2].answered, 200);
  EXPECT_EQ(env_->fcm().token_requests(), 2);
}

TEST_F(PusherIntegrationTest, ApnsNullSucceedsWithoutSending) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsNull, TokenState::kRegistered);
  env_->Enqueue(PushKind::kVerification, token);
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->StatusOf(token), "CONFIRMED");
  EXPECT_EQ(
      env_->apns().RequestCount() + env_->apns_test().RequestCount() + env_->fcm().RequestCount(),
      0u);
}

TEST_F(PusherIntegrationTest, ApnsTestTokensGoToTheTestEndpoint) {
  ASSERT_NE(Start("a"), nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsTest, TokenState::kRegistered);
  env_->Enqueue(PushKind::kVerification, token);
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(env_->apns_test().RequestsFor(token.device).size(), 1u);
  EXPECT_EQ(env_->apns().RequestCount(), 0u);
  EXPECT_EQ(env_->StatusOf(token), "CONFIRMED");
}

TEST_F(PusherIntegrationTest, ProviderWithoutCredentialsDeadLetters) {
  ASSERT_NE(Start("a", [](PusherConfig& c) { c.fcm_service_account_file = ""; }), nullptr);
  TestToken token = env_->AddToken(PushProvider::kFcm);
  env_->Enqueue(PushKind::kCheckMessages, token);
  ASSERT_TRUE(WaitIdle());
  std::vector<redis::StreamEntry> dead = env_->DeadEntries();
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> fields(dead[0].fields.begin(), dead[0].fields.end());
  EXPECT_EQ(fields["reason"], "provider_disabled");
}

TEST_F(PusherIntegrationTest, PeriodicPushesAreClaimedOnceAcrossReplicas) {
  ASSERT_NE(Start("a"), nullptr);
  ASSERT_NE(Start("b"), nullptr);
  std::vector<TestToken> due;
  for (int i = 0; i < 5; ++i) {
    due.push_back(env_->AddToken(i % 2 == 0 ? PushProvider::kApnsProd : PushProvider::kFcm));
    env_->MakeCronDue(due.back());
  }
  TestToken registered = env_->AddToken(PushProvider::kApnsProd, TokenState::kRegistered);
  env_->MakeCronDue(registered);
  ASSERT_TRUE(
      WaitUntil([&] { return env_->apns().RequestCount() + env_->fcm().RequestCount() >= 5; },
                absl::Seconds(10)));
  ASSERT_TRUE(WaitIdle());
  absl::SleepFor(absl::Milliseconds(600));  // a few more cron rounds on both replicas
  EXPECT_EQ(env_->apns().RequestCount() + env_->fcm().RequestCount(), 5u);
  for (const TestToken& t : due) {
    ntf::testing::FakeProviderBase& fake =
        t.provider == PushProvider::kFcm ? static_cast<ntf::testing::FakeProviderBase&>(env_->fcm())
                                         : env_->apns();
    std::vector<ntf::testing::RecordedRequest> sent = fake.RequestsFor(t.device);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_NE(sent[0].body.find("checkMessages"), std::string::npos);
  }
  EXPECT_EQ(env_->Query("SELECT count(*) FROM tokens WHERE cron_next_at > now() + "
                        "interval '19 minutes'"),
            "6");  // every due token was rescheduled, the REGISTERED one too
}

TEST_F(PusherIntegrationTest, OutboxRecreatesJobsLostFromRedis) {
  TestToken token = env_->AddToken(PushProvider::kApnsProd);
  // Its job never reached Redis (or Redis lost it).
  const int64_t lost = env_->AddNotification(token, absl::Now() - absl::Minutes(10));
  // A job that is still live (held by another consumer) must not be re-created.
  TestToken other = env_->AddToken(PushProvider::kApnsProd);
  const int64_t live = env_->AddNotification(other);
  std::unique_ptr<RedisJobStream> ghost = env_->StreamAs("ghost");
  ASSERT_TRUE(ghost->EnsureGroup().ok());
  const std::string live_job = env_->Enqueue(PushKind::kMessage, other, {live});
  env_->Query(absl::StrCat("UPDATE notifications SET job_id = '", live_job,
                           "' WHERE notification_id = ", live, " RETURNING 1"));
  ASSERT_EQ(ghost->ReadNew(10, absl::Milliseconds(100))->size(), 1u);
  ASSERT_NE(Start("a", [](PusherConfig& c) { c.claim_idle = absl::Seconds(30); }), nullptr);
  ASSERT_TRUE(WaitUntil([&] { return env_->PushStateOf(lost) == "delivered"; }, absl::Seconds(10)));
  EXPECT_NE(
      env_->Query(absl::StrCat("SELECT job_id FROM notifications WHERE notification_id = ", lost)),
      "");
  absl::SleepFor(absl::Milliseconds(500));  // more sweeps
  EXPECT_EQ(env_->apns().RequestsFor(token.device).size(), 1u);
  EXPECT_EQ(env_->apns().RequestsFor(other.device).size(), 0u);
  EXPECT_EQ(
      env_->Query(absl::StrCat("SELECT job_id FROM notifications WHERE notification_id = ", live)),
      live_job);
}

TEST_F(PusherIntegrationTest, TakesOverTheJobsOfADeadConsumer) {
  std::vector<TestToken> tokens;
  std::unique_ptr<RedisJobStream> ghost = env_->StreamAs("ghost");
  ASSERT_TRUE(ghost->EnsureGroup().ok());
  for (int i = 0; i < 3; ++i) {
    tokens.push_back(env_->AddToken(PushProvider::kApnsProd));
    env_->Enqueue(PushKind::kCheckMessages, tokens.back());
  }
  ASSERT_EQ(ghost->ReadNew(10, absl::Milliseconds(100))->size(), 3u);  // then it "dies"
  const absl::Time start = absl::Now();
  ASSERT_NE(Start("a"), nullptr);
  ASSERT_TRUE(WaitIdle());
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));  // only after claim_idle (2 s of idleness)
  for (const TestToken& t : tokens) EXPECT_EQ(env_->apns().RequestsFor(t.device).size(), 1u);
}

// APNs down for a minute does not slow FCM, and loses none of its own jobs (those its full lane
// handed back are re-delivered without counting as a crash loop). NTF_PUSHER_TEST_OUTAGE
// shortens the outage when iterating locally.
TEST_F(PusherIntegrationTest, ApnsOutageDoesNotSlowFcm) {
  absl::Duration outage = absl::Minutes(1);
  if (const char* env = std::getenv("NTF_PUSHER_TEST_OUTAGE")) {
    ASSERT_TRUE(absl::ParseDuration(env, &outage));
  }
  ASSERT_NE(Start("a",
                  [](PusherConfig& c) {
                    c.apns_max_held = 20;  // the APNs lane fills up during the outage
                    c.retry_max_attempts = 1000;
                    c.retry_max_backoff = absl::Milliseconds(500);
                  }),
            nullptr);
  env_->apns().SetDefaultAnswer(FakeAnswer::Error(503, "ServiceUnavailable"));
  const absl::Time outage_end = absl::Now() + outage;
  std::vector<TestToken> apns_tokens, fcm_tokens;
  for (int i = 0; i < 60; ++i) {
    apns_tokens.push_back(env_->AddToken(PushProvider::kApnsProd));
    fcm_tokens.push_back(env_->AddToken(PushProvider::kFcm));
  }
  const absl::Time enqueued = absl::Now();
  for (int i = 0; i < 60; ++i) {
    env_->Enqueue(PushKind::kCheckMessages, apns_tokens[i]);
    env_->Enqueue(PushKind::kCheckMessages, fcm_tokens[i]);
  }
  // Every FCM push goes out while APNs is still down, within a second or two.
  ASSERT_TRUE(WaitUntil(
      [&] {
        size_t ok = 0;
        for (const auto& r : env_->fcm().Requests()) ok += r.answered == 200 ? 1 : 0;
        return ok >= fcm_tokens.size();
      },
      outage - absl::Seconds(1)));
  absl::Duration slowest = absl::ZeroDuration();
  for (const auto& r : env_->fcm().Requests())
    slowest = std::max(slowest, r.received_at - enqueued);
  EXPECT_LT(slowest, absl::Seconds(2)) << "FCM waited behind APNs";
  EXPECT_LT(absl::Now(), outage_end);
  EXPECT_GT(env_->apns().RequestCount(), 0u);  // APNs was being tried (and failing) meanwhile
  // APNs comes back: its jobs (queued, backing off, or left pending in Redis) all go out.
  absl::SleepFor(std::max(absl::ZeroDuration(), outage_end - absl::Now()));
  env_->apns().SetDefaultAnswer(FakeAnswer::Ok());
  ASSERT_TRUE(WaitIdle(absl::Seconds(20)));
  for (const TestToken& t : apns_tokens) {
    std::vector<ntf::testing::RecordedRequest> sent = env_->apns().RequestsFor(t.device);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.back().answered, 200);
  }
  EXPECT_TRUE(env_->DeadEntries().empty());
}

// A burst bigger than the APNs lane plus the jobs the reader parks (2000) goes out at the lane's
// pace: the jobs the full lane refused are taken back by id as soon as it has room, instead of
// waiting claim_idle (60 s here) for XAUTOCLAIM.
TEST_F(PusherIntegrationTest, BurstBeyondTheLaneAndParkedJobsDoesNotWaitClaimIdle) {
  ASSERT_NE(Start("a",
                  [](PusherConfig& c) {
                    c.apns_max_held = 20;
                    c.apns_max_in_flight = 10;
                    c.claim_idle = absl::Seconds(60);
                    c.claim_interval = absl::Seconds(60);
                  }),
            nullptr);
  std::vector<TestToken> tokens;
  for (int i = 0; i < 10; ++i) tokens.push_back(env_->AddToken(PushProvider::kApnsProd));
  constexpr int kJobs = 2600;
  std::vector<redis::Fields> jobs;
  for (int i = 0; i < kJobs; ++i) {
    jobs.push_back(push_job::EncodeEntry(push_job::NewJob(
        PushKind::kCheckMessages, tokens[static_cast<size_t>(i) % tokens.size()].token_id, {},
        absl::Now())));
  }
  auto loader = env_->StreamAs("loader");
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < jobs.size(); i += 500) {
    const size_t end = std::min(jobs.size(), i + 500);
    ASSERT_TRUE(loader->Add(absl::MakeConstSpan(jobs).subspan(i, end - i)).ok());
  }
  ASSERT_TRUE(WaitIdle(absl::Seconds(40))) << "refused jobs waited for claim_idle";
  EXPECT_LT(absl::Now() - start, absl::Seconds(40));
  size_t ok = 0;
  for (const TestToken& t : tokens) {
    for (const auto& r : env_->apns().RequestsFor(t.device)) ok += r.answered == 200 ? 1 : 0;
  }
  EXPECT_GE(ok, static_cast<size_t>(kJobs));
  EXPECT_TRUE(env_->DeadEntries().empty());
}

TEST_F(PusherIntegrationTest, ShutdownFinishesPushesInFlightAndAcknowledgesThem) {
  PusherApp* app = Start("a");
  ASSERT_NE(app, nullptr);
  FakeAnswer slow;
  slow.delay = absl::Milliseconds(800);
  env_->apns().SetDefaultAnswer(slow);
  std::vector<int64_t> notes;
  for (int i = 0; i < 5; ++i) {
    TestToken t = env_->AddToken(PushProvider::kApnsProd);
    notes.push_back(env_->AddNotification(t));
    env_->Enqueue(PushKind::kMessage, t, {notes.back()});
  }
  ASSERT_TRUE(env_->apns().WaitForRequests(5, absl::Seconds(5)));
  app->Shutdown();
  EXPECT_EQ(env_->Pending(), 0);
  for (int64_t n : notes) EXPECT_EQ(env_->PushStateOf(n), "delivered");
}

TEST_F(PusherIntegrationTest, AdminServesMetricsAndReadiness) {
  PusherApp* app = Start("a");
  ASSERT_NE(app, nullptr);
  TestToken token = env_->AddToken(PushProvider::kApnsProd, TokenState::kRegistered);
  env_->Enqueue(PushKind::kVerification, token);
  ASSERT_TRUE(WaitIdle());
  absl::StatusOr<ntf::testing::HttpResponse> ready =
      ntf::testing::HttpGet(app->admin_port(), "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200) << ready->body;
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<ntf::testing::HttpResponse> m =
            ntf::testing::HttpGet(app->admin_port(), "/metrics");
        return m.ok() && absl::StrContains(m->body, "ntf_pusher_stream_length");
      },
      absl::Seconds(5)));
  absl::StatusOr<ntf::testing::HttpResponse> metrics =
      ntf::testing::HttpGet(app->admin_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  for (const char* series :
       {R"(ntf_pusher_pushes_total{kind="verification",provider="apns_prod",result="delivered"} 1)",
        R"(ntf_pusher_token_status_changes_total{status="CONFIRMED"} 1)",
        "ntf_pusher_provider_request_duration_seconds_bucket", "ntf_pusher_stream_pending",
        "ntf_pusher_stream_lag", "ntf_pusher_apns_jwt_age_seconds", "ntf_pusher_retries_total",
        "ntf_pusher_dead_letters_total"}) {
    EXPECT_TRUE(absl::StrContains(metrics->body, series)) << series;
  }
}

}  // namespace
}  // namespace ntf::pusher
