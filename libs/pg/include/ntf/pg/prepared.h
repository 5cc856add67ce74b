#pragma once

// Runs a statement as a named prepared statement: PostgreSQL parses and plans it once per
// connection instead of on every call. pqxx keeps the definitions per connection; declaring the
// same one again is a no-op, so callers simply pass the name and the SQL every time.

#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace ntf::pg {

template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, const char* name, const std::string& sql,
                          Args&&... args) {
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace ntf::pg
