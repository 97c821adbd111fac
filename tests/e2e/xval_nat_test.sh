#!/usr/bin/env bash
# Cross-validation of weft sim (issue 12; docs/simulation.md "Cross-validation"): scenarios/nat-traversal.hujson
# (scenario 7: endpoint-independent NATs -> direct, per-destination NATs -> relay, a UDP-
# blocking firewall -> relay, two nodes behind one NAT -> direct), the library's own file,
# rebuilt with network namespaces and real weft serve / derp / up processes (xval_lib.sh): the
# route class of every "reaches ... via" expectation observed there must equal the one
# `weft sim run --format json` observes. Needs WEFT_BIN (set by ctest) with weft-sim beside it,
# root, ip, iptables, jq, ping, python3. About 25 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/xval_lib.sh
source "$here/xval_lib.sh"

xval_run "$here/../../scenarios/nat-traversal.hujson"
