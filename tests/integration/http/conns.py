#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# conns.py -- the per-address connection limit of relaybl-http
#
#	conns.py PORT LIMIT N
#
# Opens N (> LIMIT) idle connections from 127.0.0.1 at once. LIMIT of
# them must stay open and the others be closed by the server; while they
# are held a curl request from the same address must not get through;
# once they are closed, a curl request must succeed. Prints "ok WHAT" and
# "FAIL WHAT" lines. Finishes well within the server's idle timeout
# (which must be at least 2 s), so that timeouts do not blur the count.

import select
import socket
import subprocess
import sys
import time

PORT = int(sys.argv[1])
LIMIT = int(sys.argv[2])
N = int(sys.argv[3])
URL = "http://127.0.0.1:%d/healthz" % PORT


def curl():
    r = subprocess.run(["curl", "-s", "-m", "5", "-o", "/dev/null",
                        "-w", "%{http_code}", URL],
                       capture_output=True, text=True, check=False)
    return r.stdout, r.returncode


def state(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return "open"
    try:
        d = s.recv(100)
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    return "closed" if d == b"" else "data"


socks = []
for i in range(N):
    try:
        socks.append(socket.create_connection(("127.0.0.1", PORT),
                                              timeout=2))
    except OSError as e:
        print("     connection %d refused at connect: %s" % (i + 1, e))
time.sleep(0.5)
states = [state(s) for s in socks]
n_open = states.count("open")
n_closed = N - n_open
if n_open == LIMIT and states.count("data") == 0:
    print("ok %d idle connections: %d kept, %d closed by the server" %
          (N, n_open, n_closed))
else:
    print("FAIL %d idle connections with per_ip_connection_limit %d: "
          "%d open, %d closed, states %s" % (N, LIMIT, n_open, n_closed,
                                           states))
code, rc = curl()
if code != "200":
    print("ok curl while %d connections are held: refused (curl exit %d)" %
          (n_open, rc))
else:
    print("FAIL curl while %d connections are held: got 200" % n_open)
for s in socks:
    s.close()
time.sleep(0.2)
code, rc = curl()
if code == "200":
    print("ok curl after closing them: 200")
else:
    print("FAIL curl after closing them: %r (curl exit %d)" % (code, rc))
