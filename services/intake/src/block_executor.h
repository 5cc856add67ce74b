#pragma once

// Where the commands of a block are executed: off the event loop, against the store, with the
// side effects performed after the transaction. The connection hands a decoded block over and
// gets the answers back through a callback.

#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "ntf/crypto/seal.h"
#include "ntf/store/memory_store.h"
#include "services/intake/src/command_processor.h"

namespace ntf::pg {
class Pool;
}  // namespace ntf::pg

namespace ntf::intake {

class BlockExecutor {
 public:
  using Done = absl::AnyInvocable<void(std::vector<wire::OutgoingResponse>) &&>;
  virtual ~BlockExecutor() = default;
  // Answers `commands` in order. `done` is called exactly once, on any thread (possibly inside
  // this call): the caller posts the answers back to its event loop. `session` (and the key it
  // points to) must stay valid until then. Thread-safe; never blocks.
  virtual void Execute(const SessionContext& session, std::vector<wire::ReceivedCommand> commands,
                       Done done) = 0;
};

// True if answering the block needs the store: some command other than PING passed parsing.
bool NeedsStore(const std::vector<wire::ReceivedCommand>& commands);

// PostgreSQL: one pool job (one transaction) per block; blocks that need no store are answered
// inline. A full pool queue answers every command with ERR INTERNAL at once (no waiting).
class PgBlockExecutor final : public BlockExecutor {
 public:
  // All references must outlive the executor.
  PgBlockExecutor(pg::Pool& pool, const crypto::SealKey& seal_key,
                  const CommandProcessor& processor, IntakeMetrics& metrics);
  void Execute(const SessionContext& session, std::vector<wire::ReceivedCommand> commands,
               Done done) override;

 private:
  pg::Pool& pool_;
  const crypto::SealKey& seal_key_;
  const CommandProcessor& processor_;
  IntakeMetrics& metrics_;
  store::MemoryStore no_store_;  // handed to blocks that never touch the store
};

// A store in memory, executed inline (tests and the demo without PostgreSQL).
class InlineBlockExecutor final : public BlockExecutor {
 public:
  InlineBlockExecutor(store::Store& store, const CommandProcessor& processor)
      : store_(store), processor_(processor) {}
  void Execute(const SessionContext& session, std::vector<wire::ReceivedCommand> commands,
               Done done) override {
    std::move(done)(
        processor_.Finish(processor_.Execute(store_, session, commands), absl::OkStatus()));
  }

 private:
  store::Store& store_;
  const CommandProcessor& processor_;
};

}  // namespace ntf::intake
