#!/usr/bin/env python3
"""The part of a scenario file (docs/scenarios.md) that xval_lib.sh rebuilds with real processes.

Reads a HuJSON scenario and prints a line-oriented plan for the shell (docs/simulation.md,
"Cross-validation"); refuses what the namespace runner cannot reproduce (exit 2, one message per
refusal), so a scenario never silently runs as something else. Times are printed in seconds.

  xval_plan.py SCENARIO POLICY_OUT    # writes the policy as JSON to POLICY_OUT
"""
import json
import os
import re
import sys

DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)")
UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
REACHES = re.compile(r"^\s*(\S+) reaches (\S+) at (?:t=)?(\S+) via (direct|relay|none)"
                     r"(?: within (\S+))?\s*$")
MAPPINGS = ("endpoint-independent", "address-dependent", "address-and-port-dependent")


def skip_comment(text, i):
    """The index after the comment starting at i, or i when none starts there."""
    if text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    return i


def hujson_to_json(text):
    """Standard JSON from HuJSON: comments dropped, trailing commas dropped, strings untouched."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif skip_comment(text, i) != i:
            i = skip_comment(text, i)
        elif c == ",":
            j = i + 1  # a comma before a closing bracket (across blanks and comments) goes
            while j < n and (text[j].isspace() or skip_comment(text, j) != j):
                j = j + 1 if text[j].isspace() else skip_comment(text, j)
            if j >= n or text[j] not in "]}":
                out.append(c)
            i += 1
        else:
            out.append(c)
            i += 1
    return json.loads("".join(out))


def seconds(text, what):
    text = str(text)
    if text.startswith("t="):
        text = text[2:]
    pos, total = 0, 0.0
    for m in DURATION.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        refuse(f"{what}: '{text}' is not a time")
    return "%g" % total


errors = []


def refuse(message):
    errors.append(message)


def nat_mode(nat, where):
    """easy (MASQUERADE), hard (MASQUERADE --random-fully) or firewall (no UDP through)."""
    if isinstance(nat, str):
        if nat not in ("easy", "hard", "firewall"):
            refuse(f"{where}: NAT preset '{nat}'")
        return nat
    if nat.get("block_udp"):
        return "firewall"
    mapping = nat.get("mapping", "endpoint-independent")
    filtering = nat.get("filtering", "address-and-port-dependent")
    if mapping not in MAPPINGS:
        refuse(f"{where}: mapping '{mapping}'")
    # Linux conntrack filters on the whole 5-tuple; other filtering has no iptables equivalent here.
    if filtering != "address-and-port-dependent":
        refuse(f"{where}: filtering '{filtering}' (only address-and-port-dependent, conntrack's)")
    if nat.get("hairpinning"):
        refuse(f"{where}: hairpinning")
    return "easy" if mapping == "endpoint-independent" else "hard"


def main():
    if len(sys.argv) != 3:
        print("usage: xval_plan.py SCENARIO POLICY_OUT", file=sys.stderr)
        return 2
    path, policy_out = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        spec = hujson_to_json(f.read())
    lines = []

    policy = spec["policy"]
    if isinstance(policy, str):
        with open(os.path.join(os.path.dirname(path), policy), encoding="utf-8") as f:
            policy = hujson_to_json(f.read())
    with open(policy_out, "w", encoding="utf-8") as f:
        json.dump(policy, f, indent=1)

    server = spec.get("server", {})
    for key in server:
        if key not in ("link", "embedded_relay"):
            refuse(f"server: '{key}'")
    regions = spec.get("regions", {})
    for index, (code, region) in enumerate(regions.items(), start=1):
        for key in region:
            if key not in ("id", "link"):
                refuse(f"region {code}: '{key}'")
        if code == server.get("embedded_relay"):
            lines.append(f"embedded {code} {region.get('id', index)}")
        else:
            lines.append(f"region {code} {region.get('id', index)}")
    if server.get("embedded_relay") and server["embedded_relay"] not in regions:
        refuse(f"server: embedded_relay '{server['embedded_relay']}' is no region")

    for name, net in spec.get("networks", {}).items():
        for key in net:
            if key not in ("nat", "link"):
                refuse(f"network {name}: '{key}'")
        lines.append(f"network {name} {nat_mode(net.get('nat', 'easy'), 'network ' + name)}")

    for name, node in spec["nodes"].items():
        for key in node:
            if key not in ("tag", "user", "network", "link"):
                refuse(f"node {name}: '{key}'")
        user = node.get("user", "alice@example.com")
        lines.append(f"node {name} {node.get('network', 'internet')} {node.get('tag', '-')} {user}")

    for rule in spec.get("firewall", []):
        a, b = rule["between"]
        lines.append(f"event 0 udp-block {a} {b}")
    for t in spec.get("traffic", []):
        if "end" in t:
            refuse(f"traffic {t['from']}->{t['to']}: 'end'")
        lines.append(f"traffic {seconds(t.get('start', '0s'), 'traffic start')} {t['from']} "
                     f"{t['to']} {seconds(t.get('every', '1s'), 'traffic every')}")
    for e in spec.get("timeline", []):
        at = seconds(e["at"], "timeline")
        kind = e["event"]
        if kind in ("server-down", "server-up"):
            lines.append(f"event {at} {kind}")
        elif kind in ("relay-down", "relay-up"):
            if e["region"] == server.get("embedded_relay"):
                refuse(f"{kind} of the embedded relay's region (it goes with server-down)")
            lines.append(f"event {at} {kind} {e['region']}")
        elif kind in ("udp-block", "udp-open"):
            a, b = e["between"]
            lines.append(f"event {at} {kind} {a} {b}")
        else:
            refuse(f"timeline event '{kind}' at {e['at']}")

    for text in spec.get("expect", []):
        m = REACHES.match(text)
        if not m:
            lines.append(f"skip {text}")
            continue
        within = seconds(m.group(5), "within") if m.group(5) else "2"
        lines.append(f"expect {seconds(m.group(3), 'expectation')} {m.group(1)} {m.group(2)} "
                     f"{m.group(4)} {within} {text.strip()}")

    if errors:
        for e in errors:
            print(f"xval_plan: {path}: not reproducible with namespaces: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
