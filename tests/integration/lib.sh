# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# lib.sh -- checks shared by the integration cases (sourced by run.sh)
#
# A case runs commands with expect_rc, which keeps the command's stdout
# and stderr in files, then checks them against a pattern (expect_out,
# expect_no_out, expect_err) or as a whole against a here-document
# (expect_output, expect_errors). Every check counts as passed or failed
# and says so on one line; finish prints the totals and exits 1 if
# anything failed. A failed check does not stop the case, so that one
# run shows every failure. Feed commands from files, never from a pipe:
# a pipe runs the check in a subshell and its count would be lost.
#
# For the cases that run daemons: free_port picks a port, start_dns and
# stop_dns run relaybl-dns, background registers any other process;
# whatever is still running when the case exits is stopped then. dig_ask
# and drill_ask query a server and leave a summary of the answer (see
# dns_summary) in the stdout file, so that the expect_* checks apply.

PASSED=0
FAILED=0
CASE=${CASE:-$(basename "$(dirname "$0")")}
OUT=$T/.stdout
ERR=$T/.stderr
LAST=

ok()
{
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

# fail NAME [FILE]: count a failure and show FILE (the evidence), if any.
fail()
{
	FAILED=$((FAILED + 1))
	printf 'FAIL %s\n' "$1"
	if [ -n "${2-}" ] && [ -f "$2" ]; then
		sed -n '1,20s/^/     | /p' "$2"
	fi
}

# check NAME CMD...: pass when CMD succeeds (a test, a cmp, ...).
check()
{
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# expect_rc N CMD...: run CMD, keep its output, check its exit status.
expect_rc()
{
	local want=$1 rc
	shift
	LAST="$*"
	LAST=${LAST//"$RELAYBL"/relaybl}
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$LAST: exit $rc"
	else
		fail "$LAST: exit $rc, expected $want" "$ERR"
	fi
}

# expect_out PATTERN, expect_no_out PATTERN, expect_err PATTERN: grep -E
# the last output.
expect_out()
{
	if grep -Eq -- "$1" "$OUT"; then ok "$LAST: stdout /$1/"
	else fail "$LAST: stdout lacks /$1/" "$OUT"; fi
}

expect_no_out()
{
	if ! grep -Eq -- "$1" "$OUT"; then ok "$LAST: no stdout /$1/"
	else fail "$LAST: stdout has /$1/" "$OUT"; fi
}

expect_err()
{
	if grep -Eq -- "$1" "$ERR"; then ok "$LAST: stderr /$1/"
	else fail "$LAST: stderr lacks /$1/" "$ERR"; fi
}

# expect_output [FILTER...] <<EOF, expect_errors [FILTER...] <<EOF: the
# whole stdout (stderr), piped through FILTER when given to drop what
# changes from run to run, must be what stdin says.
expect_output()
{
	same_text stdout "$OUT" "$@"
}

expect_errors()
{
	same_text stderr "$ERR" "$@"
}

same_text()
{
	local what=$1 file=$2 got=$T/.got
	shift 2
	if [ $# -gt 0 ]; then "$@" <"$file" >"$got"; else cp "$file" "$got"; fi
	if diff -u - "$got" >"$T/.diff"; then
		ok "$LAST: whole $what"
	else
		fail "$LAST: $what differs (-expected +got)" "$T/.diff"
	fi
}

# ---- daemons ----------------------------------------------------------

BG_PIDS=
DNS_PID=
DNS_LOG=$T/dns.log
RAW=$T/.raw

# running PID: the process exists and has not exited (a zombie has).
running()
{
	local state
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" \
	    2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# background PID: stop PID (TERM, then KILL) when the case exits.
background()
{
	BG_PIDS="$BG_PIDS $1"
}

# stop_pid PID [SECONDS]: TERM it and wait for it to exit, at most
# SECONDS (default 3); KILL it when it will not. Sets STOP_RC (its exit
# status, or 137 when it had to be killed) and STOP_MS; @return 0 when
# it exited on TERM in time.
stop_pid()
{
	local pid=$1 limit=$((${2:-3} * 1000)) start
	STOP_RC=
	STOP_MS=0
	start=$(now_ms)
	kill -TERM "$pid" 2>/dev/null
	while running "$pid"; do
		STOP_MS=$(($(now_ms) - start))
		if [ "$STOP_MS" -ge "$limit" ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			STOP_RC=137
			return 1
		fi
		sleep 0.02
	done
	STOP_MS=$(($(now_ms) - start))
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	BG_PIDS=${BG_PIDS// $pid/}
	return 0
}

lib_cleanup()
{
	local pid
	for pid in $BG_PIDS; do
		running "$pid" && stop_pid "$pid" 3
	done
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# need CMD...: skip the case (exit 77) when a command is missing.
need()
{
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "$CASE: $c not installed: skipped"
			exit 77
		fi
	done
}

# have_ipv6: the machine has an IPv6 loopback we can bind.
have_ipv6()
{
	python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::1", 0))' 2>/dev/null
}

# free_port: print a random high port that is free for UDP and TCP on
# 127.0.0.1 (and ::1, when there is one) and that this case has not
# been given yet (they are kept in $T/.ports, as free_port runs in a
# subshell when called as P=$(free_port)).
free_port()
{
	local p
	p=$(python3 - "$(cat "$T/.ports" 2>/dev/null)" <<'EOF'
import random, socket, sys
given = set(sys.argv[1].split())
fams = [(socket.AF_INET, "127.0.0.1")]
try:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::1", 0))
    s.close()
    fams.append((socket.AF_INET6, "::1"))
except OSError:
    pass
for _ in range(200):
    port = random.randint(20000, 60999)
    if str(port) in given:
        continue
    socks = []
    try:
        for fam, addr in fams:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, kind)
                socks.append(s)
                s.bind((addr, port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    sys.exit(0)
sys.exit(1)
EOF
) || { echo "$CASE: no free port found" >&2; return 1; }
	echo "$p" >>"$T/.ports"
	echo "$p"
}

# wait_for MS CMD...: run CMD every 20 ms until it succeeds, for at most
# MS milliseconds. Sets WAITED_MS; @return CMD's last status.
wait_for()
{
	local limit=$1 start
	shift
	start=$(now_ms)
	while :; do
		if "$@"; then
			WAITED_MS=$(($(now_ms) - start))
			return 0
		fi
		WAITED_MS=$(($(now_ms) - start))
		[ "$WAITED_MS" -lt "$limit" ] || return 1
		sleep 0.02
	done
}

# dns_up ADDR PORT ZONE: the server at ADDR#PORT answers for ZONE.
dns_up()
{
	dig +time=1 +tries=1 -p "$2" @"$1" "$3" SOA +norec 2>/dev/null |
	    grep -q 'status: NOERROR'
}

# start_dns CONF PORT [ZONE]: start relaybl-dns -c CONF in the
# background, its stderr appended to $DNS_LOG, and wait (10 s at most)
# until it answers the SOA of ZONE (relays.example.org) on
# 127.0.0.1#PORT. Sets DNS_PID; @return 1, after a FAIL line, when it
# did not come up.
start_dns()
{
	local conf=$1 port=$2 zone=${3:-relays.example.org}
	if [ ! -x "${RELAYBL_DNS-}" ]; then
		fail "relaybl-dns not found at ${RELAYBL_DNS-(unset)}: build it"
		return 1
	fi
	"$RELAYBL_DNS" -c "$conf" 2>>"$DNS_LOG" &
	DNS_PID=$!
	background "$DNS_PID"
	if wait_for 10000 dns_alive_and_up 127.0.0.1 "$port" "$zone"; then
		ok "relaybl-dns started (pid $DNS_PID), answering in $WAITED_MS ms"
		return 0
	fi
	fail "relaybl-dns did not answer on 127.0.0.1#$port" "$DNS_LOG"
	return 1
}

dns_alive_and_up()
{
	running "$DNS_PID" || return 2
	dns_up "$@"
}

# stop_dns: SIGTERM the server started last; it must exit 0 within
# 3 s. Sets STOP_RC and STOP_MS like stop_pid.
stop_dns()
{
	[ -n "$DNS_PID" ] || return 1
	if stop_pid "$DNS_PID" 3 && [ "$STOP_RC" -eq 0 ]; then
		ok "relaybl-dns exited 0 on SIGTERM in $STOP_MS ms"
	else
		fail "relaybl-dns on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" \
		    "$DNS_LOG"
	fi
	if grep -q 'Sanitizer' "$DNS_LOG"; then
		fail "relaybl-dns: sanitizer report in its log" "$DNS_LOG"
	fi
	DNS_PID=
}

# ---- queries -----------------------------------------------------------

# dns_summary: read dig's or drill's output and write what the answer
# says, the same for both tools:
#	[OPCODE ]RCODE flags: FLAGS; qd QD an AN ns NS ar AR[; edns UDP]
#	qd NAME CLASS TYPE		(the question, as echoed)
#	an|ns|ar OWNER TTL CLASS TYPE RDATA
#	malformed			(the tool could not parse it all)
# one block per message. AR leaves the OPT record out (dig counts it,
# drill does not), its payload size is shown as edns; dates (TXT) read
# DATE, and white space is squeezed.
dns_summary()
{
	awk '
	function norm(s) {
		gsub(/[ \t]+/, " ", s)
		sub(/^ /, "", s)
		sub(/ $/, "", s)
		gsub(/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/, "DATE", s)
		return s
	}
	function block() {
		if (!inmsg)
			return
		if (isdig && edns != "")
			ar--
		line = (op == "QUERY" ? "" : op " ") rc " flags: " flags \
		    "; qd " qd " an " an " ns " ns " ar " ar
		if (edns != "")
			line = line "; edns " edns
		print line
		for (i = 0; i < nl; i++)
			print lines[i]
		if (bad)
			print "malformed"
		nl = 0
		bad = 0
	}
	/[Ww]arning: .*(malformed|extra bytes)/ {
		if (inmsg) bad = 1; else pend = 1
		next
	}
	/->>HEADER<<-/ {
		block()
		inmsg = 1
		bad = pend
		pend = 0
		isdig = /status:/
		op = $0; sub(/.*opcode: /, "", op); sub(/,.*/, "", op)
		rc = $0; sub(/.*(status|rcode): /, "", rc); sub(/,.*/, "", rc)
		flags = ""; edns = ""; sect = ""
		next
	}
	/^;; flags:/ {
		flags = $0
		sub(/^;; flags: */, "", flags)
		sub(/ *;.*/, "", flags)
		h = $0
		qd = h; sub(/.*QUERY: /, "", qd); sub(/,.*/, "", qd)
		an = h; sub(/.*ANSWER: /, "", an); sub(/,.*/, "", an)
		ns = h; sub(/.*AUTHORITY: /, "", ns); sub(/,.*/, "", ns)
		ar = h; sub(/.*ADDITIONAL: /, "", ar); sub(/[^0-9].*/, "", ar)
		next
	}
	/EDNS: version/ {
		edns = $0
		sub(/.*udp: */, "", edns)
		sub(/[^0-9].*/, "", edns)
		v = $0
		sub(/.*version:? */, "", v)
		sub(/[^0-9].*/, "", v)
		if (v != "0")
			edns = edns " version " v
		next
	}
	/^;; [A-Z]+ SECTION:/ {
		sect = $2
		next
	}
	/^[ \t]*$/ {
		sect = ""
		next
	}
	sect == "QUESTION" {
		s = $0
		sub(/^;+ */, "", s)
		lines[nl++] = "qd " norm(s)
		next
	}
	/^;/ { next }
	sect == "ANSWER" { lines[nl++] = "an " norm($0); next }
	sect == "AUTHORITY" { lines[nl++] = "ns " norm($0); next }
	sect == "ADDITIONAL" { lines[nl++] = "ar " norm($0); next }
	END { block() }
	'
}

# dig_ask ADDR PORT ARGS...: dig @ADDR -p PORT ARGS (+time=2 +tries=1);
# its output in $RAW, the summary in the stdout file.
dig_ask()
{
	local addr=$1 port=$2
	shift 2
	LAST="dig @$addr $*"
	dig +time=2 +tries=1 -p "$port" @"$addr" "$@" >"$RAW" 2>"$ERR"
	dns_summary <"$RAW" >"$OUT"
}

# drill_ask ADDR PORT ARGS...: drill @ADDR -p PORT ARGS, stopped after
# 5 s; likewise.
drill_ask()
{
	local addr=$1 port=$2
	shift 2
	LAST="drill @$addr $*"
	timeout 5 drill -p "$port" "$@" @"$addr" >"$RAW" 2>"$ERR"
	dns_summary <"$RAW" >"$OUT"
}

# dns_ask TOOL PROTO ADDR PORT NAME TYPE [CLASS]: the same query with
# dig or drill, over udp or tcp, with EDNS (1232) and RD.
dns_ask()
{
	local tool=$1 proto=$2 addr=$3 port=$4
	shift 4
	case $tool/$proto in
	dig/udp)	dig_ask "$addr" "$port" +bufsize=1232 +notcp "$@" ;;
	dig/tcp)	dig_ask "$addr" "$port" +bufsize=1232 +tcp "$@" ;;
	drill/udp)	drill_ask "$addr" "$port" -b 1232 -u "$@" ;;
	drill/tcp)	drill_ask "$addr" "$port" -b 1232 -t "$@" ;;
	esac
	LAST="$tool $proto @$addr $*"
}

# expect_checks CMD...: run CMD, a checker that prints "ok WHAT" and
# "FAIL WHAT" lines (anything else is shown as is), and count those.
expect_checks()
{
	local verdict rest
	LAST="$*"
	"$@" >"$OUT" 2>"$ERR"
	while IFS= read -r rest; do
		verdict=${rest%% *}
		case $verdict in
		ok)	ok "${rest#ok }" ;;
		FAIL)	fail "${rest#FAIL }" ;;
		*)	printf '     %s\n' "$rest" ;;
		esac
	done <"$OUT"
	if [ -s "$ERR" ]; then
		fail "$LAST: stderr" "$ERR"
	fi
}

finish()
{
	printf '%s: %d passed, %d failed\n' "$CASE" "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}
