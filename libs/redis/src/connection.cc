#include "ntf/redis/connection.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ntf/redis/errors.h"

namespace ntf::redis {
namespace {

// Writing to a socket the peer has closed raises SIGPIPE, which kills the process by default,
// and hiredis 0.14 writes with plain write(). Like libpq, block SIGPIPE on this thread while we
// talk to the server and swallow one we caused, leaving the process' disposition alone.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t sigpipe;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t sigpipe;
        sigemptyset(&sigpipe);
        sigaddset(&sigpipe, SIGPIPE);
        const timespec zero{0, 0};
        while (sigtimedwait(&sigpipe, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;
};

timeval SocketTimeout(absl::Duration d) {
  return absl::ToTimeval(std::max(d, absl::Milliseconds(1)));
}

// hiredis builds each reply through these, straight into our Reply tree: no redisReply tree of
// its own to copy from and free (per XREADGROUP entry that was ~12 allocations and copies).
// A child lives in its parent's `elements`, sized when the array is created and never resized,
// so the child's address hiredis keeps stays valid; only the root is allocated, and hiredis
// hands it to FreeReply on errors and when the context goes (we own it once returned).
Reply* Slot(const redisReadTask* task) {
  if (task->parent == nullptr) return new Reply();
  Reply* parent = static_cast<Reply*>(task->parent->obj);
  return &parent->elements[static_cast<size_t>(task->idx)];
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  Reply* r = Slot(task);
  r->type = task->type == REDIS_REPLY_ERROR    ? Reply::Type::kError
            : task->type == REDIS_REPLY_STATUS ? Reply::Type::kStatus
                                               : Reply::Type::kString;
  r->str.assign(str, len);
  return r;
}

void* CreateArray(const redisReadTask* task, int elements) {
  Reply* r = Slot(task);
  r->type = Reply::Type::kArray;
  r->elements.resize(static_cast<size_t>(std::max(elements, 0)));
  return r;
}

void* CreateInteger(const redisReadTask* task, long long value) {
  Reply* r = Slot(task);
  r->type = Reply::Type::kInteger;
  r->integer = value;
  return r;
}

void* CreateNil(const redisReadTask* task) { return Slot(task); }  // a Reply is nil by default

void FreeReply(void* reply) { delete static_cast<Reply*>(reply); }

redisReplyObjectFunctions kReplyFunctions = {&CreateString, &CreateArray, &CreateInteger,
                                             &CreateNil, &FreeReply};

bool IsConnectionFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Create(ConnectionOptions options) {
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis connect_timeout must be positive");
  }
  if (options.reconnect_backoff_min <= absl::ZeroDuration() ||
      options.reconnect_backoff_max < options.reconnect_backoff_min) {
    return absl::InvalidArgumentError("bad redis reconnect backoff range");
  }
  absl::StatusOr<RedisAddress> address = ParseRedisUrl(options.url);
  if (!address.ok()) return address.status();
  return std::unique_ptr<Connection>(new Connection(std::move(options), *std::move(address)));
}

Connection::Connection(ConnectionOptions options, RedisAddress address)
    : options_(std::move(options)), address_(std::move(address)) {}

Connection::~Connection() { Drop(); }

void Connection::Drop() {
  if (ctx_ == nullptr) return;
  redisFree(ctx_);
  ctx_ = nullptr;
}

absl::Status Connection::Connect() {
  ScopedSigpipeBlock no_sigpipe;
  redisContext* ctx = redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                              SocketTimeout(options_.connect_timeout));
  if (ctx == nullptr) return absl::ResourceExhaustedError("cannot allocate a hiredis context");
  if (ctx->err != 0) {
    std::string error = ctx->errstr;
    redisFree(ctx);
    return absl::UnavailableError(absl::StrCat("cannot connect to redis at ", address_.host, ":",
                                               address_.port, ": ", error));
  }
  redisEnableKeepAlive(ctx);
  ctx->reader->fn = &kReplyFunctions;
  ctx_ = ctx;
  socket_timeout_ = absl::ZeroDuration();

  std::vector<std::vector<std::string>> hello;
  if (!address_.password.empty()) {
    if (address_.username.empty()) {
      hello.push_back({"AUTH", address_.password});
    } else {
      hello.push_back({"AUTH", address_.username, address_.password});
    }
  }
  if (address_.db != 0) hello.push_back({"SELECT", absl::StrCat(address_.db)});
  if (!options_.client_name.empty()) hello.push_back({"CLIENT", "SETNAME", options_.client_name});
  if (hello.empty()) return absl::OkStatus();

  absl::StatusOr<std::vector<Reply>> replies = PipelineOnce(hello, options_.connect_timeout);
  if (!replies.ok()) {
    Drop();
    return absl::UnavailableError(
        absl::StrCat("redis connection set-up failed: ", replies.status().message()));
  }
  for (size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error()) {
      Drop();
      return StatusFromRedisError((*replies)[i].str, hello[i][0]);
    }
  }
  return absl::OkStatus();
}

absl::Status Connection::EnsureConnected() {
  if (ctx_ != nullptr) return absl::OkStatus();
  const absl::Time now = absl::Now();
  if (now < next_attempt_) {
    return absl::Status(
        last_connect_error_.code(),
        absl::StrCat(last_connect_error_.message(), " (next connection attempt in ",
                     absl::FormatDuration(absl::Trunc(next_attempt_ - now, absl::Milliseconds(1))),
                     ")"));
  }
  absl::Status status = Connect();
  if (options_.on_connect) options_.on_connect(status);
  if (status.ok()) {
    healthy_.store(true, std::memory_order_relaxed);
    backoff_ = absl::ZeroDuration();
    next_attempt_ = absl::InfinitePast();
    return status;
  }
  healthy_.store(false, std::memory_order_relaxed);
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? options_.reconnect_backoff_min
                 : std::min(backoff_ * 2, options_.reconnect_backoff_max);
  next_attempt_ = absl::Now() + backoff_;
  last_connect_error_ = status;
  return status;
}

absl::StatusOr<std::vector<Reply>> Connection::PipelineOnce(
    const std::vector<std::vector<std::string>>& commands, absl::Duration read_timeout) {
  ScopedSigpipeBlock no_sigpipe;
  if (read_timeout != socket_timeout_) {
    redisSetTimeout(ctx_, SocketTimeout(read_timeout));
    socket_timeout_ = read_timeout;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::vector<std::string>& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lengths.data()) !=
        REDIS_OK) {
      Drop();
      return absl::ResourceExhaustedError("hiredis could not buffer the command");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    // The first call writes the whole buffer (every command), then each call reads one reply.
    if (redisGetReply(ctx_, &raw) != REDIS_OK) {
      const int saved_errno = errno;
      const int err = ctx_->err;
      std::string message = ctx_->errstr;
      Drop();
      healthy_.store(false, std::memory_order_relaxed);
      next_attempt_ = absl::InfinitePast();  // the first reconnect is immediate
      if (err == REDIS_ERR_IO &&
          (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT)) {
        return absl::DeadlineExceededError(absl::StrCat("redis did not answer within ",
                                                        absl::FormatDuration(read_timeout), " (",
                                                        message, ")"));
      }
      if (err == REDIS_ERR_EOF) {
        return absl::UnavailableError(absl::StrCat("redis closed the connection: ", message));
      }
      return absl::UnavailableError(absl::StrCat("redis connection lost: ", message));
    }
    std::unique_ptr<Reply> reply(static_cast<Reply*>(raw));
    replies.push_back(std::move(*reply));
  }
  return replies;
}

absl::StatusOr<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands, const CommandOptions& options,
    std::string_view op, absl::Duration extra_read_time) {
  if (commands.empty()) return std::vector<Reply>();
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis command timeout must be positive");
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<Reply>> result;
  for (int attempt = 0;; ++attempt) {
    absl::Status connected = EnsureConnected();
    if (connected.ok()) {
      result = PipelineOnce(commands, options.timeout + extra_read_time);
    } else {
      result = connected;
    }
    if (result.ok() || attempt >= options.retries || !IsConnectionFailure(result.status())) break;
  }
  if (options_.on_command) {
    options_.on_command(op.empty() ? std::string_view(commands[0][0]) : op, absl::Now() - start,
                        result.status());
  }
  return result;
}

absl::StatusOr<Reply> Connection::Command(const std::vector<std::string>& argv,
                                          const CommandOptions& options, std::string_view op) {
  if (argv.empty()) return absl::InvalidArgumentError("empty redis command");
  absl::StatusOr<std::vector<Reply>> replies = Pipeline({argv}, options, op);
  if (!replies.ok()) return replies.status();
  Reply& reply = replies->front();
  if (reply.is_error()) return StatusFromRedisError(reply.str, argv[0]);
  return std::move(reply);
}

}  // namespace ntf::redis
