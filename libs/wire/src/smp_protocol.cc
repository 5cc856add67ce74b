// Commands, responses and error types of SMP (spec/smp-notifier.md §6): encoders and strict
// decoders. Transmissions and batches are in smp_transmission.cc.
#include "ntf/wire/smp_protocol.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "smp_internal.h"

namespace ntf::wire::smp {

using internal::Copy;
using internal::Cursor;

size_t MaxMessageLength(uint16_t version) {
  if (version >= kVersionEncryptedBlock) return 16048;
  if (version >= kVersionSendingProxy) return 16064;
  return 16088;
}

namespace {

// A tag this library does not know (at this version): the server answers CMD UNKNOWN.
absl::Status UnknownTag(std::string_view what, std::string_view tag) {
  return absl::UnimplementedError(
      absl::StrCat("unknown ", std::string(what), " tag \"", std::string(tag), "\""));
}

absl::Status TagNeedsVersion(std::string_view tag, uint16_t needed, uint16_t version) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(tag), " needs SMP v", needed, "+, session is v", version));
}

absl::Status CannotEncode(std::string_view what, uint16_t needed, uint16_t version) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(what), " needs SMP v", needed, "+, cannot encode at v", version));
}

// Splits "TAG[ params]" at the first space; the params keep their leading space, so that
// "NSUB " (params " ") is a syntax error as in the reference.
std::pair<std::string_view, ByteSpan> SplitTag(ByteSpan message) {
  size_t i = 0;
  while (i < message.size() && message[i] != ' ') ++i;
  return {AsStringView(message.subspan(0, i)), message.subspan(i)};
}

// ---------------------------------------------------------------------------------------------
// Keys

absl::Status CheckAuthKey(ByteSpan key, std::string_view field) {
  if (IsAuthKeySpki(key)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(field), ": not an Ed25519, Ed448 or X25519 SPKI"));
}

absl::Status CheckDhKey(ByteSpan key, std::string_view field) {
  if (IsX25519Spki(key)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": not an X25519 SPKI"));
}

Bytes ReadAuthKey(Cursor& c, std::string_view field) {
  ByteSpan k = c.Short(field);
  if (c.ok()) {
    if (absl::Status s = CheckAuthKey(k, field); !s.ok()) c.Fail(std::string(s.message()));
  }
  return Copy(k);
}

Bytes ReadDhKey(Cursor& c, std::string_view field) {
  ByteSpan k = c.Short(field);
  if (c.ok()) {
    if (absl::Status s = CheckDhKey(k, field); !s.ok()) c.Fail(std::string(s.message()));
  }
  return Copy(k);
}

// ---------------------------------------------------------------------------------------------
// Error types

constexpr int kMaxErrorNesting = 8;

struct CodeName {
  ErrorType::Code code;
  std::string_view text;
};

// Codes without parameters.
constexpr CodeName kPlainCodes[] = {
    {ErrorType::Code::kBlock, "BLOCK"},
    {ErrorType::Code::kSession, "SESSION"},
    {ErrorType::Code::kAuth, "AUTH"},
    {ErrorType::Code::kService, "SERVICE"},
    {ErrorType::Code::kCrypto, "CRYPTO"},
    {ErrorType::Code::kQuota, "QUOTA"},
    {ErrorType::Code::kNoMsg, "NO_MSG"},
    {ErrorType::Code::kLargeMsg, "LARGE_MSG"},
    {ErrorType::Code::kExpired, "EXPIRED"},
    {ErrorType::Code::kInternal, "INTERNAL"},
    {ErrorType::Code::kDuplicate, "DUPLICATE_"},
};

struct CmdName {
  CommandError error;
  std::string_view text;
};

constexpr CmdName kCmdErrors[] = {
    {CommandError::kUnknown, "UNKNOWN"},       {CommandError::kSyntax, "SYNTAX"},
    {CommandError::kProhibited, "PROHIBITED"}, {CommandError::kNoAuth, "NO_AUTH"},
    {CommandError::kHasAuth, "HAS_AUTH"},      {CommandError::kNoEntity, "NO_ENTITY"},
};

struct NetworkName {
  NetworkError::Kind kind;
  std::string_view text;
  bool has_detail;
};

constexpr NetworkName kNetworkErrors[] = {
    {NetworkError::Kind::kConnect, "CONNECT", true},
    {NetworkError::Kind::kTls, "TLS", true},
    {NetworkError::Kind::kUnknownCa, "UNKNOWNCA", false},
    {NetworkError::Kind::kFailed, "FAILED", false},
    {NetworkError::Kind::kTimeout, "TIMEOUT", false},
    {NetworkError::Kind::kSubscribe, "SUBSCRIBE", true},
};

struct BrokerName {
  BrokerError::Kind kind;
  std::string_view text;
};

constexpr BrokerName kBrokerErrors[] = {
    {BrokerError::Kind::kResponse, "RESPONSE"},    {BrokerError::Kind::kUnexpected, "UNEXPECTED"},
    {BrokerError::Kind::kNetwork, "NETWORK"},      {BrokerError::Kind::kTransport, "TRANSPORT"},
    {BrokerError::Kind::kTimeout, "TIMEOUT"},      {BrokerError::Kind::kHost, "HOST"},
    {BrokerError::Kind::kNoService, "NO_SERVICE"},
};

std::string_view CmdErrorText(CommandError e) {
  for (const CmdName& n : kCmdErrors) {
    if (n.error == e) return n.text;
  }
  return "UNKNOWN";
}

absl::Status WriteError(Writer& w, const ErrorType& e, uint16_t version, bool top, int depth);

void WriteBroker(Writer& w, const BrokerError& b) {
  for (const BrokerName& n : kBrokerErrors) {
    if (n.kind == b.kind) w.Raw(n.text);
  }
  switch (b.kind) {
    case BrokerError::Kind::kResponse:
    case BrokerError::Kind::kUnexpected:
      w.U8(' ').Short(b.text);
      break;
    case BrokerError::Kind::kTransport:
      w.U8(' ').Raw(TransportErrorText(b.transport));
      break;
    case BrokerError::Kind::kNetwork:
      if (b.network) {
        for (const NetworkName& n : kNetworkErrors) {
          if (n.kind != b.network->kind) continue;
          w.U8(' ').Raw(n.text);
          if (n.has_detail) w.U8(' ').Short(b.network->detail);
        }
      }
      break;
    default:
      break;
  }
}

absl::Status WriteProxy(Writer& w, const ProxyError& p, uint16_t version, int depth) {
  switch (p.kind) {
    case ProxyError::Kind::kProtocol:
      if (!p.protocol) return absl::InvalidArgumentError("PROXY PROTOCOL without an error");
      w.Raw("PROTOCOL ");
      return WriteError(w, *p.protocol, version, /*top=*/false, depth + 1);
    case ProxyError::Kind::kBroker:
      w.Raw("BROKER ");
      WriteBroker(w, p.broker);
      break;
    case ProxyError::Kind::kBasicAuth:
      w.Raw("BASIC_AUTH");
      break;
    case ProxyError::Kind::kNoSession:
      w.Raw("NO_SESSION");
      break;
  }
  return absl::OkStatus();
}

absl::Status WriteError(Writer& w, const ErrorType& e, uint16_t version, bool top, int depth) {
  if (depth > kMaxErrorNesting) {
    return absl::InvalidArgumentError("error type nested too deeply");
  }
  for (const CodeName& n : kPlainCodes) {
    if (n.code == e.code) {
      w.Raw(n.text);
      return absl::OkStatus();
    }
  }
  switch (e.code) {
    case ErrorType::Code::kCmd:
      w.Raw("CMD ").Raw(CmdErrorText(e.cmd));
      break;
    case ErrorType::Code::kProxy:
      w.Raw("PROXY ");
      return WriteProxy(w, e.proxy, version, depth);
    case ErrorType::Code::kBlocked:
      if (top && version < kVersionBlockedEntity) {
        w.Raw("AUTH");
        break;
      }
      w.Raw("BLOCKED reason=").Raw(e.blocked.reason == BlockingReason::kSpam ? "spam" : "content");
      if (e.blocked.notice && (!top || version >= kVersionClientNotices)) {
        if (e.blocked.notice->empty()) return absl::InvalidArgumentError("BLOCKED: empty notice");
        w.Raw(",notice=").Raw(*e.blocked.notice);
      }
      break;
    case ErrorType::Code::kStore:
      w.Raw("STORE ").Raw(e.store);
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

std::optional<ErrorType> ReadError(Cursor& c, uint16_t version, bool top, int depth);

std::optional<NetworkError> ReadNetwork(Cursor& c) {
  const std::string_view word = c.Word();
  for (const NetworkName& n : kNetworkErrors) {
    if (n.text != word) continue;
    NetworkError e{.kind = n.kind};
    if (n.has_detail) {
      c.Space("network error");
      e.detail = std::string(AsStringView(c.Short("network error detail")));
    }
    if (!c.ok()) return std::nullopt;
    return e;
  }
  c.Fail(absl::StrCat("unknown network error \"", std::string(word), "\""));
  return std::nullopt;
}

std::optional<BrokerError> ReadBroker(Cursor& c) {
  const std::string_view word = c.Word();
  BrokerError b;
  bool known = false;
  for (const BrokerName& n : kBrokerErrors) {
    if (n.text == word) {
      b.kind = n.kind;
      known = true;
    }
  }
  if (!known) {
    c.Fail(absl::StrCat("unknown broker error \"", std::string(word), "\""));
    return std::nullopt;
  }
  switch (b.kind) {
    case BrokerError::Kind::kResponse:
    case BrokerError::Kind::kUnexpected:
      c.Space("broker error");
      b.text = std::string(AsStringView(c.Short("broker error text")));
      break;
    case BrokerError::Kind::kTransport:
      c.Space("broker error");
      if (std::optional<TransportError> t = internal::ParseTransportError(c)) b.transport = *t;
      break;
    case BrokerError::Kind::kNetwork:
      // Optional detail, with backtracking (the reference reads "NETWORK" alone as FAILED).
      if (c.Peek() == ' ') {
        const size_t mark = c.pos();
        c.Space("network error");
        b.network = ReadNetwork(c);
        if (!b.network) c.Rewind(mark);
      }
      break;
    default:
      break;
  }
  if (!c.ok()) return std::nullopt;
  return b;
}

std::optional<ProxyError> ReadProxy(Cursor& c, uint16_t version, int depth) {
  const std::string_view word = c.Word();
  ProxyError p;
  if (word == "PROTOCOL") {
    p.kind = ProxyError::Kind::kProtocol;
    c.Space("proxy error");
    if (std::optional<ErrorType> e = ReadError(c, version, /*top=*/false, depth + 1)) {
      p.protocol = std::make_shared<const ErrorType>(std::move(*e));
    }
  } else if (word == "BROKER") {
    p.kind = ProxyError::Kind::kBroker;
    c.Space("proxy error");
    if (std::optional<BrokerError> b = ReadBroker(c)) p.broker = std::move(*b);
  } else if (word == "BASIC_AUTH") {
    p.kind = ProxyError::Kind::kBasicAuth;
  } else if (word == "NO_SESSION") {
    p.kind = ProxyError::Kind::kNoSession;
  } else {
    c.Fail(absl::StrCat("unknown proxy error \"", std::string(word), "\""));
  }
  if (!c.ok()) return std::nullopt;
  return p;
}

std::optional<ErrorType> ReadError(Cursor& c, uint16_t version, bool top, int depth) {
  if (depth > kMaxErrorNesting) {
    c.Fail("error type nested too deeply");
    return std::nullopt;
  }
  const std::string_view word = c.Word();
  if (!c.ok()) return std::nullopt;
  for (const CodeName& n : kPlainCodes) {
    if (n.text == word) return ErrorType::Of(n.code);
  }
  ErrorType e;
  if (word == "CMD") {
    e.code = ErrorType::Code::kCmd;
    c.Space("CMD error");
    const std::string_view w2 = c.Word();
    bool known = false;
    for (const CmdName& n : kCmdErrors) {
      if (n.text == w2) {
        e.cmd = n.error;
        known = true;
      }
    }
    if (w2 == "NO_QUEUE") {  // the old name, still accepted by the reference
      e.cmd = CommandError::kNoEntity;
      known = true;
    }
    if (c.ok() && !known) c.Fail(absl::StrCat("unknown command error \"", std::string(w2), "\""));
  } else if (word == "PROXY") {
    e.code = ErrorType::Code::kProxy;
    c.Space("PROXY error");
    if (std::optional<ProxyError> p = ReadProxy(c, version, depth)) e.proxy = std::move(*p);
  } else if (word == "BLOCKED") {
    e.code = ErrorType::Code::kBlocked;
    if (top && version < kVersionBlockedEntity) {
      c.Fail(absl::StrCat("ERR BLOCKED needs SMP v12+, session is v", version));
    }
    c.Space("BLOCKED info");
    if (c.ok() && !c.TryLiteral("reason=")) c.Fail("BLOCKED info: expected \"reason=\"");
    if (c.TryLiteral("spam")) {
      e.blocked.reason = BlockingReason::kSpam;
    } else if (c.TryLiteral("content")) {
      e.blocked.reason = BlockingReason::kContent;
    } else if (c.ok()) {
      c.Fail("BLOCKED info: reason must be spam or content");
    }
    if (c.TryLiteral(",notice=")) {
      if (top && version < kVersionClientNotices) {
        c.Fail(absl::StrCat("BLOCKED notice needs SMP v18+, session is v", version));
      }
      ByteSpan json = c.Rest();
      if (c.ok() && json.empty()) c.Fail("BLOCKED info: empty notice");
      e.blocked.notice = std::string(AsStringView(json));
    }
  } else if (word == "STORE") {
    e.code = ErrorType::Code::kStore;
    c.Space("STORE error");
    e.store = std::string(AsStringView(c.Rest()));
  } else {
    c.Fail(absl::StrCat("unknown error type \"", std::string(word), "\""));
  }
  if (!c.ok()) return std::nullopt;
  return e;
}

}  // namespace

absl::StatusOr<Bytes> EncodeErrorType(const ErrorType& error, uint16_t version) {
  Writer w;
  if (absl::Status s = WriteError(w, error, version, /*top=*/true, 0); !s.ok()) return s;
  return w.Finish();
}

absl::StatusOr<ErrorType> DecodeErrorType(ByteSpan bytes, uint16_t version) {
  Cursor c(bytes);
  std::optional<ErrorType> e = ReadError(c, version, /*top=*/true, 0);
  if (absl::Status s = c.Done("error type"); !s.ok()) return s;
  return std::move(*e);
}

std::string ToString(const ErrorType& error) {
  absl::StatusOr<Bytes> b = EncodeErrorType(error, kMaxVersion);
  if (!b.ok()) return "<unencodable error>";
  return std::string(AsStringView(*b));
}

CommandError CommandErrorFor(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnimplemented ? CommandError::kUnknown
                                                           : CommandError::kSyntax;
}

// ---------------------------------------------------------------------------------------------
// Commands

namespace {

absl::Status WriteQueueReqData(Writer& w, const QueueReqData& d) {
  w.U8(static_cast<uint8_t>(d.mode)).MaybeTag(d.link.has_value());
  if (d.link) {
    if (d.mode == QueueMode::kContact) {
      w.Short(d.link->link_id);
    } else if (!d.link->link_id.empty()) {
      return absl::InvalidArgumentError("NEW: a messaging queue has no link id");
    }
    w.Short(d.link->sender_id).Large(d.link->enc_fixed_data).Large(d.link->enc_user_data);
  }
  return absl::OkStatus();
}

QueueReqData ReadQueueReqData(Cursor& c) {
  QueueReqData d;
  const uint8_t mode = c.U8("NEW: queue mode");
  if (c.ok() && mode != 'M' && mode != 'C') c.Fail("NEW: queue mode must be 'M' or 'C'");
  d.mode = static_cast<QueueMode>(mode);
  if (c.MaybeTag("NEW: queue link")) {
    QueueLink link;
    if (d.mode == QueueMode::kContact) link.link_id = c.ShortBytes("NEW: link id");
    link.sender_id = c.ShortBytes("NEW: sender id");
    link.enc_fixed_data = c.LargeBytes("NEW: fixed link data");
    link.enc_user_data = c.LargeBytes("NEW: user link data");
    d.link = std::move(link);
  }
  return d;
}

absl::Status WriteNtfCreds(Writer& w, const NtfCreds& creds, std::string_view what) {
  if (absl::Status s =
          CheckAuthKey(creds.notifier_key, absl::StrCat(std::string(what), ": notifier key"));
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckDhKey(creds.recipient_dh_key, absl::StrCat(std::string(what), ": DH key"));
      !s.ok()) {
    return s;
  }
  w.Short(creds.notifier_key).Short(creds.recipient_dh_key);
  return absl::OkStatus();
}

NtfCreds ReadNtfCreds(Cursor& c, std::string_view what) {
  NtfCreds creds;
  creds.notifier_key = ReadAuthKey(c, absl::StrCat(std::string(what), ": notifier key"));
  creds.recipient_dh_key = ReadDhKey(c, absl::StrCat(std::string(what), ": DH key"));
  return creds;
}

absl::Status WriteNew(Writer& w, const cmd::New& n, uint16_t v) {
  if (absl::Status s = CheckAuthKey(n.recipient_auth_key, "NEW: recipient auth key"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDhKey(n.recipient_dh_key, "NEW: recipient DH key"); !s.ok()) return s;
  w.Raw("NEW ").Short(n.recipient_auth_key).Short(n.recipient_dh_key);
  if (v >= kVersionSndAuthKey) {
    w.MaybeTag(n.basic_auth.has_value());
    if (n.basic_auth) w.Short(*n.basic_auth);
  } else if (n.basic_auth) {
    w.U8('A').Short(*n.basic_auth);
  }
  w.U8(static_cast<uint8_t>(n.sub_mode));
  const bool has_link = n.queue_req_data && n.queue_req_data->link;
  if (v >= kVersionShortLinks) {
    w.MaybeTag(n.queue_req_data.has_value());
    if (n.queue_req_data) {
      if (absl::Status s = WriteQueueReqData(w, *n.queue_req_data); !s.ok()) return s;
    }
  } else if (has_link) {
    return CannotEncode("NEW queue link data", kVersionShortLinks, v);
  } else if (v >= kVersionSndAuthKey) {
    w.Bool(n.queue_req_data && n.queue_req_data->mode == QueueMode::kMessaging);
  }
  if (v >= kVersionNewNtfCreds) {
    w.MaybeTag(n.ntf_creds.has_value());
    if (n.ntf_creds) return WriteNtfCreds(w, *n.ntf_creds, "NEW");
  } else if (n.ntf_creds) {
    return CannotEncode("NEW notifier credentials", kVersionNewNtfCreds, v);
  }
  return absl::OkStatus();
}

cmd::New ReadNew(Cursor& c, uint16_t v) {
  cmd::New n;
  c.Space("NEW");
  n.recipient_auth_key = ReadAuthKey(c, "NEW: recipient auth key");
  n.recipient_dh_key = ReadDhKey(c, "NEW: recipient DH key");
  if (v >= kVersionSndAuthKey) {
    if (c.MaybeTag("NEW: basic auth")) n.basic_auth = c.ShortBytes("NEW: basic auth");
  } else if (c.Peek() == 'A') {
    c.U8("NEW: basic auth");
    n.basic_auth = c.ShortBytes("NEW: basic auth");
  }
  const uint8_t mode = c.U8("NEW: subscription mode");
  if (c.ok() && mode != 'S' && mode != 'C') c.Fail("NEW: subscription mode must be 'S' or 'C'");
  n.sub_mode = static_cast<SubscriptionMode>(mode);
  if (v >= kVersionShortLinks) {
    if (c.MaybeTag("NEW: queue request data")) n.queue_req_data = ReadQueueReqData(c);
  } else if (v >= kVersionSndAuthKey) {
    const bool sender_can_secure = c.Bool("NEW: sender can secure");
    n.queue_req_data =
        QueueReqData{.mode = sender_can_secure ? QueueMode::kMessaging : QueueMode::kContact};
  }
  if (v >= kVersionNewNtfCreds && c.MaybeTag("NEW: notifier credentials")) {
    n.ntf_creds = ReadNtfCreds(c, "NEW");
  }
  return n;
}

template <class>
[[maybe_unused]] constexpr bool kAlwaysFalse = false;

}  // namespace

std::string_view CommandTag(const Command& command) {
  return std::visit(
      [](const auto& c) -> std::string_view {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, cmd::New>)
          return "NEW";
        else if constexpr (std::is_same_v<T, cmd::Sub>)
          return "SUB";
        else if constexpr (std::is_same_v<T, cmd::Key>)
          return "KEY";
        else if constexpr (std::is_same_v<T, cmd::Nkey>)
          return "NKEY";
        else if constexpr (std::is_same_v<T, cmd::Ndel>)
          return "NDEL";
        else if constexpr (std::is_same_v<T, cmd::Ack>)
          return "ACK";
        else if constexpr (std::is_same_v<T, cmd::Del>)
          return "DEL";
        else if constexpr (std::is_same_v<T, cmd::Skey>)
          return "SKEY";
        else if constexpr (std::is_same_v<T, cmd::Send>)
          return "SEND";
        else if constexpr (std::is_same_v<T, cmd::Ping>)
          return "PING";
        else if constexpr (std::is_same_v<T, cmd::Nsub>)
          return "NSUB";
        else if constexpr (std::is_same_v<T, cmd::Nsubs>)
          return "NSUBS";
        else
          static_assert(kAlwaysFalse<T>, "unhandled command");
      },
      command);
}

absl::StatusOr<Bytes> EncodeCommand(const Command& command, uint16_t v) {
  Writer w;
  absl::Status status = std::visit(
      [&](const auto& c) -> absl::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, cmd::New>) {
          return WriteNew(w, c, v);
        } else if constexpr (std::is_same_v<T, cmd::Key> || std::is_same_v<T, cmd::Skey>) {
          const std::string_view tag = std::is_same_v<T, cmd::Key> ? "KEY" : "SKEY";
          if (std::is_same_v<T, cmd::Skey> && v < kVersionSndAuthKey) {
            return CannotEncode("SKEY", kVersionSndAuthKey, v);
          }
          if (absl::Status s = CheckAuthKey(c.sender_key, tag); !s.ok()) return s;
          w.Raw(tag).U8(' ').Short(c.sender_key);
        } else if constexpr (std::is_same_v<T, cmd::Nkey>) {
          w.Raw("NKEY ");
          return WriteNtfCreds(w, c.creds, "NKEY");
        } else if constexpr (std::is_same_v<T, cmd::Ack>) {
          w.Raw("ACK ").Short(c.msg_id);
        } else if constexpr (std::is_same_v<T, cmd::Send>) {
          w.Raw("SEND ").Bool(c.notification).U8(' ').Raw(c.body);
        } else if constexpr (std::is_same_v<T, cmd::Nsubs>) {
          if (v < kVersionServiceCerts) return CannotEncode("NSUBS", kVersionServiceCerts, v);
          w.Raw("NSUBS");
        } else {
          w.Raw(CommandTag(c));  // SUB NDEL DEL PING NSUB: no parameters
        }
        return absl::OkStatus();
      },
      command);
  if (!status.ok()) return status;
  return w.Finish();
}

absl::StatusOr<Command> DecodeCommand(ByteSpan message, uint16_t v) {
  const auto [tag, params] = SplitTag(message);
  Cursor c(params);
  Command out;
  if (tag == "NEW") {
    out = ReadNew(c, v);
  } else if (tag == "SUB") {
    out = cmd::Sub{};
  } else if (tag == "KEY") {
    c.Space("KEY");
    out = cmd::Key{.sender_key = ReadAuthKey(c, "KEY: sender key")};
  } else if (tag == "NKEY") {
    c.Space("NKEY");
    out = cmd::Nkey{.creds = ReadNtfCreds(c, "NKEY")};
  } else if (tag == "NDEL") {
    out = cmd::Ndel{};
  } else if (tag == "ACK") {
    c.Space("ACK");
    out = cmd::Ack{.msg_id = c.ShortBytes("ACK: message id")};
  } else if (tag == "DEL") {
    out = cmd::Del{};
  } else if (tag == "SKEY") {
    if (v < kVersionSndAuthKey) return TagNeedsVersion(tag, kVersionSndAuthKey, v);
    c.Space("SKEY");
    out = cmd::Skey{.sender_key = ReadAuthKey(c, "SKEY: sender key")};
  } else if (tag == "SEND") {
    cmd::Send send;
    c.Space("SEND");
    send.notification = c.Bool("SEND: notification flag");
    c.Word();  // further flag characters are reserved and skipped
    c.Space("SEND: body");
    send.body = Copy(c.Rest());
    out = std::move(send);
  } else if (tag == "PING") {
    out = cmd::Ping{};
  } else if (tag == "NSUB") {
    out = cmd::Nsub{};
  } else if (tag == "NSUBS") {
    if (v < kVersionServiceCerts) return TagNeedsVersion(tag, kVersionServiceCerts, v);
    out = cmd::Nsubs{};
  } else {
    return UnknownTag("command", tag);
  }
  if (absl::Status s = c.Done(tag); !s.ok()) return s;
  return out;
}

std::optional<CommandError> CheckCommandCredentials(const Command& command, bool has_auth,
                                                    bool has_entity) {
  if (std::holds_alternative<cmd::New>(command)) {
    if (!has_auth) return CommandError::kNoAuth;
    if (has_entity) return CommandError::kHasAuth;
    return std::nullopt;
  }
  if (std::holds_alternative<cmd::Send>(command)) {
    if (!has_entity) return CommandError::kNoEntity;
    return std::nullopt;
  }
  if (std::holds_alternative<cmd::Ping>(command)) {
    if (has_auth || has_entity) return CommandError::kHasAuth;
    return std::nullopt;
  }
  // SUB, NSUB, NSUBS and every other command: authorization and entity required.
  if (!has_auth || !has_entity) return CommandError::kNoAuth;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Responses

std::string_view ResponseTag(const Response& response) {
  return std::visit(
      [](const auto& r) -> std::string_view {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, rsp::Ids>)
          return "IDS";
        else if constexpr (std::is_same_v<T, rsp::Nid>)
          return "NID";
        else if constexpr (std::is_same_v<T, rsp::Nmsg>)
          return "NMSG";
        else if constexpr (std::is_same_v<T, rsp::Msg>)
          return "MSG";
        else if constexpr (std::is_same_v<T, rsp::End>)
          return "END";
        else if constexpr (std::is_same_v<T, rsp::Deld>)
          return "DELD";
        else if constexpr (std::is_same_v<T, rsp::Pong>)
          return "PONG";
        else if constexpr (std::is_same_v<T, rsp::Ok>)
          return "OK";
        else if constexpr (std::is_same_v<T, rsp::Sok>)
          return "SOK";
        else if constexpr (std::is_same_v<T, rsp::Soks>)
          return "SOKS";
        else if constexpr (std::is_same_v<T, rsp::Ends>)
          return "ENDS";
        else if constexpr (std::is_same_v<T, rsp::Err>)
          return "ERR";
        else
          static_assert(kAlwaysFalse<T>, "unhandled response");
      },
      response);
}

namespace {

absl::Status WriteIds(Writer& w, const rsp::Ids& ids, uint16_t v) {
  if (absl::Status s = CheckDhKey(ids.server_dh_key, "IDS: server DH key"); !s.ok()) return s;
  w.Raw("IDS ").Short(ids.recipient_id).Short(ids.sender_id).Short(ids.server_dh_key);
  if (v >= kVersionShortLinks) {
    w.MaybeTag(ids.queue_mode.has_value());
    if (ids.queue_mode) w.U8(static_cast<uint8_t>(*ids.queue_mode));
    w.MaybeTag(ids.link_id.has_value());
    if (ids.link_id) w.Short(*ids.link_id);
  } else if (ids.link_id) {
    return CannotEncode("IDS link id", kVersionShortLinks, v);
  } else if (v >= kVersionSndAuthKey) {
    w.Bool(ids.queue_mode == QueueMode::kMessaging);
  }
  if (v >= kVersionServiceCerts) {
    w.MaybeTag(ids.service_id.has_value());
    if (ids.service_id) w.Short(*ids.service_id);
  } else if (ids.service_id) {
    return CannotEncode("IDS service id", kVersionServiceCerts, v);
  }
  if (v >= kVersionNewNtfCreds) {
    w.MaybeTag(ids.server_ntf_creds.has_value());
    if (ids.server_ntf_creds) {
      if (absl::Status s = CheckDhKey(ids.server_ntf_creds->server_dh_key, "IDS: ntf DH key");
          !s.ok()) {
        return s;
      }
      w.Short(ids.server_ntf_creds->notifier_id).Short(ids.server_ntf_creds->server_dh_key);
    }
  } else if (ids.server_ntf_creds) {
    return CannotEncode("IDS notifier credentials", kVersionNewNtfCreds, v);
  }
  return absl::OkStatus();
}

ServerNtfCreds ReadServerNtfCreds(Cursor& c, std::string_view what) {
  ServerNtfCreds creds;
  creds.notifier_id = c.ShortBytes(absl::StrCat(std::string(what), ": notifier id"));
  creds.server_dh_key = ReadDhKey(c, absl::StrCat(std::string(what), ": server DH key"));
  return creds;
}

rsp::Ids ReadIds(Cursor& c, uint16_t v) {
  rsp::Ids ids;
  c.Space("IDS");
  ids.recipient_id = c.ShortBytes("IDS: recipient id");
  ids.sender_id = c.ShortBytes("IDS: sender id");
  ids.server_dh_key = ReadDhKey(c, "IDS: server DH key");
  if (v >= kVersionShortLinks) {
    if (c.MaybeTag("IDS: queue mode")) {
      const uint8_t mode = c.U8("IDS: queue mode");
      if (c.ok() && mode != 'M' && mode != 'C') c.Fail("IDS: queue mode must be 'M' or 'C'");
      ids.queue_mode = static_cast<QueueMode>(mode);
    }
    if (c.MaybeTag("IDS: link id")) ids.link_id = c.ShortBytes("IDS: link id");
  } else if (v >= kVersionSndAuthKey) {
    ids.queue_mode = c.Bool("IDS: sender can secure") ? QueueMode::kMessaging : QueueMode::kContact;
  }
  if (v >= kVersionServiceCerts && c.MaybeTag("IDS: service id")) {
    ids.service_id = c.ShortBytes("IDS: service id");
  }
  if (v >= kVersionNewNtfCreds && c.MaybeTag("IDS: notifier credentials")) {
    ids.server_ntf_creds = ReadServerNtfCreds(c, "IDS");
  }
  return ids;
}

}  // namespace

absl::StatusOr<Bytes> EncodeResponse(const Response& response, uint16_t v) {
  Writer w;
  absl::Status status = std::visit(
      [&](const auto& r) -> absl::Status {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, rsp::Ids>) {
          return WriteIds(w, r, v);
        } else if constexpr (std::is_same_v<T, rsp::Nid>) {
          if (absl::Status s = CheckDhKey(r.creds.server_dh_key, "NID: server DH key"); !s.ok()) {
            return s;
          }
          w.Raw("NID ").Short(r.creds.notifier_id).Short(r.creds.server_dh_key);
        } else if constexpr (std::is_same_v<T, rsp::Nmsg>) {
          if (r.nonce.size() != kNonceSize) {
            return absl::InvalidArgumentError(
                absl::StrCat("NMSG: nonce of ", r.nonce.size(), " bytes, expected 24"));
          }
          w.Raw("NMSG ").Raw(r.nonce).Short(r.enc_meta);
        } else if constexpr (std::is_same_v<T, rsp::Msg>) {
          w.Raw("MSG ").Short(r.msg_id).Raw(r.enc_body);
        } else if constexpr (std::is_same_v<T, rsp::Deld>) {
          w.Raw(v >= kVersionDeletedEvent ? "DELD" : "END");
        } else if constexpr (std::is_same_v<T, rsp::Sok>) {
          if (v < kVersionServiceCerts)
            return CannotEncode("SOK (send OK)", kVersionServiceCerts, v);
          w.Raw("SOK ").MaybeTag(r.service_id.has_value());
          if (r.service_id) w.Short(*r.service_id);
        } else if constexpr (std::is_same_v<T, rsp::Soks> || std::is_same_v<T, rsp::Ends>) {
          const std::string_view tag = std::is_same_v<T, rsp::Soks> ? "SOKS" : "ENDS";
          if (v < kVersionServiceCerts) return CannotEncode(tag, kVersionServiceCerts, v);
          w.Raw(tag).U8(' ').I64(r.count);
        } else if constexpr (std::is_same_v<T, rsp::Err>) {
          absl::StatusOr<Bytes> e = EncodeErrorType(r.error, v);
          if (!e.ok()) return e.status();
          w.Raw("ERR ").Raw(*e);
        } else {
          w.Raw(ResponseTag(r));  // END PONG OK: no parameters
        }
        return absl::OkStatus();
      },
      response);
  if (!status.ok()) return status;
  return w.Finish();
}

absl::StatusOr<Response> DecodeResponse(ByteSpan message, uint16_t v) {
  const auto [tag, params] = SplitTag(message);
  Cursor c(params);
  Response out;
  if (tag == "IDS") {
    out = ReadIds(c, v);
  } else if (tag == "NID") {
    c.Space("NID");
    out = rsp::Nid{.creds = ReadServerNtfCreds(c, "NID")};
  } else if (tag == "NMSG") {
    rsp::Nmsg nmsg;
    c.Space("NMSG");
    nmsg.nonce = Copy(c.Raw(kNonceSize, "NMSG: nonce"));
    nmsg.enc_meta = c.ShortBytes("NMSG: encrypted metadata");
    out = std::move(nmsg);
  } else if (tag == "MSG") {
    rsp::Msg msg;
    c.Space("MSG");
    msg.msg_id = c.ShortBytes("MSG: message id");
    msg.enc_body = Copy(c.Rest());
    out = std::move(msg);
  } else if (tag == "END") {
    out = rsp::End{};
  } else if (tag == "DELD") {
    if (v < kVersionDeletedEvent) return TagNeedsVersion(tag, kVersionDeletedEvent, v);
    out = rsp::Deld{};
  } else if (tag == "PONG") {
    out = rsp::Pong{};
  } else if (tag == "OK") {
    out = rsp::Ok{};
  } else if (tag == "SOK") {
    if (v < kVersionServiceCerts) return TagNeedsVersion(tag, kVersionServiceCerts, v);
    rsp::Sok sok;
    c.Space("SOK");
    if (c.MaybeTag("SOK: service id")) sok.service_id = c.ShortBytes("SOK: service id");
    out = std::move(sok);
  } else if (tag == "SOKS" || tag == "ENDS") {
    if (v < kVersionServiceCerts) return TagNeedsVersion(tag, kVersionServiceCerts, v);
    c.Space(tag);
    const int64_t count = c.I64(tag);
    if (tag == "SOKS") {
      out = rsp::Soks{.count = count};
    } else {
      out = rsp::Ends{.count = count};
    }
  } else if (tag == "ERR") {
    c.Space("ERR");
    if (c.ok()) {
      absl::StatusOr<ErrorType> e = DecodeErrorType(c.Rest(), v);
      if (!e.ok()) return absl::InvalidArgumentError(absl::StrCat("ERR: ", e.status().message()));
      out = rsp::Err{.error = std::move(*e)};
    }
  } else {
    return UnknownTag("response", tag);
  }
  if (absl::Status s = c.Done(tag); !s.ok()) return s;
  return out;
}

Response SubscribeOk(uint16_t version) {
  if (version >= kVersionServiceCerts) return rsp::Sok{};
  return rsp::Ok{};
}

bool IsSubscribeOk(const Response& response) {
  return std::holds_alternative<rsp::Ok>(response) || std::holds_alternative<rsp::Sok>(response);
}

std::optional<CommandError> CheckResponseEntity(const Response& response, bool has_entity) {
  if (std::holds_alternative<rsp::Ids>(response) || std::holds_alternative<rsp::Err>(response)) {
    return std::nullopt;
  }
  if (std::holds_alternative<rsp::Pong>(response)) {
    if (has_entity) return CommandError::kHasAuth;
    return std::nullopt;
  }
  if (!has_entity) return CommandError::kNoEntity;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// NMsgMeta

absl::StatusOr<Bytes> EncodeNMsgMeta(const NMsgMeta& meta) {
  Writer w;
  w.Short(meta.msg_id).I64(meta.msg_ts);
  return w.Finish();
}

absl::StatusOr<NMsgMeta> DecodeNMsgMeta(ByteSpan bytes) {
  Cursor c(bytes);
  NMsgMeta meta;
  meta.msg_id = c.ShortBytes("NMsgMeta: message id");
  meta.msg_ts = c.I64("NMsgMeta: timestamp");
  if (!c.ok()) return c.status();
  return meta;  // trailing bytes are reserved for extensions and ignored
}

}  // namespace ntf::wire::smp
