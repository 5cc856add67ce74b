// Fuzzes the SMP codecs with arbitrary bytes read as: server hello, client hello, service
// response, error type, command and response message, and command/response block contents, at
// several protocol versions. Nothing may crash or read out of bounds, and:
//  * handshakes ignore trailing bytes, so a decoded hello re-encodes to a prefix of the input;
//  * a decoded command/response/error re-encodes to a value that decodes back to itself, and to
//    the input bytes themselves except for the two tolerated non-canonical forms (SEND's
//    reserved flag characters, and the old error name NO_QUEUE);
//  * a transmission that decodes without error re-encodes to the same bytes (same exceptions;
//    responses only when their auth field is empty, since the server never authorizes).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ntf/wire/block.h"
#include "ntf/wire/smp_handshake.h"
#include "ntf/wire/smp_protocol.h"

namespace {

using namespace ntf::wire;
using namespace ntf::wire::smp;

const Bytes kSessionId(32, 0xa5);
constexpr uint16_t kVersions[] = {6, 7, 9, 10, 12, 15, 16, 17, 18};

void Check(bool ok) {
  if (!ok) abort();
}

bool IsPrefix(const Bytes& prefix, ByteSpan whole) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

bool Contains(ByteSpan haystack, std::string_view needle) {
  return AsStringView(haystack).find(needle) != std::string_view::npos;
}

void FuzzHandshakes(ByteSpan in) {
  if (absl::StatusOr<ServerHello> h = DecodeServerHello(in); h.ok()) {
    absl::StatusOr<Bytes> again = EncodeServerHello(*h);
    Check(again.ok() && IsPrefix(*again, in));
  }
  if (absl::StatusOr<ClientHello> h = DecodeClientHello(in); h.ok()) {
    absl::StatusOr<Bytes> again = EncodeClientHello(*h);
    Check(again.ok() && IsPrefix(*again, in));
    Check(DecodeClientHello(*again).value() == *h);
  }
  if (absl::StatusOr<ServiceResponse> r = DecodeServiceResponse(in); r.ok()) {
    absl::StatusOr<Bytes> again = EncodeServiceResponse(*r);
    Check(again.ok() && IsPrefix(*again, in));
  }
}

void FuzzMessages(ByteSpan in, uint16_t v) {
  const bool exact = !Contains(in, "NO_QUEUE");
  if (absl::StatusOr<ErrorType> e = DecodeErrorType(in, v); e.ok()) {
    absl::StatusOr<Bytes> again = EncodeErrorType(*e, v);
    Check(again.ok());
    Check(DecodeErrorType(*again, v).value() == *e);
    if (exact) Check(*again == Bytes(in.begin(), in.end()));
  }
  if (absl::StatusOr<Command> c = DecodeCommand(in, v); c.ok()) {
    absl::StatusOr<Bytes> again = EncodeCommand(*c, v);
    Check(again.ok());
    Check(DecodeCommand(*again, v).value() == *c);
    if (!std::holds_alternative<cmd::Send>(*c)) Check(*again == Bytes(in.begin(), in.end()));
    (void)CheckCommandCredentials(*c, true, false);
  } else {
    Check(c.status().code() == absl::StatusCode::kUnimplemented ||
          c.status().code() == absl::StatusCode::kInvalidArgument);
  }
  if (absl::StatusOr<Response> r = DecodeResponse(in, v); r.ok()) {
    absl::StatusOr<Bytes> again = EncodeResponse(*r, v);
    Check(again.ok());
    Check(DecodeResponse(*again, v).value() == *r);
    if (exact) Check(*again == Bytes(in.begin(), in.end()));
  } else {
    Check(r.status().code() == absl::StatusCode::kUnimplemented ||
          r.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

void FuzzBlocks(ByteSpan in, uint16_t v) {
  absl::StatusOr<std::vector<ByteSpan>> items = DecodeBatch(in);
  const SmpSessionParams p = SessionParamsFor(v);

  absl::StatusOr<std::vector<ReceivedResponse>> responses = DecodeResponseBatch(in, p, kSessionId);
  Check(responses.ok() == items.ok());
  if (responses.ok()) {
    Check(responses->size() == items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      const ReceivedResponse& r = (*responses)[i];
      const ByteSpan original = (*items)[i];
      if (!r.ok()) {
        Check(!r.detail.empty());
        continue;
      }
      absl::StatusOr<Bytes> again = EncodeResponseTransmission(
          {.corr_id = r.corr_id, .entity_id = r.entity_id, .response = *r.response}, p, kSessionId);
      Check(again.ok());
      if (original[0] == 0 && !Contains(original, "NO_QUEUE")) {
        Check(*again == Bytes(original.begin(), original.end()));
      }
    }
  }

  absl::StatusOr<std::vector<ReceivedCommand>> commands = DecodeCommandBatch(in, p, kSessionId);
  Check(commands.ok() == items.ok());
  if (commands.ok()) {
    for (size_t i = 0; i < items->size(); ++i) {
      const ReceivedCommand& c = (*commands)[i];
      const ByteSpan original = (*items)[i];
      if (!c.ok()) {
        Check(!c.detail.empty());
        continue;
      }
      absl::StatusOr<Bytes> again = EncodeCommandTransmission({.auth = c.auth,
                                                               .service_sig = c.service_sig,
                                                               .corr_id = c.corr_id,
                                                               .entity_id = c.entity_id,
                                                               .command = *c.command},
                                                              p, kSessionId);
      Check(again.ok());
      if (!std::holds_alternative<cmd::Send>(*c.command)) {
        Check(*again == Bytes(original.begin(), original.end()));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  FuzzHandshakes(in);
  for (uint16_t v : kVersions) {
    FuzzMessages(in, v);
    FuzzBlocks(in, v);
  }
  return 0;
}
