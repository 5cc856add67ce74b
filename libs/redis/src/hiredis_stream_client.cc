#include "ntf/redis/hiredis_stream_client.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/redis/errors.h"
#include "ntf/redis/stream_commands.h"

namespace ntf::redis {
namespace {

// One command whose error reply becomes a status; `extra_read_time` covers a BLOCK argument.
absl::StatusOr<Reply> Call(Connection& connection, std::vector<std::string> argv,
                           const CommandOptions& options, std::string_view op,
                           absl::Duration extra_read_time = absl::ZeroDuration()) {
  absl::StatusOr<std::vector<Reply>> replies =
      connection.Pipeline({argv}, options, op, extra_read_time);
  if (!replies.ok()) return replies.status();
  Reply& reply = replies->front();
  if (reply.is_error()) return StatusFromRedisError(reply.str, argv[0]);
  return std::move(reply);
}

absl::StatusOr<int64_t> IntegerReply(absl::StatusOr<Reply> reply, std::string_view command) {
  if (!reply.ok()) return reply.status();
  if (!reply->is_integer()) {
    return absl::InternalError(absl::StrCat(std::string(command), ": expected an integer reply"));
  }
  return reply->integer;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HiredisStreamClient>> HiredisStreamClient::Create(
    ConnectionOptions options) {
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Create(std::move(options));
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<HiredisStreamClient>(new HiredisStreamClient(*std::move(connection)));
}

absl::Status HiredisStreamClient::Ping(const CommandOptions& options) {
  absl::MutexLock lock(&mu_);
  return Call(*connection_, {"PING"}, options, "ping").status();
}

absl::StatusOr<Reply> HiredisStreamClient::Command(const std::vector<std::string>& argv,
                                                   const CommandOptions& options) {
  absl::MutexLock lock(&mu_);
  return connection_->Command(argv, options);
}

absl::StatusOr<std::vector<std::string>> HiredisStreamClient::Publish(
    std::string_view stream, absl::Span<const Fields> entries, const PublishOptions& publish,
    const CommandOptions& options) {
  if (absl::Status valid = ValidatePublish(stream, entries); !valid.ok()) return valid;
  if (entries.empty()) return std::vector<std::string>();
  std::vector<std::vector<std::string>> commands;
  commands.reserve(entries.size());
  for (const Fields& fields : entries) commands.push_back(XaddArgs(stream, fields, publish));

  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::vector<Reply>> replies = connection_->Pipeline(commands, options, "publish");
  if (!replies.ok()) return replies.status();
  std::vector<std::string> ids;
  ids.reserve(replies->size());
  for (Reply& reply : *replies) {
    if (reply.is_error()) {
      return StatusFromRedisError(
          reply.str, absl::StrCat("XADD (", ids.size(), " of ", entries.size(), " added)"));
    }
    if (!reply.is_string()) return absl::InternalError("XADD: expected an id");
    ids.push_back(std::move(reply.str));
  }
  return ids;
}

absl::Status HiredisStreamClient::EnsureGroup(std::string_view stream, std::string_view group,
                                              std::string_view start_id,
                                              const CommandOptions& options) {
  if (stream.empty() || group.empty() || start_id.empty()) {
    return absl::InvalidArgumentError("empty stream, group or start id");
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reply> reply =
      Call(*connection_, XgroupCreateArgs(stream, group, start_id), options, "ensure_group");
  if (!reply.ok() && reply.status().code() == absl::StatusCode::kAlreadyExists) {
    return absl::OkStatus();  // BUSYGROUP: it exists
  }
  return reply.status();
}

absl::StatusOr<std::vector<StreamEntry>> HiredisStreamClient::ReadGroup(
    std::string_view stream, std::string_view group, std::string_view consumer,
    const ReadGroupOptions& read, const CommandOptions& options) {
  if (absl::Status valid = ValidateReadGroup(stream, group, consumer, read); !valid.ok()) {
    return valid;
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reply> reply = Call(*connection_, XreadgroupArgs(stream, group, consumer, read),
                                     options, "read_group", read.block);
  if (!reply.ok()) return reply.status();
  return ParseReadGroupReply(*std::move(reply));
}

absl::StatusOr<int64_t> HiredisStreamClient::Ack(std::string_view stream, std::string_view group,
                                                 absl::Span<const std::string> ids,
                                                 const CommandOptions& options) {
  if (ids.empty()) return 0;
  absl::MutexLock lock(&mu_);
  return IntegerReply(Call(*connection_, XackArgs(stream, group, ids), options, "ack"), "XACK");
}

absl::StatusOr<AutoClaimResult> HiredisStreamClient::AutoClaim(
    std::string_view stream, std::string_view group, std::string_view consumer,
    absl::Duration min_idle, std::string_view start, int64_t count, const CommandOptions& options) {
  if (absl::Status valid = ValidateCount(count); !valid.ok()) return valid;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reply> reply =
      Call(*connection_, XautoclaimArgs(stream, group, consumer, min_idle, start, count), options,
           "auto_claim");
  if (!reply.ok()) return reply.status();
  return ParseAutoClaimReply(*std::move(reply));
}

absl::StatusOr<PendingSummary> HiredisStreamClient::Pending(std::string_view stream,
                                                            std::string_view group,
                                                            const CommandOptions& options) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reply> reply =
      Call(*connection_, XpendingSummaryArgs(stream, group), options, "pending");
  if (!reply.ok()) return reply.status();
  return ParsePendingSummary(*reply);
}

absl::StatusOr<std::vector<PendingEntry>> HiredisStreamClient::PendingEntries(
    std::string_view stream, std::string_view group, const PendingQuery& query,
    const CommandOptions& options) {
  if (absl::Status valid = ValidatePendingQuery(query); !valid.ok()) return valid;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reply> reply =
      Call(*connection_, XpendingArgs(stream, group, query), options, "pending_entries");
  if (!reply.ok()) return reply.status();
  return ParsePendingEntries(*reply);
}

absl::StatusOr<int64_t> HiredisStreamClient::Len(std::string_view stream,
                                                 const CommandOptions& options) {
  absl::MutexLock lock(&mu_);
  return IntegerReply(Call(*connection_, {"XLEN", std::string(stream)}, options, "len"), "XLEN");
}

absl::StatusOr<std::string> HiredisStreamClient::DeadLetter(
    std::string_view stream, std::string_view group, std::string_view id,
    std::string_view dead_stream, const Fields& fields, const PublishOptions& publish,
    const CommandOptions& options) {
  const Fields* one = &fields;
  if (absl::Status valid = ValidatePublish(dead_stream, absl::MakeConstSpan(one, 1)); !valid.ok()) {
    return valid;
  }
  const std::vector<std::vector<std::string>> commands = {
      {"MULTI"},
      XaddArgs(dead_stream, fields, publish),
      XackArgs(stream, group, {std::string(id)}),
      {"EXEC"},
  };
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::vector<Reply>> replies =
      connection_->Pipeline(commands, options, "dead_letter");
  if (!replies.ok()) return replies.status();
  // A command refused while queueing aborts the transaction (EXECABORT); report its reason.
  for (size_t i = 0; i < 3; ++i) {
    if ((*replies)[i].is_error()) return StatusFromRedisError((*replies)[i].str, commands[i][0]);
  }
  const Reply& exec = (*replies)[3];
  if (exec.is_error()) return StatusFromRedisError(exec.str, "EXEC");
  if (!exec.is_array() || exec.elements.size() != 2) {
    return absl::InternalError("EXEC: unexpected reply to the dead-letter transaction");
  }
  if (exec.elements[0].is_error()) return StatusFromRedisError(exec.elements[0].str, "XADD");
  if (exec.elements[1].is_error()) return StatusFromRedisError(exec.elements[1].str, "XACK");
  if (!exec.elements[0].is_string()) return absl::InternalError("XADD: expected an id");
  return exec.elements[0].str;
}

}  // namespace ntf::redis
