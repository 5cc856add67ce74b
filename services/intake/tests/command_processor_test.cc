#include "services/intake/src/command_processor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "ntf/crypto/auth.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"
#include "ntf/store/memory_store.h"
#include "services/intake/tests/fakes.h"

namespace ntf::intake {
namespace {

using wire::Bytes;
using wire::ErrorCode;

crypto::PrivateKey Key(crypto::KeyAlgorithm alg) { return *crypto::GenerateKeyPair(alg); }
Bytes Spki(const crypto::PrivateKey& k) { return *crypto::EncodeSpki(k.public_key()); }

// Plays a SimpleX agent: signs commands with its token key and runs them through the real block
// codec, so the processor sees exactly what a connection would hand it.
class ProcessorTest : public ::testing::Test {
 protected:
  ProcessorTest()
      : metrics_(registry_),
        processor_(queue_, events_, metrics_),
        session_key_(Key(crypto::KeyAlgorithm::kX25519)) {
    SetVersion(3);
  }

  void SetVersion(uint16_t v) {
    session_.params = wire::MakeSessionParams(v, Bytes(32, 0x5a));
    session_.session_key = v >= 2 ? &session_key_ : nullptr;
  }

  // Sends one command signed by `signer` (nullptr = unsigned) and returns the response.
  wire::OutgoingResponse Send(const wire::Command& command, const Bytes& entity,
                              const crypto::PrivateKey* signer) {
    return SendMany({{command, entity, signer}})[0];
  }

  struct Item {
    wire::Command command;
    Bytes entity;
    const crypto::PrivateKey* signer;
  };
  std::vector<wire::OutgoingResponse> SendMany(const std::vector<Item>& items) {
    std::vector<wire::Transmission> ts;
    for (const Item& item : items) {
      wire::Transmission t{.corr_id = crypto::RandomId(),
                           .entity_id = item.entity,
                           .command = *wire::EncodeCommand(item.command)};
      if (item.signer != nullptr) {
        Bytes authorized =
            *wire::BytesToAuthorize(session_.params.session_id, t.corr_id, t.entity_id, t.command);
        t.auth =
            *crypto::Authorize(*item.signer, &session_key_.public_key(), t.corr_id, authorized);
      }
      ts.push_back(std::move(t));
    }
    std::vector<Bytes> blocks = *wire::EncodeClientBlocks(ts, session_.params);
    std::vector<wire::OutgoingResponse> out;
    for (const Bytes& block : blocks) {
      BlockOutcome outcome =
          processor_.Execute(store_, session_, wire::DecodeClientBlock(block, session_.params));
      for (auto& r : processor_.Finish(std::move(outcome), commit_status_)) {
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  static std::optional<ErrorCode> ErrorOf(const wire::OutgoingResponse& r) {
    if (const auto* e = std::get_if<wire::ErrResponse>(&r.response)) return e->error.code;
    return std::nullopt;
  }

  wire::TnewCommand Tnew(const crypto::PrivateKey& verify, const crypto::PrivateKey& dh,
                         std::string device = "abcdef0123") {
    return {
        .device_token = {.provider = wire::PushProvider::kApnsTest, .token = wire::ToBytes(device)},
        .verify_key = Spki(verify),
        .dh_key = Spki(dh)};
  }

  // Registers and verifies a token; returns its id.
  Bytes ActiveToken(const crypto::PrivateKey& verify, const crypto::PrivateKey& dh,
                    std::string device = "abcdef0123") {
    auto r = Send(Tnew(verify, dh, device), {}, &verify);
    const auto& id = std::get<wire::IdtknResponse>(r.response).token_id;
    const store::Token token = **store_.GetToken(id);
    EXPECT_FALSE(ErrorOf(Send(wire::TvfyCommand{.reg_code = token.reg_code}, id, &verify)));
    return id;
  }

  wire::SnewCommand Snew(const Bytes& token_id, const crypto::PrivateKey& notifier,
                         uint8_t nid = 1) {
    return {.token_id = token_id,
            .smp_server = {.hosts = {"smp.example.com"}, .port = "", .key_hash = Bytes(32, 7)},
            .notifier_id = Bytes(24, nid),
            .notifier_key = crypto::EncodePkcs8(notifier)};
  }

  prometheus::Registry registry_;
  IntakeMetrics metrics_;
  store::MemoryStore store_;
  FakePushJobQueue queue_;
  FakeSubscriptionEvents events_;
  CommandProcessor processor_;
  crypto::PrivateKey session_key_;
  SessionContext session_;
  absl::Status commit_status_;  // what the "transaction" of each block ends with
  crypto::PrivateKey verify_ = Key(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey dh_ = Key(crypto::KeyAlgorithm::kX25519);
};

TEST_F(ProcessorTest, TnewRegistersTokenAndQueuesVerification) {
  auto r = Send(Tnew(verify_, dh_), {}, &verify_);
  ASSERT_FALSE(ErrorOf(r));
  const auto& idtkn = std::get<wire::IdtknResponse>(r.response);
  EXPECT_EQ(idtkn.token_id.size(), 24u);
  EXPECT_TRUE(r.entity_id.empty());
  store::Token token = **store_.GetToken(idtkn.token_id);
  EXPECT_EQ(token.status.state, store::TokenState::kRegistered);
  EXPECT_EQ(token.reg_code.size(), 32u);
  // The server's DH key in IDTKN gives the client the same secret the server stored.
  crypto::DhSecret client_secret =
      *crypto::ComputeDhSecret(*crypto::DecodePublicKeySpki(idtkn.server_dh_key), dh_);
  EXPECT_TRUE(crypto::ConstantTimeEquals(client_secret.raw(), token.dh_secret));
  EXPECT_THAT(queue_.verifications(), ::testing::ElementsAre(idtkn.token_id));
}

TEST_F(ProcessorTest, TnewRetryIsIdempotentAndResendsTheSameCode) {
  auto first = std::get<wire::IdtknResponse>(Send(Tnew(verify_, dh_), {}, &verify_).response);
  const Bytes code = (*store_.GetToken(first.token_id))->reg_code;
  auto again = std::get<wire::IdtknResponse>(Send(Tnew(verify_, dh_), {}, &verify_).response);
  EXPECT_EQ(again, first);
  EXPECT_EQ((*store_.GetToken(first.token_id))->reg_code, code);
  EXPECT_EQ(queue_.verifications().size(), 2u);
  EXPECT_EQ(store_.TokenCountForTest(), 1u);
}

TEST_F(ProcessorTest, TnewRetryWithAnotherDhKeyIsRefused) {
  Send(Tnew(verify_, dh_), {}, &verify_);
  auto other_dh = Key(crypto::KeyAlgorithm::kX25519);
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, other_dh), {}, &verify_)), ErrorCode::kAuth);
}

TEST_F(ProcessorTest, TnewSignedByAnotherKeyIsRefused) {
  auto other = Key(crypto::KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, dh_), {}, &other)), ErrorCode::kAuth);
  EXPECT_EQ(store_.TokenCountForTest(), 0u);
}

TEST_F(ProcessorTest, CredentialRulesComeFromTheCodec) {
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, dh_), {}, nullptr)), ErrorCode::kCmd);  // NO_AUTH
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, dh_), Bytes(24, 1), &verify_)), ErrorCode::kCmd);
  EXPECT_EQ(ErrorOf(Send(wire::PingCommand{}, {}, &verify_)), ErrorCode::kCmd);  // HAS_AUTH
  auto pong = Send(wire::PingCommand{}, {}, nullptr);
  EXPECT_TRUE(std::holds_alternative<wire::PongResponse>(pong.response));
}

TEST_F(ProcessorTest, TvfyActivatesWithTheRightCodeOnly) {
  Bytes id =
      std::get<wire::IdtknResponse>(Send(Tnew(verify_, dh_), {}, &verify_).response).token_id;
  EXPECT_EQ(ErrorOf(Send(wire::TvfyCommand{.reg_code = Bytes(32, 0)}, id, &verify_)),
            ErrorCode::kAuth);
  const Bytes code = (*store_.GetToken(id))->reg_code;
  auto ok = Send(wire::TvfyCommand{.reg_code = code}, id, &verify_);
  EXPECT_TRUE(std::holds_alternative<wire::OkResponse>(ok.response));
  EXPECT_EQ(ok.entity_id, id);
  EXPECT_EQ((*store_.GetToken(id))->status.state, store::TokenState::kActive);
  // A repeated TVFY (lost response) is fine.
  EXPECT_FALSE(ErrorOf(Send(wire::TvfyCommand{.reg_code = code}, id, &verify_)));
}

TEST_F(ProcessorTest, TvfyRemovesOtherRegistrationsOfTheDevice) {
  auto old_key = Key(crypto::KeyAlgorithm::kEd25519);
  Bytes old_id = ActiveToken(old_key, dh_);
  auto notifier = Key(crypto::KeyAlgorithm::kEd25519);
  ASSERT_FALSE(ErrorOf(Send(Snew(old_id, notifier), {}, &old_key)));
  Bytes new_id = ActiveToken(verify_, dh_);
  EXPECT_FALSE(store_.GetToken(old_id)->has_value());
  EXPECT_TRUE(store_.GetToken(new_id)->has_value());
  EXPECT_EQ(events_.unsubscribed().size(), 1u);
}

TEST_F(ProcessorTest, TchkReportsStatusWithReasonOnlyForV3) {
  Bytes id = ActiveToken(verify_, dh_);
  ASSERT_TRUE(store_
                  .SetTokenStatus(id, {.state = store::TokenState::kInvalid,
                                       .reason = wire::InvalidReason::kBad})
                  .ok());
  auto r = Send(wire::TchkCommand{}, id, &verify_);
  auto tkn = std::get<wire::TknResponse>(r.response);
  EXPECT_EQ(tkn.status.state, store::TokenState::kInvalid);
  EXPECT_EQ(*wire::EncodeResponse(r.response, 3), wire::ToBytes("TKN INVALID,BAD"));
  EXPECT_EQ(*wire::EncodeResponse(r.response, 2), wire::ToBytes("TKN INVALID"));
}

TEST_F(ProcessorTest, TokenCommandsOnUnknownTokenAreAuthErrors) {
  for (const wire::Command& c : std::vector<wire::Command>{
           wire::TchkCommand{}, wire::TdelCommand{}, wire::TcrnCommand{.interval_minutes = 20},
           wire::TvfyCommand{.reg_code = Bytes(32, 1)}}) {
    EXPECT_EQ(ErrorOf(Send(c, Bytes(24, 9), &verify_)), ErrorCode::kAuth);
  }
}

TEST_F(ProcessorTest, TrplKeepsIdentityAndQueuesVerificationToTheNewDevice) {
  Bytes id = ActiveToken(verify_, dh_);
  const store::Token before = **store_.GetToken(id);
  wire::TrplCommand trpl{.device_token = {.provider = wire::PushProvider::kFcm,
                                          .token = wire::ToBytes("fcm-registration")}};
  EXPECT_FALSE(ErrorOf(Send(trpl, id, &verify_)));
  const store::Token after = **store_.GetToken(id);
  EXPECT_EQ(after.device, trpl.device_token);
  EXPECT_EQ(after.status.state, store::TokenState::kRegistered);
  EXPECT_NE(after.reg_code, before.reg_code);
  EXPECT_EQ(after.dh_secret, before.dh_secret);
  EXPECT_EQ(queue_.verifications().back(), id);
}

TEST_F(ProcessorTest, TcrnAcceptsZeroOrAtLeastTwenty) {
  Bytes id = ActiveToken(verify_, dh_);
  EXPECT_FALSE(ErrorOf(Send(wire::TcrnCommand{.interval_minutes = 20}, id, &verify_)));
  EXPECT_EQ((*store_.GetToken(id))->cron_interval, 20);
  EXPECT_EQ(ErrorOf(Send(wire::TcrnCommand{.interval_minutes = 19}, id, &verify_)),
            ErrorCode::kQuota);
  EXPECT_EQ(ErrorOf(Send(wire::TcrnCommand{.interval_minutes = 1}, id, &verify_)),
            ErrorCode::kQuota);
  EXPECT_FALSE(ErrorOf(Send(wire::TcrnCommand{.interval_minutes = 0}, id, &verify_)));
  EXPECT_EQ((*store_.GetToken(id))->cron_interval, 0);
}

TEST_F(ProcessorTest, SubscriptionLifecycle) {
  Bytes id = ActiveToken(verify_, dh_);
  auto notifier = Key(crypto::KeyAlgorithm::kEd25519);
  auto r = Send(Snew(id, notifier), {}, &verify_);
  ASSERT_FALSE(ErrorOf(r));
  Bytes sub_id = std::get<wire::IdsubResponse>(r.response).subscription_id;
  EXPECT_EQ(events_.subscribed().size(), 1u);
  // Idempotent retry.
  auto again = Send(Snew(id, notifier), {}, &verify_);
  EXPECT_EQ(std::get<wire::IdsubResponse>(again.response).subscription_id, sub_id);
  EXPECT_EQ(events_.subscribed().size(), 1u);
  // Same queue, another key: refused.
  auto other_notifier = Key(crypto::KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrorOf(Send(Snew(id, other_notifier), {}, &verify_)), ErrorCode::kAuth);

  auto chk = Send(wire::SchkCommand{}, sub_id, &verify_);
  EXPECT_EQ(std::get<wire::SubResponse>(chk.response).status.state, store::SubscriptionState::kNew);
  EXPECT_FALSE(ErrorOf(Send(wire::SdelCommand{}, sub_id, &verify_)));
  EXPECT_EQ(events_.unsubscribed().size(), 1u);
  EXPECT_EQ(ErrorOf(Send(wire::SchkCommand{}, sub_id, &verify_)), ErrorCode::kAuth);
}

TEST_F(ProcessorTest, SubscriptionOfAnotherTokenIsRefused) {
  Bytes mine = ActiveToken(verify_, dh_);
  auto other_key = Key(crypto::KeyAlgorithm::kEd25519);
  Bytes theirs = ActiveToken(other_key, dh_, "fedcba");
  auto notifier = Key(crypto::KeyAlgorithm::kEd25519);
  Bytes sub_id = std::get<wire::IdsubResponse>(Send(Snew(mine, notifier), {}, &verify_).response)
                     .subscription_id;
  // Another token cannot claim the same queue, nor check or delete my subscription.
  EXPECT_EQ(ErrorOf(Send(Snew(theirs, notifier), {}, &other_key)), ErrorCode::kAuth);
  EXPECT_EQ(ErrorOf(Send(wire::SchkCommand{}, sub_id, &other_key)), ErrorCode::kAuth);
  EXPECT_EQ(ErrorOf(Send(wire::SdelCommand{}, sub_id, &other_key)), ErrorCode::kAuth);
}

TEST_F(ProcessorTest, SnewNeedsAVerifiedToken) {
  Bytes id =
      std::get<wire::IdtknResponse>(Send(Tnew(verify_, dh_), {}, &verify_).response).token_id;
  auto notifier = Key(crypto::KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrorOf(Send(Snew(id, notifier), {}, &verify_)), ErrorCode::kAuth);
}

TEST_F(ProcessorTest, TdelCascadesToSubscriptions) {
  Bytes id = ActiveToken(verify_, dh_);
  auto n1 = Key(crypto::KeyAlgorithm::kEd25519);
  auto n2 = Key(crypto::KeyAlgorithm::kEd25519);
  Send(Snew(id, n1, 1), {}, &verify_);
  Send(Snew(id, n2, 2), {}, &verify_);
  EXPECT_FALSE(ErrorOf(Send(wire::TdelCommand{}, id, &verify_)));
  EXPECT_EQ(store_.SubscriptionCountForTest(), 0u);
  EXPECT_EQ(events_.unsubscribed().size(), 2u);
}

TEST_F(ProcessorTest, X25519AuthenticatorsAndEd448SignaturesAreAccepted) {
  auto x_key = Key(crypto::KeyAlgorithm::kX25519);
  auto r = Send(Tnew(x_key, dh_, "aa"), {}, &x_key);
  ASSERT_FALSE(ErrorOf(r)) << "X25519 authenticator";
  auto ed448 = Key(crypto::KeyAlgorithm::kEd448);
  r = Send(Tnew(ed448, dh_, "bb"), {}, &ed448);
  ASSERT_FALSE(ErrorOf(r)) << "Ed448 signature";
}

TEST_F(ProcessorTest, Version1SessionsWork) {
  SetVersion(1);
  Bytes id = ActiveToken(verify_, dh_);
  auto r = Send(wire::TchkCommand{}, id, &verify_);
  EXPECT_EQ(std::get<wire::TknResponse>(r.response).status.state, store::TokenState::kActive);
}

TEST_F(ProcessorTest, BatchOfFiftyIsAnsweredInOrder) {
  Bytes id = ActiveToken(verify_, dh_);
  std::vector<Item> items;
  for (int i = 0; i < 50; ++i) items.push_back({wire::PingCommand{}, {}, nullptr});
  items[10] = {wire::TchkCommand{}, id, &verify_};
  auto out = SendMany(items);
  ASSERT_EQ(out.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    if (i == 10) {
      EXPECT_TRUE(std::holds_alternative<wire::TknResponse>(out[i].response));
    } else {
      EXPECT_TRUE(std::holds_alternative<wire::PongResponse>(out[i].response)) << i;
    }
  }
}

TEST_F(ProcessorTest, DeadStoreGivesStoreErrorsAndRecovers) {
  Bytes id = ActiveToken(verify_, dh_);
  store_.SetAvailableForTest(false);
  EXPECT_EQ(ErrorOf(Send(wire::TchkCommand{}, id, &verify_)), ErrorCode::kStore);
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, dh_, "cc"), {}, &verify_)), ErrorCode::kStore);
  EXPECT_TRUE(
      std::holds_alternative<wire::PongResponse>(Send(wire::PingCommand{}, {}, nullptr).response));
  store_.SetAvailableForTest(true);
  EXPECT_FALSE(ErrorOf(Send(wire::TchkCommand{}, id, &verify_)));
}

TEST_F(ProcessorTest, MetricsCountCommandsByResultAndOnlyCommittedEvents) {
  auto text = [&] { return prometheus::TextSerializer().Serialize(registry_.Collect()); };
  Send(Tnew(verify_, dh_), {}, &verify_);
  Send(wire::TchkCommand{}, Bytes(24, 1), &verify_);  // unknown token: AUTH
  Send(wire::PingCommand{}, {}, &verify_);            // signed PING: rejected before execution
  commit_status_ = absl::UnavailableError("lost");
  Send(Tnew(verify_, dh_, "other"), {}, &verify_);  // rolled back: not a created token
  const std::string m = text();
  EXPECT_NE(m.find(R"(ntf_intake_commands_total{command="TNEW",result="ok"} 1)"), std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(ntf_intake_commands_total{command="TNEW",result="STORE"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(ntf_intake_commands_total{command="TCHK",result="AUTH"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(ntf_intake_transmissions_rejected_total{error="CMD"} 1)"), std::string::npos);
  EXPECT_NE(m.find(R"(ntf_intake_entity_events_total{event="token_created"} 1)"),
            std::string::npos);
}

TEST_F(ProcessorTest, FailedCommitTurnsAnswersIntoStoreErrorsWithoutSideEffects) {
  commit_status_ = absl::UnavailableError("connection lost at commit");
  auto r = Send(Tnew(verify_, dh_), {}, &verify_);
  EXPECT_EQ(ErrorOf(r), ErrorCode::kStore);
  EXPECT_TRUE(r.entity_id.empty());
  EXPECT_TRUE(queue_.verifications().empty());
  EXPECT_TRUE(
      std::holds_alternative<wire::PongResponse>(Send(wire::PingCommand{}, {}, nullptr).response));
}

TEST_F(ProcessorTest, DeadPushQueueFailsTnewSoTheClientRetries) {
  queue_.SetAvailable(false);
  EXPECT_EQ(ErrorOf(Send(Tnew(verify_, dh_), {}, &verify_)), ErrorCode::kInternal);
  queue_.SetAvailable(true);
  auto r = Send(Tnew(verify_, dh_), {}, &verify_);
  EXPECT_FALSE(ErrorOf(r));
  EXPECT_EQ(store_.TokenCountForTest(), 1u);
}

}  // namespace
}  // namespace ntf::intake
