#!/usr/bin/env python3
"""One TCP bulk transfer with a checksum, for tests/e2e/offload_test.sh.

  tcp_bulk.py recv ADDR PORT OUT   accept one connection, write "BYTES SHA256" to OUT at EOF
  tcp_bulk.py send ADDR PORT FILE  connect and send FILE (sendfile), then close
Exits 2 on a usage error, 1 on a socket error or a timeout (30 s without progress).
"""
import hashlib
import socket
import sys


def main(argv):
    if len(argv) != 5 or argv[1] not in ("recv", "send"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, addr, port, path = argv[1], argv[2], int(argv[3]), argv[4]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        if mode == "recv":
            with socket.socket(family, socket.SOCK_STREAM) as srv:
                srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                srv.bind((addr, port))
                srv.listen(1)
                srv.settimeout(30)
                conn, _ = srv.accept()
                with conn:
                    conn.settimeout(30)
                    digest, total = hashlib.sha256(), 0
                    while True:
                        chunk = conn.recv(1 << 20)
                        if not chunk:
                            break
                        digest.update(chunk)
                        total += len(chunk)
            with open(path, "w", encoding="ascii") as out:
                out.write(f"{total} {digest.hexdigest()}\n")
        else:
            with socket.create_connection((addr, port), timeout=30) as conn, open(path, "rb") as f:
                conn.sendfile(f)
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)  # the receiver's close: everything was read
    except OSError as e:
        print(f"tcp_bulk.py {mode}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
