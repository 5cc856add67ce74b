#include "ntf/pg/fields.h"

#include <array>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

// Hex digit -> value, 0xff for anything else.
constexpr std::array<uint8_t, 256> kHexValue = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xff);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<uint8_t>(10 + i);
    t['A' + i] = static_cast<uint8_t>(10 + i);
  }
  return t;
}();

}  // namespace

std::vector<uint8_t> ByteaField(const pqxx::field& f) {
  const std::string_view text(f.c_str(), f.size());
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') {
    const pqxx::binarystring b(f);  // escape format (or empty): libpq knows every form
    return std::vector<uint8_t>(b.data(), b.data() + b.size());
  }
  const std::string_view hex = text.substr(2);
  if (hex.size() % 2 != 0) throw pqxx::conversion_error("bytea: odd number of hex digits");
  std::vector<uint8_t> out(hex.size() / 2);
  uint8_t bad = 0;  // checked once, after the loop
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t hi = kHexValue[static_cast<uint8_t>(hex[2 * i])];
    const uint8_t lo = kHexValue[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<uint8_t>(hi << 4 | (lo & 0x0f));
  }
  if (bad & 0xf0) throw pqxx::conversion_error("bytea: not a hex digit");
  return out;
}

absl::Time EpochField(const pqxx::field& f) {
  double seconds = 0;
  if (!absl::SimpleAtod(absl::string_view(f.c_str(), f.size()), &seconds) || std::isnan(seconds)) {
    throw pqxx::conversion_error(absl::StrCat("not an epoch: '", f.c_str(), "'"));
  }
  if (std::isinf(seconds)) return seconds > 0 ? absl::InfiniteFuture() : absl::InfinitePast();
  return absl::FromUnixMicros(std::llround(seconds * 1e6));
}

}  // namespace ntf::pg
