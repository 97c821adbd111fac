#!/usr/bin/env bash
# The UAPI of `weft tunnel` under pressure (issue 7), with wireguard-go as the reference: idle
# clients do not lock wg(8) out and are closed after the idle timeout, 40 clients x 25 requests
# are all answered, an oversized `wg setconf` gets an error message instead of SIGPIPE, and a set
# followed by garbage still gets its answer. Needs WEFT_BIN (set by ctest), root and python3.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go python3
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
clients=(python3 "$here/tools/uapi_clients.py")
now_ms() { date +%s%3N; }

netns_pair
wg_pair_configs
start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft tunnel did not start"
pid_a=$LAST_PID
start_peer wireguard-go "$NS_B" "$if_b" "$NETNS_TMP/b.conf"
pid_b=$LAST_PID
sock_a=$WG_UAPI_DIR/$if_a.sock
sock_b=$WG_UAPI_DIR/$if_b.sock

# --- idle clients -------------------------------------------------------------------------
# 40 connections that never send a byte (weft used to refuse the 33rd and later, and wg(8)
# died of SIGPIPE while they stayed); they must be closed after weft's 10 s idle timeout.
hold_log=$NETNS_TMP/hold.log
"${clients[@]}" hold "$sock_a" 40 40 >"$hold_log" 2>&1 &
holder=$!
_netns_pids+=("$holder")
check "40 idle clients connected" wait_for grep -q '^connected 40' "$hold_log"
start=$(now_ms)
check "wg show answers beside 40 idle clients" \
  test "$(timeout 20 wg show "$if_a" public-key)" = "$pub_a"
echo "# wg show beside 40 idle clients took $(($(now_ms) - start)) ms"
check "wg showconf answers too" quietly timeout 20 wg showconf "$if_a"
check "the idle clients are closed by the idle timeout" wait_for -t 40 grep -q '^closed 40 of 40' "$hold_log"
echo "# weft: $(grep '^closed' "$hold_log") (idle timeout 10 s)"
stop_process "$holder"
# More idle clients than weft's 128 slots: the longest-idle ones (idle at least 1 s) make way,
# and wg(8)'s blocking connect() waits in the listen backlog meanwhile instead of failing.
"${clients[@]}" hold "$sock_a" 200 40 >"$hold_log" 2>&1 &
holder=$!
_netns_pids+=("$holder")
check "200 idle clients connected" wait_for -t 30 grep -q '^connected 200' "$hold_log"
start=$(now_ms)
check "wg show answers beside 200 idle clients" \
  test "$(timeout 20 wg show "$if_a" public-key)" = "$pub_a"
echo "# wg show beside 200 idle clients took $(($(now_ms) - start)) ms (evict_after 1 s)"
stop_process "$holder"

# --- many clients at once -----------------------------------------------------------------
# 40 connections each writing 25 gets at once, and 40 concurrent loops of 25 one-get
# connections (as 40 shells running `wg show` in a loop), against weft and wireguard-go.
for mode in pipeline sequential; do
  weft_line=$("${clients[@]}" "$mode" "$sock_a" 40 25)
  go_line=$("${clients[@]}" "$mode" "$sock_b" 40 25)
  echo "# 40 x 25 ($mode): weft $weft_line; wireguard-go $go_line"
  check "weft answers all 1000 requests ($mode)" grep -q '^answered 1000 of 1000' <<<"$weft_line"
done

# --- oversized request --------------------------------------------------------------------
# wg(8) writes its whole request before reading the answer, so weft reads the oversized
# request to its end (keeping none of it past 1 MiB) and answers errno=-90 (EMSGSIZE).
big=$NETNS_TMP/big.conf
python3 - "$big" <<'EOF'
import base64, os, sys
with open(sys.argv[1], "w") as f:
    f.write("[Interface]\n")
    for i in range(20000):
        key = base64.b64encode(os.urandom(32)).decode()
        f.write(f"[Peer]\nPublicKey = {key}\nAllowedIPs = 10.{i // 250}.{i % 250}.1/32\n"
                f"Endpoint = 192.0.2.{i % 250 + 1}:{1024 + i}\nPersistentKeepalive = 25\n")
EOF
set +e
start=$(now_ms)
timeout 60 wg setconf "$if_a" "$big" 2>"$NETNS_TMP/big.err"
status=$?
took=$(($(now_ms) - start))
set -e
echo "# wg setconf with 20000 peers ($(stat -c %s "$big") bytes of config): exit $status" \
  "in $took ms, \"$(head -c 200 "$NETNS_TMP/big.err")\""
check "oversized wg setconf fails with an error status (got $status), not SIGPIPE (141)" \
  test "$status" -ne 0 -a "$status" -ne 141 -a "$status" -ne 124
check "wg reports 'Message too long'" grep -q 'Message too long' "$NETNS_TMP/big.err"
check "weft still serves wg show" test "$(wg show "$if_a" peers | wc -l)" -eq 1
echo "# weft peak RSS so far: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$pid_a/status")"

# --- a set, then garbage, on one connection -----------------------------------------------
pub_b_hex=$(wg pubkey <<<"$priv_b" | base64 -d | od -An -tx1 | tr -d ' \n')
reply=$("${clients[@]}" raw "$sock_a" \
  "set=1\npublic_key=$pub_b_hex\nallowed_ip=198.51.100.99/32\n\nthis is not uapi\n")
echo "# set + garbage answered: $reply"
check "the set is answered, then the garbage with errno=-71 (EPROTO)" \
  test "$reply" = 'errno=0\n\nerrno=-71\n\n'
check "the set was applied" sh -c "wg show '$if_a' allowed-ips | grep -qF 198.51.100.99/32"

# --- after all that -----------------------------------------------------------------------
check "the tunnel still carries traffic" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
stop_process "$pid_a"
check "weft stops cleanly (status $LAST_EXIT)" stopped_cleanly weft "$NETNS_TMP/$if_a.log"
stop_tunnel "$pid_b" "$if_b"
echo "e2e: uapi_pressure_test passed"
