#pragma once

// Column readers for the hot rows (tokens, outbox rows), shared by every store so that each reads
// bytea and timestamps the same way, without libpqxx's stream-based conversions.
//
// Errors: a value that is not what the column promises throws pqxx::conversion_error, which the
// pool's job wrapper turns into a status (errors.h) like any libpqxx failure.

#include <cstdint>
#include <pqxx/pqxx>
#include <vector>

#include "absl/time/time.h"

namespace ntf::pg {

// A bytea column. PostgreSQL's default text form ("\x" + lowercase hex, bytea_output = 'hex') is
// decoded straight into the bytes (wire::HexDecode); any other form (bytea_output = 'escape')
// through libpq.
std::vector<uint8_t> ByteaField(const pqxx::field& f);

// A float8 column of Unix seconds, as written by date_part('epoch', <timestamptz>) (float8; the
// SQL-standard extract() returns numeric since PostgreSQL 14, which is slower to compute and to
// print), rounded to the microsecond; 'infinity' and '-infinity' (timestamptz allows them) are
// absl::InfiniteFuture() and absl::InfinitePast().
absl::Time EpochField(const pqxx::field& f);

}  // namespace ntf::pg
