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

PgBlockExecutor::PgBlockExecutor(pg::Pool& pool, const crypto::SealKey& seal_key,
                                 const CommandProcessor& processor, IntakeMetrics& metrics)
    : pool_(pool), seal_key_(seal_key), processor_(processor), metrics_(metrics) {}

void PgBlockExecutor::Execute(const SessionContext& session,
                              std::vector<wire::ReceivedCommand> commands, Done done) {
  if (!NeedsStore(commands)) {
    std::move(done)(processor_.Finish(processor_.Execute(no_store_, session, commands),
                                      absl::OkStatus()));
    return;
  }
  struct Job {
    std::vector<wire::ReceivedCommand> commands = {};
    BlockOutcome outcome = {};
    Done done = {};
  };
  auto job = std::make_shared<Job>(Job{.commands = std::move(commands), .done = std::move(done)});
  absl::Status queued = pool_.Submit(
      [this, &session, job](pqxx::work& tx) {
        store::PgStore store(tx, seal_key_);
        job->outcome = processor_.Execute(store, session, job->commands);
      },
      [this, job](absl::Status committed) {
        std::move(job->done)(processor_.Finish(std::move(job->outcome), committed));
      });
  if (!queued.ok()) {
    // Queue full or shutting down: answer now rather than wait.
    metrics_.DbPoolRejected();
    std::vector<wire::OutgoingResponse> answers;
    for (const wire::ReceivedCommand& c : job->commands) {
      wire::OutgoingResponse r{.corr_id = c.corr_id};
      if (const auto* e = std::get_if<wire::ErrorType>(&c.result)) {
        r.entity_id = c.entity_id;
        r.response = wire::ErrResponse{.error = *e};
      } else {
        r.response = wire::ErrResponse{.error = wire::ErrorType::Of(wire::ErrorCode::kInternal)};
      }
      answers.push_back(std::move(r));
    }
    std::move(job->done)(std::move(answers));
  }
}

}  // namespace ntf::intake
