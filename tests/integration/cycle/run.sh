#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# cycle/run.sh -- the whole life of a listing, through every daemon
#
# relaybl-dns, relaybl-http and relaybl-verify on one store, and an open
# Postfix on 127.0.0.31. It is reported over HTTP, verified (the test
# message reaches the canary), listed, and served by DNS; then its owner
# closes it (mynetworks no longer covers us, postfix reload) and asks
# for a retest over HTTP; the verifier finds it closed and delists it,
# and DNS stops serving it. Last, the test messages of an earlier retest,
# held in the relay's queue, arrive after the delisting: they must not
# list the closed relay again. Every step is bounded, and its time
# printed.
# The Postfix instance and the daemons are stopped at exit. Helpers come
# from verify/ (postfix.sh, daemons.sh).

# shellcheck disable=SC2317 # helpers run through wait_for and check
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/verify/postfix.sh
. "$(dirname "$0")/../verify/postfix.sh"
# shellcheck source=tests/integration/verify/daemons.sh
. "$(dirname "$0")/../verify/daemons.sh"

need_postfix
need_daemons

setup_system
H=127.0.0.31

# step NAME MS: print the time a step took.
step()
{
	say "step: $1: $2 ms"
}

t=$(now_ms)
pf_new relay "$H" 127.0.0.0/8 "[127.0.0.1]:$CPORT"
pf_up relay || finish
expect_rc 0 rb init
start_dns "$C" "$DPORT" || finish
start_http "$C" || finish
start_verify "$C" || finish
step "Postfix and the three daemons up" $(($(now_ms) - t))
expect_answer "$H" NXDOMAIN 1000

# ---- reported, verified, listed ----------------------------------------------

t0=$(now_ms)
report "$H"
t=$(now_ms)
wait_state "$H" listed 20000
step "report to listing" $(($(now_ms) - t0))
show "$H"
expect_out '^answer +127\.0\.0\.2$'
expect_out "arrived at the canary from $H \(HELO relay\.test\)"
expect_out '^    -- verdict: open relay: a test message arrived$'
expect_out '^  serial [0-9]+ [^ ]+ added 127\.0\.0\.2$'
t=$(now_ms)
expect_answer "$H" 127.0.0.2 3000
step "listing to DNS answer" $(($(now_ms) - t))
step "report to DNS answer" $(($(now_ms) - t0))
dig +time=1 +tries=1 -p "$DPORT" @127.0.0.1 "31.0.0.127.$ZONE" TXT +short \
    >"$T/txt" 2>&1
check "the TXT answer names $H" grep -q "$H" "$T/txt"
api "GET /api/v1/hosts/$H" GET "/api/v1/hosts/$H"
status 200
expect_out '"state": *"listed"'

# Let what the relay still passes on reach the canary before it closes.
pf_drained relay

# reload_relay WHAT: postfix reload, done when the master logs it (its
# idle smtpd processes with the old settings exit then).
RELOADS=0
reloaded()
{
	[ "$(grep -c 'reload -- version' "$T/pf-relay/maillog")" -gt "$RELOADS" ]
}
reload_relay()
{
	pf_reload relay
	if wait_for 5000 reloaded; then
		ok "postfix reloaded: $1 ($WAITED_MS ms)"
	else
		fail "postfix did not log its reload ($1)" "$T/pf-relay/maillog"
	fi
	RELOADS=$(grep -c 'reload -- version' "$T/pf-relay/maillog")
}

# ---- mail of a retest stuck in the relay's queue --------------------------------
#
# A retest while the relay still takes everything but its deliveries are
# deferred (defer_transports = smtp, then held): accepted, nothing
# arrives, so it stays listed. That mail is released only after the
# relay is closed and delisted (below), as a relay's queue run would.

t=$(now_ms)
pf_set relay 'defer_transports = smtp'
reload_relay 'defer_transports = smtp'
retest "$H"
accepted_run()
{
	[ "$(rb show "$H" | grep -c '^    -- verdict: accepted but not delivered$')" -ge 1 ]
}
if wait_for 15000 accepted_run; then
	ok "$H: a retest with deliveries deferred: accepted but not delivered ($WAITED_MS ms)"
else
	rb show "$H" >"$T/.show"
	fail "$H: no 'accepted but not delivered' retest within 15 s" "$T/.show"
fi
check "$H: still listed (accepted but not delivered proves nothing)" \
    has_state "$H" listed
postsuper -c "$T/pf-relay/conf" -h ALL >/dev/null 2>&1
held=$(postqueue -c "$T/pf-relay/conf" -p | grep -c '^[0-9A-F]*!' || true)
check "postfix relay: $held test messages on hold" [ "$held" -gt 0 ]
step "a retest whose mail is held" $(($(now_ms) - t))

# ---- closed by its owner, retested, delisted -----------------------------------

t1=$(now_ms)
pf_set relay 'mynetworks = 10.99.0.0/16' 'defer_transports ='
reload_relay 'mynetworks = 10.99.0.0/16'
check "main.cf says mynetworks = 10.99.0.0/16" \
    eval "postconf -c '$T/pf-relay/conf' -h mynetworks | grep -qx 10.99.0.0/16"
step "closing the relay (postconf, reload)" $(($(now_ms) - t1))

t2=$(now_ms)
retest "$H"
expect_out '"queue": *"retest"'
wait_state "$H" delisted 20000
step "retest request to delisting" $(($(now_ms) - t2))
show "$H"
expect_out '^state +delisted$'
expect_no_out '^answer '
expect_out '^    S: 454 4\.7\.1 <[^>]+>: Relay access denied$'
expect_out '^    -- verdict: refused$'
expect_out '^  serial [0-9]+ [^ ]+ removed 127\.0\.0\.2$'
t=$(now_ms)
expect_answer "$H" NXDOMAIN 3000
step "delisting to NXDOMAIN" $(($(now_ms) - t))
step "retest request to NXDOMAIN" $(($(now_ms) - t2))
api "GET /api/v1/hosts/$H" GET "/api/v1/hosts/$H"
status 200
expect_out '"state": *"delisted"'
expect_rc 0 rb list
expect_out "^$H	delisted	"

# ---- the stuck mail arrives after the delisting -----------------------------------
#
# The relay's queue delivers the tokens of the retest it took while it
# was open. They prove it relayed then, before the test that found it
# closed: the arrival is evidence, but a host proven closed since must
# not be listed again on older proof (else an owner who fixed a relay
# is relisted by its own queue, as often as it retries).

t=$(now_ms)
arrivals_before=$(rb show "$H" | grep -c '^  [^ ]* arrival ' || true)
postsuper -c "$T/pf-relay/conf" -H ALL >/dev/null 2>&1
postqueue -c "$T/pf-relay/conf" -f >/dev/null 2>&1
pf_drained relay
more_arrivals()
{
	[ "$(rb show "$H" | grep -c '^  [^ ]* arrival ')" -gt "$arrivals_before" ]
}
if wait_for 5000 more_arrivals; then
	ok "$H: the stuck test messages arrived at the canary ($WAITED_MS ms)"
else
	fail "$H: the released test messages did not arrive" \
	    "$T/pf-relay/maillog"
fi
step "stuck mail released to its arrival" $(($(now_ms) - t))
rb show "$H" >"$T/show.after"
if has_state "$H" delisted && answers "$H" NXDOMAIN; then
	ok "$H: still delisted after the older tokens arrived"
else
	fail "$H: $(state "$H") again (DNS: $(answer "$H")) on tokens older than the test that delisted it" "$T/show.after"
fi

# ---- the end ----------------------------------------------------------------------

step "the whole cycle" $(($(now_ms) - t0))
stop_daemon relaybl-verify "$VERIFY_PID" "$VERIFY_LOG"
stop_daemon relaybl-http "$HTTP_PID" "$HTTP_LOG"
stop_dns
pf_stop relay
check "postfix relay stopped" eval "! listening $H $SPORT"
finish
