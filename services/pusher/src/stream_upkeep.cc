#include "services/pusher/src/stream_upkeep.h"

namespace ntf::pusher {

absl::Status StreamUpkeep::UpdateStats() {
  absl::StatusOr<JobStreamStats> stats = stream_.Stats();
  if (!stats.ok()) {
    metrics_.RedisError();
    return stats.status();
  }
  metrics_.StreamStats(*stats, clock_.Now());
  return absl::OkStatus();
}

absl::StatusOr<int64_t> StreamUpkeep::Trim() {
  absl::StatusOr<JobStreamStats> stats = stream_.Stats();
  if (!stats.ok()) {
    metrics_.RedisError();
    return stats.status();
  }
  metrics_.StreamStats(*stats, clock_.Now());
  std::optional<std::string> below = stats->TrimBelowId();
  if (!below) return 0;
  absl::StatusOr<int64_t> trimmed = stream_.TrimBelow(*below);
  if (!trimmed.ok()) {
    metrics_.RedisError();
    log_.Warn("XTRIM failed", {{"error", trimmed.status()}});
    return trimmed.status();
  }
  metrics_.Trimmed(*trimmed);
  absl::StatusOr<int> forgotten = stream_.RemoveIdleConsumers(absl::Hours(24));
  if (!forgotten.ok()) {
    metrics_.RedisError();
  } else if (*forgotten > 0) {
    log_.Info("forgot idle consumers", {{"consumers", static_cast<int64_t>(*forgotten)}});
  }
  return trimmed;
}

}  // namespace ntf::pusher
