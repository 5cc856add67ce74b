// End to end through the real producer and the real device side: a client (libs/ntf_client)
// registers with an ntf-intake process, ntf-pusher (in-process) pushes the verification code to
// the fake provider, the client decrypts it and verifies; then a message push and a periodic
// push reach the same device and decrypt. Proves the pusher reads intake's rows (sealed DH
// secret, registration time) and its jobs, and that devices can read what the pusher sends.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <pqxx/binarystring>

#include "absl/strings/str_cat.h"
#include "ntf/client/agent_token.h"
#include "ntf/client/ntf_client.h"
#include "ntf/crypto/keys.h"
#include "ntf/testing/subprocess.h"
#include "ntf/tls/identity.h"
#include "ntf/wire/encoding.h"
#include "services/ntfctl/src/ntfctl.h"
#include "services/pusher/tests/pusher_test_env.h"

namespace ntf::pusher {
namespace {

using client::AgentToken;
using client::NtfClient;
using testing::PusherTestEnv;
using testing::WaitUntil;

// The notificationData members of a recorded push (APNs body or FCM data).
std::map<std::string, std::string> NotificationData(const ntf::testing::RecordedRequest& r) {
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  nlohmann::json data =
      body.contains("notificationData") ? body["notificationData"] : body["message"]["data"];
  std::map<std::string, std::string> out;
  for (auto& [k, v] : data.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

class PusherEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = PusherTestEnv::Create();
    ASSERT_NE(env_, nullptr);
    intake_dir_ = env_->dir() + "/intake";
    absl::StatusOr<ntfctl::InitResult> init =
        ntfctl::Init({.dir = intake_dir_, .host = "127.0.0.1", .port = 443});
    ASSERT_TRUE(init.ok()) << init.status();
    const PusherConfig base = env_->Config("e2e");
    absl::StatusOr<std::unique_ptr<ntf::testing::Subprocess>> intake =
        ntf::testing::Subprocess::Start(NTF_INTAKE_BINARY,
                                        {"--config", intake_dir_ + "/intake.yaml"},
                                        {{"NTF_INTAKE_LISTEN_HOST", "127.0.0.1"},
                                         {"NTF_INTAKE_LISTEN_PORT", "0"},
                                         {"NTF_INTAKE_ADMIN_PORT", "0"},
                                         {"NTF_INTAKE_DATABASE_URL", base.database.url},
                                         {"NTF_INTAKE_REDIS_URL", base.redis_url},
                                         {"NTF_INTAKE_REDIS_PUSH_STREAM", base.push_stream},
                                         {"NTF_INTAKE_DATABASE_POOL_SIZE", "2"},
                                         {"NTF_INTAKE_LISTEN_EVENT_LOOPS", "1"}});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
    absl::StatusOr<std::string> line = intake_->WaitForLine("ntf-intake ready", absl::Seconds(30));
    ASSERT_TRUE(line.ok()) << line.status();
    absl::StatusOr<tls::Fingerprint> fp =
        tls::ParseFingerprint(ntf::testing::FieldOf(*line, "fingerprint"));
    ASSERT_TRUE(fp.ok());
    connect_ = {.host = "127.0.0.1",
                .port = static_cast<uint16_t>(std::stoi(ntf::testing::FieldOf(*line, "port"))),
                .key_hash = *fp,
                .connect_timeout = absl::Seconds(10),
                .io_timeout = absl::Seconds(10)};
    // The pusher unseals with the secret key `ntfctl init` wrote for intake.
    app_ = env_->StartApp(
        "e2e", [this](PusherConfig& c) { c.secret_key_file = intake_dir_ + "/server_secret.key"; });
    ASSERT_NE(app_, nullptr);
    absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(connect_);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
  void TearDown() override {
    if (app_) app_->Shutdown();
    client_.reset();
    if (intake_) {
      intake_->Signal(SIGTERM);
      (void)intake_->Wait(absl::Seconds(15));
    }
  }

  std::string StatusOf(const AgentToken& t) {
    return env_->Query(absl::StrCat("SELECT status FROM tokens WHERE token_id = '\\x",
                                    wire::HexEncode(t.token_id()), "'"));
  }

  // TNEW, the verification push, TVFY: returns the ACTIVE token.
  AgentToken Register(wire::DeviceToken device, ntf::testing::FakeProviderBase& fake) {
    absl::StatusOr<AgentToken> t = AgentToken::Generate(device);
    EXPECT_TRUE(t.ok());
    auto idtkn = client_->Tnew(*t->MakeTnew(), t->verify_key());
    EXPECT_TRUE(idtkn.ok() && idtkn->ok());
    EXPECT_TRUE(t->OnRegistered(idtkn->value()).ok());
    const std::string device_text(device.token.begin(), device.token.end());
    EXPECT_TRUE(
        WaitUntil([&] { return !fake.RequestsFor(device_text).empty(); }, absl::Seconds(10)));
    std::vector<ntf::testing::RecordedRequest> sent = fake.RequestsFor(device_text);
    if (sent.empty()) return *std::move(t);
    std::map<std::string, std::string> data = NotificationData(sent[0]);
    absl::StatusOr<wire::Bytes> code = t->DecryptVerification(data["nonce"], data["verification"]);
    EXPECT_TRUE(code.ok()) << code.status();
    // 200 on the verification push: CONFIRMED, then the client verifies.
    EXPECT_TRUE(WaitUntil([&] { return StatusOf(*t) == "CONFIRMED"; }, absl::Seconds(5)));
    auto tvfy = client_->Tvfy(t->token_id(), *code, t->verify_key());
    EXPECT_TRUE(tvfy.ok() && tvfy->ok());
    EXPECT_EQ(StatusOf(*t), "ACTIVE");
    return *std::move(t);
  }

  std::unique_ptr<PusherTestEnv> env_;
  std::string intake_dir_;
  std::unique_ptr<ntf::testing::Subprocess> intake_;
  client::ConnectOptions connect_;
  std::unique_ptr<PusherApp> app_;
  std::unique_ptr<NtfClient> client_;
};

TEST_F(PusherEndToEndTest, ApnsDeviceRegistersAndReceivesMessageAndPeriodicPushes) {
  const std::string device = wire::HexEncode(wire::Bytes(32, 0x5a));
  AgentToken t = Register(
      {.provider = wire::PushProvider::kApnsProd, .token = wire::ToBytes(device)}, env_->apns());
  ASSERT_FALSE(HasFailure());

  // A subscription, and a notification the subscriber would have stored for it.
  absl::StatusOr<crypto::PrivateKey> notifier =
      crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);
  ASSERT_TRUE(notifier.ok());
  const wire::ProtocolServer smp{
      .hosts = {"smp9.example.com"}, .port = "", .key_hash = wire::Bytes(32, 9)};
  const wire::Bytes notifier_id(24, 0x42);
  auto sub = client_->Snew({.token_id = t.token_id(),
                            .smp_server = smp,
                            .notifier_id = notifier_id,
                            .notifier_key = crypto::EncodePkcs8(*notifier)},
                           t.verify_key());
  ASSERT_TRUE(sub.ok() && sub->ok());
  const wire::Bytes nonce(24, 0x07), meta(144, 0x08);
  const std::string id = env_->Query(absl::StrCat(
      "INSERT INTO notifications (token_id, subscription_id, received_at, nmsg_nonce, nmsg_meta) "
      "VALUES ('\\x",
      wire::HexEncode(t.token_id()), "', '\\x", wire::HexEncode(sub->value()),
      "', to_timestamp(1700000000), '\\x", wire::HexEncode(nonce), "', '\\x", wire::HexEncode(meta),
      "') RETURNING notification_id"));
  testing::TestToken target{.token_id = t.token_id()};
  env_->Enqueue(PushKind::kMessage, target, {std::stoll(id)});
  ASSERT_TRUE(
      WaitUntil([&] { return env_->apns().RequestsFor(device).size() >= 2; }, absl::Seconds(10)));
  std::map<std::string, std::string> data = NotificationData(env_->apns().RequestsFor(device)[1]);
  absl::StatusOr<std::vector<client::PNMessageData>> messages =
      t.DecryptMessages(data["nonce"], data["message"]);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].smp_server, smp);
  EXPECT_EQ((*messages)[0].notifier_id, notifier_id);
  EXPECT_EQ((*messages)[0].ntf_ts, 1700000000);
  EXPECT_EQ(wire::Bytes((*messages)[0].nmsg_nonce.begin(), (*messages)[0].nmsg_nonce.end()), nonce);
  EXPECT_EQ((*messages)[0].enc_meta, meta);
  EXPECT_TRUE(WaitUntil([&] { return env_->PushStateOf(std::stoll(id)) == "delivered"; },
                        absl::Seconds(5)));

  // TCRN 20 schedules the first periodic push one interval later; make it due now.
  auto tcrn = client_->Tcrn(t.token_id(), 20, t.verify_key());
  ASSERT_TRUE(tcrn.ok() && tcrn->ok());
  EXPECT_EQ(env_->Query(absl::StrCat("SELECT cron_next_at > now() + interval '19 minutes' FROM "
                                     "tokens WHERE token_id = '\\x",
                                     wire::HexEncode(t.token_id()), "'")),
            "t");
  env_->MakeCronDue(target);
  ASSERT_TRUE(
      WaitUntil([&] { return env_->apns().RequestsFor(device).size() >= 3; }, absl::Seconds(10)));
  EXPECT_NE(env_->apns().RequestsFor(device)[2].body.find("\"checkMessages\":true"),
            std::string::npos);
}

TEST_F(PusherEndToEndTest, FcmDeviceRegisters) {
  const std::string device = "fcm-registration-token-e2e";
  AgentToken t =
      Register({.provider = wire::PushProvider::kFcm, .token = wire::ToBytes(device)}, env_->fcm());
  EXPECT_EQ(StatusOf(t), "ACTIVE");
}

}  // namespace
}  // namespace ntf::pusher
