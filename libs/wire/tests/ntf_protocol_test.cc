#include "ntf/wire/ntf_protocol.h"

#include <gtest/gtest.h>

#include "ntf/wire/block.h"

namespace ntf::wire {

// Readable gtest output for error types.
void PrintTo(const ErrorType& e, std::ostream* os) { *os << FormatError(e); }

namespace {

Bytes Hex(std::string_view h) {
  absl::StatusOr<Bytes> b = HexDecode(h);
  EXPECT_TRUE(b.ok()) << h;
  return b.value_or(Bytes());
}
Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Str(std::string_view s) { return ToBytes(s); }
Bytes Fill(size_t n, uint8_t b) { return Bytes(n, b); }

const Bytes kSession = Fill(32, 0xA5);
const Bytes kCorr = Hex("000102030405060708090a0b0c0d0e0f1011121314151617");
const Bytes kTokenId = Fill(24, 0x11);
const Bytes kKeyHash = Hex("2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232");
// Ed25519 / X25519 SubjectPublicKeyInfo: fixed 12-byte DER prefix + 32 key bytes.
const Bytes kEd25519Spki = Cat({Hex("302a300506032b6570032100"), Fill(32, 0x01)});
const Bytes kX25519Spki = Cat({Hex("302a300506032b656e032100"), Fill(32, 0x02)});
// X25519 PKCS#8: 16-byte prefix + 32 key bytes.
const Bytes kX25519Pkcs8 = Cat({Hex("302e020100300506032b656e04220420"), Fill(32, 0x03)});

const ProtocolServer kSmpServer{.hosts = {"localhost"}, .port = "7001", .key_hash = kKeyHash};

std::vector<Command> AllCommands() {
  return {
      TnewCommand{.device_token = {.provider = PushProvider::kApnsProd, .token = Str("abcd")},
                  .verify_key = kEd25519Spki,
                  .dh_key = kX25519Spki},
      TvfyCommand{.reg_code = Fill(32, 0x07)},
      TchkCommand{},
      TrplCommand{.device_token = {.provider = PushProvider::kFcm, .token = Str("fcm:tok-en_1")}},
      TdelCommand{},
      TcrnCommand{.interval_minutes = 20},
      SnewCommand{.token_id = kTokenId,
                  .smp_server = kSmpServer,
                  .notifier_id = Fill(24, 0x22),
                  .notifier_key = kX25519Pkcs8},
      SchkCommand{},
      SdelCommand{},
      PingCommand{},
  };
}

std::vector<Response> AllResponses() {
  std::vector<Response> out = {
      IdtknResponse{.token_id = kTokenId, .server_dh_key = kX25519Spki},
      IdsubResponse{.subscription_id = Fill(24, 0x33)},
      OkResponse{},
      PongResponse{},
      SubResponse{.status = {.state = SubscriptionState::kErr, .error_text = "SMP error QUOTA"}},
      SubResponse{.status = {.state = SubscriptionState::kErr, .error_text = ""}},
      TknResponse{.status = {.state = TokenState::kInvalid}},
  };
  for (int s = 0; s <= static_cast<int>(TokenState::kExpired); ++s) {
    out.push_back(TknResponse{.status = {.state = static_cast<TokenState>(s)}});
  }
  for (int r = 0; r <= static_cast<int>(InvalidReason::kUnregistered); ++r) {
    out.push_back(TknResponse{
        .status = {.state = TokenState::kInvalid, .reason = static_cast<InvalidReason>(r)}});
  }
  for (int s = 0; s < static_cast<int>(SubscriptionState::kErr); ++s) {
    out.push_back(SubResponse{.status = {.state = static_cast<SubscriptionState>(s)}});
  }
  for (int c = 0; c <= static_cast<int>(ErrorCode::kDuplicate); ++c) {
    ErrorType e{.code = static_cast<ErrorCode>(c)};
    if (e.code == ErrorCode::kCmd) continue;
    if (e.code == ErrorCode::kProxy) e.detail = "BROKER TIMEOUT";
    if (e.code == ErrorCode::kBlocked) e.detail = "reason=spam";
    if (e.code == ErrorCode::kStore) e.detail = "database is locked";
    out.push_back(ErrResponse{.error = e});
  }
  for (int c = 0; c <= static_cast<int>(CmdError::kNoEntity); ++c) {
    out.push_back(ErrResponse{.error = ErrorType::Cmd(static_cast<CmdError>(c))});
  }
  out.push_back(ErrResponse{.error = {.code = ErrorCode::kStore, .detail = ""}});
  return out;
}

std::string Text(const absl::StatusOr<Bytes>& b) {
  return b.ok() ? std::string(AsStringView(*b)) : b.status().ToString();
}

// ---------------------------------------------------------------------------------------------
// Commands

TEST(NtfCommand, RoundTripEveryCommand) {
  for (const Command& c : AllCommands()) {
    absl::StatusOr<Bytes> bytes = EncodeCommand(c);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<Command> back = DecodeCommand(*bytes);
    ASSERT_TRUE(back.ok()) << CommandTagName(TagOf(c)) << ": " << back.status();
    EXPECT_EQ(*back, c) << CommandTagName(TagOf(c));
  }
}

TEST(NtfCommand, TagsAndNames) {
  const std::vector<Command> all = AllCommands();
  const char* names[] = {"TNEW", "TVFY", "TCHK", "TRPL", "TDEL",
                         "TCRN", "SNEW", "SCHK", "SDEL", "PING"};
  ASSERT_EQ(all.size(), 10u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(TagOf(all[i]), static_cast<CommandTag>(i));
    EXPECT_EQ(CommandTagName(TagOf(all[i])), names[i]);
    EXPECT_EQ(Text(EncodeCommand(all[i])).substr(0, 4), names[i]);
  }
}

TEST(NtfCommand, ExactBytesWithoutParameters) {
  EXPECT_EQ(Text(EncodeCommand(TchkCommand{})), "TCHK");
  EXPECT_EQ(Text(EncodeCommand(TdelCommand{})), "TDEL");
  EXPECT_EQ(Text(EncodeCommand(SchkCommand{})), "SCHK");
  EXPECT_EQ(Text(EncodeCommand(SdelCommand{})), "SDEL");
  EXPECT_EQ(Text(EncodeCommand(PingCommand{})), "PING");
}

TEST(NtfCommand, ExactBytesTcrn) {
  EXPECT_EQ(HexEncode(*EncodeCommand(TcrnCommand{.interval_minutes = 20})), "5443524e200014");
  EXPECT_EQ(HexEncode(*EncodeCommand(TcrnCommand{.interval_minutes = 0})), "5443524e200000");
  EXPECT_EQ(*DecodeCommand(Hex("5443524e200100")), Command(TcrnCommand{.interval_minutes = 256}));
}

TEST(NtfCommand, ExactBytesTvfy) {
  const Bytes code = Fill(32, 0x07);
  EXPECT_EQ(*EncodeCommand(TvfyCommand{.reg_code = code}), Cat({Str("TVFY "), Hex("20"), code}));
}

TEST(NtfCommand, ExactBytesTnew) {
  const Command c =
      TnewCommand{.device_token = {.provider = PushProvider::kApnsProd, .token = Str("abcd")},
                  .verify_key = kEd25519Spki,
                  .dh_key = kX25519Spki};
  const Bytes expected = Cat({Str("TNEW T"), Str("AP"), Hex("04"), Str("abcd"), Hex("2c"),
                              kEd25519Spki, Hex("2c"), kX25519Spki});
  EXPECT_EQ(*EncodeCommand(c), expected);
  EXPECT_EQ(expected.size(), 5u + 1 + 2 + 5 + 45 + 45);
}

TEST(NtfCommand, ExactBytesTrplEveryProvider) {
  const std::pair<PushProvider, std::string_view> providers[] = {
      {PushProvider::kApnsDev, "AD"},  {PushProvider::kApnsProd, "AP"},
      {PushProvider::kApnsTest, "AT"}, {PushProvider::kApnsNull, "AN"},
      {PushProvider::kFcm, "FC"},
  };
  for (const auto& [p, tag] : providers) {
    const Command c = TrplCommand{.device_token = {.provider = p, .token = Str("0a1b")}};
    EXPECT_EQ(*EncodeCommand(c), Cat({Str("TRPL "), Str(tag), Hex("04"), Str("0a1b")}));
    EXPECT_EQ(PushProviderTag(p), tag);
  }
}

TEST(NtfCommand, ExactBytesSnew) {
  const Bytes nid = Fill(24, 0x22);
  const Command c = SnewCommand{.token_id = kTokenId,
                                .smp_server = kSmpServer,
                                .notifier_id = nid,
                                .notifier_key = kX25519Pkcs8};
  const Bytes expected =
      Cat({Str("SNEW S"), Hex("18"), kTokenId, Hex("01"), Hex("09"), Str("localhost"), Hex("04"),
           Str("7001"), Hex("20"), kKeyHash, Hex("18"), nid, Hex("30"), kX25519Pkcs8});
  EXPECT_EQ(*EncodeCommand(c), expected);
}

TEST(NtfCommand, SnewWithInvalidServerDoesNotEncode) {
  SnewCommand c{.token_id = kTokenId, .smp_server = kSmpServer};
  c.smp_server.key_hash = Fill(31, 0);
  EXPECT_FALSE(EncodeCommand(c).ok());
}

TEST(NtfCommand, OverlongFieldDoesNotEncode) {
  EXPECT_FALSE(EncodeCommand(TvfyCommand{.reg_code = Fill(256, 0)}).ok());
  EXPECT_TRUE(EncodeCommand(TvfyCommand{.reg_code = Fill(255, 0)}).ok());
}

TEST(NtfCommand, PushProviderNames) {
  EXPECT_EQ(PushProviderName(PushProvider::kApnsDev), "apns_dev");
  EXPECT_EQ(PushProviderName(PushProvider::kApnsProd), "apns_prod");
  EXPECT_EQ(PushProviderName(PushProvider::kApnsTest), "apns_test");
  EXPECT_EQ(PushProviderName(PushProvider::kApnsNull), "apns_null");
  EXPECT_EQ(PushProviderName(PushProvider::kFcm), "fcm");
  EXPECT_EQ(ParsePushProviderName("fcm"), PushProvider::kFcm);
  EXPECT_EQ(ParsePushProviderName("apns_null"), PushProvider::kApnsNull);
  EXPECT_EQ(ParsePushProviderName("AP"), std::nullopt);
}

void ExpectUnknown(std::string_view what, const Bytes& bytes) {
  absl::StatusOr<Command> c = DecodeCommand(bytes);
  ASSERT_FALSE(c.ok()) << what;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnimplemented) << what << ": " << c.status();
  EXPECT_EQ(ErrorForDecodeFailure(c.status()), ErrorType::Cmd(CmdError::kUnknown));
}

void ExpectSyntax(std::string_view what, const Bytes& bytes) {
  absl::StatusOr<Command> c = DecodeCommand(bytes);
  ASSERT_FALSE(c.ok()) << what;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << what << ": " << c.status();
  EXPECT_EQ(ErrorForDecodeFailure(c.status()), ErrorType::Cmd(CmdError::kSyntax));
}

TEST(NtfCommand, UnknownTag) {
  ExpectUnknown("empty", Str(""));
  ExpectUnknown("lowercase", Str("ping"));
  ExpectUnknown("longer tag", Str("PINGX"));
  ExpectUnknown("SMP command", Str("NSUB"));
  ExpectUnknown("response tag", Str("PONG"));
  ExpectUnknown("leading space", Str(" PING"));
  ExpectUnknown("binary", Hex("00ff20"));
  // The tag runs to the first space, so parameters without the space make an unknown tag.
  ExpectUnknown("TCRN without space", Hex("5443524e0014"));
}

TEST(NtfCommand, BadParameters) {
  ExpectSyntax("space after TCHK", Str("TCHK "));
  ExpectSyntax("params after PING", Str("PING x"));
  ExpectSyntax("TCRN without params", Str("TCRN"));
  ExpectSyntax("TCRN one byte", Hex("5443524e2000"));
  ExpectSyntax("TCRN two spaces", Hex("5443524e20200014"));
  ExpectSyntax("TVFY short string past end", Cat({Str("TVFY "), Hex("05"), Str("abc")}));
  ExpectSyntax("TNEW bad entity byte",
               Cat({Str("TNEW S"), Str("AP"), Hex("00"), Hex("00"), Hex("00")}));
  ExpectSyntax("TNEW unknown provider",
               Cat({Str("TNEW T"), Str("ZZ"), Hex("00"), Hex("00"), Hex("00")}));
  ExpectSyntax("TNEW missing DH key", Cat({Str("TNEW T"), Str("AP"), Hex("00"), Hex("00")}));
  ExpectSyntax("TRPL provider only", Str("TRPL AP"));
  ExpectSyntax("SNEW zero hosts", Cat({Str("SNEW S"), Hex("00"), Hex("00"), Hex("00"), Hex("20"),
                                       kKeyHash, Hex("00"), Hex("00")}));
  ExpectSyntax("SNEW bad host", Cat({Str("SNEW S"), Hex("00"), Hex("01"), Hex("03"), Str("a b"),
                                     Hex("00"), Hex("20"), kKeyHash, Hex("00"), Hex("00")}));
}

TEST(NtfCommand, TrailingBytesAreSyntaxErrors) {
  for (const Command& c : AllCommands()) {
    const Bytes bytes = *EncodeCommand(c);
    for (std::string_view extra : {" ", " x", "x", "\x7f"}) {
      // A parameterless tag followed directly by "x" is another (unknown) tag.
      if (bytes.size() == 4 && extra[0] != ' ') continue;
      ExpectSyntax(CommandTagName(TagOf(c)), Cat({bytes, Str(extra)}));
    }
  }
}

TEST(NtfCommand, TruncationIsASyntaxError) {
  for (const Command& c : AllCommands()) {
    const Bytes bytes = *EncodeCommand(c);
    if (bytes.size() == 4) continue;  // no parameters
    for (size_t n = 4; n < bytes.size(); ++n) {
      ExpectSyntax(CommandTagName(TagOf(c)), Bytes(bytes.begin(), bytes.begin() + n));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

TEST(NtfResponse, RoundTripEveryResponse) {
  for (const Response& r : AllResponses()) {
    absl::StatusOr<Bytes> bytes = EncodeResponse(r, kCurrentNtfVersion);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<Response> back = DecodeResponse(*bytes);
    ASSERT_TRUE(back.ok()) << Text(bytes) << ": " << back.status();
    EXPECT_EQ(*back, r) << Text(bytes);
    EXPECT_EQ(*EncodeResponse(*back, kCurrentNtfVersion), *bytes);
  }
}

TEST(NtfResponse, ExactBytesSimple) {
  EXPECT_EQ(Text(EncodeResponse(OkResponse{}, 3)), "OK");
  EXPECT_EQ(Text(EncodeResponse(PongResponse{}, 3)), "PONG");
  EXPECT_EQ(Text(EncodeResponse(ErrResponse{.error = ErrorType::Cmd(CmdError::kSyntax)}, 3)),
            "ERR CMD SYNTAX");
  EXPECT_EQ(Text(EncodeResponse(ErrResponse{.error = ErrorType::Cmd(CmdError::kNoAuth)}, 3)),
            "ERR CMD NO_AUTH");
  EXPECT_EQ(Text(EncodeResponse(ErrResponse{.error = ErrorType::Of(ErrorCode::kAuth)}, 3)),
            "ERR AUTH");
  EXPECT_EQ(Text(EncodeResponse(ErrResponse{.error = ErrorType::Of(ErrorCode::kQuota)}, 1)),
            "ERR QUOTA");
  EXPECT_EQ(Text(EncodeResponse(
                ErrResponse{.error = {.code = ErrorCode::kStore, .detail = "db down"}}, 3)),
            "ERR STORE db down");
  EXPECT_EQ(Text(EncodeResponse(TknResponse{.status = {.state = TokenState::kActive}}, 3)),
            "TKN ACTIVE");
  EXPECT_EQ(Text(EncodeResponse(SubResponse{.status = {.state = SubscriptionState::kPending}}, 3)),
            "SUB PENDING");
  EXPECT_EQ(Text(EncodeResponse(SubResponse{.status = {.state = SubscriptionState::kErr,
                                                       .error_text = "SMP error QUOTA"}},
                                3)),
            "SUB ERR SMP error QUOTA");
}

TEST(NtfResponse, InvalidReasonOnlyFromV3) {
  const Response r =
      TknResponse{.status = {.state = TokenState::kInvalid, .reason = InvalidReason::kBad}};
  EXPECT_EQ(Text(EncodeResponse(r, 3)), "TKN INVALID,BAD");
  EXPECT_EQ(Text(EncodeResponse(r, 2)), "TKN INVALID");
  EXPECT_EQ(Text(EncodeResponse(r, 1)), "TKN INVALID");
  EXPECT_EQ(FormatTokenStatus({.state = TokenState::kInvalid, .reason = InvalidReason::kTopic}),
            "INVALID,TOPIC");
  EXPECT_EQ(FormatTokenStatus({.state = TokenState::kInvalid, .reason = InvalidReason::kExpired}),
            "INVALID,EXPIRED");
  EXPECT_EQ(
      FormatTokenStatus({.state = TokenState::kInvalid, .reason = InvalidReason::kUnregistered}),
      "INVALID,UNREGISTERED");
  // A reason on a state other than INVALID is not written.
  EXPECT_EQ(FormatTokenStatus({.state = TokenState::kActive, .reason = InvalidReason::kBad}),
            "ACTIVE");
  // Decoding accepts the reason whatever the version.
  EXPECT_EQ(*DecodeResponse(Str("TKN INVALID,BAD")), r);
}

TEST(NtfResponse, ExactBytesIdtkn) {
  const Response r = IdtknResponse{.token_id = kTokenId, .server_dh_key = kX25519Spki};
  const Bytes expected = Cat({Str("IDTKN "), Hex("18"), kTokenId, Hex("2c"), kX25519Spki});
  EXPECT_EQ(*EncodeResponse(r, 3), expected);
  EXPECT_EQ(expected.size(), 6u + 25 + 45);
}

TEST(NtfResponse, ExactBytesIdsub) {
  const Bytes sid = Fill(24, 0x33);
  EXPECT_EQ(*EncodeResponse(IdsubResponse{.subscription_id = sid}, 3),
            Cat({Str("IDSUB "), Hex("18"), sid}));
}

TEST(NtfResponse, ErrorsThatCannotBeRepresented) {
  EXPECT_FALSE(EncodeResponse(ErrResponse{.error = ErrorType::Of(ErrorCode::kProxy)}, 3).ok());
  EXPECT_FALSE(EncodeResponse(ErrResponse{.error = ErrorType::Of(ErrorCode::kBlocked)}, 3).ok());
  EXPECT_FALSE(EncodeResponse(IdsubResponse{.subscription_id = Fill(256, 0)}, 3).ok());
}

TEST(NtfResponse, LegacyNoQueueIsNoEntity) {
  EXPECT_EQ(*DecodeResponse(Str("ERR CMD NO_QUEUE")),
            Response(ErrResponse{.error = ErrorType::Cmd(CmdError::kNoEntity)}));
}

TEST(NtfResponse, DecodeErrors) {
  struct Case {
    std::string_view text;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {"", absl::StatusCode::kUnimplemented},
      {"NOPE", absl::StatusCode::kUnimplemented},
      {"ok", absl::StatusCode::kUnimplemented},
      {"PING", absl::StatusCode::kUnimplemented},
      {"OK ", absl::StatusCode::kInvalidArgument},
      {"PONG x", absl::StatusCode::kInvalidArgument},
      {"ERR", absl::StatusCode::kInvalidArgument},
      {"ERR ", absl::StatusCode::kInvalidArgument},
      {"ERR AUTH ", absl::StatusCode::kInvalidArgument},
      {"ERR AUTH x", absl::StatusCode::kInvalidArgument},
      {"ERR FOO", absl::StatusCode::kInvalidArgument},
      {"ERR CMD", absl::StatusCode::kInvalidArgument},
      {"ERR CMD ", absl::StatusCode::kInvalidArgument},
      {"ERR CMD FOO", absl::StatusCode::kInvalidArgument},
      {"ERR CMD SYNTAX ", absl::StatusCode::kInvalidArgument},
      {"ERR STORE", absl::StatusCode::kInvalidArgument},
      {"ERR PROXY ", absl::StatusCode::kInvalidArgument},
      {"ERR BLOCKED", absl::StatusCode::kInvalidArgument},
      {"TKN", absl::StatusCode::kInvalidArgument},
      {"TKN ", absl::StatusCode::kInvalidArgument},
      {"TKN active", absl::StatusCode::kInvalidArgument},
      {"TKN ACTIVE ", absl::StatusCode::kInvalidArgument},
      {"TKN ACTIVE,BAD", absl::StatusCode::kInvalidArgument},
      {"TKN INVALID,", absl::StatusCode::kInvalidArgument},
      {"TKN INVALID,FOO", absl::StatusCode::kInvalidArgument},
      {"TKN INVALID,BAD ", absl::StatusCode::kInvalidArgument},
      {"TKN INVALID BAD", absl::StatusCode::kInvalidArgument},
      {"SUB", absl::StatusCode::kInvalidArgument},
      {"SUB ERR", absl::StatusCode::kInvalidArgument},
      {"SUB NEW ", absl::StatusCode::kInvalidArgument},
      {"SUB FOO", absl::StatusCode::kInvalidArgument},
      {"IDSUB", absl::StatusCode::kInvalidArgument},
      {"IDSUB \x02"
       "a",
       absl::StatusCode::kInvalidArgument},
      {"IDSUB \x01"
       "ab",
       absl::StatusCode::kInvalidArgument},
      {"IDTKN \x01"
       "a",
       absl::StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Response> r = DecodeResponse(Str(c.text));
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), c.code) << c.text << ": " << r.status();
  }
}

TEST(NtfResponse, StatusTextForms) {
  EXPECT_EQ(*ParseTokenStatus("INVALID,UNREGISTERED"),
            (TokenStatus{.state = TokenState::kInvalid, .reason = InvalidReason::kUnregistered}));
  EXPECT_EQ(*ParseSubscriptionStatus("ERR TransportError TEBadBlock"),
            (SubscriptionStatus{.state = SubscriptionState::kErr,
                                .error_text = "TransportError TEBadBlock"}));
  EXPECT_EQ(FormatError({.code = ErrorCode::kBlocked, .detail = "reason=spam"}),
            "BLOCKED reason=spam");
  EXPECT_EQ(*ParseError("DUPLICATE_"), ErrorType::Of(ErrorCode::kDuplicate));
  EXPECT_EQ(*ParseError("LARGE_MSG"), ErrorType::Of(ErrorCode::kLargeMsg));
}

// ---------------------------------------------------------------------------------------------
// Credential rules (§2.1)

TEST(NtfCredentials, CommandTable) {
  const Bytes entity = kTokenId;
  const std::optional<ErrorType> ok;
  const std::optional<ErrorType> no_auth = ErrorType::Cmd(CmdError::kNoAuth);
  const std::optional<ErrorType> has_auth = ErrorType::Cmd(CmdError::kHasAuth);
  struct Row {
    CommandTag tag;
    // (auth, entity): (no, no) (no, yes) (yes, no) (yes, yes)
    std::optional<ErrorType> expected[4];
  };
  const Row rows[] = {
      {CommandTag::kTnew, {no_auth, no_auth, ok, has_auth}},
      {CommandTag::kSnew, {no_auth, no_auth, ok, has_auth}},
      {CommandTag::kPing, {ok, has_auth, has_auth, has_auth}},
      {CommandTag::kTvfy, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kTchk, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kTrpl, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kTdel, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kTcrn, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kSchk, {no_auth, no_auth, no_auth, ok}},
      {CommandTag::kSdel, {no_auth, no_auth, no_auth, ok}},
  };
  for (const Row& row : rows) {
    for (int i = 0; i < 4; ++i) {
      const bool has = i >= 2;
      const ByteSpan ent = (i % 2) ? ByteSpan(entity) : ByteSpan();
      EXPECT_EQ(CheckCommandCredentials(row.tag, has, ent), row.expected[i])
          << CommandTagName(row.tag) << " auth=" << has << " entity=" << !ent.empty();
    }
  }
}

TEST(NtfCredentials, ResponseTable) {
  const Bytes entity = kTokenId;
  const std::optional<ErrorType> has_auth = ErrorType::Cmd(CmdError::kHasAuth);
  const std::optional<ErrorType> no_entity = ErrorType::Cmd(CmdError::kNoEntity);
  for (ResponseTag t : {ResponseTag::kIdtkn, ResponseTag::kIdsub, ResponseTag::kPong}) {
    EXPECT_EQ(CheckResponseCredentials(t, {}), std::nullopt) << ResponseTagName(t);
    EXPECT_EQ(CheckResponseCredentials(t, entity), has_auth) << ResponseTagName(t);
  }
  EXPECT_EQ(CheckResponseCredentials(ResponseTag::kErr, {}), std::nullopt);
  EXPECT_EQ(CheckResponseCredentials(ResponseTag::kErr, entity), std::nullopt);
  for (ResponseTag t : {ResponseTag::kOk, ResponseTag::kTkn, ResponseTag::kSub}) {
    EXPECT_EQ(CheckResponseCredentials(t, {}), no_entity) << ResponseTagName(t);
    EXPECT_EQ(CheckResponseCredentials(t, entity), std::nullopt) << ResponseTagName(t);
  }
}

// ---------------------------------------------------------------------------------------------
// Handshake and versions

ByteSpan ContentOf(const Bytes& block) { return *UnpadBlock(block, kNtfBlockSize); }

TEST(NtfHandshake, ServerHelloV1Layout) {
  const ServerHello hello{.versions = kLegacyNtfVersions, .session_id = kSession};
  absl::StatusOr<Bytes> block = EncodeServerHelloBlock(hello);
  ASSERT_TRUE(block.ok()) << block.status();
  ASSERT_EQ(block->size(), kNtfBlockSize);
  EXPECT_EQ(HexEncode(ContentOf(*block)),
            "00010001"
            "20" +
                HexEncode(kSession));
  EXPECT_EQ(HexEncode(ByteSpan(*block).subspan(0, 2)), "0025");
  EXPECT_EQ((*block)[kNtfBlockSize - 1], '#');
  EXPECT_EQ(*DecodeServerHelloBlock(*block), hello);
}

TEST(NtfHandshake, ServerHelloV3WithKey) {
  const Bytes key = Fill(300, 0x5c);  // opaque signed-key DER
  const ServerHello hello{
      .versions = kSupportedNtfVersions, .session_id = kSession, .signed_auth_key = key};
  Bytes block = *EncodeServerHelloBlock(hello);
  EXPECT_EQ(HexEncode(ContentOf(block)),
            "00010003"
            "20" +
                HexEncode(kSession) + "012c" + HexEncode(key));
  EXPECT_EQ(*DecodeServerHelloBlock(block), hello);
}

TEST(NtfHandshake, ServerHelloRules) {
  EXPECT_FALSE(EncodeServerHelloBlock({.versions = {1, 3}, .session_id = kSession}).ok());
  EXPECT_FALSE(EncodeServerHelloBlock(
                   {.versions = {1, 1}, .session_id = kSession, .signed_auth_key = Bytes{1}})
                   .ok());
  EXPECT_FALSE(EncodeServerHelloBlock({.versions = {3, 1}, .session_id = kSession}).ok());
  // Decoding: key required for max >= 2, min <= max, trailing bytes ignored.
  auto block = [](const Bytes& content) { return *PadBlock(content, kNtfBlockSize); };
  EXPECT_FALSE(DecodeServerHelloBlock(block(Cat({Hex("00010002"), Hex("20"), kSession}))).ok());
  EXPECT_FALSE(DecodeServerHelloBlock(block(Cat({Hex("00030001"), Hex("20"), kSession}))).ok());
  EXPECT_FALSE(DecodeServerHelloBlock(block(Hex("000100"))).ok());
  EXPECT_FALSE(DecodeServerHelloBlock(Bytes(511, '#')).ok());
  absl::StatusOr<ServerHello> h = DecodeServerHelloBlock(
      block(Cat({Hex("00010002"), Hex("20"), kSession, Hex("0002abcd"), Str("future extension")})));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->signed_auth_key, Hex("abcd"));
  h = DecodeServerHelloBlock(block(Cat({Hex("00010001"), Hex("20"), kSession, Str("xyz")})));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_FALSE(h->signed_auth_key.has_value());
}

TEST(NtfHandshake, ClientHello) {
  const ClientHello hello{.version = 3, .key_hash = kKeyHash};
  Bytes block = *EncodeClientHelloBlock(hello);
  EXPECT_EQ(HexEncode(ContentOf(block)),
            "0003"
            "20" +
                HexEncode(kKeyHash));
  EXPECT_EQ(*DecodeClientHelloBlock(block), hello);
  // Trailing bytes ignored; truncation rejected.
  EXPECT_EQ(*DecodeClientHelloBlock(
                *PadBlock(Cat({Hex("0003"), Hex("20"), kKeyHash, Str("more")}), kNtfBlockSize)),
            hello);
  EXPECT_FALSE(DecodeClientHelloBlock(*PadBlock(Hex("000320aa"), kNtfBlockSize)).ok());
}

TEST(NtfHandshake, Negotiation) {
  EXPECT_EQ(NegotiateVersion(kSupportedNtfVersions, kSupportedNtfVersions), 3);
  EXPECT_EQ(NegotiateVersion(kLegacyNtfVersions, kSupportedNtfVersions), 1);
  EXPECT_EQ(NegotiateVersion({1, 2}, {1, 3}), 2);
  EXPECT_EQ(NegotiateVersion({1, 5}, {2, 3}), 3);
  EXPECT_EQ(NegotiateVersion({2, 3}, {1, 1}), std::nullopt);
  EXPECT_TRUE(ServerAcceptsVersion(kSupportedNtfVersions, 1));
  EXPECT_TRUE(ServerAcceptsVersion(kSupportedNtfVersions, 3));
  EXPECT_FALSE(ServerAcceptsVersion(kSupportedNtfVersions, 0));
  EXPECT_FALSE(ServerAcceptsVersion(kSupportedNtfVersions, 4));
  EXPECT_FALSE(ServerAcceptsVersion(kLegacyNtfVersions, 2));
}

TEST(NtfHandshake, SessionParams) {
  const SessionParams v1 = MakeSessionParams(1, kSession);
  EXPECT_FALSE(v1.implied_session_id);
  EXPECT_FALSE(v1.batch);
  EXPECT_TRUE(v1.format().session_id_on_wire);
  EXPECT_FALSE(v1.format().service_byte);
  for (uint16_t v : {2, 3}) {
    const SessionParams p = MakeSessionParams(v, kSession);
    EXPECT_EQ(p.version, v);
    EXPECT_EQ(p.session_id, kSession);
    EXPECT_TRUE(p.implied_session_id);
    EXPECT_TRUE(p.batch);
    EXPECT_FALSE(p.format().session_id_on_wire);
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks

const SessionParams kV1 = MakeSessionParams(1, kSession);
const SessionParams kV2 = MakeSessionParams(2, kSession);
const SessionParams kV3 = MakeSessionParams(3, kSession);

Bytes BatchBlock(const std::vector<Bytes>& items) {
  return *PadBlock(*EncodeBatch(items), kNtfBlockSize);
}

Bytes T(const Bytes& auth, const Bytes& corr, const Bytes& entity, std::string_view command) {
  return Cat({Bytes{static_cast<uint8_t>(auth.size())}, auth,
              Bytes{static_cast<uint8_t>(corr.size())}, corr,
              Bytes{static_cast<uint8_t>(entity.size())}, entity, Str(command)});
}

TEST(NtfBlock, V1SingleTransmissionExactBytes) {
  const Transmission ping{.corr_id = kCorr, .command = Str("PING")};
  absl::StatusOr<std::vector<Bytes>> blocks = EncodeClientBlocks({ping}, kV1);
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  ASSERT_EQ(blocks->size(), 1u);
  // u16 length 64 || auth "" || short(sessionId) || short(corrId) || entity "" || "PING"
  EXPECT_EQ(HexEncode(ByteSpan(blocks->front()).subspan(0, 66)),
            "0040"
            "00"
            "20" +
                HexEncode(kSession) + "18" + HexEncode(kCorr) + "00" + HexEncode(Str("PING")));
  std::vector<ReceivedCommand> got = DecodeClientBlock(blocks->front(), kV1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].ok());
  EXPECT_EQ(std::get<Command>(got[0].result), Command(PingCommand{}));
  EXPECT_EQ(got[0].corr_id, kCorr);
  EXPECT_EQ(got[0].authorized,
            Cat({Hex("20"), kSession, Hex("18"), kCorr, Hex("00"), Str("PING")}));
}

TEST(NtfBlock, V1OneTransmissionPerBlock) {
  std::vector<Transmission> ts(3, Transmission{.corr_id = kCorr, .command = Str("PING")});
  EXPECT_EQ(EncodeClientBlocks(ts, kV1)->size(), 3u);
  std::vector<OutgoingResponse> rs(3,
                                   OutgoingResponse{.corr_id = kCorr, .response = PongResponse{}});
  absl::StatusOr<std::vector<Bytes>> blocks = EncodeServerBlocks(rs, kV1);
  ASSERT_EQ(blocks->size(), 3u);
  for (const Bytes& b : *blocks) {
    std::vector<ReceivedResponse> got = DecodeServerBlock(b, kV1);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].ok());
    EXPECT_EQ(std::get<Response>(got[0].result), Response(PongResponse{}));
    EXPECT_EQ(got[0].corr_id, kCorr);
  }
}

TEST(NtfBlock, V1WrongSessionIsSessionError) {
  const Transmission t{
      .auth = Fill(64, 9), .corr_id = kCorr, .entity_id = kTokenId, .command = Str("TCHK")};
  Bytes block = EncodeClientBlocks({t}, MakeSessionParams(1, Fill(32, 0x5a)))->front();
  std::vector<ReceivedCommand> got = DecodeClientBlock(block, kV1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<ErrorType>(got[0].result), ErrorType::Of(ErrorCode::kSession));
  EXPECT_EQ(got[0].corr_id, kCorr);
  EXPECT_TRUE(got[0].entity_id.empty());
  // The same on the client side.
  Bytes resp =
      EncodeServerBlocks({{.corr_id = kCorr, .entity_id = kTokenId, .response = OkResponse{}}},
                         MakeSessionParams(1, Fill(32, 0x5a)))
          ->front();
  std::vector<ReceivedResponse> r = DecodeServerBlock(resp, kV1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(std::get<ErrorType>(r[0].result), ErrorType::Of(ErrorCode::kSession));
  EXPECT_EQ(r[0].corr_id, kCorr);
}

TEST(NtfBlock, V2BatchOf50InOneBlock) {
  // 50 PINGs with 1-byte correlation ids: 50 * (2 + 8) + 1 = 501 bytes of content.
  std::vector<Bytes> items;
  for (uint8_t i = 0; i < 50; ++i) items.push_back(T({}, {i}, {}, "PING"));
  const Bytes block = BatchBlock(items);
  std::vector<ReceivedCommand> got = DecodeClientBlock(block, kV2);
  ASSERT_EQ(got.size(), 50u);
  for (uint8_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(got[i].ok()) << int(i);
    EXPECT_EQ(got[i].corr_id, Bytes{i});
    EXPECT_EQ(std::get<Command>(got[i].result), Command(PingCommand{}));
    // Implied session id: re-prepended to the authorized bytes.
    EXPECT_EQ(got[i].authorized,
              Cat({Hex("20"), kSession, Hex("01"), Bytes{i}, Hex("00"), Str("PING")}));
  }
}

TEST(NtfBlock, V2PacksLikeTheReferenceSender) {
  // TCHK with a 64-byte signature, 24-byte corrId and entity: 119 bytes, 121 with its length;
  // 4 fit the 493-byte limit.
  std::vector<Transmission> tchk;
  for (int i = 0; i < 50; ++i) {
    Bytes corr = kCorr;
    corr[0] = static_cast<uint8_t>(i);
    tchk.push_back(
        {.auth = Fill(64, 9), .corr_id = corr, .entity_id = kTokenId, .command = Str("TCHK")});
  }
  absl::StatusOr<std::vector<Bytes>> blocks = EncodeClientBlocks(tchk, kV2);
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  EXPECT_EQ(blocks->size(), 13u);  // ceil(50 / 4)
  std::vector<ReceivedCommand> all;
  for (const Bytes& b : *blocks) {
    ASSERT_EQ(b.size(), kNtfBlockSize);
    std::vector<ReceivedCommand> got = DecodeClientBlock(b, kV2);
    EXPECT_LE(got.size(), 4u);
    all.insert(all.end(), got.begin(), got.end());
  }
  ASSERT_EQ(all.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(all[i].ok()) << i;
    EXPECT_EQ(all[i].corr_id[0], i);
    EXPECT_EQ(all[i].entity_id, kTokenId);
    EXPECT_EQ(all[i].auth, Fill(64, 9));
    EXPECT_EQ(std::get<Command>(all[i].result), Command(TchkCommand{}));
  }
  // PING with a 24-byte corrId: 31 bytes, 33 with its length; 14 per block.
  std::vector<Transmission> pings(50, Transmission{.corr_id = kCorr, .command = Str("PING")});
  blocks = EncodeClientBlocks(pings, kV3);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 4u);
  EXPECT_EQ(DecodeClientBlock((*blocks)[0], kV3).size(), 14u);
  EXPECT_EQ(DecodeClientBlock((*blocks)[3], kV3).size(), 8u);
}

TEST(NtfBlock, BadItemsDoNotFailTheBlock) {
  const std::vector<Bytes> items = {
      T({}, {1}, {}, "PING"),                      // ok
      Hex("0005aa"),                               // unparsable: corrId runs past the end
      T(Fill(10, 1), {3}, kTokenId, "TCHK"),       // auth of a bad size
      T(Fill(64, 1), {4}, kTokenId, "TFOO"),       // unknown tag
      T(Fill(64, 1), {5}, kTokenId, "TCRN \x01"),  // bad parameters
      T(Fill(64, 1), {6}, {}, "TCHK"),             // no entity
      T({}, {7}, kTokenId, "TCHK"),                // no auth
      T(Fill(64, 1), {8}, {}, "PING"),             // signed PING
      T(Fill(80, 1), {9}, kTokenId, "TDEL"),       // authenticator: ok
      T(Fill(114, 1), {10}, kTokenId, "SDEL"),     // Ed448: ok
  };
  // Two blocks: all ten do not fit one.
  std::vector<ReceivedCommand> got =
      DecodeClientBlock(BatchBlock({items.begin(), items.begin() + 5}), kV2);
  ASSERT_EQ(got.size(), 5u);
  std::vector<ReceivedCommand> second =
      DecodeClientBlock(BatchBlock({items.begin() + 5, items.end()}), kV2);
  ASSERT_EQ(second.size(), 5u);
  got.insert(got.end(), second.begin(), second.end());
  auto err = [&](size_t i) { return std::get<ErrorType>(got[i].result); };
  EXPECT_TRUE(got[0].ok());
  EXPECT_EQ(err(1), ErrorType::Of(ErrorCode::kBlock));
  EXPECT_TRUE(got[1].corr_id.empty());
  EXPECT_EQ(err(2), ErrorType::Of(ErrorCode::kBlock));
  EXPECT_EQ(got[2].corr_id, Bytes{3});
  EXPECT_TRUE(got[2].entity_id.empty());
  EXPECT_EQ(err(3), ErrorType::Cmd(CmdError::kUnknown));
  EXPECT_EQ(got[3].corr_id, Bytes{4});
  EXPECT_EQ(got[3].entity_id, kTokenId);
  EXPECT_EQ(err(4), ErrorType::Cmd(CmdError::kSyntax));
  EXPECT_EQ(got[4].entity_id, kTokenId);
  EXPECT_EQ(err(5), ErrorType::Cmd(CmdError::kNoAuth));
  EXPECT_EQ(err(6), ErrorType::Cmd(CmdError::kNoAuth));
  EXPECT_EQ(err(7), ErrorType::Cmd(CmdError::kHasAuth));
  EXPECT_TRUE(got[8].ok());
  EXPECT_EQ(got[8].auth.size(), 80u);
  EXPECT_TRUE(got[9].ok());
  EXPECT_EQ(std::get<Command>(got[9].result), Command(SdelCommand{}));
}

TEST(NtfBlock, BrokenFramingIsOneBlockError) {
  const Bytes good = BatchBlock({T({}, {1}, {}, "PING")});
  std::vector<Bytes> bad = {
      Bytes(511, '#'),                      // wrong size
      Bytes(513, '#'),                      // wrong size
      *PadBlock(Hex("00"), kNtfBlockSize),  // batch count 0
      *PadBlock(Hex("02"
                    "0001"
                    "00"),
                kNtfBlockSize),  // count 2, one item
      *PadBlock(Hex("01"
                    "0009"
                    "00"),
                kNtfBlockSize),  // item past the end
      *PadBlock(Hex("01"
                    "0001"
                    "00"
                    "ff"),
                kNtfBlockSize),      // trailing byte
      *PadBlock({}, kNtfBlockSize),  // empty content
  };
  Bytes long_prefix = good;
  long_prefix[0] = 0x01;
  long_prefix[1] = 0xff;  // 511 > 510
  bad.push_back(long_prefix);
  for (size_t i = 0; i < bad.size(); ++i) {
    std::vector<ReceivedCommand> got = DecodeClientBlock(bad[i], kV2);
    ASSERT_EQ(got.size(), 1u) << i;
    EXPECT_EQ(std::get<ErrorType>(got[0].result), ErrorType::Of(ErrorCode::kBlock)) << i;
    EXPECT_TRUE(got[0].corr_id.empty());
    EXPECT_TRUE(got[0].entity_id.empty());
    std::vector<ReceivedResponse> r = DecodeServerBlock(bad[i], kV2);
    ASSERT_EQ(r.size(), 1u) << i;
    EXPECT_EQ(std::get<ErrorType>(r[0].result), ErrorType::Of(ErrorCode::kBlock)) << i;
  }
  // v1: an empty or unparsable transmission is one ERR BLOCK too.
  for (const Bytes& content : {Bytes{}, Hex("00"), Hex("0020")}) {
    std::vector<ReceivedCommand> got = DecodeClientBlock(*PadBlock(content, kNtfBlockSize), kV1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(std::get<ErrorType>(got[0].result), ErrorType::Of(ErrorCode::kBlock));
  }
}

TEST(NtfBlock, ServerResponsesRoundTrip) {
  std::vector<OutgoingResponse> out;
  for (const Response& r : AllResponses()) {
    const ResponseTag tag = TagOf(r);
    const bool no_entity =
        tag == ResponseTag::kIdtkn || tag == ResponseTag::kIdsub || tag == ResponseTag::kPong;
    out.push_back({.corr_id = kCorr, .entity_id = no_entity ? Bytes{} : kTokenId, .response = r});
  }
  for (const SessionParams& s : {kV1, kV2, kV3}) {
    absl::StatusOr<std::vector<Bytes>> blocks = EncodeServerBlocks(out, s);
    ASSERT_TRUE(blocks.ok()) << blocks.status();
    if (!s.batch) {
      EXPECT_EQ(blocks->size(), out.size());
    }
    std::vector<ReceivedResponse> got;
    for (const Bytes& b : *blocks) {
      std::vector<ReceivedResponse> part = DecodeServerBlock(b, s);
      got.insert(got.end(), part.begin(), part.end());
    }
    ASSERT_EQ(got.size(), out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_TRUE(got[i].ok()) << i << " v" << s.version;
      EXPECT_EQ(got[i].corr_id, out[i].corr_id);
      EXPECT_EQ(got[i].entity_id, out[i].entity_id);
      const Response& sent = out[i].response;
      const Response& received = std::get<Response>(got[i].result);
      const auto* tkn = std::get_if<TknResponse>(&sent);
      if (s.version < kInvalidReasonNtfVersion && tkn && tkn->status.reason) {
        EXPECT_EQ(received, Response(TknResponse{.status = {.state = TokenState::kInvalid}}));
      } else {
        EXPECT_EQ(received, sent) << i << " v" << s.version;
      }
    }
  }
}

TEST(NtfBlock, ClientSideCredentialChecks) {
  const std::vector<OutgoingResponse> out = {
      {.corr_id = kCorr, .response = OkResponse{}},                           // no entity
      {.corr_id = kCorr, .entity_id = kTokenId, .response = PongResponse{}},  // has entity
      {.corr_id = kCorr, .response = ErrResponse{.error = ErrorType::Of(ErrorCode::kAuth)}},
  };
  std::vector<ReceivedResponse> got = DecodeServerBlock(EncodeServerBlocks(out, kV3)->front(), kV3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(std::get<ErrorType>(got[0].result), ErrorType::Cmd(CmdError::kNoEntity));
  EXPECT_EQ(std::get<ErrorType>(got[1].result), ErrorType::Cmd(CmdError::kHasAuth));
  EXPECT_TRUE(got[2].ok());
}

TEST(NtfBlock, OversizedResponseFails) {
  const OutgoingResponse big{.corr_id = kCorr,
                             .entity_id = kTokenId,
                             .response = ErrResponse{.error = {.code = ErrorCode::kStore,
                                                               .detail = std::string(600, 'x')}}};
  EXPECT_FALSE(EncodeServerBlocks({big}, kV1).ok());
  EXPECT_FALSE(EncodeServerBlocks({big}, kV3).ok());
  const OutgoingResponse bad_corr{.corr_id = Fill(256, 0), .response = OkResponse{}};
  EXPECT_FALSE(EncodeServerBlocks({bad_corr}, kV3).ok());
}

TEST(NtfBlock, SignedCommandEndToEnd) {
  // Client: encode a TNEW, compute the bytes to sign, "sign", block it; server: decode.
  const Command tnew = AllCommands()[0];
  const Bytes command = *EncodeCommand(tnew);
  const Bytes to_sign = *BytesToAuthorize(kSession, kCorr, {}, command);
  const Bytes sig = Fill(64, 0xee);
  for (const SessionParams& s : {kV1, kV3}) {
    absl::StatusOr<std::vector<Bytes>> blocks =
        EncodeClientBlocks({{.auth = sig, .corr_id = kCorr, .command = command}}, s);
    ASSERT_TRUE(blocks.ok()) << blocks.status();
    ASSERT_EQ(blocks->size(), 1u);
    std::vector<ReceivedCommand> got = DecodeClientBlock(blocks->front(), s);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].ok()) << FormatError(std::get<ErrorType>(got[0].result));
    EXPECT_EQ(std::get<Command>(got[0].result), tnew);
    EXPECT_EQ(got[0].auth, sig);
    EXPECT_EQ(got[0].authorized, to_sign);
  }
}

}  // namespace
}  // namespace ntf::wire
