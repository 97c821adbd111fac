# Cross-validation of `weft sim` against real processes (issue 12; docs/simulation.md,
# "Cross-validation"): a scenario file's topology rebuilt with network namespaces, real `weft
# serve`, `weft derp` and `weft up` processes, the supported timeline events applied in real time,
# and each "A reaches B at T via CLASS" expectation observed with a ping at T; then the route class
# (direct / relay / none) of every probe compared with the one `weft sim run --format json` observed
# for the same sentence. Sources relay_lib.sh (the public bridge, NAT routers, server and nodes).
# shellcheck shell=bash
#
#   source "$here/xval_lib.sh"
#   xval_run SCENARIO     # prints "A->B at Ts: real X, sim Y (expected Z)"; fails on a mismatch
#
# What a scenario becomes (tests/e2e/tools/xval_plan.py refuses everything else):
#   internet          the public bridge 203.0.113.0/24 in the server's namespace; the server
#                     at .10, region CODE's `weft derp` at .21, .22, ... (STUN 3478), a public node
#                     at .101, .102, ...
#   network (NAT)     a router namespace (relay_router) at 203.0.113.1, .2, ... with the LAN
#                     10.200.N.0/24 behind it: "easy" (endpoint-independent mapping) is plain
#                     MASQUERADE, "hard" (address-and-port-dependent) MASQUERADE --random-fully,
#                     "firewall" MASQUERADE and every forwarded UDP datagram dropped
#   embedded_relay    the relay embedded in `weft serve` (region 900 "weft")
#   server-down/up    every datagram to and from the server's address dropped in its namespace
#                     (the process runs on, as in the simulation); with it the embedded relay
#   relay-down/up     the same for the region's relay address
#   udp-block/open    UDP between the two nodes' addresses (inside and public) dropped in both
#                     nodes' namespaces ("firewall" rules from the start)
#   traffic           a ping every EVERY from FROM to TO from START on (keeps the path active, as
#                     the simulated packets do)
# Link latencies, bandwidth, loss and jitter are not reproduced (this kernel has no netem).

if [[ -n ${_WEFT_XVAL_LIB_SOURCED:-} ]]; then
  return 0
fi
_WEFT_XVAL_LIB_SOURCED=1
# shellcheck source=SCRIPTDIR/relay_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

XVAL_PLAN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools/xval_plan.py

# xval_sim SCENARIO OUT: what weft sim observed, "TEXT<TAB>CLASS<TAB>REGION_ID" per
# reaches-expectation, in OUT.
xval_sim() {
  local json rc=0
  [[ -x ${WEFT_SIM:-$(dirname "$SERVE_BIN")/weft-sim} ]] ||
    netns_fail "no weft-sim beside $SERVE_BIN (build the weft-sim target, or set WEFT_SIM)"
  json=$("$SERVE_BIN" sim run --format json "$1") || rc=$?
  # 0: every expectation held; 1: one failed (still a valid comparison); else the run broke.
  ((rc <= 1)) || netns_fail "weft sim run $1 exited $rc"
  # TEXT, CLASS and, for a relayed path, the id of the region the sender's path ran through.
  jq -r '.[0].expectations[] | select(.text | test(" reaches ")) |
    [.text, (.observed | capture("; route (?<c>[a-z]+);").c // "?"),
     (.observed | capture("path to [^:]+: relay relay (?<r>[0-9]+) ").r // "")] | @tsv' \
    <<<"$json" >"$2" ||
    netns_fail "no expectations in weft sim's JSON for $1"
  echo "# weft sim: $(jq -r '.[0] | "\(.expectations | length) expectations, passed \(.passed),
    \(.wall_seconds) s wall"' <<<"$json" | tr -s ' \n' ' ')"
}

# xval_host M INDEX NETWORK: node M's namespace (node<INDEX>, NS[M]) on the public bridge at
# 203.0.113.(100+INDEX) when NETWORK is "internet", else on NETWORK's LAN behind its router (the
# default route); PRIV[M] its own address, PUB[M] the one the internet sees.
xval_host() {
  local m=$1 i=$2 net=$3 r
  netns_create "node$i"
  NS[$m]=$(ns_name "node$i")
  if [[ $net == internet ]]; then
    PRIV[$m]=203.0.113.$((100 + i))
    PUB[$m]=${PRIV[$m]}
    lan_join "${NS[$m]}" "p$i" "${PRIV[$m]}" eth0 "$NS_S" br0
    return
  fi
  r=${NET_ROUTER[$net]}
  NET_HOSTS[$net]=$((NET_HOSTS[$net] + 1))
  PRIV[$m]=${LAN_PREFIX[$r]}.$((NET_HOSTS[$net] + 1))
  PUB[$m]=${NAT_WAN[$r]}
  lan_join "${NS[$m]}" "n$i" "${PRIV[$m]}" eth0 "${NAT[$r]}" lan0
  ip -n "${NS[$m]}" route replace default via "${LAN_PREFIX[$r]}.1" || netns_fail "route of $m"
}

# xval_cut -I|-D ADDRESS PORT: datagrams to and from ADDRESS (the server's or a relay's, on the
# public bridge in NS_S) dropped or let through again: its link is cut, its process runs on. In the
# background, a TCP connect from the first node to ADDRESS:PORT must then fail (-I) or succeed (-D)
# within 2 s; xval_run checks the outcomes (XVAL_CUTS) at the end.
xval_cut() {
  if ! ns_exec "$NS_S" iptables "$1" INPUT -d "$2" -j DROP ||
    ! ns_exec "$NS_S" iptables "$1" OUTPUT -s "$2" -j DROP; then
    netns_fail "iptables $1 cut of $2"
  fi
  local want=reachable out
  [[ $1 == -I ]] && want=unreachable
  XVAL_CUTS=$((${XVAL_CUTS:-0} + 1))
  out="$NETNS_TMP/cut-$XVAL_CUTS"
  echo "$2:$3 $want" >"$out.want"
  (
    if ns_exec "${NS[${XVAL_NODES[0]}]}" timeout 2 bash -c ": </dev/tcp/$2/$3" 2>/dev/null; then
      echo "$2:$3 reachable" >"$out"
    else
      echo "$2:$3 unreachable" >"$out"
    fi
  ) &
  XVAL_CUT_PIDS+=($!)
}

# xval_traffic FROM TO EVERY: the scenario's traffic, one way as in the simulation: a UDP datagram
# to port 9 of TO's tailnet address every EVERY seconds, dropped (and counted) by TO's INPUT chain
# so that nothing, not even an ICMP error, goes back.
xval_traffic() {
  ns_exec "${NS[$2]}" iptables -I INPUT -p udp -d "${ADDR[$2]}" --dport 9 -j DROP ||
    netns_fail "iptables: the sink of $1's traffic in $2"
  ns_spawn "${NS[$1]}" "$NETNS_TMP/traffic-$1-$2.log" bash -c \
    "while :; do echo x >/dev/udp/${ADDR[$2]}/9 || true; sleep $3; done"
}

# xval_received M: the traffic datagrams M's sink counted.
xval_received() {
  ns_exec "${NS[$1]}" iptables -L INPUT -v -x -n | awk '/dpt:9$/ { n += $1 } END { print n + 0 }'
}

# xval_udp -I|-D A B: UDP between nodes A and B (each one's inside and public address) dropped or
# let through again, in both nodes' namespaces.
xval_udp() {
  local op=$1 m o x
  for m in "$2" "$3"; do
    o=$([[ $m == "$2" ]] && echo "$3" || echo "$2")
    for x in $(printf '%s\n' "${PRIV[$o]}" "${PUB[$o]}" | sort -u); do
      if ! ns_exec "${NS[$m]}" iptables "$op" OUTPUT -p udp -d "$x" -j DROP ||
        ! ns_exec "${NS[$m]}" iptables "$op" INPUT -p udp -s "$x" -j DROP; then
        netns_fail "iptables $op UDP between $m and $o"
      fi
    done
  done
}

# xval_event EVENT [ARGS...]: one timeline event of the plan, carried out.
xval_event() {
  local ev x y
  read -r ev x y <<<"$1"
  case $ev in
    server-down) xval_cut -I "${LAN[s]}" "$port" ;;
    server-up) xval_cut -D "${LAN[s]}" "$port" ;;
    relay-down) xval_cut -I "${REGION_IP[$x]}" 8443 ;;
    relay-up) xval_cut -D "${REGION_IP[$x]}" 8443 ;;
    udp-block) xval_udp -I "$x" "$y" ;;
    udp-open) xval_udp -D "$x" "$y" ;;
    *) netns_fail "unknown event $ev" ;;
  esac
}

# xval_probe A B WITHIN OUT: one ping A -> B's tailnet address answered within WITHIN seconds, and
# then the way A's WireGuard sends to B (`weft status --json`: `relay "CODE"` or an address) —
# "direct", "relay" or, unanswered, "none" — written to OUT.
xval_probe() {
  local a=$1 b=$2 within=$3 out=$4 class=none endpoint
  if ns_exec "${NS[$a]}" ping -c 1 -W "$within" "${ADDR[$b]}" >/dev/null 2>&1; then
    endpoint=$(node_status "$a" | jq -r --arg n "$b" '.peers[] | select(.name == $n) | .endpoint')
    case $endpoint in
      relay*) class=relay ;;
      "") class="unknown (no endpoint for $b in $a's status)" ;;
      *) class=direct ;;
    esac
    echo "$class $endpoint" >"$out"
  else
    echo "none" >"$out"
  fi
}

# xval_run SCENARIO: the whole cross-validation of one scenario file (see the top of this file).
# Stops the real run after its last reaches-expectation (later "delivers" windows are weft sim's).
xval_run() {
  local scenario=$1 plan line kind
  local -a items=()
  relay_setup
  need_tool python3
  xval_sim "$scenario" "$NETNS_TMP/sim.tsv"
  policy="$NETNS_TMP/policy.json"
  plan=$(python3 "$XVAL_PLAN" "$scenario" "$policy") || netns_fail "$scenario cannot be rebuilt"
  declare -gA PUB NET_ROUTER NET_HOSTS REGION_IP REGION_ID NODE_TAG NODE_USER
  local -a nodes=() regions=()
  local embedded="" nnet=0 nnode=0 nreg=0 r id
  while read -r kind line; do
    case $kind in
      region)
        read -r r id <<<"$line"
        nreg=$((nreg + 1))
        ((nreg < 80)) || netns_fail "more than 79 regions"
        REGION_IP[$r]=203.0.113.$((20 + nreg))
        REGION_ID[$r]=$id
        regions+=("$r")
        ;;
      embedded)
        read -r embedded id <<<"$line"
        REGION_ID[$embedded]=$id
        ;;
      network)
        local net mode
        read -r net mode <<<"$line"
        nnet=$((nnet + 1))
        ((nnet < 20)) || netns_fail "more than 19 networks (their routers would take the relays' addresses)"
        r=x$nnet
        NET_ROUTER[$net]=$r
        NET_HOSTS[$net]=0
        case $mode in
          easy) relay_router "$r" "203.0.113.$nnet" "10.200.$nnet" ;;
          hard) relay_router "$r" "203.0.113.$nnet" "10.200.$nnet" --random-fully ;;
          firewall)
            relay_router "$r" "203.0.113.$nnet" "10.200.$nnet"
            ns_exec "${NAT[$r]}" iptables -A FORWARD -p udp -j DROP || netns_fail "UDP drop in $net"
            ;;
        esac
        echo "# network $net: $mode NAT at ${NAT_WAN[$r]}"
        ;;
      node)
        local m net tag user
        read -r m net tag user <<<"$line"
        nnode=$((nnode + 1))
        ((nnode < 150)) || netns_fail "more than 149 nodes"
        xval_host "$m" "$nnode" "$net"
        NODE_TAG[$m]=$tag
        NODE_USER[$m]=$user
        nodes+=("$m")
        ;;
      traffic | event | expect) items+=("$kind $line") ;;
      skip) ;;
      *) netns_fail "unknown plan line: $kind $line" ;;
    esac
  done <<<"$plan"

  XVAL_NODES=("${nodes[@]}")
  XVAL_CUT_PIDS=()
  # The relays, then the server with a map of them (and its embedded relay when asked).
  local -a serve_args=()
  [[ -n $embedded ]] || serve_args+=(--no-embedded-relay)
  if ((${#regions[@]} > 0)); then
    local map="$NETNS_TMP/relay-map.json" sep=""
    {
      echo '{"regions": ['
      for r in "${regions[@]}"; do
        relay_public_address "${REGION_IP[$r]}"
        ns_spawn "$NS_S" "$NETNS_TMP/derp-$r.log" "$SERVE_BIN" derp \
          --listen "${REGION_IP[$r]}:8443" --stun-port 3478
        echo "$sep{\"id\": ${REGION_ID[$r]}, \"code\": \"$r\", \"name\": \"$r\", \"nodes\": [{\"name\":" \
          "\"${r}1\", \"ipv4\": \"${REGION_IP[$r]}\", \"relayPort\": 8443, \"stunPort\": 3478}]}"
        sep=","
      done
      echo ']}'
    } >"$map"
    for r in "${regions[@]}"; do
      wait_for grep -q "weft derp: relay" "$NETNS_TMP/derp-$r.log" || {
        netns_dump_log "$NETNS_TMP/derp-$r.log"
        netns_fail "weft derp for region $r did not start"
      }
    done
    serve_args+=(--relay-map "$map")
  fi
  start_server --policy "$policy" "${serve_args[@]}"
  local u m
  for u in $(printf '%s\n' "${NODE_USER[@]}" | sort -u); do
    admin "$state" users create "$u" >/dev/null || netns_fail "user $u"
  done
  for m in "${nodes[@]}"; do
    if [[ ${NODE_TAG[$m]} == - ]]; then
      KEY[$m]=$(admin "$state" keys create --user "${NODE_USER[$m]}" 2>/dev/null)
    else
      KEY[$m]=$(admin "$state" keys create --user "${NODE_USER[$m]}" --tags "${NODE_TAG[$m]}" 2>/dev/null)
    fi
    [[ -n ${KEY[$m]} ]] || netns_fail "no pre-auth key for $m"
  done

  # Events at t=0 (a "firewall", a relay that starts cut) are in place before the nodes start.
  local item
  for item in "${items[@]}"; do
    [[ $item == "event 0 "* ]] && xval_event "${item#event 0 }"
  done
  # t=0: every node starts, as in the simulation.
  local t0
  t0=$(date +%s.%N)
  for m in "${nodes[@]}"; do start_node "$m" --server "$url" --authkey "${KEY[$m]}"; done
  for m in "${nodes[@]}"; do wait_logged "$m" 'netmap applied: '; done
  relay_addresses "${nodes[@]}"
  echo "# ${#nodes[@]} nodes up $(awk -v t0="$t0" -v t="$(date +%s.%N)" 'BEGIN { printf "%.1f", t - t0 }') s after t=0"

  # The timeline, traffic starts and probes, in time order (events before probes at one instant).
  local -a probes=() probe_pids=()
  local at rest now wait k=0
  while read -r at kind rest; do
    now=$(date +%s.%N)
    wait=$(awk -v t0="$t0" -v at="$at" -v now="$now" 'BEGIN { w = t0 + at - now; print (w > 0 ? w : 0) }')
    sleep "$wait"
    case $kind in
      traffic)
        local from to every
        read -r from to every <<<"$rest"
        xval_traffic "$from" "$to" "$every"
        ;;
      event)
        [[ $at == 0 ]] || xval_event "$rest"
        echo "# t=${at}s: $rest"
        ;;
      expect)
        local a b class within text
        read -r a b class within text <<<"$rest"
        k=$((k + 1))
        xval_probe "$a" "$b" "$within" "$NETNS_TMP/probe-$k" &
        probe_pids+=($!)
        probes+=("$k|$at|$a|$b|$class|$text")
        ;;
    esac
  done < <(printf '%s\n' "${items[@]}" | awk '{ o = ($1 == "expect") ? 2 : ($1 == "event") ? 1 : 0
    print $2, $1, o, $0 }' | sort -k1,1g -k3,3n | cut -d' ' -f4- |
    awk '{ at = $2; kind = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); print at, kind, $0 }')
  local pid
  for pid in "${probe_pids[@]}"; do wait "$pid" || true; done
  for pid in "${XVAL_CUT_PIDS[@]}"; do wait "$pid" || true; done

  # The comparison.
  # Relay regions are compared by id: the real endpoint names the region's code ("weft" for the
  # embedded relay, whose scenario id weft sim uses).
  local p sim sim_region real real_class real_region mismatches=0
  for p in "${probes[@]}"; do
    IFS='|' read -r k at a b class text <<<"$p"
    real=$(<"$NETNS_TMP/probe-$k")
    real_class=${real%% *}
    real_region=""
    if [[ $real_class == direct ]]; then
      real_class="direct (${real#* })"
      real=direct
    elif [[ $real_class == relay ]]; then
      real_region=$(sed -E 's/.*relay "([^"]*)".*/\1/' <<<"$real")
      [[ $real_region == weft && -n $embedded ]] && real_region=$embedded
      real_region=${REGION_ID[$real_region]:-$real_region}
    fi
    IFS=$'\t' read -r _ sim sim_region < <(awk -F'\t' -v t="$text" '$1 == t { print; exit }' \
      "$NETNS_TMP/sim.tsv") || true
    [[ $sim == relay ]] || sim_region=""
    printf '%s->%s at %ss: real %s%s, sim %s%s (expected %s)\n' "$a" "$b" "$at" "$real_class" \
      "${real_region:+ region $real_region}" "${sim:-?}" "${sim_region:+ region $sim_region}" "$class"
    real_class=${real%% *}
    if [[ $real_class != "${sim:-?}" ]]; then
      mismatches=$((mismatches + 1))
      echo "e2e: MISMATCH: \"$text\": the real processes observed $real_class, weft sim ${sim:-nothing}" >&2
    elif [[ $real_class == relay && -n $sim_region && $real_region != "$sim_region" ]]; then
      mismatches=$((mismatches + 1))
      echo "e2e: MISMATCH: \"$text\": relayed through region $real_region for real, $sim_region in weft sim" >&2
    fi
  done
  # Each cut and restore took effect (xval_cut's connects), or the timeline was not the file's.
  local c
  for ((c = 1; c <= ${XVAL_CUTS:-0}; c++)); do
    check "after cut $c $(<"$NETNS_TMP/cut-$c.want") from ${nodes[0]}" \
      test "$(cat "$NETNS_TMP/cut-$c" 2>/dev/null)" = "$(<"$NETNS_TMP/cut-$c.want")"
  done
  for m in "${nodes[@]}"; do
    if ns_exec "${NS[$m]}" iptables -L INPUT -n | grep -q 'dpt:9$'; then
      echo "# traffic datagrams received by $m: $(xval_received "$m")"
    fi
  done
  for m in "${nodes[@]}"; do relay_show "$m"; done >"$NETNS_TMP/status-at-end.txt"
  if ((mismatches > 0)); then
    cat "$NETNS_TMP/status-at-end.txt" >&2
    netns_fail "$mismatches route classes of $scenario differ between weft sim and real processes"
  fi
  check "the ${#probes[@]} route classes of $(basename "$scenario") agree" test "${#probes[@]}" -gt 0
  for m in "${nodes[@]}"; do stop_node "$m"; done
}
