// SMP transmissions and batches (spec/smp-notifier.md §2, §5) around the typed commands and
// responses of smp_protocol.cc, built on the shared transmission/block primitives.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ntf/wire/block.h"
#include "ntf/wire/smp_protocol.h"
#include "ntf/wire/transmission.h"
#include "smp_internal.h"

namespace ntf::wire::smp {

using internal::Copy;

namespace {

constexpr std::string_view kNsub = "NSUB";

absl::Status CheckSessionId(const SmpSessionParams& params, ByteSpan session_id) {
  if (params.session_id_on_wire && session_id.empty()) {
    return absl::InvalidArgumentError("SMP v6 transmissions carry the session id: none given");
  }
  return absl::OkStatus();
}

absl::Status CheckAuthFields(ByteSpan auth, const std::optional<Bytes>& service_sig,
                             const SmpSessionParams& params) {
  if (!ClassifyAuthorization(auth.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("authorization of ", auth.size(), " bytes (0, 64, 114 or 80 expected)"));
  }
  if (service_sig) {
    if (!params.service_byte) {
      return absl::InvalidArgumentError(
          absl::StrCat("service signature needs SMP v16+, session is v", params.version));
    }
    if (auth.empty()) {
      return absl::InvalidArgumentError("service signature without an authorization");
    }
    if (service_sig->size() != kEd25519SignatureSize) {
      return absl::InvalidArgumentError("service signature must be 64 bytes (Ed25519)");
    }
  }
  return absl::OkStatus();
}

// The reference parses the service signature as an Ed25519 signature: another size makes the
// whole transmission unparsable.
bool ServiceSigOk(const TransmissionView& t) {
  return !t.service_sig || t.service_sig->size() == kEd25519SignatureSize;
}

ErrorType Block() { return ErrorType::Of(ErrorType::Code::kBlock); }

}  // namespace

absl::StatusOr<Bytes> NsubBytesToAuthorize(ByteSpan session_id, ByteSpan corr_id,
                                           ByteSpan notifier_id) {
  return BytesToAuthorize(session_id, corr_id, notifier_id, AsSpan(kNsub));
}

absl::StatusOr<Bytes> EncodeNsubTransmission(ByteSpan corr_id, ByteSpan notifier_id, ByteSpan auth,
                                             const SmpSessionParams& params, ByteSpan session_id) {
  if (absl::Status s = CheckSessionId(params, session_id); !s.ok()) return s;
  if (absl::Status s = CheckAuthFields(auth, std::nullopt, params); !s.ok()) return s;
  const Transmission t{.auth = Copy(auth),
                       .corr_id = Copy(corr_id),
                       .entity_id = Copy(notifier_id),
                       .command = ToBytes(kNsub)};
  return EncodeTransmission(t, session_id, params.transmission_format());
}

absl::StatusOr<Bytes> CommandBytesToAuthorize(ByteSpan session_id, ByteSpan corr_id,
                                              ByteSpan entity_id, const Command& command,
                                              uint16_t version) {
  absl::StatusOr<Bytes> body = EncodeCommand(command, version);
  if (!body.ok()) return body.status();
  return BytesToAuthorize(session_id, corr_id, entity_id, *body);
}

absl::StatusOr<Bytes> EncodeCommandTransmission(const OutgoingCommand& command,
                                                const SmpSessionParams& params,
                                                ByteSpan session_id) {
  if (absl::Status s = CheckSessionId(params, session_id); !s.ok()) return s;
  if (absl::Status s = CheckAuthFields(command.auth, command.service_sig, params); !s.ok()) {
    return s;
  }
  absl::StatusOr<Bytes> body = EncodeCommand(command.command, params.version);
  if (!body.ok()) return body.status();
  const Transmission t{.auth = command.auth,
                       .service_sig = command.service_sig,
                       .corr_id = command.corr_id,
                       .entity_id = command.entity_id,
                       .command = std::move(*body)};
  return EncodeTransmission(t, session_id, params.transmission_format());
}

absl::StatusOr<Bytes> EncodeResponseTransmission(const OutgoingResponse& response,
                                                 const SmpSessionParams& params,
                                                 ByteSpan session_id) {
  if (absl::Status s = CheckSessionId(params, session_id); !s.ok()) return s;
  absl::StatusOr<Bytes> body = EncodeResponse(response.response, params.version);
  if (!body.ok()) return body.status();
  const Transmission t{
      .corr_id = response.corr_id, .entity_id = response.entity_id, .command = std::move(*body)};
  return EncodeTransmission(t, session_id, params.transmission_format());
}

absl::StatusOr<std::vector<Bytes>> PackSmpBatches(absl::Span<const Bytes> transmissions) {
  return PackBatches(transmissions, kSmpBlockSize);
}

absl::StatusOr<std::vector<Bytes>> EncodeCommandBatches(absl::Span<const OutgoingCommand> commands,
                                                        const SmpSessionParams& params,
                                                        ByteSpan session_id) {
  std::vector<Bytes> transmissions;
  transmissions.reserve(commands.size());
  for (const OutgoingCommand& c : commands) {
    absl::StatusOr<Bytes> t = EncodeCommandTransmission(c, params, session_id);
    if (!t.ok()) return t.status();
    transmissions.push_back(std::move(*t));
  }
  return PackSmpBatches(transmissions);
}

absl::StatusOr<std::vector<Bytes>> EncodeResponseBatches(
    absl::Span<const OutgoingResponse> responses, const SmpSessionParams& params,
    ByteSpan session_id) {
  std::vector<Bytes> transmissions;
  transmissions.reserve(responses.size());
  for (const OutgoingResponse& r : responses) {
    absl::StatusOr<Bytes> t = EncodeResponseTransmission(r, params, session_id);
    if (!t.ok()) return t.status();
    transmissions.push_back(std::move(*t));
  }
  return PackSmpBatches(transmissions);
}

ReceivedResponse DecodeResponseTransmission(ByteSpan transmission, const SmpSessionParams& params,
                                            ByteSpan session_id) {
  ReceivedResponse r;
  absl::StatusOr<TransmissionView> t =
      DecodeTransmission(transmission, params.transmission_format());
  if (!t.ok() || !ServiceSigOk(*t)) {
    r.error = Block();
    r.detail = t.ok() ? "service signature is not 64 bytes" : std::string(t.status().message());
    return r;
  }
  r.corr_id = Copy(t->corr_id);
  if (t->session_id && !std::equal(t->session_id->begin(), t->session_id->end(), session_id.begin(),
                                   session_id.end())) {
    r.error = ErrorType::Of(ErrorType::Code::kSession);
    r.detail = "session id does not match";
    return r;
  }
  r.entity_id = Copy(t->entity_id);
  absl::StatusOr<Response> response = DecodeResponse(t->command, params.version);
  if (!response.ok()) {
    r.error = ErrorType::Cmd(CommandErrorFor(response.status()));
    r.detail = std::string(response.status().message());
    return r;
  }
  if (std::optional<CommandError> e = CheckResponseEntity(*response, !r.entity_id.empty())) {
    r.error = ErrorType::Cmd(*e);
    r.detail = absl::StrCat(std::string(ResponseTag(*response)), *e == CommandError::kHasAuth
                                                                     ? " must not have an entity id"
                                                                     : " needs an entity id");
    return r;
  }
  r.response = std::move(*response);
  return r;
}

absl::StatusOr<std::vector<ReceivedResponse>> DecodeResponseBatch(ByteSpan content,
                                                                  const SmpSessionParams& params,
                                                                  ByteSpan session_id) {
  absl::StatusOr<std::vector<ByteSpan>> items = DecodeBatch(content);
  if (!items.ok()) return items.status();
  std::vector<ReceivedResponse> out;
  out.reserve(items->size());
  for (ByteSpan item : *items) out.push_back(DecodeResponseTransmission(item, params, session_id));
  return out;
}

ReceivedCommand DecodeCommandTransmission(ByteSpan transmission, const SmpSessionParams& params,
                                          ByteSpan session_id) {
  ReceivedCommand r;
  absl::StatusOr<TransmissionView> t =
      DecodeTransmission(transmission, params.transmission_format());
  if (!t.ok() || !ServiceSigOk(*t)) {
    r.error = Block();
    r.detail = t.ok() ? "service signature is not 64 bytes" : std::string(t.status().message());
    return r;
  }
  r.corr_id = Copy(t->corr_id);
  if (t->session_id) {
    if (!std::equal(t->session_id->begin(), t->session_id->end(), session_id.begin(),
                    session_id.end())) {
      r.error = ErrorType::Of(ErrorType::Code::kSession);
      r.detail = "session id does not match";
      return r;
    }
    r.authorized = Copy(t->after_auth);
  } else {
    Writer w;
    w.Short(session_id).Raw(t->after_auth);
    absl::StatusOr<Bytes> authorized = w.Finish();
    if (!authorized.ok()) {  // a session id over 255 bytes: a caller bug
      r.error = ErrorType::Of(ErrorType::Code::kInternal);
      r.detail = std::string(authorized.status().message());
      return r;
    }
    r.authorized = std::move(*authorized);
  }
  const std::optional<AuthKind> kind = ClassifyAuthorization(t->auth.size());
  if (!kind) {
    r.error = Block();
    r.detail = absl::StrCat("authorization of ", t->auth.size(), " bytes");
    return r;
  }
  r.auth = Copy(t->auth);
  r.auth_kind = *kind;
  if (t->service_sig) r.service_sig = Copy(*t->service_sig);
  // From here on the reference answers with the transmission's entity.
  r.entity_id = Copy(t->entity_id);
  absl::StatusOr<Command> command = DecodeCommand(t->command, params.version);
  if (!command.ok()) {
    r.error = ErrorType::Cmd(CommandErrorFor(command.status()));
    r.detail = std::string(command.status().message());
    return r;
  }
  if (std::optional<CommandError> e =
          CheckCommandCredentials(*command, !r.auth.empty(), !r.entity_id.empty())) {
    r.error = ErrorType::Cmd(*e);
    r.detail = absl::StrCat(std::string(CommandTag(*command)), ": credentials rule (§5.4)");
    return r;
  }
  r.command = std::move(*command);
  return r;
}

absl::StatusOr<std::vector<ReceivedCommand>> DecodeCommandBatch(ByteSpan content,
                                                                const SmpSessionParams& params,
                                                                ByteSpan session_id) {
  absl::StatusOr<std::vector<ByteSpan>> items = DecodeBatch(content);
  if (!items.ok()) return items.status();
  std::vector<ReceivedCommand> out;
  out.reserve(items->size());
  for (ByteSpan item : *items) out.push_back(DecodeCommandTransmission(item, params, session_id));
  return out;
}

}  // namespace ntf::wire::smp
