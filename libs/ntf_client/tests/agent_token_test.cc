#include "ntf/client/agent_token.h"

#include <gtest/gtest.h>

#include "ntf/crypto/primitives.h"

namespace ntf::client {
namespace {

using crypto::KeyAlgorithm;
using wire::Bytes;

const wire::DeviceToken kDevice{.provider = wire::PushProvider::kApnsTest,
                                .token = wire::ToBytes("0123456789abcdef")};

// The server's side of TNEW: a per-token X25519 key, and the secret it keeps.
struct ServerSide {
  crypto::PrivateKey key = *crypto::GenerateKeyPair(KeyAlgorithm::kX25519);

  wire::IdtknResponse Idtkn(const Bytes& token_id) const {
    return {.token_id = token_id, .server_dh_key = *crypto::EncodeSpki(key.public_key())};
  }
  crypto::DhSecret Secret(const wire::TnewCommand& tnew) const {
    return *crypto::ComputeDhSecret(*crypto::DecodePublicKeySpki(tnew.dh_key), key);
  }
};

TEST(AgentTokenTest, GeneratesKeysOfEachAuthAlgorithm) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kEd25519, KeyAlgorithm::kEd448, KeyAlgorithm::kX25519}) {
    absl::StatusOr<AgentToken> token = AgentToken::Generate(kDevice, alg);
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(token->verify_key().alg(), alg);
    EXPECT_EQ(token->dh_key().alg(), KeyAlgorithm::kX25519);
    EXPECT_EQ(token->device_token(), kDevice);
    EXPECT_FALSE(token->registered());
    EXPECT_TRUE(token->token_id().empty());
    EXPECT_EQ(token->dh_secret(), nullptr);
  }
  EXPECT_EQ(AgentToken::Generate(kDevice, KeyAlgorithm::kX448).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AgentTokenTest, DefaultVerifyKeyIsEd25519) {
  EXPECT_EQ(AgentToken::Generate(kDevice)->verify_key().alg(), KeyAlgorithm::kEd25519);
}

TEST(AgentTokenTest, TnewCarriesDeviceAndPublicKeys) {
  AgentToken token = *AgentToken::Generate(kDevice);
  absl::StatusOr<wire::TnewCommand> tnew = token.MakeTnew();
  ASSERT_TRUE(tnew.ok()) << tnew.status();
  EXPECT_EQ(tnew->device_token, kDevice);
  EXPECT_EQ(*crypto::DecodePublicKeySpki(tnew->verify_key), token.verify_key().public_key());
  EXPECT_EQ(*crypto::DecodePublicKeySpki(tnew->dh_key), token.dh_key().public_key());
  EXPECT_EQ(tnew->verify_key.size(), 44u);  // Ed25519 SPKI
}

TEST(AgentTokenTest, FromKeysChecksAlgorithms) {
  crypto::PrivateKey ed = *crypto::PrivateKey::FromRaw(KeyAlgorithm::kEd25519, Bytes(32, 1));
  crypto::PrivateKey x = *crypto::PrivateKey::FromRaw(KeyAlgorithm::kX25519, Bytes(32, 2));
  crypto::PrivateKey x448 = *crypto::GenerateKeyPair(KeyAlgorithm::kX448);
  absl::StatusOr<AgentToken> token = AgentToken::FromKeys(kDevice, ed, x);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->verify_key().public_key(), ed.public_key());
  EXPECT_EQ(AgentToken::FromKeys(kDevice, ed, ed).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AgentToken::FromKeys(kDevice, x448, x).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AgentTokenTest, RegistrationAgreesOnTheServersSecret) {
  AgentToken token = *AgentToken::Generate(kDevice);
  const ServerSide server;
  const Bytes id = crypto::RandomId();
  ASSERT_TRUE(token.OnRegistered(server.Idtkn(id)).ok());
  EXPECT_TRUE(token.registered());
  EXPECT_EQ(token.token_id(), id);
  ASSERT_NE(token.dh_secret(), nullptr);
  const crypto::DhSecret expected = server.Secret(*token.MakeTnew());
  EXPECT_TRUE(crypto::ConstantTimeEquals(token.dh_secret()->raw(), expected.raw()));

  // A verification push encrypted by the server side decrypts to its code.
  const Bytes code = crypto::RandomBytes(kRegCodeSize);
  const crypto::CbNonce nonce = crypto::RandomNonce();
  const std::string box = wire::Base64UrlEncode(
      *crypto::BoxEncryptPadded(expected, nonce, code, kReferencePushPaddedLength));
  absl::StatusOr<Bytes> decrypted = token.DecryptVerification(wire::Base64UrlEncode(nonce), box);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, code);
}

TEST(AgentTokenTest, DecryptsMessagesWithItsSecret) {
  AgentToken token = *AgentToken::Generate(kDevice);
  const ServerSide server;
  ASSERT_TRUE(token.OnRegistered(server.Idtkn(crypto::RandomId())).ok());
  const std::string text = "smp://" + wire::Base64UrlEncode(Bytes(32, 9)) + "@localhost:5001/" +
                           wire::Base64UrlEncode(Bytes(24, 5)) + " 1700000000 " +
                           wire::Base64UrlEncode(crypto::RandomNonce()) + " " +
                           wire::Base64UrlEncode(Bytes(144, 6));
  const crypto::CbNonce nonce = crypto::RandomNonce();
  const std::string box = wire::Base64UrlEncode(*crypto::BoxEncryptPadded(
      server.Secret(*token.MakeTnew()), nonce, wire::AsSpan(text), kReferencePushPaddedLength));
  absl::StatusOr<std::vector<PNMessageData>> messages =
      token.DecryptMessages(wire::Base64UrlEncode(nonce), box);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].notifier_id, Bytes(24, 5));
  EXPECT_EQ((*messages)[0].smp_server.hosts, std::vector<std::string>{"localhost"});
}

TEST(AgentTokenTest, DecryptionNeedsRegistration) {
  AgentToken token = *AgentToken::Generate(kDevice);
  EXPECT_EQ(token.DecryptVerification("a", "b").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(token.DecryptMessages("a", "b").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AgentTokenTest, RejectsBadServerKey) {
  AgentToken token = *AgentToken::Generate(kDevice);
  const crypto::PrivateKey ed = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(token
                .OnRegistered({.token_id = crypto::RandomId(),
                               .server_dh_key = *crypto::EncodeSpki(ed.public_key())})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      token.OnRegistered({.token_id = crypto::RandomId(), .server_dh_key = Bytes(44, 0)}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(token.OnRegistered(ServerSide().Idtkn({})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(token.registered());
}

TEST(AgentTokenTest, DeviceTokenCanBeReplaced) {
  AgentToken token = *AgentToken::Generate(kDevice);
  const wire::DeviceToken next{.provider = wire::PushProvider::kApnsProd,
                               .token = wire::ToBytes("ffff")};
  token.SetDeviceToken(next);
  EXPECT_EQ(token.device_token(), next);
  EXPECT_EQ(token.MakeTnew()->device_token, next);
}

}  // namespace
}  // namespace ntf::client
