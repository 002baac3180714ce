# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# postfix.sh -- real mail servers on loopback for the relay tests
#
# Sourced after lib.sh by verify/run.sh and cycle/run.sh. Each "host" is
# an address 127.0.0.x listening on the port every target uses ($SPORT):
# a private Postfix instance (pf_new, pf_up, pf_set, pf_reload,
# pf_stop), made from main.cf.in and master.cf.in in this directory, or
# an smtp-sink with its fault injection (sink). Every instance is stopped
# when the case exits, whatever happens; sinks are stopped by lib.sh as
# any background process. Postfix's own log of an instance is
# $T/pf-NAME/maillog.

PF_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PF_NAMES=

# need_postfix: skip the case unless we can run Postfix instances
# (root, the postfix user, postfix and smtp-sink).
need_postfix()
{
	need postfix postconf smtp-sink ss
	if [ "$(id -u)" -ne 0 ]; then
		echo "$CASE: Postfix instances need root: skipped"
		exit 77
	fi
	if ! id postfix >/dev/null 2>&1 || ! getent group postdrop \
	    >/dev/null; then
		echo "$CASE: no postfix user or postdrop group: skipped"
		exit 77
	fi
}

# listening ADDR PORT: something accepts TCP connections on ADDR:PORT.
listening()
{
	ss -ltnH "src $1:$2" 2>/dev/null | grep -q .
}

# pf_new NAME ADDR MYNETWORKS NEXTHOP: make the instance NAME in
# $T/pf-NAME, a host called NAME.test on ADDR:$SPORT that relays for
# MYNETWORKS, passes mail for $CANARY to NEXTHOP ([ip]:port) from ADDR,
# and refuses to deliver anything else.
pf_new()
{
	local name=$1 addr=$2 nets=$3 hop=$4 dir=$T/pf-$1
	mkdir -p "$dir/conf" "$dir/queue" "$dir/data" || return 1
	chown postfix "$dir/data" || return 1
	# Postfix's daemons, once they are the postfix user, must reach
	# their queue through $T.
	chmod 755 "$T" "$dir"
	sed -e "s|@DIR@|$dir|g" -e "s|@NAME@|$name|g" \
	    -e "s|@MYNETWORKS@|$nets|g" -e "s|@NEXTHOP@|$hop|g" \
	    -e "s|@CANARY@|$CANARY|g" -e "s|@BIND@|$addr|g" \
	    "$PF_HERE/main.cf.in" >"$dir/conf/main.cf"
	sed -e "s|@LISTEN@|$addr:$SPORT|" "$PF_HERE/master.cf.in" \
	    >"$dir/conf/master.cf"
	eval "PF_ADDR_$name=\$addr"
}

# pf_check_start NAME: postfix check (which must pass, and say nothing
# fatal in the log), then postfix start, told by the file quick-start
# not to check all over again. Its status in $T/pf-NAME/rc.
pf_check_start()
{
	local dir=$T/pf-$1
	if ! postfix -c "$dir/conf" check >"$dir/check.out" 2>&1 ||
	    grep -q fatal "$dir/maillog" 2>/dev/null; then
		echo check >"$dir/rc"
	elif ! touch "$dir/queue/quick-start" ||
	    ! postfix -c "$dir/conf" start >"$dir/start.out" 2>&1; then
		echo start >"$dir/rc"
	else
		echo ok >"$dir/rc"
	fi
}

# pf_up NAME...: check and start the instances, all at once (postfix
# check takes seconds), and wait (15 s at most) until each accepts
# connections. @return 1 when one did not come up.
pf_up()
{
	local name dir addr rc=0 pids=
	for name in "$@"; do
		pf_check_start "$name" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # a list of pids
	wait $pids
	for name in "$@"; do
		dir=$T/pf-$name
		eval "addr=\$PF_ADDR_$name"
		case $(cat "$dir/rc" 2>/dev/null) in
		ok)
			PF_NAMES="$PF_NAMES $name"
			ok "postfix $name: postfix -c DIR check passes, started"
			;;
		check)
			cat "$dir/maillog" >>"$dir/check.out" 2>/dev/null
			fail "postfix $name: postfix -c DIR check" \
			    "$dir/check.out"
			rc=1
			continue
			;;
		*)
			cat "$dir/maillog" >>"$dir/start.out" 2>/dev/null
			fail "postfix $name: start" "$dir/start.out"
			rc=1
			continue
			;;
		esac
		if wait_for 15000 listening "$addr" "$SPORT"; then
			ok "postfix $name ($addr:$SPORT) accepts connections"
		else
			fail "postfix $name does not listen on $addr:$SPORT" \
			    "$dir/maillog"
			rc=1
		fi
	done
	return "$rc"
}

# pf_add NAME 'PARAM = VALUE'...: add to main.cf before the start.
pf_add()
{
	local name=$1
	shift
	printf '%s\n' "$@" >>"$T/pf-$name/conf/main.cf"
}

# pf_set NAME 'PARAM = VALUE'...: change main.cf (postconf -e).
pf_set()
{
	local name=$1
	shift
	postconf -c "$T/pf-$name/conf" -e "$@"
}

# pf_reload NAME: make a running instance read main.cf again.
pf_reload()
{
	postfix -c "$T/pf-$1/conf" reload >>"$T/pf-$1/start.out" 2>&1
}

pf_master()
{
	tr -dc '0-9' <"$T/pf-$1/queue/pid/master.pid" 2>/dev/null
}

# pf_stop NAME: stop the instance and wait (5 s at most) for its master
# to exit; kill it when it will not.
pf_stop()
{
	local name=$1 pid
	pid=$(pf_master "$name")
	postfix -c "$T/pf-$name/conf" stop >>"$T/pf-$name/start.out" 2>&1
	if [ -n "$pid" ] && ! wait_for 5000 pf_gone "$pid"; then
		postfix -c "$T/pf-$name/conf" abort >/dev/null 2>&1
		kill -KILL "$pid" 2>/dev/null
	fi
	PF_NAMES=${PF_NAMES// $name/}
}

pf_gone()
{
	! running "$1"
}

pf_stop_all()
{
	local name
	for name in $PF_NAMES; do
		pf_stop "$name"
	done
}

trap 'pf_stop_all; lib_cleanup' EXIT

# sink NAME ADDR ARGS...: start smtp-sink ARGS on ADDR:$SPORT (as
# nobody), stopped when the case exits; wait until it listens. Its
# output goes to $T/sink-NAME.log.
sink()
{
	local name=$1 addr=$2 pid
	shift 2
	smtp-sink -u nobody "$@" "$addr:$SPORT" 100 >"$T/sink-$name.log" 2>&1 &
	pid=$!
	background "$pid"
	if wait_for 5000 listening "$addr" "$SPORT"; then
		ok "smtp-sink $name ($*) on $addr:$SPORT"
		return 0
	fi
	fail "smtp-sink $name did not listen on $addr:$SPORT" \
	    "$T/sink-$name.log"
	return 1
}

pf_empty()
{
	postqueue -c "$T/pf-$1/conf" -p 2>/dev/null | grep -q 'queue is empty'
}

# pf_drained NAME: the instance's queue empties within 10 s.
pf_drained()
{
	if wait_for 10000 pf_empty "$1"; then
		ok "postfix $1: its queue is empty ($WAITED_MS ms)"
	else
		postqueue -c "$T/pf-$1/conf" -p >"$T/.queue" 2>&1
		fail "postfix $1: mail still queued after 10 s" "$T/.queue"
	fi
}
