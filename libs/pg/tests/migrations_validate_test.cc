#include <gtest/gtest.h>

#include "ntf/pg/migrations.h"

namespace ntf::pg {
namespace {

TEST(ValidateMigrationsTest, AcceptsUniqueVersions) {
  const Migration list[] = {{"a_0001", "one", "SELECT 1"}, {"a_0002", "two", "SELECT 2"}};
  EXPECT_TRUE(ValidateMigrations(list).ok());
  EXPECT_TRUE(ValidateMigrations({}).ok());
}

TEST(ValidateMigrationsTest, RejectsDuplicateAndEmptyVersions) {
  const Migration duplicate[] = {{"a_0001", "one", "SELECT 1"}, {"a_0001", "again", "SELECT 2"}};
  EXPECT_EQ(ValidateMigrations(duplicate).code(), absl::StatusCode::kInvalidArgument);
  const Migration empty[] = {{"", "nameless", "SELECT 1"}};
  EXPECT_EQ(ValidateMigrations(empty).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ntf::pg
