#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# unbound/run.sh -- relaybl-dns behind a real resolver
#
# Mail servers ask a DNSBL through their resolver, and resolvers now
# minimise query names (RFC 9156): on the way to 55.2.0.192.<zone> Unbound
# asks 192.<zone>, 0.192.<zone>, 2.0.192.<zone> first, and with
# qname-minimisation-strict an NXDOMAIN for any of them is final. A list
# that answers NXDOMAIN for such a partial name (rbldnsd does) is silently
# never consulted. So: relaybl-dns on a random port, Unbound on another
# with a stub zone for relays.example.org pointing at it (and the root
# pointing at a dead loopback port, so that nothing leaves the machine),
# qname-minimisation-strict and harden-below-nxdomain on, and through it:
# listed IPv4 and IPv6 addresses resolve, unlisted ones are NXDOMAIN, an
# NXDOMAIN for one address does not hide a listed neighbour in the same
# /24 or /16, and the RFC 5782 test points hold.

# shellcheck disable=SC2317,SC2119 # helpers run through expect_rc and check
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

UNBOUND=/usr/sbin/unbound
if [ ! -x "$UNBOUND" ]; then
	echo "$CASE: $UNBOUND not installed: skipped"
	exit 77
fi
need dig python3
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
if [ ! -x "${RELAYBL_DNS-}" ]; then
	echo "$CASE: relaybl-dns not found at ${RELAYBL_DNS-(unset)}: build it" >&2
	exit 1
fi

Z=relays.example.org
DP=$(free_port) || exit 1	# relaybl-dns
UP=$(free_port) || exit 1	# unbound
DEAD=$(free_port) || exit 1	# nothing listens here: the "root"
C=$T/relaybl.conf
UC=$T/unbound.conf
ULOG=$T/unbound.log

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

rev()
{
	python3 -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
print(a.reverse_pointer.rsplit(".", 2)[0])' "$1"
}

not_grep()
{
	! grep -q "$@"
}

# ub NAME [TYPE]: ask Unbound; the summary in the stdout file.
ub()
{
	dig_ask 127.0.0.1 "$UP" +time=4 +tries=1 "$1" "${2:-A}"
	LAST="unbound: $1 ${2:-A}"
}

# listed ADDR CODE: through Unbound, ADDR is listed with 127.0.0.CODE.
listed()
{
	local n
	n=$(rev "$1").$Z
	ub "$n" A
	expect_out "^NOERROR flags: qr rd ra; qd 1 an 1 "
	expect_out "^an $n\\. [0-9]+ IN A 127\\.0\\.0\\.$2\$"
	LAST="unbound: $1 (listed)"
}

# unlisted ADDR: through Unbound, ADDR is NXDOMAIN.
unlisted()
{
	local n
	n=$(rev "$1").$Z
	ub "$n" A
	expect_out "^NXDOMAIN flags: qr rd ra; qd 1 an 0 ns 1 "
	expect_out "^ns $Z\\. [0-9]+ IN SOA "
	LAST="unbound: $1 (not listed)"
}

# ---- relaybl-dns ---------------------------------------------------------------

cat >"$C" <<EOF
[store]
path = store
map_size = 16M

[dns]
listen = 127.0.0.1:$DP

[zone $Z]
file = $SRC/zones/$Z.zone
ttl = 2100
txt = \$what \$ listed \$date
EOF
expect_rc 0 rb init
expect_rc 0 rb add 192.0.2.55 --code 2
expect_output <<<'192.0.2.55 listed (127.0.0.2)'
expect_rc 0 rb add 192.0.2.56 --code 3
expect_rc 0 rb add 192.0.99.9 --code 4
expect_rc 0 rb add 198.51.100.9 --code 2
expect_rc 0 rb add 198.51.7.7 --code 3
expect_rc 0 rb add 2001:db8::55 --code 2
expect_rc 0 rb add 2001:db8:0:1::77 --code 3
start_dns "$C" "$DP" || finish

# ---- Unbound -------------------------------------------------------------------

cat >"$UC" <<EOF
server:
	interface: 127.0.0.1
	port: $UP
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	module-config: "iterator"
	qname-minimisation: yes
	qname-minimisation-strict: yes
	harden-below-nxdomain: yes
	do-not-query-localhost: no
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	prefetch: no
	target-fetch-policy: "0 0 0 0 0"
	outgoing-interface: 127.0.0.1

stub-zone:
	name: "$Z"
	stub-addr: 127.0.0.1@$DP

# Everything else goes to a loopback port where nothing listens.
stub-zone:
	name: "."
	stub-addr: 127.0.0.1@$DEAD

remote-control:
	control-enable: no
EOF
if command -v unbound-checkconf >/dev/null 2>&1; then
	expect_rc 0 unbound-checkconf "$UC"
fi
"$UNBOUND" -d -c "$UC" >>"$ULOG" 2>&1 &
UB_PID=$!
background "$UB_PID"
ub_up()
{
	running "$UB_PID" || return 2
	dig +time=1 +tries=1 -p "$UP" @127.0.0.1 "$Z" SOA 2>/dev/null |
	    grep -q 'status: NOERROR'
}
if wait_for 10000 ub_up; then
	ok "unbound started (pid $UB_PID), resolving the zone in $WAITED_MS ms"
else
	fail "unbound did not answer on 127.0.0.1#$UP" "$ULOG"
	finish
fi

# ---- through Unbound ---------------------------------------------------------

ub "$Z" SOA
expect_out "^NOERROR flags: qr rd ra; qd 1 an 1 "
expect_out "^an $Z\\. [0-9]+ IN SOA ns1\\.$Z\\. hostmaster\\.$Z\\. [0-9]+ 3600 600 604800 300\$"

# A listed address, its TXT, and an unlisted one.
listed 192.0.2.55 2
N=$(rev 192.0.2.55).$Z
ub "$N" TXT
expect_out "^an $N\\. [0-9]+ IN TXT \"open relay 192\\.0\\.2\\.55 listed DATE\"\$"
unlisted 192.0.2.1

# An NXDOMAIN first, in a /16 Unbound has not seen: the partial names on
# the way must not be NXDOMAIN, or the listed neighbours would vanish.
unlisted 198.51.100.1
listed 198.51.100.9 2
listed 198.51.7.7 3
unlisted 198.51.7.8
# And after an NXDOMAIN in a /24 it has seen.
unlisted 192.0.2.57
listed 192.0.2.56 3
listed 192.0.99.9 4
unlisted 192.0.99.10
# Asked again: from the cache, the same.
listed 198.51.100.9 2
unlisted 198.51.100.1

# The RFC 5782 test points; 127.0.0.1 is what rspamd checks a list with.
listed 127.0.0.2 2
unlisted 127.0.0.1

# IPv6: 32 nibbles, minimised one label (then several) at a time.
listed 2001:db8::55 2
listed 2001:db8:0:1::77 3
unlisted 2001:db8::56
listed ::ffff:7f00:2 2
unlisted ::ffff:7f00:1
# An IPv6 neighbour asked again after the NXDOMAIN above.
listed 2001:db8::55 2

check "unbound still running" running "$UB_PID"
check "relaybl-dns still running" running "$DNS_PID"
check "unbound logged no error" not_grep 'error:' "$ULOG"

# ---- stop --------------------------------------------------------------------

if stop_pid "$UB_PID" 5 && [ "$STOP_RC" -eq 0 ]; then
	ok "unbound exited 0 on SIGTERM in $STOP_MS ms"
else
	fail "unbound on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" "$ULOG"
fi
stop_dns

finish
