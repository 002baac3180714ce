#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# slow.py -- clients that hold a connection to relaybl-http without
# finishing a request, against a server with connection_timeout TIMEOUT
#
#	slow.py PORT TIMEOUT
#
# Prints "ok WHAT" and "FAIL WHAT" lines (run.sh counts them):
# - an idle connection (nothing sent) is closed within TIMEOUT + 1 s;
# - a partial request, then silence, likewise;
# - a partial request dripped one byte a second (a slowloris) is closed
#   within BOUND = 2 * TIMEOUT + 2 s; we give up at BOUND + 2 s;
# - while the drip runs, a normal request from curl succeeds at once.
# Every wait is bounded; nothing here runs for more than about 16 s.

import socket
import subprocess
import sys
import time

PORT = int(sys.argv[1])
TIMEOUT = float(sys.argv[2])
BOUND = 2 * TIMEOUT + 2
GIVE_UP = BOUND + 2
REQ = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
       b"a" * 4000 + b"\r\n\r\n")


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_peer(s, wait):
    """Wait up to wait seconds: True when the peer closed (EOF or RST)."""
    s.settimeout(wait)
    try:
        return s.recv(4096) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def silent(what, first):
    s = connect()
    t0 = time.monotonic()
    if first:
        s.sendall(first)
    if closed_by_peer(s, TIMEOUT + 1):
        print("ok %s: closed after %.1f s (connection_timeout %g s)" %
              (what, time.monotonic() - t0, TIMEOUT))
    else:
        print("FAIL %s: still open after %.1f s (connection_timeout %g s)"
              % (what, time.monotonic() - t0, TIMEOUT))
    s.close()


def curl_ok():
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-s", "-m", "5", "-o", "/dev/null",
                        "-w", "%{http_code}",
                        "http://127.0.0.1:%d/healthz" % PORT],
                       capture_output=True, text=True, check=False)
    return r.stdout, time.monotonic() - t0


def drip():
    s = connect()
    t0 = time.monotonic()
    sent = 0
    checked = False
    while True:
        el = time.monotonic() - t0
        if el > GIVE_UP:
            print("FAIL slowloris (a byte a second): still connected after "
                  "%.1f s and %d bytes; expected a close within %g s "
                  "(connection_timeout %g s)" % (el, sent, BOUND, TIMEOUT))
            break
        try:
            s.send(REQ[sent:sent + 1])
            sent += 1
        except (ConnectionResetError, BrokenPipeError):
            print("ok slowloris: closed after %.1f s and %d bytes" %
                  (el, sent))
            break
        if sent == 2 and not checked:
            checked = True
            code, took = curl_ok()
            if code == "200":
                print("ok curl /healthz during the slowloris: 200 in "
                      "%.2f s" % took)
            else:
                print("FAIL curl /healthz during the slowloris: got %r "
                      "after %.2f s" % (code, took))
        if closed_by_peer(s, 1.0):
            el = time.monotonic() - t0
            if el <= BOUND:
                print("ok slowloris (a byte a second): closed after %.1f s "
                      "and %d bytes (bound %g s)" % (el, sent, BOUND))
            else:
                print("FAIL slowloris (a byte a second): closed only after "
                      "%.1f s (bound %g s)" % (el, BOUND))
            break
    s.close()


silent("idle connection", None)
silent("partial request, then silence", b"GET /healthz HTTP/1.1\r\nHo")
drip()
