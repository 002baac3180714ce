#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# dns/run.sh -- the real relaybl-dns, queried by dig and drill
#
# A store in $T made with relaybl init and add, two zones (the shipped
# relays.example.org, and big.example.net whose TXT template makes
# answers too big for 512 bytes), relaybl-dns on a random port of
# 127.0.0.1 (and ::1 when the machine has it). Every answer of the DNS
# contract in DESIGN.md is asked with dig and with drill, over UDP and
# over TCP, and compared whole (rcode, flags, counts, records, TTLs,
# the EDNS payload size; see dns_summary in lib.sh): listed and
# unlisted IPv4 and IPv6 names, partial names, the RFC 5782 test points,
# the apex, names out of the zone, class CH, 0x20 case. Then EDNS (OPT,
# BADVERS, the client's payload size, TC and the TCP retry), TCP (several
# queries on a connection, the idle timeout, the connection cap), live
# data (a listing and a delisting by relaybl while the server runs must
# be served within 1.5 s), SIGHUP (a new TTL and template are served; a
# broken configuration is refused and the old answers stay), malformed
# packets (malformed.py), and SIGTERM (exit 0 within 3 s).

# shellcheck disable=SC2317,SC2119 # helpers run through expect_rc and check
# shellcheck disable=SC2086 # $args and $tcp are dig options, split on purpose
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

need dig drill python3
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
if [ ! -x "${RELAYBL_DNS-}" ]; then
	echo "$CASE: relaybl-dns not found at ${RELAYBL_DNS-(unset)}: build it" >&2
	exit 1
fi

Z=relays.example.org
BIG=big.example.net
A4=127.0.0.1
A6=::1
P=$(free_port) || exit 1
C=$T/relaybl.conf
V6=
if have_ipv6; then
	V6=yes
	LISTEN="$A4:$P, [$A6]:$P"
else
	echo "     (no IPv6 loopback: the [::1] checks are skipped)"
	LISTEN="$A4:$P"
fi

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

serial()
{
	"$RELAYBL" -c "$C" stats | awk '$1 == "serial" { print $2 }'
}

# rev ADDR: the DNSBL name of ADDR (reversed octets, or 32 nibbles).
rev()
{
	python3 -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
print(a.reverse_pointer.rsplit(".", 2)[0])' "$1"
}

# soa TTL [OWNER]: the SOA record as dns_summary shows it.
soa()
{
	printf '%s. %s IN SOA ns1.%s. hostmaster.%s. %s 3600 600 604800 300' \
	    "${2:-$Z}" "$1" "$Z" "$Z" "$S"
}

# each ARGS... <<EOF: dig and drill, over UDP and TCP, at 127.0.0.1
# (or $AT), must all see exactly this summary. two: only dig over UDP
# and drill over TCP, for the variations on a theme.
each()
{
	local want way
	want=$(cat)
	for way in ${WAYS:-dig/udp dig/tcp drill/udp drill/tcp}; do
		dns_ask "${way%/*}" "${way#*/}" "${AT:-$A4}" "$P" "$@"
		expect_output <<<"$want"
	done
}

two()
{
	WAYS="dig/udp drill/tcp" each "$@"
}

H_OK="NOERROR flags: qr aa rd; qd 1"

not()
{
	! "$@"
}

# expect_log PATTERN: the server's log has a line matching PATTERN,
# or has one within 3 s.
expect_log()
{
	if wait_for 3000 grep -Eq -- "$1" "$DNS_LOG"; then ok "log: /$1/"
	else fail "log lacks /$1/" "$DNS_LOG"; fi
}

# between LOW N HIGH
between()
{
	[ "$2" -ge "$1" ] && [ "$2" -le "$3" ]
}
E="; edns 1232"

# ---- the store and the configuration -----------------------------------

cat >"$C" <<EOF
[store]
path = store
map_size = 16M

[dns]
listen = $LISTEN
threads = 2
tcp_max_connections = 4
tcp_idle_timeout = 2s
tcp_lifetime = 60s

[zone $Z]
file = $SRC/zones/$Z.zone
ttl = 2100
txt = \$what \$ listed \$date

[zone $BIG]
file = big.zone
ttl = 60
txt = $(printf '$%.0s' $(seq 100))
EOF
cat >"$T/big.zone" <<EOF
\$ORIGIN $BIG.
\$TTL 600
@	IN	SOA	ns.$BIG. hostmaster.$BIG. 1 3600 600 86400 60
	IN	NS	ns.$BIG.
EOF
cp "$C" "$T/good.conf"

expect_rc 0 rb init
expect_out '^store .* ready, serial 1$'
expect_rc 0 rb add 192.0.2.55 --code 2
expect_rc 0 rb add 192.0.2.77 --code 3
expect_rc 0 rb add 198.51.100.9
expect_rc 0 rb add 192.0.2.99 --code 10
expect_rc 0 rb add 2001:db8::55 --code 2
S=$(serial)
check "store serial is 6 after init and 5 listings (got $S)" [ "$S" = 6 ]

expect_rc 0 "$RELAYBL_DNS" -n -c "$C"
expect_output <<<'configuration OK'

start_dns "$C" "$P" || finish
expect_log 'serving 2 zones'

# ---- listed IPv4 ---------------------------------------------------------

N=$(rev 192.0.2.55).$Z
each "$N" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
each "$N" TXT <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN TXT
an $N. 2100 IN TXT "open relay 192.0.2.55 listed DATE"
EOF
each "$N" ANY <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $N. IN ANY
an $N. 2100 IN A 127.0.0.2
an $N. 2100 IN TXT "open relay 192.0.2.55 listed DATE"
EOF
each "$N" MX <<EOF
$H_OK an 0 ns 1 ar 0$E
qd $N. IN MX
ns $(soa 300)
EOF
for type in AAAA SOA NS; do
	two "$N" "$type" <<EOF
$H_OK an 0 ns 1 ar 0$E
qd $N. IN $type
ns $(soa 300)
EOF
done
dig_ask "$A4" "$P" "$N" TXT +short
check "TXT date is today (UTC)" grep -Eq \
    "listed ($(date -u +%F)|$(date -u -d '1 hour ago' +%F))\"$" "$RAW"

N=$(rev 192.0.2.77).$Z
two "$N" ANY <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $N. IN ANY
an $N. 2100 IN A 127.0.0.3
an $N. 2100 IN TXT "multi-stage relay output 192.0.2.77 listed DATE"
EOF
N=$(rev 198.51.100.9).$Z
two "$N" ANY <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $N. IN ANY
an $N. 2100 IN A 127.0.0.4
an $N. 2100 IN TXT "listed by the operator 198.51.100.9 listed DATE"
EOF
N=$(rev 192.0.2.99).$Z
two "$N" TXT <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN TXT
an $N. 2100 IN TXT "listed 192.0.2.99 listed DATE"
EOF

# ---- not listed ------------------------------------------------------------

N=$(rev 192.0.2.1).$Z
each "$N" A <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN A
ns $(soa 300)
EOF
for a in 192.0.2.56 10.0.0.1 255.255.255.255 192.168.10.10; do
	N=$(rev "$a").$Z
	two "$N" A <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN A
ns $(soa 300)
EOF
done
N=$(rev 192.0.2.1).$Z
for type in TXT ANY MX; do
	two "$N" "$type" <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN $type
ns $(soa 300)
EOF
done
# Names that are no address at all.
for n in foo 256.2.0.192 01.2.0.192 a.b.c.g 1.2.3.x x.ns1 1234; do
	two "$n.$Z" A <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $n.$Z. IN A
ns $(soa 300)
EOF
done

# ---- IPv6 ----------------------------------------------------------------

N=$(rev 2001:db8::55).$Z
check "IPv6 name has 32 nibbles" [ "$(tr . '\n' <<<"${N%".$Z"}" | wc -l)" = 32 ]
each "$N" ANY <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $N. IN ANY
an $N. 2100 IN A 127.0.0.2
an $N. 2100 IN TXT "open relay 2001:db8::55 listed DATE"
EOF
N=$(rev 2001:db8::56).$Z
each "$N" A <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN A
ns $(soa 300)
EOF
# Upper-case nibbles are the same name.
N=$(rev 2001:db8::55 | tr a-f A-F).$Z
dns_ask dig udp "$A4" "$P" "$N" A
expect_out '^an .* 2100 IN A 127\.0\.0\.2$'

# ---- partial names: NOERROR, no data, never NXDOMAIN --------------------

for n in 192 2.0.192 0.127 0.0.127 2.0.0 1.0.0 a.b.c.d.e 8.b.d.0.1.0.0.2 \
    0.0.0.0.8.b.d.0.1.0.0.2 \
    "$(rev 2001:db8::55 | cut -d. -f2-)" \
    "$(rev 2001:db8::55 | cut -d. -f17-)"; do
	two "$n.$Z" A <<EOF
$H_OK an 0 ns 1 ar 0$E
qd $n.$Z. IN A
ns $(soa 300)
EOF
done

# Four single-digit labels are both an IPv4 name and the first four
# nibbles of IPv6 names: a resolver that minimises query names asks
# 1.0.0.2.<zone> on its way to 2001:db8::55 (listed), and 0.0.0.0.<zone>
# on its way to the test point ::ffff:7f00:2 (always listed). Names
# exist below them, so they must not be NXDOMAIN (RFC 8020): NODATA.
for n in 1.0.0.2 0.0.0.0; do
	two "$n.$Z" A <<EOF
$H_OK an 0 ns 1 ar 0$E
qd $n.$Z. IN A
ns $(soa 300)
EOF
done

# ---- RFC 5782 test points ------------------------------------------------

for a in 127.0.0.2 ::ffff:7f00:2; do
	N=$(rev "$a").$Z
	each "$N" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
done
N=$(rev 127.0.0.2).$Z
each "$N" TXT <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN TXT
an $N. 2100 IN TXT "test point (RFC 5782) 127.0.0.2 listed always"
EOF
for a in 127.0.0.1 ::ffff:7f00:1; do
	N=$(rev "$a").$Z
	for type in A TXT; do
		two "$N" "$type" <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN $type
ns $(soa 300)
EOF
	done
done

# ---- the apex and the names of the zone file -----------------------------

each "$Z" SOA <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $Z. IN SOA
an $(soa 3600)
EOF
each "$Z" NS <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $Z. IN NS
an $Z. 3600 IN NS ns1.$Z.
an $Z. 3600 IN NS ns2.$Z.
EOF
two "$Z" ANY <<EOF
$H_OK an 3 ns 0 ar 0$E
qd $Z. IN ANY
an $(soa 3600)
an $Z. 3600 IN NS ns1.$Z.
an $Z. 3600 IN NS ns2.$Z.
EOF
two "$Z" A <<EOF
$H_OK an 0 ns 1 ar 0$E
qd $Z. IN A
ns $(soa 300)
EOF
two "ns1.$Z" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd ns1.$Z. IN A
an ns1.$Z. 3600 IN A 127.0.0.1
EOF
two "ns2.$Z" TXT <<EOF
$H_OK an 0 ns 1 ar 0$E
qd ns2.$Z. IN TXT
ns $(soa 300)
EOF

# ---- out of the zone, other classes ----------------------------------------

each example.com A <<EOF
REFUSED flags: qr rd; qd 1 an 0 ns 0 ar 0$E
qd example.com. IN A
EOF
for n in example.org x$Z org "$(rev 192.0.2.55).example.com"; do
	two "$n" A <<EOF
REFUSED flags: qr rd; qd 1 an 0 ns 0 ar 0$E
qd $n. IN A
EOF
done
each "$Z" SOA CH <<EOF
REFUSED flags: qr rd; qd 1 an 0 ns 0 ar 0$E
qd $Z. CH SOA
EOF
for q in "$(rev 192.0.2.55).$Z TXT" "version.bind TXT"; do
	read -r qn qt <<<"$q"
	two "$qn" "$qt" CH <<EOF
REFUSED flags: qr rd; qd 1 an 0 ns 0 ar 0$E
qd $qn. CH $qt
EOF
done

# ---- header bits and 0x20 case ------------------------------------------

N=$(rev 192.0.2.55).$Z
dig_ask "$A4" "$P" "$N" A +norec
expect_output <<EOF
NOERROR flags: qr aa; qd 1 an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
drill_ask "$A4" "$P" -o rd "$N" A
expect_output <<EOF
NOERROR flags: qr aa; qd 1 an 1 ns 0 ar 0
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
dig_ask "$A4" "$P" "$N" A +cdflag
expect_out '^NOERROR flags: qr aa rd cd; '

N=55.2.0.192.ReLaYs.ExAmPlE.oRg
each "$N" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
N=1.2.0.192.rElAyS.eXaMpLe.OrG
each "$N" TXT <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN TXT
ns $(soa 300 rElAyS.eXaMpLe.OrG)
EOF
each "0.127.RELAYS.example.ORG" TXT <<EOF
$H_OK an 0 ns 1 ar 0$E
qd 0.127.RELAYS.example.ORG. IN TXT
ns $(soa 300 RELAYS.example.ORG)
EOF

# ---- the IPv6 listener -----------------------------------------------------

if [ -n "$V6" ]; then
	AT=$A6
	N=$(rev 192.0.2.55).$Z
	each "$N" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
	N=$(rev 2001:db8::56).$Z
	each "$N" A <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N. IN A
ns $(soa 300)
EOF
	AT=
fi

# ---- EDNS --------------------------------------------------------------------

N=$(rev 192.0.2.55).$Z
for size in 512 1232 4096 65535; do
	dig_ask "$A4" "$P" "$N" A +bufsize=$size
	expect_out "^$H_OK an 1 ns 0 ar 0; edns 1232\$"
done
dig_ask "$A4" "$P" "$N" A +noedns
expect_output <<EOF
$H_OK an 1 ns 0 ar 0
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
drill_ask "$A4" "$P" "$N" A
expect_output <<EOF
$H_OK an 1 ns 0 ar 0
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF
for tcp in +notcp +tcp; do
	for n in "$N" "x.example.com" "$(rev 192.0.2.1).$Z"; do
		dig_ask "$A4" "$P" "$n" A +edns=1 +noednsnegotiation $tcp
		expect_output <<EOF
BADVERS flags: qr rd; qd 1 an 0 ns 0 ar 0; edns 1232
qd $n. IN A
EOF
	done
done

# The big zone: a TXT of 1,000 bytes, an answer of 1,071 with the OPT.
B=$(rev 192.0.2.55).$BIG
BIGTXT=$(printf '192.0.2.55%.0s' $(seq 100))
bigrr()
{
	local t=$BIGTXT
	printf 'an %s. 60 IN TXT "%s" "%s" "%s" "%s"' "$B" "${t:0:255}" \
	    "${t:255:255}" "${t:510:255}" "${t:765}"
}
dig_ask "$A4" "$P" "$B" TXT
expect_output <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $B. IN TXT
$(bigrr)
EOF
FULL=$(sed -n 's/^;; MSG SIZE  rcvd: //p' "$RAW")
check "the big answer is $FULL bytes: more than 512, less than 1232" \
    between 513 "${FULL:-0}" 1231
for args in "+bufsize=512" "+bufsize=1000" "+bufsize=$((FULL - 12))"; do
	dig_ask "$A4" "$P" "$B" TXT $args +ignore
	expect_output <<EOF
NOERROR flags: qr aa tc rd; qd 1 an 0 ns 0 ar 0$E
qd $B. IN TXT
EOF
done
dig_ask "$A4" "$P" "$B" TXT +noedns +ignore
expect_output <<EOF
NOERROR flags: qr aa tc rd; qd 1 an 0 ns 0 ar 0
qd $B. IN TXT
EOF
dig_ask "$A4" "$P" "$B" ANY +noedns +notcp +ignore
expect_output <<EOF
NOERROR flags: qr aa tc rd; qd 1 an 0 ns 0 ar 0
qd $B. IN ANY
EOF
drill_ask "$A4" "$P" -u "$B" TXT
expect_output <<EOF
NOERROR flags: qr aa tc rd; qd 1 an 0 ns 0 ar 0
qd $B. IN TXT
EOF
drill_ask "$A4" "$P" -b 512 -u "$B" TXT
expect_out "^NOERROR flags: qr aa tc rd; qd 1 an 0 ns 0 ar 0$E\$"
# Over TCP the whole answer, with or without EDNS; dig retries a
# truncated answer over TCP by itself.
for args in "+noedns +tcp" "+bufsize=512 +tcp" "+noedns"; do
	dig_ask "$A4" "$P" "$B" TXT $args
	expect_output <<EOF
$H_OK an 1 ns 0 ar 0$( [ "${args#+noedns}" = "$args" ] && echo "$E")
qd $B. IN TXT
$(bigrr)
EOF
done
check "dig +noedns: truncated over UDP, retried over TCP" \
    grep -q 'Truncated, retrying in TCP mode' "$RAW"
drill_ask "$A4" "$P" -t "$B" ANY
expect_output <<EOF
$H_OK an 2 ns 0 ar 0
qd $B. IN ANY
an $B. 60 IN A 127.0.0.2
$(bigrr)
EOF
# A payload size the answer fits in but the answer and the OPT do not:
# the server must set TC or leave room for the OPT, never send an
# ARCOUNT of 1 without a whole OPT record.
bad=
for size in $(seq $((FULL - 11)) "$FULL"); do
	dig_ask "$A4" "$P" "$B" TXT +bufsize="$size" +ignore
	if grep -q '^malformed' "$OUT" || ! grep -q "$E\$" "$OUT" ||
	    ! grep -Eq '^NOERROR flags: qr aa (tc )?rd; qd 1 an [01] ns 0 ar 0;' \
	    "$OUT"; then
		bad="$bad $size"
		cp "$RAW" "$T/.badsize"
	fi
done
if [ -z "$bad" ]; then
	ok "payload sizes $((FULL - 11))..$FULL: TC or the whole answer, OPT included"
else
	fail "payload sizes where the answer fits but its OPT does not get a malformed answer (ARCOUNT 1, OPT cut):$bad" \
	    "$T/.badsize"
fi

# ---- TCP: several queries, the idle timeout, the connection cap ----------

N1=$(rev 192.0.2.55).$Z
N2=$(rev 192.0.2.1).$Z
N3=0.127.$Z
dig_ask "$A4" "$P" +tcp +keepopen "$N1" A "$N2" A "$N3" TXT
expect_output <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N1. IN A
an $N1. 2100 IN A 127.0.0.2
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $N2. IN A
ns $(soa 300)
$H_OK an 0 ns 1 ar 0$E
qd $N3. IN TXT
ns $(soa 300)
EOF

cat >"$T/tcp.py" <<'EOF'
# tcp.py ADDR PORT ZONE IDLE MAX: RFC 7766 behaviour of relaybl-dns
import socket, struct, sys, time
ADDR, PORT, ZONE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
IDLE, MAX = float(sys.argv[4]), int(sys.argv[5])

def say(good, what):
    print(("ok " if good else "FAIL ") + what, flush=True)

def query(qid, name, qtype=1):
    q = struct.pack("!6H", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)

def framed(p):
    return struct.pack("!H", len(p)) + p

BUF = {}

def read(s, limit=3.0):
    """(id, rcode, ancount) of one answer; "eof"; or "timeout"."""
    s.settimeout(limit)
    buf = BUF.get(s, b"")
    try:
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            d = s.recv(65537)
            if not d:
                return "eof"
            buf += d
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "eof"
    finally:
        BUF[s] = buf
    n = 2 + struct.unpack("!H", buf[:2])[0]
    BUF[s] = buf[n:]
    qid, flags, qd, an = struct.unpack("!4H", buf[2:10])
    return (qid, flags & 15, an)

def connect():
    return socket.create_connection((ADDR, PORT), timeout=3)

L, U, PART = "55.2.0.192." + ZONE, "1.2.0.192." + ZONE, "0.127." + ZONE
WANT = [(1, 0, 1), (2, 3, 0), (3, 0, 0)]

# Three queries in one write; three answers, in order.
s = connect()
s.sendall(framed(query(1, L)) + framed(query(2, U)) + framed(query(3, PART)))
got = [read(s) for _ in range(3)]
say(got == WANT, "three queries in one segment: three answers in order "
    "(got %s)" % got)
# The same, a byte at a time.
data = framed(query(1, L)) + framed(query(2, U)) + framed(query(3, PART))
for i in range(len(data)):
    s.sendall(data[i:i + 1])
    time.sleep(0.001)
got = [read(s) for _ in range(3)]
say(got == WANT, "three queries sent a byte at a time: three answers in "
    "order (got %s)" % got)
# Ask, do not read, ask again: answers queue up in order.
for i in range(20):
    s.sendall(framed(query(100 + i, L)))
got = [read(s) for _ in range(20)]
say(got == [(100 + i, 0, 1) for i in range(20)],
    "20 queries before reading: 20 answers in order")
s.close()

# Activity keeps a connection open past the idle timeout.
s = connect()
t0, answers = time.monotonic(), 0
while time.monotonic() - t0 < IDLE + 1.5:
    s.sendall(framed(query(7, L)))
    if read(s) == (7, 0, 1):
        answers += 1
    time.sleep(0.4)
say(answers >= int((IDLE + 1.5) / 0.4), "queries every 0.4 s for %.1f s on "
    "one connection: all %d answered" % (IDLE + 1.5, answers))
s.close()

# Idle: closed by the server after about IDLE seconds.
for what, first in (("after an answer", True), ("with no query", False)):
    s = connect()
    if first:
        s.sendall(framed(query(8, L)))
        read(s)
    t0 = time.monotonic()
    r = read(s, IDLE + 5)
    dt = time.monotonic() - t0
    say(r == "eof" and dt <= IDLE + 1.5, "idle %s: closed by the server "
        "after %.2f s (timeout %.0f s; bound %.1f s)" % (what, dt, IDLE,
                                                        IDLE + 1.5))
    if r == "eof" and dt < IDLE - 0.5:
        print("note: closed %.2f s before the configured idle "
              "timeout" % (IDLE - dt))
    s.close()

# The cap: MAX + 2 connections, each one answered as it comes. The
# first two are made a second before the others, so that they are the
# longest idle when the cap is reached and must be the ones closed.
conns, got = [], []
for i in range(MAX + 2):
    if i == 2:
        time.sleep(1.1)
    s = connect()
    conns.append(s)
    s.sendall(framed(query(200 + i, L)))
    got.append(read(s))
say(got == [(200 + i, 0, 1) for i in range(MAX + 2)],
    "%d connections with a cap of %d: every new one answered (got %s)" %
    (MAX + 2, MAX, got))
time.sleep(0.2)
state = []
for i, s in enumerate(conns):
    try:
        s.sendall(framed(query(300 + i, L)))
        r = read(s, 2)
    except OSError:
        r = "eof"
    state.append("open" if r == (300 + i, 0, 1) else "closed")
    s.close()
want = ["closed"] * 2 + ["open"] * MAX
say(state == want, "after the cap: the two longest idle closed, the %d "
    "newest open (got %s)" % (MAX, " ".join(state)))

# The same within one second: which ones go is reported, not checked.
conns = []
for i in range(MAX + 2):
    s = connect()
    conns.append(s)
    s.sendall(framed(query(400 + i, L)))
    read(s)
time.sleep(0.2)
state = []
for i, s in enumerate(conns):
    try:
        s.sendall(framed(query(500 + i, L)))
        r = read(s, 2)
    except OSError:
        r = "eof"
    state.append("open" if r == (500 + i, 0, 1) else "closed")
    s.close()
say(state.count("open") <= MAX and state[-1] == "open", "%d connections "
    "within a second: at most %d open, the newest among them" % (MAX + 2, MAX))
print("connections within a second, oldest first: %s" % " ".join(state))
EOF
expect_checks python3 "$T/tcp.py" "$A4" "$P" "$Z" 2 4
if [ -n "$V6" ]; then
	dig_ask "$A6" "$P" +tcp +keepopen "$N1" A "$N2" A
	check "::1 TCP: two queries on one connection" \
	    [ "$(grep -c '^[A-Z]* flags' "$OUT")" = 2 ]
fi

# ---- live data -------------------------------------------------------------

LIVE=$(rev 203.0.113.7).$Z
listed_live()
{
	dig +time=1 +tries=1 -p "$P" @"$A4" "$LIVE" A "$@" +short \
	    2>/dev/null | grep -qx 127.0.0.2
}
nx_live()
{
	dig +time=1 +tries=1 -p "$P" @"$A4" "$LIVE" A "$@" 2>/dev/null |
	    grep -q 'status: NXDOMAIN'
}
check "before: $LIVE is NXDOMAIN" nx_live
expect_rc 0 rb add 203.0.113.7 --code 2
S=$(serial)
if wait_for 1500 listed_live; then
	ok "listed by relaybl add: served after $WAITED_MS ms (UDP)"
else
	fail "listed by relaybl add: not served after $WAITED_MS ms"
fi
LIVE_ADD_MS=$WAITED_MS
if wait_for 1500 listed_live +tcp; then
	ok "listed by relaybl add: served over TCP after $WAITED_MS ms more"
else
	fail "listed by relaybl add: not served over TCP after $WAITED_MS ms"
fi
dns_ask dig udp "$A4" "$P" "$(rev 203.0.113.8).$Z" A
expect_out "^ns $(soa 300)\$"
expect_rc 0 rb del 203.0.113.7
S=$(serial)
if wait_for 1500 nx_live; then
	ok "delisted by relaybl del: NXDOMAIN after $WAITED_MS ms (UDP)"
else
	fail "delisted by relaybl del: still listed after $WAITED_MS ms"
fi
LIVE_DEL_MS=$WAITED_MS
if wait_for 1500 nx_live +tcp; then
	ok "delisted by relaybl del: NXDOMAIN over TCP after $WAITED_MS ms more"
else
	fail "delisted by relaybl del: still listed over TCP after $WAITED_MS ms"
fi
dns_ask drill tcp "$A4" "$P" "$LIVE" A
expect_output <<EOF
NXDOMAIN flags: qr aa rd; qd 1 an 0 ns 1 ar 0$E
qd $LIVE. IN A
ns $(soa 300)
EOF
echo "     live data: listing served in $LIVE_ADD_MS ms, delisting in $LIVE_DEL_MS ms"

# ---- malformed packets -----------------------------------------------------

expect_checks python3 "$HERE/malformed.py" "$A4" "$P" "$Z"
check "relaybl-dns still running after the malformed packets" running "$DNS_PID"
N=$(rev 192.0.2.55).$Z
each "$N" A <<EOF
$H_OK an 1 ns 0 ar 0$E
qd $N. IN A
an $N. 2100 IN A 127.0.0.2
EOF

# ---- SIGHUP ------------------------------------------------------------------

# shellcheck disable=SC2016 # $ and $date are the template's
sed -e 's/^ttl = 2100$/ttl = 1234/' \
    -e 's/^txt = \$what.*/txt = relay $ since $date (reloaded)/' \
    "$T/good.conf" >"$C"
check "new config: ttl 1234 and a new template" grep -q '^ttl = 1234$' "$C"
kill -HUP "$DNS_PID"
ttl_is()
{
	dig +time=1 +tries=1 -p "$P" @"$A4" "$N" A +noall +answer 2>/dev/null |
	    grep -Eq "^$N\.[[:space:]]+$1[[:space:]]"
}
if wait_for 3000 ttl_is 1234; then
	ok "SIGHUP: the new TTL is served after $WAITED_MS ms"
else
	fail "SIGHUP: the new TTL is not served after $WAITED_MS ms" "$DNS_LOG"
fi
expect_log "reloaded $C: 2 zones"
reloaded()
{
	${1:-each} "$N" ANY <<EOF
$H_OK an 2 ns 0 ar 0$E
qd $N. IN ANY
an $N. 1234 IN A 127.0.0.2
an $N. 1234 IN TXT "relay 192.0.2.55 since DATE (reloaded)"
EOF
}
reloaded

# A bad key: logged, and the answers stay as they were.
sed -e 's/^ttl = 2100$/ttl = 99/' -e 's/^threads = 2$/threads = 2\ncolour = blue/' \
    "$T/good.conf" >"$C"
kill -HUP "$DNS_PID"
if wait_for 3000 grep -q 'colour: unknown key' "$DNS_LOG"; then
	ok "bad key: the error is logged ($WAITED_MS ms)"
else
	fail "bad key: no error logged" "$DNS_LOG"
fi
expect_log 'reload failed: still serving the old configuration'
check "bad key: still running" running "$DNS_PID"
reloaded two
# A zone file that is not there: likewise.
sed -e 's/^ttl = 2100$/ttl = 99/' -e 's/^file = big.zone$/file = gone.zone/' \
    "$T/good.conf" >"$C"
kill -HUP "$DNS_PID"
if wait_for 3000 grep -q 'gone.zone: No such file' "$DNS_LOG"; then
	ok "missing zone file: the error is logged ($WAITED_MS ms)"
else
	fail "missing zone file: no error logged" "$DNS_LOG"
fi
check "missing zone file: still running" running "$DNS_PID"
check "two failed reloads logged" \
    [ "$(grep -c 'reload failed' "$DNS_LOG")" = 2 ]
reloaded two
dig_ask "$A4" "$P" "$B" TXT +tcp
expect_out "^an $B\. 60 IN TXT "

# ---- SIGTERM ---------------------------------------------------------------

stop_dns
expect_log 'stopping on signal 15'
check "nothing answers after the stop" not dns_up "$A4" "$P" "$Z"

finish
