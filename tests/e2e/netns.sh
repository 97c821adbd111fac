# Sourceable bash library for process-level tests and benchmarks: throwaway network namespaces
# joined by veth pairs, WireGuard peers (wireguard-go or `weft tunnel`) inside them, and cleanup.
# shellcheck shell=bash
#
# Usage (see wireguard_go_pair_test.sh):
#   source tests/e2e/netns.sh        # installs the EXIT/INT/TERM cleanup trap
#   need_root; need_tool ip wg wireguard-go
#   netns_pair                       # NS_A, NS_B joined by veth0: 192.0.2.1/24 <-> 192.0.2.2/24
#   read -r priv pub < <(wg_keypair)
#   start_wireguard_go "$NS_A" "$(wg_ifname a)"; configure_wg "$NS_A" ... --peer ...
#
# Everything a run creates carries the run id (WEFT_NETNS_ID, default: this shell's pid):
# namespaces are weft-<id>-<tag>, WireGuard interfaces wg<id><tag>. Interface names must be
# unique machine-wide because wireguard-go and weft put their UAPI sockets in the shared
# /var/run/wireguard/. Cleanup kills every process started here and every process still inside
# our namespaces (all started by this run), deletes the namespaces and removes the UAPI sockets,
# on normal exit, on failure and on SIGINT/SIGTERM. Only SIGKILL can leave debris behind; the
# README shows how to find it. Addresses are documentation ranges (192.0.2.0/24, 198.51.100.0/24)
# on the veths and 100.64.0.0/10 inside tunnels, so no traffic can leave the namespaces.

if [[ -n ${_WEFT_NETNS_SOURCED:-} ]]; then
  return 0
fi
_WEFT_NETNS_SOURCED=1

WEFT_NETNS_ID=${WEFT_NETNS_ID:-$$}
WAIT_FOR_TIMEOUT=${WAIT_FOR_TIMEOUT:-10}   # seconds, default bound of wait_for
WG_UAPI_DIR=${WG_UAPI_DIR:-/var/run/wireguard}

_netns_names=()       # namespaces this run created, in creation order
_netns_pids=()        # background processes this run started
_netns_ifaces=()      # WireGuard interfaces whose UAPI socket this run may have created
_netns_cleanup_hooks=()
_netns_cleaned=0
LAST_PID=""           # pid of the last process started by ns_spawn and the start_* helpers
LAST_EXIT=0           # exit status of the last process stopped by stop_process
NETNS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/weft-e2e-$WEFT_NETNS_ID.XXXXXX")

# --- failing loudly ------------------------------------------------------------------------

# netns_fail MESSAGE...: print to stderr and exit 1 (cleanup runs from the EXIT trap).
netns_fail() {
  echo "e2e: FAIL: $*" >&2
  exit 1
}

# need_root: these tests need CAP_NET_ADMIN and /var/run/wireguard; skipping silently would hide
# that nothing ran, so a non-root run is a failure.
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    netns_fail "must run as root (creates network namespaces, TUN devices and UAPI sockets);" \
      "run it with sudo or as root"
  fi
}

# need_tool TOOL...: fail with the package to install when a tool is missing.
need_tool() {
  local tool pkg
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      case $tool in
        wg) pkg=wireguard-tools ;;
        ping) pkg=iputils-ping ;;
        ip | ss) pkg=iproute2 ;;
        *) pkg=$tool ;;
      esac
      netns_fail "missing tool '$tool' (install the Debian package $pkg, or run scripts/setup)"
    fi
  done
}

# check WHAT CMD...: run CMD; print "ok - WHAT" or fail the test with WHAT.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok - $what"
  else
    netns_fail "$what"
  fi
}

# quietly CMD...: CMD with its stdout discarded (for check, whose own line must stay visible).
quietly() {
  "$@" >/dev/null
}

# --- waiting ------------------------------------------------------------------------------

# wait_for [-t SECONDS] CMD...: run CMD every 0.1 s until it succeeds; return 1 with a message
# after SECONDS (default WAIT_FOR_TIMEOUT). Polling is bounded so a broken peer cannot hang CI.
wait_for() {
  local timeout=$WAIT_FOR_TIMEOUT
  if [[ ${1:-} == -t ]]; then
    timeout=$2
    shift 2
  fi
  local deadline=$((SECONDS + timeout))
  while true; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "e2e: wait_for: gave up after ${timeout}s: $*" >&2
      return 1
    fi
    sleep 0.1
  done
}

# --- namespaces ---------------------------------------------------------------------------

# ns_name TAG: the namespace name for TAG in this run.
ns_name() {
  echo "weft-$WEFT_NETNS_ID-$1"
}

# ns_exec NS CMD...: run CMD inside namespace NS.
ns_exec() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# netns_create TAG...: create namespaces weft-<id>-TAG with loopback up.
netns_create() {
  local tag ns
  for tag in "$@"; do
    ns=$(ns_name "$tag")
    if [[ -e /run/netns/$ns ]]; then
      netns_fail "namespace $ns already exists (stale run with the same id? see tests/e2e/README.md)"
    fi
    ip netns add "$ns" || netns_fail "ip netns add $ns"
    _netns_names+=("$ns")
    ip -n "$ns" link set lo up || netns_fail "loopback up in $ns"
  done
}

# netns_connect NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair created directly inside the two
# namespaces (never in the root namespace, where names could collide with other runs).
netns_connect() {
  local ns1=$1 if1=$2 addr1=$3 ns2=$4 if2=$5 addr2=$6
  ip link add name "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" ||
    netns_fail "veth $ns1/$if1 <-> $ns2/$if2"
  ip -n "$ns1" addr add "$addr1" dev "$if1" || netns_fail "address $addr1 on $ns1/$if1"
  ip -n "$ns2" addr add "$addr2" dev "$if2" || netns_fail "address $addr2 on $ns2/$if2"
  ip -n "$ns1" link set "$if1" up || netns_fail "link up $ns1/$if1"
  ip -n "$ns2" link set "$if2" up || netns_fail "link up $ns2/$if2"
}

# netns_pair: namespaces a and b (NS_A, NS_B) joined by veth0, 192.0.2.1/24 <-> 192.0.2.2/24.
netns_pair() {
  netns_create a b
  NS_A=$(ns_name a)
  NS_B=$(ns_name b)
  netns_connect "$NS_A" veth0 192.0.2.1/24 "$NS_B" veth0 192.0.2.2/24
}

# netns_second_network: a second link between NS_A and NS_B (veth1, 198.51.100.1/24 <-> .2/24),
# for tests of roaming and multiple paths.
netns_second_network() {
  netns_connect "$NS_A" veth1 198.51.100.1/24 "$NS_B" veth1 198.51.100.2/24
}

# --- processes ----------------------------------------------------------------------------

# ns_spawn NS LOG CMD...: start CMD in NS in the background, stdout and stderr to LOG; the pid is
# recorded for cleanup and left in LAST_PID. `ip netns exec` execs, so the pid is CMD's own.
ns_spawn() {
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  LAST_PID=$!
  _netns_pids+=("$LAST_PID")
}

# proc_alive PID: true while PID runs (and is not a zombie).
proc_alive() {
  [[ -r /proc/$1/stat ]] && [[ $(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# proc_cpu_ticks PID: user + system CPU time of PID, all threads, in clock ticks (getconf CLK_TCK).
proc_cpu_ticks() {
  # The command name (field 2) may hold spaces, so count fields after its closing parenthesis:
  # utime and stime are fields 14 and 15, i.e. the 12th and 13th after ")".
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# stop_process PID: SIGTERM, up to 3 s for a clean exit (wireguard-go removes its UAPI socket),
# then SIGKILL. The exit status is left in LAST_EXIT (143: died of the SIGTERM, 137: SIGKILL).
stop_process() {
  local pid=$1 i
  LAST_EXIT=0
  if proc_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      proc_alive "$pid" || break
      sleep 0.1
    done
    if proc_alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || LAST_EXIT=$?
}

# stopped_cleanly NAME LOG: after stop_process, true when the process exited on its own (0) or of
# the SIGTERM (143) and its log holds no sanitizer report; otherwise prints the log tail.
stopped_cleanly() {
  local name=$1 log=$2
  if [[ $LAST_EXIT != 0 && $LAST_EXIT != 143 ]]; then
    echo "e2e: $name exited with status $LAST_EXIT after SIGTERM" >&2
    netns_dump_log "$log"
    return 1
  fi
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" 2>/dev/null; then
    echo "e2e: $name reported a sanitizer error" >&2
    netns_dump_log "$log"
    return 1
  fi
}

# stop_tunnel PID IFNAME: stop a WireGuard process and remove what a crash would leave behind
# (its UAPI socket), so the interface name can be reused in the same run.
stop_tunnel() {
  stop_process "$1"
  rm -f "$WG_UAPI_DIR/$2.sock"
}

# --- WireGuard ----------------------------------------------------------------------------

# wg_keypair: prints "PRIVATE PUBLIC" (base64). Use: read -r priv pub < <(wg_keypair)
wg_keypair() {
  local priv
  priv=$(wg genkey) || return 1
  echo "$priv $(wg pubkey <<<"$priv")"
}

# wg_ifname TAG: a WireGuard interface name unique to this run (at most 15 characters).
wg_ifname() {
  local name="wg$WEFT_NETNS_ID$1"
  ((${#name} <= 15)) || netns_fail "interface name $name longer than 15 characters"
  echo "$name"
}

# wg_uapi_ready NS IFNAME: the UAPI socket answers and the interface exists in NS.
wg_uapi_ready() {
  [[ -S $WG_UAPI_DIR/$2.sock ]] && ip -n "$1" link show dev "$2" >/dev/null 2>&1 &&
    wg show "$2" >/dev/null 2>&1
}

# _wg_ready_or_gone NS IFNAME PID: stop waiting as soon as the process has died.
_wg_ready_or_gone() {
  wg_uapi_ready "$1" "$2" || ! proc_alive "$3"
}

# start_wireguard_go NS IFNAME: wireguard-go in the foreground (-f) inside NS, log in
# $NETNS_TMP/IFNAME.log, pid in LAST_PID; returns once its UAPI socket answers.
start_wireguard_go() {
  local ns=$1 ifname=$2
  _netns_ifaces+=("$ifname")
  ns_spawn "$ns" "$NETNS_TMP/$ifname.log" env LOG_LEVEL="${WG_GO_LOG_LEVEL:-error}" \
    wireguard-go -f "$ifname"
  local pid=$LAST_PID
  wait_for _wg_ready_or_gone "$ns" "$ifname" "$pid" || true
  if ! wg_uapi_ready "$ns" "$ifname"; then
    netns_dump_log "$NETNS_TMP/$ifname.log"
    netns_fail "wireguard-go $ifname did not come up in $ns"
  fi
  LAST_PID=$pid
}

# start_weft_tunnel NS IFNAME CONFIG [WEFT_BIN]: `weft tunnel --config CONFIG --interface IFNAME`
# plus the words of $WEFT_TUNNEL_ARGS (e.g. "--threads=2") inside NS, log in
# $NETNS_TMP/IFNAME.log, pid in LAST_PID. Returns 1 (not exit) if its UAPI socket does not
# answer, so a benchmark can report the failure and go on.
start_weft_tunnel() {
  local ns=$1 ifname=$2 config=$3 bin=${4:-${WEFT_BIN:-}}
  [[ -x $bin ]] || netns_fail "start_weft_tunnel: no weft binary (WEFT_BIN='$bin')"
  _netns_ifaces+=("$ifname")
  # shellcheck disable=SC2086  # WEFT_TUNNEL_ARGS is a list of words
  ns_spawn "$ns" "$NETNS_TMP/$ifname.log" "$bin" tunnel --config "$config" --interface "$ifname" \
    ${WEFT_TUNNEL_ARGS:-}
  local pid=$LAST_PID
  wait_for _wg_ready_or_gone "$ns" "$ifname" "$pid" || true
  if ! wg_uapi_ready "$ns" "$ifname"; then
    netns_dump_log "$NETNS_TMP/$ifname.log"
    echo "e2e: weft tunnel $ifname did not come up in $ns" >&2
    return 1
  fi
  LAST_PID=$pid
}

# start_peer KIND NS IFNAME CONFIG [WEFT_BIN]: a WireGuard endpoint of KIND (wireguard-go or
# weft) configured from a file written by write_wg_config; pid in LAST_PID. Returns 1 if a weft
# peer does not come up (its log is printed and the process stopped), so callers can go on.
start_peer() {
  local kind=$1 ns=$2 ifname=$3 conf=$4 bin=${5:-${WEFT_BIN:-}} pid
  case $kind in
    wireguard-go)
      start_wireguard_go "$ns" "$ifname"
      pid=$LAST_PID
      apply_wg_config "$ns" "$ifname" "$conf"
      LAST_PID=$pid
      ;;
    weft)
      if ! start_weft_tunnel "$ns" "$ifname" "$conf" "$bin"; then
        stop_tunnel "$LAST_PID" "$ifname"
        return 1
      fi
      ;;
    *) netns_fail "start_peer: unknown kind '$kind' (wireguard-go or weft)" ;;
  esac
}

# Options shared by configure_wg and write_wg_config. Interface options come first, then one
# block per peer, each opened by --peer:
#   --private-key KEY (base64)  --listen-port N  --address A/LEN (repeatable)  --mtu N
#   --peer PUBKEY  --allowed-ips CIDR[,CIDR]  --endpoint HOST:PORT  --keepalive SECONDS
# Parsed into _wg_priv _wg_port _wg_addrs[] _wg_mtu and parallel arrays _wg_peer_*[].
_wg_parse_opts() {
  _wg_priv="" _wg_port="" _wg_mtu="" _wg_addrs=()
  _wg_peer_key=() _wg_peer_ips=() _wg_peer_ep=() _wg_peer_ka=()
  local n=-1
  while (($#)); do
    (($# >= 2)) || netns_fail "WireGuard option $1 needs a value"
    case $1 in
      --private-key) _wg_priv=$2 ;;
      --listen-port) _wg_port=$2 ;;
      --address) _wg_addrs+=("$2") ;;
      --mtu) _wg_mtu=$2 ;;
      --peer)
        n=$((n + 1))
        _wg_peer_key[n]=$2 _wg_peer_ips[n]="" _wg_peer_ep[n]="" _wg_peer_ka[n]=""
        ;;
      --allowed-ips | --endpoint | --keepalive)
        ((n >= 0)) || netns_fail "WireGuard option $1 before any --peer"
        case $1 in
          --allowed-ips) _wg_peer_ips[n]=$2 ;;
          --endpoint) _wg_peer_ep[n]=$2 ;;
          --keepalive) _wg_peer_ka[n]=$2 ;;
        esac
        ;;
      *) netns_fail "unknown WireGuard option $1" ;;
    esac
    shift 2
  done
}

# _wg_link_setup NS IFNAME: addresses, MTU and link up from the parsed options.
_wg_link_setup() {
  local ns=$1 ifname=$2 addr
  for addr in "${_wg_addrs[@]}"; do
    ip -n "$ns" addr add "$addr" dev "$ifname" || netns_fail "address $addr on $ns/$ifname"
  done
  if [[ -n $_wg_mtu ]]; then
    ip -n "$ns" link set dev "$ifname" mtu "$_wg_mtu" || netns_fail "mtu $_wg_mtu on $ns/$ifname"
  fi
  ip -n "$ns" link set dev "$ifname" up || netns_fail "link up $ns/$ifname"
}

# configure_wg NS IFNAME OPTIONS...: `wg set` the keys and peers, then ip addr / mtu / link up.
configure_wg() {
  local ns=$1 ifname=$2
  shift 2
  _wg_parse_opts "$@"
  local args=() i
  if [[ -n $_wg_priv ]]; then
    local keyfile="$NETNS_TMP/$ifname.key"
    (umask 077 && echo "$_wg_priv" >"$keyfile")
    args+=(private-key "$keyfile")
  fi
  [[ -z $_wg_port ]] || args+=(listen-port "$_wg_port")
  for i in "${!_wg_peer_key[@]}"; do
    args+=(peer "${_wg_peer_key[i]}")
    [[ -z ${_wg_peer_ips[i]} ]] || args+=(allowed-ips "${_wg_peer_ips[i]}")
    [[ -z ${_wg_peer_ep[i]} ]] || args+=(endpoint "${_wg_peer_ep[i]}")
    [[ -z ${_wg_peer_ka[i]} ]] || args+=(persistent-keepalive "${_wg_peer_ka[i]}")
  done
  ns_exec "$ns" wg set "$ifname" "${args[@]}" || netns_fail "wg set $ifname in $ns"
  _wg_link_setup "$ns" "$ifname"
}

# write_wg_config FILE OPTIONS...: a standard WireGuard config file (wg(8) format plus wg-quick's
# Address and MTU), the input of `weft tunnel --config`.
write_wg_config() {
  local file=$1 i addr
  shift
  _wg_parse_opts "$@"
  (
    umask 077
    {
      echo "[Interface]"
      [[ -z $_wg_priv ]] || echo "PrivateKey = $_wg_priv"
      [[ -z $_wg_port ]] || echo "ListenPort = $_wg_port"
      for addr in "${_wg_addrs[@]}"; do echo "Address = $addr"; done
      [[ -z $_wg_mtu ]] || echo "MTU = $_wg_mtu"
      for i in "${!_wg_peer_key[@]}"; do
        echo
        echo "[Peer]"
        echo "PublicKey = ${_wg_peer_key[i]}"
        [[ -z ${_wg_peer_ips[i]} ]] || echo "AllowedIPs = ${_wg_peer_ips[i]}"
        [[ -z ${_wg_peer_ep[i]} ]] || echo "Endpoint = ${_wg_peer_ep[i]}"
        [[ -z ${_wg_peer_ka[i]} ]] || echo "PersistentKeepalive = ${_wg_peer_ka[i]}"
      done
    } >"$file"
  )
}

# wg_pair_configs [--b-knows-a]: the standard two-peer tunnel between $NS_A and $NS_B. Sets
# if_a/if_b (interface names) and priv_a/pub_a/priv_b/pub_b (fresh keys), and writes
# $NETNS_TMP/a.conf (100.64.0.1, port 51820, endpoint of b 192.0.2.2:51821) and
# $NETNS_TMP/b.conf (100.64.0.2, port 51821; a's endpoint 192.0.2.1:51820 only with
# --b-knows-a, otherwise b learns it when a speaks first).
wg_pair_configs() {
  local b_endpoint=()
  [[ ${1:-} == --b-knows-a ]] && b_endpoint=(--endpoint 192.0.2.1:51820)
  if_a=$(wg_ifname a)
  if_b=$(wg_ifname b)
  read -r priv_a pub_a < <(wg_keypair)
  read -r priv_b pub_b < <(wg_keypair)
  write_wg_config "$NETNS_TMP/a.conf" --private-key "$priv_a" --listen-port 51820 \
    --address 100.64.0.1/24 --mtu 1420 \
    --peer "$pub_b" --allowed-ips 100.64.0.2/32 --endpoint 192.0.2.2:51821
  write_wg_config "$NETNS_TMP/b.conf" --private-key "$priv_b" --listen-port 51821 \
    --address 100.64.0.2/24 --mtu 1420 \
    --peer "$pub_a" --allowed-ips 100.64.0.1/32 "${b_endpoint[@]}"
}

# apply_wg_config NS IFNAME FILE: configure a running wireguard-go interface from a config file
# written by write_wg_config, as wg-quick would: `wg setconf` with the wg-quick-only keys
# stripped, then the Address and MTU lines applied with ip.
apply_wg_config() {
  local ns=$1 ifname=$2 file=$3
  local stripped="$NETNS_TMP/$ifname.setconf"
  awk 'tolower($0) ~ /^[ \t]*(address|mtu|dns|table|preup|postup|predown|postdown|saveconfig)[ \t]*=/ { next }
       { print }' "$file" >"$stripped"
  ns_exec "$ns" wg setconf "$ifname" "$stripped" || netns_fail "wg setconf $ifname from $file"
  _wg_addrs=()
  _wg_mtu=""
  local key value more
  while IFS='=' read -r key value; do
    key=$(tr -d ' \t' <<<"$key" | tr '[:upper:]' '[:lower:]')
    value=$(tr -d ' \t' <<<"$value")
    case $key in
      address) IFS=',' read -ra more <<<"$value" && _wg_addrs+=("${more[@]}") ;;
      mtu) _wg_mtu=$value ;;
    esac
  done <"$file"
  _wg_link_setup "$ns" "$ifname"
}

# wg_latest_handshake IFNAME: seconds since the epoch of the newest handshake (0: none yet).
wg_latest_handshake() {
  wg show "$1" latest-handshakes | awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }'
}

# wg_transfer IFNAME: "RX TX" bytes summed over peers.
wg_transfer() {
  wg show "$1" transfer | awk '{ rx += $2; tx += $3 } END { print rx + 0, tx + 0 }'
}

# --- cleanup ------------------------------------------------------------------------------

# netns_on_cleanup CMD...: run CMD (as one eval'd string) first during cleanup.
netns_on_cleanup() {
  _netns_cleanup_hooks+=("$*")
}

# netns_dump_log FILE: last lines of a process log, to explain a failure.
netns_dump_log() {
  [[ -s $1 ]] || return 0
  echo "e2e: --- last lines of $1 ---" >&2
  tail -n 20 "$1" >&2
}

# netns_cleanup: idempotent; safe to call by hand before exit.
netns_cleanup() {
  ((_netns_cleaned == 0)) || return 0
  _netns_cleaned=1
  local hook pid ns ifname
  for hook in "${_netns_cleanup_hooks[@]}"; do
    eval "$hook" || true
  done
  for pid in "${_netns_pids[@]}"; do
    stop_process "$pid"
  done
  # Anything else still inside our namespaces was started by this run too (via ns_exec).
  for ns in "${_netns_names[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  for ns in "${_netns_names[@]}"; do
    ip netns del "$ns" 2>/dev/null || echo "e2e: warning: could not delete namespace $ns" >&2
  done
  for ifname in "${_netns_ifaces[@]}"; do
    rm -f "$WG_UAPI_DIR/$ifname.sock"
  done
  if [[ -n ${WEFT_E2E_KEEP_TMP:-} ]]; then
    echo "e2e: kept $NETNS_TMP" >&2
  else
    rm -rf "$NETNS_TMP"
  fi
}

_netns_on_exit() {
  local rc=$?
  netns_cleanup
  exit "$rc"
}

_netns_on_signal() {
  echo "e2e: interrupted by SIG$1, cleaning up" >&2
  trap - INT TERM
  netns_cleanup
  if [[ $1 == INT ]]; then exit 130; else exit 143; fi
}

trap _netns_on_exit EXIT
trap '_netns_on_signal INT' INT
trap '_netns_on_signal TERM' TERM

# weft_drop_count LOG REASON: REASON's count in the newest "drops total=" line that `weft tunnel`
# wrote to LOG (docs/dataplane.md, "Drop counters"); 0 when the reason is not listed.
weft_drop_count() {
  grep 'drops total=' "$1" | tail -n 1 | tr ' ' '\n' | awk -F= -v r="$2" '$1 == r { n = $2 }
    END { print n + 0 }'
}

_weft_drop_lines() { grep -c 'drops total=' "$1" || true; }
_weft_more_drop_lines() { test "$(_weft_drop_lines "$1")" -gt "$2"; }

# weft_request_drops PID LOG: SIGUSR1 to a `weft tunnel`, then wait for the new drop line in LOG,
# so weft_drop_count reads a fresh snapshot.
weft_request_drops() {
  local before
  before=$(_weft_drop_lines "$2")
  kill -USR1 "$1"
  wait_for _weft_more_drop_lines "$2" "$before"
}

# netns_attacker: a third namespace c on its own link to a (203.0.113.0/24, documentation
# addresses: a is 203.0.113.1, c is 203.0.113.2), for floods; sets NS_C. After netns_pair.
netns_attacker() {
  netns_create c
  NS_C=$(ns_name c)
  netns_connect "$NS_A" veth2 203.0.113.1/24 "$NS_C" veth0 203.0.113.2/24
}
