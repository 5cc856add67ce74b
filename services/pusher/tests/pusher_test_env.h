#pragma once

// One integration-test world for ntf-pusher: a PostgreSQL schema of its own (TestSchema, store
// migrations applied), unique Redis stream names, fake APNs (production/sandbox and test
// endpoints) and fake FCM in-process, key and CA files, and helpers to create tokens,
// notifications and jobs and to look at the results.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ntf/common/testing/wait.h"
#include "ntf/crypto/seal.h"
#include "ntf/pg/pool.h"
#include "ntf/pg/testing/test_database.h"
#include "ntf/redis/hiredis_stream_client.h"
#include "ntf/testing/fake_apns.h"
#include "ntf/testing/fake_fcm.h"
#include "services/pusher/src/job_stream.h"
#include "services/pusher/src/push_job.h"
#include "services/pusher/src/pusher_app.h"
#include "services/pusher/src/pusher_config.h"

namespace ntf::pusher::testing {

struct TestToken {
  wire::Bytes token_id = {};
  wire::PushProvider provider = wire::PushProvider::kApnsProd;
  std::string device = {};  // device token (APNs: lowercase hex)
  wire::Bytes dh_secret = {};
  wire::Bytes reg_code = {};
};

class PusherTestEnv {
 public:
  // Adds a test failure and returns null when the local stack is missing.
  static std::unique_ptr<PusherTestEnv> Create();
  ~PusherTestEnv();

  // A config wired to this world (short intervals for tests); `consumer` names the replica.
  PusherConfig Config(const std::string& consumer) const;
  // Creates and starts an app (null + test failure on error).
  std::unique_ptr<PusherApp> StartApp(const std::string& consumer,
                                      const std::function<void(PusherConfig&)>& tweak = {});
  // Writes `config` as a YAML file (for ntf-pusher processes); returns its path.
  std::string WriteConfigFile(const PusherConfig& config) const;

  TestToken AddToken(wire::PushProvider provider,
                     wire::TokenState state = wire::TokenState::kActive,
                     absl::Time registered_at = absl::Now());
  // A notification of `token` (on a subscription of its own), queued at `queued_at`.
  int64_t AddNotification(const TestToken& token, absl::Time queued_at = absl::Now());
  // XADDs a job; returns the job id.
  std::string Enqueue(PushKind kind, const TestToken& token,
                      std::vector<int64_t> notification_ids = {});
  // Makes the token's periodic push due now.
  void MakeCronDue(const TestToken& token, int interval_minutes = 20);

  std::string StatusOf(const TestToken& token);
  std::string PushStateOf(int64_t notification_id);
  // The first column of the first row of `sql` (run in this schema), as text.
  std::string Query(const std::string& sql);

  int64_t Pending();
  std::vector<redis::StreamEntry> DeadEntries();
  redis::HiredisStreamClient& redis() { return *redis_; }
  // A job stream handle on this world's stream for another consumer (e.g. a "dead" one).
  std::unique_ptr<RedisJobStream> StreamAs(const std::string& consumer);

  ntf::testing::FakeApns& apns() { return *apns_; }
  ntf::testing::FakeApns& apns_test() { return *apns_test_; }
  ntf::testing::FakeFcm& fcm() { return *fcm_; }
  const std::string& stream() const { return stream_; }
  const std::string& dead_stream() const { return dead_stream_; }
  const std::string& dir() const { return dir_; }

 private:
  PusherTestEnv() = default;

  std::unique_ptr<pg::testing::TestSchema> schema_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::HiredisStreamClient> redis_;
  std::string redis_url_;
  std::string stream_;
  std::string dead_stream_;
  std::string dir_;
  std::string seal_key_file_;
  std::string apns_key_file_;
  std::string apns_ca_file_;
  std::string fcm_account_file_;
  std::string fcm_ca_file_;
  ntf::testing::FakeApnsCredentials apns_credentials_;
  std::unique_ptr<ntf::testing::FakeApns> apns_;
  std::unique_ptr<ntf::testing::FakeApns> apns_test_;
  std::unique_ptr<ntf::testing::FakeFcm> fcm_;
  std::optional<crypto::SealKey> seal_key_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes.
using common::testing::WaitUntil;

// The decrypted notificationData ("verification" or "message" field) of a recorded push.
std::string DecryptPush(const ntf::testing::RecordedRequest& request, const TestToken& token);

}  // namespace ntf::pusher::testing
