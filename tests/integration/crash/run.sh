#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# crash/run.sh -- kill -9 relaybl in the middle of a large import
#
# An import lists every address of a file in one write transaction, so a
# crash must leave the store with all of them or none, and with what was
# there before intact. We time a whole import of 400,000 addresses on
# this machine, and the parsing alone (an import whose store cannot be
# opened fails right after it), so that the write transaction runs
# between those two marks; then each round seeds a fresh store, starts
# the import and kills it with SIGKILL at a different point of that
# window. After each kill the store must open, hold the seeded hosts as
# they were, serve exactly the hosts in state listed, count either the
# seed or the seed plus the whole file, and take a new write. A last
# round lets the import finish and must find every address.

# shellcheck disable=SC2317,SC2119 # helpers run through expect_rc and check
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

N=400000
FILE=$T/addrs.txt
C=$T/relaybl.conf
printf '[store]\npath = store\n' >"$C"
printf '[store]\npath = addrs.txt\n' >"$T/parse-only.conf"

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# stat_of NAME: a count from the last stats output.
stat_of()
{
	awk -v k="$1" '$1 == k { print $2 }' "$OUT"
}

# N distinct addresses outside 192.0.2.0/24, the seed's network.
awk -v n="$N" 'BEGIN {
	srand(20240601)
	while (c < n) {
		ip = 1 + int(rand() * 126) "." int(rand() * 256) "." \
		    int(rand() * 256) "." int(rand() * 256)
		if (!(ip in seen)) {
			seen[ip] = 1
			print ip
			c++
		}
	}
}' >"$FILE"
check "$N distinct addresses generated" \
    [ "$(sort -u "$FILE" | wc -l)" -eq "$N" ]

SEEDED=3
SEED_SERIAL=4
cat >"$T/seed.expected" <<'EOF'
192.0.2.1	listed	127.0.0.4
192.0.2.2	listed	127.0.0.2
192.0.2.3	listed	127.0.0.3
192.0.2.4	excluded	-
EOF
printf '192.0.2.1\n192.0.2.2\n192.0.2.3\n' >"$T/seed.listed"

# A fresh store with three listings and an exclusion (serial 4).
seed()
{
	rm -rf "$T/store"
	rb add 192.0.2.1 --reason seed >/dev/null &&
	    rb add 192.0.2.2 --code 2 >/dev/null &&
	    rb add 192.0.2.3 --code 3 >/dev/null &&
	    rb exclude 192.0.2.4 >/dev/null
}

# timed CONF: run an import of the file and print its wall time in ms.
timed()
{
	local t0
	t0=$(now_ms)
	"$RELAYBL" -c "$1" import "$FILE" >/dev/null 2>&1
	echo $(($(now_ms) - t0))
}

# verify ROUND: the store after a round; sets SEEN to none or all.
verify()
{
	local round=$1 listed served hosts serial
	SEEN=broken
	expect_rc 0 rb stats
	listed=$(stat_of listed)
	served=$(stat_of served)
	hosts=$(stat_of hosts)
	serial=$(stat_of serial)
	check "$round: served ($served) = hosts in state listed ($listed)" \
	    [ "$served" = "$listed" ]
	if [ "$listed" = "$SEEDED" ] && [ "$hosts" = $((SEEDED + 1)) ] &&
	    [ "$serial" = "$SEED_SERIAL" ]; then
		SEEN=none
	elif [ "$listed" = $((SEEDED + N)) ] &&
	    [ "$hosts" = $((SEEDED + 1 + N)) ] &&
	    [ "$serial" = $((SEED_SERIAL + 1)) ]; then
		SEEN=all
	fi
	check "$round: all or nothing (listed $listed, hosts $hosts, serial $serial)" \
	    [ "$SEEN" != broken ]

	expect_rc 0 rb list
	grep '^192\.0\.2\.' "$OUT" | cut -f1-3 >"$T/seed.got"
	check "$round: the seeded hosts are intact" \
	    cmp -s "$T/seed.expected" "$T/seed.got"
	check "$round: list has every host" \
	    [ "$(wc -l <"$OUT")" = "$hosts" ]
	expect_rc 0 rb list --state listed
	check "$round: list --state listed counts $listed" \
	    [ "$(wc -l <"$OUT")" = "$listed" ]
	expect_rc 0 rb export
	sort "$OUT" >"$T/export.sorted"
	if [ "$SEEN" = all ]; then
		sort "$FILE" "$T/seed.listed" >"$T/want.sorted"
	else
		cp "$T/seed.listed" "$T/want.sorted"
	fi
	check "$round: export serves exactly the expected set" \
	    cmp -s "$T/want.sorted" "$T/export.sorted"

	# The killed writer held the write lock: the next one must get it.
	expect_rc 0 rb add 192.0.2.200
	expect_rc 0 rb del 192.0.2.200
}

# ---- how long an import takes here ------------------------------------

check "seed a store" seed
full=$(timed "$C")
check "seed a store" seed
full2=$(timed "$C")
[ "$full2" -lt "$full" ] && full=$full2
parse=$(timed "$T/parse-only.conf")
echo "# import of $N addresses: $full ms, of which reading the file $parse ms"
check "a whole import takes longer than its parsing" [ "$full" -gt "$parse" ]

# ---- kill rounds ---------------------------------------------------------

killed=0
for pct in 15 35 50 75 95; do
	at=$((parse + (full - parse) * pct / 100))
	check "round $pct%: seed a store" seed
	"$RELAYBL" -c "$C" import "$FILE" >"$T/import.out" 2>&1 &
	pid=$!
	sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -eq 137 ]; then
		how="killed at $at ms"
		killed=$((killed + 1))
	else
		how="finished (exit $rc) before the kill at $at ms"
	fi
	verify "round $pct%"
	echo "# round $pct%: $how -> $SEEN"
done
check "at least one kill landed during an import ($killed of 5)" \
    [ "$killed" -gt 0 ]

# ---- a round that runs to the end ------------------------------------

check "last round: seed a store" seed
expect_rc 0 rb import "$FILE"
expect_output <<<"$N addresses imported, $N changed, 0 left excluded"
verify "last round"
check "last round: every address listed" [ "$SEEN" = all ]
echo "# last round: finished -> $SEEN"

finish
