#!/usr/bin/env bash
# A tailnet in network namespaces: `weft serve` and three `weft up` nodes a, b, c on one LAN
# (a bridge), policy tag:a -> tag:b and tag:b -> tag:c (docs/operations.md, "Running a node").
# b's key rotated by the operator is persisted and a reaches b under it.
# a reaches b; a cannot reach c (no peer); c cannot reach b (b's filter drops it); b reaches c and
# the replies come back. On one LAN, `weft ping --until-direct` ends at a direct pong and
# `weft status` shows the path as direct. The server killed: a<->b keeps working; a restarted during the outage
# comes back from its netmap cache without the server, and with a damaged cache waits for the
# server instead; the server back: the nodes resynchronise. c knows the server by a host name.
# Needs WEFT_BIN (set by ctest), root, ip, jq, ping. About 40 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

tailnet_setup
# c knows the server by name (ip netns exec mounts /etc/netns/NS/hosts over /etc/hosts).
mkdir -p "/etc/netns/${NS[c]}"
netns_on_cleanup rm -rf "/etc/netns/${NS[c]}"
echo "${LAN[s]} ctl.weft.test" >"/etc/netns/${NS[c]}/hosts"
start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
start_node c --server "http://ctl.weft.test:$port" --authkey "${KEY[c]}"
for m in a b c; do wait_logged "$m" 'netmap applied: '; done
echo "ok - a, b and c registered and hold their netmaps (c found the server by its name)"

tailnet_addresses
check "a's interface holds its tailnet address" sh -c \
  "ip -n '${NS[a]}' addr show weft0 | grep -qF '${ADDR[a]}/32'"
check "a routes the tailnet range into weft0" sh -c \
  "ip -n '${NS[a]}' route show dev weft0 | grep -qF '100.64.0.0/10'"
check "a's state directory is private" test "$(stat -c %a "$NETNS_TMP/node-a")" = 700
check "a's keys and cache are 0600" test \
  "$(stat -c %a "$NETNS_TMP/node-a/machine.key" "$NETNS_TMP/node-a/node.key" \
     "$NETNS_TMP/node-a/netmap.cache" | sort -u)" = 600
check "a's netmap shows 1 peer (b)" wait_for logged a 'netmap applied: 1 peer$'
check "b's netmap shows 2 peers (a and c)" wait_for logged b 'netmap applied: 2 peers'
capture ns_exec "${NS[a]}" "$SERVE_BIN" up --state "$NETNS_TMP/node-a" --interface weft1
expect_rc 2 "a second weft up on a's state directory is refused"
check "... because a's local API answers" grep -qF 'runtime.unix_in_use' <<<"$CAP_ERR"
check "... before touching the network (no weft1)" sh -c \
  "! ip -n '${NS[a]}' link show weft1 >/dev/null 2>&1"
check "a's local API socket is 0600" test "$(stat -c %a "$NETNS_TMP/node-a/weft.sock")" = 600

check "a pings b" wait_for ping_ok a b
check "b pings c (replies admitted as b's flow)" wait_for ping_ok b c
check "a cannot reach c (no peer)" ping_fails a c
check "c cannot reach b (b's filter)" ping_fails c b

# --- discovery on one LAN: a direct path (issue 11) --------------------------------------------
capture weft_node a ping b --until-direct
echo "$CAP_OUT" | sed 's/^/  a> /'
expect_rc 0 "weft ping --until-direct a -> b"
check "... its last line is a direct pong from b's LAN address" grep -qE \
  "^pong from b \(${ADDR[b]//./\\.}\) via ${LAN[b]//./\\.}:[0-9]+ in [0-9.]+ms\$" <<<"$(tail -n 1 <<<"$CAP_OUT")"
a_status=$(weft_node a status)
echo "$a_status" | sed 's/^/  a> /'
check "... and a's weft status shows b's path as direct" grep -qE \
  "^${ADDR[b]//./\\.} +b .* direct ${LAN[b]//./\\.}:[0-9]+ " <<<"$a_status"

# --- a key rotation the operator asks for -----------------------------------------------------
b_id=$(node_id b)
old_key=$(<"$NETNS_TMP/node-b/node.key")
admin "$state" nodes rotate "$b_id" >/dev/null
wait_logged b 'node key rotated \(the server asked\)'
check "b persisted its new node key (0600)" sh -c \
  "test \"\$(cat '$NETNS_TMP/node-b/node.key')\" != '$old_key' &&
   test \"\$(stat -c %a '$NETNS_TMP/node-b/node.key')\" = 600"
check "a reaches b under its new key" wait_for ping_ok a b

# --- the server goes away ---------------------------------------------------------------------
kill -KILL "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
wait_logged a 'control stream to .* lost|unreachable since'
out=$(ns_exec "${NS[a]}" ping -c 120 -i 0.25 -W 1 "${ADDR[b]}" || true)
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
echo "a -> b with the server down, 120 pings over 30 s: ${loss:-?}% loss"
check "a <-> b keeps working without the server (loss <= 10%)" \
  awk -v l="${loss:-100}" 'BEGIN { exit !(l <= 10) }'

stop_process "${PID[a]}"
check "a stopped cleanly (exit 0)" test "$LAST_EXIT" = 0
check "a's interface is gone" sh -c "! ip -n '${NS[a]}' link show weft0 >/dev/null 2>&1"
start_node a  # no --server, no --authkey: the state directory has them
wait_logged a 'running from cache \(netmap cached at [0-9:]+, policy version [0-9]+, 1 peer\)'
check "a restarted during the outage reaches b from its cache" wait_for -t 15 ping_ok a b
a_status=$(weft_node a status)
echo "$a_status" | sed 's/^/  a> /'
check "... and a's weft status says so" grep -qE \
  '^coordination server unreachable since [0-9:]+; using the netmap cached at [0-9:]+, policy version [0-9]+' \
  <<<"$a_status"
check "... (--json: from_cache)" test "$(node_status a | jq -r .from_cache)" = true
check "... and still cannot reach c" ping_fails a c

# A damaged cache is refused whole: the node waits for the server instead.
stop_process "${PID[a]}"
cache="$NETNS_TMP/node-a/netmap.cache"
byte=$(od -An -tu1 -j 40 -N 1 "$cache" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
  dd of="$cache" bs=1 seek=40 count=1 conv=notrunc status=none
start_node a
wait_logged a 'netmap cache .* refused: .*\(engine\.cache_checksum\); waiting for the coordination server'
check "a with a damaged cache has no peer (a cannot reach b)" ping_fails a b

# --- the server comes back ------------------------------------------------------------------
back_at=$(now_ms)
start_server
for m in a b; do wait_logged "$m" 'coordination server reachable again' 70; done
echo "ok - a and b resynchronised with the server ($(($(now_ms) - back_at)) ms after its start)"
check "a pings b after the resync" wait_for ping_ok a b

for m in a b c; do stop_node "$m"; done
echo "ok - every node stopped cleanly"
