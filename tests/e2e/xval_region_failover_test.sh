#!/usr/bin/env bash
# Cross-validation of weft sim (issue 12; docs/simulation.md "Cross-validation"): scenarios/xval/region-failover.hujson
# (scenario 8 in 42 s: a relay region drops off; the relayed peers re-home and are relayed
# through the other region, the direct pair stays direct; the region ids are compared too),
# rebuilt with network namespaces and real weft serve / derp / up processes (xval_lib.sh): the
# route class of every "reaches ... via" expectation observed there must equal the one
# `weft sim run --format json` observes. Needs WEFT_BIN (set by ctest) with weft-sim beside it,
# root, ip, iptables, jq, ping, python3. About 45 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/xval_lib.sh
source "$here/xval_lib.sh"

xval_run "$here/../../scenarios/xval/region-failover.hujson"
