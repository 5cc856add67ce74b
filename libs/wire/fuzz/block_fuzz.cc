// Fuzzes block unpadding, batch decoding and transmission decoding in every format: none may
// crash or read out of bounds, and whatever decodes must re-encode to the same bytes.
#include <cstdint>
#include <cstdlib>

#include "ntf/wire/block.h"
#include "ntf/wire/transmission.h"

using namespace ntf::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  for (size_t block_size : {kNtfBlockSize, kSmpBlockSize}) {
    Bytes block(in.begin(), in.end());
    block.resize(block_size, '#');
    absl::StatusOr<ByteSpan> content = UnpadBlock(block, block_size);
    if (!content.ok()) continue;
    absl::StatusOr<std::vector<ByteSpan>> items = DecodeBatch(*content);
    if (!items.ok()) continue;
    std::vector<Bytes> copies;
    for (ByteSpan item : *items) copies.emplace_back(item.begin(), item.end());
    absl::StatusOr<Bytes> again = EncodeBatch(copies);
    if (!again.ok() || *again != Bytes(content->begin(), content->end())) abort();
  }
  for (bool session : {false, true}) {
    for (bool service : {false, true}) {
      const TransmissionFormat format{.session_id_on_wire = session, .service_byte = service};
      absl::StatusOr<TransmissionView> t = DecodeTransmission(in, format);
      if (!t.ok()) continue;
      Transmission out{.auth = Bytes(t->auth.begin(), t->auth.end()),
                       .corr_id = Bytes(t->corr_id.begin(), t->corr_id.end()),
                       .entity_id = Bytes(t->entity_id.begin(), t->entity_id.end()),
                       .command = Bytes(t->command.begin(), t->command.end())};
      if (t->service_sig) out.service_sig = Bytes(t->service_sig->begin(), t->service_sig->end());
      const ByteSpan sid = t->session_id.value_or(ByteSpan());
      absl::StatusOr<Bytes> again = EncodeTransmission(out, sid, format);
      if (!again.ok() || *again != Bytes(in.begin(), in.end())) abort();
      (void)SplitCommand(t->command);
    }
  }
  return 0;
}
