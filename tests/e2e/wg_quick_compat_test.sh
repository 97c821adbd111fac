#!/usr/bin/env bash
# weft against wg-quick(8), the reference (issue 13). The same full-tunnel client file is
# brought up three ways in a client namespace and the rules and routes each installs are
# compared: (1) `wg-quick up` with wireguard-go, (2) `weft tunnel --config`, (3) `wg-quick up`
# with weft as its userspace implementation (WG_QUICK_USERSPACE_IMPLEMENTATION=weft-wireguard-go,
# a link to weft). (2) and (3) must match (1) rule for rule and route for route; (3) also passes
# ping and 2 s of iperf3 through the tunnel to a public host beyond the server, and after each
# way down the namespace is as before. About 15 s.
set -euo pipefail
# shellcheck source=tests/e2e/fulltunnel_lib.sh
source "$(dirname "$0")/fulltunnel_lib.sh"

need_tool wg-quick wireguard-go iperf3
[[ -x ${WEFT_BIN:-} ]] || netns_fail "WEFT_BIN must point at the weft binary"
full_tunnel_setup
IF_C=$(wg_ifname c)
CONF="$NETNS_TMP/$IF_C.conf"  # wg-quick wants NAME.conf, NAME the interface
full_tunnel_client_config "$CONF"
routing_state "$NS_C" >"$NETNS_TMP/before.txt"
# wg-quick(8) also loads connmark rules with iptables-restore; those stay in the namespace.
netns_on_cleanup "ip netns exec '$NS_C' wg-quick down '$CONF' >/dev/null 2>&1 || true"

# The routing state with the tunnel up, once its addresses left DAD, minus what differs between
# any two runs: the kernel's random link-local address of the TUN.
up_state() {
  wait_for bash -c "[[ -z \$(ip -n '$NS_C' -6 addr show tentative) ]]" ||
    netns_fail "tunnel addresses still tentative"
  routing_state "$NS_C" "s/fe80::[0-9a-f:]+ dev $IF_C/fe80::RANDOM dev $IF_C/"
}

# --- 1: the reference --------------------------------------------------------------------
ns_exec "$NS_C" wg-quick up "$CONF" >"$NETNS_TMP/wg-quick-go.log" 2>&1 ||
  { netns_dump_log "$NETNS_TMP/wg-quick-go.log"; netns_fail "wg-quick up with wireguard-go"; }
_netns_ifaces+=("$IF_C")
check "reference: public host reachable through wireguard-go" \
  quietly ns_exec "$NS_C" ping -c 2 -i 0.2 -W 2 198.51.100.2
up_state >"$NETNS_TMP/up-reference.txt"
ns_exec "$NS_C" wg-quick down "$CONF" >>"$NETNS_TMP/wg-quick-go.log" 2>&1 ||
  netns_fail "wg-quick down (wireguard-go)"
wait_for bash -c "! ip -n '$NS_C' link show '$IF_C' 2>/dev/null" || netns_fail "wireguard-go stayed"
routing_state "$NS_C" >"$NETNS_TMP/after-reference.txt"
check "reference: wg-quick down restores the namespace" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-reference.txt"

# --- 2: weft tunnel ----------------------------------------------------------------------
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "weft tunnel did not come up"
pid=$LAST_PID
check "weft tunnel: public host reachable" \
  quietly ns_exec "$NS_C" ping -c 2 -i 0.2 -W 2 198.51.100.2
up_state >"$NETNS_TMP/up-weft.txt"
check "weft tunnel installs exactly wg-quick's rules and routes" \
  diff -u "$NETNS_TMP/up-reference.txt" "$NETNS_TMP/up-weft.txt"
stop_process "$pid"
routing_state "$NS_C" >"$NETNS_TMP/after-weft.txt"
check "weft tunnel: exit restores the namespace" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-weft.txt"

# --- 3: wg-quick with weft as its userspace implementation -------------------------------
ln -s "$WEFT_BIN" "$NETNS_TMP/weft-wireguard-go"
ns_exec "$NS_C" env WG_QUICK_USERSPACE_IMPLEMENTATION="$NETNS_TMP/weft-wireguard-go" \
  wg-quick up "$CONF" >"$NETNS_TMP/wg-quick-weft.log" 2>&1 ||
  { netns_dump_log "$NETNS_TMP/wg-quick-weft.log"; netns_fail "wg-quick up with weft"; }
check "wg-quick ran weft as its userspace implementation" \
  grep -q "weft-wireguard-go $IF_C" "$NETNS_TMP/wg-quick-weft.log"
daemon=$(pgrep -f "^$NETNS_TMP/weft-wireguard-go $IF_C\$" || true)
[[ -n $daemon ]] || netns_fail "no weft-wireguard-go process left running by wg-quick"
_netns_pids+=("$daemon")
check "the daemon left running is weft (pid $daemon)" \
  test "$(readlink -f "/proc/$daemon/exe")" == "$(readlink -f "$WEFT_BIN")"
check "wg show talks to weft's UAPI socket" \
  bash -c "ip netns exec '$NS_C' wg show '$IF_C' fwmark | grep -q 0xca6c"
check "wg-quick + weft: ping through the tunnel to the public host" \
  quietly ns_exec "$NS_C" ping -c 3 -i 0.2 -W 2 198.51.100.2
ns_spawn "$NS_P" "$NETNS_TMP/iperf3-server.log" iperf3 -s -1 -p 5201
wait_for bash -c "ip netns exec '$NS_P' ss -ltn | grep -q ':5201'" || netns_fail "iperf3 server"
ns_exec "$NS_C" iperf3 -c 198.51.100.2 -p 5201 -t 2 -J >"$NETNS_TMP/iperf3.json" ||
  netns_fail "iperf3 through wg-quick + weft"
bits=$(jq '.end.sum_received.bits_per_second' "$NETNS_TMP/iperf3.json")
echo "wg-quick + weft: iperf3 2 s through the full tunnel: $(awk -v b="$bits" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s"
check "wg-quick + weft: iperf3 moved data (> 1 MiB)" \
  bash -c "(( \$(jq '.end.sum_received.bytes' '$NETNS_TMP/iperf3.json') > 1048576 ))"
up_state >"$NETNS_TMP/up-wg-quick-weft.txt"
check "wg-quick + weft installs the same rules and routes as wg-quick + wireguard-go" \
  diff -u "$NETNS_TMP/up-reference.txt" "$NETNS_TMP/up-wg-quick-weft.txt"
ns_exec "$NS_C" wg-quick down "$CONF" >>"$NETNS_TMP/wg-quick-weft.log" 2>&1 ||
  netns_fail "wg-quick down (weft)"
wait_for bash -c "! kill -0 $daemon 2>/dev/null" ||
  netns_fail "weft did not exit after wg-quick down"
routing_state "$NS_C" >"$NETNS_TMP/after-wg-quick-weft.txt"
check "wg-quick down with weft restores the namespace" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-wg-quick-weft.txt"
echo "PASS wg_quick_compat_test"
