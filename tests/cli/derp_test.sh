#!/usr/bin/env bash
# `weft derp` as a process (docs/connectivity.md, "Relay protocol"): it starts, logs its key and
# port, answers the relay upgrade with 101 and the ServerKey frame, keeps its key in --state DIR
# (0600) across restarts, answers STUN on --stun-port, refuses bad usage with 2, and stops
# cleanly (exit 0) on SIGTERM.
set -u
weft=$1
tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/cli/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_checks.sh"

# start_derp ARGS...: runs weft derp in the background, waits for its start line (5 s).
start_derp() {
  : >"$tmp/log"
  "$weft" derp --listen 127.0.0.1:0 --state "$tmp/state" "$@" 2>"$tmp/log" &
  pid=$!
  for _ in $(seq 100); do
    grep -q '^weft derp: relay ' "$tmp/log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "weft derp did not start"; cat "$tmp/log"; return 1
}
# stop_derp: SIGTERM, then its exit status must be 0.
stop_derp() {
  checks=$((checks + 1))
  kill -TERM "$pid"
  wait "$pid"; local rc=$?
  pid=
  [[ $rc -eq 0 ]] || fail "weft derp exited $rc on SIGTERM, want 0"
  grep -q 'received SIGTERM' "$tmp/log" || fail "no shutdown line"
}

expect_rc 2 "$weft" derp --listen nowhere
expect_out 'is not ADDRESS:PORT'
expect_rc 2 "$weft" derp --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem"
expect_out 'go together'

stun_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_derp --stun-port "$stun_port" || exit 1
line=$(grep '^weft derp: relay ' "$tmp/log")
key=$(awk '{print $4}' <<<"$line")
port=$(sed -E 's/.* on 127\.0\.0\.1:([0-9]+).*/\1/' <<<"$line")
checks=$((checks + 1))
[[ $key =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "no relay key in '$line'"
checks=$((checks + 1))
[[ $(stat -c %a "$tmp/state/relay.key") == 600 ]] || fail "relay.key is not 0600"

# The upgrade: 101, then ServerKey (type 1, length 72, the magic, the key printed at start).
answer=$(python3 - "$port" <<'PY'
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /weft/relay HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: weft-relay\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 77:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
head, body = data.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode())
print(body[0], int.from_bytes(body[1:5], "big"), body[5:13].decode(), base64.b64encode(body[13:45]).decode())
PY
)
out=$answer
expect_out '^HTTP/1.1 101'
expect_out "^1 72 WEFTRLY1 ${key//+/\\+}$"

# STUN: a Binding request on the STUN port gets a success response (type 0x0101).
out=$(python3 - "$stun_port" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
tid = os.urandom(12)
s.sendto(b"\x00\x01\x00\x00\x21\x12\xa4\x42" + tid, ("127.0.0.1", int(sys.argv[1])))
data, _ = s.recvfrom(2048)
print("stun", data[:2].hex(), data[8:20] == tid)
PY
)
expect_out '^stun 0101 True$'
stop_derp

# The same key after a restart from the same state directory.
start_derp --stun-port 0 || exit 1
checks=$((checks + 1))
grep -q "^weft derp: relay $key " "$tmp/log" || fail "the key changed across a restart: $(cat "$tmp/log")"
stop_derp

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
