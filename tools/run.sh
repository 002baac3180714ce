#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# run.sh -- start the whole relaybl system on loopback, in the foreground
#
# Starts every daemon that has been built (relaybl-verify and relaybl-http,
# the writers, first; then relaybl-dns, which opens the store read-only)
# with one config file, zones/relaybl.conf unless RELAYBL_CONF names
# another, and the store under var/. Ctrl-C or SIGTERM stops them all. If
# one daemon exits, the others are stopped and the script exits non-zero.
# With no daemon built yet, it shows that the store is reachable through
# the relaybl CLI and exits.

set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

BUILD=${BUILD:-build}
conf=${RELAYBL_CONF:-zones/relaybl.conf}

if [ ! -r "$conf" ]; then
	echo "run: cannot read config $conf" >&2
	exit 1
fi
# Absolute, so that a daemon that changes directory still finds it.
case "$conf" in
/*) ;;
*) conf=$root/$conf ;;
esac

mkdir -p var || exit 1

cli=$BUILD/tools/cli/relaybl
names=(relaybl-verify relaybl-http relaybl-dns)
declare -A path=(
	[relaybl-dns]=$BUILD/server/dns/relaybl-dns
	[relaybl-http]=$BUILD/server/http/relaybl-http
	[relaybl-verify]=$BUILD/tools/verify/relaybl-verify
)
declare -A where=(
	[relaybl-dns]="DNS      127.0.0.1:5300 (UDP and TCP)"
	[relaybl-http]="HTTP     http://127.0.0.1:8053/"
	[relaybl-verify]="canary   SMTP 127.0.0.1:2525"
)

built=()
missing=()
for n in "${names[@]}"; do
	if [ -x "${path[$n]}" ]; then
		built+=("$n")
	else
		missing+=("$n")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "run: not built yet: ${missing[*]}"
fi

if [ ! -x "$cli" ]; then
	echo "run: $cli is not built; run make build" >&2
	exit 1
fi
# Create the store before anything else, so that it exists when
# relaybl-dns opens it read-only.
"$cli" -c "$conf" init || exit 1
if [ ${#built[@]} -eq 0 ]; then
	"$cli" -c "$conf" stats
	exit $?
fi

declare -A pidname=()
pids=()
stopping=0

stop_all()
{
	local pid i alive

	stopping=1
	trap '' INT TERM
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	# Give them five seconds to drain, then insist.
	for ((i = 0; i < 50; i++)); do
		alive=0
		for pid in "${pids[@]}"; do
			if kill -0 "$pid" 2>/dev/null; then
				alive=1
			fi
		done
		[ $alive -eq 1 ] || break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			echo "run: ${pidname[$pid]} did not stop; killing it" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	wait 2>/dev/null
}

on_signal()
{
	echo
	echo "run: stopping"
	stop_all
	exit 0
}

trap on_signal INT TERM
trap '[ $stopping -eq 1 ] || stop_all' EXIT

for n in "${built[@]}"; do
	"${path[$n]}" -c "$conf" &
	pids+=($!)
	pidname[$!]=$n
	# Writers create the store; let them before the read-only reader.
	if [ "$n" != relaybl-dns ]; then
		sleep 0.2
	fi
done

echo
echo "relaybl is running with $conf (store under var/):"
for n in "${built[@]}"; do
	printf '  %-15s %s\n' "$n" "${where[$n]}"
done
if [ "$conf" != "$root/zones/relaybl.conf" ]; then
	echo "  (addresses above are those of zones/relaybl.conf; $conf may differ)"
fi
for n in "${built[@]}"; do
	if [ "$n" = relaybl-dns ]; then
		echo
		echo "try:  dig -p 5300 @127.0.0.1 2.0.0.127.relays.example.org A"
	fi
done
echo "Ctrl-C stops everything."
echo

# Wait for the first daemon to exit; a signal interrupts wait and runs
# on_signal, which does not return.
dead=
wait -n -p dead "${pids[@]}"
rc=$?
name=${pidname[$dead]:-a daemon}
echo "run: $name exited with status $rc; stopping the others" >&2
stop_all
if [ $rc -eq 0 ]; then
	rc=1
fi
exit $rc
