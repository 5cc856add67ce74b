// ntf-intake as a real process, against the local PostgreSQL and Redis (scripts/local-stack.sh),
// driven by the agent-side client library over TLS: the happy path, every error path of
// spec/ntf-protocol.md §2.3–§2.4, versions 1–3, batching, restarts and a database outage.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/binarystring>

#include "ntf/client/agent_token.h"
#include "ntf/client/ntf_client.h"
#include "ntf/crypto/primitives.h"
#include "ntf/pg/pool.h"
#include "ntf/pg/testing/test_database.h"
#include "ntf/push/v1/push_job.pb.h"
#include "ntf/redis/hiredis_stream_client.h"
#include "ntf/testing/http_get.h"
#include "ntf/testing/subprocess.h"
#include "ntf/tls/identity.h"
#include "ntf/wire/block.h"
#include "services/ntfctl/src/ntfctl.h"

namespace ntf {
namespace {

using client::AgentToken;
using client::NtfClient;
using wire::Bytes;
using wire::ErrorCode;

std::string TempDir(const char* prefix) {
  std::string tmpl = ::testing::TempDir() + prefix + ".XXXXXX";
  return std::string(::mkdtemp(tmpl.data()));
}

// One ntf-intake process with its own schema, push stream and certificates.
class IntakeProcess {
 public:
  IntakeProcess(std::string database_url, std::string redis_url, std::string stream)
      : dir_(TempDir("intake")) {
    absl::StatusOr<ntfctl::InitResult> init =
        ntfctl::Init({.dir = dir_, .host = "127.0.0.1", .port = 443});
    EXPECT_TRUE(init.ok()) << init.status();
    env_ = {{"NTF_INTAKE_LISTEN_HOST", "127.0.0.1"}, {"NTF_INTAKE_LISTEN_PORT", "0"},
            {"NTF_INTAKE_ADMIN_PORT", "0"},          {"NTF_INTAKE_DATABASE_URL", database_url},
            {"NTF_INTAKE_REDIS_URL", redis_url},     {"NTF_INTAKE_REDIS_PUSH_STREAM", stream},
            {"NTF_INTAKE_DATABASE_POOL_SIZE", "2"},  {"NTF_INTAKE_LISTEN_EVENT_LOOPS", "1"}};
  }
  ~IntakeProcess() { std::filesystem::remove_all(dir_); }

  absl::Status Start() {
    absl::StatusOr<std::unique_ptr<testing::Subprocess>> p =
        testing::Subprocess::Start(NTF_INTAKE_BINARY, {"--config", dir_ + "/intake.yaml"}, env_);
    if (!p.ok()) return p.status();
    proc_ = *std::move(p);
    absl::StatusOr<std::string> line = proc_->WaitForLine("ntf-intake ready", absl::Seconds(30));
    if (!line.ok()) return line.status();
    port_ = std::stoi(testing::FieldOf(*line, "port"));
    admin_port_ = std::stoi(testing::FieldOf(*line, "admin_port"));
    absl::StatusOr<tls::Fingerprint> fp =
        tls::ParseFingerprint(testing::FieldOf(*line, "fingerprint"));
    if (!fp.ok()) return fp.status();
    fingerprint_ = *fp;
    return absl::OkStatus();
  }

  // SIGTERM and a clean exit.
  absl::StatusOr<int> Stop() {
    proc_->Signal(SIGTERM);
    return proc_->Wait(absl::Seconds(30));
  }

  client::ConnectOptions Options() const {
    return {.host = "127.0.0.1",
            .port = static_cast<uint16_t>(port_),
            .key_hash = fingerprint_,
            .connect_timeout = absl::Seconds(10),
            .io_timeout = absl::Seconds(10)};
  }
  std::unique_ptr<NtfClient> Connect(client::ConnectOptions o) const {
    absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  std::unique_ptr<NtfClient> Connect() const { return Connect(Options()); }
  int admin_port() const { return admin_port_; }

 private:
  std::string dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<testing::Subprocess> proc_;
  int port_ = 0;
  int admin_port_ = 0;
  tls::Fingerprint fingerprint_{};
};

class IntakeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<pg::testing::TestSchema>> schema =
        pg::testing::TestSchema::Create("intake");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    const char* redis_url = std::getenv("NTF_REDIS_URL");
    ASSERT_NE(redis_url, nullptr) << "NTF_REDIS_URL unset: run scripts/local-stack.sh start";
    redis_url_ = redis_url;
    stream_ = "ntf:push:test:" + pg::testing::UniqueName("s");
    auto pool = pg::Pool::Create(schema_->MakePoolOptions(1));
    ASSERT_TRUE(pool.ok());
    pool_ = *std::move(pool);
    redis::ConnectionOptions redis_options;
    redis_options.url = redis_url_;
    auto redis = redis::HiredisStreamClient::Create(std::move(redis_options));
    ASSERT_TRUE(redis.ok());
    redis_ = *std::move(redis);
    intake_ = std::make_unique<IntakeProcess>(schema_->conninfo(), redis_url_, stream_);
    ASSERT_TRUE(intake_->Start().ok());
  }

  void TearDown() override {
    if (redis_) (void)redis_->Command({"DEL", stream_}, {});
  }

  // The verification jobs on the push stream, as token ids, in order.
  std::vector<Bytes> VerificationJobs() {
    std::vector<Bytes> out;
    auto reply = redis_->Command({"XRANGE", stream_, "-", "+"}, {});
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok()) return out;
    for (const redis::Reply& entry : reply->elements) {
      const redis::Reply& fields = entry.elements.at(1);
      for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        if (fields.elements[i].str != "job") continue;
        push::v1::PushJob job;
        EXPECT_TRUE(job.ParseFromString(fields.elements[i + 1].str));
        EXPECT_EQ(job.kind(), push::v1::PUSH_KIND_VERIFICATION);
        EXPECT_FALSE(job.job_id().empty());
        out.emplace_back(job.token_id().begin(), job.token_id().end());
      }
    }
    return out;
  }

  // What the pusher would push: the registration code stored for the token.
  Bytes RegCode(const Bytes& token_id) {
    auto code = pool_->Run([&](pqxx::work& tx) {
      pqxx::binarystring b(tx.exec_params("SELECT reg_code FROM tokens WHERE token_id = $1",
                                          pqxx::binarystring(token_id.data(), token_id.size()))
                               .at(0)
                               .at(0));
      return Bytes(b.data(), b.data() + b.size());
    });
    EXPECT_TRUE(code.ok()) << code.status();
    return code.ok() ? *code : Bytes{};
  }

  AgentToken NewToken(std::string device = "0123456789abcdef") {
    return *AgentToken::Generate(
        {.provider = wire::PushProvider::kApnsTest, .token = wire::ToBytes(device)});
  }

  // TNEW + TVFY; returns the token.
  AgentToken ActiveToken(NtfClient& c, std::string device = "0123456789abcdef") {
    AgentToken t = NewToken(device);
    auto idtkn = c.Tnew(*t.MakeTnew(), t.verify_key());
    EXPECT_TRUE(idtkn.ok() && idtkn->ok());
    EXPECT_TRUE(t.OnRegistered(idtkn->value()).ok());
    auto ok = c.Tvfy(t.token_id(), RegCode(t.token_id()), t.verify_key());
    EXPECT_TRUE(ok.ok() && ok->ok());
    return t;
  }

  wire::SnewCommand Snew(const AgentToken& t, const crypto::PrivateKey& notifier, uint8_t nid) {
    return {.token_id = t.token_id(),
            .smp_server = {.hosts = {"smp1.example.com"}, .port = "", .key_hash = Bytes(32, 3)},
            .notifier_id = Bytes(24, nid),
            .notifier_key = crypto::EncodePkcs8(notifier)};
  }

  std::unique_ptr<pg::testing::TestSchema> schema_;
  std::string redis_url_;
  std::string stream_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::HiredisStreamClient> redis_;
  std::unique_ptr<IntakeProcess> intake_;
};

template <typename T>
std::optional<ErrorCode> ErrOf(const absl::StatusOr<client::Answer<T>>& a) {
  EXPECT_TRUE(a.ok()) << a.status();
  if (!a.ok() || a->ok()) return std::nullopt;
  return a->error().code;
}

TEST_F(IntakeProcessTest, TokenAndSubscriptionLifecycle) {
  auto c = intake_->Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->version(), 3);
  AgentToken t = NewToken();
  auto idtkn = c->Tnew(*t.MakeTnew(), t.verify_key());
  ASSERT_TRUE(idtkn.ok() && idtkn->ok());
  ASSERT_TRUE(t.OnRegistered(idtkn->value()).ok());
  // The verification push job is on the stream, for this token.
  EXPECT_EQ(VerificationJobs(), std::vector<Bytes>{t.token_id()});
  EXPECT_EQ(c->Tchk(t.token_id(), t.verify_key())->value().state, wire::TokenState::kRegistered);

  ASSERT_FALSE(ErrOf(c->Tvfy(t.token_id(), RegCode(t.token_id()), t.verify_key())));
  EXPECT_EQ(c->Tchk(t.token_id(), t.verify_key())->value().state, wire::TokenState::kActive);
  EXPECT_FALSE(ErrOf(c->Tcrn(t.token_id(), 20, t.verify_key())));
  EXPECT_EQ(ErrOf(c->Tcrn(t.token_id(), 10, t.verify_key())), ErrorCode::kQuota);

  auto notifier = *crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);
  auto sub = c->Snew(Snew(t, notifier, 1), t.verify_key());
  ASSERT_TRUE(sub.ok() && sub->ok());
  auto again = c->Snew(Snew(t, notifier, 1), t.verify_key());
  EXPECT_EQ(again->value(), sub->value()) << "SNEW retry is idempotent";
  EXPECT_EQ(c->Schk(sub->value(), t.verify_key())->value().state, wire::SubscriptionState::kNew);
  EXPECT_FALSE(ErrOf(c->Sdel(sub->value(), t.verify_key())));
  EXPECT_EQ(ErrOf(c->Schk(sub->value(), t.verify_key())), ErrorCode::kAuth);

  // TRPL: new device token, new verification push, same token id.
  wire::DeviceToken fcm{.provider = wire::PushProvider::kFcm, .token = wire::ToBytes("fcm:abc")};
  EXPECT_FALSE(ErrOf(c->Trpl(t.token_id(), fcm, t.verify_key())));
  EXPECT_EQ(VerificationJobs().size(), 2u);
  EXPECT_EQ(c->Tchk(t.token_id(), t.verify_key())->value().state, wire::TokenState::kRegistered);

  EXPECT_FALSE(ErrOf(c->Tdel(t.token_id(), t.verify_key())));
  EXPECT_EQ(ErrOf(c->Tchk(t.token_id(), t.verify_key())), ErrorCode::kAuth);
}

TEST_F(IntakeProcessTest, ErrorPaths) {
  auto c = intake_->Connect();
  ASSERT_NE(c, nullptr);
  AgentToken t = ActiveToken(*c);
  auto stranger = *crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);

  // Wrong signature, wrong entity.
  EXPECT_EQ(ErrOf(c->Tchk(t.token_id(), stranger)), ErrorCode::kAuth);
  EXPECT_EQ(ErrOf(c->Tchk(Bytes(24, 0x77), t.verify_key())), ErrorCode::kAuth);

  auto replies = c->Send({
      {.command = wire::TchkCommand{}, .entity_id = t.token_id()},                       // unsigned
      {.command = *t.MakeTnew(), .entity_id = Bytes(24, 1), .signer = &t.verify_key()},  // entity
      {.command = wire::PingCommand{}, .signer = &t.verify_key()},  // signed PING
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  std::map<size_t, wire::ErrorType> errors;
  for (const client::Reply& r : *replies) {
    ASSERT_TRUE(r.request.has_value());
    const auto* err = std::get_if<wire::ErrResponse>(r.response());
    ASSERT_NE(err, nullptr);
    errors[*r.request] = err->error;
  }
  EXPECT_EQ(errors[0], wire::ErrorType::Cmd(wire::CmdError::kNoAuth));
  EXPECT_EQ(errors[1], wire::ErrorType::Cmd(wire::CmdError::kHasAuth));
  EXPECT_EQ(errors[2], wire::ErrorType::Cmd(wire::CmdError::kHasAuth));

  // Unknown command.
  auto unknown = c->SendRawCommandsForTest(
      {{.command = wire::ToBytes("TXXX"), .entity_id = t.token_id(), .signer = &t.verify_key()}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(std::get<wire::ErrResponse>(*unknown->at(0).response()).error,
            wire::ErrorType::Cmd(wire::CmdError::kUnknown));

  // A malformed block: a length prefix past the end.
  Bytes bad(wire::kNtfBlockSize, '#');
  bad[0] = 0x7f;
  auto block = c->SendRawBlockForTest(bad);
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_EQ(std::get<wire::ErrResponse>(*block->at(0).response()).error.code, ErrorCode::kBlock);
  // The connection survives all of this.
  EXPECT_TRUE(c->Ping().ok());
}

TEST_F(IntakeProcessTest, WrongKeyHashInClientHelloIsDropped) {
  client::ConnectOptions o = intake_->Options();
  o.hello_key_hash_for_test = Bytes(32, 0xEE);
  absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(o);
  // The server closes the connection after the client hello: the first exchange fails.
  if (c.ok()) {
    EXPECT_FALSE((*c)->Ping().ok());
  }
  auto metrics = testing::HttpGet(intake_->admin_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("ntf_intake_handshake_failures_total{reason=\"wrong_key_hash\"} 1"),
            std::string::npos);
}

TEST_F(IntakeProcessTest, EveryVersionWorks) {
  for (uint16_t max : {1, 2, 3}) {
    client::ConnectOptions o = intake_->Options();
    o.versions = {1, max};
    auto c = intake_->Connect(o);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->version(), max);
    AgentToken t = ActiveToken(*c, "dev" + std::to_string(max));
    auto status = c->Tchk(t.token_id(), t.verify_key());
    ASSERT_TRUE(status.ok() && status->ok());
    EXPECT_EQ(status->value().state, wire::TokenState::kActive);
  }
  // No ALPN: the server offers version 1 only, and it works.
  client::ConnectOptions legacy = intake_->Options();
  legacy.alpn = false;
  auto c = intake_->Connect(legacy);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->server_versions(), (wire::VersionRange{1, 1}));
  EXPECT_EQ(c->version(), 1);
  EXPECT_TRUE(c->Ping().ok());
}

TEST_F(IntakeProcessTest, InvalidReasonOnlyForVersion3) {
  auto c3 = intake_->Connect();
  AgentToken t = ActiveToken(*c3);
  ASSERT_TRUE(pool_
                  ->Run([&](pqxx::work& tx) {
                    tx.exec_params("UPDATE tokens SET status = 'INVALID,BAD' WHERE token_id = $1",
                                   pqxx::binarystring(t.token_id().data(), t.token_id().size()));
                  })
                  .ok());
  auto v3 = c3->Tchk(t.token_id(), t.verify_key());
  EXPECT_EQ(v3->value().reason, wire::InvalidReason::kBad);
  client::ConnectOptions o = intake_->Options();
  o.versions = {1, 2};
  auto c2 = intake_->Connect(o);
  auto v2 = c2->Tchk(t.token_id(), t.verify_key());
  EXPECT_EQ(v2->value().state, wire::TokenState::kInvalid);
  EXPECT_FALSE(v2->value().reason.has_value());
}

TEST_F(IntakeProcessTest, FiftyCommandsInOneBlockAreAnsweredInOrder) {
  auto c = intake_->Connect();
  ASSERT_NE(c, nullptr);
  // 50 PINGs with 1-byte correlation ids fit one 512-byte block (2 + 1 + 50 * (2 + 5) bytes).
  std::vector<Bytes> items;
  for (uint8_t i = 0; i < 50; ++i) {
    items.push_back(*wire::EncodeTransmission({.corr_id = {i}, .command = wire::ToBytes("PING")},
                                              {}, c->session_params().format()));
  }
  Bytes block = *wire::PadBlock(*wire::EncodeBatch(items), wire::kNtfBlockSize);
  auto replies = c->SendRawBlockForTest(block, 50);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 50u);
  for (uint8_t i = 0; i < 50; ++i) {
    EXPECT_EQ(replies->at(i).corr_id, Bytes{i});
    EXPECT_TRUE(std::holds_alternative<wire::PongResponse>(*replies->at(i).response()));
  }
}

TEST_F(IntakeProcessTest, RestartKeepsTokensAndSubscriptions) {
  AgentToken t = NewToken();
  Bytes sub_id;
  {
    auto c = intake_->Connect();
    t = ActiveToken(*c);
    auto notifier = *crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);
    auto sub = c->Snew(Snew(t, notifier, 9), t.verify_key());
    ASSERT_TRUE(sub.ok() && sub->ok());
    sub_id = sub->value();
  }
  auto code = intake_->Stop();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << "clean exit on SIGTERM";
  ASSERT_TRUE(intake_->Start().ok());
  auto c = intake_->Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Tchk(t.token_id(), t.verify_key())->value().state, wire::TokenState::kActive);
  EXPECT_EQ(c->Schk(sub_id, t.verify_key())->value().state, wire::SubscriptionState::kNew);
}

TEST_F(IntakeProcessTest, HealthAndMetricsEndpoints) {
  auto ready = testing::HttpGet(intake_->admin_port(), "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(testing::HttpGet(intake_->admin_port(), "/healthz")->status, 200);
  auto c = intake_->Connect();
  ActiveToken(*c);
  auto metrics = testing::HttpGet(intake_->admin_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("ntf_intake_commands_total{command=\"TNEW\",result=\"ok\"} 1"),
            std::string::npos)
      << metrics->body.substr(0, 2000);
  EXPECT_NE(metrics->body.find("ntf_intake_commands_total{command=\"TVFY\",result=\"ok\"} 1"),
            std::string::npos);
}

// A private PostgreSQL + Redis (scripts/local-stack.sh with its own run directory), because this
// test stops the database. TearDown stops it whatever happened.
class IntakeOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_dir_ = TempDir("stack");
    ASSERT_EQ(Stack("start"), 0);
    std::ifstream in(run_dir_ + "/stack.env");
    std::string line;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  void TearDown() override {
    EXPECT_EQ(Stack("stop"), 0);
    std::filesystem::remove_all(run_dir_);
  }
  int Stack(const std::string& cmd) const {
    return std::system(("NTF_RUN_DIR=" + run_dir_ + " " + NTF_SOURCE_DIR +
                        "/scripts/local-stack.sh " + cmd + " >/dev/null 2>&1")
                           .c_str());
  }

  std::string run_dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(IntakeOutageTest, DatabaseStopsThenRecoversWithoutRestart) {
  IntakeProcess intake(env_["NTF_DATABASE_URL"], env_["NTF_REDIS_URL"], "ntf:push");
  ASSERT_TRUE(intake.Start().ok());
  auto c = intake.Connect();
  ASSERT_NE(c, nullptr);
  AgentToken t = *AgentToken::Generate(
      {.provider = wire::PushProvider::kApnsNull, .token = wire::ToBytes("test_ntf_token")});
  auto idtkn = c->Tnew(*t.MakeTnew(), t.verify_key());
  ASSERT_TRUE(idtkn.ok() && idtkn->ok());

  ASSERT_EQ(Stack("pg-stop"), 0);
  EXPECT_EQ(ErrOf(c->Tchk(idtkn->value().token_id, t.verify_key())), ErrorCode::kStore);
  EXPECT_TRUE(c->Ping().ok()) << "PING needs no database";
  auto ready = testing::HttpGet(intake.admin_port(), "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503) << ready->body;

  ASSERT_EQ(Stack("pg-start"), 0);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    auto status = c->Tchk(idtkn->value().token_id, t.verify_key());
    ASSERT_TRUE(status.ok()) << status.status();
    recovered = status->ok();
    if (!recovered) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(recovered) << "intake did not recover after PostgreSQL came back";
  EXPECT_EQ(testing::HttpGet(intake.admin_port(), "/readyz")->status, 200);
  EXPECT_EQ(*intake.Stop(), 0);
}

}  // namespace
}  // namespace ntf
