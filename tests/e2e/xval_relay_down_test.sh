#!/usr/bin/env bash
# Cross-validation of weft sim (issue 12; docs/simulation.md "Cross-validation"): scenarios/xval/relay-down.hujson
# (the UDP-blocked relay path in 30 s: relay, none while the relay's link is cut, relay again),
# rebuilt with network namespaces and real weft serve / derp / up processes (xval_lib.sh): the
# route class of every "reaches ... via" expectation observed there must equal the one
# `weft sim run --format json` observes. Needs WEFT_BIN (set by ctest) with weft-sim beside it,
# root, ip, iptables, jq, ping, python3. About 33 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/xval_lib.sh
source "$here/xval_lib.sh"

xval_run "$here/../../scenarios/xval/relay-down.hujson"
