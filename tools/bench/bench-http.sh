#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench-http.sh -- relaybl-http under load from wrk
#
# Starts relaybl-http on a fresh store in a temporary directory, on a
# free loopback port, with 1,000 hosts imported (`relaybl import`) so
# that lookups hit, limits high enough not to refuse the load (reports
# with an API key whose bucket is large, 256 connections per address)
# and an allow list of 127.0.0.0/8. Then runs wrk (-t2 -c64 --latency,
# 10 s each) against:
#   1. GET  /api/v1/hosts/{ip}, ip drawn at random from the imported hosts;
#   2. POST /api/v1/reports, JSON {"ip": random 127.x.y.z}, X-API-Key.
# and prints requests/s and latency (average, p50, p99) for each. Stops
# the daemon and removes the directory whatever happens. Builds nothing:
# BUILD names the build directory (default build); BENCH_SECONDS,
# BENCH_THREADS and BENCH_CONNECTIONS change the load.

set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DURATION=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
N=1000
RELAYBL=$BUILD/tools/cli/relaybl
HTTPD=$BUILD/server/http/relaybl-http

for p in "$RELAYBL" "$HTTPD"; do
	if [ ! -x "$p" ]; then
		echo "bench-http: $p not found: run make build first" >&2
		exit 1
	fi
done
for c in wrk curl ss; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "bench-http: $c not installed (tools/install-deps.sh)" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/relaybl-bench-http.XXXXXX")
PID=
cleanup()
{
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null || :
		for _ in $(seq 1 150); do
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$PID" 2>/dev/null || :
		wait "$PID" 2>/dev/null || :
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: random, and not in ss's list of listening sockets.
PORT=
for _ in $(seq 1 100); do
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	if ! ss -ltnH "( sport = :$p )" | grep -q .; then
		PORT=$p
		break
	fi
done
if [ -z "$PORT" ]; then
	echo "bench-http: no free port" >&2
	exit 1
fi
U=http://127.0.0.1:$PORT

KEY=bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s bench\n' "$KEY" >"$T/api.keys"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/op.key"
cat >"$T/relaybl.conf" <<EOF
[store]
path = store

[http]
listen = 127.0.0.1:$PORT
operator_key_file = op.key
api_keys_file = api.keys
connection_limit = 1024
per_ip_connection_limit = 256
connection_timeout = 10s
report_rate = 1000000
report_burst = 1000000
key_report_rate = 1000000
key_report_burst = 1000000
retest_rate = 1000000

[policy]
allow = 127.0.0.0/8
EOF

echo "==> store with $N hosts imported"
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "127.1.%d.%d\n", int(i / 250), i % 250 + 1
}' >"$T/hosts.txt"
"$RELAYBL" -c "$T/relaybl.conf" import "$T/hosts.txt"
"$RELAYBL" -c "$T/relaybl.conf" stats | grep -E '^(serial|hosts|  listed)'

echo "==> relaybl-http on 127.0.0.1:$PORT"
"$HTTPD" -c "$T/relaybl.conf" 2>"$T/http.log" &
PID=$!
up=
for _ in $(seq 1 500); do
	if curl -s -m 1 -o /dev/null -f "$U/healthz"; then
		up=1
		break
	fi
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.02
done
if [ -z "$up" ]; then
	echo "bench-http: relaybl-http did not come up" >&2
	cat "$T/http.log" >&2
	exit 1
fi
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/api/v1/hosts/127.1.0.1")
if [ "$code" != 200 ]; then
	echo "bench-http: GET /api/v1/hosts/127.1.0.1: $code, expected 200" >&2
	exit 1
fi

# GET: a random imported host each request.
{
	echo 'local hosts = {'
	sed 's/.*/"&",/' "$T/hosts.txt"
	echo '}'
	cat <<'EOF'
-- each thread its own random sequence (LuaJIT seeds them all alike)
local threads = 0
setup = function(thread)
	thread:set("id", threads)
	threads = threads + 1
end
init = function(args)
	math.randomseed(os.time() * 1000 + id * 7919)
end
local n = #hosts
request = function()
	return wrk.format("GET", "/api/v1/hosts/" .. hosts[math.random(n)])
end
EOF
} >"$T/get.lua"

# POST: a random 127.x.y.z each request, with the API key.
cat >"$T/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "$KEY"
EOF
cat >>"$T/post.lua" <<'EOF'
-- each thread its own random sequence (LuaJIT seeds them all alike)
local threads = 0
setup = function(thread)
	thread:set("id", threads)
	threads = threads + 1
end
init = function(args)
	math.randomseed(os.time() * 1000 + id * 7919)
end
request = function()
	local ip = string.format("127.%d.%d.%d", math.random(0, 255),
	    math.random(0, 255), math.random(1, 254))
	return wrk.format(nil, nil, nil, '{"ip":"' .. ip .. '"}')
end
EOF

# run TAG SCRIPT PATH: wrk with SCRIPT, its output in $T/TAG.out and a
# summary line in SUMMARY[TAG].
declare -A SUMMARY
run()
{
	local tag=$1 script=$2 path=$3 out=$T/$1.out
	echo "==> wrk -t$THREADS -c$CONNS -d${DURATION}s --latency -s $tag.lua"
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$script" \
	    "$U$path" | tee "$out"
	SUMMARY[$tag]=$(awk '
		/^    Latency/ { avg = $2 }
		/^     50%/ { p50 = $2 }
		/^     99%/ { p99 = $2 }
		/^Requests\/sec:/ { rps = $2 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { sub(/^ *Socket errors: */, ""); err = $0 }
		END {
			printf "%10.0f req/s   avg %-9s p50 %-9s p99 %-9s", rps,
			    avg, p50, p99
			if (bad != "") printf "  non-2xx %s", bad
			if (err != "") printf "  errors: %s", err
		}' "$out")
}

run get "$T/get.lua" /api/v1/hosts/127.1.0.1
run post "$T/post.lua" /api/v1/reports

echo "==> after the load"
"$RELAYBL" -c "$T/relaybl.conf" stats | grep -E '^(serial|hosts|  pending|  listed)'
if grep -Eq 'Sanitizer|runtime error' "$T/http.log"; then
	echo "bench-http: sanitizer report in the log:" >&2
	cat "$T/http.log" >&2
fi

cat <<EOF

==> summary ($N hosts, wrk -t$THREADS -c$CONNS -d${DURATION}s, $(nproc) CPUs, $(uname -m))
GET  /api/v1/hosts/{ip}  ${SUMMARY[get]}
POST /api/v1/reports     ${SUMMARY[post]}
EOF
