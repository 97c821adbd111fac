#!/usr/bin/env python3
"""UAPI clients for uapi_pressure_test.sh: idle holders, pipelining and sequential load, raw
requests, against a WireGuard UAPI socket (wireguard.com/xplatform). Bounded in time; prints
one result line per mode.

  hold SOCK N SECONDS          connect N clients that send nothing; print "connected N", then
                               wait until the server closed them all (or SECONDS passed) and
                               print "closed K of N after T s"
  pipeline SOCK CLIENTS REQS   CLIENTS connections at once, each writing REQS get requests in
                               one go, then reading; print "answered A of T in S s"
  sequential SOCK WORKERS REQS WORKERS threads at once, each making REQS connections in a row
                               with one get each (as a loop of `wg show` does); same output
  raw SOCK TEXT                write TEXT (Python escapes such as \\n allowed), read until the
                               server closes or 10 s pass; print what came back, escaped
"""
import selectors
import socket
import sys
import threading
import time

TIMEOUT = 30.0
GET = b"get=1\n\n"


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Blocking, as wg(8) connects: a full listen backlog makes connect() wait. (With a timeout
    # set, Python's connect() on a unix socket fails at once with EAGAIN instead.)
    s.connect(path)
    s.settimeout(TIMEOUT)
    return s


def count_answers(data):
    # Every answer ends with its errno line and a blank line.
    return data.count(b"\n\n")


def hold(path, n, seconds):
    clients = [connect(path) for _ in range(n)]
    print(f"connected {n}", flush=True)
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    for c in clients:
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
    closed = 0
    while closed < n and time.monotonic() - start < seconds:
        for key, _ in sel.select(timeout=0.5):
            try:
                data = key.fileobj.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                closed += 1
    print(f"closed {closed} of {n} after {time.monotonic() - start:.1f} s", flush=True)


def pipeline(path, clients, reqs):
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    got = {}
    for _ in range(clients):
        try:
            c = connect(path)
            c.sendall(GET * reqs)
        except OSError:
            continue
        c.setblocking(False)
        got[c] = b""
        sel.register(c, selectors.EVENT_READ)
    open_clients = len(got)
    while open_clients and time.monotonic() - start < TIMEOUT:
        for key, _ in sel.select(timeout=0.5):
            c = key.fileobj
            try:
                data = c.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            got[c] += data
            if not data or count_answers(got[c]) >= reqs:
                sel.unregister(c)
                open_clients -= 1
    answered = sum(min(count_answers(d), reqs) for d in got.values())
    print(f"answered {answered} of {clients * reqs} in {time.monotonic() - start:.2f} s")


def sequential(path, workers, reqs):
    start = time.monotonic()
    answered = [0] * workers

    def work(i):
        for _ in range(reqs):
            try:
                with connect(path) as c:
                    c.sendall(GET)
                    data = b""
                    while count_answers(data) < 1:
                        chunk = c.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if count_answers(data) >= 1:
                        answered[i] += 1
            except OSError:
                pass

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"answered {sum(answered)} of {workers * reqs} in {time.monotonic() - start:.2f} s")


def raw(path, text):
    c = connect(path)
    c.settimeout(10)
    c.sendall(text.encode().decode("unicode_escape").encode("latin-1"))
    out = b""
    try:
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    print(out.decode("latin-1").encode("unicode_escape").decode())


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "hold":
        hold(path, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "pipeline":
        pipeline(path, int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "sequential":
        sequential(path, int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "raw":
        raw(path, sys.argv[3])
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
