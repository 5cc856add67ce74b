#include "ntf/crypto/sb_chain.h"

#include <gtest/gtest.h>

#include "ntf/crypto/primitives.h"
#include "test_vectors.h"

namespace ntf::crypto {
namespace {

using testing::Hex;
using testing::ToHex;

constexpr size_t kBlock = 16384;

class Tv5BlockEncryption : public ::testing::Test {
 protected:
  DhSecret ClientDh() const {
    PrivateKey client = *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kClientHelloPriv));
    PublicKey server{.alg = KeyAlgorithm::kX25519, .raw = Hex(testing::kServerSessionPub)};
    return *ComputeDhSecret(server, client);
  }
  DhSecret ServerDh() const {
    PrivateKey server =
        *PrivateKey::FromRaw(KeyAlgorithm::kX25519, Hex(testing::kServerSessionPriv));
    PublicKey client{.alg = KeyAlgorithm::kX25519, .raw = Hex(testing::kClientHelloPub)};
    return *ComputeDhSecret(client, server);
  }
  // The TV3 PING as batch content: count 01, large(transmission).
  static Bytes PingContent() {
    return Hex(std::string("01001f") + std::string(testing::kPingTransmission));
  }

  const Bytes session_id_ = Hex(testing::kSessionId);
};

TEST_F(Tv5BlockEncryption, DhSecretMatchesOnBothSides) {
  EXPECT_EQ(ToHex(ClientDh().raw()), testing::kHandshakeDh);
  EXPECT_EQ(ToHex(ServerDh().raw()), testing::kHandshakeDh);
}

TEST_F(Tv5BlockEncryption, InitialChainKeys) {
  auto keys = SbChainInitKeys(session_id_, ClientDh());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(ToHex((*keys)[0]), testing::kCk1);
  EXPECT_EQ(ToHex((*keys)[1]), testing::kCk2);
}

TEST_F(Tv5BlockEncryption, ClientToServerBlockOneKeyNonceAndNextChainKey) {
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  EXPECT_EQ(ToHex(client.send.chain_key()), testing::kCk2);
  EXPECT_EQ(ToHex(client.receive.chain_key()), testing::kCk1);
  absl::StatusOr<SbChainStep> step = client.send.NextKey();
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(ToHex(step->key.raw()), testing::kC2sKey1);
  EXPECT_EQ(ToHex(step->nonce), testing::kC2sNonce1);
  EXPECT_EQ(ToHex(client.send.chain_key()), testing::kC2sNextCk);
}

TEST_F(Tv5BlockEncryption, ServerToClientBlockOneKeyAndNonce) {
  SbChains server = *InitSbChains(session_id_, ServerDh(), SbRole::kServer);
  EXPECT_EQ(ToHex(server.send.chain_key()), testing::kCk1);
  EXPECT_EQ(ToHex(server.receive.chain_key()), testing::kCk2);
  SbChainStep step = *server.send.NextKey();
  EXPECT_EQ(ToHex(step.key.raw()), testing::kS2cKey1);
  EXPECT_EQ(ToHex(step.nonce), testing::kS2cNonce1);
  // The client's receiving chain yields the same.
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  EXPECT_EQ(ToHex(client.receive.NextKey()->key.raw()), testing::kS2cKey1);
}

TEST_F(Tv5BlockEncryption, EncryptedPingBlockIsExactAndDecrypts) {
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  absl::StatusOr<Bytes> block = EncryptBlock(client.send, PingContent(), kBlock);
  ASSERT_TRUE(block.ok()) << block.status();
  ASSERT_EQ(block->size(), kBlock);
  EXPECT_EQ(ToHex(ByteSpan(*block).subspan(0, 48)), testing::kEncPingFirst48);
  EXPECT_EQ(ToHex(Sha256(*block)), testing::kEncPingSha256);
  EXPECT_EQ(ToHex(client.send.chain_key()), testing::kC2sNextCk);

  SbChains server = *InitSbChains(session_id_, ServerDh(), SbRole::kServer);
  absl::StatusOr<Bytes> content = DecryptBlock(server.receive, *block, kBlock);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, PingContent());
}

TEST_F(Tv5BlockEncryption, RoundTripsBothWaysOverManyBlocks) {
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  SbChains server = *InitSbChains(session_id_, ServerDh(), SbRole::kServer);
  for (int i = 0; i < 5; ++i) {
    const Bytes up = RandomBytes(static_cast<size_t>(i) * 1000);
    const Bytes down = RandomBytes(kBlock - 16 - 2 - static_cast<size_t>(i));
    EXPECT_EQ(*DecryptBlock(server.receive, *EncryptBlock(client.send, up, kBlock), kBlock), up);
    EXPECT_EQ(*DecryptBlock(client.receive, *EncryptBlock(server.send, down, kBlock), kBlock),
              down);
  }
}

TEST_F(Tv5BlockEncryption, FailedDecryptionStillStepsTheChain) {
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  SbChains server = *InitSbChains(session_id_, ServerDh(), SbRole::kServer);
  Bytes first = *EncryptBlock(client.send, PingContent(), kBlock);
  Bytes second = *EncryptBlock(client.send, PingContent(), kBlock);
  EXPECT_NE(first, second);
  first[100] ^= 1;
  EXPECT_EQ(DecryptBlock(server.receive, first, kBlock).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*DecryptBlock(server.receive, second, kBlock), PingContent());
  // A wrong-size block also steps.
  Bytes third = *EncryptBlock(client.send, PingContent(), kBlock);
  Bytes fourth = *EncryptBlock(client.send, PingContent(), kBlock);
  EXPECT_FALSE(DecryptBlock(server.receive, ByteSpan(third).subspan(1), kBlock).ok());
  EXPECT_EQ(*DecryptBlock(server.receive, fourth, kBlock), PingContent());
}

TEST_F(Tv5BlockEncryption, OversizedContentFailsWithoutStepping) {
  SbChains client = *InitSbChains(session_id_, ClientDh(), SbRole::kClient);
  EXPECT_FALSE(EncryptBlock(client.send, Bytes(kBlock - 16 - 1, 'x'), kBlock).ok());
  EXPECT_EQ(ToHex(client.send.chain_key()), testing::kCk2);
  EXPECT_TRUE(EncryptBlock(client.send, Bytes(kBlock - 16 - 2, 'x'), kBlock).ok());
  EXPECT_FALSE(EncryptBlock(client.send, {}, 17).ok());
}

TEST_F(Tv5BlockEncryption, CopiedChainContinuesIndependently) {
  const auto keys = *SbChainInitKeys(session_id_, ClientDh());
  SbChain chain(keys[0]);
  SbChain copy = chain;
  EXPECT_EQ(chain.NextKey()->key.raw(), copy.NextKey()->key.raw());
  (void)chain.NextKey();
  EXPECT_NE(ToHex(chain.chain_key()), ToHex(copy.chain_key()));
}

}  // namespace
}  // namespace ntf::crypto
