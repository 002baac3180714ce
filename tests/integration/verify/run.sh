#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# verify/run.sh -- relaybl-verify and relaybl test against real mail servers
#
# Every "host" is an address on loopback with a server on the port all
# targets use: private Postfix instances (open: relays for 127.0.0.0/8;
# closed: relays for a range never used; a front that passes the canary
# domain to an exit, a multi-stage relay) and smtp-sinks with their
# faults (accepts everything and delivers nothing, no ESMTP, a greeting
# late past the timeout, 421 at connect, 4xx at RCPT, STARTTLS required,
# a greeting that names our canary domain). relaybl-dns, relaybl-http
# and relaybl-verify run on one store: each host is reported over HTTP
# and must end in the state its server deserves, with the evidence that
# says why, and DNS must serve exactly the listed ones (code 2 for an
# open relay, 3 for the exit of a multi-stage one). A private address
# the HTTP front end took is never tested; a listed relay that can no
# longer be reached stays listed. Then the daemon stops and `relaybl
# test` (with a canary of its own) must give each verdict as its exit
# status, refuse a private address without connecting anywhere, fall
# back to HELO, and never use the canary domain as a sender. Every
# Postfix instance and every daemon is stopped at exit, also on failure.

# shellcheck disable=SC2317 # helpers run through wait_for and check
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/verify/postfix.sh
. "$(dirname "$0")/postfix.sh"
# shellcheck source=tests/integration/verify/daemons.sh
. "$(dirname "$0")/daemons.sh"

need_postfix
need_daemons

setup_system
# relaybl-http on the same store may take reports of 10.1.2.3, which
# the verifier (configured by $C) must still refuse to test.
write_conf "$T/http.conf" 10.1.2.0/24

OPEN=127.0.0.21		# Postfix, open
CLOSED=127.0.0.22	# Postfix, closed: 454 Relay access denied
SINK=127.0.0.23		# smtp-sink: 250 to everything, delivers nothing
SLOW=127.0.0.24		# smtp-sink: greeting after 5 s
BUSY=127.0.0.25		# smtp-sink: 421 at connect
OLD=127.0.0.26		# smtp-sink: no ESMTP
FRONT=127.0.0.27	# Postfix, open, passes the canary's mail to EXIT
EXIT=127.0.0.28		# Postfix, open, delivers to the canary
GREY=127.0.0.29		# smtp-sink: 450 at RCPT
AUTH=127.0.0.30		# smtp-sink: 530 STARTTLS first, at MAIL
NAMED=127.0.0.32	# smtp-sink that calls itself canary.test
PRIV=10.1.2.3

# ---- the servers ---------------------------------------------------------

pf_new open "$OPEN" 127.0.0.0/8 "[127.0.0.1]:$CPORT"
pf_new closed "$CLOSED" 10.99.0.0/16 "[127.0.0.1]:$CPORT"
pf_new exit "$EXIT" 127.0.0.0/8 "[127.0.0.1]:$CPORT"
pf_new front "$FRONT" 127.0.0.0/8 "[$EXIT]:$SPORT"
# The names a target gives itself go into the battery, once each (case
# aside): the closed one greets with a name other than its EHLO name (2
# names, 27 probes), the front with its EHLO name in upper case (1).
pf_add closed 'smtpd_banner = gw.closed.test ESMTP'
pf_add front 'smtpd_banner = FRONT.TEST ESMTP'
pf_up open closed exit front || finish
sink sink "$SINK" || finish
sink slow "$SLOW" -W CONNECT:5 || finish
sink busy "$BUSY" -Q CONNECT || finish
sink old "$OLD" -e || finish
sink grey "$GREY" -r RCPT || finish
sink auth "$AUTH" -f MAIL -B '530 5.7.0 Must issue a STARTTLS command first' ||
    finish
sink named "$NAMED" -h "$CANARY" || finish

expect_rc 0 rb init
expect_rc 0 "$VERIFYD" -c "$C" -n
expect_out '^configuration OK$'
start_dns "$C" "$DPORT" || finish
start_http "$T/http.conf" || finish
start_verify "$C" || finish

# ---- reports, through the whole daemon -------------------------------------

t0=$(now_ms)
for ip in "$OPEN" "$CLOSED" "$SINK" "$SLOW" "$BUSY" "$FRONT" "$GREY" \
    "$AUTH" "$PRIV"; do
	report "$ip"
done

# A greeting later than greeting_timeout, and 421 at connect:
# inconclusive, still pending, due again (with back-off), never listed.
# Caught right after the first such test: after retry_max of them the
# host is taken to be closed (see the 4xx case below).
first_inconclusive()
{
	local ip done=0
	for ip in "$@"; do
		[ -s "$T/show.$ip" ] && { done=$((done + 1)); continue; }
		rb show "$ip" >"$T/.s" 2>/dev/null
		if grep -q '^tests .*in a row: [1-9]' "$T/.s"; then
			cp "$T/.s" "$T/show.$ip"
			say "$ip: first inconclusive test $(($(now_ms) - t0)) ms" \
			    "after the reports"
			done=$((done + 1))
		fi
	done
	[ "$done" -eq $# ]
}
wait_for 15000 first_inconclusive "$SLOW" "$BUSY"
for ip in "$SLOW" "$BUSY"; do
	LAST="show $ip after its first test"
	if [ ! -s "$T/show.$ip" ]; then
		rb show "$ip" >"$T/.show" 2>&1
		fail "$ip: no inconclusive test within 15 s" "$T/.show"
		continue
	fi
	cp "$T/show.$ip" "$OUT"
	expect_out '^state +pending$'
	expect_out '^queue +(report|retest|scheduled), due '
	expect_out '^    -- verdict: inconclusive$'
	expect_no_out '^answer '
done
cp "$T/show.$SLOW" "$OUT"
LAST="show $SLOW"
expect_out '^    -- timeout waiting for the greeting$'
cp "$T/show.$BUSY" "$OUT"
LAST="show $BUSY"
expect_out '^    S: 421 '
expect_out '^    -- 421: the server closes, try later$'
expect_answer "$SLOW" NXDOMAIN 1000
expect_answer "$BUSY" NXDOMAIN 1000

# The open relay: listed when a token arrives, from itself.
if wait_state "$OPEN" listed 20000; then
	say "open relay seen listed $(($(now_ms) - t0)) ms after the reports" \
	    "(looked at after the inconclusive ones)"
fi
show "$OPEN"
expect_out '^answer +127\.0\.0\.2$'
expect_out '^  [^ ]+ arrival '
expect_out "arrived at the canary from $OPEN \(HELO open\.test\)$"
expect_out '^    -- verdict: open relay: a test message arrived$'
expect_no_out 'multi-stage'
expect_out '^    -- battery of 21 probes$'
expect_answer "$OPEN" 127.0.0.2 3000

# The closed Postfix: refused, clean, never served.
wait_state "$CLOSED" clean 20000
show "$CLOSED"
expect_out '^  [^ ]+ test '
expect_out '^    S: 454 4\.7\.1 <[^>]+>: Relay access denied$'
expect_out '^    -- verdict: refused$'
expect_no_out ' arrival '
expect_out '^    S: 220 gw\.closed\.test ESMTP$'
expect_out '^    -- battery of 27 probes$'
expect_out '^    C: MAIL FROM:<relaytest@gw\.closed\.test>$'
expect_out '^    C: MAIL FROM:<relaytest@closed\.test>$'
expect_out '^    C: MAIL FROM:<gw\.closed\.test!relaytest>$'
expect_out '^    C: RCPT TO:<@closed\.test:rbl-[0-9a-f]+x{16}@canary\.test>$'
check "$CLOSED: every probe refused, none accepted" \
    eval "! rb show $CLOSED | grep -qE 'probe [0-9]+: (accepted|deferred)'"
expect_answer "$CLOSED" NXDOMAIN 3000

# Accepts everything, delivers nothing: recorded, never listed.
wait_state "$SINK" clean 20000
show "$SINK"
expect_out '^    -- probe [0-9]+: accepted$'
expect_out '^    -- no test message arrived in 3 s$'
got=$(evidence_tail "$SINK")
check "$SINK: the transcript ends in 'verdict: accepted but not delivered'" \
    [ "$got" = "-- verdict: accepted but not delivered" ]
expect_answer "$SINK" NXDOMAIN 3000

# The multi-stage relay: the front listed with 2, the exit with 3.
wait_state "$FRONT" listed 20000
wait_state "$EXIT" listed 5000
check "$FRONT: answer 127.0.0.2" [ "$(field "$FRONT" answer)" = 127.0.0.2 ]
check "$EXIT: answer 127.0.0.3" [ "$(field "$EXIT" answer)" = 127.0.0.3 ]
show "$FRONT"
expect_out '^    S: 220 FRONT\.TEST ESMTP$'
expect_out '^    -- battery of 21 probes$'
expect_out "arrived at the canary from $EXIT \(HELO exit\.test\).*: passed on by another host, the exit of a multi-stage relay"
expect_out "^    -- a test message arrived from $EXIT \(the exit of a multi-stage relay\)$"
show "$EXIT"
expect_out "exit of a multi-stage relay: a test of $FRONT \(probe [0-9]+, started at [0-9]+\) arrived from here"
expect_answer "$FRONT" 127.0.0.2 3000
expect_answer "$EXIT" 127.0.0.3 3000

# Only ever 4xx (greylisting's way): deferred, retried with back-off,
# and after retry_max tries taken to be closed.
wait_state "$GREY" clean 30000
show "$GREY"
expect_out '^    -- probe [0-9]+: deferred$'
expect_no_out '^    -- probe [0-9]+: (accepted|refused)$'
n=$(grep -c '^    -- verdict: inconclusive$' "$OUT")
check "$GREY: retry_max (3) tests, each inconclusive (got $n)" \
    [ "$n" -eq 3 ]
expect_answer "$GREY" NXDOMAIN 1000

# Authentication (or STARTTLS) required for every probe: not a relay.
wait_state "$AUTH" clean 20000
show "$AUTH"
expect_out '^    S: 530 5\.7\.0 Must issue a STARTTLS command first$'
expect_out '^    -- probe [0-9]+: authentication required$'
expect_out '^    -- verdict: authentication or STARTTLS required$'
expect_answer "$AUTH" NXDOMAIN 1000

# A private address that the HTTP front end took: never tested.
wait_state "$PRIV" clean 10000
show "$PRIV"
expect_out "not tested: $PRIV is in 10\.0\.0\.0/8, private-use"
expect_no_out 'connected'
check "relaybl-verify's log: $PRIV not tested" \
    grep -q "not tested: $PRIV is in 10.0.0.0/8" "$VERIFY_LOG"
check "no probe of $PRIV in the log" \
    eval "! grep -q 'testing $PRIV' '$VERIFY_LOG'"

# relaybl test while the daemon holds the canary's port: it finds the
# arrival in the store.
expect_rc 10 timeout 30 "$RELAYBL" -c "$C" test "$OPEN:$SPORT"
expect_err "the canary's port is taken"
# (what the open relay still passes on must reach the canary before it
# closes, or Postfix would take the canary's address for dead)
pf_drained open
expect_out '^verdict: open relay: a test message arrived$'

# A listed relay that cannot be reached any more: its retests are
# inconclusive, and an inconclusive test leaves the listing as it is
# (DESIGN.md: "inconclusive (timeouts, 421, 4xx: retried later with
# back-off, listing unchanged"): it must stay listed however often it
# times out, rather than be delisted by those who block the verifier.
pf_stop front
retest "$FRONT"
t1=$(now_ms)
# (the evidence of a test is written before its verdict: wait for the
# third verdict, which either delists the host or counts a third retry)
ran3()
{
	local r
	[ "$(state "$FRONT")" != listed ] && return 0
	r=$(retries "$FRONT")
	[ -n "$r" ] && [ "$r" -ge 3 ]
}
wait_for 20000 ran3
rb show "$FRONT" >"$T/show.front"
n=$(grep -c '^    -- connection failed$' "$T/show.front")
say "$FRONT unreachable: $n failed tests in $(($(now_ms) - t1)) ms, state" \
    "$(state "$FRONT")"
if [ "$(state "$FRONT")" = listed ] && answers "$FRONT" 127.0.0.2; then
	ok "$FRONT: still listed after $n unreachable retests"
else
	fail "$FRONT: an unreachable listed relay was $(state "$FRONT") after $n inconclusive retests (expected: still listed)" "$T/show.front"
fi
check "$EXIT: still listed as the exit (127.0.0.3)" answers "$EXIT" 127.0.0.3

# The hosts that could not be reached (greeting too late, 421) proved
# nothing either way: past retry_max tries they are still pending, due
# again with back-off, rather than taken to be closed.
tried3()
{
	local r
	r=$(retries "$1")
	[ -n "$r" ] && [ "$r" -ge 3 ]
}
for ip in "$SLOW" "$BUSY"; do
	if wait_for 20000 tried3 "$ip"; then
		ok "$ip: $(retries "$ip") inconclusive tests in a row"
	else
		fail "$ip: fewer than 3 inconclusive tests (retry_max)"
	fi
	check "$ip: still pending (state: $(state "$ip"))" has_state "$ip" pending
	check "$ip: not served" answers "$ip" NXDOMAIN
done

say "the daemon part took $(($(now_ms) - t0)) ms"
stop_daemon relaybl-verify "$VERIFY_PID" "$VERIFY_LOG"
check "relaybl-verify: no warnings but the private address" \
    eval "! grep -v 'not tested: $PRIV' '$VERIFY_LOG' | grep -qiE 'warn|fatal|error'"

# ---- relaybl test, with a canary of its own ---------------------------------

t2=$(now_ms)
expect_rc 10 timeout 30 "$RELAYBL" -c "$C" test "$OPEN:$SPORT"
expect_out '^-- testing 127\.0\.0\.21 port [0-9]+ as tester\.test$'
expect_out '^S: 220 open\.test ESMTP Postfix$'
expect_out '^C: MAIL FROM:<relaytest@bounce\.test>$'
expect_out "^-- probe [0-9]+ \(.*\) arrived at the canary$"
expect_out "^-- a test message arrived from $OPEN$"
expect_out '^verdict: open relay: a test message arrived$'
expect_err 'canary: listening on'
check "relaybl test never names the canary domain as a sender" \
    eval "! grep -qi 'MAIL FROM:<[^>]*$CANARY' '$OUT'"

expect_rc 0 timeout 30 "$RELAYBL" -c "$C" test "$CLOSED:$SPORT"
expect_out 'Relay access denied'
expect_out '^verdict: refused$'

expect_rc 11 timeout 30 "$RELAYBL" -c "$C" test "$SINK:$SPORT"
expect_out '^-- no test message arrived in 3 s$'
expect_out '^verdict: accepted but not delivered$'

# No ESMTP: EHLO refused, HELO then, and the probes still run.
expect_rc 11 timeout 30 "$RELAYBL" -c "$C" test "$OLD:$SPORT"
expect_out '^C: EHLO tester\.test$'
expect_out '^S: 5[0-9][0-9] '
expect_out '^C: HELO tester\.test$'
expect_out '^C: MAIL FROM:<>$'
expect_out '^-- probe 0: accepted$'

expect_rc 0 timeout 30 "$RELAYBL" -c "$C" test "$AUTH:$SPORT"
expect_out '^verdict: authentication or STARTTLS required$'

# A target that greets with our canary domain as its name: its names
# go into the senders, but the canary domain is never a sender
# (verify.h), whatever the target says.
expect_rc 11 timeout 30 "$RELAYBL" -c "$C" test "$NAMED:$SPORT"
expect_out "^S: 220 $CANARY"
check "relaybl test $NAMED: the canary domain in no MAIL FROM" \
    eval "! grep -qi 'MAIL FROM:<[^>]*$CANARY' '$OUT'"
grep -i "MAIL FROM:<[^>]*$CANARY" "$OUT" | sed 's/^/     | /'

expect_rc 12 timeout 30 "$RELAYBL" -c "$C" test "$SLOW:$SPORT"
expect_out '^-- timeout waiting for the greeting$'
expect_out '^verdict: inconclusive$'
expect_rc 12 timeout 30 "$RELAYBL" -c "$C" test "$BUSY:$SPORT"
expect_out '^verdict: inconclusive$'

# Safety: a private address is refused before any connection.
start=$(now_ms)
expect_rc 1 timeout 10 "$RELAYBL" -c "$C" test "$PRIV:$SPORT"
expect_err "$PRIV:$SPORT is in 10\.0\.0\.0/8, private-use \(RFC 1918\): not tested"
check "relaybl test $PRIV: nothing on stdout" [ ! -s "$OUT" ]
check "relaybl test $PRIV: refused at once" \
    [ $(($(now_ms) - start)) -lt 2000 ]
if strace -f -qq -e trace=connect -o "$T/strace.out" true 2>/dev/null; then
	strace -f -qq -e trace=connect -o "$T/strace.out" \
	    "$RELAYBL" -c "$C" test "$PRIV:$SPORT" >/dev/null 2>&1
	check "relaybl test $PRIV: no connect(2) to an IP address" \
	    eval "! grep -qE 'AF_INET|sin_addr' '$T/strace.out'"
else
	say "(strace does not work here: the connect(2) check is skipped)"
fi
expect_rc 1 timeout 10 "$RELAYBL" -c "$C" test 192.168.1.1
expect_err 'is in 192\.168\.0\.0/16, private-use'
say "the relaybl test part took $(($(now_ms) - t2)) ms"

# ---- the end ----------------------------------------------------------------

stop_daemon relaybl-http "$HTTP_PID" "$HTTP_LOG"
stop_dns
for name in open closed exit; do
	pf_stop "$name"
	check "postfix $name stopped" eval "! listening \$PF_ADDR_$name $SPORT"
done
say "the whole case took $(($(now_ms) - t0)) ms after the reports"
finish
