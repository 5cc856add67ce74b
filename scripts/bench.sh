#!/usr/bin/env bash
# bench.sh — benchmarks (not tests): a private PostgreSQL + Redis (.run/bench), a real
# ntf-intake on them, then ntf-intake-bench for TNEW/SNEW throughput and latency and the memory
# of idle client connections; then ntf-fake-apns, one ntf-pusher on the same stack and
# ntf-pusher-bench for pushes/s and stream-to-provider latency, with h2load against the same fake
# (the HTTP/2 ceiling) right before each of the pusher's backlog runs.
# Figures and how to read them: docs/benchmarks.md.
#   BENCH_CLIENTS (default 32), BENCH_SECONDS (default 10), BENCH_IDLE (default 1000),
#   BENCH_DB_POOL (intake DB connections, default 8), BENCH_ONLY (all, intake or pusher),
#   BENCH_RUN_DIR (default .run/bench: its stack, logs and files; give parallel runs their own);
#   the pusher's knobs are in its section below.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${BENCH_BUILD_DIR:-build}
RUN=${BENCH_RUN_DIR:-$ROOT/.run/bench}
export NTF_RUN_DIR=$RUN/stack
mkdir -p "$RUN"

# stop_pusher: SIGTERM to the pusher (it drains) and wait for it. Under a WRAPPER the pusher is
# the wrapper's child, and not every wrapper passes SIGTERM on (`perf stat` does not): an
# orphaned pusher reconnects to the next run's stack on the same ports and takes a job of each
# load, held until another pusher's XAUTOCLAIM after claim_idle (a 60 s stall). So the
# wrapper's children get the signal first, and the wrapper once they have drained and exited.
stop_pusher() {
  [[ -n ${PUSHER_PID:-} ]] || return 0
  if pkill -TERM -P "$PUSHER_PID" 2>/dev/null; then
    for _ in $(seq 300); do pgrep -P "$PUSHER_PID" > /dev/null || break; sleep 0.1; done
    for _ in $(seq 50); do kill -0 "$PUSHER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  kill -TERM "$PUSHER_PID" 2>/dev/null || true
  wait "$PUSHER_PID" 2>/dev/null || true
  PUSHER_PID=
}

cleanup() {
  [[ -n ${PERF_PID:-} ]] && kill -INT "$PERF_PID" 2>/dev/null && { wait "$PERF_PID" 2>/dev/null || true; }
  [[ -n ${DRAIN_PID:-} ]] && kill -TERM "$DRAIN_PID" 2>/dev/null
  [[ -n ${INTAKE_PID:-} ]] && kill -TERM "$INTAKE_PID" 2>/dev/null && wait "$INTAKE_PID" 2>/dev/null
  stop_pusher
  [[ -n ${FAKE_PID:-} ]] && kill -TERM "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
  scripts/local-stack.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# CPU ticks (user + system, all threads) used so far by the given processes; `ticks_of_tree P`
# adds P's children (PostgreSQL's backends). Differences divided by CLK_TCK are CPU seconds.
ticks() {
  local total=0 pid rest
  for pid in "$@"; do
    rest=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a f <<< "$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
ticks_of_tree() { ticks "$1" $(pgrep -P "$1" || true); }
# CPU time in nanoseconds (all threads, /proc/PID/task/*/schedstat) used so far by the given
# processes: exact, where ticks are 10 ms. `runtime_ns_of_tree P` adds P's children.
runtime_ns() {
  local pid
  for pid in "$@"; do cat /proc/"$pid"/task/*/schedstat 2>/dev/null || true; done |
    awk '{ s += $1 } END { printf "%.0f\n", s }'
}
runtime_ns_of_tree() { runtime_ns "$1" $(pgrep -P "$1" || true); }
# "name ticks" per thread of a process (threads of the same name summed).
thread_ticks() {
  local t rest
  for t in /proc/"$1"/task/*; do
    rest=$(sed 's/^.*) //' "$t/stat" 2>/dev/null) || continue
    read -r -a f <<< "$rest"
    echo "$(cat "$t/comm") $((f[11] + f[12]))"
  done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }' | sort
}
# Redis command counts ("cmd calls" per command) from INFO commandstats.
redis_calls() {
  { redis-cli -u "$NTF_REDIS_URL" INFO commandstats 2>/dev/null || true; } |
    sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/p' | sort
}
# compact_aof: rewrite Redis's AOF now and wait for it (a forked child serialises the whole
# dataset: ~0.1 s of a core with a 100,000-job backlog). Redis's own rewrites, which landed
# inside some measured runs and not others, are switched off below; this one runs after a
# backlog is queued and before its pusher starts, and keeps the AOF from growing run after run.
compact_aof() {
  redis-cli -u "$NTF_REDIS_URL" BGREWRITEAOF > /dev/null
  for _ in $(seq 300); do
    redis-cli -u "$NTF_REDIS_URL" INFO persistence |
      grep -qE '^aof_rewrite_(in_progress|scheduled):1' || return 0
    sleep 0.1
  done
  echo "[bench] AOF rewrite still running after 30 s" >&2
}
# redis_line LABEL JOBS BEFORE_FILE AFTER_FILE: Redis commands per job, by command.
redis_line() {
  join -a 2 -e 0 -o 0,1.2,2.2 "$3" "$4" | awk -v jobs="$2" -v label="$1" '
    $3 - $2 > 0 { out = out sprintf(" %s %.3f", $1, ($3 - $2) / jobs) }
    END { print "[redis] " label ", commands per job:" out }'
}
HZ=$(getconf CLK_TCK)
# cpu_line LABEL WALL_SECONDS NAME=TICKS_BEFORE:TICKS_AFTER... : CPU seconds and cores per process.
cpu_line() {
  local label=$1 wall=$2 out="" name before after
  shift 2
  for spec in "$@"; do
    name=${spec%%=*}; before=${spec#*=}; after=${before#*:}; before=${before%%:*}
    out+=$(awk -v n="$name" -v d=$((after - before)) -v hz="$HZ" -v w="$wall" \
      'BEGIN { printf " %s %.1f s (%.2f cores);", n, d / hz, d / hz / w }')
  done
  echo "[cpu] $label, ${wall} s wall:${out%;}"
}
# The whole machine (/proc/stat, in ticks): "busy softirq total", busy including the kernel's
# interrupt and softirq work (loopback networking) that no process is charged for.
machine_ticks() {
  awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, $8, busy + $5 + $6 }' /proc/stat
}
# machine_line LABEL "BEFORE" "AFTER": busy cores of the machine over the span (softirq apart).
machine_line() {
  echo "$2 $3" | awk -v l="$1" -v n="$(nproc)" '{
    t = $6 - $3; if (t <= 0) t = 1
    printf "[cpu] machine, %s: %.2f of %d cores busy (softirq %.2f)\n", l, n * ($4 - $1) / t, n, n * ($5 - $2) / t }'
}
# Context switches (voluntary + involuntary, all threads) of a process so far: its wake-ups.
switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

scripts/local-stack.sh start >/dev/null
set -a; source "$NTF_RUN_DIR/stack.env"; set +a
# No automatic AOF rewrite inside a measured run: it forks and serialises the whole backlog
# (~0.4 µs per push while it runs). A backlog of 150,000+ jobs grows the AOF past Redis's
# default trigger; compact_aof rewrites it before each backlog run instead.
redis-cli -u "$NTF_REDIS_URL" CONFIG SET auto-aof-rewrite-percentage 0 > /dev/null
rm -rf "$RUN/etc"
"$BIN/services/ntfctl/ntfctl" init --dir "$RUN/etc" --host 127.0.0.1 --port 5443 \
  --database-url "$NTF_DATABASE_URL" --redis-url "$NTF_REDIS_URL" > "$RUN/init.log"
ADDRESS=$(sed -n 's/^Server address: //p' "$RUN/init.log")

if [[ ${BENCH_ONLY:-all} != pusher ]]; then
  NTF_INTAKE_LISTEN_HOST=127.0.0.1 NTF_INTAKE_ADMIN_PORT=0 NTF_INTAKE_DATABASE_POOL_SIZE=${BENCH_DB_POOL:-8} \
    "$BIN/services/intake/ntf-intake" --config "$RUN/etc/intake.yaml" > "$RUN/intake.out" 2> "$RUN/intake.err" &
  INTAKE_PID=$!
  for _ in $(seq 100); do grep -q "ntf-intake ready" "$RUN/intake.out" && break; sleep 0.1; done
  grep -q "ntf-intake ready" "$RUN/intake.out" || { cat "$RUN/intake.err"; exit 1; }

  echo "[bench] ntf-intake on $ADDRESS ($(nproc) cores, everything on this machine)"
  "$BIN/tests/bench/ntf-intake-bench" --address "$ADDRESS" --database-url "$NTF_DATABASE_URL" \
    --clients "${BENCH_CLIENTS:-32}" --seconds "${BENCH_SECONDS:-10}"
  "$BIN/tests/bench/ntf-intake-bench" --address "$ADDRESS" --database-url "$NTF_DATABASE_URL" \
    --intake-pid "$INTAKE_PID" --idle "${BENCH_IDLE:-1000}"
  kill -TERM "$INTAKE_PID"; wait "$INTAKE_PID" || true; INTAKE_PID=
fi
[[ ${BENCH_ONLY:-all} == intake ]] && exit 0

# --- ntf-pusher: one process pushing to ntf-fake-apns; h2load on the same fake as the ceiling --
#   PUSHER_BENCH_TOKENS (default 10000), PUSHER_BENCH_JOBS (default 100000),
#   PUSHER_BENCH_RATE_JOBS (default 50000, offered at PUSHER_BENCH_RATE, default 5000/s),
#   H2LOAD_REQUESTS (default 100000), H2LOAD_CONNECTIONS (default 2), H2LOAD_STREAMS (default 100),
#   H2LOAD_RUNS and BACKLOG_RUNS (default 5: run N of each makes pair N; the figure to read is
#   the median of the pairs' ratios, the last `[ratio]` line),
#   FAKE_APNS_LEAN (default 1: ntf-fake-apns --lean, JWT verified once per distinct token; 0: the
#   full FakeApns of the tests, itself the bottleneck at ~2,500 requests/s),
#   PUSHER_LD_PRELOAD (LD_PRELOAD for the pusher alone, e.g. another malloc), PUSHER_PERF (below),
#   PUSHER_LOG_LEVEL (default warn; info shows take-overs and releases),
#   BACKLOG_WRAPPER (a command the backlog runs' pushers start under, e.g. valgrind: see
#   tests/bench/pusher_service_callgrind.sh);
#   NTF_PUSHER_* variables (e.g. NTF_PUSHER_STREAM_READ_BATCH) reach the pusher's configuration
P=$RUN/pusher
rm -rf "$P"; mkdir -p "$P"
PBENCH=$BIN/tests/bench/ntf-pusher-bench
"$BIN/tests/support/ntf-fake-apns" --lean "${FAKE_APNS_LEAN:-1}" --dir "$P" --dump "$P/fake.dump" > "$P/fake.out" 2> "$P/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do grep -q "fake-apns ready" "$P/fake.out" && break; sleep 0.1; done
grep -q "fake-apns ready" "$P/fake.out" || { cat "$P/fake.err"; exit 1; }
ORIGIN=$(sed -n 's/.* origin=\([^ ]*\).*/\1/p' "$P/fake.out")

# start_pusher SUFFIX: one ntf-pusher on the fake (output in $P/pusher$SUFFIX.{out,err}); sets
# PUSHER_PID. WAIT_READY=0 returns at once; WRAPPER is a command to start it under.
start_pusher() {
  NTF_PUSHER_DATABASE_URL=$NTF_DATABASE_URL NTF_PUSHER_REDIS_URL=$NTF_REDIS_URL \
  NTF_PUSHER_DATABASE_SECRET_KEY_FILE=$RUN/etc/server_secret.key \
  NTF_PUSHER_APNS_KEY_FILE=$P/apns_key.p8 NTF_PUSHER_APNS_KEY_ID=FAKEKEY123 \
  NTF_PUSHER_APNS_TEAM_ID=FAKETEAM12 NTF_PUSHER_APNS_PRODUCTION_URL=$ORIGIN \
  NTF_PUSHER_APNS_SANDBOX_URL=$ORIGIN NTF_PUSHER_APNS_TEST_URL=$ORIGIN \
  NTF_PUSHER_APNS_CA_FILE=$P/apns_ca.pem NTF_PUSHER_ADMIN_PORT=0 NTF_PUSHER_CRON_ENABLED=false \
  NTF_PUSHER_LOG_LEVEL=${PUSHER_LOG_LEVEL:-warn} LD_PRELOAD=${PUSHER_LD_PRELOAD:-} \
    ${WRAPPER:-} "$BIN/services/pusher/ntf-pusher" > "$P/pusher$1.out" 2> "$P/pusher$1.err" &
  PUSHER_PID=$!
  [[ ${WAIT_READY:-1} == 0 ]] && return 0
  for _ in $(seq 100); do grep -q "ntf-pusher ready" "$P/pusher$1.out" && break; sleep 0.1; done
  grep -q "ntf-pusher ready" "$P/pusher$1.out" || { cat "$P/pusher$1.err"; exit 1; }
}
start_pusher ""

"$PBENCH" tokens --database-url "$NTF_DATABASE_URL" --seal-key-file "$RUN/etc/server_secret.key" \
  --count "${PUSHER_BENCH_TOKENS:-10000}" --out "$P/tokens.txt"
DEVICE=$(head -1 "$P/tokens.txt" | cut -d' ' -f2)
JWT=$("$PBENCH" jwt --key-file "$P/apns_key.p8" --key-id FAKEKEY123 --team-id FAKETEAM12)
"$PBENCH" body --out "$P/body.json" >/dev/null

# Short runs on a shared 2-core machine vary by +-15 %, and the machine's speed wanders by as
# much over minutes; noise only ever lowers a rate. So each h2load run goes right before a
# backlog run (below), both sampling the same moments of the machine, and the ratio is the
# median of the pairs' own ratios: of five pairs by default, which a single slow pair, or two,
# cannot move much (with three, two slow pairs decided a run; docs/benchmarks.md, round 8).
# The best of each side is printed too.
H2LOAD_RUNS=${H2LOAD_RUNS:-5}
BACKLOG_RUNS=${BACKLOG_RUNS:-5}
H2_BEST=0
H2_RATES=()
# h2load_run N: one run of h2load against the fake (the HTTP/2 ceiling); sets H2_BEST, H2_RATES.
h2load_run() {
  echo "[bench] HTTP/2 ceiling: h2load -> ntf-fake-apns $ORIGIN (verification-sized body, valid JWT, run $1 of $H2LOAD_RUNS)"
  local fake0 fakesys0 m0 t0 t1 fake1 fakesys1 m1 rate h2
  fake0=$(ticks "$FAKE_PID"); fakesys0=$(switches "$FAKE_PID"); m0=$(machine_ticks); t0=$(date +%s.%N)
  TIMEFORMAT="%U %S"
  { time h2load -n "${H2LOAD_REQUESTS:-100000}" -c "${H2LOAD_CONNECTIONS:-2}" \
    -m "${H2LOAD_STREAMS:-100}" -t 1 -d "$P/body.json" -H "authorization: bearer $JWT" \
    -H "apns-topic: chat.simplex.app" -H "apns-push-type: alert" -H "apns-priority: 10" \
    -H "content-type: application/json" \
    "$ORIGIN/3/device/$DEVICE" > "$P/h2load.out" 2> "$P/h2load.err"; } 2> "$P/h2load.time"
  t1=$(date +%s.%N); fake1=$(ticks "$FAKE_PID"); fakesys1=$(switches "$FAKE_PID"); m1=$(machine_ticks)
  grep -E "^finished in|^requests:|^status codes:" "$P/h2load.out" | sed 's/^/[h2load] /'
  rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$P/h2load.out")
  H2_RATES+=("${rate:-0}")
  H2_BEST=$(awk -v a="$H2_BEST" -v b="${rate:-0}" 'BEGIN { print (b > a ? b : a) }')
  h2=$(awk -v hz="$HZ" '{ printf "%d", ($1 + $2) * hz }' "$P/h2load.time")
  cpu_line "h2load run" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
    "ntf-fake-apns=$fake0:$fake1" "h2load=0:$h2"
  machine_line "h2load run" "$m0" "$m1"
  echo "[switches] h2load run: ntf-fake-apns $(awk -v a="$fakesys0" -v b="$fakesys1" \
    -v n="${H2LOAD_REQUESTS:-100000}" 'BEGIN { printf "%.3f", (b - a) / n }') per request"
}

echo "[bench] ntf-pusher (1 process, defaults: 2 APNs connections, 1000 in flight) -> ntf-fake-apns"
# PUSHER_PERF=FILE: perf record (cpu-clock, call graphs) of the pusher during the max-rate run.
if [[ -n ${PUSHER_PERF:-} ]]; then
  perf record -e cpu-clock -F 999 -g -p "$PUSHER_PID" -o "$PUSHER_PERF" > "$P/perf.out" 2>&1 &
  PERF_PID=$!
fi
pusher0=$(ticks "$PUSHER_PID"); fake0=$(ticks "$FAKE_PID"); thread_ticks "$PUSHER_PID" > "$P/threads0"
redis_calls > "$P/redis0"
pg0=$(ticks_of_tree "$NTF_PG_PID"); redis0=$(ticks "$NTF_REDIS_PID"); t0=$(date +%s.%N)
{ time "$PBENCH" load --redis-url "$NTF_REDIS_URL" --tokens "$P/tokens.txt" \
  --jobs "${PUSHER_BENCH_JOBS:-100000}" --jobs-out "$P/jobs-max.txt" 2> "$P/load.err"; } \
  2> "$P/load.time"
cat "$P/load.err" >&2
t1=$(date +%s.%N); pusher1=$(ticks "$PUSHER_PID"); fake1=$(ticks "$FAKE_PID")
thread_ticks "$PUSHER_PID" > "$P/threads1"
pg1=$(ticks_of_tree "$NTF_PG_PID"); redis1=$(ticks "$NTF_REDIS_PID")
redis_calls > "$P/redis1"
if [[ -n ${PERF_PID:-} ]]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; PERF_PID=; fi
loader=$(awk -v hz="$HZ" '{ printf "%d", ($1 + $2) * hz }' "$P/load.time")
cpu_line "max-rate load" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
  "ntf-pusher=$pusher0:$pusher1" "ntf-fake-apns=$fake0:$fake1" "postgres=$pg0:$pg1" \
  "redis=$redis0:$redis1" "loader=0:$loader"
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
join "$P/threads0" "$P/threads1" | awk -v hz="$HZ" -v w="$wall" '
  $3 - $2 > 0 { out = out sprintf(" %s %.2f", $1, ($3 - $2) / hz / w) }
  END { print "[cpu] ntf-pusher threads (cores):" out }'
redis_line "max-rate load (loader's XADDs and XINFO polls included)" "${PUSHER_BENCH_JOBS:-100000}" \
  "$P/redis0" "$P/redis1"
"$PBENCH" load --redis-url "$NTF_REDIS_URL" --tokens "$P/tokens.txt" \
  --jobs "${PUSHER_BENCH_RATE_JOBS:-50000}" --rate "${PUSHER_BENCH_RATE:-5000}" \
  --jobs-out "$P/jobs-rate.txt"
stop_pusher

# A backlog: the jobs are in the stream (group `pushers` exists) before a fresh pusher starts,
# so nothing competes with it but the fake, Redis and PostgreSQL. pushes/s = jobs / (first read
# -> last XACK), polled by `drain`; CPU over the same span (the pusher's from its start).
# BACKLOG_RUNS runs, each with a fresh backlog and a fresh pusher. h2load run N goes right before
# backlog run N (once the backlog is queued), so each pair samples the same moments; the median
# of the pairs' ratios is the figure (the best of each side is printed too).
BACKLOG_BEST=0
BACKLOG_RATES=()
RUNS=$(( $BACKLOG_RUNS > $H2LOAD_RUNS ? $BACKLOG_RUNS : $H2LOAD_RUNS ))
for run in $(seq "$RUNS"); do
  if (( run > $BACKLOG_RUNS )); then
    h2load_run "$run"
    continue
  fi
  echo "[bench] ntf-pusher on a backlog of ${PUSHER_BENCH_JOBS:-100000} jobs queued before it started (run $run of $BACKLOG_RUNS)"
  "$PBENCH" load --redis-url "$NTF_REDIS_URL" --tokens "$P/tokens.txt" \
    --jobs "${PUSHER_BENCH_JOBS:-100000}" --wait 0 --jobs-out "$P/jobs-backlog.txt"
  compact_aof
  if (( run <= $H2LOAD_RUNS )); then h2load_run "$run"; fi
  "$PBENCH" drain --redis-url "$NTF_REDIS_URL" --jobs "${PUSHER_BENCH_JOBS:-100000}" \
    > "$P/drain.out" &
  DRAIN_PID=$!
  fake0=$(ticks "$FAKE_PID"); pg0=$(ticks_of_tree "$NTF_PG_PID"); redis0=$(ticks "$NTF_REDIS_PID")
  fakesys0=$(switches "$FAKE_PID"); m0=$(machine_ticks)
  fakens0=$(runtime_ns "$FAKE_PID"); pgns0=$(runtime_ns_of_tree "$NTF_PG_PID")
  redisns0=$(runtime_ns "$NTF_REDIS_PID")
  redis_calls > "$P/redis2"; t0=$(date +%s.%N)
  WRAPPER=${BACKLOG_WRAPPER:-} WAIT_READY=0 start_pusher "-backlog"
  wait "$DRAIN_PID" || true; DRAIN_PID=
  t1=$(date +%s.%N); pusher1=$(ticks "$PUSHER_PID"); fake1=$(ticks "$FAKE_PID"); m1=$(machine_ticks)
  pushersys1=$(switches "$PUSHER_PID"); fakesys1=$(switches "$FAKE_PID")
  pusherns1=$(runtime_ns "$PUSHER_PID"); fakens1=$(runtime_ns "$FAKE_PID")
  pgns1=$(runtime_ns_of_tree "$NTF_PG_PID"); redisns1=$(runtime_ns "$NTF_REDIS_PID")
  pg1=$(ticks_of_tree "$NTF_PG_PID"); redis1=$(ticks "$NTF_REDIS_PID"); redis_calls > "$P/redis3"
  cat "$P/drain.out"
  rate=$(sed -n 's/.*-> \([0-9]*\) pushes\/s.*/\1/p' "$P/drain.out")
  BACKLOG_RATES+=("${rate:-0}")
  BACKLOG_BEST=$(awk -v a="$BACKLOG_BEST" -v b="${rate:-0}" 'BEGIN { print (b > a ? b : a) }')
  cpu_line "backlog (pusher start -> last XACK)" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
    "ntf-pusher=0:$pusher1" "ntf-fake-apns=$fake0:$fake1" "postgres=$pg0:$pg1" "redis=$redis0:$redis1"
  machine_line "backlog" "$m0" "$m1"
  # What the rate is made of on a saturated machine; steadier than the rate between runs.
  awk -v n="${PUSHER_BENCH_JOBS:-100000}" -v p="$pusherns1" -v f="$((fakens1 - fakens0))" \
    -v r="$((redisns1 - redisns0))" -v g="$((pgns1 - pgns0))" 'BEGIN {
    printf "[cpu-us] backlog, CPU microseconds per push: ntf-pusher %.2f (start-up included), ntf-fake-apns %.2f, redis %.2f, postgres %.2f\n",
      p / n / 1000, f / n / 1000, r / n / 1000, g / n / 1000 }'
  echo "[switches] backlog, context switches per job: ntf-pusher $(awk -v b="$pushersys1" \
    -v n="${PUSHER_BENCH_JOBS:-100000}" 'BEGIN { printf "%.3f", b / n }'), ntf-fake-apns $(awk \
    -v a="$fakesys0" -v b="$fakesys1" -v n="${PUSHER_BENCH_JOBS:-100000}" \
    'BEGIN { printf "%.3f", (b - a) / n }')"
  redis_line "backlog (the pusher's start and drain's XINFO polls included)" \
    "${PUSHER_BENCH_JOBS:-100000}" "$P/redis2" "$P/redis3"
  stop_pusher
done
echo "[h2load] best of $H2LOAD_RUNS: $H2_BEST req/s"
echo "[ratio] ntf-pusher on a backlog, best of $BACKLOG_RUNS: $BACKLOG_BEST pushes/s;" \
  "h2load best of $H2LOAD_RUNS: $H2_BEST req/s ->" \
  "$(awk -v a="$BACKLOG_BEST" -v b="$H2_BEST" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }') %"
# Each pair's own ratio (backlog run N / h2load run N, seconds apart), and their median.
if (( ${#BACKLOG_RATES[@]} > 0 && ${#H2_RATES[@]} > 0 )); then
  paste -d' ' <(printf '%s\n' "${BACKLOG_RATES[@]}") <(printf '%s\n' "${H2_RATES[@]}") |
    awk 'NF == 2 && $2 > 0 { r[n++] = 100 * $1 / $2; out = out sprintf(" %.1f", 100 * $1 / $2) }
      END { if (n == 0) exit
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
        m = (n % 2) ? r[int(n / 2)] : (r[n / 2 - 1] + r[n / 2]) / 2
        printf "[ratio] per pair (backlog run N / h2load run N), %%:%s; median %.1f %%\n", out, m }'
fi
kill -TERM "$FAKE_PID"; wait "$FAKE_PID" || true; FAKE_PID=
"$PBENCH" latency --dump "$P/fake.dump" --jobs-in "$P/jobs-max.txt" --label "max-rate"
"$PBENCH" latency --dump "$P/fake.dump" --jobs-in "$P/jobs-rate.txt" \
  --label "offered ${PUSHER_BENCH_RATE:-5000}/s"
"$PBENCH" latency --dump "$P/fake.dump" --jobs-in "$P/jobs-backlog.txt" --label "backlog" || true
