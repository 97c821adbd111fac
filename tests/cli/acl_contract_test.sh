#!/usr/bin/env bash
# The command contract of `weft acl check` and `weft acl query`: exit codes, the three output
# formats, and bad input (deep nesting, oversized file, invalid UTF-8, binary garbage) getting a
# positioned error without a crash.
set -u
weft=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/cli/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_checks.sh"

example=$root/examples/policy.hujson
bad=$root/tests/policy/corpus/invalid/references.hujson
failing=$root/tests/policy/corpus/invalid/failing_tests.hujson

# --- exit codes and text format
expect_rc 0 "$weft" acl check "$example" && expect_out "1 file checked: 1 valid, 0 invalid"
expect_rc 1 "$weft" acl check "$example" "$bad" && expect_out "^$bad:[0-9]+:[0-9]+: error: "
expect_rc 2 "$weft" acl check "$tmp/missing.hujson" && expect_out "cannot open"
expect_rc 2 "$weft" acl check
expect_rc 2 "$weft" acl check --format yaml "$example"
expect_rc 2 "$weft" acl frobnicate

# --- all findings, not only the first
expect_rc 1 "$weft" acl check "$bad"
checks=$((checks + 1))
n=$(grep -cE "^$bad:[0-9]+:[0-9]+: error: " <<<"$out")
[[ $n -ge 3 ]] || fail "expected at least 3 findings in $bad, got $n"

# --- a failing test names the case and the accepting rule
expect_rc 1 "$weft" acl check "$failing"
expect_out "alice@example.com -> tag:prod:80.*accepted by acls\[0\] at $failing:[0-9]+:[0-9]+"

# --- github annotations
expect_rc 1 "$weft" acl check --format github "$bad"
expect_out "^::error file=[^,]*references.hujson,line=[0-9]+,col=[0-9]+::"

# --- json: one object with valid, errors, warnings, tests
expect_rc 1 "$weft" acl check --format json "$bad" "$failing"
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "json output malformed or incomplete"
import json, sys
o = json.loads(sys.argv[1])
assert o["valid"] is False
assert isinstance(o["warnings"], list)
assert len(o["errors"]) >= 3 and all({"file", "line", "column", "message"} <= e.keys() for e in o["errors"])
t = o["tests"]
assert t["failed"] >= 1 and t["passed"] >= 1
assert any(f.get("accepted_by", {}).get("rule") == "acls[0]" for f in t["failures"])
PY
expect_rc 0 "$weft" acl check --format json "$example"
expect_out '"valid":true'

# --- an I/O error: exit 2, and json/github say so on stdout (never "valid": true)
expect_rc 2 "$weft" acl check --format json "$example" "$tmp/missing.hujson"
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "json output for a missing file must be invalid and carry the I/O error"
import json, sys
o = json.loads(sys.argv[1])
assert o["valid"] is False
assert any(e["file"].endswith("missing.hujson") and "cannot open" in e["message"] for e in o["errors"])
files = {f["file"].rsplit("/", 1)[-1]: f for f in o["files"]}
assert files["missing.hujson"]["valid"] is False and "cannot open" in files["missing.hujson"]["io_error"]
assert files["policy.hujson"]["valid"] is True
PY
mkdir "$tmp/dir.hujson"
expect_rc 2 "$weft" acl check --format json "$tmp/dir.hujson" && expect_out '"valid":false'
expect_rc 2 "$weft" acl check --format github "$tmp/missing.hujson"
expect_out "^::error file=[^:]*missing.hujson::.*cannot open"

# --- acl query
expect_rc 0 "$weft" acl query "$example" --src alice@example.com --dst tag:prod:22
expect_out "^accept $example:[0-9]+ \(acls\[[0-9]+\]\)"
expect_rc 1 "$weft" acl query "$example" --src alice@example.com --dst tag:db:5432
expect_out "^deny$"
expect_rc 0 "$weft" acl query "$example" --src carol@example.com --dst 192.168.10.1:53 --proto udp
expect_out "\(grants\[0\]\)"
expect_rc 0 "$weft" acl query "$example" --src tag:prod --dst tag:db:5432 --proto 6
expect_rc 2 "$weft" acl query "$example" --src alice@example.com --dst tag:prod
expect_rc 2 "$weft" acl query "$example" --src tag:nope --dst tag:prod:22
expect_rc 2 "$weft" acl query "$example" --src alice@example.com --dst tag:prod:22 --proto nosuch
expect_rc 2 "$weft" acl query "$bad" --src alice@example.com --dst tag:prod:22

# --- bad input: each gets a positioned error, exit 1, no crash
python3 -c "import sys; sys.stdout.write('[' * 1000000)" >"$tmp/deep.hujson"
expect_rc 1 "$weft" acl check "$tmp/deep.hujson" && expect_out "deep.hujson:1:257: error: nesting deeper than"

head -c 100000000 /dev/zero | tr '\0' ' ' >"$tmp/huge.hujson"
expect_rc 1 "$weft" acl check "$tmp/huge.hujson" && expect_out "huge.hujson:1:1: error: .*limit"

printf '{\n  "groups": {"group:a": ["a\xc3\x28@example.com"]},\n}\n' >"$tmp/utf8.hujson"
expect_rc 1 "$weft" acl check "$tmp/utf8.hujson" && expect_out "utf8.hujson:2:[0-9]+: error: invalid UTF-8"

head -c 4096 /dev/urandom >"$tmp/garbage.hujson"
expect_rc 1 "$weft" acl check "$tmp/garbage.hujson" && expect_out "garbage.hujson:[0-9]+:[0-9]+: error: "

printf '{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}], "tests": 7}' >"$tmp/types.hujson"
expect_rc 1 "$weft" acl check "$tmp/types.hujson" && expect_out "types.hujson:1:[0-9]+: error: .*array"

: >"$tmp/empty.hujson"
expect_rc 1 "$weft" acl check "$tmp/empty.hujson" && expect_out "empty.hujson:1:1: error: "

echo "acl contract: $checks checks, $failures failed"
[[ $failures -eq 0 ]]
