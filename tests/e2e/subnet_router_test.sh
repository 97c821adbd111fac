#!/usr/bin/env bash
# Subnet routers (issue 17; docs/network-config.md, "Subnet routers"): a subnet 10.9.0.0/24 with a
# host h (10.9.0.5) behind two routers r1 and r2, both `weft up --advertise-routes 10.9.0.0/24`,
# on the LAN of tailnet_lib.sh; the policy lets tag:a reach 10.9.0.0/24 and nothing else.
# - advertised but not approved: a has no route and no router peer;
# - `weft admin routes approve` both: r1 is primary, a reaches h through it (a kernel route
#   through weft0, h sees r1's subnet address: SNAT), b has neither route nor router;
# - r1 stops: r2 takes over and a reaches h again (the gap from r1's stop to the first answer
#   through r2 is printed);
# - r1's MASQUERADE rule and forwarding are gone after it stopped;
# - r1 back, r2's LAN link cut (no close, no FIN): the server's TCP keepalive ends r2's stream
#   and r1 takes over (the gap is printed; at most 25 s of keepalive plus a delta);
# - `weft admin routes reject` on both: a loses the route and h is unreachable.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 35 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

need_tool iptables
tailnet_setup
tailnet_set_policy subnet "policy: tag:a may reach 10.9.0.0/24, nothing else reaches it" \
  '    {"action": "accept", "src": ["tag:a"], "dst": ["10.9.0.0/24:*"]},
    {"action": "accept", "src": ["tag:b"], "dst": ["tag:c:*"]},' "tag:r1 tag:r2"

# The subnet: r1, r2 and h on a second bridge; r1 and r2 also on the LAN.
tailnet_network sub br1 r1 r2 h
declare -A SUB=([r1]=10.9.0.1 [r2]=10.9.0.2 [h]=10.9.0.5)
LAN[r1]=192.0.2.21
LAN[r2]=192.0.2.22
for m in r1 r2 h; do lan_join "${NS[$m]}" "s$m" "${SUB[$m]}" sub0 "${NET_NS[sub]}" br1; done
for m in r1 r2; do lan_join "${NS[$m]}" "$m" "${LAN[$m]}"; done
# h answers pings and remembers who asked (the source the routers' SNAT gave them).
ns_exec "${NS[h]}" iptables -w -I INPUT -p icmp --icmp-type echo-request -j LOG --log-prefix "h-ping "
ns_exec "${NS[h]}" iptables -w -N SEEN
ns_exec "${NS[h]}" iptables -w -I INPUT -j SEEN
for m in r1 r2; do ns_exec "${NS[h]}" iptables -w -A SEEN -s "${SUB[$m]}" -j RETURN; done
seen_from() { ns_exec "${NS[h]}" iptables -w -nvxL SEEN | awk -v s="$1" '$8 == s {print $1}'; }

start_node a --server "$url" --authkey "${KEY[a]}"
start_node b --server "$url" --authkey "${KEY[b]}"
start_node r1 --server "$url" --authkey "$(new_key r1)" --advertise-routes 10.9.0.0/24
wait_logged r1 'netmap applied: '
start_node r2 --server "$url" --authkey "$(new_key r2)" --advertise-routes 10.9.0.0/24
for m in a b r2; do wait_logged "$m" 'netmap applied: '; done
echo "ok - a, b, r1 and r2 registered"

reach_h() { ns_exec "${NS[$1]}" ping -c 1 -W 1 "${SUB[h]}" >/dev/null 2>&1; }
route_on() { ip -n "${NS[$1]}" route show 10.9.0.0/24 | grep -q 'dev weft0'; }

check "not approved: a has no route to 10.9.0.0/24" bash -c "! ip -n ${NS[a]} route show 10.9.0.0/24 | grep -q ."
check "... and no router among its peers" peers_are a ""
check "... and h does not answer a" no_answer a "${SUB[h]}"
listed=$(admin "$state" --json routes list)
check "routes list shows both routers' advertised route" \
  test "$(jq -r '[.routes[] | select(.advertised == ["10.9.0.0/24"])] | length' <<<"$listed")" = 2

R1=$(node_id r1)
R2=$(node_id r2)
capture admin "$state" routes approve "$R1" 10.9.0.0/24
expect_rc 0 "routes approve r1"
capture admin "$state" routes approve "$R2" 10.9.0.0/24
expect_rc 0 "routes approve r2"
capture admin "$state" routes list
echo "$CAP_OUT" | sed 's/^/  /'
check "... r1 is primary" test "$(admin "$state" --json routes list |
  jq -r --argjson id "$R1" '.routes[] | select(.id == $id) | .primary[0]')" = 10.9.0.0/24

check "a gets a kernel route to 10.9.0.0/24 through weft0 (within 10 s)" wait_for -t 10 route_on a
check "a reaches h through r1" wait_for -t 10 reach_h a
check "... h saw r1's subnet address (SNAT)" test "$(seen_from "${SUB[r1]}")" -ge 1
check "a's peers are r1 alone (the router, not r2)" peers_are a "r1"
check "b has no route to the subnet" bash -c "! ip -n ${NS[b]} route show 10.9.0.0/24 | grep -q ."
check "... and h does not answer b" no_answer b "${SUB[h]}"
check "b sees no router" peers_are b ""
check "r1 forwards (ip_forward = 1)" test "$(ns_exec "${NS[r1]}" cat /proc/sys/net/ipv4/ip_forward)" = 1
check "r1 has its MASQUERADE rule" bash -c "ip netns exec ${NS[r1]} iptables -w -t nat -S POSTROUTING | grep -q 'weft weft0'"

# --- failover ------------------------------------------------------------------------------
# gap_to_h TRIES WAIT: ms from t0 to the first of TRIES pings (WAIT s each) a gets answered by h.
gap_to_h() {
  local _
  for _ in $(seq 1 "$1"); do
    if ns_exec "${NS[a]}" ping -c 1 -W "$2" "${SUB[h]}" >/dev/null 2>&1; then
      echo $(($(now_ms) - t0))
      return 0
    fi
  done
  return 1
}
t0=$(now_ms)
stop_node r1
gap=$(gap_to_h 150 0.2) || netns_fail "a never reached h through r2 after r1 stopped"
echo "failover: a reached h through r2 ${gap} ms after r1 stopped"
check "... h saw r2's subnet address" test "$(seen_from "${SUB[r2]}")" -ge 1
check "... r2 is primary now" test "$(admin "$state" --json routes list |
  jq -r --argjson id "$R2" '.routes[] | select(.id == $id) | .primary[0]')" = 10.9.0.0/24
check "r1's MASQUERADE rule and forwarding are gone after it stopped" bash -c \
  "! ip netns exec ${NS[r1]} iptables -w -t nat -S POSTROUTING | grep -q weft &&
   test \"\$(ip netns exec ${NS[r1]} cat /proc/sys/net/ipv4/ip_forward)\" = 0"

# --- failover from a router whose path died silently ----------------------------------------------
# r1 back (r2 stays primary); then r2's LAN link drops everything, its process and control
# connection still there: the server notices with TCP keepalive (25 s at most) and moves the
# prefix to r1.
start_node r1 --server "$url" --advertise-routes 10.9.0.0/24
wait_logged r1 'netmap applied: '
check "r1 is back and r2 stays primary" test "$(admin "$state" --json routes list |
  jq -r --argjson id "$R2" '.routes[] | select(.id == $id) | .primary[0]')" = 10.9.0.0/24
seen_r1=$(seen_from "${SUB[r1]}")
ns_exec "${NS[r2]}" iptables -w -I INPUT -i eth0 -j DROP
ns_exec "${NS[r2]}" iptables -w -I OUTPUT -o eth0 -j DROP
t0=$(now_ms)
gap=$(gap_to_h 90 0.5) || netns_fail "a never reached h through r1 after r2's path died"
echo "failover after a silent loss: a reached h through r1 ${gap} ms after r2's LAN link was cut"
check "... through r1 (h saw r1 again)" test "$(seen_from "${SUB[r1]}")" -gt "$seen_r1"
check "... within 40 s" test "$gap" -lt 40000

# --- reject ---------------------------------------------------------------------------------------
# r2 is offline but still approved: with no router online it would become primary again (the
# server keeps a prefix on an offline router when no router of it is online), so both go.
capture admin "$state" routes reject "$R2" 10.9.0.0/24
expect_rc 0 "routes reject r2 (offline)"
check "... a still reaches h through r1" reach_h a
capture admin "$state" routes reject "$R1" 10.9.0.0/24
expect_rc 0 "routes reject r1"
no_route() { ! route_on a; }
check "a's route to the subnet is gone (within 10 s)" wait_for -t 10 no_route
check "... h no longer answers a" no_answer a "${SUB[h]}"
check "... and a sees no router" peers_are a ""
echo "PASS subnet_router_test"
