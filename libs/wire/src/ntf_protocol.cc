#include "ntf/wire/ntf_protocol.h"

#include <algorithm>
#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/block.h"

namespace ntf::wire {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string Quote(std::string_view s) {
  return absl::StrCat("\"", absl::CHexEscape(absl::string_view(s.data(), s.size())), "\"");
}

// Looks `name` up in a table indexed by enum value.
template <class Enum, size_t N>
std::optional<Enum> Lookup(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <class Enum, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, Enum e) {
  const auto i = static_cast<size_t>(e);
  return i < N ? names[i] : std::string_view("?");
}

constexpr std::array<std::string_view, 5> kProviderTags = {"AD", "AP", "AT", "AN", "FC"};
constexpr std::array<std::string_view, 5> kProviderNames = {"apns_dev", "apns_prod", "apns_test",
                                                            "apns_null", "fcm"};
constexpr std::array<std::string_view, 6> kTokenStates = {"NEW",       "REGISTERED", "INVALID",
                                                          "CONFIRMED", "ACTIVE",     "EXPIRED"};
constexpr std::array<std::string_view, 4> kInvalidReasons = {"BAD", "TOPIC", "EXPIRED",
                                                             "UNREGISTERED"};
constexpr std::array<std::string_view, 9> kSubStates = {
    "NEW", "PENDING", "ACTIVE", "INACTIVE", "END", "DELETED", "AUTH", "SERVICE", "ERR"};
constexpr std::array<std::string_view, 15> kErrorCodes = {
    "BLOCK", "SESSION", "CMD",    "PROXY",     "AUTH",    "BLOCKED",  "SERVICE",   "CRYPTO",
    "QUOTA", "STORE",   "NO_MSG", "LARGE_MSG", "EXPIRED", "INTERNAL", "DUPLICATE_"};
constexpr std::array<std::string_view, 6> kCmdErrors = {"UNKNOWN", "SYNTAX",   "PROHIBITED",
                                                        "NO_AUTH", "HAS_AUTH", "NO_ENTITY"};
constexpr std::array<std::string_view, 10> kCommandTags = {"TNEW", "TVFY", "TCHK", "TRPL", "TDEL",
                                                           "TCRN", "SNEW", "SCHK", "SDEL", "PING"};
constexpr std::array<std::string_view, 7> kResponseTags = {"IDTKN", "IDSUB", "OK",  "ERR",
                                                           "TKN",   "SUB",   "PONG"};

// Splits at the first space: the word before it and the rest, which starts with the space.
std::pair<std::string_view, std::string_view> SplitWord(std::string_view s,
                                                        std::string_view stops) {
  const size_t end = std::min(s.find_first_of(stops), s.size());
  return {s.substr(0, end), s.substr(end)};
}

absl::Status Syntax(std::string_view what, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": ", std::string(why)));
}

// ---- device tokens

void WriteDeviceToken(Writer& w, const DeviceToken& t) {
  w.Raw(PushProviderTag(t.provider)).Short(t.token);
}

DeviceToken ReadDeviceToken(Reader& r) {
  DeviceToken t;
  const std::string_view tag = AsStringView(r.Raw(2, "push provider"));
  if (r.ok()) {
    if (std::optional<PushProvider> p = Lookup<PushProvider>(kProviderTags, tag)) {
      t.provider = *p;
    } else {
      r.Fail(absl::StrCat("push provider: unknown tag ", Quote(tag)));
    }
  }
  ByteSpan token = r.Short("device token");
  t.token.assign(token.begin(), token.end());
  return t;
}

Bytes Copy(ByteSpan b) { return Bytes(b.begin(), b.end()); }

// ---- commands

void WriteCommand(Writer& w, const Command& command) {
  w.Raw(CommandTagName(TagOf(command)));
  std::visit(Overloaded{
                 [&](const TnewCommand& c) {
                   w.U8(' ').U8('T');
                   WriteDeviceToken(w, c.device_token);
                   w.Short(c.verify_key).Short(c.dh_key);
                 },
                 [&](const TvfyCommand& c) { w.U8(' ').Short(c.reg_code); },
                 [&](const TrplCommand& c) {
                   w.U8(' ');
                   WriteDeviceToken(w, c.device_token);
                 },
                 [&](const TcrnCommand& c) { w.U8(' ').U16(c.interval_minutes); },
                 [&](const SnewCommand& c) {
                   w.U8(' ').U8('S').Short(c.token_id);
                   WriteProtocolServer(w, c.smp_server);
                   w.Short(c.notifier_id).Short(c.notifier_key);
                 },
                 [](const auto&) {},  // no parameters
             },
             command);
}

absl::StatusOr<Command> ReadCommandParams(CommandTag tag, ByteSpan params) {
  Reader r(params);
  Command command;
  switch (tag) {
    case CommandTag::kTnew: {
      TnewCommand c;
      r.Expect('T', "TNEW entity");
      c.device_token = ReadDeviceToken(r);
      c.verify_key = Copy(r.Short("TNEW verify key"));
      c.dh_key = Copy(r.Short("TNEW DH key"));
      command = std::move(c);
      break;
    }
    case CommandTag::kTvfy:
      command = TvfyCommand{.reg_code = Copy(r.Short("TVFY code"))};
      break;
    case CommandTag::kTrpl:
      command = TrplCommand{.device_token = ReadDeviceToken(r)};
      break;
    case CommandTag::kTcrn:
      command = TcrnCommand{.interval_minutes = r.U16("TCRN interval")};
      break;
    case CommandTag::kSnew: {
      SnewCommand c;
      r.Expect('S', "SNEW entity");
      c.token_id = Copy(r.Short("SNEW token id"));
      if (r.ok()) c.smp_server = ReadProtocolServer(r);
      c.notifier_id = Copy(r.Short("SNEW notifier id"));
      c.notifier_key = Copy(r.Short("SNEW notifier key"));
      command = std::move(c);
      break;
    }
    default:
      return absl::InternalError("command without parameters");
  }
  if (absl::Status s = r.Done(CommandTagName(tag)); !s.ok()) return s;
  return command;
}

// ---- responses

void WriteResponse(Writer& w, const Response& response, uint16_t version) {
  w.Raw(ResponseTagName(TagOf(response)));
  std::visit(
      Overloaded{
          [&](const IdtknResponse& r) { w.U8(' ').Short(r.token_id).Short(r.server_dh_key); },
          [&](const IdsubResponse& r) { w.U8(' ').Short(r.subscription_id); },
          [&](const ErrResponse& r) { w.U8(' ').Raw(FormatError(r.error)); },
          [&](const TknResponse& r) { w.U8(' ').Raw(FormatTokenStatus(r.status, version)); },
          [&](const SubResponse& r) { w.U8(' ').Raw(FormatSubscriptionStatus(r.status)); },
          [](const auto&) {},  // no parameters
      },
      response);
}

absl::StatusOr<Response> ReadResponseParams(ResponseTag tag, ByteSpan params) {
  const std::string_view text = AsStringView(params);
  switch (tag) {
    case ResponseTag::kIdtkn: {
      Reader r(params);
      IdtknResponse resp;
      resp.token_id = Copy(r.Short("IDTKN token id"));
      resp.server_dh_key = Copy(r.Short("IDTKN DH key"));
      if (absl::Status s = r.Done("IDTKN"); !s.ok()) return s;
      return resp;
    }
    case ResponseTag::kIdsub: {
      Reader r(params);
      IdsubResponse resp{.subscription_id = Copy(r.Short("IDSUB subscription id"))};
      if (absl::Status s = r.Done("IDSUB"); !s.ok()) return s;
      return resp;
    }
    case ResponseTag::kErr: {
      absl::StatusOr<ErrorType> e = ParseError(text);
      if (!e.ok()) return e.status();
      return ErrResponse{.error = *std::move(e)};
    }
    case ResponseTag::kTkn: {
      absl::StatusOr<TokenStatus> s = ParseTokenStatus(text);
      if (!s.ok()) return s.status();
      return TknResponse{.status = *s};
    }
    case ResponseTag::kSub: {
      absl::StatusOr<SubscriptionStatus> s = ParseSubscriptionStatus(text);
      if (!s.ok()) return s.status();
      return SubResponse{.status = *std::move(s)};
    }
    default:
      return absl::InternalError("response without parameters");
  }
}

bool HasParams(CommandTag tag) {
  return tag == CommandTag::kTnew || tag == CommandTag::kTvfy || tag == CommandTag::kTrpl ||
         tag == CommandTag::kTcrn || tag == CommandTag::kSnew;
}

bool HasParams(ResponseTag tag) {
  return tag == ResponseTag::kIdtkn || tag == ResponseTag::kIdsub || tag == ResponseTag::kErr ||
         tag == ResponseTag::kTkn || tag == ResponseTag::kSub;
}

// The reference's parseProtocol: the tag runs to the first space; a tag with parameters needs
// exactly one space before them, a tag without parameters must end the message.
template <class Tag, class Value, size_t N, class ReadParams>
absl::StatusOr<Value> DecodeTagged(ByteSpan bytes, const std::array<std::string_view, N>& tags,
                                   std::string_view kind, ReadParams read_params) {
  const auto [tag_text, rest] = SplitWord(AsStringView(bytes), " ");
  const std::optional<Tag> tag = Lookup<Tag>(tags, tag_text);
  if (!tag) {
    return absl::UnimplementedError(
        absl::StrCat("unknown ", std::string(kind), " tag ", Quote(tag_text)));
  }
  const std::string_view name = tags[static_cast<size_t>(*tag)];
  if (!HasParams(*tag)) {
    if (!rest.empty()) return Syntax(name, absl::StrCat(rest.size(), " unexpected trailing bytes"));
    return read_params(*tag, ByteSpan());
  }
  if (rest.empty()) return Syntax(name, "missing parameters");
  return read_params(*tag, AsSpan(rest.substr(1)));
}

ReceivedCommand DecodeClientTransmission(ByteSpan item, const SessionParams& session) {
  ReceivedCommand out;
  absl::StatusOr<TransmissionView> t = DecodeTransmission(item, session.format());
  if (!t.ok()) {
    out.result = ErrorType::Of(ErrorCode::kBlock);
    return out;
  }
  out.corr_id = Copy(t->corr_id);
  if (t->session_id && AsStringView(*t->session_id) != AsStringView(session.session_id)) {
    out.result = ErrorType::Of(ErrorCode::kSession);
    return out;
  }
  const size_t auth_size = t->auth.size();
  if (!ClassifyAuthorization(auth_size)) {
    out.result = ErrorType::Of(ErrorCode::kBlock);
    return out;
  }
  out.entity_id = Copy(t->entity_id);
  absl::StatusOr<Command> command = DecodeCommand(t->command);
  if (!command.ok()) {
    out.result = ErrorForDecodeFailure(command.status());
    return out;
  }
  if (std::optional<ErrorType> e =
          CheckCommandCredentials(TagOf(*command), !t->auth.empty(), t->entity_id)) {
    out.result = *e;
    return out;
  }
  absl::StatusOr<Bytes> authorized =
      BytesToAuthorize(session.session_id, t->corr_id, t->entity_id, t->command);
  if (!authorized.ok()) {  // only with a session id over 255 bytes
    out.result = ErrorType::Of(ErrorCode::kInternal);
    return out;
  }
  out.auth = Copy(t->auth);
  out.authorized = *std::move(authorized);
  out.result = *std::move(command);
  return out;
}

ReceivedResponse DecodeServerTransmission(ByteSpan item, const SessionParams& session) {
  ReceivedResponse out;
  absl::StatusOr<TransmissionView> t = DecodeTransmission(item, session.format());
  if (!t.ok()) {
    out.result = ErrorType::Of(ErrorCode::kBlock);
    return out;
  }
  out.corr_id = Copy(t->corr_id);
  if (t->session_id && AsStringView(*t->session_id) != AsStringView(session.session_id)) {
    out.result = ErrorType::Of(ErrorCode::kSession);
    return out;
  }
  out.entity_id = Copy(t->entity_id);
  absl::StatusOr<Response> response = DecodeResponse(t->command);
  if (!response.ok()) {
    out.result = ErrorForDecodeFailure(response.status());
    return out;
  }
  if (std::optional<ErrorType> e = CheckResponseCredentials(TagOf(*response), t->entity_id)) {
    out.result = *e;
    return out;
  }
  out.result = *std::move(response);
  return out;
}

// The transmissions of one block, or nullopt if its framing is broken.
std::optional<std::vector<ByteSpan>> BlockItems(ByteSpan block, const SessionParams& session) {
  absl::StatusOr<ByteSpan> content = UnpadBlock(block, kNtfBlockSize);
  if (!content.ok()) return std::nullopt;
  if (!session.batch) return std::vector<ByteSpan>{*content};
  absl::StatusOr<std::vector<ByteSpan>> items = DecodeBatch(*content);
  if (!items.ok()) return std::nullopt;
  return *std::move(items);
}

absl::StatusOr<std::vector<Bytes>> EncodeBlocks(absl::Span<const Bytes> transmissions,
                                                const SessionParams& session) {
  std::vector<Bytes> contents;
  if (session.batch) {
    absl::StatusOr<std::vector<Bytes>> batches = PackBatches(transmissions, kNtfBlockSize);
    if (!batches.ok()) return batches.status();
    contents = *std::move(batches);
  } else {
    contents.assign(transmissions.begin(), transmissions.end());
  }
  std::vector<Bytes> blocks;
  blocks.reserve(contents.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    absl::StatusOr<Bytes> block = PadBlock(contents[i], kNtfBlockSize);
    if (!block.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("transmission ", i, ": ", block.status().message()));
    }
    blocks.push_back(*std::move(block));
  }
  return blocks;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Handshake

absl::StatusOr<Bytes> EncodeServerHelloBlock(const ServerHello& hello) {
  if (hello.versions.min > hello.versions.max) {
    return absl::InvalidArgumentError("server hello: empty version range");
  }
  const bool needs_key = hello.versions.max >= kAuthBatchCmdsNtfVersion;
  if (needs_key != hello.signed_auth_key.has_value()) {
    return absl::InvalidArgumentError(needs_key ? "server hello: auth key required for v2+"
                                                : "server hello: auth key only for v2+");
  }
  Writer w;
  w.U16(hello.versions.min).U16(hello.versions.max).Short(hello.session_id);
  if (needs_key) w.Large(*hello.signed_auth_key);
  absl::StatusOr<Bytes> content = w.Finish();
  if (!content.ok()) return content.status();
  return PadBlock(*content, kNtfBlockSize);
}

absl::StatusOr<ServerHello> DecodeServerHelloBlock(ByteSpan block) {
  absl::StatusOr<ByteSpan> content = UnpadBlock(block, kNtfBlockSize);
  if (!content.ok()) return content.status();
  Reader r(*content);
  ServerHello hello;
  hello.versions.min = r.U16("server hello min version");
  hello.versions.max = r.U16("server hello max version");
  hello.session_id = Copy(r.Short("server hello session id"));
  if (r.ok() && hello.versions.min > hello.versions.max) r.Fail("server hello: bad version range");
  if (r.ok() && hello.versions.max >= kAuthBatchCmdsNtfVersion) {
    hello.signed_auth_key = Copy(r.Large("server hello auth key"));
  }
  if (!r.ok()) return r.status();
  return hello;  // trailing bytes are ignored (forward compatibility)
}

absl::StatusOr<Bytes> EncodeClientHelloBlock(const ClientHello& hello) {
  Writer w;
  w.U16(hello.version).Short(hello.key_hash);
  absl::StatusOr<Bytes> content = w.Finish();
  if (!content.ok()) return content.status();
  return PadBlock(*content, kNtfBlockSize);
}

absl::StatusOr<ClientHello> DecodeClientHelloBlock(ByteSpan block) {
  absl::StatusOr<ByteSpan> content = UnpadBlock(block, kNtfBlockSize);
  if (!content.ok()) return content.status();
  Reader r(*content);
  ClientHello hello;
  hello.version = r.U16("client hello version");
  hello.key_hash = Copy(r.Short("client hello key hash"));
  if (!r.ok()) return r.status();
  return hello;  // trailing bytes are ignored
}

std::optional<uint16_t> NegotiateVersion(VersionRange server, VersionRange client) {
  const uint16_t lo = std::max(server.min, client.min);
  const uint16_t hi = std::min(server.max, client.max);
  if (lo > hi) return std::nullopt;
  return hi;
}

bool ServerAcceptsVersion(VersionRange server, uint16_t version) {
  return server.min <= version && version <= server.max;
}

SessionParams MakeSessionParams(uint16_t version, ByteSpan session_id) {
  const bool v2 = version >= kAuthBatchCmdsNtfVersion;
  return SessionParams{
      .version = version, .session_id = Copy(session_id), .implied_session_id = v2, .batch = v2};
}

// ---------------------------------------------------------------------------------------------
// Values

std::string_view PushProviderTag(PushProvider p) { return NameOf(kProviderTags, p); }
std::string_view PushProviderName(PushProvider p) { return NameOf(kProviderNames, p); }
std::optional<PushProvider> ParsePushProviderName(std::string_view name) {
  return Lookup<PushProvider>(kProviderNames, name);
}

std::string FormatTokenStatus(const TokenStatus& status, uint16_t version) {
  std::string out(NameOf(kTokenStates, status.state));
  if (status.state == TokenState::kInvalid && status.reason &&
      version >= kInvalidReasonNtfVersion) {
    absl::StrAppend(&out, ",", std::string(NameOf(kInvalidReasons, *status.reason)));
  }
  return out;
}

absl::StatusOr<TokenStatus> ParseTokenStatus(std::string_view text) {
  const auto [word, rest] = SplitWord(text, " ,");
  const std::optional<TokenState> state = Lookup<TokenState>(kTokenStates, word);
  if (!state) return Syntax("token status", absl::StrCat("unknown ", Quote(word)));
  TokenStatus status{.state = *state};
  if (rest.empty()) return status;
  if (*state == TokenState::kInvalid && rest[0] == ',') {
    status.reason = Lookup<InvalidReason>(kInvalidReasons, rest.substr(1));
    if (!status.reason) {
      return Syntax("token status", absl::StrCat("unknown reason ", Quote(rest.substr(1))));
    }
    return status;
  }
  return Syntax("token status", absl::StrCat(rest.size(), " unexpected trailing bytes"));
}

std::string FormatSubscriptionStatus(const SubscriptionStatus& status) {
  std::string out(NameOf(kSubStates, status.state));
  if (status.state == SubscriptionState::kErr) absl::StrAppend(&out, " ", status.error_text);
  return out;
}

absl::StatusOr<SubscriptionStatus> ParseSubscriptionStatus(std::string_view text) {
  const auto [word, rest] = SplitWord(text, " ");
  const std::optional<SubscriptionState> state = Lookup<SubscriptionState>(kSubStates, word);
  if (!state) return Syntax("subscription status", absl::StrCat("unknown ", Quote(word)));
  if (*state == SubscriptionState::kErr) {
    if (rest.empty()) return Syntax("subscription status", "ERR without text");
    return SubscriptionStatus{.state = *state, .error_text = std::string(rest.substr(1))};
  }
  if (!rest.empty()) {
    return Syntax("subscription status", absl::StrCat(rest.size(), " unexpected trailing bytes"));
  }
  return SubscriptionStatus{.state = *state};
}

std::string FormatError(const ErrorType& error) {
  std::string out(NameOf(kErrorCodes, error.code));
  switch (error.code) {
    case ErrorCode::kCmd:
      absl::StrAppend(&out, " ", std::string(NameOf(kCmdErrors, error.cmd)));
      break;
    case ErrorCode::kProxy:
    case ErrorCode::kBlocked:
    case ErrorCode::kStore:
      absl::StrAppend(&out, " ", error.detail);
      break;
    default:
      break;
  }
  return out;
}

absl::StatusOr<ErrorType> ParseError(std::string_view text) {
  const auto [word, rest] = SplitWord(text, " ");
  const std::optional<ErrorCode> code = Lookup<ErrorCode>(kErrorCodes, word);
  if (!code) return Syntax("error", absl::StrCat("unknown ", Quote(word)));
  ErrorType error{.code = *code};
  switch (*code) {
    case ErrorCode::kCmd: {
      if (rest.empty()) return Syntax("error", "CMD without type");
      const std::string_view sub = rest.substr(1);
      std::optional<CmdError> cmd = Lookup<CmdError>(kCmdErrors, sub);
      if (!cmd && sub == "NO_QUEUE") cmd = CmdError::kNoEntity;  // legacy name
      if (!cmd) return Syntax("error", absl::StrCat("unknown CMD type ", Quote(sub)));
      error.cmd = *cmd;
      return error;
    }
    case ErrorCode::kProxy:
    case ErrorCode::kBlocked:
      if (rest.size() < 2)
        return Syntax("error", absl::StrCat(std::string(word), " without detail"));
      error.detail = std::string(rest.substr(1));
      return error;
    case ErrorCode::kStore:
      if (rest.empty()) return Syntax("error", "STORE without text");
      error.detail = std::string(rest.substr(1));
      return error;
    default:
      if (!rest.empty()) {
        return Syntax("error", absl::StrCat(rest.size(), " unexpected trailing bytes"));
      }
      return error;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands and responses

CommandTag TagOf(const Command& command) { return static_cast<CommandTag>(command.index()); }
std::string_view CommandTagName(CommandTag tag) { return NameOf(kCommandTags, tag); }

absl::StatusOr<Bytes> EncodeCommand(const Command& command) {
  if (const auto* snew = std::get_if<SnewCommand>(&command)) {
    if (absl::Status s = ValidateProtocolServer(snew->smp_server); !s.ok()) return s;
  }
  Writer w;
  WriteCommand(w, command);
  return w.Finish();
}

absl::StatusOr<Command> DecodeCommand(ByteSpan bytes) {
  return DecodeTagged<CommandTag, Command>(
      bytes, kCommandTags, "command",
      [](CommandTag tag, ByteSpan params) -> absl::StatusOr<Command> {
        switch (tag) {
          case CommandTag::kTchk:
            return TchkCommand{};
          case CommandTag::kTdel:
            return TdelCommand{};
          case CommandTag::kSchk:
            return SchkCommand{};
          case CommandTag::kSdel:
            return SdelCommand{};
          case CommandTag::kPing:
            return PingCommand{};
          default:
            return ReadCommandParams(tag, params);
        }
      });
}

ResponseTag TagOf(const Response& response) { return static_cast<ResponseTag>(response.index()); }
std::string_view ResponseTagName(ResponseTag tag) { return NameOf(kResponseTags, tag); }

absl::StatusOr<Bytes> EncodeResponse(const Response& response, uint16_t version) {
  if (const auto* err = std::get_if<ErrResponse>(&response)) {
    const ErrorCode code = err->error.code;
    if ((code == ErrorCode::kProxy || code == ErrorCode::kBlocked) && err->error.detail.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ERR ", std::string(NameOf(kErrorCodes, code)), " needs a detail"));
    }
  }
  Writer w;
  WriteResponse(w, response, version);
  return w.Finish();
}

absl::StatusOr<Response> DecodeResponse(ByteSpan bytes) {
  return DecodeTagged<ResponseTag, Response>(
      bytes, kResponseTags, "response",
      [](ResponseTag tag, ByteSpan params) -> absl::StatusOr<Response> {
        switch (tag) {
          case ResponseTag::kOk:
            return OkResponse{};
          case ResponseTag::kPong:
            return PongResponse{};
          default:
            return ReadResponseParams(tag, params);
        }
      });
}

ErrorType ErrorForDecodeFailure(const absl::Status& status) {
  return ErrorType::Cmd(status.code() == absl::StatusCode::kUnimplemented ? CmdError::kUnknown
                                                                          : CmdError::kSyntax);
}

// ---------------------------------------------------------------------------------------------
// Credentials

std::optional<ErrorType> CheckCommandCredentials(CommandTag tag, bool has_auth,
                                                 ByteSpan entity_id) {
  switch (tag) {
    case CommandTag::kTnew:
    case CommandTag::kSnew:
      if (!has_auth) return ErrorType::Cmd(CmdError::kNoAuth);
      if (!entity_id.empty()) return ErrorType::Cmd(CmdError::kHasAuth);
      return std::nullopt;
    case CommandTag::kPing:
      if (has_auth || !entity_id.empty()) return ErrorType::Cmd(CmdError::kHasAuth);
      return std::nullopt;
    default:
      if (!has_auth || entity_id.empty()) return ErrorType::Cmd(CmdError::kNoAuth);
      return std::nullopt;
  }
}

std::optional<ErrorType> CheckResponseCredentials(ResponseTag tag, ByteSpan entity_id) {
  switch (tag) {
    case ResponseTag::kIdtkn:
    case ResponseTag::kIdsub:
    case ResponseTag::kPong:
      if (!entity_id.empty()) return ErrorType::Cmd(CmdError::kHasAuth);
      return std::nullopt;
    case ResponseTag::kErr:
      return std::nullopt;
    default:
      if (entity_id.empty()) return ErrorType::Cmd(CmdError::kNoEntity);
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks

std::vector<ReceivedCommand> DecodeClientBlock(ByteSpan block, const SessionParams& session) {
  std::vector<ReceivedCommand> out;
  std::optional<std::vector<ByteSpan>> items = BlockItems(block, session);
  if (!items) {
    out.push_back(ReceivedCommand{.result = ErrorType::Of(ErrorCode::kBlock)});
    return out;
  }
  out.reserve(items->size());
  for (ByteSpan item : *items) out.push_back(DecodeClientTransmission(item, session));
  return out;
}

std::vector<ReceivedResponse> DecodeServerBlock(ByteSpan block, const SessionParams& session) {
  std::vector<ReceivedResponse> out;
  std::optional<std::vector<ByteSpan>> items = BlockItems(block, session);
  if (!items) {
    out.push_back(ReceivedResponse{.result = ErrorType::Of(ErrorCode::kBlock)});
    return out;
  }
  out.reserve(items->size());
  for (ByteSpan item : *items) out.push_back(DecodeServerTransmission(item, session));
  return out;
}

absl::StatusOr<std::vector<Bytes>> EncodeServerBlocks(absl::Span<const OutgoingResponse> responses,
                                                      const SessionParams& session) {
  std::vector<Bytes> transmissions;
  transmissions.reserve(responses.size());
  for (size_t i = 0; i < responses.size(); ++i) {
    const OutgoingResponse& r = responses[i];
    absl::StatusOr<Bytes> command = EncodeResponse(r.response, session.version);
    if (!command.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("response ", i, ": ", command.status().message()));
    }
    absl::StatusOr<Bytes> t = EncodeTransmission(
        Transmission{
            .corr_id = r.corr_id, .entity_id = r.entity_id, .command = *std::move(command)},
        session.session_id, session.format());
    if (!t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("response ", i, ": ", t.status().message()));
    }
    transmissions.push_back(*std::move(t));
  }
  return EncodeBlocks(transmissions, session);
}

absl::StatusOr<std::vector<Bytes>> EncodeClientBlocks(absl::Span<const Transmission> transmissions,
                                                      const SessionParams& session) {
  std::vector<Bytes> encoded;
  encoded.reserve(transmissions.size());
  for (size_t i = 0; i < transmissions.size(); ++i) {
    // format() has no service byte, so a service_sig is never written.
    absl::StatusOr<Bytes> bytes =
        EncodeTransmission(transmissions[i], session.session_id, session.format());
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("transmission ", i, ": ", bytes.status().message()));
    }
    encoded.push_back(*std::move(bytes));
  }
  return EncodeBlocks(encoded, session);
}

}  // namespace ntf::wire
