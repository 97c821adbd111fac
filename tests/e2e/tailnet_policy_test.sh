#!/usr/bin/env bash
# The tailnet of tailnet_lib.sh (a -> b, b -> c) seen through the node commands and changed by
# the operator (issue 9, "End-to-end tests"; docs/operations.md, "Node commands"):
# - `weft status --json` shows each node exactly the peers the policy lets it see;
# - `weft ping --icmp` (ICMP through the tunnel, where the filters apply): a -> b answers, a -> c
#   has no peer, c -> b dies in b's filter (b counts it), b -> c answers (the replies pass b's
#   filter as its own flow);
# - a -> c allowed at runtime reaches a and c (within 10 s, printed); an invalid policy is refused
#   with its position and changes nothing;
# - the server cut off by iptables: a policy change made meanwhile is not seen (the old one is
#   enforced) until the cut is lifted (time printed);
# - a removed node and its peers lose each other; an expired node stops being a peer until it
#   registers again with a new pre-auth key (`weft up --authkey` on its state directory);
# - a truncated cache is refused with its code and the node waits for the server;
# - `weft down` stops a node cleanly and removes its interface.
# Needs WEFT_BIN (set by ctest), root, ip, iptables, jq, ping. About 35 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/tailnet_lib.sh
source "$here/tailnet_lib.sh"

need_tool iptables ss
tailnet_setup
for m in a b c; do start_node "$m" --server "$url" --authkey "${KEY[$m]}"; done
for m in a b c; do wait_logged "$m" 'netmap applied: '; done
tailnet_addresses
echo "ok - a, b and c registered"

has_line() { grep -qE -- "$2" <<<"$1"; }

# The control stream carries TCP keepalive (what ends it when the server is cut off, below).
streams=$(ns_exec "${NS[a]}" ss -tnoH state established "( dport = :$port )")
echo "a's control stream: $streams"
check "a's control stream has a keepalive timer" has_line "$streams" 'timer:\(keepalive,'

# --- who sees whom ---------------------------------------------------------------------------
check "a's status lists b and not c" peers_are a "b"
check "c's status lists b and not a" peers_are c "b"
check "b's status lists a and c" peers_are b "a c"

# --- weft ping --icmp through the filters -------------------------------------------------------
capture weft_node a ping b -c 3 --icmp
echo "$CAP_OUT" | sed 's/^/  a> /'
expect_rc 0 "weft ping a -> b"
check "... prints a round trip per reply" \
  test "$(grep -cE '^pong from b \(100\.[0-9.]+\) seq=[0-9]+ in [0-9.]+ ms$' <<<"$CAP_OUT")" -ge 2

capture weft_node a ping c -c 1 --icmp
expect_rc 1 "weft ping a -> c fails"
check "... c is no peer of a (by name)" has_line "$CAP_ERR" 'local\.unknown_peer'
capture weft_node a ping "${ADDR[c]}" -c 1 --icmp
expect_rc 1 "weft ping a -> c's address fails"
check "... no peer has it" has_line "$CAP_ERR" 'engine\.no_peer'

denied_before=$(node_counter b filter_denied)
capture weft_node c ping b -c 2 --icmp
echo "$CAP_OUT" | sed 's/^/  c> /'
expect_rc 1 "weft ping c -> b gets no reply"
check "... both requests time out" test "$(grep -c '^timeout: no reply from b' <<<"$CAP_OUT")" = 2
denied_after=$(node_counter b filter_denied)
echo "b's filter_denied: $denied_before -> $denied_after"
check "... b's filter dropped them (filter_denied up by 2 or more)" \
  test $((denied_after - denied_before)) -ge 2

replies_before=$(node_counter b filter_accepted_as_reply)
capture weft_node b ping c -c 3 --icmp
echo "$CAP_OUT" | sed 's/^/  b> /'
expect_rc 0 "weft ping b -> c"
check "... every reply came back" has_line "$CAP_OUT" '^3 sent, 3 received$'
replies_after=$(node_counter b filter_accepted_as_reply)
check "... admitted by b's filter as replies to b's flow ($replies_before -> $replies_after)" \
  test $((replies_after - replies_before)) -ge 3

# --- the policy changed at runtime ---------------------------------------------------------------
version_of() { node_status "$1" | jq -r '.policy_version'; }
policy_ac="$NETNS_TMP/policy-ac.hujson"
tailnet_policy "$TAILNET_ACLS
    {\"action\": \"accept\", \"src\": [\"tag:a\"], \"dst\": [\"tag:c:*\"]}," >"$policy_ac"
t0=$(now_ms)
capture admin "$state" policy set "$policy_ac"
expect_rc 0 "policy set: a may reach c too"
a_and_c_see_each_other() { peers_are a "b c" && peers_are c "a b"; }
check "a and c see each other (waited up to 10 s)" wait_for -t 10 a_and_c_see_each_other
echo "a and c saw each other $(($(now_ms) - t0)) ms after policy set"
capture weft_node a ping c -c 2 --icmp
expect_rc 0 "weft ping a -> c now"
check "c -> b is still denied" ping_fails c b

version=$(version_of a)
policy_bad="$NETNS_TMP/bad.hujson"
printf '{\n  "acls": [\n    {"action": "accept", "src": ["tag:a"], "dst": ["nohost:*"]},\n  ],\n}\n' \
  >"$policy_bad"
capture admin "$state" policy set "$policy_bad"
expect_rc 1 "an invalid policy is refused"
check "... with its position (FILE:LINE:COL: error:)" \
  has_line "$CAP_ERR" "^$policy_bad:3:[0-9]+: error: .*nohost"
sleep 1  # time for a change that should not happen to reach the nodes
check "... and changes nothing: a still sees b and c" peers_are a "b c"
check "... c still sees a and b" peers_are c "a b"
check "... a's policy version is still $version" test "$(version_of a)" = "$version"

# --- the server cut off the network -----------------------------------------------------------------
cut_server() {
  ns_exec "${NS[s]}" iptables -w -I INPUT -i eth0 -j DROP
  ns_exec "${NS[s]}" iptables -w -I OUTPUT -o eth0 -j DROP
}
lift_cut() {
  ns_exec "${NS[s]}" iptables -w -D INPUT -i eth0 -j DROP
  ns_exec "${NS[s]}" iptables -w -D OUTPUT -o eth0 -j DROP
}
cut_server
cut_at=$(now_ms)
echo "server cut off (iptables DROP both ways)"
capture admin "$state" policy set "$policy"
expect_rc 0 "policy set during the cut: back to a -> b, b -> c"
# WEFT_E2E_CUT_SECONDS (default 5) sets how long the cut lasts, to measure longer ones by hand.
sleep "${WEFT_E2E_CUT_SECONDS:-5}"
check "during the cut a still sees c (the old policy)" peers_are a "b c"
capture weft_node a ping c -c 2 --icmp
expect_rc 0 "... and a -> c still answers"
check "... c -> b is still denied" ping_fails c b
lift_cut
lifted=$(now_ms)
echo "cut lifted after $((lifted - cut_at)) ms"
a_lost_c() { peers_are a "b" && peers_are c "b"; }
# The server retransmits into the old stream at least every 120 s (TCP_RTO_MAX).
check "the change reaches a and c after the cut" wait_for -t 130 a_lost_c
echo "the policy change reached a and c $(($(now_ms) - lifted)) ms after the cut was lifted"
grep -hE 'lost|unreachable|reachable again' "${LOG[a]}" "${LOG[c]}" | sed 's/^/  log: /' || true
check "a cannot reach c any more" ping_fails a c

# --- a removed node ----------------------------------------------------------------------------
capture admin "$state" nodes remove "$(node_id c)"
expect_rc 0 "nodes remove c"
wait_logged c 'out of the tailnet: .*\(control\.removed\)'
check "c has no peers left" wait_for peers_are c ""
check "... and says why (stop_code control.removed)" \
  test "$(node_status c | jq -r '.stop_code')" = control.removed
check "b lost c" wait_for peers_are b "a"
check "c's cache is deleted" test ! -e "$NETNS_TMP/node-c/netmap.cache"
check "b cannot reach c" ping_fails b c

# --- an expired node ---------------------------------------------------------------------------
capture admin "$state" nodes expire "$(node_id a)"
expect_rc 0 "nodes expire a"
wait_logged a 'out of the tailnet: .*\(control\.key_expired\)'
check "a has no peers left" wait_for peers_are a ""
check "b lost a" wait_for peers_are b ""
check "a cannot reach b" ping_fails a b
stop_node a
start_node a
wait_logged a 'out of the tailnet: .*key_expired'
check "a restarted without a pre-auth key stays out" peers_are a ""
stop_node a
old_key=$(<"$NETNS_TMP/node-a/node.key")
start_node a --authkey "$(new_key a)"  # the server is the one the state directory names
wait_logged a 'netmap applied: 1 peer$'
check "a registered again with a new pre-auth key sees b" peers_are a "b"
check "... under a new node key, persisted" \
  test "$(<"$NETNS_TMP/node-a/node.key")" != "$old_key"
check "... and b sees a" wait_for peers_are b "a"
check "a pings b again" wait_for ping_ok a b

# --- a truncated cache -------------------------------------------------------------------------
cut_server
stop_node a
cache="$NETNS_TMP/node-a/netmap.cache"
truncate -s $(($(stat -c %s "$cache") / 2)) "$cache"
start_node a
wait_logged a 'netmap cache .* refused: .*\(engine\.cache_truncated\); waiting for the coordination server'
check "a with a truncated cache runs no netmap" \
  test "$(node_status a | jq -r '.has_netmap, (.peers | length)' | tr '\n' ' ')" = "false 0 "
check "... so a cannot reach b" ping_fails a b
lift_cut
wait_logged a 'netmap applied: 1 peer$'
check "the server back, a takes its netmap and reaches b" wait_for ping_ok a b

# --- weft down ---------------------------------------------------------------------------------
capture weft_node a down
expect_rc 0 "weft down on a"
exited() { ! proc_alive "$1"; }
check "a's weft up exits" wait_for exited "${PID[a]}"
wait "${PID[a]}" && a_exit=0 || a_exit=$?
check "... with status 0" test "$a_exit" = 0
check "... having removed weft0" sh -c "! ip -n '${NS[a]}' link show weft0 >/dev/null 2>&1"
check "... and its local API socket" test ! -e "$NETNS_TMP/node-a/weft.sock"

for m in b c; do stop_node "$m"; done
echo "ok - b and c stopped cleanly"
