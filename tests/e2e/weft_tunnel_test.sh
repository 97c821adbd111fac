#!/usr/bin/env bash
# `weft tunnel` against stock wireguard-go in two namespaces: handshake with a preshared key,
# IPv4 and IPv6 inside the tunnel, the UAPI (wg show / showconf / set on weft's socket), a
# listen-port change at runtime, config errors as FILE:LINE with exit 2, cleanup on SIGTERM
# (interface and UAPI socket gone), and exit when the interface or the UAPI socket is deleted.
# Needs WEFT_BIN (set by ctest) and root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/netns.sh
source "$here/netns.sh"

need_root
need_tool ip wg wireguard-go ping
bin=${WEFT_BIN:-$here/../../build/cli/weft}
[[ -x $bin ]] || netns_fail "no weft binary at '$bin' (set WEFT_BIN)"

# A broken file is refused before anything is created, with every error as FILE:LINE.
bad="$NETNS_TMP/bad.conf"
printf '[Interface]\nPrivateKey = nope\nListenPort = 99999\n[Peer]\nEndpoint = 192.0.2.9:1\n' >"$bad"
set +e
"$bin" tunnel --config "$bad" --interface "$(wg_ifname x)" 2>"$NETNS_TMP/bad.err"
status=$?
set -e
check "invalid config exits with status 2 (got $status)" test "$status" -eq 2
check "invalid key reported at its line" \
  grep -qF "$bad:2: invalid key \"PrivateKey\": not 32 bytes of base64" "$NETNS_TMP/bad.err"
check "invalid port reported at its line" grep -qF "$bad:3: " "$NETNS_TMP/bad.err"
check "peer without key reported at its header" \
  grep -qF "$bad:4: [Peer] section without PublicKey" "$NETNS_TMP/bad.err"

netns_pair
if_a=$(wg_ifname a)
if_b=$(wg_ifname b)
read -r priv_a pub_a < <(wg_keypair)
read -r priv_b pub_b < <(wg_keypair)
psk=$(wg genpsk)
write_wg_config "$NETNS_TMP/a.conf" --private-key "$priv_a" --listen-port 51820 \
  --address 100.64.0.1/24 --address fd7a:115c::1/64 --mtu 1420 \
  --peer "$pub_b" --allowed-ips 100.64.0.2/32,fd7a:115c::2/128 --endpoint 192.0.2.2:51820
write_wg_config "$NETNS_TMP/b.conf" --private-key "$priv_b" --listen-port 51820 \
  --address 100.64.0.2/24 --address fd7a:115c::2/64 --mtu 1420 \
  --peer "$pub_a" --allowed-ips 100.64.0.1/32,fd7a:115c::1/128 --endpoint 192.0.2.1:51820
# write_wg_config has no PresharedKey option; both sides get the same line after PublicKey.
for f in a b; do sed -i "/^PublicKey/a PresharedKey = $psk" "$NETNS_TMP/$f.conf"; done
# A wg-quick key (DNS = would run resolvconf against this namespace's, i.e. the host's,
# resolv.conf: tunnel_fulltunnel_test.sh covers DNS in a namespace of its own).
sed -i "/^MTU/a Table = auto" "$NETNS_TMP/a.conf"

start_peer weft "$NS_A" "$if_a" "$NETNS_TMP/a.conf" "$bin" || netns_fail "weft tunnel did not start"
pid_a=$LAST_PID
start_peer wireguard-go "$NS_B" "$if_b" "$NETNS_TMP/b.conf"
pid_b=$LAST_PID

check "wg-quick key Table = auto: the peer's route in the main table" \
  sh -c "ip -n '$NS_A' route show dev '$if_a' | grep -q '^100.64.0.0/24'"
check "interface has its addresses and MTU" sh -c \
  "ip -n '$NS_A' -o addr show dev '$if_a' | grep -q 'inet 100.64.0.1/24' &&
   ip -n '$NS_A' -o addr show dev '$if_a' | grep -q 'inet6 fd7a:115c::1/64' &&
   ip -n '$NS_A' -o link show dev '$if_a' | grep -q 'mtu 1420'"
check "wg show reads weft's public key over the UAPI" test "$(wg show "$if_a" public-key)" = "$pub_a"
check "IPv4 through the tunnel (weft initiates)" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "IPv4 back from wireguard-go" quietly ns_exec "$NS_B" ping -q -c 3 -i 0.2 -W 2 100.64.0.1
check "IPv6 through the tunnel" wait_for ns_exec "$NS_A" ping -6 -c 1 -W 1 fd7a:115c::2
check "weft reports a recent handshake" test "$(wg_latest_handshake "$if_a")" -gt $(($(date +%s) - 60))
read -r rx tx < <(wg_transfer "$if_a")
check "weft counts transfer (rx $rx, tx $tx)" test "$rx" -gt 0 -a "$tx" -gt 0
check "wg showconf prints the preshared key back" \
  sh -c "wg showconf '$if_a' | grep -qF 'PresharedKey = $psk'"

# wg set over the UAPI: extra allowed IP, then a new listen port; b follows by roaming.
check "wg set adds an allowed IP" ns_exec "$NS_A" wg set "$if_a" peer "$pub_b" \
  allowed-ips 100.64.0.2/32,fd7a:115c::2/128,198.51.100.77/32
check "wg show lists it" sh -c "wg show '$if_a' allowed-ips | grep -qF '198.51.100.77/32'"
check "wg set changes the listen port" ns_exec "$NS_A" wg set "$if_a" listen-port 51999
check "wg show reports the new port" test "$(wg show "$if_a" listen-port)" = 51999
check "traffic still flows from the new port" wait_for ns_exec "$NS_A" ping -c 1 -W 1 100.64.0.2
check "wireguard-go learned weft's new endpoint" \
  sh -c "wg show '$if_b' endpoints | grep -qF '192.0.2.1:51999'"
# wg(8) validates its own input, so speak the protocol directly for a request weft must refuse
# (from a client that half-closes its side after writing, which wg(8) never does).
uapi_raw() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode())
s.shutdown(socket.SHUT_WR)  # half-close: the answer must still come back
out = b""
while not out.endswith(b"\n\n"):
    chunk = s.recv(65536)
    if not chunk: break
    out += chunk
sys.stdout.write(out.decode())' "$WG_UAPI_DIR/$if_a.sock" "$1"
}
if command -v python3 >/dev/null 2>&1; then
  check "UAPI refuses an unknown key with errno=-22 (EINVAL, negated as wg(8) expects)" \
    test "$(uapi_raw $'set=1\nlisten_port=51999\nfrobnicate=1\n\n')" = "errno=-22"
  check "UAPI answers a half-closed get" sh -c "uapi_out=\$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b\"get=1\\n\\n\"); s.shutdown(socket.SHUT_WR)
sys.stdout.write(s.makefile().read())' '$WG_UAPI_DIR/$if_a.sock'); case \"\$uapi_out\" in *errno=0*) exit 0;; *) exit 1;; esac"
  # A port held by another socket: wg(8) must print the kernel's message for EADDRINUSE.
  ns_spawn "$NS_A" "$NETNS_TMP/holder.log" python3 -c 'import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 51831))
print("bound", flush=True); signal.pause()'
  holder=$LAST_PID
  check "port holder is up" wait_for grep -q bound "$NETNS_TMP/holder.log"
  check "wg set reports a port in use as 'Address already in use'" sh -c \
    "ip netns exec '$NS_A' wg set '$if_a' listen-port 51831 2>&1 | grep -q 'Address already in use'"
  check "the old port stays in use" test "$(wg show "$if_a" listen-port)" = 51999
  stop_process "$holder"
  check "wg show dump lists the interface and one peer" sh -c "test \"\$(wg show '$if_a' dump | wc -l)\" -eq 2"
fi

stop_process "$pid_a"
check "weft stops cleanly on SIGTERM (status $LAST_EXIT)" test "$LAST_EXIT" -eq 0
check "weft removed its UAPI socket" test ! -e "$WG_UAPI_DIR/$if_a.sock"
check "the interface is gone" bash -c "! ip -n '$NS_A' link show dev '$if_a' >/dev/null 2>&1"
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$NETNS_TMP/$if_a.log'"
stop_tunnel "$pid_b" "$if_b"

# xplatform: a userspace implementation must exit when its interface is deleted underneath it.
if_c=$(wg_ifname c)
sed "s/^ListenPort.*/ListenPort = 51830/" "$NETNS_TMP/a.conf" >"$NETNS_TMP/c.conf"
start_peer weft "$NS_A" "$if_c" "$NETNS_TMP/c.conf" "$bin" || netns_fail "second weft tunnel did not start"
pid_c=$LAST_PID
ip -n "$NS_A" link del "$if_c"
gone() { ! proc_alive "$1"; }
check "weft exits after its interface is deleted" wait_for gone "$pid_c"
stop_process "$pid_c"
check "... with status 1 (got $LAST_EXIT)" test "$LAST_EXIT" -eq 1
check "... and removes its UAPI socket" test ! -e "$WG_UAPI_DIR/$if_c.sock"

# ... and when its UAPI socket file is deleted (then cleanly, taking the interface with it).
if_d=$(wg_ifname d)
start_peer weft "$NS_A" "$if_d" "$NETNS_TMP/c.conf" "$bin" || netns_fail "third weft tunnel did not start"
pid_d=$LAST_PID
rm -f "$WG_UAPI_DIR/$if_d.sock"
check "weft exits after its UAPI socket is deleted" wait_for gone "$pid_d"
stop_process "$pid_d"
check "... with status 0 (got $LAST_EXIT)" test "$LAST_EXIT" -eq 0
check "... and its interface is gone" bash -c "! ip -n '$NS_A' link show dev '$if_d' >/dev/null 2>&1"

echo "e2e: weft tunnel <-> wireguard-go: all checks passed"
