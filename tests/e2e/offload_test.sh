#!/usr/bin/env bash
# The offload path of `weft tunnel` <-> `weft tunnel` (docs/dataplane.md, "Offload path"): with
# `--offloads on` (the default) a TCP bulk transfer over IPv4 and IPv6 arrives intact (SHA-256),
# the sender split TCP super-packets from its TUN (TSO), the receiver wrote coalesced groups to
# its TUN (GRO), nothing was dropped as malformed; with `--offloads off` the same transfer
# arrives intact through plain packets and no super-packet is seen.
# WEFT_TUNNEL_ARGS is added to both tunnels (e.g. --threads=1). Needs WEFT_BIN and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg python3 ss sha256sum
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"
bulk=$here/tools/tcp_bulk.py
extra_args=${WEFT_TUNNEL_ARGS:-}

netns_pair
if_a=$(wg_ifname a)
if_b=$(wg_ifname b)
read -r priv_a pub_a < <(wg_keypair)
read -r priv_b pub_b < <(wg_keypair)
write_wg_config "$NETNS_TMP/a.conf" --private-key "$priv_a" --listen-port 51820 \
  --address 100.64.0.1/24 --address fd7a:115c::1/64 --mtu 1420 \
  --peer "$pub_b" --allowed-ips 100.64.0.2/32,fd7a:115c::2/128 --endpoint 192.0.2.2:51821
write_wg_config "$NETNS_TMP/b.conf" --private-key "$priv_b" --listen-port 51821 \
  --address 100.64.0.2/24 --address fd7a:115c::2/64 --mtu 1420 \
  --peer "$pub_a" --allowed-ips 100.64.0.1/32,fd7a:115c::1/128 --endpoint 192.0.2.1:51820

payload=$NETNS_TMP/payload
head -c $((48 << 20)) /dev/urandom >"$payload"
read -r want_sum _ < <(sha256sum "$payload")
want_bytes=$(stat -c %s "$payload")

# counter LOG NAME: the number after NAME on weft tunnel's exit line "offloads: ...".
counter() {
  grep -oE "^weft tunnel: offloads: .*" "$1" | grep -oE "$2 [0-9]+" | head -n 1 | awk '{print $NF}'
}

# transfer ADDR PORT: the payload from a to b over TCP; checks bytes and SHA-256.
transfer() {
  local addr=$1 port=$2 out bytes sum
  out=$NETNS_TMP/recv.$port
  rm -f "$out"
  ns_spawn "$NS_B" "$NETNS_TMP/recv.$port.log" python3 "$bulk" recv "$addr" "$port" "$out"
  local recv_pid=$LAST_PID
  check "receiver listens on $addr port $port" wait_for \
    sh -c "ip netns exec '$NS_B' ss -Hltn 'sport = :$port' | grep -q LISTEN"
  local t0=$SECONDS
  check "sender sends $want_bytes bytes to $addr" \
    ip netns exec "$NS_A" timeout 40 python3 "$bulk" send "$addr" "$port" "$payload"
  wait_for test -s "$out" || true
  stop_process "$recv_pid"
  read -r bytes sum <"$out" || true
  check "$addr received $bytes bytes of $want_bytes in $((SECONDS - t0)) s" test "${bytes:-0}" = "$want_bytes"
  check "... with the sender's SHA-256" test "${sum:-}" = "$want_sum"
}

for mode in on off; do
  echo "# --offloads $mode"
  # shellcheck disable=SC2034  # read by start_weft_tunnel
  WEFT_TUNNEL_ARGS="--offloads $mode $extra_args"
  start_peer weft "$NS_B" "$if_b" "$NETNS_TMP/b.conf" "$bin" || netns_fail "weft b did not start"
  pid_b=$LAST_PID
  start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft a did not start"
  pid_a=$LAST_PID
  log_a=$NETNS_TMP/$if_a.log
  log_b=$NETNS_TMP/$if_b.log
  check "tunnel up" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
  if [[ $mode == on ]]; then
    check "a logs its offloads on (TUN vnet-hdr, UDP GSO and GRO)" \
      grep -qF "offloads on: tun vnet-hdr on, udp gso on, gro on" "$log_a"
  else
    check "a logs its offloads off" \
      grep -qF "offloads off: tun vnet-hdr off, udp gso off, gro off" "$log_a"
  fi
  transfer 100.64.0.2 5201
  check "IPv6 through the tunnel" wait_for ns_exec "$NS_A" ping -6 -c 1 -W 1 fd7a:115c::2
  transfer fd7a:115c::2 5202
  stop_tunnel "$pid_a" "$if_a"
  check "a stops cleanly (status $LAST_EXIT)" test "$LAST_EXIT" -eq 0
  stop_tunnel "$pid_b" "$if_b"
  check "b stops cleanly (status $LAST_EXIT)" test "$LAST_EXIT" -eq 0
  grep -E "^weft tunnel: (udp in|offloads:)" "$log_a" "$log_b" | sed 's/^/# /'
  split=$(counter "$log_a" "super-packets")
  gro=$(counter "$log_b" "gro writes")
  dropped=$(( $(counter "$log_a" "offload dropped") + $(counter "$log_b" "offload dropped") ))
  if [[ $mode == on ]]; then
    check "the sender split TCP super-packets from its TUN ($split)" test "${split:-0}" -gt 0
    check "the receiver wrote coalesced groups to its TUN ($gro)" test "${gro:-0}" -gt 0
    check "no malformed super-packet dropped ($dropped)" test "$dropped" -eq 0
  else
    check "no super-packet without offloads ($split split, $gro coalesced)" \
      test "${split:-x}" -eq 0 -a "${gro:-x}" -eq 0
  fi
done
echo "e2e: offloads on and off: all checks passed"
