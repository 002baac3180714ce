#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# malformed.py ADDR PORT ZONE -- send relaybl-dns what a query should not
# be, over UDP and TCP, and check what comes back
#
# Every check prints "ok WHAT" or "FAIL WHAT" (lib.sh's expect_checks
# counts them). A packet the server cannot answer (shorter than a
# header, or a response) must get nothing; one whose header can be
# answered gets FORMERR (NOTIMP for an opcode other than QUERY) with
# the ID, the opcode and RD echoed, QR set and AA clear. To tell "no
# answer" from "slow answer" without sleeping, each UDP exchange ends
# with a good query (the sentinel): the server answers one socket's
# packets in order, so when the sentinel's answer arrives every earlier
# packet has been dealt with. Then 10,000 random packets and 5,000
# mutated queries: whatever is answered must be a well-formed response
# to a query we sent, and never SERVFAIL. Standard library only.

import random
import socket
import struct
import sys
import time

ADDR, PORT, ZONE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
FAM = socket.AF_INET6 if ":" in ADDR else socket.AF_INET
RNG = random.Random(5782)

NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
T_A, T_TXT, T_OPT = 1, 16, 41


def say(good, what):
    print(("ok " if good else "FAIL ") + what, flush=True)
    return good


def name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def opt(udp=1232, version=0, rdata=b""):
    return (b"\0" + struct.pack("!HHBBHH", T_OPT, udp, 0, version, 0,
                                len(rdata)) + rdata)


def query(qid, qname, qtype=T_A, flags=0x0100, ar=b"", arcount=None):
    if arcount is None:
        arcount = 1 if ar else 0
    return (header(qid, flags, ar=arcount) + name(qname) +
            struct.pack("!HH", qtype, 1) + ar)


class Msg:
    """A response, parsed; .ok is False when it is not well-formed."""

    def __init__(self, data):
        self.data = data
        self.ok = False
        self.why = ""
        if len(data) < 12:
            self.why = "shorter than a header"
            return
        (self.id, self.flags, self.qd, self.an, self.ns,
         self.ar) = struct.unpack("!6H", data[:12])
        self.qr = self.flags >> 15
        self.opcode = (self.flags >> 11) & 15
        self.aa = (self.flags >> 10) & 1
        self.tc = (self.flags >> 9) & 1
        self.rd = (self.flags >> 8) & 1
        self.ra = (self.flags >> 7) & 1
        self.rcode = self.flags & 15
        self.opts = 0
        try:
            o = 12
            for _ in range(self.qd):
                o = self.skip_name(o) + 4
            for _ in range(self.an + self.ns + self.ar):
                start = o
                o = self.skip_name(o)
                rtype, _, _, rdlen = struct.unpack("!HHIH",
                                                   data[o:o + 10])
                if rtype == T_OPT:
                    self.opts += 1
                    self.rcode |= data[o + 4] << 4
                    if data[start] != 0:
                        raise ValueError("OPT not owned by the root")
                o += 10 + rdlen
                if o > len(data):
                    raise ValueError("record runs past the end")
            if o != len(data):
                raise ValueError("%d bytes after the last record" %
                                 (len(data) - o))
            self.ok = True
        except (ValueError, struct.error, IndexError) as e:
            self.why = str(e) or "truncated"

    def skip_name(self, o):
        hops = 0
        while True:
            n = self.data[o]
            if n & 0xC0 == 0xC0:
                hops += 1
                if hops > 1 or o + 2 > len(self.data):
                    raise ValueError("bad pointer")
                return o + 2
            if n & 0xC0:
                raise ValueError("bad label type")
            if n == 0:
                return o + 1
            o += n + 1
            if o >= len(self.data):
                raise ValueError("name runs past the end")

    def __str__(self):
        if len(self.data) < 12:
            return "%d bytes" % len(self.data)
        return ("id %d qr %d opcode %d aa %d rd %d rcode %d qd %d an %d "
                "ns %d ar %d%s" % (self.id, self.qr, self.opcode, self.aa,
                                   self.rd, self.rcode, self.qd, self.an,
                                   self.ns, self.ar, "" if self.ok else
                                   " (malformed: %s)" % self.why))


SENTINEL = "2.0.0.127." + ZONE


def udp_socket():
    s = socket.socket(FAM, socket.SOCK_DGRAM)
    s.connect((ADDR, PORT))
    s.setblocking(False)
    return s


def drain(s, got):
    while True:
        try:
            got.append(Msg(s.recv(65535)))
        except BlockingIOError:
            return


def exchange(packets, limit=3.0):
    """Send packets then the sentinel; return (answers before it,
    whether the sentinel was answered)."""
    s = udp_socket()
    got = []
    sid = RNG.randrange(65536)
    for p in packets:
        s.send(p)
    s.send(query(sid, SENTINEL))
    end = time.monotonic() + limit
    seen = False
    while time.monotonic() < end and not seen:
        try:
            s.settimeout(max(0.01, end - time.monotonic()))
            m = Msg(s.recv(65535))
        except socket.timeout:
            break
        if (m.ok and m.id == sid and m.qr and m.rcode == NOERROR and
                m.an == 1):
            seen = True
        else:
            got.append(m)
    s.close()
    return got, seen


def expect_nothing(what, packets):
    got, seen = exchange(packets)
    if not seen:
        return say(False, "%s: the sentinel query got no answer" % what)
    return say(not got, "%s: no answer%s" % (
        what, "" if not got else " (got %s)" % "; ".join(map(str, got))))


def expect_rcode(what, packet, rcode, opcode=0, qd=0):
    got, seen = exchange([packet])
    qid = struct.unpack("!H", packet[:2])[0]
    rd = (packet[2] & 1)
    if len(got) != 1:
        return say(False, "%s: expected one answer, got %d%s" % (
            what, len(got), "" if seen else ", and none to the sentinel"))
    m = got[0]
    good = (m.ok and m.id == qid and m.qr == 1 and m.opcode == opcode and
            m.rcode == rcode and m.aa == 0 and m.ra == 0 and m.rd == rd and
            m.qd == qd and m.an == 0 and m.ns == 0)
    return say(good and seen, "%s: rcode %d, opcode %d, id/rd echoed, "
               "qd %d%s" % (what, rcode, opcode, qd,
                            "" if good else " (got %s)" % m))


Q = query(0x1234, "55.2.0.192." + ZONE)
Q_NONAME = header(0x1234)              # header, QDCOUNT 1, nothing after

# ---- UDP: dropped ----------------------------------------------------------

expect_nothing("udp: packets of 0 to 11 bytes",
               [Q[:n] for n in range(12)])
expect_nothing("udp: a response (QR set)",
               [query(0x2001, "55.2.0.192." + ZONE, flags=0x8100)])
expect_nothing("udp: a response with an error code",
               [query(0x2002, "55.2.0.192." + ZONE, flags=0x8183)])

# ---- UDP: FORMERR ----------------------------------------------------------

expect_rcode("udp: header only, QDCOUNT 1", Q_NONAME, FORMERR)
expect_rcode("udp: question name cut in a label",
             Q_NONAME + b"\x0255\x01", FORMERR)
expect_rcode("udp: question without type and class",
             Q_NONAME + name("55.2.0.192." + ZONE), FORMERR)
expect_rcode("udp: question with type, no class",
             Q_NONAME + name("55.2.0.192." + ZONE) + b"\0\1", FORMERR)
expect_rcode("udp: label type 0x40 in the question",
             Q_NONAME + b"\x41x\0\0\1\0\1", FORMERR)
expect_rcode("udp: label type 0x80 in the question",
             Q_NONAME + b"\x81x\0\0\1\0\1", FORMERR)
expect_rcode("udp: compression pointer loop in the question",
             Q_NONAME + b"\xc0\x0c\0\1\0\1", FORMERR)
expect_rcode("udp: pointer to a label that points back",
             Q_NONAME + b"\x01a\xc0\x0c\0\1\0\1", FORMERR)
expect_rcode("udp: name longer than 255 bytes",
             Q_NONAME + (b"\x3f" + b"a" * 63) * 5 + b"\0\0\1\0\1", FORMERR)
expect_rcode("udp: QDCOUNT 2",
             header(0x3001, qd=2) + (name("55.2.0.192." + ZONE) +
                                     b"\0\1\0\1") * 2, FORMERR)
expect_rcode("udp: QDCOUNT 0", header(0x3002, qd=0), FORMERR)
expect_rcode("udp: ANCOUNT 1 in a query",
             header(0x3003, an=1) + Q[12:], FORMERR)
expect_rcode("udp: NSCOUNT 1 in a query",
             header(0x3004, ns=1) + Q[12:], FORMERR)
expect_rcode("udp: OPT twice",
             query(0x3005, "55.2.0.192." + ZONE, ar=opt() + opt(),
                   arcount=2), FORMERR)
expect_rcode("udp: OPT whose option runs past its rdata",
             query(0x3006, "55.2.0.192." + ZONE,
                   ar=opt(rdata=b"\0\x0a\0\x08abc")), FORMERR)
expect_rcode("udp: ARCOUNT 1 and no record",
             query(0x3007, "55.2.0.192." + ZONE, arcount=1), FORMERR)
expect_rcode("udp: trailing junk after the question",
             Q + b"junk", FORMERR)
expect_rcode("udp: trailing junk after the OPT",
             query(0x3008, "55.2.0.192." + ZONE, ar=opt()) + b"\0", FORMERR)
expect_rcode("udp: RD clear is echoed clear",
             header(0x3009, flags=0) + b"\x0255", FORMERR)

# ---- UDP: other opcodes ----------------------------------------------------

for op in (1, 2, 4, 5, 15):
    expect_rcode("udp: opcode %d" % op,
                 query(0x4000 + op, "55.2.0.192." + ZONE,
                       flags=0x0100 | op << 11), NOTIMP, opcode=op, qd=1)
expect_rcode("udp: opcode 5 with a broken question",
             header(0x4100, flags=0x0100 | 5 << 11) + b"\x05ab", NOTIMP,
             opcode=5, qd=0)

# ---- UDP: big queries -------------------------------------------------------


def padded(qid, total):
    """A good query with EDNS padding (option 12), total bytes long."""
    q = query(qid, "55.2.0.192." + ZONE, ar=opt(rdata=b"\0\x0c\0\0"))
    pad = total - len(q)
    return query(qid, "55.2.0.192." + ZONE,
                 ar=opt(rdata=struct.pack("!HH", 12, pad) + b"\0" * pad))


for total in (512, 1232):
    got, seen = exchange([padded(0x6000 + total, total)])
    m = got[0] if len(got) == 1 else None
    say(m is not None and m.ok and m.id == 0x6000 + total and
        m.rcode == NOERROR and m.an == 1, "udp: a good %d-byte query (EDNS "
        "padding) is answered (got %s)" % (total, m))

# ---- UDP: noise ------------------------------------------------------------


def noise(what, packets):
    """Send packets in bursts, then check all that came back."""
    s = udp_socket()
    sent = {}
    got = []
    for i, p in enumerate(packets):
        s.send(p)
        if len(p) >= 12:
            sent.setdefault(p[:2], set()).add(p[2] >> 7)
        if i % 64 == 63:
            drain(s, got)
            time.sleep(0.001)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        drain(s, got)
        time.sleep(0.02)
    s.close()
    bad = [m for m in got if not m.ok or not m.qr or
           0 not in sent.get(m.data[:2], ()) or m.rcode == SERVFAIL]
    rcodes = {}
    for m in got:
        rcodes[m.rcode] = rcodes.get(m.rcode, 0) + 1
    say(not bad, "%s: %d answered (rcodes %s), each a well-formed answer "
        "to a query, none SERVFAIL%s" % (
            what, len(got), ", ".join("%d: %d" % kv for kv in
                                       sorted(rcodes.items())),
            "" if not bad else " (bad: %s)" % "; ".join(map(str, bad[:5]))))
    got, seen = exchange([])
    say(seen, "%s: a good query is answered after it" % what)


noise("udp: 10,000 random packets",
      [bytes(RNG.randrange(256) for _ in range(RNG.randrange(1, 600)))
       for _ in range(10000)])


def mutate(p):
    b = bytearray(p)
    for _ in range(RNG.randrange(1, 5)):
        how = RNG.randrange(4)
        if how == 0:
            b[RNG.randrange(len(b))] = RNG.randrange(256)
        elif how == 1:
            b[RNG.randrange(len(b))] ^= 1 << RNG.randrange(8)
        elif how == 2 and len(b) > 13:
            del b[RNG.randrange(12, len(b)):]
        else:
            b[2] &= 0x7F
    b[2] &= 0x7F if RNG.randrange(4) else 0xFF
    return bytes(b)


seeds = [query(0, "55.2.0.192." + ZONE, T_TXT, ar=opt()),
         query(0, "a.b.c.d.e.f.0.1.2.3.4.5.6.7.8.9.8.b.d.0.1.0.0.2." + ZONE,
               ar=opt(rdata=b"\0\x0a\0\x08abcdefgh")),
         query(0, ZONE, 255), query(0, "0.127." + ZONE)]
noise("udp: 5,000 mutated queries",
      [mutate(RNG.choice(seeds)) for _ in range(5000)])

# ---- TCP -------------------------------------------------------------------


def tcp_connect():
    s = socket.create_connection((ADDR, PORT), timeout=3)
    return s


def tcp_read(s, limit=3.0):
    """One length-prefixed message, b'' at EOF, None on timeout."""
    s.settimeout(limit)
    buf = b""
    try:
        while len(buf) < 2:
            d = s.recv(2 - len(buf))
            if not d:
                return b""
            buf += d
        n = struct.unpack("!H", buf)[0]
        buf = b""
        while len(buf) < n:
            d = s.recv(n - len(buf))
            if not d:
                return b""
            buf += d
        return buf
    except socket.timeout:
        return None
    except ConnectionResetError:
        return b""


def framed(p):
    return struct.pack("!H", len(p)) + p


s = tcp_connect()
s.sendall(b"\x00\x40" + Q[:20])
s.shutdown(socket.SHUT_WR)
r = tcp_read(s)
say(r == b"", "tcp: length 64, 20 bytes sent, then close: no answer, "
    "connection closed%s" % ("" if r == b"" else " (got %r)" %
                             (r if r is None else str(Msg(r)))))
s.close()

s = tcp_connect()
s.sendall(b"\x00")
s.shutdown(socket.SHUT_WR)
r = tcp_read(s)
say(r == b"", "tcp: one byte of length, then close: connection closed")
s.close()

s = tcp_connect()
s.sendall(framed(b"") + framed(query(0x5001, SENTINEL)))
r = tcp_read(s)
m = Msg(r) if r else None
say(m is not None and m.ok and m.id == 0x5001 and m.rcode == NOERROR,
    "tcp: a zero-length message gets no answer, the next query on the "
    "connection does%s" % ("" if m is not None else " (got %r)" % r))
s.close()

s = tcp_connect()
s.sendall(framed(Q[:11]) + framed(Q + b"junk") +
          framed(query(0x5002, SENTINEL)))
r1, r2 = tcp_read(s), tcp_read(s)
m1 = Msg(r1) if r1 else None
m2 = Msg(r2) if r2 else None
say(m1 is not None and m1.ok and m1.id == 0x1234 and m1.rcode == FORMERR and
    m2 is not None and m2.id == 0x5002 and m2.rcode == NOERROR,
    "tcp: 11-byte message dropped, trailing junk FORMERR, then the next "
    "answered (got %s / %s)" % (m1, m2))
s.close()

s = tcp_connect()
big = Q + b"\0" * (65535 - len(Q))
s.sendall(framed(big) + framed(query(0x5003, SENTINEL)))
r1, r2 = tcp_read(s), tcp_read(s)
m1 = Msg(r1) if r1 else None
m2 = Msg(r2) if r2 else None
say(m1 is not None and m1.rcode == FORMERR and m1.id == 0x1234 and
    m2 is not None and m2.id == 0x5003 and m2.rcode == NOERROR,
    "tcp: a 65,535-byte query with junk gets FORMERR, the next is "
    "answered (got %s / %s)" % (m1, m2))
s.close()

s = tcp_connect()
s.sendall(framed(query(0x5004, "55.2.0.192." + ZONE, flags=0x8100)) +
          framed(query(0x5005, SENTINEL)))
r = tcp_read(s)
m = Msg(r) if r else None
say(m is not None and m.id == 0x5005,
    "tcp: a response gets no answer, the next query does (got %s)" % m)
s.close()
