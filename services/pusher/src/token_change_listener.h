#pragma once

// Keeps the TokenCache honest: one thread with its own PostgreSQL connection that LISTENs on
// ntf_token_changed (migration store_0003) and drops each announced token from the cache. The
// cache is enabled only while this connection listens and the announcing trigger exists: on any
// connection error the cache is disabled (and forgotten), and re-enabled empty once LISTEN is
// back, because announcements made in between are lost.
//
// The cache is switched on only once a canary announcement of our own came back over the
// LISTEN (a transaction-pooling proxy would accept LISTEN and deliver nothing), and a new canary
// goes out every 5 s that must be back by the next one: this also notices an idle connection to
// a vanished server. Other pushers ignore the canaries ("canary <pid> <n>", not a token id).
//
// Threads: one ("ntf-token-watch"), started by Start(), joined by Stop(). Reconnects with a
// backoff from 100 ms to 10 s.

#include <atomic>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "ntf/common/logging.h"
#include "services/pusher/src/pusher_metrics.h"
#include "services/pusher/src/token_cache.h"

namespace ntf::pusher {

inline constexpr char kTokenChangeChannel[] = "ntf_token_changed";

class TokenChangeListener {
 public:
  // `conninfo`: a libpq connection string (the pool's, so the same search_path applies).
  TokenChangeListener(std::string conninfo, TokenCache& cache, PusherMetrics& metrics,
                      common::Logger log);
  ~TokenChangeListener();
  TokenChangeListener(const TokenChangeListener&) = delete;
  TokenChangeListener& operator=(const TokenChangeListener&) = delete;

  void Start();
  // Stops within ~200 ms and leaves the cache disabled. Idempotent.
  void Stop();

  // Connections that reached LISTEN (for tests: a reconnect happened).
  int64_t listens() const { return listens_.load(); }
  // PostgreSQL's process id of the listening connection (0 before the first).
  int backend_pid() const { return backend_pid_.load(); }

 private:
  void Loop();
  // Connects, checks the trigger, listens until an error or Stop(). Returns the error text.
  std::string ListenOnce();

  const std::string conninfo_;
  TokenCache& cache_;
  PusherMetrics& metrics_;
  const common::Logger log_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> listens_{0};
  std::atomic<int> backend_pid_{0};
  std::thread thread_;
};

}  // namespace ntf::pusher
