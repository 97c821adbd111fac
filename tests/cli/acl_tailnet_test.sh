#!/usr/bin/env bash
# `weft acl check --tailnet FILE` (docs/policy.md, "What offline checking cannot know"): tests
# the policy file alone cannot decide are warnings offline and decided against a tailnet file,
# whose facts the messages name; a malformed tailnet file gets positioned errors and exit 2.
set -u
weft=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/cli/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_checks.sh"

policy=$tmp/policy.hujson
cat >"$policy" <<'P'
{
  "tagOwners": {"tag:web": [], "tag:ci": []},
  "acls": [
    {"action": "accept", "src": ["autogroup:admin"], "dst": ["tag:web:22"]},
    {"action": "accept", "src": ["tag:ci"], "dst": ["tag:web:8080"]},
  ],
  "tests": [
    {"src": "alice@example.com", "accept": ["tag:web:22"]},
    {"src": "bob@example.com", "deny": ["tag:web:22"]},
    {"src": "100.64.0.7", "accept": ["tag:web:8080"]},
  ],
}
P
tailnet=$tmp/tailnet.hujson
cat >"$tailnet" <<'T'
{
  "users": [
    {"email": "alice@example.com", "role": "admin"},
    {"email": "bob@example.com", "role": "member"},
  ],
  "devices": [
    {"name": "runner", "user": null, "tags": ["tag:ci"], "addresses": ["100.64.0.7"]},
  ],
}
T

# --- offline: warnings, exit 0
expect_rc 0 "$weft" acl check "$policy"
expect_out "^$policy:8:[0-9]+: warning: test not decidable offline: alice@example.com -> tag:web:22 \(tcp\): the file does not say what roles alice@example.com has"
expect_out "^$policy:9:[0-9]+: warning: test not decidable offline: bob@example.com -> tag:web:22"
expect_out "^$policy:10:[0-9]+: warning: test not decidable offline: 100.64.0.7 -> tag:web:8080 .*100.64.0.7 is a device tagged tag:ci"
expect_out "1 valid, 0 invalid; 0 errors, 3 warnings; tests: 0 passed, 0 failed, 3 not decidable offline"

# --- against the tailnet: decided, all pass
expect_rc 0 "$weft" acl check --tailnet "$tailnet" "$policy"
expect_no "not decidable"
expect_out "tests: 3 passed, 0 failed$"

# --- a tailnet where bob is an admin: his deny fails, and the message says which fact decided
sed 's/"role": "member"/"role": "admin"/' "$tailnet" >"$tmp/bob-admin.hujson"
expect_rc 1 "$weft" acl check --tailnet "$tmp/bob-admin.hujson" "$policy"
expect_out "^$policy:9:[0-9]+: error: test failed: bob@example.com -> tag:web:22 \(tcp\): expected deny, but accepted by acls\[0\] at $policy:4:5 \(decided by: bob@example.com is admin in $tmp/bob-admin.hujson\)"
expect_rc 1 "$weft" acl check --format json --tailnet "$tmp/bob-admin.hujson" "$policy"
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "json: failures must carry decided_by"
import json, sys
o = json.loads(sys.argv[1])
assert o["valid"] is False and o["tests"]["failed"] == 1 and o["tests"]["not_decidable"] == 0
f = o["tests"]["failures"][0]
assert len(f["decided_by"]) == 1
assert f["decided_by"][0].startswith("bob@example.com is admin in ") and f["decided_by"][0].endswith("/bob-admin.hujson")
PY

# --- json and github offline: warnings marked, counted, valid
expect_rc 0 "$weft" acl check --format json "$policy"
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "json: not decidable tests are warnings and counted"
import json, sys
o = json.loads(sys.argv[1])
assert o["valid"] is True and o["tests"]["not_decidable"] == 3 and o["tests"]["failed"] == 0
w = [x for x in o["warnings"] if x.get("not_decidable_offline")]
assert len(w) == 3 and all(x["message"].startswith("test not decidable offline: ") for x in w)
PY
expect_rc 0 "$weft" acl check --format github "$policy"
expect_out "^::warning file=[^,]*policy.hujson,line=8,col=[0-9]+::test not decidable offline"

# --- the tailnet's domains: a user:*@DOMAIN outside them is refused, as Tailscale refuses it
cat >"$tmp/domains.hujson" <<'P'
{
  "tagOwners": {"tag:web": []},
  "grants": [{"src": ["user:*@example.org"], "dst": ["tag:web"], "ip": ["tcp:443"]}],
}
P
printf '{"users": [], "domains": ["example.com"]}\n' >"$tmp/domains-tailnet.hujson"
expect_rc 0 "$weft" acl check "$tmp/domains.hujson"
expect_rc 1 "$weft" acl check --tailnet "$tmp/domains-tailnet.hujson" "$tmp/domains.hujson"
expect_out "^$tmp/domains.hujson:3:23: error: \"example.org\" is not one of the tailnet's domains in $tmp/domains-tailnet.hujson"

# --- a group synced from the identity provider: offline it matches nobody (a warning); the
# tailnet file's "groups" say who is in it, so a group listed with members draws no warning
cat >"$tmp/synced.hujson" <<'P'
{
  "tagOwners": {"tag:web": []},
  "acls": [{"action": "accept", "src": ["group:sec@example.com"], "dst": ["tag:web:22"]}],
}
P
synced_warning='"group:sec@example.com" is a group synced from the identity provider'
expect_rc 0 "$weft" acl check "$tmp/synced.hujson"
expect_out "^$tmp/synced.hujson:3:41: warning: $synced_warning: it matches nobody offline"
printf '{"users": [{"email": "bob@example.com"}],\n "groups": {"group:sec@example.com": ["bob@example.com"]}}\n' \
  >"$tmp/synced-tailnet.hujson"
expect_rc 0 "$weft" acl check --tailnet "$tmp/synced-tailnet.hujson" "$tmp/synced.hujson"
expect_no "synced from the identity provider"
expect_out "0 errors, 0 warnings"
printf '{"users": [{"email": "bob@example.com"}]}\n' >"$tmp/no-groups-tailnet.hujson"
expect_rc 0 "$weft" acl check --tailnet "$tmp/no-groups-tailnet.hujson" "$tmp/synced.hujson"
expect_out "^$tmp/synced.hujson:3:41: warning: $synced_warning with no members in $tmp/no-groups-tailnet.hujson: it matches nobody"

# --- a malformed tailnet file: positioned errors, exit 2, no policy checked
cat >"$tmp/bad-tailnet.hujson" <<'T'
{
  "users": [{"email": "alice@example.com", "role": "wizard"}],
  "devices": [{"name": "x", "user": "zed@example.com", "addresses": ["100.64.0.1"]}],
}
T
expect_rc 2 "$weft" acl check --tailnet "$tmp/bad-tailnet.hujson" "$policy"
expect_out "^$tmp/bad-tailnet.hujson:2:52: error: unknown role \"wizard\""
expect_out "^$tmp/bad-tailnet.hujson:3:15: error: device \"x\" belongs to \"zed@example.com\", who is not in \"users\""
expect_out "the tailnet file is invalid; no policy was checked"
expect_no "$policy"
expect_rc 2 "$weft" acl check --format json --tailnet "$tmp/bad-tailnet.hujson" "$policy"
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "json: a bad tailnet file is invalid with its errors"
import json, sys
o = json.loads(sys.argv[1])
assert o["valid"] is False
assert {(e["line"], e["column"]) for e in o["errors"]} == {(2, 52), (3, 15)}
assert all(e["file"].endswith("bad-tailnet.hujson") for e in o["errors"])
PY
expect_rc 2 "$weft" acl check --format github --tailnet "$tmp/bad-tailnet.hujson" "$policy"
expect_out "^::error file=[^,]*bad-tailnet.hujson,line=2,col=52::unknown role"
printf '{"users": [,\n' >"$tmp/syntax.hujson"
expect_rc 2 "$weft" acl check --tailnet "$tmp/syntax.hujson" "$policy"
expect_out "^$tmp/syntax.hujson:1:[0-9]+: error: "
expect_rc 2 "$weft" acl check --tailnet "$tmp/missing.hujson" "$policy"
expect_out "missing.hujson: cannot open"

echo "acl tailnet: $checks checks, $failures failed"
[[ $failures -eq 0 ]]
