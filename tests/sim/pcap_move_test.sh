#!/usr/bin/env bash
# weft-sim --pcap captures a node's link after it roams (issue 12): scenarios/roaming.hujson moves
# a to another network at 60 s, which gives a a new link (a new device); the pcap file of that
# device must exist and hold a's packets from the move on, and the old device's file none after it.
set -euo pipefail
sim=${1:?usage: pcap_move_test.sh PATH_TO_weft-sim SCENARIOS_DIR}
scenarios=${2:?usage: pcap_move_test.sh PATH_TO_weft-sim SCENARIOS_DIR}
command -v python3 >/dev/null || { echo "FAIL: python3 is missing (scripts/setup installs it)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$sim" "$scenarios/roaming.hujson" --pcap "$dir" --progress never >"$dir/out.txt" ||
  { cat "$dir/out.txt"; echo "FAIL: the roaming scenario failed"; exit 1; }
python3 - "$dir" <<'PY'
import glob, os, re, struct, sys
d = sys.argv[1]
files = sorted(glob.glob(os.path.join(d, "roaming-a-*.pcap")),
               key=lambda f: int(re.search(r"-(\d+)\.pcap$", f).group(1)))
def times(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        sys.exit("FAIL %s: not a little-endian pcap file" % path)
    scale = 1e-6 if magic == 0xa1b2c3d4 else 1e-9
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        out.append(sec + frac * scale)
        off += 16 + incl
    return out
if len(files) < 2:
    sys.exit("FAIL: node a has %d pcap file(s), want the first link's and the new one's: %s"
             % (len(files), [os.path.basename(f) for f in files]))
old, new = times(files[0]), times(files[-1])
after_old = [t for t in old if t > 60.001]
after_new = [t for t in new if t >= 60]
print("first link %s: %d packets, %d after the move" % (os.path.basename(files[0]), len(old), len(after_old)))
print("new link %s: %d packets, first at %.3f s" % (os.path.basename(files[-1]), len(new), min(new) if new else -1))
if len(after_new) < 100:
    sys.exit("FAIL: the new link's file holds %d packets after the move (traffic every 100 ms)" % len(after_new))
if not old or after_old:
    sys.exit("FAIL: the first link's file should hold packets before the move and none after it")
print("PASS the roamed node's new link is captured")
PY
