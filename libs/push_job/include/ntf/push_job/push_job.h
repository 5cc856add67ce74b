#pragma once

// A push job on the Redis stream `ntf:push` (proto/ntf/push/v1/push_job.proto) as a plain value,
// and the one codec of its stream entry, shared by every producer (intake, the pusher's periodic
// pushes, outbox and dead letters) and the pusher's reader.
//
// Entry: field `kind` (the ntf.push.v1.PushKind name, e.g. "PUSH_KIND_VERIFICATION", for humans
// and XRANGE filters; not read back) and field `job` (the serialized ntf.push.v1.PushJob). Jobs
// carry no secrets: the pusher reads the device token, DH secret, registration code and
// notifications from PostgreSQL.
//
// Pure functions on plain values: thread-safe, no I/O, never block (NewJob reads the system
// random source). The generated protobuf stays in push_job.cc.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/redis/stream_types.h"
#include "ntf/wire/encoding.h"

namespace ntf::push_job {

inline constexpr std::string_view kKindField = "kind";
inline constexpr std::string_view kJobField = "job";

enum class PushKind { kVerification, kMessage, kCheckMessages };

struct PushJob {
  std::string job_id = {};  // stable across retries and re-deliveries; becomes the apns-id
  PushKind kind = PushKind::kCheckMessages;
  wire::Bytes token_id = {};                   // tokens.token_id
  std::vector<int64_t> notification_ids = {};  // kMessage: outbox rows, oldest first
  uint32_t attempt = 0;                        // failed attempts before this entry was written
  absl::Time enqueued_at = absl::UnixEpoch();  // first enqueue, ms resolution (expiry, latency)

  friend bool operator==(const PushJob&, const PushJob&) = default;
};

// The stream entry's fields for `job`: kind, then job. `enqueued_at` is stored in Unix
// milliseconds (truncated).
redis::Fields EncodeEntry(const PushJob& job);

// The job of a stream entry. InvalidArgument when the `job` field is missing or is not a
// serialized PushJob, the kind is unspecified or unknown, the token id is empty, or a message
// job names no notification. Other fields (`kind`, a dead letter's `reason`…) are ignored. An
// enqueue time of 0 or less decodes as the Unix epoch.
absl::StatusOr<PushJob> DecodeEntry(const redis::Fields& fields);

// A new job (attempt 0) with a random 128-bit job id (base64url).
PushJob NewJob(PushKind kind, wire::Bytes token_id, std::vector<int64_t> notification_ids,
               absl::Time now);

}  // namespace ntf::push_job
