// The computed vectors of spec/smp-notifier.md §8.2 (TV0-TV8) and the per-block capacities of
// §2.3. Signatures, authenticators and ciphertexts are the bytes printed by
// spec/smp-notifier-testvectors.py: these tests pin layouts, not crypto.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "ntf/wire/block.h"
#include "ntf/wire/smp_handshake.h"
#include "ntf/wire/smp_protocol.h"

namespace ntf::wire::smp {
namespace {

Bytes Hex(std::string_view h) { return HexDecode(h).value(); }

std::string Sha256Hex(ByteSpan data) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), digest);
  return HexEncode(ByteSpan(digest, sizeof digest));
}

const Bytes kSessionId = Hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
const Bytes kCorrId = Hex("000102030405060708090a0b0c0d0e0f1011121314151617");
const Bytes kNotifierId = Hex("303132333435363738393a3b3c3d3e3f4041424344454647");

// TV1: Ed25519 signature over the 87 signed bytes.
const Bytes kTv1Signature =
    Hex("7816fa955933ab8f1b0f48bf0904ba38c64f7bc0ed33294102e96f0a4719f051"
        "930b6c1a53ec91568b7c477e773c68afc55f1569e8f29e3e977ac0809db3650e");
constexpr std::string_view kTv1SignedBytes =
    "20a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "18000102030405060708090a0b0c0d0e0f1011121314151617"
    "18303132333435363738393a3b3c3d3e3f4041424344454647"
    "4e535542";
constexpr std::string_view kTv1TransmissionV16 =
    "40"
    "7816fa955933ab8f1b0f48bf0904ba38c64f7bc0ed33294102e96f0a4719f051"
    "930b6c1a53ec91568b7c477e773c68afc55f1569e8f29e3e977ac0809db3650e"
    "30"
    "18000102030405060708090a0b0c0d0e0f1011121314151617"
    "18303132333435363738393a3b3c3d3e3f4041424344454647"
    "4e535542";
constexpr std::string_view kTv1TransmissionV7 =
    "40"
    "7816fa955933ab8f1b0f48bf0904ba38c64f7bc0ed33294102e96f0a4719f051"
    "930b6c1a53ec91568b7c477e773c68afc55f1569e8f29e3e977ac0809db3650e"
    "18000102030405060708090a0b0c0d0e0f1011121314151617"
    "18303132333435363738393a3b3c3d3e3f4041424344454647"
    "4e535542";

// TV2: X25519 authenticator (crypto_box of sha512(signed bytes)).
const Bytes kTv2Authenticator =
    Hex("f0f69f0753e4db08f5bc00bdfe711a3d378913e1faf4c45338233ebfe000d33e"
        "efcb88b547fd836a0a8e0ef92f4ffbc881edb4aa790af67b534022a751d19945"
        "9a48319341d1ce552206d38163a2a61d");

// TV4
const Bytes kTv4Nonce = Hex("101112131415161718191a1b1c1d1e1f2021222324252627");
const Bytes kTv4EncMeta =
    Hex("36915d0281fa1bdce26945aa6811030423bc0781a9b3c98e023ea7e3fa157198"
        "98de84ddc6eda26e4cac04d06e42159f524bc668d47732e76dc1c6a2b93e2036"
        "36585a911d76d8d26fb64afbd086d127d6533e85f6486e3ae5a996e010b829ca"
        "9ff04b4057f20fbdccfd1c14d83308eed1727d60a037b1cbbb4158de410760ce"
        "c909fba05b6fee41f1c366ca3f4a2058");
constexpr std::string_view kTv4Transmission =
    "000018303132333435363738393a3b3c3d3e3f4041424344454647"
    "4e4d534720"
    "101112131415161718191a1b1c1d1e1f2021222324252627"
    "90"
    "36915d0281fa1bdce26945aa6811030423bc0781a9b3c98e023ea7e3fa157198"
    "98de84ddc6eda26e4cac04d06e42159f524bc668d47732e76dc1c6a2b93e2036"
    "36585a911d76d8d26fb64afbd086d127d6533e85f6486e3ae5a996e010b829ca"
    "9ff04b4057f20fbdccfd1c14d83308eed1727d60a037b1cbbb4158de410760ce"
    "c909fba05b6fee41f1c366ca3f4a2058";

// TV6/TV7
const Bytes kKeyHash = Hex("2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232");
const Bytes kClientDhPub = Hex("07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c");
const Bytes kTv7SignedExact = Hex(
    "3076302a300506032b656e032100675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
    "300506032b6570034100fa60d83de7b480b4a5b93da33217966742fabe96b5c9140afac1c9eeb843633a81bf4ef3"
    "d0bdb302243de367eedb06f292a229513fcdee346560561c8c555400");

Bytes PaddedBlock(ByteSpan content) { return PadBlock(content, kSmpBlockSize).value(); }

TEST(SmpVectors, TV0_SpkiLayouts) {
  // The server's dummy Ed25519 key (upstream, standard base64 without '+' or '/').
  const Bytes ed = Base64UrlDecode("MCowBQYDK2VwAyEA139Oqs4QgpqbAmB0o7rZf6T19ryl7E65k4AYe0kE3Qs=")
                       .value_or(Bytes{});
  ASSERT_EQ(ed.size(), 44u);
  EXPECT_EQ(SpkiAlgorithm(ed), KeyAlgorithm::kEd25519);
  EXPECT_EQ(HexEncode(ed),
            "302a300506032b6570032100d77f4eaace10829a9b026074a3bad97fa4f5f6bca5ec4eb99380187b4904"
            "dd0b");
  const Bytes x = Hex(
      "302a300506032b656e032100e0919231886dd7c1f899ab3f8c7781c1f70cee32f035824d380862dbf8384578");
  EXPECT_EQ(SpkiAlgorithm(x), KeyAlgorithm::kX25519);
  EXPECT_TRUE(IsX25519Spki(x));
  EXPECT_TRUE(IsAuthKeySpki(x));
  EXPECT_EQ(MakeSpki(KeyAlgorithm::kX25519, SpkiRawKey(x)).value(), x);
  EXPECT_EQ(MakeSpki(KeyAlgorithm::kEd448, Bytes(57, 1))->size(), 69u);
  EXPECT_EQ(MakeSpki(KeyAlgorithm::kX448, Bytes(56, 1))->size(), 68u);
  EXPECT_FALSE(IsAuthKeySpki(MakeSpki(KeyAlgorithm::kX448, Bytes(56, 1)).value()));
  EXPECT_FALSE(MakeSpki(KeyAlgorithm::kEd25519, Bytes(31, 1)).ok());
  EXPECT_FALSE(SpkiAlgorithm(Bytes(44, 0)).has_value());
}

TEST(SmpVectors, TV1_SignedBytesAre87) {
  const Bytes signed_bytes = NsubBytesToAuthorize(kSessionId, kCorrId, kNotifierId).value();
  EXPECT_EQ(signed_bytes.size(), 87u);
  EXPECT_EQ(HexEncode(signed_bytes), kTv1SignedBytes);
  // The same through the generic command path.
  EXPECT_EQ(CommandBytesToAuthorize(kSessionId, kCorrId, kNotifierId, cmd::Nsub{}, 18).value(),
            signed_bytes);
}

TEST(SmpVectors, TV1_NsubTransmissionV16Is120AndBlockHash) {
  for (uint16_t v : {16, 17, 18}) {
    const Bytes t =
        EncodeNsubTransmission(kCorrId, kNotifierId, kTv1Signature, SessionParamsFor(v)).value();
    EXPECT_EQ(t.size(), 120u) << v;
    EXPECT_EQ(HexEncode(t), kTv1TransmissionV16) << v;
  }
  const Bytes t = Hex(kTv1TransmissionV16);
  const std::vector<Bytes> batches = PackSmpBatches({t}).value();
  ASSERT_EQ(batches.size(), 1u);
  const Bytes block = PaddedBlock(batches[0]);
  ASSERT_EQ(block.size(), kSmpBlockSize);
  EXPECT_EQ(HexEncode(ByteSpan(block).subspan(0, 5)), "007b010078");
  EXPECT_EQ(Bytes(block.begin() + 5, block.begin() + 125), t);
  EXPECT_EQ(std::count(block.begin() + 125, block.end(), '#'), 16259);
  EXPECT_EQ(Sha256Hex(block), "168373b49645b1349538f2ddaf8b51e196e614b0f8012267c2936ff528cf787e");
}

TEST(SmpVectors, TV1_NsubTransmissionV7ToV15Is119) {
  for (uint16_t v = 7; v <= 15; ++v) {
    const Bytes t =
        EncodeNsubTransmission(kCorrId, kNotifierId, kTv1Signature, SessionParamsFor(v)).value();
    EXPECT_EQ(t.size(), 119u) << v;
    EXPECT_EQ(HexEncode(t), kTv1TransmissionV7) << v;
  }
}

TEST(SmpVectors, TV1_GenericCommandPathMatches) {
  const OutgoingCommand c{
      .auth = kTv1Signature, .corr_id = kCorrId, .entity_id = kNotifierId, .command = cmd::Nsub{}};
  EXPECT_EQ(HexEncode(EncodeCommandTransmission(c, SessionParamsFor(18)).value()),
            kTv1TransmissionV16);
  EXPECT_EQ(HexEncode(EncodeCommandTransmission(c, SessionParamsFor(15)).value()),
            kTv1TransmissionV7);
}

TEST(SmpVectors, TV1_TestServerDecodesNsub) {
  const Bytes t = Hex(kTv1TransmissionV16);
  const ReceivedCommand r = DecodeCommandTransmission(t, SessionParamsFor(18), kSessionId);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_TRUE(std::holds_alternative<cmd::Nsub>(*r.command));
  EXPECT_EQ(r.auth, kTv1Signature);
  EXPECT_EQ(r.auth_kind, AuthKind::kEd25519Signature);
  EXPECT_FALSE(r.service_sig.has_value());
  EXPECT_EQ(r.corr_id, kCorrId);
  EXPECT_EQ(r.entity_id, kNotifierId);
  EXPECT_EQ(HexEncode(r.authorized), kTv1SignedBytes);

  const Bytes t7 = Hex(kTv1TransmissionV7);
  const ReceivedCommand r7 = DecodeCommandTransmission(t7, SessionParamsFor(15), kSessionId);
  ASSERT_TRUE(r7.ok()) << r7.detail;
  EXPECT_EQ(HexEncode(r7.authorized), kTv1SignedBytes);
}

TEST(SmpVectors, TV2_NsubX25519AuthenticatorIs136) {
  const Bytes t =
      EncodeNsubTransmission(kCorrId, kNotifierId, kTv2Authenticator, SessionParamsFor(18)).value();
  EXPECT_EQ(t.size(), 136u);
  EXPECT_EQ(HexEncode(t), "50" + HexEncode(kTv2Authenticator) +
                              "3018000102030405060708090a0b0c0d0e0f1011121314151617"
                              "18303132333435363738393a3b3c3d3e3f40414243444546474e535542");
  const ReceivedCommand r = DecodeCommandTransmission(t, SessionParamsFor(18), kSessionId);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.auth_kind, AuthKind::kX25519Authenticator);
  EXPECT_EQ(HexEncode(r.authorized), kTv1SignedBytes);
}

TEST(SmpVectors, TV3_PingIs31AndPong) {
  const OutgoingCommand ping{.corr_id = kCorrId, .command = cmd::Ping{}};
  const Bytes t = EncodeCommandTransmission(ping, SessionParamsFor(18)).value();
  EXPECT_EQ(t.size(), 31u);
  EXPECT_EQ(HexEncode(t), "0018000102030405060708090a0b0c0d0e0f10111213141516170050494e47");
  const std::vector<Bytes> batches = EncodeCommandBatches({ping}, SessionParamsFor(18)).value();
  ASSERT_EQ(batches.size(), 1u);
  const Bytes block = PaddedBlock(batches[0]);
  EXPECT_EQ(HexEncode(ByteSpan(block).subspan(0, 36)),
            "002201001f0018000102030405060708090a0b0c0d0e0f10111213141516170050494e47");
  EXPECT_EQ(block[36], '#');

  // The test server answers PONG with the same corrId and no entity.
  const ReceivedCommand received = DecodeCommandTransmission(t, SessionParamsFor(18), kSessionId);
  ASSERT_TRUE(received.ok()) << received.detail;
  const OutgoingResponse pong{.corr_id = received.corr_id, .response = rsp::Pong{}};
  const Bytes p = EncodeResponseTransmission(pong, SessionParamsFor(18)).value();
  EXPECT_EQ(HexEncode(p), "0018000102030405060708090a0b0c0d0e0f101112131415161700504f4e47");
  const ReceivedResponse back = DecodeResponseTransmission(p, SessionParamsFor(18));
  ASSERT_TRUE(back.ok()) << back.detail;
  EXPECT_TRUE(std::holds_alternative<rsp::Pong>(*back.response));
  EXPECT_EQ(back.corr_id, kCorrId);
  EXPECT_FALSE(back.is_event());
}

TEST(SmpVectors, TV4_NmsgTransmissionIs201) {
  const OutgoingResponse nmsg{.entity_id = kNotifierId,
                              .response = rsp::Nmsg{.nonce = kTv4Nonce, .enc_meta = kTv4EncMeta}};
  for (uint16_t v : {7, 15, 16, 18}) {
    const Bytes t = EncodeResponseTransmission(nmsg, SessionParamsFor(v)).value();
    EXPECT_EQ(t.size(), 201u) << v;
    EXPECT_EQ(HexEncode(t), kTv4Transmission) << v;
  }
  const Bytes t = Hex(kTv4Transmission);
  const ReceivedResponse r = DecodeResponseTransmission(t, SessionParamsFor(18));
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_TRUE(r.is_event());
  EXPECT_EQ(r.entity_id, kNotifierId);
  const auto& n = std::get<rsp::Nmsg>(*r.response);
  EXPECT_EQ(n.nonce, kTv4Nonce);
  EXPECT_EQ(n.enc_meta, kTv4EncMeta);
}

TEST(SmpVectors, TV4_NMsgMetaIs33) {
  const NMsgMeta meta{.msg_id = Hex("e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7"),
                      .msg_ts = 1700000000};
  const Bytes b = EncodeNMsgMeta(meta).value();
  EXPECT_EQ(b.size(), 33u);
  EXPECT_EQ(HexEncode(b), "18e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7000000006553f100");
  EXPECT_EQ(DecodeNMsgMeta(b).value(), meta);
  // Future fields after the timestamp are ignored.
  Bytes extended = b;
  extended.push_back('x');
  EXPECT_EQ(DecodeNMsgMeta(extended).value(), meta);
  EXPECT_FALSE(DecodeNMsgMeta(ByteSpan(b).subspan(0, 32)).ok());
}

TEST(SmpVectors, TV6_ClientHelloWithoutKeyIs37) {
  const ClientHello hello{.version = 18, .key_hash = kKeyHash};
  const Bytes b = EncodeClientHello(hello).value();
  EXPECT_EQ(b.size(), 37u);
  EXPECT_EQ(HexEncode(b),
            "0012202dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c2324630");
  EXPECT_EQ(HexEncode(ByteSpan(PaddedBlock(b)).subspan(0, 41)),
            "00250012202dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c23246302323");
  EXPECT_EQ(DecodeClientHello(b).value(), hello);
}

TEST(SmpVectors, TV6_ClientHelloWithKeyIs82) {
  const ClientHello hello{.version = 18,
                          .key_hash = kKeyHash,
                          .dh_key = MakeSpki(KeyAlgorithm::kX25519, kClientDhPub).value()};
  const Bytes b = EncodeClientHello(hello).value();
  EXPECT_EQ(b.size(), 82u);
  EXPECT_EQ(HexEncode(b),
            "0012202dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232"
            "2c302a300506032b656e03210007a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b8"
            "6d1c7c4630");
  EXPECT_EQ(DecodeClientHello(b).value(), hello);
}

TEST(SmpVectors, TV7_SignedServerKeyInServerHello) {
  ASSERT_EQ(kTv7SignedExact.size(), 120u);
  const Bytes cert_a(300, 0xAA), cert_b(200, 0xBB);
  const ServerHello hello{
      .versions = kServerVersionRange,
      .session_id = kSessionId,
      .auth = CertChainPubKey{.cert_chain = {cert_a, cert_b}, .signed_key = kTv7SignedExact}};
  const Bytes b = EncodeServerHello(hello).value();
  // 4 + 33 + count + 2 certs + large(signed key)
  ASSERT_EQ(b.size(), 4u + 33u + 1u + (2u + 300u) + (2u + 200u) + 2u + 120u);
  const size_t key_at = b.size() - 122;
  EXPECT_EQ(HexEncode(ByteSpan(b).subspan(key_at, 2)), "0078");
  EXPECT_EQ(Bytes(b.begin() + key_at + 2, b.end()), kTv7SignedExact);
  EXPECT_EQ(DecodeServerHello(b).value(), hello);
}

TEST(SmpVectors, TV8_ServerHelloPrefix) {
  const ServerHello hello{.versions = {6, 18},
                          .session_id = kSessionId,
                          .auth = CertChainPubKey{.cert_chain = {Bytes(10, 1), Bytes(12, 2)},
                                                  .signed_key = kTv7SignedExact}};
  const Bytes b = EncodeServerHello(hello).value();
  EXPECT_EQ(HexEncode(ByteSpan(b).subspan(0, 37)),
            "0006001220a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  EXPECT_EQ(b[37], 2);                                       // cert count
  EXPECT_EQ(HexEncode(ByteSpan(b).subspan(38, 2)), "000a");  // large(cert 1)
  const Bytes block = PaddedBlock(b);
  const ServerHello back = DecodeServerHello(UnpadBlock(block, kSmpBlockSize).value()).value();
  EXPECT_EQ(back, hello);
}

// §2.3: how many real transmissions fit one block.
size_t FirstBatchCount(const Bytes& t, size_t n) {
  const std::vector<Bytes> ts(n, t);
  const std::vector<Bytes> batches = PackSmpBatches(ts).value();
  const std::vector<ByteSpan> items = DecodeBatch(batches[0]).value();
  // Every batch must pad into a plain block and leave room for the encryption tag.
  for (const Bytes& b : batches) EXPECT_LE(b.size() + 2 + 16, kSmpBlockSize);
  return items.size();
}

TEST(SmpVectors, Capacity_NsubEd25519V16Is134) {
  const Bytes t =
      EncodeNsubTransmission(kCorrId, kNotifierId, kTv1Signature, SessionParamsFor(16)).value();
  ASSERT_EQ(t.size(), 120u);
  EXPECT_EQ(FirstBatchCount(t, 300), 134u);
}

TEST(SmpVectors, Capacity_NsubEd25519V15Is135) {
  const Bytes t =
      EncodeNsubTransmission(kCorrId, kNotifierId, kTv1Signature, SessionParamsFor(15)).value();
  ASSERT_EQ(t.size(), 119u);
  EXPECT_EQ(FirstBatchCount(t, 300), 135u);
}

TEST(SmpVectors, Capacity_NsubX25519V16Is118) {
  const Bytes t =
      EncodeNsubTransmission(kCorrId, kNotifierId, kTv2Authenticator, SessionParamsFor(18)).value();
  ASSERT_EQ(t.size(), 136u);
  EXPECT_EQ(FirstBatchCount(t, 300), 118u);
}

TEST(SmpVectors, Capacity_NmsgIs80) {
  const Bytes t = EncodeResponseTransmission(
                      {.entity_id = kNotifierId,
                       .response = rsp::Nmsg{.nonce = kTv4Nonce, .enc_meta = kTv4EncMeta}},
                      SessionParamsFor(18))
                      .value();
  ASSERT_EQ(t.size(), 201u);
  EXPECT_EQ(FirstBatchCount(t, 200), 80u);
}

TEST(SmpVectors, Capacity_EndIs255) {
  const Bytes t = EncodeResponseTransmission({.entity_id = kNotifierId, .response = rsp::End{}},
                                             SessionParamsFor(18))
                      .value();
  ASSERT_EQ(t.size(), 30u);
  EXPECT_EQ(FirstBatchCount(t, 600), 255u);
}

TEST(SmpVectors, Capacity_ResponseBatchesRoundTrip) {
  // 900 NMSGs (the reference's subscription batch size) in order, over 12 blocks.
  std::vector<OutgoingResponse> events;
  for (int i = 0; i < 900; ++i) {
    Bytes nid = kNotifierId;
    nid[0] = static_cast<uint8_t>(i);
    nid[1] = static_cast<uint8_t>(i >> 8);
    events.push_back(
        {.entity_id = nid, .response = rsp::Nmsg{.nonce = kTv4Nonce, .enc_meta = kTv4EncMeta}});
  }
  const std::vector<Bytes> batches = EncodeResponseBatches(events, SessionParamsFor(18)).value();
  EXPECT_EQ(batches.size(), 12u);  // ceil(900 / 80)
  size_t i = 0;
  for (const Bytes& content : batches) {
    const Bytes block = PaddedBlock(content);
    // Keep the vector in a variable: ranging over a temporary StatusOr's value() dangles.
    const std::vector<ReceivedResponse> received =
        DecodeResponseBatch(UnpadBlock(block, kSmpBlockSize).value(), SessionParamsFor(18)).value();
    for (const ReceivedResponse& r : received) {
      ASSERT_TRUE(r.ok()) << r.detail;
      EXPECT_EQ(r.entity_id, events[i].entity_id);
      ++i;
    }
  }
  EXPECT_EQ(i, 900u);
}

}  // namespace
}  // namespace ntf::wire::smp
