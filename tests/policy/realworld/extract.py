#!/usr/bin/env python3
# Extracts Tailscale's recorded policy-API answers from headscale's compatibility data into one
# JSON-lines file (see README.md). Usage: extract.py TESTDATA_DIR > cases.jsonl
import glob, json, os, re, sys

def standardize(t):
    """HuJSON -> JSON: drops comments and trailing commas (strings kept intact)."""
    out = []; i = 0; n = len(t)
    while i < n:
        c = t[i]
        if c == '"':
            j = i + 1
            while t[j] != '"':
                j += 2 if t[j] == '\\' else 1
            out.append(t[i:j + 1]); i = j + 1
        elif t.startswith('//', i):
            j = t.find('\n', i); i = n if j < 0 else j
        elif t.startswith('/*', i):
            i = t.find('*/', i) + 2
        else:
            out.append(c); i += 1
    return re.sub(r',(\s*[}\]])', r'\1', ''.join(out))

def tailnet_of(record, policy):
    """The capture's topology as a weft tailnet file (docs/policy.md, "The tailnet file")."""
    topo = record.get('topology') or {}
    email_of = {u['name']: u['email'] for u in topo.get('users', []) if u.get('email')}
    owner = record.get('tailnet')
    users = [{'email': e, **({'role': 'owner'} if e == owner else {})} for e in email_of.values()]
    devices = []
    for name, n in sorted((topo.get('nodes') or {}).items()):
        d = {'name': name, 'user': None if n.get('tags') else email_of.get(n.get('user')),
             'tags': n.get('tags') or [], 'addresses': [a for a in (n.get('ipv4'), n.get('ipv6')) if a]}
        devices.append(d)
    domains = sorted({owner.split('@', 1)[1]}) if owner and '@' in owner else None
    # Devices matter only to tests (which device holds an address a test names): keep them
    # only where the policy has tests, to keep the extract small.
    t = {'users': users}
    if re.search(r'"(?i:tests|sshTests)"\s*:', policy): t['devices'] = devices
    if domains: t['domains'] = domains
    return t

def main(testdata):
    for path in sorted(glob.glob(os.path.join(testdata, '*', '*.hujson'))):
        with open(path, encoding='utf-8') as f:
            record = json.loads(standardize(f.read()))
        inp = record['input']
        policy = inp['full_policy']
        if not isinstance(policy, str):
            policy = json.dumps(policy, ensure_ascii=False, separators=(',', ':'))
        body = inp.get('api_response_body') or {}
        out = {'id': record['test_id'], 'file': os.path.relpath(path, testdata),
               'category': record['category'], 'status': inp['api_response_code'],
               'message': body.get('message'), 'policy': policy, 'tailnet': tailnet_of(record, policy)}
        print(json.dumps(out, ensure_ascii=False, separators=(',', ':')))

main(sys.argv[1])
