#!/usr/bin/env bash
# gnutls_interop_test.sh ECHO_SERVER — the server side of libs/tls (its own TLS 1.3 record layer
# after the handshake) against a TLS stack that is not OpenSSL: GnuTLS's gnutls-cli sends three
# 512-byte blocks with a KeyUpdate between them (the first one asking the server to update its
# keys too), reads the echoes, then closes with close_notify. Needs gnutls-cli (Debian
# gnutls-bin, scripts/install-deps.sh).
set -euo pipefail
server=${1:?usage: $0 ECHO_SERVER}
command -v gnutls-cli >/dev/null || { echo "FAIL: gnutls-cli not installed (gnutls-bin)"; exit 1; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

"$server" >"$dir/server.out" 2>"$dir/server.err" &
pid=$!
for _ in $(seq 100); do grep -q '^port=' "$dir/server.out" && break; sleep 0.05; done
port=$(sed -n 's/^port=//p' "$dir/server.out")
[[ -n $port ]] || { echo "FAIL: the echo server did not start"; cat "$dir/server.err"; exit 1; }

# Three blocks of 8 lines x 64 bytes; inline commands between them (not sent as data).
block() { for _ in $(seq 8); do printf '%s\n' "$(printf "%063d" 0 | tr 0 "$1")"; done; }
{ block x; echo '^rekey1^'; block y; echo '^rekey^'; block z; } >"$dir/in"
# stdin stays open a moment after the last block, so the echoes arrive before gnutls-cli closes.
(cat "$dir/in"; sleep 1) |
  timeout 20 gnutls-cli --insecure --alpn=ntf/1 --priority='NORMAL:-VERS-ALL:+VERS-TLS1.3' \
    --inline-commands -p "$port" 127.0.0.1 >"$dir/out" 2>"$dir/err" ||
  { echo "FAIL: gnutls-cli"; cat "$dir/err" "$dir/out" "$dir/server.err"; exit 1; }
sleep 0.2

fail() { echo "FAIL: $1"; echo "--- gnutls-cli:"; cat "$dir/out" "$dir/err"; echo "--- server:"; cat "$dir/server.err"; exit 1; }
grep -q 'Application protocol: ntf/1' "$dir/out" || fail "ALPN ntf/1 not negotiated"
grep -q 'TLS1.3.*CHACHA20-POLY1305' "$dir/out" || fail "not TLS 1.3 with ChaCha20-Poly1305"
[[ $(grep -c '^- Rekey was completed' "$dir/out") == 2 ]] || fail "two KeyUpdates expected"
echoed=$(grep -E '^[xyz]{63}$' "$dir/out" | tr -d '\n' | tr -s 'xyz')
[[ $echoed == xyz ]] || fail "echoes out of order or missing ($echoed)"
for c in x y z; do
  [[ $(grep -c "^$c\{63\}\$" "$dir/out") == 8 ]] || fail "block $c not echoed whole"
done
grep -q 'cipher=TLS_CHACHA20_POLY1305_SHA256' "$dir/server.err" || fail "server did not accept"
grep -q 'echo: UNAVAILABLE: read: connection closed by peer' "$dir/server.err" ||
  fail "close_notify not seen as a peer close"
echo "PASS: gnutls-cli $(gnutls-cli --version | head -1 | awk '{print $2}') <-> libs/tls server"
