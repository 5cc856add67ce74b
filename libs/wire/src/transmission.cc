#include "ntf/wire/transmission.h"

#include <algorithm>

namespace ntf::wire {

std::optional<AuthKind> ClassifyAuthorization(size_t size) {
  switch (size) {
    case 0:
      return AuthKind::kNone;
    case kEd25519SignatureSize:
      return AuthKind::kEd25519Signature;
    case kEd448SignatureSize:
      return AuthKind::kEd448Signature;
    case kX25519AuthenticatorSize:
      return AuthKind::kX25519Authenticator;
    default:
      return std::nullopt;
  }
}

absl::StatusOr<TransmissionView> DecodeTransmission(ByteSpan bytes, TransmissionFormat format) {
  Reader r(bytes);
  TransmissionView t;
  t.auth = r.Short("authorization");
  if (format.service_byte && r.ok() && !t.auth.empty()) {
    if (r.MaybeTag("service signature")) t.service_sig = r.Short("service signature");
  }
  if (!r.ok()) return r.status();
  t.after_auth = bytes.subspan(bytes.size() - r.remaining());
  if (format.session_id_on_wire) t.session_id = r.Short("session id");
  t.corr_id = r.Short("correlation id");
  t.entity_id = r.Short("entity id");
  t.command = r.Tail();
  if (!r.ok()) return r.status();
  return t;
}

absl::StatusOr<Bytes> EncodeTransmission(const Transmission& t, ByteSpan session_id,
                                         TransmissionFormat format) {
  Writer w;
  w.Short(t.auth);
  if (format.service_byte && !t.auth.empty()) {
    w.MaybeTag(t.service_sig.has_value());
    if (t.service_sig) w.Short(*t.service_sig);
  }
  if (format.session_id_on_wire) w.Short(session_id);
  w.Short(t.corr_id).Short(t.entity_id).Raw(t.command);
  return w.Finish();
}

absl::StatusOr<Bytes> BytesToAuthorize(ByteSpan session_id, ByteSpan corr_id, ByteSpan entity_id,
                                       ByteSpan command) {
  Writer w;
  w.Short(session_id).Short(corr_id).Short(entity_id).Raw(command);
  return w.Finish();
}

CommandParts SplitCommand(ByteSpan command) {
  const auto space = std::find(command.begin(), command.end(), uint8_t{' '});
  const size_t tag_len = static_cast<size_t>(space - command.begin());
  CommandParts parts;
  parts.tag = AsStringView(command.subspan(0, tag_len));
  parts.params = command.subspan(std::min(command.size(), tag_len + 1));
  return parts;
}

}  // namespace ntf::wire
