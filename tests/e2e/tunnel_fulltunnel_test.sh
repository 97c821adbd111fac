#!/usr/bin/env bash
# `weft tunnel` with a full-tunnel wg-quick file (issue 13): `Endpoint = server.test:51820`
# resolved through the namespace's /etc/hosts; AllowedIPs 0.0.0.0/0, ::/0 installed as wg-quick
# does (table 51820, fwmark on the tunnel's UDP socket, suppress_prefixlength 0); a "public" host
# beyond the server reached through the tunnel without a UDP loop; DNS set through resolvconf in
# the namespace's own resolv.conf and restored; `ip rule` and `ip route show table all` the same
# after exit as before: after SIGTERM, after a SIGTERM during start-up, and after a SIGKILL
# followed by a restart; Table = 1234 and SaveConfig = true; a host name that moves is
# resolved again while handshakes fail (30 s period). About 40 s.
set -euo pipefail
# shellcheck source=tests/e2e/fulltunnel_lib.sh
source "$(dirname "$0")/fulltunnel_lib.sh"

need_tool resolvconf
[[ -x ${WEFT_BIN:-} ]] || netns_fail "WEFT_BIN must point at the weft binary"
full_tunnel_setup
IF_C=$(wg_ifname c)
CONF="$NETNS_TMP/$IF_C.conf"

# resolvconf (openresolv) inside the client's namespace only: `ip netns exec` binds this
# resolvconf.conf over /etc/resolvconf.conf, which points it at the namespace's resolv.conf (the
# test's file, where its .bak lands too) and keeps its state in the test's directory.
mkdir -p "$NETNS_TMP/resolvconf-state"
cat >"/etc/netns/$NS_C/resolvconf.conf" <<CONF_EOF
resolv_conf=$NETNS_TMP/etc-c/resolv.conf
state_dir=$NETNS_TMP/resolvconf-state
CONF_EOF
host_resolv_before=$(sha256sum /etc/resolv.conf 2>/dev/null || true)

full_tunnel_client_config "$CONF" "DNS = 100.64.0.53, corp.test"
routing_state "$NS_C" >"$NETNS_TMP/before.txt"

# --- up ------------------------------------------------------------------------------------
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "client tunnel did not come up"
pid=$LAST_PID
check "host name resolved through the namespace's /etc/hosts" \
  grep -q "endpoint server.test resolves to 192.0.2.2:51820" "$NETNS_TMP/$IF_C.log"
check "wg show names the address in use" \
  bash -c "ip netns exec '$NS_C' wg show '$IF_C' endpoints | grep -q '192.0.2.2:51820'"
check "wg show: fwmark 0xca6c (51820) on the tunnel's socket" \
  bash -c "[[ \$(ip netns exec '$NS_C' wg show '$IF_C' fwmark) == 0xca6c ]]"
for fam in -4 -6; do
  check "ip $fam rule: not fwmark 0xca6c lookup 51820" \
    bash -c "ip -n '$NS_C' $fam rule | grep -q 'not from all fwmark 0xca6c lookup 51820'"
  check "ip $fam rule: lookup main suppress_prefixlength 0" \
    bash -c "ip -n '$NS_C' $fam rule | grep -q 'from all lookup main suppress_prefixlength 0'"
  check "ip $fam route: default dev $IF_C in table 51820" \
    bash -c "ip -n '$NS_C' $fam route show table 51820 | grep -q '^default dev $IF_C'"
done
check "unmarked traffic to the public host goes into the tunnel" \
  bash -c "ip -n '$NS_C' route get 198.51.100.2 | grep -q 'dev $IF_C'"
check "the tunnel's own (marked) UDP to the server does not" \
  bash -c "ip -n '$NS_C' route get 192.0.2.2 mark 0xca6c | grep -q 'dev veth0'"
check "public host answers the client through the tunnel (masqueraded by the server)" \
  quietly ns_exec "$NS_C" ping -c 3 -i 0.2 -W 2 198.51.100.2
check "server's tunnel address answers over IPv6 inside the tunnel" \
  quietly ns_exec "$NS_C" ping -6 -c 2 -i 0.2 -W 2 fd7a:115c:a1e0::1
udp_out=$(ip netns exec "$NS_C" cat /proc/net/snmp | awk '/^Udp:/ { n++ } /^Udp:/ && n == 2 { print $5 }')
check "no UDP loop: the client sent a bounded number of datagrams ($udp_out)" \
  test "$udp_out" -lt 200
check "DNS set through resolvconf in the namespace's resolv.conf" \
  bash -c "ip netns exec '$NS_C' cat /etc/resolv.conf | grep -q '^nameserver 100.64.0.53' &&
           ip netns exec '$NS_C' cat /etc/resolv.conf | grep -q '^search corp.test'"

stop_process "$pid"
check "client exits 0 on SIGTERM" test "$LAST_EXIT" -eq 0
routing_state "$NS_C" >"$NETNS_TMP/after.txt"
check "rules and routes after exit are those from before" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after.txt"
check "DNS restored in the namespace" \
  bash -c "[[ \$(ip netns exec '$NS_C' cat /etc/resolv.conf) == 'nameserver 192.0.2.99' ]]"

# --- SIGTERM during start-up: a PostUp hook holds the start after routes and rules exist ---
full_tunnel_client_config "$CONF" "PostUp = sleep 1.5"
_netns_ifaces+=("$IF_C")
ns_spawn "$NS_C" "$NETNS_TMP/$IF_C-start.log" "$WEFT_BIN" tunnel --config "$CONF" --allow-hooks
pid=$LAST_PID
wait_for bash -c "ip -n '$NS_C' rule | grep -q 'lookup 51820'" ||
  netns_fail "rules did not appear during start-up"
kill -TERM "$pid"
wait_for -t 10 bash -c "! kill -0 $pid 2>/dev/null" || netns_fail "client did not exit after SIGTERM"
wait "$pid" && LAST_EXIT=0 || LAST_EXIT=$?
check "SIGTERM during start-up: clean exit 0 once up" test "$LAST_EXIT" -eq 0
check "SIGTERM during start-up: it ran PostUp, then took everything down" \
  grep -q "received SIGTERM" "$NETNS_TMP/$IF_C-start.log"
routing_state "$NS_C" >"$NETNS_TMP/after-start.txt"
check "rules and routes after a SIGTERM during start-up are those from before" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-start.txt"
rc=0
ns_exec "$NS_C" "$WEFT_BIN" tunnel --config "$CONF" 2>"$NETNS_TMP/hooks.err" || rc=$?
check "hooks are refused without --allow-hooks (exit 2, says so)" \
  bash -c "[[ $rc == 2 ]] && grep -q -- --allow-hooks '$NETNS_TMP/hooks.err'"
check "nothing was set up for the refused file" \
  bash -c "! ip -n '$NS_C' link show '$IF_C' 2>/dev/null"

# --- Table = 1234 (routes there, no rules) and SaveConfig = true --------------------------
full_tunnel_client_config "$CONF" "Table = 1234" "SaveConfig = true"
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "client tunnel (Table = 1234)"
pid=$LAST_PID
for fam in -4 -6; do
  check "Table = 1234: ip $fam default route in table 1234, no rule" \
    bash -c "ip -n '$NS_C' $fam route show table 1234 | grep -q '^default dev $IF_C' &&
             ! ip -n '$NS_C' $fam rule | grep -q 'lookup 51820\|suppress_prefixlength'"
done
check "Table = 1234: the socket is not marked" \
  bash -c "[[ \$(ip netns exec '$NS_C' wg show '$IF_C' fwmark) == off ]]"
stop_process "$pid"
check "SaveConfig = true wrote the running config back (0600, wg-quick keys kept)" \
  bash -c "grep -q '^Table = 1234' '$CONF' && grep -q '^SaveConfig = true' '$CONF' &&
           grep -q '^Endpoint = 192.0.2.2:51820' '$CONF' && grep -q '^PrivateKey = $PRIV_C' '$CONF' &&
           [[ \$(stat -c %a '$CONF') == 600 ]]"
routing_state "$NS_C" >"$NETNS_TMP/after-table.txt"
check "rules and routes after Table = 1234 are those from before" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-table.txt"

# --- SIGKILL leaves rules behind; a restart cleans them ---------------------------------
full_tunnel_client_config "$CONF"
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "client tunnel (3rd start)"
kill -KILL "$LAST_PID"
wait_for bash -c "! ip -n '$NS_C' link show '$IF_C'" || netns_fail "interface outlived SIGKILL"
check "SIGKILL leaves the policy rules behind (the kernel keeps rules)" \
  bash -c "ip -n '$NS_C' rule | grep -q 'lookup 51820'"
rm -f "$WG_UAPI_DIR/$IF_C.sock"
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "client tunnel (restart)"
pid=$LAST_PID
check "the restart says it removed the stale rules" \
  grep -q "stale IPv4 rule" "$NETNS_TMP/$IF_C.log"
check "one rule set after the restart" \
  bash -c "[[ \$(ip -n '$NS_C' -4 rule | grep -c 'lookup 51820') == 1 &&
              \$(ip -n '$NS_C' -4 rule | grep -c 'suppress_prefixlength 0') == 1 ]]"
check "tunnel works after the restart" quietly ns_exec "$NS_C" ping -c 2 -i 0.2 -W 2 198.51.100.2
stop_process "$pid"
routing_state "$NS_C" >"$NETNS_TMP/after-crash.txt"
check "rules and routes after crash + restart + exit are those from before" \
  diff -u "$NETNS_TMP/before.txt" "$NETNS_TMP/after-crash.txt"
# --- a host name that moves: resolved again while handshakes fail ---------------------------
# The name first points nowhere; the file is then rewritten in place (the namespace sees it
# through a bind mount) and weft's 30 s re-resolution of a peer without a handshake finds it.
echo "192.0.2.77 server.test" >"/etc/netns/$NS_C/hosts"
full_tunnel_client_config "$CONF"
start_weft_tunnel "$NS_C" "$IF_C" "$CONF" || netns_fail "client tunnel (moving name)"
pid=$LAST_PID
check "wg show names the first address (192.0.2.77)" \
  bash -c "ip netns exec '$NS_C' wg show '$IF_C' endpoints | grep -q '192.0.2.77:51820'"
echo "192.0.2.2 server.test" >"/etc/netns/$NS_C/hosts"
t0=$SECONDS
wait_for -t 40 bash -c "ip netns exec '$NS_C' wg show '$IF_C' endpoints | grep -q '192.0.2.2:51820'" ||
  { netns_dump_log "$NETNS_TMP/$IF_C.log"; netns_fail "the name was not resolved again"; }
echo "re-resolved after $((SECONDS - t0)) s (the check runs every 30 s)"
check "the log says where the name moved" \
  grep -q "endpoint server.test now resolves to 192.0.2.2:51820" "$NETNS_TMP/$IF_C.log"
check "the tunnel works at the new address" \
  quietly ns_exec "$NS_C" ping -c 2 -i 0.2 -W 2 198.51.100.2
stop_process "$pid"
check "the host's /etc/resolv.conf was not touched" \
  test "$host_resolv_before" == "$(sha256sum /etc/resolv.conf 2>/dev/null || true)"
echo "PASS tunnel_fulltunnel_test"
