// Integration tests: the column readers on values PostgreSQL itself printed.
#include "ntf/pg/fields.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "ntf/pg/errors.h"
#include "ntf/pg/session.h"
#include "ntf/pg/testing/test_database.h"

namespace ntf::pg {
namespace {

class FieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TestSchema>> schema =
        testing::TestSchema::Create("fields");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    absl::StatusOr<std::unique_ptr<Session>> session = Session::Create(schema_->MakePoolOptions(1));
    ASSERT_TRUE(session.ok()) << session.status();
    session_ = *std::move(session);
  }

  // The bytea `literal` as PostgreSQL prints it under `bytea_output`, read back.
  absl::StatusOr<std::vector<uint8_t>> Bytea(const char* output, const std::string& literal) {
    return session_->Run([&](pqxx::work& tx) {
      tx.exec(std::string("SET LOCAL bytea_output = '") + output + "'");
      return ByteaField(tx.exec1("SELECT " + literal + "::bytea")[0]);
    });
  }
  absl::StatusOr<absl::Time> Epoch(const std::string& sql) {
    return session_->Run([&](pqxx::work& tx) { return EpochField(tx.exec1("SELECT " + sql)[0]); });
  }

  std::unique_ptr<testing::TestSchema> schema_;
  std::unique_ptr<Session> session_;
};

TEST_F(FieldsTest, ByteaInHexAndEscapeFormAreTheSameBytes) {
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  const std::string every_byte =
      "decode(string_agg(lpad(to_hex(i), 2, '0'), ''), 'hex') "
      "FROM generate_series(0, 255) AS i";
  for (const char* output : {"hex", "escape"}) {
    SCOPED_TRACE(output);
    absl::StatusOr<std::vector<uint8_t>> bytes = Bytea(output, "'\\x00ff10AB'");
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(*bytes, (std::vector<uint8_t>{0x00, 0xff, 0x10, 0xab}));
    absl::StatusOr<std::vector<uint8_t>> empty = Bytea(output, "''");
    ASSERT_TRUE(empty.ok()) << empty.status();
    EXPECT_TRUE(empty->empty());
    absl::StatusOr<std::vector<uint8_t>> everything = session_->Run([&](pqxx::work& tx) {
      tx.exec(std::string("SET LOCAL bytea_output = '") + output + "'");
      return ByteaField(tx.exec1("SELECT " + every_byte)[0]);
    });
    ASSERT_TRUE(everything.ok()) << everything.status();
    EXPECT_EQ(*everything, all);
  }
}

TEST_F(FieldsTest, ATextThatIsNotByteaIsAnError) {
  absl::StatusOr<std::vector<uint8_t>> odd =
      session_->Run([](pqxx::work& tx) { return ByteaField(tx.exec1("SELECT '\\x123'")[0]); });
  EXPECT_FALSE(odd.ok());
  absl::StatusOr<std::vector<uint8_t>> not_hex =
      session_->Run([](pqxx::work& tx) { return ByteaField(tx.exec1("SELECT '\\xzz'")[0]); });
  EXPECT_FALSE(not_hex.ok());
}

TEST_F(FieldsTest, EpochIsExactToTheMicrosecond) {
  const absl::Time expected =
      absl::FromUnixMicros(int64_t{1795685339} * 1000000 + 707123);  // 2026-11-26 ...
  absl::StatusOr<absl::Time> t =
      Epoch("date_part('epoch', timestamptz '2026-11-26 09:28:59.707123+00')");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, expected);
  // Every microsecond of one second comes back exactly (no truncation of 0.999999...).
  absl::StatusOr<int> wrong = session_->Run([](pqxx::work& tx) {
    int bad = 0;
    const pqxx::result r = tx.exec(
        "SELECT i, date_part('epoch', timestamptz '2026-11-26 09:28:59+00' + i * interval '1 "
        "microsecond') FROM generate_series(0, 999999, 7) AS i");
    for (const pqxx::row& row : r) {
      const absl::Time got = EpochField(row[1]);
      if (got != absl::FromUnixSeconds(1795685339) + absl::Microseconds(row[0].as<int>())) ++bad;
    }
    return bad;
  });
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_EQ(*wrong, 0);
  EXPECT_EQ(*Epoch("date_part('epoch', timestamptz '1970-01-01 00:00:00+00')"), absl::UnixEpoch());
  EXPECT_EQ(*Epoch("date_part('epoch', timestamptz 'infinity')"), absl::InfiniteFuture());
  EXPECT_EQ(*Epoch("date_part('epoch', timestamptz '-infinity')"), absl::InfinitePast());
  EXPECT_FALSE(Epoch("'soon'").ok());
  EXPECT_FALSE(Epoch("'NaN'::float8").ok());
}

}  // namespace
}  // namespace ntf::pg
