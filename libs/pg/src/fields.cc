#include "ntf/pg/fields.h"

#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ntf::pg {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw pqxx::conversion_error("bytea: not a hex digit");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

absl::Time EpochField(const pqxx::field& f) {
  double seconds = 0;
  if (!absl::SimpleAtod(absl::string_view(f.c_str(), f.size()), &seconds) ||
      !std::isfinite(seconds)) {
    throw pqxx::conversion_error(absl::StrCat("not a finite epoch: '", f.c_str(), "'"));
  }
  return absl::FromUnixMicros(std::llround(seconds * 1e6));
}

}  // namespace ntf::pg
