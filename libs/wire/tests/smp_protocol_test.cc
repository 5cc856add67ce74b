#include "ntf/wire/smp_protocol.h"

#include <gtest/gtest.h>

namespace ntf::wire::smp {
namespace {

Bytes Hex(std::string_view h) { return HexDecode(h).value(); }
Bytes Cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Str(std::string_view s) { return ToBytes(s); }

const Bytes kEdKey =
    Hex("302a300506032b65700321002543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d");
const Bytes kDhKey =
    Hex("302a300506032b656e032100dc2cca31e8e43bbd91dff7e475cca3347eb478107d5bd765aba4ae4a30c35d44");
const Bytes kDhKey2 =
    Hex("302a300506032b656e032100605a725d2a4adfeeb1a29e17edd621c1b7593ee8cdbc44ac6c4ab6e2f805d23c");
const Bytes kEd448Key = MakeSpki(KeyAlgorithm::kEd448, Bytes(57, 0x44)).value();
const Bytes kX448Key = MakeSpki(KeyAlgorithm::kX448, Bytes(56, 0x48)).value();
const Bytes kId1(24, 0x11), kId2(24, 0x22), kId3(24, 0x33);

const uint16_t kVersions[] = {6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18};

Bytes Short(ByteSpan b) {
  Bytes out{static_cast<uint8_t>(b.size())};
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

void ExpectCommandRoundTrip(const Command& c, uint16_t v) {
  absl::StatusOr<Bytes> b = EncodeCommand(c, v);
  ASSERT_TRUE(b.ok()) << CommandTag(c) << " v" << v << ": " << b.status();
  absl::StatusOr<Command> back = DecodeCommand(*b, v);
  ASSERT_TRUE(back.ok()) << CommandTag(c) << " v" << v << ": " << back.status();
  EXPECT_EQ(*back, c) << CommandTag(c) << " v" << v;
  EXPECT_EQ(EncodeCommand(*back, v).value(), *b);
}

void ExpectResponseRoundTrip(const Response& r, uint16_t v) {
  absl::StatusOr<Bytes> b = EncodeResponse(r, v);
  ASSERT_TRUE(b.ok()) << ResponseTag(r) << " v" << v << ": " << b.status();
  absl::StatusOr<Response> back = DecodeResponse(*b, v);
  ASSERT_TRUE(back.ok()) << ResponseTag(r) << " v" << v << ": " << back.status();
  EXPECT_EQ(*back, r) << ResponseTag(r) << " v" << v;
  EXPECT_EQ(EncodeResponse(*back, v).value(), *b);
}

absl::StatusCode DecodeCommandCode(std::string_view s, uint16_t v = 18) {
  const Bytes b = Str(s);
  return DecodeCommand(b, v).status().code();
}

// ---------------------------------------------------------------------------------------------
// Commands

TEST(SmpCommands, SimpleLayouts) {
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Nsub{}, 18).value()), "NSUB");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Ping{}, 18).value()), "PING");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Sub{}, 18).value()), "SUB");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Ndel{}, 18).value()), "NDEL");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Del{}, 18).value()), "DEL");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Nsubs{}, 18).value()), "NSUBS");
  EXPECT_EQ(EncodeCommand(cmd::Key{.sender_key = kEdKey}, 18).value(),
            Cat({AsSpan("KEY "), Short(kEdKey)}));
  EXPECT_EQ(EncodeCommand(cmd::Skey{.sender_key = kEdKey}, 18).value(),
            Cat({AsSpan("SKEY "), Short(kEdKey)}));
  EXPECT_EQ(
      EncodeCommand(cmd::Nkey{.creds = {.notifier_key = kEdKey, .recipient_dh_key = kDhKey}}, 18)
          .value(),
      Cat({AsSpan("NKEY "), Short(kEdKey), Short(kDhKey)}));
  EXPECT_EQ(EncodeCommand(cmd::Ack{.msg_id = kId1}, 18).value(),
            Cat({AsSpan("ACK "), Short(kId1)}));
  EXPECT_EQ(
      AsStringView(EncodeCommand(cmd::Send{.notification = true, .body = Str("hi")}, 18).value()),
      "SEND T hi");
  EXPECT_EQ(AsStringView(EncodeCommand(cmd::Send{.body = {}}, 18).value()), "SEND F ");
}

TEST(SmpCommands, RoundTripEveryCommandEveryVersion) {
  for (uint16_t v : kVersions) {
    for (const Command& c : std::vector<Command>{
             cmd::Sub{}, cmd::Key{.sender_key = kEdKey}, cmd::Key{.sender_key = kDhKey},
             cmd::Key{.sender_key = kEd448Key},
             cmd::Nkey{.creds = {.notifier_key = kEdKey, .recipient_dh_key = kDhKey}},
             cmd::Nkey{.creds = {.notifier_key = kDhKey2, .recipient_dh_key = kDhKey}}, cmd::Ndel{},
             cmd::Ack{.msg_id = kId1}, cmd::Del{},
             cmd::Send{.notification = true, .body = Str("hello world")},
             cmd::Send{.notification = false, .body = Bytes(16048, 'x')}, cmd::Ping{},
             cmd::Nsub{}}) {
      ExpectCommandRoundTrip(c, v);
    }
    if (v >= 9) ExpectCommandRoundTrip(cmd::Skey{.sender_key = kEdKey}, v);
    if (v >= 16) ExpectCommandRoundTrip(cmd::Nsubs{}, v);
  }
}

TEST(SmpCommands, NewMinimalV18MatchesUpstreamTests) {
  // "NEW " key(rPub) key(dhPub) '0' 'S' '1' 'M' '0' '0'
  const cmd::New n{.recipient_auth_key = kEdKey,
                   .recipient_dh_key = kDhKey,
                   .queue_req_data = QueueReqData{.mode = QueueMode::kMessaging}};
  const Bytes b = EncodeCommand(n, 18).value();
  EXPECT_EQ(b, Cat({AsSpan("NEW "), Short(kEdKey), Short(kDhKey), AsSpan("0S1M00")}));
  ExpectCommandRoundTrip(n, 18);
}

TEST(SmpCommands, NewLayoutsByVersion) {
  const cmd::New n{.recipient_auth_key = kEdKey,
                   .recipient_dh_key = kDhKey,
                   .basic_auth = Str("pass"),
                   .sub_mode = SubscriptionMode::kOnlyCreate,
                   .queue_req_data = QueueReqData{.mode = QueueMode::kMessaging}};
  const Bytes keys = Cat({AsSpan("NEW "), Short(kEdKey), Short(kDhKey)});
  EXPECT_EQ(EncodeCommand(n, 8).value(), Cat({keys, AsSpan("A"), Short(Str("pass")), AsSpan("C")}));
  EXPECT_EQ(EncodeCommand(n, 9).value(),
            Cat({keys, AsSpan("1"), Short(Str("pass")), AsSpan("CT")}));
  EXPECT_EQ(EncodeCommand(n, 14).value(),
            Cat({keys, AsSpan("1"), Short(Str("pass")), AsSpan("CT")}));
  EXPECT_EQ(EncodeCommand(n, 15).value(),
            Cat({keys, AsSpan("1"), Short(Str("pass")), AsSpan("C1M0")}));
  EXPECT_EQ(EncodeCommand(n, 16).value(), EncodeCommand(n, 15).value());
  EXPECT_EQ(EncodeCommand(n, 17).value(),
            Cat({keys, AsSpan("1"), Short(Str("pass")), AsSpan("C1M00")}));

  // v6-8 without password: nothing before the mode.
  cmd::New plain = n;
  plain.basic_auth.reset();
  EXPECT_EQ(EncodeCommand(plain, 7).value(), Cat({keys, AsSpan("C")}));
  EXPECT_EQ(EncodeCommand(plain, 10).value(), Cat({keys, AsSpan("0CT")}));
}

TEST(SmpCommands, NewRoundTripsWhereLayoutsDiffer) {
  const QueueLink contact_link{.link_id = kId1,
                               .sender_id = kId2,
                               .enc_fixed_data = Bytes(300, 1),
                               .enc_user_data = Bytes(500, 2)};
  const QueueLink msg_link{
      .sender_id = kId2, .enc_fixed_data = Bytes(3, 1), .enc_user_data = Bytes(0, 2)};
  const NtfCreds creds{.notifier_key = kEdKey, .recipient_dh_key = kDhKey2};
  // v6-8: no queue mode on the wire.
  for (uint16_t v : {6, 7, 8}) {
    ExpectCommandRoundTrip(cmd::New{.recipient_auth_key = kEdKey, .recipient_dh_key = kDhKey}, v);
    ExpectCommandRoundTrip(cmd::New{.recipient_auth_key = kEd448Key,
                                    .recipient_dh_key = kDhKey,
                                    .basic_auth = Str("secret"),
                                    .sub_mode = SubscriptionMode::kOnlyCreate},
                           v);
  }
  // v9-14: the mode as a bool.
  for (uint16_t v : {9, 12, 14}) {
    for (QueueMode m : {QueueMode::kMessaging, QueueMode::kContact}) {
      ExpectCommandRoundTrip(cmd::New{.recipient_auth_key = kEdKey,
                                      .recipient_dh_key = kDhKey,
                                      .basic_auth = Bytes{},
                                      .queue_req_data = QueueReqData{.mode = m}},
                             v);
    }
  }
  // v15+: full queue request data; v17+: notifier credentials.
  for (uint16_t v : {15, 16, 17, 18}) {
    ExpectCommandRoundTrip(cmd::New{.recipient_auth_key = kDhKey2, .recipient_dh_key = kDhKey}, v);
    ExpectCommandRoundTrip(
        cmd::New{.recipient_auth_key = kEdKey,
                 .recipient_dh_key = kDhKey,
                 .queue_req_data = QueueReqData{.mode = QueueMode::kContact, .link = contact_link}},
        v);
    ExpectCommandRoundTrip(
        cmd::New{.recipient_auth_key = kEdKey,
                 .recipient_dh_key = kDhKey,
                 .queue_req_data = QueueReqData{.mode = QueueMode::kMessaging, .link = msg_link}},
        v);
    if (v >= 17) {
      ExpectCommandRoundTrip(cmd::New{.recipient_auth_key = kEdKey,
                                      .recipient_dh_key = kDhKey,
                                      .queue_req_data = QueueReqData{},
                                      .ntf_creds = creds},
                             v);
    }
  }
}

TEST(SmpCommands, NewValuesTheVersionCannotCarry) {
  const NtfCreds creds{.notifier_key = kEdKey, .recipient_dh_key = kDhKey2};
  const cmd::New with_creds{
      .recipient_auth_key = kEdKey, .recipient_dh_key = kDhKey, .ntf_creds = creds};
  EXPECT_FALSE(EncodeCommand(with_creds, 16).ok());
  EXPECT_TRUE(EncodeCommand(with_creds, 17).ok());
  const cmd::New with_link{
      .recipient_auth_key = kEdKey,
      .recipient_dh_key = kDhKey,
      .queue_req_data = QueueReqData{.mode = QueueMode::kContact, .link = QueueLink{}}};
  EXPECT_FALSE(EncodeCommand(with_link, 14).ok());
  EXPECT_FALSE(EncodeCommand(with_link, 8).ok());
  EXPECT_TRUE(EncodeCommand(with_link, 15).ok());
  // A messaging queue's link has no link id.
  const cmd::New bad_link{.recipient_auth_key = kEdKey,
                          .recipient_dh_key = kDhKey,
                          .queue_req_data = QueueReqData{.mode = QueueMode::kMessaging,
                                                         .link = QueueLink{.link_id = kId1}}};
  EXPECT_FALSE(EncodeCommand(bad_link, 18).ok());
  // Keys: the recipient key must be an auth key, the DH key X25519.
  EXPECT_FALSE(
      EncodeCommand(cmd::New{.recipient_auth_key = kX448Key, .recipient_dh_key = kDhKey}, 18).ok());
  EXPECT_FALSE(
      EncodeCommand(cmd::New{.recipient_auth_key = kEdKey, .recipient_dh_key = kEdKey}, 18).ok());
  EXPECT_FALSE(EncodeCommand(cmd::Key{.sender_key = Bytes(44, 0)}, 18).ok());
  EXPECT_FALSE(EncodeCommand(cmd::Skey{.sender_key = kEdKey}, 8).ok());
  EXPECT_FALSE(EncodeCommand(cmd::Nsubs{}, 15).ok());
}

TEST(SmpCommands, SendSkipsReservedFlags) {
  const Bytes b = Str("SEND TXYZ body with spaces");
  const Command c = DecodeCommand(b, 18).value();
  EXPECT_EQ(c, Command(cmd::Send{.notification = true, .body = Str("body with spaces")}));
  EXPECT_EQ(AsStringView(EncodeCommand(c, 18).value()), "SEND T body with spaces");
}

TEST(SmpCommands, UnknownTagIsUnimplemented) {
  for (std::string_view s :
       {std::string_view(""), std::string_view("NSUBX"), std::string_view("nsub"),
        std::string_view("GET"), std::string_view("QUE"), std::string_view("OFF"),
        std::string_view("RKEY x"), std::string_view("PRXY"), std::string_view(" NSUB"),
        std::string_view("NSUB\0", 5)}) {
    const Bytes b = Str(s);
    absl::Status st = DecodeCommand(b, 18).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented) << s;
    EXPECT_EQ(CommandErrorFor(st), CommandError::kUnknown);
  }
  // Tags newer than the session.
  EXPECT_EQ(DecodeCommandCode("NSUBS", 15), absl::StatusCode::kUnimplemented);
  const Bytes skey = Cat({AsSpan("SKEY "), Short(kEdKey)});
  EXPECT_EQ(DecodeCommand(skey, 8).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(DecodeCommand(skey, 9).ok());
}

TEST(SmpCommands, BadParamsAreSyntax) {
  for (std::string_view s :
       {"NSUB ", "PING ", "PING x", "SUB 1", "NDEL  ", "SEND", "SEND ", "SEND T", "SEND X body",
        "ACK", "ACK ", "KEY", "KEY ", "NKEY ", "NEW", "NEW ", "NSUBS "}) {
    const Bytes b = Str(s);
    absl::Status st = DecodeCommand(b, 18).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(CommandErrorFor(st), CommandError::kSyntax) << s;
    EXPECT_NE(st.message().find(std::string(s.substr(0, s.find(' ')))), std::string_view::npos)
        << st;
  }
}

TEST(SmpCommands, BadKeysAndTruncationAreSyntax) {
  const uint16_t v = 18;
  // X448 is not an auth key; an Ed25519 key is not a DH key.
  Bytes b = Cat({AsSpan("KEY "), Short(kX448Key)});
  EXPECT_EQ(DecodeCommand(b, v).status().code(), absl::StatusCode::kInvalidArgument);
  b = Cat({AsSpan("NKEY "), Short(kEdKey), Short(kEdKey)});
  EXPECT_EQ(DecodeCommand(b, v).status().code(), absl::StatusCode::kInvalidArgument);
  // Trailing bytes after a complete command.
  b = Cat({AsSpan("KEY "), Short(kEdKey), AsSpan("x")});
  EXPECT_EQ(DecodeCommand(b, v).status().code(), absl::StatusCode::kInvalidArgument);
  b = Cat({AsSpan("ACK "), Short(kId1), AsSpan(" ")});
  EXPECT_EQ(DecodeCommand(b, v).status().code(), absl::StatusCode::kInvalidArgument);
  // Every truncation of a full v18 NEW fails as syntax.
  const Bytes full =
      EncodeCommand(
          cmd::New{.recipient_auth_key = kEdKey,
                   .recipient_dh_key = kDhKey,
                   .basic_auth = Str("pw"),
                   .queue_req_data = QueueReqData{.mode = QueueMode::kContact,
                                                  .link = QueueLink{.link_id = kId1,
                                                                    .sender_id = kId2,
                                                                    .enc_fixed_data = Bytes(5, 1),
                                                                    .enc_user_data = Bytes(6, 2)}},
                   .ntf_creds = NtfCreds{.notifier_key = kEdKey, .recipient_dh_key = kDhKey2}},
          v)
          .value();
  for (size_t n = 3; n < full.size(); ++n) {
    absl::Status st = DecodeCommand(ByteSpan(full).subspan(0, n), v).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << n;
  }
  // Bad enum bytes.
  Bytes bad_mode = full;
  bad_mode[4 + 45 + 45 + 1 + 3] = 'X';  // subscription mode after maybe(short("pw"))
  EXPECT_EQ(DecodeCommand(bad_mode, v).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SmpCommands, Credentials) {
  using CE = CommandError;
  const Command nsub = cmd::Nsub{};
  EXPECT_EQ(CheckCommandCredentials(nsub, true, true), std::nullopt);
  EXPECT_EQ(CheckCommandCredentials(nsub, false, true), CE::kNoAuth);
  EXPECT_EQ(CheckCommandCredentials(nsub, true, false), CE::kNoAuth);
  const Command nw = cmd::New{};
  EXPECT_EQ(CheckCommandCredentials(nw, true, false), std::nullopt);
  EXPECT_EQ(CheckCommandCredentials(nw, false, false), CE::kNoAuth);
  EXPECT_EQ(CheckCommandCredentials(nw, true, true), CE::kHasAuth);
  const Command send = cmd::Send{};
  EXPECT_EQ(CheckCommandCredentials(send, false, true), std::nullopt);
  EXPECT_EQ(CheckCommandCredentials(send, true, true), std::nullopt);
  EXPECT_EQ(CheckCommandCredentials(send, true, false), CE::kNoEntity);
  const Command ping = cmd::Ping{};
  EXPECT_EQ(CheckCommandCredentials(ping, false, false), std::nullopt);
  EXPECT_EQ(CheckCommandCredentials(ping, true, false), CE::kHasAuth);
  EXPECT_EQ(CheckCommandCredentials(ping, false, true), CE::kHasAuth);
  for (const Command& c : std::vector<Command>{cmd::Sub{}, cmd::Nsubs{}, cmd::Key{}, cmd::Nkey{},
                                               cmd::Ndel{}, cmd::Ack{}, cmd::Del{}, cmd::Skey{}}) {
    EXPECT_EQ(CheckCommandCredentials(c, true, true), std::nullopt) << CommandTag(c);
    EXPECT_EQ(CheckCommandCredentials(c, false, true), CE::kNoAuth) << CommandTag(c);
    EXPECT_EQ(CheckCommandCredentials(c, true, false), CE::kNoAuth) << CommandTag(c);
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

TEST(SmpResponses, SimpleLayouts) {
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Ok{}, 18).value()), "OK");
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Pong{}, 18).value()), "PONG");
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::End{}, 18).value()), "END");
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Deld{}, 18).value()), "DELD");
  EXPECT_EQ(HexEncode(EncodeResponse(rsp::Sok{}, 16).value()), "534f4b2030");  // "SOK 0"
  EXPECT_EQ(EncodeResponse(rsp::Sok{.service_id = kId1}, 16).value(),
            Cat({AsSpan("SOK 1"), Short(kId1)}));
  EXPECT_EQ(EncodeResponse(rsp::Soks{.count = 1234567890123456789}, 16).value(),
            Cat({AsSpan("SOKS "), Hex("112210f47de98115")}));
  EXPECT_EQ(
      EncodeResponse(rsp::Nid{.creds = {.notifier_id = kId1, .server_dh_key = kDhKey}}, 18).value(),
      Cat({AsSpan("NID "), Short(kId1), Short(kDhKey)}));
  EXPECT_EQ(EncodeResponse(rsp::Msg{.msg_id = kId1, .enc_body = Str("enc")}, 18).value(),
            Cat({AsSpan("MSG "), Short(kId1), AsSpan("enc")}));
  EXPECT_EQ(
      AsStringView(EncodeResponse(rsp::Err{ErrorType::Cmd(CommandError::kSyntax)}, 18).value()),
      "ERR CMD SYNTAX");
}

TEST(SmpResponses, RoundTripEveryResponseEveryVersion) {
  for (uint16_t v : kVersions) {
    for (const Response& r : std::vector<Response>{
             rsp::Nid{.creds = {.notifier_id = kId1, .server_dh_key = kDhKey}},
             rsp::Nmsg{.nonce = Bytes(24, 9), .enc_meta = Bytes(144, 8)},
             rsp::Msg{.msg_id = kId1, .enc_body = Bytes(16106, 7)}, rsp::End{}, rsp::Pong{},
             rsp::Ok{}, rsp::Err{ErrorType::Of(ErrorType::Code::kAuth)},
             rsp::Ids{.recipient_id = kId1, .sender_id = kId2, .server_dh_key = kDhKey}}) {
      if (std::holds_alternative<rsp::Ids>(r) && v >= 9) continue;  // below
      ExpectResponseRoundTrip(r, v);
    }
    if (v >= 10) ExpectResponseRoundTrip(rsp::Deld{}, v);
    if (v >= 16) {
      ExpectResponseRoundTrip(rsp::Sok{}, v);
      ExpectResponseRoundTrip(rsp::Sok{.service_id = kId3}, v);
      ExpectResponseRoundTrip(rsp::Soks{.count = 42}, v);
      ExpectResponseRoundTrip(rsp::Ends{.count = -1}, v);
    }
  }
}

TEST(SmpResponses, IdsLayoutsByVersion) {
  const rsp::Ids ids{
      .recipient_id = kId1,
      .sender_id = kId2,
      .server_dh_key = kDhKey,
      .queue_mode = QueueMode::kMessaging,
      .link_id = kId3,
      .service_id = Str("svc"),
      .server_ntf_creds = ServerNtfCreds{.notifier_id = kId3, .server_dh_key = kDhKey2}};
  const Bytes base = Cat({AsSpan("IDS "), Short(kId1), Short(kId2), Short(kDhKey)});
  EXPECT_EQ(EncodeResponse(ids, 17).value(),
            Cat({base, AsSpan("1M1"), Short(kId3), AsSpan("1"), Short(Str("svc")), AsSpan("1"),
                 Short(kId3), Short(kDhKey2)}));
  ExpectResponseRoundTrip(ids, 17);
  ExpectResponseRoundTrip(ids, 18);

  rsp::Ids v16 = ids;
  v16.server_ntf_creds.reset();
  EXPECT_FALSE(EncodeResponse(ids, 16).ok());
  EXPECT_EQ(EncodeResponse(v16, 16).value(),
            Cat({base, AsSpan("1M1"), Short(kId3), AsSpan("1"), Short(Str("svc"))}));
  ExpectResponseRoundTrip(v16, 16);

  rsp::Ids v15 = v16;
  v15.service_id.reset();
  EXPECT_FALSE(EncodeResponse(v16, 15).ok());
  EXPECT_EQ(EncodeResponse(v15, 15).value(), Cat({base, AsSpan("1M1"), Short(kId3)}));
  ExpectResponseRoundTrip(v15, 15);

  rsp::Ids v9 = v15;
  v9.link_id.reset();
  EXPECT_FALSE(EncodeResponse(v15, 14).ok());
  EXPECT_EQ(EncodeResponse(v9, 9).value(), Cat({base, AsSpan("T")}));
  ExpectResponseRoundTrip(v9, 9);
  v9.queue_mode = QueueMode::kContact;
  EXPECT_EQ(EncodeResponse(v9, 14).value(), Cat({base, AsSpan("F")}));
  ExpectResponseRoundTrip(v9, 14);

  rsp::Ids v8 = v9;
  v8.queue_mode.reset();
  EXPECT_EQ(EncodeResponse(v8, 8).value(), base);
  ExpectResponseRoundTrip(v8, 8);
  ExpectResponseRoundTrip(v8, 6);
}

TEST(SmpResponses, VersionDowngradesLikeTheReference) {
  // DELD is sent as END below v10.
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Deld{}, 9).value()), "END");
  // BLOCKED becomes AUTH below v12 and loses the notice below v18.
  const ErrorType blocked{
      .code = ErrorType::Code::kBlocked,
      .blocked = {.reason = BlockingReason::kContent, .notice = std::string(R"({"ttl":3600})")}};
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Err{blocked}, 11).value()), "ERR AUTH");
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Err{blocked}, 17).value()),
            "ERR BLOCKED reason=content");
  EXPECT_EQ(AsStringView(EncodeResponse(rsp::Err{blocked}, 18).value()),
            R"(ERR BLOCKED reason=content,notice={"ttl":3600})");
  ExpectResponseRoundTrip(rsp::Err{blocked}, 18);
  // SOK, SOKS and ENDS do not exist before v16; the caller sends OK (SubscribeOk does this).
  EXPECT_FALSE(EncodeResponse(rsp::Sok{}, 15).ok());
  EXPECT_FALSE(EncodeResponse(rsp::Soks{}, 15).ok());
  EXPECT_TRUE(std::holds_alternative<rsp::Ok>(SubscribeOk(15)));
  EXPECT_TRUE(std::holds_alternative<rsp::Sok>(SubscribeOk(16)));
  EXPECT_TRUE(IsSubscribeOk(rsp::Ok{}));
  EXPECT_TRUE(IsSubscribeOk(rsp::Sok{.service_id = kId1}));
  EXPECT_FALSE(IsSubscribeOk(rsp::Pong{}));
}

TEST(SmpResponses, DecodeRejectsWhatTheVersionCannotCarry) {
  const Bytes deld = Str("DELD"), sok = Str("SOK 0"), blocked = Str("ERR BLOCKED reason=spam"),
              notice = Str("ERR BLOCKED reason=spam,notice={}");
  EXPECT_EQ(DecodeResponse(deld, 9).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(DecodeResponse(deld, 10).ok());
  EXPECT_EQ(DecodeResponse(sok, 15).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(DecodeResponse(sok, 16).ok());
  EXPECT_EQ(DecodeResponse(blocked, 11).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeResponse(blocked, 12).ok());
  EXPECT_EQ(DecodeResponse(notice, 17).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeResponse(notice, 18).ok());
}

TEST(SmpResponses, UnknownAndSyntax) {
  for (std::string_view s : {"", "OKAY", "ok", "LNK x", "INFO x", "PKEY x", "NMSG1"}) {
    const Bytes b = Str(s);
    EXPECT_EQ(DecodeResponse(b, 18).status().code(), absl::StatusCode::kUnimplemented) << s;
  }
  for (std::string_view s : {"OK ",     "PONG x",  "END ",         "SOK",       "SOK ",
                             "SOK 2",   "SOK 1",   "SOKS 1234567", "ERR",       "ERR ",
                             "ERR FOO", "ERR CMD", "ERR CMD FOO",  "ERR AUTH ", "ERR CMD SYNTAX x",
                             "NMSG",    "NMSG ",   "IDS ",         "NID ",      "MSG "}) {
    const Bytes b = Str(s);
    EXPECT_EQ(DecodeResponse(b, 18).status().code(), absl::StatusCode::kInvalidArgument) << s;
  }
  // NMSG: truncated nonce, missing metadata, trailing byte.
  const Bytes nonce(24, 1);
  EXPECT_FALSE(DecodeResponse(Cat({AsSpan("NMSG "), ByteSpan(nonce).subspan(0, 23)}), 18).ok());
  EXPECT_FALSE(DecodeResponse(Cat({AsSpan("NMSG "), nonce}), 18).ok());
  EXPECT_FALSE(
      DecodeResponse(Cat({AsSpan("NMSG "), nonce, Short(Bytes(144, 2)), AsSpan("x")}), 18).ok());
  EXPECT_FALSE(DecodeResponse(Cat({AsSpan("NMSG "), nonce, Hex("90"), Bytes(143, 2)}), 18).ok());
  EXPECT_FALSE(EncodeResponse(rsp::Nmsg{.nonce = Bytes(23, 1)}, 18).ok());
  // NID with a non-X25519 key.
  EXPECT_FALSE(DecodeResponse(Cat({AsSpan("NID "), Short(kId1), Short(kEdKey)}), 18).ok());
}

TEST(SmpResponses, EntityRules) {
  EXPECT_EQ(CheckResponseEntity(rsp::Pong{}, false), std::nullopt);
  EXPECT_EQ(CheckResponseEntity(rsp::Pong{}, true), CommandError::kHasAuth);
  EXPECT_EQ(CheckResponseEntity(rsp::Ids{}, false), std::nullopt);
  EXPECT_EQ(CheckResponseEntity(rsp::Ids{}, true), std::nullopt);
  EXPECT_EQ(CheckResponseEntity(rsp::Err{}, false), std::nullopt);
  for (const Response& r :
       std::vector<Response>{rsp::Ok{}, rsp::Sok{}, rsp::Nid{}, rsp::Nmsg{}, rsp::End{},
                             rsp::Deld{}, rsp::Msg{}, rsp::Soks{}, rsp::Ends{}}) {
    EXPECT_EQ(CheckResponseEntity(r, true), std::nullopt) << ResponseTag(r);
    EXPECT_EQ(CheckResponseEntity(r, false), CommandError::kNoEntity) << ResponseTag(r);
  }
}

// ---------------------------------------------------------------------------------------------
// Error types (§6.9)

TEST(SmpErrors, EveryErrorTypeRoundTrips) {
  using C = ErrorType::Code;
  std::vector<std::pair<ErrorType, std::string_view>> cases = {
      {ErrorType::Of(C::kBlock), "BLOCK"},
      {ErrorType::Of(C::kSession), "SESSION"},
      {ErrorType::Of(C::kAuth), "AUTH"},
      {ErrorType::Of(C::kService), "SERVICE"},
      {ErrorType::Of(C::kCrypto), "CRYPTO"},
      {ErrorType::Of(C::kQuota), "QUOTA"},
      {ErrorType::Of(C::kNoMsg), "NO_MSG"},
      {ErrorType::Of(C::kLargeMsg), "LARGE_MSG"},
      {ErrorType::Of(C::kExpired), "EXPIRED"},
      {ErrorType::Of(C::kInternal), "INTERNAL"},
      {ErrorType::Of(C::kDuplicate), "DUPLICATE_"},
      {ErrorType::Cmd(CommandError::kUnknown), "CMD UNKNOWN"},
      {ErrorType::Cmd(CommandError::kSyntax), "CMD SYNTAX"},
      {ErrorType::Cmd(CommandError::kProhibited), "CMD PROHIBITED"},
      {ErrorType::Cmd(CommandError::kNoAuth), "CMD NO_AUTH"},
      {ErrorType::Cmd(CommandError::kHasAuth), "CMD HAS_AUTH"},
      {ErrorType::Cmd(CommandError::kNoEntity), "CMD NO_ENTITY"},
      {ErrorType{.code = C::kStore, .store = "disk full"}, "STORE disk full"},
      {ErrorType{.code = C::kStore}, "STORE "},
      {ErrorType{.code = C::kBlocked, .blocked = {.reason = BlockingReason::kSpam}},
       "BLOCKED reason=spam"},
      {ErrorType{.code = C::kProxy, .proxy = {.kind = ProxyError::Kind::kBasicAuth}},
       "PROXY BASIC_AUTH"},
      {ErrorType{.code = C::kProxy, .proxy = {.kind = ProxyError::Kind::kNoSession}},
       "PROXY NO_SESSION"},
      {ErrorType{.code = C::kProxy,
                 .proxy = {.kind = ProxyError::Kind::kProtocol,
                           .protocol = std::make_shared<const ErrorType>(
                               ErrorType::Cmd(CommandError::kNoAuth))}},
       "PROXY PROTOCOL CMD NO_AUTH"},
      {ErrorType{.code = C::kProxy,
                 .proxy = {.kind = ProxyError::Kind::kBroker,
                           .broker = {.kind = BrokerError::Kind::kTransport,
                                      .transport = TransportError::kHandshakeIdentity}}},
       "PROXY BROKER TRANSPORT HANDSHAKE IDENTITY"},
      {ErrorType{.code = C::kProxy,
                 .proxy = {.kind = ProxyError::Kind::kBroker,
                           .broker = {.kind = BrokerError::Kind::kNetwork}}},
       "PROXY BROKER NETWORK"},
      {ErrorType{.code = C::kProxy,
                 .proxy = {.kind = ProxyError::Kind::kBroker,
                           .broker = {.kind = BrokerError::Kind::kHost}}},
       "PROXY BROKER HOST"},
  };
  for (const auto& [e, text] : cases) {
    const Bytes b = EncodeErrorType(e, 18).value();
    EXPECT_EQ(AsStringView(b), text);
    EXPECT_EQ(ToString(e), text);
    EXPECT_EQ(DecodeErrorType(b, 18).value(), e) << text;
    // Through a whole ERR response at several versions (BLOCKED is sent as AUTH below v12).
    for (uint16_t v : {7, 15, 16, 18}) {
      if (e.code == C::kBlocked && v < kVersionBlockedEntity) continue;
      ExpectResponseRoundTrip(rsp::Err{e}, v);
    }
  }
}

TEST(SmpErrors, BinaryFieldsInBrokerErrors) {
  const Bytes response = Cat({AsSpan("PROXY BROKER RESPONSE "), Short(Str("bad reply"))});
  const ErrorType e = DecodeErrorType(response, 18).value();
  EXPECT_EQ(e.proxy.broker.kind, BrokerError::Kind::kResponse);
  EXPECT_EQ(e.proxy.broker.text, "bad reply");
  EXPECT_EQ(EncodeErrorType(e, 18).value(), response);
  // NETWORK with its detail (the reference encoder omits it; decoders accept both).
  const Bytes network = Cat({AsSpan("PROXY BROKER NETWORK TLS "), Short(Str("handshake"))});
  const ErrorType n = DecodeErrorType(network, 18).value();
  ASSERT_TRUE(n.proxy.broker.network.has_value());
  EXPECT_EQ(n.proxy.broker.network->kind, NetworkError::Kind::kTls);
  EXPECT_EQ(n.proxy.broker.network->detail, "handshake");
  EXPECT_EQ(EncodeErrorType(n, 18).value(), network);
  const Bytes failed = Str("PROXY BROKER NETWORK FAILED");
  EXPECT_EQ(DecodeErrorType(failed, 18)->proxy.broker.network->kind, NetworkError::Kind::kFailed);
  // A bad NETWORK detail is not backtracked into silently: the leftover is trailing bytes.
  const Bytes bad = Str("PROXY BROKER NETWORK NOPE");
  EXPECT_FALSE(DecodeErrorType(bad, 18).ok());
}

TEST(SmpErrors, LenientAndStrictForms) {
  // NO_QUEUE is the old name of NO_ENTITY.
  const Bytes no_queue = Str("CMD NO_QUEUE");
  EXPECT_EQ(DecodeErrorType(no_queue, 18).value(), ErrorType::Cmd(CommandError::kNoEntity));
  for (std::string_view s : {"",
                             "AUTH ",
                             "CMD",
                             "CMD ",
                             "CMD  SYNTAX",
                             "BLOCKED",
                             "BLOCKED reason=",
                             "BLOCKED reason=x",
                             "BLOCKED reason=spamx",
                             "BLOCKED reason=spam,notice=",
                             "BLOCKED spam",
                             "STORE",
                             "PROXY",
                             "PROXY PROTOCOL",
                             "PROXY PROTOCOL ",
                             "PROXY BROKER",
                             "PROXY BROKER TRANSPORT",
                             "PROXY BROKER TRANSPORT HANDSHAKE",
                             "PROXY BROKER RESPONSE",
                             "PROXY NO_SESSION x"}) {
    const Bytes b = Str(s);
    EXPECT_FALSE(DecodeErrorType(b, 18).ok()) << s;
  }
  // Deep nesting is bounded.
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "PROXY PROTOCOL ";
  deep += "AUTH";
  EXPECT_FALSE(DecodeErrorType(AsSpan(deep), 18).ok());
  std::string shallow = "PROXY PROTOCOL PROXY PROTOCOL AUTH";
  EXPECT_TRUE(DecodeErrorType(AsSpan(shallow), 18).ok());
  // PROXY PROTOCOL needs its nested error to encode.
  EXPECT_FALSE(EncodeErrorType(ErrorType{.code = ErrorType::Code::kProxy,
                                         .proxy = {.kind = ProxyError::Kind::kProtocol}},
                               18)
                   .ok());
  EXPECT_FALSE(
      EncodeErrorType(ErrorType{.code = ErrorType::Code::kProxy,
                                .proxy = {.kind = ProxyError::Kind::kBroker,
                                          .broker = {.kind = BrokerError::Kind::kUnexpected,
                                                     .text = std::string(256, 'x')}}},
                      18)
          .ok());
}

TEST(SmpErrors, StatusMapping) {
  EXPECT_EQ(CommandErrorFor(absl::UnimplementedError("x")), CommandError::kUnknown);
  EXPECT_EQ(CommandErrorFor(absl::InvalidArgumentError("x")), CommandError::kSyntax);
}

}  // namespace
}  // namespace ntf::wire::smp
