// The NTF server over real TLS on loopback, driven by the agent-side client library
// (ntf::client): the happy path of a token and a subscription, and every error path of
// spec/ntf-protocol.md §1.4–§1.5 and §2.3–§2.4 as a client sees it on the wire.
#include "services/intake/src/ntf_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ntf/client/agent_token.h"
#include "ntf/client/ntf_client.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"
#include "ntf/store/memory_store.h"
#include "ntf/tls/certificates.h"
#include "ntf/tls/context.h"
#include "ntf/wire/block.h"
#include "services/intake/src/block_executor.h"
#include "services/intake/src/command_processor.h"
#include "services/intake/tests/fakes.h"

namespace ntf::intake {
namespace {

using client::AgentToken;
using client::NtfClient;
using crypto::KeyAlgorithm;
using wire::Bytes;
using wire::ErrorCode;
using wire::TokenState;

// "ERR <text>" of an answer, "" if the command succeeded, or the client's failure.
template <typename T>
std::string ErrText(const absl::StatusOr<client::Answer<T>>& r) {
  if (!r.ok()) return "client error: " + std::string(r.status().ToString());
  return r->ok() ? "" : wire::FormatError(r->error());
}

// The value of a successful answer; a test failure (and nullopt) otherwise.
template <typename T>
std::optional<T> Ok(const absl::StatusOr<client::Answer<T>>& r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.status();
    return std::nullopt;
  }
  if (!r->ok()) {
    ADD_FAILURE() << "ERR " << wire::FormatError(r->error());
    return std::nullopt;
  }
  return r->value();
}

// "PONG", "ERR AUTH", ..., or "undecodable: BLOCK".
std::string Describe(const client::Reply& reply) {
  const wire::Response* r = reply.response();
  if (r == nullptr) {
    return "undecodable: " + wire::FormatError(std::get<wire::ErrorType>(reply.result));
  }
  if (const auto* err = std::get_if<wire::ErrResponse>(r)) {
    return "ERR " + wire::FormatError(err->error);
  }
  return std::string(wire::ResponseTagName(wire::TagOf(*r)));
}

wire::DeviceToken RandomDevice() {
  return {.provider = wire::PushProvider::kApnsTest,
          .token = wire::ToBytes(wire::HexEncode(crypto::RandomBytes(32)))};
}

class NtfServerTest : public ::testing::Test {
 protected:
  NtfServerTest() : metrics_(registry_), processor_(queue_, events_, metrics_) {}

  // Starts the server with a fresh CA and online certificate of `algorithm`. The server hello
  // is signed with `signing_key` instead of the certificate's key if it is given.
  void StartServer(tls::KeyAlgorithm algorithm = tls::KeyAlgorithm::kEd25519,
                   std::optional<crypto::PrivateKey> signing_key = std::nullopt,
                   absl::Duration idle_timeout = absl::Hours(1)) {
    absl::StatusOr<tls::CertificateAndKey> ca = tls::GenerateCa({.algorithm = algorithm});
    ASSERT_TRUE(ca.ok()) << ca.status();
    absl::StatusOr<tls::CertificateAndKey> leaf =
        tls::GenerateServerCertificate(*ca, {.algorithm = algorithm});
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    absl::StatusOr<tls::ServerCredentials> credentials = tls::ServerCredentials::FromPem(
        leaf->certificate_pem + ca->certificate_pem, leaf->private_key_pem);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    absl::StatusOr<crypto::PrivateKey> key = SigningKeyOf(*credentials);
    ASSERT_TRUE(key.ok()) << key.status();
    fingerprint_ = credentials->fingerprint();
    absl::StatusOr<std::shared_ptr<const tls::TlsServerContext>> context =
        tls::TlsServerContext::Create(*std::move(credentials), {.alpn_protocols = {tls::kNtfAlpn}});
    ASSERT_TRUE(context.ok()) << context.status();
    server_ = std::make_unique<NtfServer>(
        NtfServerOptions{
            .host = "127.0.0.1", .port = 0, .event_loops = 1, .idle_timeout = idle_timeout},
        *context, signing_key ? *std::move(signing_key) : *std::move(key), executor_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void SetUp() override { StartServer(); }

  client::ConnectOptions Options(uint16_t max_version = wire::kCurrentNtfVersion) const {
    client::ConnectOptions options{.host = "127.0.0.1",
                                   .port = server_->port(),
                                   .key_hash = fingerprint_,
                                   .versions = {wire::kInitialNtfVersion, max_version},
                                   .connect_timeout = absl::Seconds(10),
                                   .io_timeout = absl::Seconds(10),
                                   .tls_context = tls_context_};
    return options;
  }

  std::unique_ptr<NtfClient> Connect(uint16_t max_version = wire::kCurrentNtfVersion) {
    return ConnectWith(Options(max_version));
  }

  std::unique_ptr<NtfClient> ConnectWith(const client::ConnectOptions& options) {
    absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  store::Token StoredToken(const Bytes& token_id) {
    absl::StatusOr<std::optional<store::Token>> token = store_.GetToken(token_id);
    EXPECT_TRUE(token.ok() && token->has_value()) << "no token in the store";
    return token.ok() && token->has_value() ? **token : store::Token{};
  }

  // What the pusher would deliver for the token's current registration code: the
  // notificationData members of a verification push, encrypted with the stored DH secret.
  std::pair<std::string, std::string> VerificationPush(const Bytes& token_id) {
    const store::Token token = StoredToken(token_id);
    absl::StatusOr<crypto::DhSecret> secret = crypto::DhSecret::FromRaw(token.dh_secret);
    EXPECT_TRUE(secret.ok()) << secret.status();
    const crypto::CbNonce nonce = crypto::RandomNonce();
    absl::StatusOr<Bytes> box = crypto::BoxEncryptPadded(*secret, nonce, token.reg_code,
                                                         client::kReferencePushPaddedLength);
    EXPECT_TRUE(box.ok()) << box.status();
    return {wire::Base64UrlEncode(nonce), wire::Base64UrlEncode(*box)};
  }

  // TNEW, then TVFY with the code decrypted from the "push". Returns false on any failure.
  bool RegisterAndVerify(NtfClient& c, AgentToken& token) {
    std::optional<wire::IdtknResponse> idtkn = Ok(c.Tnew(*token.MakeTnew(), token.verify_key()));
    if (!idtkn) return false;
    if (absl::Status s = token.OnRegistered(*idtkn); !s.ok()) {
      ADD_FAILURE() << s;
      return false;
    }
    const auto [nonce, verification] = VerificationPush(token.token_id());
    absl::StatusOr<Bytes> code = token.DecryptVerification(nonce, verification);
    if (!code.ok()) {
      ADD_FAILURE() << code.status();
      return false;
    }
    return Ok(c.Tvfy(token.token_id(), *code, token.verify_key())).has_value();
  }

  AgentToken ActiveToken(NtfClient& c, KeyAlgorithm alg = KeyAlgorithm::kEd25519) {
    AgentToken token = *AgentToken::Generate(RandomDevice(), alg);
    EXPECT_TRUE(RegisterAndVerify(c, token));
    return token;
  }

  static wire::SnewCommand Snew(const Bytes& token_id, const crypto::PrivateKey& notifier_key,
                                Bytes notifier_id = crypto::RandomId()) {
    return {.token_id = token_id,
            .smp_server = {.hosts = {"smp.example.com"}, .port = "5223", .key_hash = Bytes(32, 7)},
            .notifier_id = std::move(notifier_id),
            .notifier_key = crypto::EncodePkcs8(notifier_key)};
  }

  // The whole life of a token and a subscription on one connection.
  void RunHappyPath(NtfClient& c, KeyAlgorithm alg) {
    AgentToken token = *AgentToken::Generate(RandomDevice(), alg);
    const crypto::PrivateKey& key = token.verify_key();

    // TNEW: IDTKN, a queued verification push, a DH secret both sides agree on.
    std::optional<wire::IdtknResponse> idtkn = Ok(c.Tnew(*token.MakeTnew(), key));
    ASSERT_TRUE(idtkn);
    ASSERT_TRUE(token.OnRegistered(*idtkn).ok());
    EXPECT_EQ(idtkn->token_id.size(), 24u);
    EXPECT_THAT(queue_.verifications(), ::testing::Contains(token.token_id()));
    EXPECT_TRUE(crypto::ConstantTimeEquals(token.dh_secret()->raw(),
                                           StoredToken(token.token_id()).dh_secret));
    EXPECT_EQ(Ok(c.Tchk(token.token_id(), key)),
              wire::TokenStatus{.state = TokenState::kRegistered});
    // A TNEW retry answers with the same id and key.
    std::optional<wire::IdtknResponse> retry = Ok(c.Tnew(*token.MakeTnew(), key));
    EXPECT_EQ(retry, idtkn);

    // TVFY with the code from the push (the store holds it: there is no pusher here).
    auto [nonce, verification] = VerificationPush(token.token_id());
    absl::StatusOr<Bytes> code = token.DecryptVerification(nonce, verification);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, StoredToken(token.token_id()).reg_code);
    EXPECT_EQ(ErrText(c.Tvfy(token.token_id(), crypto::RandomBytes(32), key)), "AUTH");
    EXPECT_EQ(ErrText(c.Tvfy(token.token_id(), *code, key)), "");
    EXPECT_EQ(ErrText(c.Tvfy(token.token_id(), *code, key)), "");  // repeatable
    EXPECT_EQ(Ok(c.Tchk(token.token_id(), key)), wire::TokenStatus{.state = TokenState::kActive});

    // TCRN: 20 minutes at least, 0 turns it off.
    EXPECT_EQ(ErrText(c.Tcrn(token.token_id(), 20, key)), "");
    EXPECT_EQ(StoredToken(token.token_id()).cron_interval, 20);
    EXPECT_EQ(ErrText(c.Tcrn(token.token_id(), 19, key)), "QUOTA");
    EXPECT_EQ(ErrText(c.Tcrn(token.token_id(), 0, key)), "");
    EXPECT_EQ(StoredToken(token.token_id()).cron_interval, 0);
    EXPECT_EQ(ErrText(c.Tcrn(token.token_id(), 20, key)), "");

    // SNEW / SCHK; a retry of SNEW answers with the same subscription.
    const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
    const wire::SnewCommand snew = Snew(token.token_id(), notifier);
    const size_t subscribed_before = events_.subscribed().size();
    std::optional<Bytes> sub_id = Ok(c.Snew(snew, key));
    ASSERT_TRUE(sub_id);
    EXPECT_EQ(sub_id->size(), 24u);
    EXPECT_EQ(Ok(c.Snew(snew, key)), sub_id);
    ASSERT_EQ(events_.subscribed().size(), subscribed_before + 1);
    EXPECT_EQ(events_.subscribed().back().notifier_id, snew.notifier_id);
    EXPECT_EQ(Ok(c.Schk(*sub_id, key)),
              wire::SubscriptionStatus{.state = wire::SubscriptionState::kNew});

    // TRPL keeps the token and its subscriptions, and needs a new verification.
    const wire::DeviceToken next = RandomDevice();
    EXPECT_EQ(ErrText(c.Trpl(token.token_id(), next, key)), "");
    token.SetDeviceToken(next);
    EXPECT_EQ(StoredToken(token.token_id()).device, next);
    EXPECT_EQ(Ok(c.Tchk(token.token_id(), key)),
              wire::TokenStatus{.state = TokenState::kRegistered});
    EXPECT_EQ(ErrText(c.Tvfy(token.token_id(), *code, key)), "AUTH");  // the old code
    std::tie(nonce, verification) = VerificationPush(token.token_id());
    code = token.DecryptVerification(nonce, verification);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(ErrText(c.Tvfy(token.token_id(), *code, key)), "");
    EXPECT_EQ(ErrText(c.Schk(*sub_id, key)), "");

    // SDEL, then TDEL.
    const size_t unsubscribed_before = events_.unsubscribed().size();
    EXPECT_EQ(ErrText(c.Sdel(*sub_id, key)), "");
    EXPECT_EQ(ErrText(c.Schk(*sub_id, key)), "AUTH");
    ASSERT_EQ(events_.unsubscribed().size(), unsubscribed_before + 1);
    EXPECT_EQ(events_.unsubscribed().back().subscription_id, *sub_id);
    EXPECT_EQ(ErrText(c.Tdel(token.token_id(), key)), "");
    EXPECT_EQ(ErrText(c.Tchk(token.token_id(), key)), "AUTH");
    EXPECT_EQ(store_.TokenCountForTest(), 0u);
    EXPECT_EQ(store_.SubscriptionCountForTest(), 0u);

    EXPECT_TRUE(Ok(c.Ping()));
  }

  prometheus::Registry registry_;
  IntakeMetrics metrics_;
  store::MemoryStore store_;
  FakePushJobQueue queue_;
  FakeSubscriptionEvents events_;
  CommandProcessor processor_;
  InlineBlockExecutor executor_{store_, processor_};
  std::shared_ptr<const tls::TlsClientContext> tls_context_ = *tls::TlsClientContext::Create();
  tls::Fingerprint fingerprint_{};
  std::unique_ptr<NtfServer> server_;  // last: stopped before what it uses
};

// --- Per version --------------------------------------------------------------------------

class NtfServerVersionTest : public NtfServerTest, public ::testing::WithParamInterface<uint16_t> {
 protected:
  std::unique_ptr<NtfClient> ConnectAtParam() {
    client::ConnectOptions options = Options();
    options.versions = {GetParam(), GetParam()};
    std::unique_ptr<NtfClient> c = ConnectWith(options);
    if (c != nullptr) {
      EXPECT_EQ(c->version(), GetParam());
    }
    return c;
  }
};

INSTANTIATE_TEST_SUITE_P(Versions, NtfServerVersionTest, ::testing::Values(1, 2, 3),
                         [](const auto& info) { return "V" + std::to_string(info.param); });

TEST_P(NtfServerVersionTest, HappyPath) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->alpn(), "ntf/1");
  EXPECT_EQ(c->server_versions(), wire::kSupportedNtfVersions);
  RunHappyPath(*c, KeyAlgorithm::kEd25519);
}

TEST_P(NtfServerVersionTest, Ed448TokenKeys) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  RunHappyPath(*c, KeyAlgorithm::kEd448);
}

TEST_P(NtfServerVersionTest, WrongSignatureIsAuth) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  const crypto::PrivateKey other = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrText(c->Tchk(token.token_id(), other)), "AUTH");
  EXPECT_EQ(ErrText(c->Tdel(token.token_id(), other)), "AUTH");
  // A signature of the right length by a key of another algorithm.
  const crypto::PrivateKey ed448 = *crypto::GenerateKeyPair(KeyAlgorithm::kEd448);
  EXPECT_EQ(ErrText(c->Tchk(token.token_id(), ed448)), "AUTH");
  // SNEW naming the token but signed by someone else.
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrText(c->Snew(Snew(token.token_id(), notifier), other)), "AUTH");
  // TNEW signed by a key other than the one it carries.
  AgentToken fresh = *AgentToken::Generate(RandomDevice());
  EXPECT_EQ(ErrText(c->Tnew(*fresh.MakeTnew(), other)), "AUTH");
  // The token is untouched.
  EXPECT_EQ(Ok(c->Tchk(token.token_id(), token.verify_key())),
            wire::TokenStatus{.state = TokenState::kActive});
}

TEST_P(NtfServerVersionTest, WrongEntityIsAuth) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  const crypto::PrivateKey& key = token.verify_key();
  EXPECT_EQ(ErrText(c->Tchk(crypto::RandomId(), key)), "AUTH");
  EXPECT_EQ(ErrText(c->Tvfy(crypto::RandomId(), crypto::RandomBytes(32), key)), "AUTH");
  EXPECT_EQ(ErrText(c->Schk(crypto::RandomId(), key)), "AUTH");
  EXPECT_EQ(ErrText(c->Sdel(crypto::RandomId(), key)), "AUTH");
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrText(c->Snew(Snew(crypto::RandomId(), notifier), key)), "AUTH");
  // A subscription id used as a token id and the other way round.
  std::optional<Bytes> sub_id = Ok(c->Snew(Snew(token.token_id(), notifier), key));
  ASSERT_TRUE(sub_id);
  EXPECT_EQ(ErrText(c->Tchk(*sub_id, key)), "AUTH");
  EXPECT_EQ(ErrText(c->Schk(token.token_id(), key)), "AUTH");
}

TEST_P(NtfServerVersionTest, UnsignedCommandIsNoAuth) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  absl::StatusOr<std::vector<client::Reply>> replies = c->Send({
      {.command = wire::TchkCommand{}, .entity_id = token.token_id()},
      {.command = wire::TdelCommand{}, .entity_id = token.token_id()},
      {.command = *token.MakeTnew()},
      {.command = Snew(token.token_id(), notifier)},
      // Signed, but without the entity it is about.
      {.command = wire::TchkCommand{}, .signer = &token.verify_key()},
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 5u);
  for (const client::Reply& r : *replies) {
    EXPECT_EQ(Describe(r), "ERR CMD NO_AUTH") << "request " << r.request.value_or(99);
  }
  EXPECT_EQ(store_.TokenCountForTest(), 1u);
}

TEST_P(NtfServerVersionTest, EntityOnTnewSnewOrPingIsHasAuth) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  AgentToken fresh = *AgentToken::Generate(RandomDevice());
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  absl::StatusOr<std::vector<client::Reply>> replies = c->Send({
      {.command = *fresh.MakeTnew(),
       .entity_id = crypto::RandomId(),
       .signer = &fresh.verify_key()},
      {.command = Snew(token.token_id(), notifier),
       .entity_id = token.token_id(),
       .signer = &token.verify_key()},
      {.command = wire::PingCommand{}, .signer = &token.verify_key()},  // signed PING
      {.command = wire::PingCommand{}, .entity_id = token.token_id()},  // PING with an entity
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  for (const client::Reply& r : *replies) {
    EXPECT_EQ(Describe(r), "ERR CMD HAS_AUTH") << "request " << r.request.value_or(99);
  }
  EXPECT_EQ(store_.TokenCountForTest(), 1u);
  EXPECT_EQ(store_.SubscriptionCountForTest(), 0u);
}

TEST_P(NtfServerVersionTest, UnknownCommandIsCmdUnknownAndBadParamsAreSyntax) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  absl::StatusOr<std::vector<client::Reply>> replies = c->SendRawCommandsForTest({
      {.command = wire::ToBytes("TXXX"),
       .entity_id = token.token_id(),
       .signer = &token.verify_key()},
      {.command = wire::ToBytes("TXXX")},
      {.command = wire::ToBytes("TCRN x"),  // one byte where a u16 belongs
       .entity_id = token.token_id(),
       .signer = &token.verify_key()},
      {.command = wire::ToBytes("PING extra")},
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  std::vector<std::string> got(4);
  for (const client::Reply& r : *replies) {
    ASSERT_TRUE(r.request);
    got[*r.request] = Describe(r);
  }
  EXPECT_THAT(got, ::testing::ElementsAre("ERR CMD UNKNOWN", "ERR CMD UNKNOWN", "ERR CMD SYNTAX",
                                          "ERR CMD SYNTAX"));
}

TEST_P(NtfServerVersionTest, MalformedBlockIsErrBlock) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  // A length prefix past the end of the block.
  Bytes block(wire::kNtfBlockSize, '#');
  block[0] = 0xff;
  block[1] = 0xff;
  absl::StatusOr<std::vector<client::Reply>> replies = c->SendRawBlockForTest(block);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(Describe((*replies)[0]), "ERR BLOCK");
  EXPECT_TRUE((*replies)[0].corr_id.empty());
  EXPECT_TRUE((*replies)[0].entity_id.empty());
  EXPECT_FALSE((*replies)[0].request.has_value());

  // A transmission cut short (its corrId runs past the end).
  const Bytes cut = {0x00, 0x05};  // empty auth, then a corrId of 5 bytes that is missing
  Bytes content;
  if (c->session_params().batch) {
    content = *wire::EncodeBatch(std::vector<Bytes>{cut});
  } else {
    content = cut;
  }
  replies = c->SendRawBlockForTest(*wire::PadBlock(content, wire::kNtfBlockSize));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(Describe((*replies)[0]), "ERR BLOCK");

  // An authorization of a length no key makes (10 bytes).
  const Bytes corr_id = crypto::RandomId();
  const Bytes bad_auth_block = (*wire::EncodeClientBlocks(
      std::vector<wire::Transmission>{
          {.auth = Bytes(10, 1), .corr_id = corr_id, .command = wire::ToBytes("PING")}},
      c->session_params()))[0];
  replies = c->SendRawBlockForTest(bad_auth_block);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(Describe((*replies)[0]), "ERR BLOCK");
  EXPECT_EQ((*replies)[0].corr_id, corr_id);

  // The connection goes on.
  EXPECT_TRUE(Ok(c->Ping()));
}

TEST_P(NtfServerVersionTest, FiftyCommandsAnsweredInOrder) {
  std::unique_ptr<NtfClient> c = ConnectAtParam();
  ASSERT_NE(c, nullptr);
  AgentToken token = ActiveToken(*c);
  const crypto::PrivateKey other = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  // Four kinds of answers, in a pattern, so an answer out of place would show.
  std::vector<client::Request> requests;
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    switch (i % 4) {
      case 0:
        requests.push_back({.command = wire::PingCommand{}});
        expected.push_back("PONG");
        break;
      case 1:
        requests.push_back({.command = wire::TchkCommand{},
                            .entity_id = token.token_id(),
                            .signer = &token.verify_key()});
        expected.push_back("TKN");
        break;
      case 2:
        requests.push_back(
            {.command = wire::TchkCommand{}, .entity_id = token.token_id(), .signer = &other});
        expected.push_back("ERR AUTH");
        break;
      case 3:
        requests.push_back({.command = wire::TchkCommand{}, .entity_id = token.token_id()});
        expected.push_back("ERR CMD NO_AUTH");
        break;
    }
  }
  absl::StatusOr<std::vector<client::Reply>> replies = c->Send(std::move(requests));
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ((*replies)[i].request, i);
    EXPECT_EQ(Describe((*replies)[i]), expected[i]) << i;
  }
}

// --- Batching -----------------------------------------------------------------------------

TEST_F(NtfServerTest, BatchOf50CommandsInOneBlockAnsweredInOrder) {
  std::unique_ptr<NtfClient> c = Connect();
  ASSERT_NE(c, nullptr);
  // 50 PINGs with one-byte corrIds: 50 * (2 + 8) + 1 = 501 bytes of batch content, one block
  // (more than our own sender packs, within what the block holds).
  std::vector<Bytes> transmissions;
  for (uint8_t i = 0; i < 50; ++i) {
    transmissions.push_back(
        *wire::EncodeTransmission({.corr_id = {i}, .command = wire::ToBytes("PING")},
                                  c->session_id(), c->session_params().format()));
  }
  absl::StatusOr<Bytes> block =
      wire::PadBlock(*wire::EncodeBatch(transmissions), wire::kNtfBlockSize);
  ASSERT_TRUE(block.ok()) << block.status();
  absl::StatusOr<std::vector<client::Reply>> replies = c->SendRawBlockForTest(*block, 50);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 50u);
  for (uint8_t i = 0; i < 50; ++i) {
    EXPECT_EQ((*replies)[i].corr_id, Bytes{i});
    EXPECT_EQ(Describe((*replies)[i]), "PONG");
  }
}

// --- Handshake ----------------------------------------------------------------------------

TEST_F(NtfServerTest, NoAlpnOffersV1OnlyAndTheSessionWorks) {
  client::ConnectOptions options = Options();
  options.alpn = false;
  std::unique_ptr<NtfClient> c = ConnectWith(options);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->alpn(), "");
  EXPECT_EQ(c->server_versions(), wire::kLegacyNtfVersions);
  EXPECT_EQ(c->version(), 1);
  EXPECT_EQ(c->server_session_key(), nullptr);
  RunHappyPath(*c, KeyAlgorithm::kEd25519);
}

TEST_F(NtfServerTest, WrongKeyHashInClientHelloClosesConnection) {
  client::ConnectOptions options = Options();
  options.hello_key_hash_for_test = Bytes(32, 0);
  options.io_timeout = absl::Seconds(5);
  std::unique_ptr<NtfClient> c = ConnectWith(options);  // the client does not wait for a verdict
  ASSERT_NE(c, nullptr);
  absl::StatusOr<client::Answer<wire::PongResponse>> ping = c->Ping();
  EXPECT_EQ(ping.status().code(), absl::StatusCode::kUnavailable) << ping.status();
}

TEST_F(NtfServerTest, ClientAboveServerVersionsIsTEVersion) {
  client::ConnectOptions options = Options();
  options.versions = {4, 5};
  absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(options);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition) << c.status();
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("TEVersion"));
}

TEST_F(NtfServerTest, Ed448ServerCertificate) {
  server_.reset();
  ASSERT_NO_FATAL_FAILURE(StartServer(tls::KeyAlgorithm::kEd448));
  std::unique_ptr<NtfClient> c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->version(), 3);
  EXPECT_NE(c->server_session_key(), nullptr);
  RunHappyPath(*c, KeyAlgorithm::kEd25519);
}

TEST_F(NtfServerTest, SessionKeyNotSignedByTheCertificateIsRejected) {
  server_.reset();
  ASSERT_NO_FATAL_FAILURE(
      StartServer(tls::KeyAlgorithm::kEd25519, *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519)));
  absl::StatusOr<std::unique_ptr<NtfClient>> c = NtfClient::Connect(Options());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnauthenticated) << c.status();
}

// --- Versions -----------------------------------------------------------------------------

TEST_F(NtfServerTest, V1WrongSessionIdIsErrSession) {
  // Only v1 transmissions carry the session id.
  std::unique_ptr<NtfClient> c = Connect(1);
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->version(), 1);
  const Bytes corr_id = crypto::RandomId();
  const wire::SessionParams other = wire::MakeSessionParams(1, Bytes(32, 0));
  Bytes block = (*wire::EncodeClientBlocks(
      std::vector<wire::Transmission>{{.corr_id = corr_id, .command = wire::ToBytes("PING")}},
      other))[0];
  absl::StatusOr<std::vector<client::Reply>> replies = c->SendRawBlockForTest(block);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(Describe((*replies)[0]), "ERR SESSION");
  EXPECT_EQ((*replies)[0].corr_id, corr_id);
}

TEST_F(NtfServerTest, InvalidReasonOnlyFromV3) {
  std::unique_ptr<NtfClient> v3 = Connect(3);
  std::unique_ptr<NtfClient> v2 = Connect(2);
  std::unique_ptr<NtfClient> v1 = Connect(1);
  ASSERT_TRUE(v3 && v2 && v1);
  ASSERT_EQ(v2->version(), 2);
  AgentToken token = ActiveToken(*v3);
  ASSERT_TRUE(store_
                  .SetTokenStatus(token.token_id(), {.state = TokenState::kInvalid,
                                                     .reason = wire::InvalidReason::kBad})
                  .ok());
  EXPECT_EQ(
      Ok(v3->Tchk(token.token_id(), token.verify_key())),
      (wire::TokenStatus{.state = TokenState::kInvalid, .reason = wire::InvalidReason::kBad}));
  EXPECT_EQ(Ok(v2->Tchk(token.token_id(), token.verify_key())),
            wire::TokenStatus{.state = TokenState::kInvalid});
  EXPECT_EQ(Ok(v1->Tchk(token.token_id(), token.verify_key())),
            wire::TokenStatus{.state = TokenState::kInvalid});
  // An INVALID token still allows subscription commands (§2.5), but not TVFY.
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrText(v3->Snew(Snew(token.token_id(), notifier), token.verify_key())), "");
  EXPECT_EQ(ErrText(v3->Tvfy(token.token_id(), StoredToken(token.token_id()).reg_code,
                             token.verify_key())),
            "AUTH");
}

TEST_F(NtfServerTest, SubscriptionsNeedAnActiveToken) {
  std::unique_ptr<NtfClient> c = Connect();
  ASSERT_NE(c, nullptr);
  AgentToken token = *AgentToken::Generate(RandomDevice());
  std::optional<wire::IdtknResponse> idtkn = Ok(c->Tnew(*token.MakeTnew(), token.verify_key()));
  ASSERT_TRUE(idtkn);
  const crypto::PrivateKey notifier = *crypto::GenerateKeyPair(KeyAlgorithm::kEd25519);
  EXPECT_EQ(ErrText(c->Snew(Snew(idtkn->token_id, notifier), token.verify_key())), "AUTH");
}

// --- X25519 authenticators ----------------------------------------------------------------

TEST_F(NtfServerTest, X25519AuthenticatorsAtV2AndV3) {
  for (uint16_t version : {2, 3}) {
    SCOPED_TRACE(version);
    std::unique_ptr<NtfClient> c = Connect(version);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->version(), version);
    ASSERT_NE(c->server_session_key(), nullptr);
    RunHappyPath(*c, KeyAlgorithm::kX25519);
  }
}

TEST_F(NtfServerTest, X25519TokenKeyWorksAcrossConnections) {
  // Each connection has its own server session key; the authenticator follows it.
  std::unique_ptr<NtfClient> first = Connect();
  ASSERT_NE(first, nullptr);
  AgentToken token = ActiveToken(*first, KeyAlgorithm::kX25519);
  first.reset();
  std::unique_ptr<NtfClient> second = Connect(2);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(Ok(second->Tchk(token.token_id(), token.verify_key())),
            wire::TokenStatus{.state = TokenState::kActive});
  // A v1 session has no server key: the client cannot authorize with an X25519 key there.
  std::unique_ptr<NtfClient> v1 = Connect(1);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->Tchk(token.token_id(), token.verify_key()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// --- Lifecycle ----------------------------------------------------------------------------

TEST_F(NtfServerTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  server_.reset();
  ASSERT_NO_FATAL_FAILURE(
      StartServer(tls::KeyAlgorithm::kEd25519, std::nullopt, absl::Milliseconds(300)));
  std::unique_ptr<NtfClient> busy = Connect();
  std::unique_ptr<NtfClient> idle = Connect();
  ASSERT_TRUE(busy && idle);
  for (int i = 0; i < 10; ++i) {  // 1 s of traffic keeps `busy` open
    ASSERT_TRUE(Ok(busy->Ping()));
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(idle->Ping().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Ok(busy->Ping()));
}

TEST_F(NtfServerTest, DrainClosesIdleConnections) {
  std::unique_ptr<NtfClient> a = Connect();
  std::unique_ptr<NtfClient> b = Connect(1);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Ok(a->Ping()));
  ASSERT_TRUE(Ok(b->Ping()));
  EXPECT_EQ(server_->active_connections(), 2);
  EXPECT_EQ(server_->Drain(absl::Seconds(5)), 0);
  EXPECT_EQ(server_->active_connections(), 0);
  EXPECT_EQ(a->Ping().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(b->Ping().status().code(), absl::StatusCode::kUnavailable);
  // No new connections while draining.
  absl::StatusOr<std::unique_ptr<NtfClient>> late = NtfClient::Connect(Options());
  EXPECT_FALSE(late.ok());
}

}  // namespace
}  // namespace ntf::intake
