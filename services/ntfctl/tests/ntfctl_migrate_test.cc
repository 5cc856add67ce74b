// ntfctl migrate against the local PostgreSQL (scripts/local-stack.sh).
#include <gtest/gtest.h>

#include <sstream>

#include "ntf/pg/migrations.h"
#include "ntf/pg/testing/test_database.h"
#include "ntf/store/pg_store.h"
#include "services/ntfctl/src/ntfctl.h"

namespace ntf::ntfctl {
namespace {

TEST(NtfctlMigrate, AppliesOnceAndIsIdempotent) {
  auto schema = pg::testing::TestSchema::Create("ntfctl");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto first = Migrate((*schema)->conninfo());
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<std::string> all;
  for (const pg::Migration& m : store::Migrations()) all.emplace_back(m.version);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), "store_0001");
  EXPECT_EQ(*first, all);
  auto second = Migrate((*schema)->conninfo());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(*pg::AppliedMigrations((*schema)->conninfo()), all);
  EXPECT_EQ(*(*schema)->AdminQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" +
                (*schema)->name() + "' AND table_name IN ('tokens','smp_servers','subscriptions')"),
            "3");

  std::ostringstream out, err;
  EXPECT_EQ(Main({"migrate", "--database-url", (*schema)->conninfo()}, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("up to date"), std::string::npos);
}

TEST(NtfctlMigrate, UnreachableDatabaseIsAnError) {
  std::ostringstream out, err;
  EXPECT_EQ(
      Main({"migrate", "--database-url", "postgresql://ntf:ntf@127.0.0.1:1/ntf?connect_timeout=2"},
           out, err),
      1);
  EXPECT_FALSE(err.str().empty());
}

}  // namespace
}  // namespace ntf::ntfctl
