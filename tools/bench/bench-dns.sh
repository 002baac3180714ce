#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench-dns.sh -- relaybl-dns against rbldnsd under dnsperf
#
# Lists 1,000,000 random distinct IPv4 addresses in a fresh store
# (`relaybl import`) and exports them for rbldnsd (`relaybl export
# --format rbldnsd`, an ip4set, with a small file before it giving the
# same SOA and NS as zones/relays.example.org.zone). Starts relaybl-dns
# (threads = 1) and rbldnsd on two free loopback ports, both pinned to
# CPU 0, and runs dnsperf pinned to CPU 1 (-c 8, -l 10 s, no rate limit)
# against each in turn, alternating: relaybl-dns, rbldnsd, relaybl-dns,
# rbldnsd. Every run uses the same 200,000 queries, in random order:
# half for listed addresses (A, 1% of them TXT), half for random
# addresses that are not listed (A). Prints each run's queries/s,
# average latency and lost queries, each server's load time (start to
# first answer), RSS (VmRSS) after loading and after the runs, its CPU
# time per query during each run (dnsperf saturates its own core near
# 120-140k q/s, so q/s alone cannot rank a faster server), and
# two differences in behaviour: the RCODE of a partial name
# (0.0.127.<zone>) and whether a TCP query is answered.
#
# Builds nothing: `make bench-dns` builds first. Needs dnsperf, rbldnsd,
# dig, taskset and two CPUs, and exits 77 without them (tools/deps.txt
# lists the packages). BUILD names the build directory (default build);
# BENCH_N, BENCH_QUERIES, BENCH_SECONDS and BENCH_CLIENTS change the
# sizes. Addresses and queries come from a fixed seed.

set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_N:-1000000}
Q=${BENCH_QUERIES:-200000}
DURATION=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-8}
ZONE=relays.example.org
RELAYBL=$BUILD/tools/cli/relaybl
DNSD=$BUILD/server/dns/relaybl-dns

for p in "$RELAYBL" "$DNSD"; do
	if [ ! -x "$p" ]; then
		echo "bench-dns: $p not found: run make build first" >&2
		exit 1
	fi
done
missing=
for c in dnsperf rbldnsd dig taskset ss; do
	if ! command -v "$c" >/dev/null 2>&1 &&
	    ! [ -x "/usr/sbin/$c" ]; then
		missing="$missing $c"
	fi
done
if [ -n "$missing" ]; then
	echo "bench-dns: not installed:$missing (apt-get install dnsperf rbldnsd, or tools/install-deps.sh); skipped" >&2
	exit 77
fi
RBLDNSD=$(command -v rbldnsd || echo /usr/sbin/rbldnsd)
if [ "$(nproc)" -lt 2 ]; then
	echo "bench-dns: needs 2 CPUs (server on CPU 0, dnsperf on CPU 1); skipped" >&2
	exit 77
fi
if [ "$(id -u)" -eq 0 ]; then
	# rbldnsd refuses to run as root: it changes to this user.
	if ! id rbldns >/dev/null 2>&1; then
		echo "bench-dns: no user rbldns for rbldnsd -u (Debian's rbldnsd package creates it)" >&2
		exit 77
	fi
	RBLUSER=(-u rbldns)
else
	RBLUSER=()
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/relaybl-bench-dns.XXXXXX")
RPID=
BPID=
stop()
{
	local pid=$1
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || :
		for _ in $(seq 1 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null || :
	fi
	wait "$pid" 2>/dev/null || :
}
cleanup()
{
	stop "$RPID"
	stop "$BPID"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# free_port [NOT]: a random port with no UDP or TCP socket on it.
free_port()
{
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		[ "$p" != "${1:-}" ] || continue
		if ! ss -uanH "( sport = :$p )" | grep -q . &&
		    ! ss -tanH "( sport = :$p )" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	echo "bench-dns: no free port" >&2
	return 1
}
RPORT=$(free_port)
BPORT=$(free_port "$RPORT")

# q PORT NAME TYPE [DIG OPTIONS]: dig's short status line and answer.
q()
{
	local port=$1 name=$2 type=$3
	shift 3
	dig -p "$port" @127.0.0.1 +tries=1 +time=2 "$@" "$name" "$type" 2>&1 || :
}
# rcode PORT NAME TYPE [DIG OPTIONS]: the RCODE, or why there is none.
rcode()
{
	local out
	out=$(q "$@")
	if [[ $out =~ status:\ ([A-Z]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	elif [[ $out == *"connection refused"* ]]; then
		echo "connection refused"
	elif [[ $out == *"timed out"* ]]; then
		echo "no answer (timed out)"
	else
		echo "no answer"
	fi
}
# answer PORT NAME TYPE: the RCODE and the answer's data.
answer()
{
	local out
	out=$(rcode "$@")
	out="$out $(dig -p "$1" @127.0.0.1 +tries=1 +time=2 +short "$2" "$3" 2>/dev/null |
	    tr '\n' ' ')"
	echo "${out% }" | sed 's/ *$//'
}
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo '?'
}
# rss_split PID: VmRSS split into anonymous and file-backed pages.
rss_split()
{
	awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
	    END { printf "anon %.1f MB, file %.1f MB", a / 1024, f / 1024 }' \
	    "/proc/$1/status" 2>/dev/null || echo '?'
}
# cpu_ticks PID: user and system time, in clock ticks.
cpu_ticks()
{
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
mb()
{
	case $1 in
	*[!0-9]* | '') echo "$1" ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }' ;;
	esac
}

echo "==> generating $N listed addresses and $Q queries"
# addrs.txt: N random distinct addresses to list. queries.txt: Q/2
# listed (A, every hundredth TXT) and Q/2 random unlisted (A), shuffled.
awk -v n="$N" -v q="$Q" -v zone="$ZONE" -v miss="$T/miss.txt" '
function rev(ip,   o) {
	split(ip, o, ".")
	return o[4] "." o[3] "." o[2] "." o[1] "." zone
}
function rnd() {
	return 1 + int(rand() * 223) "." int(rand() * 256) "." \
	    int(rand() * 256) "." int(rand() * 256)
}
BEGIN {
	srand(1)
	while (c < n) {
		ip = rnd()
		if (!(ip in seen)) {
			seen[ip] = 1
			addr[++c] = ip
			print ip > "/dev/stdout"
		}
	}
	hits = int(q / 2)
	for (i = 1; i <= hits; i++)
		qs[i] = rev(addr[1 + int(rand() * n)]) (i % 100 ? " A" : " TXT")
	while (i <= q) {
		ip = rnd()
		if (!(ip in seen) && ip !~ /^127\./) {
			if (i == hits + 1)
				print rev(ip) > miss
			qs[i++] = rev(ip) " A"
		}
	}
	for (i = q; i > 1; i--) {
		j = 1 + int(rand() * i)
		t = qs[i]; qs[i] = qs[j]; qs[j] = t
	}
	for (i = 1; i <= q; i++)
		print qs[i] > "/dev/stderr"
}' >"$T/addrs.txt" 2>"$T/queries.txt"
echo "queries: $(grep -c ' A$' "$T/queries.txt") A, $(grep -c ' TXT$' "$T/queries.txt") TXT"

cp zones/$ZONE.zone "$T/$ZONE.zone"
cat >"$T/relaybl.conf" <<EOF
[store]
path = store
map_size = 1G

[dns]
listen = 127.0.0.1:$RPORT
threads = 1

[zone $ZONE]
file = $ZONE.zone
ttl = 2100
txt = Open relay \$ listed \$date
EOF

echo "==> relaybl import"
t0=$(now_ms)
"$RELAYBL" -c "$T/relaybl.conf" import "$T/addrs.txt"
t1=$(now_ms)
echo "import: $(((t1 - t0) / 1000)).$(printf %03d $(((t1 - t0) % 1000))) s"

echo "==> relaybl export --format rbldnsd"
# rbldnsd chroots to $T/rbl and reads it as its own user.
mkdir "$T/rbl"
"$RELAYBL" -c "$T/relaybl.conf" export --format rbldnsd >"$T/rbl/data"
# The SOA and NS of the zone file, listed before the data (the first
# $SOA and $NS of a dataset win), so that both servers give the same
# authority section.
cat >"$T/rbl/soa" <<EOF
\$SOA 3600 ns1.$ZONE. hostmaster.$ZONE. 1 3600 600 604800 300
\$NS 3600 ns1.$ZONE. ns2.$ZONE.
EOF
chmod 755 "$T/rbl"
chmod 644 "$T/rbl/data" "$T/rbl/soa"
echo "data: $(grep -c '^[0-9]' "$T/rbl/data") addresses, $(du -h "$T/rbl/data" | cut -f1)"

# wait_up PID PORT NAME: until the server answers; prints ms from T0.
wait_up()
{
	local pid=$1 port=$2 name=$3 st
	for _ in $(seq 1 1000); do
		# Any answer: the export has no test point 127.0.0.2.
		st=$(dig -p "$port" @127.0.0.1 +tries=1 +time=1 \
		    "$ZONE" SOA 2>/dev/null | grep -o 'status: [A-Z]*' || :)
		if [ -n "$st" ]; then
			echo $(($(now_ms) - T0))
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-dns: $name exited" >&2
			return 1
		fi
		sleep 0.01
	done
	echo "bench-dns: $name did not come up" >&2
	return 1
}

echo "==> relaybl-dns on 127.0.0.1:$RPORT (CPU 0)"
T0=$(now_ms)
taskset -c 0 "$DNSD" -c "$T/relaybl.conf" 2>"$T/relaybl-dns.log" &
RPID=$!
if ! RLOAD=$(wait_up "$RPID" "$RPORT" relaybl-dns); then
	cat "$T/relaybl-dns.log" >&2
	exit 1
fi
RRSS0=$(rss_kb "$RPID")
echo "up after $RLOAD ms, VmRSS $(mb "$RRSS0")"

echo "==> rbldnsd on 127.0.0.1:$BPORT (CPU 0)"
# -n: stay in the foreground; -c 0: no reload checks during the runs;
# -4: UDP over IPv4 only.
T0=$(now_ms)
taskset -c 0 "$RBLDNSD" -n -4 -c 0 "${RBLUSER[@]}" -r "$T/rbl" -w / \
    -b "127.0.0.1/$BPORT" "$ZONE:ip4set:soa,data" >"$T/rbldnsd.log" 2>&1 &
BPID=$!
if ! BLOAD=$(wait_up "$BPID" "$BPORT" rbldnsd); then
	cat "$T/rbldnsd.log" >&2
	exit 1
fi
BRSS0=$(rss_kb "$BPID")
echo "up after $BLOAD ms, VmRSS $(mb "$BRSS0")"
cat "$T/rbldnsd.log"

# The same answers from both before measuring anything.
hit=$(awk 'NR == 1' "$T/addrs.txt")
hitname=$(echo "$hit" | awk -F. -v z="$ZONE" '{ print $4 "." $3 "." $2 "." $1 "." z }')
missname=$(cat "$T/miss.txt")
echo "==> answers ($hit listed; $missname not)"
printf '%-44s %-30s %s\n' query relaybl-dns rbldnsd
for qt in "$hitname A" "$hitname TXT" "$missname A"; do
	set -- $qt
	printf '%-44s %-30s %s\n' "$2 ${1%%.$ZONE}" \
	    "$(answer "$RPORT" "$1" "$2")" "$(answer "$BPORT" "$1" "$2")"
done
if [ "$(rcode "$RPORT" "$hitname" A)" != NOERROR ] ||
    [ "$(rcode "$BPORT" "$hitname" A)" != NOERROR ] ||
    [ "$(rcode "$RPORT" "$missname" A)" != NXDOMAIN ] ||
    [ "$(rcode "$BPORT" "$missname" A)" != NXDOMAIN ]; then
	echo "bench-dns: the two servers do not agree on what is listed" >&2
	exit 1
fi

# run TAG PORT: dnsperf on CPU 1; its output in $T/TAG.out and a summary
# line in SUMMARY[TAG].
declare -A SUMMARY
run()
{
	local tag=$1 port=$2 pid=$3 out=$T/$1.out c0 c1
	echo "==> $tag: dnsperf -c $CLIENTS -l $DURATION -t 1 (CPU 1) on port $port"
	c0=$(cpu_ticks "$pid")
	taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$T/queries.txt" \
	    -c "$CLIENTS" -l "$DURATION" -t 1 >"$out" 2>&1 || :
	c1=$(cpu_ticks "$pid")
	grep -E 'Queries (sent|completed|lost)|Response codes|Queries per second|Average Latency' \
	    "$out" || cat "$out"
	SUMMARY[$tag]=$(awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
		/Queries per second:/ { qps = $4 }
		/Queries completed:/ { done = $3 }
		/Average Latency/ { lat = $4 * 1e6 }
		/Queries lost:/ { lost = $3 " " $4 }
		/Queries sent:/ { sent = $3 }
		END {
			printf "%9.0f q/s   avg latency %4.0f us   lost %s of %s",
			    qps, lat, lost, sent
			if (done > 0)
				printf "   server CPU %.1f us/query",
				    ticks / hz * 1e6 / done
		}' "$out")
}

run "relaybl-dns-1" "$RPORT" "$RPID"
run "rbldnsd-1" "$BPORT" "$BPID"
run "relaybl-dns-2" "$RPORT" "$RPID"
run "rbldnsd-2" "$BPORT" "$BPID"
RRSS1="$(mb "$(rss_kb "$RPID")") ($(rss_split "$RPID"))"
BRSS1="$(mb "$(rss_kb "$BPID")") ($(rss_split "$BPID"))"

RPART=$(rcode "$RPORT" "0.0.127.$ZONE" A)
BPART=$(rcode "$BPORT" "0.0.127.$ZONE" A)
RTCP=$(rcode "$RPORT" "$hitname" A +tcp)
BTCP=$(rcode "$BPORT" "$hitname" A +tcp)
RTEST=$(answer "$RPORT" "2.0.0.127.$ZONE" A)
BTEST=$(answer "$BPORT" "2.0.0.127.$ZONE" A)
for pid in "$RPID" "$BPID"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench-dns: a server died during the runs" >&2
		cat "$T/relaybl-dns.log" "$T/rbldnsd.log" >&2
		exit 1
	fi
done
if grep -Eq 'Sanitizer|runtime error' "$T/relaybl-dns.log"; then
	echo "bench-dns: sanitizer report in relaybl-dns's log:" >&2
	cat "$T/relaybl-dns.log" >&2
fi

cat <<EOF

==> summary ($N listed, $Q queries half listed, dnsperf -c $CLIENTS -l $DURATION on CPU 1, servers on CPU 0, $(nproc) CPUs, $(uname -m))
relaybl-dns  run 1  ${SUMMARY[relaybl-dns-1]}
rbldnsd      run 1  ${SUMMARY[rbldnsd-1]}
relaybl-dns  run 2  ${SUMMARY[relaybl-dns-2]}
rbldnsd      run 2  ${SUMMARY[rbldnsd-2]}
load time    relaybl-dns $RLOAD ms, rbldnsd $BLOAD ms (start to first answer)
VmRSS        relaybl-dns $(mb "$RRSS0") loaded, $RRSS1 after the runs
             rbldnsd     $(mb "$BRSS0") loaded, $BRSS1 after the runs
store        data.mdb $(($(stat -c %s "$T/store/data.mdb") / 1048576)) MB (relaybl-dns maps it; its file pages are the page cache's)
0.0.127.$ZONE A   relaybl-dns $RPART, rbldnsd $BPART
TCP (dig +tcp)      relaybl-dns $RTCP, rbldnsd $BTCP
2.0.0.127.$ZONE A relaybl-dns $RTEST, rbldnsd $BTEST (the export has no test point)
load average  $(cut -d' ' -f1-3 /proc/loadavg)
EOF
