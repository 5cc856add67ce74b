#include "ntf/pg/fields.h"

#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ntf/wire/encoding.h"

namespace ntf::pg {

std::vector<uint8_t> ByteaField(const pqxx::field& f) {
  const std::string_view text(f.c_str(), f.size());
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') {
    const pqxx::binarystring b(f);  // escape format (or empty): libpq knows every form
    return std::vector<uint8_t>(b.data(), b.data() + b.size());
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = wire::HexDecode(text.substr(2));
  if (!bytes.ok()) throw pqxx::conversion_error(absl::StrCat("bytea: ", bytes.status().message()));
  return *std::move(bytes);
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
