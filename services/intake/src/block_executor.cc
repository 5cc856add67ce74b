#include "services/intake/src/block_executor.h"

#include "ntf/pg/pool.h"
#include "ntf/store/pg_store.h"

namespace ntf::intake {

bool NeedsStore(const std::vector<wire::ReceivedCommand>& commands) {
  for (const wire::ReceivedCommand& c : commands) {
    if (c.ok() && wire::TagOf(std::get<wire::Command>(c.result)) != wire::CommandTag::kPing) {
      return true;
    }
  }
  return false;
}

namespace {

// Answers every command with `error` without executing anything (PINGs still get PONG and
// transmissions that failed to parse keep their own error).
std::vector<wire::OutgoingResponse> FailAll(const std::vector<wire::ReceivedCommand>& commands,
                                            const wire::ErrorType& error) {
  std::vector<wire::OutgoingResponse> answers;
  for (const wire::ReceivedCommand& c : commands) {
    wire::OutgoingResponse r{.corr_id = c.corr_id};
    if (const auto* e = std::get_if<wire::ErrorType>(&c.result)) {
      r.entity_id = c.entity_id;
      r.response = wire::ErrResponse{.error = *e};
    } else if (wire::TagOf(std::get<wire::Command>(c.result)) == wire::CommandTag::kPing) {
      r.response = wire::PongResponse{};
    } else {
      r.response = wire::ErrResponse{.error = error};
    }
    answers.push_back(std::move(r));
  }
  return answers;
}

}  // namespace

PgBlockExecutor::PgBlockExecutor(pg::Pool& pool, const crypto::SealKey& seal_key,
                                 const CommandProcessor& processor, IntakeMetrics& metrics)
    : pool_(pool), seal_key_(seal_key), processor_(processor), metrics_(metrics) {}

void PgBlockExecutor::Execute(const SessionContext& session,
                              std::vector<wire::ReceivedCommand> commands, Done done) {
  if (!NeedsStore(commands)) {
    std::move(done)(
        processor_.Finish(processor_.Execute(no_store_, session, commands), absl::OkStatus()));
    return;
  }
  struct Job {
    std::vector<wire::ReceivedCommand> commands = {};
    std::optional<BlockOutcome> outcome = {};  // empty if the job failed before its body ran
    Done done = {};
  };
  auto job = std::make_shared<Job>(Job{.commands = std::move(commands), .done = std::move(done)});
  absl::Status queued = pool_.Submit(
      [this, &session, job](pqxx::work& tx) {
        store::PgStore store(tx, seal_key_);
        job->outcome = processor_.Execute(store, session, job->commands);
      },
      [this, job](absl::Status committed) {
        if (!job->outcome) {
          // No connection to run the block on (the database is down): nothing was executed.
          std::move(job->done)(
              FailAll(job->commands, {.code = wire::ErrorCode::kStore, .detail = "unavailable"}));
          return;
        }
        std::move(job->done)(processor_.Finish(*std::move(job->outcome), committed));
      });
  if (!queued.ok()) {
    // Queue full or shutting down: answer now rather than wait.
    metrics_.DbPoolRejected();
    std::move(job->done)(FailAll(job->commands, wire::ErrorType::Of(wire::ErrorCode::kInternal)));
  }
}

}  // namespace ntf::intake
