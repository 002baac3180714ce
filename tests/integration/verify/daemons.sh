# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# daemons.sh -- the relaybl daemons and what a case asks of them
#
# Sourced after lib.sh by verify/run.sh and cycle/run.sh. write_conf
# writes the configuration every program of the case reads (ports in
# $SPORT, $CPORT, $DPORT, $HPORT); start_http and start_verify run the
# writers (start_dns is lib.sh's); report and retest talk to the HTTP
# API; field, state and wait_state read `relaybl show`; answer asks
# relaybl-dns. Every wait is bounded.

HTTPD=$BUILD/server/http/relaybl-http
VERIFYD=$BUILD/tools/verify/relaybl-verify
ZONE=relays.example.org
CANARY=canary.test
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
HTTP_LOG=$T/http.log
VERIFY_LOG=$T/verify.log
HTTP_PID=
VERIFY_PID=
CODE=

need_daemons()
{
	local p
	need curl dig python3
	for p in "$RELAYBL_DNS" "$HTTPD" "$VERIFYD"; do
		if [ ! -x "$p" ]; then
			echo "$CASE: $p not found: build first" >&2
			exit 1
		fi
	done
}

# write_conf FILE [EXTRA-POLICY-LINES]: the case's configuration. The
# timeouts are short so that a test takes seconds; retest_min_interval
# is 0 so that a retest may be asked for at once.
write_conf()
{
	cp "$SRC/zones/$ZONE.zone" "$T/$ZONE.zone"
	cat >"$1" <<EOF
[store]
path = store

[policy]
allow = 127.0.0.0/8${2:+, $2}
retest_interval = 1h
retest_min_interval = 0

[verify]
canary_listen = 127.0.0.1:$CPORT
canary_domain = $CANARY
bounce_domain = bounce.test
helo_name = tester.test
port = $SPORT
connect_timeout = 2s
greeting_timeout = 2s
command_timeout = 3s
data_timeout = 3s
wait = 3s
budget = 60s
retry_base = 1s
retry_max = 3
per_net = 16

[dns]
listen = 127.0.0.1:$DPORT

[http]
listen = 127.0.0.1:$HPORT
report_rate = 3600
report_burst = 1000
retest_rate = 1000

[zone $ZONE]
file = $ZONE.zone
EOF
}

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

http_up()
{
	running "$HTTP_PID" || return 2
	curl -s -m 1 -o /dev/null -f "http://127.0.0.1:$HPORT/healthz"
}

# start_http CONF: relaybl-http, up within 10 s.
start_http()
{
	"$HTTPD" -c "$1" 2>>"$HTTP_LOG" &
	HTTP_PID=$!
	background "$HTTP_PID"
	if wait_for 10000 http_up; then
		ok "relaybl-http started (pid $HTTP_PID), answering in $WAITED_MS ms"
		return 0
	fi
	fail "relaybl-http did not answer on 127.0.0.1:$HPORT" "$HTTP_LOG"
	return 1
}

verify_up()
{
	running "$VERIFY_PID" || return 2
	listening 127.0.0.1 "$CPORT"
}

# start_verify CONF: relaybl-verify, its canary listening within 10 s.
start_verify()
{
	"$VERIFYD" -c "$1" 2>>"$VERIFY_LOG" &
	VERIFY_PID=$!
	background "$VERIFY_PID"
	if wait_for 10000 verify_up; then
		ok "relaybl-verify started (pid $VERIFY_PID), canary up in $WAITED_MS ms"
		return 0
	fi
	fail "relaybl-verify did not start" "$VERIFY_LOG"
	return 1
}

# stop_daemon NAME PID LOG: SIGTERM; it must exit 0 within 3 s.
# shellcheck disable=SC2153 # STOP_RC and STOP_MS come from stop_pid
stop_daemon()
{
	if stop_pid "$2" 3 && [ "$STOP_RC" -eq 0 ]; then
		ok "$1 exited 0 on SIGTERM in $STOP_MS ms"
	else
		fail "$1 on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" "$3"
	fi
	if grep -q 'Sanitizer' "$3"; then
		fail "$1: sanitizer report in its log" "$3"
	fi
}

# api NAME METHOD PATH [BODY]: one request; body in $OUT, status in $CODE.
api()
{
	LAST=$1
	if [ $# -ge 4 ]; then
		CODE=$(curl -s -m 5 -o "$OUT" -w '%{http_code}' -X "$2" \
		    -H 'Content-Type: application/json' --data-binary "$4" \
		    "http://127.0.0.1:$HPORT$3" 2>"$ERR")
	else
		CODE=$(curl -s -m 5 -o "$OUT" -w '%{http_code}' -X "$2" \
		    "http://127.0.0.1:$HPORT$3" 2>"$ERR")
	fi
	[ -n "$CODE" ] || CODE=000
}

# status N: the last request had status N.
status()
{
	if [ "$CODE" = "$1" ]; then ok "$LAST: $1"
	else fail "$LAST: status $CODE, expected $1" "$OUT"; fi
}

# report IP: POST /api/v1/reports, which must queue it (202).
report()
{
	api "report $1" POST /api/v1/reports "{\"ip\":\"$1\"}"
	status 202
}

# retest IP: POST /api/v1/hosts/IP/retest (202).
retest()
{
	api "retest $1" POST "/api/v1/hosts/$1/retest"
	status 202
}

# field IP NAME: a field of `relaybl show IP` ("state", "answer", ...).
field()
{
	rb show "$1" 2>/dev/null | awk -v f="$2" '
	    substr($0, 1, 13) == sprintf("%-13s", f) {
		print substr($0, 14); exit }'
}

state()
{
	field "$1" state
}

# retries IP: how many inconclusive tests in a row (show's "tests").
retries()
{
	field "$1" tests | sed -n 's/.*in a row: \([0-9]*\)).*/\1/p'
}

has_state()
{
	[ "$(state "$1")" = "$2" ]
}

# wait_state IP STATE MS: IP reaches STATE within MS; prints how long.
wait_state()
{
	if wait_for "$3" has_state "$1" "$2"; then
		ok "$1 is $2 after $WAITED_MS ms"
		return 0
	fi
	rb show "$1" >"$T/.show" 2>&1
	fail "$1 is not $2 after $3 ms (state: $(state "$1"))" "$T/.show"
	return 1
}

# show IP: `relaybl show IP` into the stdout file, for expect_out.
show()
{
	expect_rc 0 rb show "$1"
}

# evidence_tail IP: the last line of the last evidence of IP.
evidence_tail()
{
	rb show "$1" | sed -n '/^evidence:/,/^history:/p' | sed '$d' |
	    tail -1 | sed 's/^ *//'
}

# rev IP: the reversed IPv4 labels.
rev()
{
	echo "$1" | awk -F. '{ print $4 "." $3 "." $2 "." $1 }'
}

# answer IP: what relaybl-dns answers for IP's A record: the address,
# or the status (NXDOMAIN, ...) when there is none.
answer()
{
	local out
	out=$(dig +time=1 +tries=1 -p "$DPORT" @127.0.0.1 \
	    "$(rev "$1").$ZONE" A +noall +comments +answer 2>/dev/null)
	if echo "$out" | grep -q 'status: NOERROR' &&
	    echo "$out" | grep -qE '[[:space:]]A[[:space:]]'; then
		echo "$out" | awk '$4 == "A" { print $5; exit }'
	else
		echo "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
	fi
}

answers()
{
	[ "$(answer "$1")" = "$2" ]
}

# expect_answer IP WANT MS: relaybl-dns answers WANT for IP within MS.
expect_answer()
{
	if wait_for "$3" answers "$1" "$2"; then
		ok "dig $(rev "$1").$ZONE A: $2 ($WAITED_MS ms)"
	else
		fail "dig $(rev "$1").$ZONE A: $(answer "$1"), expected $2"
	fi
}

# say TEXT: a line of information, not a check.
say()
{
	printf '     %s\n' "$*"
}

# Ports for the targets (SPORT), the canary (CPORT), DNS (DPORT) and HTTP
# (HPORT), and the configuration of the whole system in C.
setup_system()
{
	SPORT=$(free_port) || exit 1
	CPORT=$(free_port) || exit 1
	DPORT=$(free_port) || exit 1
	HPORT=$(free_port) || exit 1
	C=$T/relaybl.conf
	write_conf "$C"
}
