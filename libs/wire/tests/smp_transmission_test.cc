// Transmission and batch helpers: what the test server and the subscriber see per transmission,
// including every error path of §5 (BLOCK, SESSION, CMD UNKNOWN/SYNTAX, credential rules).
#include <gtest/gtest.h>

#include "ntf/wire/block.h"
#include "ntf/wire/smp_protocol.h"
#include "ntf/wire/transmission.h"

namespace ntf::wire::smp {
namespace {

Bytes Hex(std::string_view h) { return HexDecode(h).value(); }

const Bytes kSessionId(32, 0xa5);
const Bytes kCorrId = Hex("000102030405060708090a0b0c0d0e0f1011121314151617");
const Bytes kNid(24, 0x30);
const Bytes kSig(64, 0x5a);

Bytes RawTransmission(ByteSpan auth, ByteSpan corr, ByteSpan entity, std::string_view command,
                      const SmpSessionParams& p, std::optional<Bytes> svc = std::nullopt) {
  const Transmission t{.auth = Bytes(auth.begin(), auth.end()),
                       .service_sig = std::move(svc),
                       .corr_id = Bytes(corr.begin(), corr.end()),
                       .entity_id = Bytes(entity.begin(), entity.end()),
                       .command = ToBytes(command)};
  return EncodeTransmission(t, kSessionId, p.transmission_format()).value();
}

TEST(SmpServerSide, NsubDecodesAtEveryVersion) {
  for (uint16_t v : {7, 10, 15, 16, 18}) {
    const SmpSessionParams p = SessionParamsFor(v);
    const Bytes t = EncodeNsubTransmission(kCorrId, kNid, kSig, p).value();
    const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
    ASSERT_TRUE(r.ok()) << v << ": " << r.detail;
    EXPECT_EQ(r.authorized, NsubBytesToAuthorize(kSessionId, kCorrId, kNid).value());
  }
}

TEST(SmpServerSide, V6CarriesTheSessionId) {
  const SmpSessionParams p = SessionParamsFor(6);
  EXPECT_FALSE(EncodeNsubTransmission(kCorrId, kNid, kSig, p).ok());  // session id required
  const Bytes t = EncodeNsubTransmission(kCorrId, kNid, kSig, p, kSessionId).value();
  EXPECT_EQ(t.size(), 119u + 33u);
  const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.authorized, NsubBytesToAuthorize(kSessionId, kCorrId, kNid).value());

  const Bytes other(32, 0x01);
  const ReceivedCommand bad = DecodeCommandTransmission(t, p, other);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, ErrorType::Of(ErrorType::Code::kSession));
  EXPECT_EQ(bad.corr_id, kCorrId);
  EXPECT_TRUE(bad.entity_id.empty());

  // Responses at v6 carry it too, and the client checks it.
  const Bytes ok =
      EncodeResponseTransmission({.corr_id = kCorrId, .entity_id = kNid}, p, kSessionId).value();
  EXPECT_TRUE(DecodeResponseTransmission(ok, p, kSessionId).ok());
  const ReceivedResponse wrong = DecodeResponseTransmission(ok, p, other);
  EXPECT_EQ(wrong.error, ErrorType::Of(ErrorType::Code::kSession));
}

TEST(SmpServerSide, UnparsableTransmissionIsBlockWithoutCorrId) {
  const SmpSessionParams p = SessionParamsFor(18);
  Bytes t = EncodeNsubTransmission(kCorrId, kNid, kSig, p).value();
  for (size_t n : {size_t{0}, size_t{1}, size_t{60}, size_t{66}, size_t{80}}) {
    const ReceivedCommand r = DecodeCommandTransmission(ByteSpan(t).subspan(0, n), p, kSessionId);
    EXPECT_EQ(r.error, ErrorType::Of(ErrorType::Code::kBlock)) << n;
    EXPECT_TRUE(r.corr_id.empty()) << n;
    EXPECT_TRUE(r.entity_id.empty()) << n;
    EXPECT_FALSE(r.detail.empty());
  }
  // v16: a bad service-signature maybe tag.
  t[65] = '2';
  EXPECT_EQ(DecodeCommandTransmission(t, p, kSessionId).error,
            ErrorType::Of(ErrorType::Code::kBlock));
}

TEST(SmpServerSide, BadAuthorizationSizeIsBlockWithCorrId) {
  const SmpSessionParams p = SessionParamsFor(15);
  const Bytes t = RawTransmission(Bytes(63, 1), kCorrId, kNid, "NSUB", p);
  const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
  EXPECT_EQ(r.error, ErrorType::Of(ErrorType::Code::kBlock));
  EXPECT_EQ(r.corr_id, kCorrId);
  EXPECT_TRUE(r.entity_id.empty());
  EXPECT_FALSE(EncodeNsubTransmission(kCorrId, kNid, Bytes(63, 1), p).ok());
}

TEST(SmpServerSide, AuthKinds) {
  const SmpSessionParams p = SessionParamsFor(18);
  for (auto [size, kind] : {std::pair{size_t{64}, AuthKind::kEd25519Signature},
                            std::pair{size_t{114}, AuthKind::kEd448Signature},
                            std::pair{size_t{80}, AuthKind::kX25519Authenticator}}) {
    const Bytes t = EncodeNsubTransmission(kCorrId, kNid, Bytes(size, 7), p).value();
    const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.auth_kind, kind);
  }
  EXPECT_EQ(ClassifyAuthorization(0), AuthKind::kNone);
  EXPECT_FALSE(ClassifyAuthorization(65).has_value());
}

TEST(SmpServerSide, ServiceSignature) {
  const SmpSessionParams p = SessionParamsFor(16);
  const Bytes svc(64, 0x77);
  const OutgoingCommand c{.auth = kSig,
                          .service_sig = svc,
                          .corr_id = kCorrId,
                          .entity_id = kNid,
                          .command = cmd::Nsub{}};
  const Bytes t = EncodeCommandTransmission(c, p).value();
  EXPECT_EQ(t.size(), 120u + 65u);
  const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.service_sig, svc);
  // The service signature is not covered by the authorization.
  EXPECT_EQ(r.authorized, NsubBytesToAuthorize(kSessionId, kCorrId, kNid).value());
  // A service signature that is not 64 bytes makes the transmission unparsable.
  const Bytes bad = RawTransmission(kSig, kCorrId, kNid, "NSUB", p, Bytes(10, 1));
  const ReceivedCommand rb = DecodeCommandTransmission(bad, p, kSessionId);
  EXPECT_EQ(rb.error, ErrorType::Of(ErrorType::Code::kBlock));
  EXPECT_TRUE(rb.corr_id.empty());
  // Encoding rules.
  EXPECT_FALSE(EncodeCommandTransmission(c, SessionParamsFor(15)).ok());
  OutgoingCommand unsigned_c = c;
  unsigned_c.auth.clear();
  EXPECT_FALSE(EncodeCommandTransmission(unsigned_c, p).ok());
  OutgoingCommand short_svc = c;
  short_svc.service_sig = Bytes(63, 1);
  EXPECT_FALSE(EncodeCommandTransmission(short_svc, p).ok());
}

TEST(SmpServerSide, CommandErrorsEchoTheEntity) {
  const SmpSessionParams p = SessionParamsFor(18);
  struct Case {
    Bytes auth;
    Bytes entity;
    std::string_view command;
    CommandError expected;
  };
  const Case cases[] = {
      {kSig, kNid, "NSUBX", CommandError::kUnknown},
      {kSig, kNid, "NSUB ", CommandError::kSyntax},  // §6.9: trailing space
      {kSig, kNid, "NSUB x", CommandError::kSyntax},
      {{}, kNid, "NSUB", CommandError::kNoAuth},
      {kSig, {}, "NSUB", CommandError::kNoAuth},
      {{}, kNid, "PING", CommandError::kHasAuth},
      {kSig, {}, "PING", CommandError::kHasAuth},
      {{}, {}, "SEND T body", CommandError::kNoEntity},
      {{}, kNid, "NDEL", CommandError::kNoAuth},
  };
  for (const Case& c : cases) {
    const Bytes t = RawTransmission(c.auth, kCorrId, c.entity, c.command, p);
    const ReceivedCommand r = DecodeCommandTransmission(t, p, kSessionId);
    ASSERT_FALSE(r.ok()) << c.command;
    EXPECT_EQ(r.error, ErrorType::Cmd(c.expected)) << c.command << ": " << ToString(r.error);
    EXPECT_EQ(r.corr_id, kCorrId);
    // The reference answers parse and credential errors with the transmission's entity.
    EXPECT_EQ(r.entity_id, c.entity) << c.command;
    EXPECT_FALSE(r.detail.empty());
  }
  // Unsigned SEND on a sender id is fine (the queue may not be secured yet).
  const Bytes send = RawTransmission({}, kCorrId, kNid, "SEND T hi", p);
  EXPECT_TRUE(DecodeCommandTransmission(send, p, kSessionId).ok());
}

TEST(SmpServerSide, BatchesRoundTrip) {
  const SmpSessionParams p = SessionParamsFor(18);
  std::vector<OutgoingCommand> commands;
  for (int i = 0; i < 300; ++i) {
    Bytes nid = kNid;
    nid[0] = static_cast<uint8_t>(i);
    nid[1] = static_cast<uint8_t>(i >> 8);
    commands.push_back(
        {.auth = kSig, .corr_id = kCorrId, .entity_id = nid, .command = cmd::Nsub{}});
  }
  commands.push_back({.corr_id = kCorrId, .command = cmd::Ping{}});
  const std::vector<Bytes> batches = EncodeCommandBatches(commands, p).value();
  ASSERT_EQ(batches.size(), 3u);  // 134 + 134 + 33
  size_t i = 0;
  for (const Bytes& content : batches) {
    const Bytes block = PadBlock(content, kSmpBlockSize).value();
    const ByteSpan unpadded = UnpadBlock(block, kSmpBlockSize).value();
    const std::vector<ReceivedCommand> received =
        DecodeCommandBatch(unpadded, p, kSessionId).value();
    for (const ReceivedCommand& r : received) {
      ASSERT_TRUE(r.ok()) << r.detail;
      EXPECT_EQ(r.entity_id, commands[i].entity_id);
      EXPECT_EQ(*r.command, commands[i].command);
      ++i;
    }
  }
  EXPECT_EQ(i, commands.size());
}

TEST(SmpServerSide, MalformedBatchIsAnError) {
  const SmpSessionParams p = SessionParamsFor(18);
  EXPECT_FALSE(DecodeCommandBatch(Hex("00"), p, kSessionId).ok());        // count 0
  EXPECT_FALSE(DecodeCommandBatch(Hex("010002"), p, kSessionId).ok());    // truncated
  EXPECT_FALSE(DecodeCommandBatch(Hex("01000000"), p, kSessionId).ok());  // trailing
  EXPECT_FALSE(DecodeResponseBatch(Hex(""), p).ok());
  // An empty transmission inside a good batch is one BLOCK item.
  const std::vector<ReceivedCommand> items =
      DecodeCommandBatch(Hex("010000"), p, kSessionId).value();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].error, ErrorType::Of(ErrorType::Code::kBlock));
}

TEST(SmpServerSide, OversizedTransmissionCannotBePacked) {
  const SmpSessionParams p = SessionParamsFor(18);
  const OutgoingCommand big{
      .corr_id = kCorrId, .entity_id = kNid, .command = cmd::Send{.body = Bytes(16400, 'x')}};
  EXPECT_FALSE(EncodeCommandBatches({big}, p).ok());
  // The largest SEND a v11+ server accepts fits in one block.
  const OutgoingCommand max{.auth = Bytes(114, 1),
                            .service_sig = Bytes(64, 2),
                            .corr_id = kCorrId,
                            .entity_id = kNid,
                            .command = cmd::Send{.body = Bytes(MaxMessageLength(18), 'x')}};
  EXPECT_EQ(EncodeCommandBatches({max}, p).value().size(), 1u);
  EXPECT_EQ(MaxMessageLength(10), 16064u);
  EXPECT_EQ(MaxMessageLength(7), 16088u);
}

TEST(SmpClientSide, ResponsesAndEvents) {
  const SmpSessionParams p = SessionParamsFor(18);
  const std::vector<OutgoingResponse> out = {
      {.corr_id = kCorrId, .entity_id = kNid, .response = SubscribeOk(18)},
      {.entity_id = kNid, .response = rsp::End{}},
      {.entity_id = kNid, .response = rsp::Deld{}},
      {.corr_id = kCorrId,
       .entity_id = kNid,
       .response = rsp::Err{ErrorType::Of(ErrorType::Code::kAuth)}},
      {.response = rsp::Err{ErrorType::Of(ErrorType::Code::kBlock)}},
  };
  const std::vector<Bytes> batches = EncodeResponseBatches(out, p).value();
  ASSERT_EQ(batches.size(), 1u);
  const std::vector<ReceivedResponse> in = DecodeResponseBatch(batches[0], p).value();
  ASSERT_EQ(in.size(), out.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(in[i].ok()) << i << ": " << in[i].detail;
    EXPECT_EQ(*in[i].response, out[i].response);
    EXPECT_EQ(in[i].corr_id, out[i].corr_id);
    EXPECT_EQ(in[i].entity_id, out[i].entity_id);
  }
  EXPECT_FALSE(in[0].is_event());
  EXPECT_TRUE(in[1].is_event());
  EXPECT_TRUE(IsSubscribeOk(*in[0].response));
  // "SOK 0" at v16+, "OK" before.
  EXPECT_EQ(AsStringView(EncodeResponse(SubscribeOk(16), 16).value()), "SOK 0");
  EXPECT_EQ(AsStringView(EncodeResponse(SubscribeOk(15), 15).value()), "OK");
}

TEST(SmpClientSide, ErrorItems) {
  const SmpSessionParams p = SessionParamsFor(16);
  auto decode = [&](ByteSpan auth, ByteSpan corr, ByteSpan entity, std::string_view msg) {
    const Bytes t = RawTransmission(auth, corr, entity, msg, p);
    return DecodeResponseTransmission(t, p);
  };
  ReceivedResponse r = decode({}, kCorrId, {}, "OK");
  EXPECT_EQ(r.error, ErrorType::Cmd(CommandError::kNoEntity));
  EXPECT_EQ(r.corr_id, kCorrId);
  r = decode({}, kCorrId, kNid, "PONG");
  EXPECT_EQ(r.error, ErrorType::Cmd(CommandError::kHasAuth));
  r = decode({}, kCorrId, kNid, "WHAT");
  EXPECT_EQ(r.error, ErrorType::Cmd(CommandError::kUnknown));
  EXPECT_EQ(r.entity_id, kNid);
  r = decode({}, kCorrId, kNid, "SOK 2");
  EXPECT_EQ(r.error, ErrorType::Cmd(CommandError::kSyntax));
  r = decode({}, {}, {}, "ERR BLOCK");
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_TRUE(r.is_event());
  const Bytes truncated = Hex("0018");
  r = DecodeResponseTransmission(truncated, p);
  EXPECT_EQ(r.error, ErrorType::Of(ErrorType::Code::kBlock));
  EXPECT_TRUE(r.corr_id.empty());
}

}  // namespace
}  // namespace ntf::wire::smp
