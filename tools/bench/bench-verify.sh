#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench-verify.sh -- how relaybl-verify copes with many slow closed hosts
#
# One python3 asyncio process plays 200 mail servers, one on each of
# 127.1.X.Y (100 per /24) at one port: each waits 2 seconds before its
# greeting, then takes EHLO and MAIL and refuses every recipient with
# "454 4.7.1 Relay access denied", as a closed Postfix does. The 200 are
# reported through relaybl-http (one API key with limits high enough),
# then relaybl-verify starts with max_tests = 200 and per_net = 256, and
# we measure how long until all 200 are clean, relaybl-verify's peak
# RSS (VmHWM) and CPU time, and what the servers saw: connections,
# the most at once overall and per host (a run must never hold two
# connections to one host). Builds nothing: `make bench` builds first.
# BUILD names the build directory (default build); BENCH_HOSTS,
# BENCH_DELAY (seconds), BENCH_MAX_TESTS and BENCH_PER_NET change the
# figures.

set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_HOSTS:-200}
DELAY=${BENCH_DELAY:-2}
MAX_TESTS=${BENCH_MAX_TESTS:-200}
PER_NET=${BENCH_PER_NET:-256}
LIMIT=${BENCH_LIMIT:-180}
RELAYBL=$BUILD/tools/cli/relaybl
HTTPD=$BUILD/server/http/relaybl-http
VERIFYD=$BUILD/tools/verify/relaybl-verify

for p in "$RELAYBL" "$HTTPD" "$VERIFYD"; do
	if [ ! -x "$p" ]; then
		echo "bench-verify: $p not found: run make build first" >&2
		exit 1
	fi
done
for c in python3 curl; do
	if ! command -v "$c" >/dev/null; then
		echo "bench-verify: $c is needed" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/relaybl-bench-verify.XXXXXX")
PIDS=
cleanup()
{
	local p
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# free_port: a port nothing uses on any loopback address.
free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

SPORT=$(free_port)
CPORT=$(free_port)
HPORT=$(free_port)
while [ "$SPORT" = "$CPORT" ] || [ "$HPORT" = "$CPORT" ] ||
    [ "$HPORT" = "$SPORT" ]; do
	HPORT=$(free_port)
	CPORT=$(free_port)
done

# The addresses: 127.1.X.Y, 100 to a /24.
python3 -c 'import sys
for i in range(int(sys.argv[1])):
    print("127.1.%d.%d" % (i // 100, i % 100 + 1))' "$N" >"$T/hosts"

KEY=bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s bench\n' "$KEY" >"$T/api.keys"
cat >"$T/relaybl.conf" <<EOF
[store]
path = store

[policy]
allow = 127.0.0.0/8
retest_interval = 1h

[http]
listen = 127.0.0.1:$HPORT
api_keys_file = api.keys
key_report_rate = 1000000
key_report_burst = 1000000

[verify]
canary_listen = 127.0.0.1:$CPORT
canary_domain = canary.test
bounce_domain = bounce.test
helo_name = tester.test
port = $SPORT
connect_timeout = 5s
greeting_timeout = $((DELAY + 5))s
command_timeout = 5s
data_timeout = 5s
wait = 3s
budget = 120s
max_tests = $MAX_TESTS
per_net = $PER_NET
retry_base = 1h
EOF

# ---- the fake servers ------------------------------------------------------

cat >"$T/fake.py" <<'EOF'
# N closed mail servers with a late greeting, on one asyncio loop.
import asyncio, json, signal, sys

hosts = open(sys.argv[1]).read().split()
port, delay, out, ready = int(sys.argv[2]), float(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
stats = {"connections": 0, "max_open": 0, "max_open_per_host": 0,
         "commands": 0, "rcpt_refused": 0, "data": 0, "quit": 0}
open_now = 0
per_host = {}

async def serve(reader, writer, host):
    global open_now
    stats["connections"] += 1
    open_now += 1
    per_host[host] = per_host.get(host, 0) + 1
    stats["max_open"] = max(stats["max_open"], open_now)
    stats["max_open_per_host"] = max(stats["max_open_per_host"],
                                     per_host[host])
    name = "fake-" + host.replace(".", "-") + ".test"
    try:
        await asyncio.sleep(delay)
        writer.write(b"220 " + name.encode() + b" ESMTP\r\n")
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 30)
            if not line:
                break
            stats["commands"] += 1
            verb = line[:4].upper()
            if verb == b"EHLO":
                reply = b"250-" + name.encode() + b"\r\n250 PIPELINING"
            elif verb == b"HELO":
                reply = b"250 " + name.encode()
            elif verb == b"MAIL" or verb == b"RSET" or verb == b"NOOP":
                reply = b"250 2.0.0 Ok"
            elif verb == b"RCPT":
                stats["rcpt_refused"] += 1
                reply = b"454 4.7.1 <x>: Relay access denied"
            elif verb == b"DATA":
                stats["data"] += 1
                reply = b"554 5.5.1 Error: no valid recipients"
            elif verb == b"QUIT":
                stats["quit"] += 1
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                break
            else:
                reply = b"502 5.5.2 Error: command not recognized"
            writer.write(reply + b"\r\n")
            await writer.drain()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        open_now -= 1
        per_host[host] -= 1
        writer.close()

async def main():
    servers = []
    for h in hosts:
        servers.append(await asyncio.start_server(
            lambda r, w, h=h: serve(r, w, h), h, port, backlog=64))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    open(ready, "w").write("ready\n")
    while not stop.is_set():
        json.dump(stats, open(out, "w"))
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass
    json.dump(stats, open(out, "w"))

asyncio.run(main())
EOF

stat_of()
{
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/fake.json" "$1"
}

wait_file()
{
	local _
	for _ in $(seq 1 200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

echo "==> $N fake closed servers on 127.1.X.Y:$SPORT, greeting after ${DELAY}s"
python3 "$T/fake.py" "$T/hosts" "$SPORT" "$DELAY" "$T/fake.json" \
    "$T/fake.ready" 2>"$T/fake.log" &
PIDS="$PIDS $!"
wait_file "$T/fake.ready" || { cat "$T/fake.log" >&2; exit 1; }

# ---- the reports -------------------------------------------------------------

"$RELAYBL" -c "$T/relaybl.conf" init >/dev/null
"$HTTPD" -c "$T/relaybl.conf" 2>"$T/http.log" &
HTTP_PID=$!
PIDS="$PIDS $HTTP_PID"
for _ in $(seq 1 100); do
	curl -s -m 1 -o /dev/null -f "http://127.0.0.1:$HPORT/healthz" && break
	sleep 0.05
done
echo "==> reporting the $N hosts over HTTP"
t0=$(now_ms)
python3 - "$T/hosts" "$HPORT" "$KEY" <<'EOF'
import http.client, json, sys
hosts = open(sys.argv[1]).read().split()
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=10)
bad = 0
for h in hosts:
    c.request("POST", "/api/v1/reports", json.dumps({"ip": h}),
              {"Content-Type": "application/json", "X-API-Key": sys.argv[3]})
    r = c.getresponse()
    r.read()
    if r.status != 202:
        bad += 1
        print("report %s: %d" % (h, r.status), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
report_ms=$(($(now_ms) - t0))
pending=$("$RELAYBL" -c "$T/relaybl.conf" list --state pending | wc -l)
echo "    $pending pending, reported in $report_ms ms"

# ---- the run -------------------------------------------------------------------

count_clean()
{
	{ "$RELAYBL" -c "$T/relaybl.conf" list --state clean 2>/dev/null || true; } | wc -l
}

echo "==> relaybl-verify, max_tests = $MAX_TESTS, per_net = $PER_NET"
t1=$(now_ms)
"$VERIFYD" -c "$T/relaybl.conf" 2>"$T/verify.log" &
VPID=$!
PIDS="$PIDS $VPID"
clean=0
first=
hwm=0
while :; do
	clean=$(count_clean)
	if [ -z "$first" ] && [ "$clean" -gt 0 ]; then
		first=$(($(now_ms) - t1))
	fi
	h=$(awk '/^VmHWM/ { print $2 }' "/proc/$VPID/status" 2>/dev/null ||
	    echo 0)
	[ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
	[ "$clean" -ge "$N" ] && break
	if ! kill -0 "$VPID" 2>/dev/null; then
		echo "bench-verify: relaybl-verify died" >&2
		tail -20 "$T/verify.log" >&2
		exit 1
	fi
	if [ $(($(now_ms) - t1)) -ge $((LIMIT * 1000)) ]; then
		echo "bench-verify: only $clean of $N clean after $LIMIT s" >&2
		break
	fi
	sleep 0.2
done
all_ms=$(($(now_ms) - t1))
read -r ut st < <(awk '{ print $14, $15 }' "/proc/$VPID/stat")
tck=$(getconf CLK_TCK)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$VPID/status")
kill -TERM "$VPID"
wait "$VPID" || true
sleep 0.6	# the fake servers write their figures twice a second

other=$("$RELAYBL" -c "$T/relaybl.conf" list | awk '$2 != "clean"' | wc -l)
ev=$("$RELAYBL" -c "$T/relaybl.conf" show 127.1.0.1 |
    grep -c 'Relay access denied' || true)
warn=$(grep -ciE 'warn|error|fatal' "$T/verify.log" || true)

echo
echo "hosts                  $N (127.1.X.Y, 100 per /24), greeting after ${DELAY}s"
echo "reports over HTTP      $report_ms ms"
echo "first host clean       ${first:-never} ms after relaybl-verify started"
echo "all clean              $clean of $N in $all_ms ms"
echo "hosts not clean        $other"
echo "verify peak RSS        $hwm kB (VmHWM), $rss kB at the end"
echo "verify CPU time        $(awk -v u="$ut" -v s="$st" -v t="$tck" \
    'BEGIN { printf "%.2f s user, %.2f s system", u / t, s / t }')"
echo "SMTP connections       $(stat_of connections) ($(stat_of max_open) at once at most, $(stat_of max_open_per_host) per host at most)"
echo "RCPT refused           $(stat_of rcpt_refused); DATA sent $(stat_of data); QUIT $(stat_of quit)"
echo "454 lines in evidence  $ev (for 127.1.0.1)"
echo "log warnings           $warn"
[ "$clean" -ge "$N" ]
