#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench-store.sh -- how the store copes with a million listings
#
# Lists 1,000,000 random distinct IPv4 addresses into a fresh store with
# one `relaybl import` (one write transaction), and reports its wall
# time and peak memory, the store's size on disk and `relaybl stats`;
# then runs bench-store-lookup on the store for 5 seconds, half hits and
# half random misses, as relaybl-dns would look them up. Builds nothing:
# `make bench` builds first. BUILD names the build directory (default
# build), BENCH_N and BENCH_SECONDS change the sizes. The addresses come
# from a fixed seed, so runs differ only by the machine.

set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_N:-1000000}
DURATION=${BENCH_SECONDS:-5}
RELAYBL=$BUILD/tools/cli/relaybl
LOOKUP=$BUILD/tools/bench/bench-store-lookup

for p in "$RELAYBL" "$LOOKUP"; do
	if [ ! -x "$p" ]; then
		echo "bench-store: $p not found: run make build first" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/relaybl-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
printf '[store]\npath = store\n' >"$T/relaybl.conf"

echo "==> generating $N random distinct IPv4 addresses"
awk -v n="$N" 'BEGIN {
	srand(1)
	while (c < n) {
		ip = 1 + int(rand() * 223) "." int(rand() * 256) "." \
		    int(rand() * 256) "." int(rand() * 256)
		if (!(ip in seen)) {
			seen[ip] = 1
			print ip
			c++
		}
	}
}' >"$T/addrs.txt"

echo "==> relaybl import"
rss=
t0=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$T/time.out" \
	    "$RELAYBL" -c "$T/relaybl.conf" import "$T/addrs.txt"
	rss=$(tail -n 1 "$T/time.out")
else
	"$RELAYBL" -c "$T/relaybl.conf" import "$T/addrs.txt"
fi
t1=$(date +%s.%N)
import_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
import_rate=$(echo "$t0 $t1 $N" | awk '{ printf "%.0f", $3 / ($2 - $1) }')
echo "import: $import_s s ($import_rate addresses/s)${rss:+, max RSS $((rss / 1024)) MB}"

echo "==> store on disk"
du -sh "$T/store"
data_bytes=$(stat -c %s "$T/store/data.mdb")
disk=$(du -sh "$T/store" | cut -f1)
echo "data.mdb: $data_bytes bytes ($((data_bytes / N)) bytes per listing)"

echo "==> relaybl stats"
"$RELAYBL" -c "$T/relaybl.conf" stats

echo "==> bench-store-lookup, $DURATION s"
lookup=$("$LOOKUP" "$T/store" "$T/addrs.txt" "$DURATION")
echo "$lookup"

cat <<EOF

==> summary ($N addresses, $(nproc) CPUs, $(uname -m))
import        $import_s s, $import_rate addresses/s${rss:+, max RSS $((rss / 1024)) MB}
on disk       $disk (data.mdb $((data_bytes / 1048576)) MB, $((data_bytes / N)) bytes a listing)
lookups       ${lookup#lookups: }
EOF
