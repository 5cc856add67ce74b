// Fuzzes every NTF decoder with the same input: commands, responses, status/error texts, client
// and server blocks for each version, both handshake blocks, server addresses in text and binary.
// None may crash or read out of bounds, and whatever decodes must re-encode to the same bytes
// where the codec is canonical (commands, responses, binary servers), or to a value that decodes
// back to itself where it normalises (addresses, handshakes with ignored trailing bytes, blocks).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ntf/wire/address.h"
#include "ntf/wire/block.h"
#include "ntf/wire/ntf_protocol.h"

using namespace ntf::wire;

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

bool Contains(ByteSpan in, std::string_view needle) {
  return AsStringView(in).find(needle) != std::string_view::npos;
}

void FuzzCommand(ByteSpan in) {
  absl::StatusOr<Command> c = DecodeCommand(in);
  if (!c.ok()) {
    Check(c.status().code() == absl::StatusCode::kUnimplemented ||
          c.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  absl::StatusOr<Bytes> again = EncodeCommand(*c);
  Check(again.ok() && *again == Bytes(in.begin(), in.end()));
  (void)CheckCommandCredentials(TagOf(*c), true, in);
}

void FuzzResponse(ByteSpan in) {
  absl::StatusOr<Response> r = DecodeResponse(in);
  if (!r.ok()) {
    Check(r.status().code() == absl::StatusCode::kUnimplemented ||
          r.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  absl::StatusOr<Bytes> again = EncodeResponse(*r, kCurrentNtfVersion);
  Check(again.ok());
  // "CMD NO_QUEUE" is the one legacy spelling that is normalised (to NO_ENTITY).
  if (!Contains(in, "NO_QUEUE")) Check(*again == Bytes(in.begin(), in.end()));
  absl::StatusOr<Response> back = DecodeResponse(*again);
  Check(back.ok() && *back == *r);
  // Older versions only drop the INVALID reason; the result must still decode.
  absl::StatusOr<Bytes> v2 = EncodeResponse(*r, kAuthBatchCmdsNtfVersion);
  Check(v2.ok() && DecodeResponse(*v2).ok());
}

void FuzzTexts(std::string_view text) {
  if (absl::StatusOr<TokenStatus> s = ParseTokenStatus(text); s.ok()) {
    Check(FormatTokenStatus(*s) == text);
  }
  if (absl::StatusOr<SubscriptionStatus> s = ParseSubscriptionStatus(text); s.ok()) {
    Check(FormatSubscriptionStatus(*s) == text);
  }
  if (absl::StatusOr<ErrorType> e = ParseError(text); e.ok()) {
    if (text.find("NO_QUEUE") == std::string_view::npos) Check(FormatError(*e) == text);
    Check(*ParseError(FormatError(*e)) == *e);
  }
  if (ParsePushProviderName(text)) Check(PushProviderName(*ParsePushProviderName(text)) == text);
}

void FuzzAddresses(ByteSpan in) {
  absl::StatusOr<ServerAddress> a = ParseServerAddress(AsStringView(in));
  if (a.ok()) {
    Check(ValidateProtocolServer(a->server).ok());
    const std::string text = FormatServerAddress(*a);
    absl::StatusOr<ServerAddress> b = ParseServerAddress(text);
    Check(b.ok() && *b == *a && FormatServerAddress(*b) == text);
    absl::StatusOr<Bytes> bin = EncodeProtocolServer(a->server);
    Check(bin.ok() && *DecodeProtocolServer(*bin) == a->server);
  }
  absl::StatusOr<ProtocolServer> s = DecodeProtocolServer(in);
  if (s.ok()) {
    absl::StatusOr<Bytes> again = EncodeProtocolServer(*s);
    Check(again.ok() && *again == Bytes(in.begin(), in.end()));
    (void)EffectivePort(*s, ServerScheme::kSmp);
  }
}

void FuzzHandshakes(const Bytes& block) {
  if (absl::StatusOr<ServerHello> h = DecodeServerHelloBlock(block); h.ok()) {
    absl::StatusOr<Bytes> again = EncodeServerHelloBlock(*h);
    Check(again.ok());
    ByteSpan got = *UnpadBlock(*again, kNtfBlockSize);
    ByteSpan sent = *UnpadBlock(block, kNtfBlockSize);
    Check(got.size() <= sent.size() && std::equal(got.begin(), got.end(), sent.begin()));
    Check(*DecodeServerHelloBlock(*again) == *h);
  }
  if (absl::StatusOr<ClientHello> h = DecodeClientHelloBlock(block); h.ok()) {
    absl::StatusOr<Bytes> again = EncodeClientHelloBlock(*h);
    Check(again.ok());
    ByteSpan got = *UnpadBlock(*again, kNtfBlockSize);
    ByteSpan sent = *UnpadBlock(block, kNtfBlockSize);
    Check(got.size() <= sent.size() && std::equal(got.begin(), got.end(), sent.begin()));
  }
}

void FuzzClientBlock(const Bytes& block, const SessionParams& session) {
  std::vector<ReceivedCommand> got = DecodeClientBlock(block, session);
  Check(!got.empty() && got.size() <= kMaxBatchCount);
  std::vector<Transmission> ok;
  std::vector<Command> commands;
  for (const ReceivedCommand& r : got) {
    if (!r.ok()) continue;
    const Command& c = std::get<Command>(r.result);
    Bytes command = *EncodeCommand(c);
    Check(r.authorized == *BytesToAuthorize(session.session_id, r.corr_id, r.entity_id, command));
    ok.push_back({.auth = r.auth,
                  .corr_id = r.corr_id,
                  .entity_id = r.entity_id,
                  .command = std::move(command)});
    commands.push_back(c);
  }
  if (ok.empty()) return;
  // What decoded re-encodes (maybe into more blocks) and decodes to the same commands. A
  // hand-made batch may hold an item larger than the sender's packing limit: only then may
  // re-encoding fail.
  absl::StatusOr<std::vector<Bytes>> blocks = EncodeClientBlocks(ok, session);
  if (!blocks.ok()) {
    bool oversized = false;
    for (const Transmission& t : ok) {
      oversized |= EncodeTransmission(t, session.session_id, session.format())->size() >
                   MaxBatchedTransmission(kNtfBlockSize);
    }
    Check(session.batch && oversized);
    return;
  }
  size_t i = 0;
  for (const Bytes& b : *blocks) {
    for (const ReceivedCommand& r : DecodeClientBlock(b, session)) {
      Check(i < commands.size() && r.ok() && std::get<Command>(r.result) == commands[i] &&
            r.corr_id == ok[i].corr_id && r.entity_id == ok[i].entity_id && r.auth == ok[i].auth);
      ++i;
    }
  }
  Check(i == commands.size());
}

void FuzzServerBlock(const Bytes& block, const SessionParams& session) {
  std::vector<ReceivedResponse> got = DecodeServerBlock(block, session);
  Check(!got.empty() && got.size() <= kMaxBatchCount);
  std::vector<OutgoingResponse> ok;
  for (const ReceivedResponse& r : got) {
    if (r.ok()) {
      ok.push_back({.corr_id = r.corr_id,
                    .entity_id = r.entity_id,
                    .response = std::get<Response>(r.result)});
    }
  }
  if (ok.empty()) return;
  // Re-encoded responses are unsigned, so never larger than what was received; as above, only a
  // hand-made batch item over the sender's packing limit may fail to re-encode.
  absl::StatusOr<std::vector<Bytes>> blocks = EncodeServerBlocks(ok, session);
  if (!blocks.ok()) {
    Check(session.batch);
    return;
  }
  size_t i = 0;
  for (const Bytes& b : *blocks) {
    for (const ReceivedResponse& r : DecodeServerBlock(b, session)) {
      Check(i < ok.size() && r.ok() && r.corr_id == ok[i].corr_id);
      ++i;
    }
  }
  Check(i == ok.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  FuzzCommand(in);
  FuzzResponse(in);
  FuzzTexts(AsStringView(in));
  FuzzAddresses(in);

  Bytes block(in.begin(), in.end());
  block.resize(kNtfBlockSize, kPadByte);
  FuzzHandshakes(block);
  static const Bytes kSession(32, 0xA5);
  for (uint16_t version : {1, 2, 3}) {
    // v1 carries the session id on the wire; an empty one is easy for the fuzzer to match.
    for (ByteSpan session_id : {ByteSpan(), ByteSpan(kSession)}) {
      const SessionParams session = MakeSessionParams(version, session_id);
      FuzzClientBlock(block, session);
      FuzzServerBlock(block, session);
      if (version > 1) break;  // the session id does not change v2+ decoding
    }
  }
  return 0;
}
