#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# cli/run.sh -- the relaybl operator command, through the real binary
#
# Every command and every error path against stores in $T: usage and
# help, configuration errors, add/del/exclude and the states they lead
# to, show, list, stats, import (mixed rbldnsd files, stdin, bad lines,
# exclusions) and export in both formats. After every refusal the store
# must be exactly as it was, and a usage or configuration error must not
# even create it. The zone serial is followed throughout: it grows by
# exactly one for each change of what DNS serves, and not otherwise.
# Whole outputs are compared wherever they are stable; times are masked.

# shellcheck disable=SC2317,SC2119 # helpers run through expect_rc and check
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

C=$T/relaybl.conf
printf '[store]\npath = store\n' >"$C"

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

nostore()
{
	[ ! -e "$T/store" ]
}

# The zone serial of the store behind config $1 (default $C).
serial()
{
	"$RELAYBL" -c "${1:-$C}" stats | awk '$1 == "serial" { print $2 }'
}

expect_serial()
{
	local got
	got=$(serial "${2:-$C}")
	check "serial is $1 (got $got)" [ "$got" = "$1" ]
}

# Everything a command could change, for comparing before and after.
snapshot()
{
	{
		"$RELAYBL" -c "${2:-$C}" stats | grep -v '^size'
		"$RELAYBL" -c "${2:-$C}" list
		"$RELAYBL" -c "${2:-$C}" export --format rbldnsd 2>&1 | sed 1d
	} >"$T/$1.snap"
}

# unchanged NAME [CONF]: the store is as snapshot NAME found it.
unchanged()
{
	snapshot now "${2-}"
	if cmp -s "$T/$1.snap" "$T/now.snap"; then
		ok "store unchanged since $1"
	else
		diff -u "$T/$1.snap" "$T/now.snap" >"$T/.diff"
		fail "store changed since $1" "$T/.diff"
	fi
}

notime()
{
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g'
}

# show's history, times masked.
history()
{
	sed -n '/^history:/,$p' | notime
}

# list without its last column (a time).
cols()
{
	cut -f1-3
}

# ---- usage, help and version: no config needed, no store made -------

expect_rc 0 "$RELAYBL" -h
expect_out '^usage: relaybl \[-c FILE\] COMMAND \[ARGS\]$'
for c in add del exclude show list import export stats; do
	expect_out "^  $c +[a-z]"
done
expect_rc 0 "$RELAYBL" -V
expect_out '^relaybl [0-9]+\.[0-9]+\.[0-9]+$'
expect_rc 2 "$RELAYBL"
expect_err '^usage: relaybl'
expect_rc 2 rb
expect_err '^usage: relaybl'
expect_rc 2 rb frob
expect_err "^relaybl: unknown command 'frob'$"
expect_rc 2 "$RELAYBL" -x list
expect_err '^usage: relaybl'
expect_rc 2 "$RELAYBL" list -c "$C"
expect_err '^usage: relaybl list'
for c in add del exclude show list import export stats; do
	expect_rc 0 "$RELAYBL" -c "$T/no-such.conf" "$c" -h
	expect_out "^usage: relaybl $c "
	check "$c -h: nothing on stderr" [ ! -s "$ERR" ]
	expect_rc 0 rb "$c" --help
	expect_out "^usage: relaybl $c "
done
expect_rc 2 rb add
expect_err '^relaybl add: missing argument$'
expect_rc 2 rb add 192.0.2.1 192.0.2.2
expect_err '^relaybl add: too many arguments$'
expect_rc 2 rb stats now
expect_err '^relaybl stats: too many arguments$'
expect_rc 2 rb import
expect_err '^relaybl import: missing argument$'
expect_rc 2 rb add 192.0.2.1 --state listed
expect_err "^relaybl add: option '--state' not taken$"
expect_rc 2 rb show 192.0.2.1 --code=3
expect_err "^relaybl show: option '--code' not taken$"
expect_rc 2 rb add 192.0.2.1 --code
expect_err '^usage: relaybl add'
check "usage errors made no store" nostore

# ---- refusals before any store exists ----------------------------------

for cmd in list stats export "show 192.0.2.1" "list --state listed"; do
	# shellcheck disable=SC2086	# cmd is split on purpose
	expect_rc 1 rb $cmd
	expect_err '^relaybl: store .*/store: '
done
check "read-only commands made no store" nostore

for a in 010.1.1.1 1.2.3 1.2.3.4x ::g "" 1.2.3.256 1.2.3.4/32 " 1.2.3.4" \
    1.2.3.4. 2001:db8::1::2 fe80::1%eth0; do
	expect_rc 2 rb add "$a"
	expect_err "^relaybl: '$a' is not an IPv4 or IPv6 address$"
done
for cmd in del exclude show; do
	expect_rc 2 rb "$cmd" 1.2.3
	expect_err "^relaybl: '1.2.3' is not an IPv4 or IPv6 address$"
done
for code in 1 255 abc 0 -3 2x "" 127.0.0.1 127.0.0.255 127.0.1.2 1000; do
	expect_rc 2 rb add 192.0.2.1 --code "$code"
	expect_err 'code .*: expected 2\.\.254 \(answered as 127\.0\.0\.N\)$'
done
check "bad addresses and codes made no store" nostore

# ---- configuration ----------------------------------------------------

mkdir "$T/etc"

# bad_conf NAME PATTERN LINE...: a config that must be refused.
bad_conf()
{
	local name=$1 pattern=$2
	shift 2
	printf '%s\n' "$@" >"$T/etc/$name.conf"
	expect_rc 1 "$RELAYBL" -c "$T/etc/$name.conf" add 192.0.2.1
	expect_err "^relaybl: .*/etc/$name\.conf:$pattern"
	check "$name.conf: no store made" [ ! -e "$T/etc/bad" ]
}

bad_conf map1 "3: \[store\] map_size: expected a size" \
    '[store]' 'path = bad' 'map_size = 12Q'
bad_conf map2 "3: \[store\] map_size: expected a size" \
    '[store]' 'path = bad' 'map_size = 512K'
bad_conf map3 "2: \[store\] map_size: expected a size" \
    '[store]' 'map_size =' 'path = bad'
bad_conf key "3: \[store\] colour: unknown key" \
    '[store]' 'path = bad' 'colour = blue'
bad_conf section "4: \[nope\]: unknown section" \
    '[store]' 'path = bad' '[nope]' 'x = 1'
bad_conf twice "3: \[store\] path: given twice" \
    '[store]' 'path = bad' 'path = bad'
bad_conf syntax "3: " \
    '[store]' 'path = bad' 'this is not ini'
bad_conf dns "4: \[dns\] threads: expected" \
    '[store]' 'path = bad' '[dns]' 'threads = 0'
expect_rc 1 "$RELAYBL" -c "$T/etc/none.conf" list
expect_err "^relaybl: .*/etc/none\.conf: No such file or directory$"

# A relative store path is taken from the config file's directory,
# whatever the working directory.
mkdir "$T/var"
printf '[store]\npath = ../var/store\nmap_size = 1M\n' >"$T/etc/rel.conf"
from_root()
{
	(cd / && "$@")
}
expect_rc 0 from_root "$RELAYBL" -c "$T/etc/rel.conf" add 192.0.2.9
expect_output <<<'192.0.2.9 listed (127.0.0.4)'
check "relative path: store made beside the config" \
    [ -f "$T/var/store/data.mdb" ]
expect_rc 0 from_root "$RELAYBL" -c "$T/etc/rel.conf" stats
expect_out "^store +.*/etc/\.\./var/store$"

# ---- add ---------------------------------------------------------------

expect_rc 0 rb add 192.0.2.1 --reason "relayed a test to example.net"
expect_output <<<'192.0.2.1 listed (127.0.0.4)'
check "the first listing made the store" [ -f "$T/store/data.mdb" ]
expect_serial 2
expect_rc 0 rb add 192.0.2.2 --code 2
expect_output <<<'192.0.2.2 listed (127.0.0.2)'
expect_serial 3
expect_rc 0 rb add 192.0.2.3 --code 127.0.0.3
expect_output <<<'192.0.2.3 listed (127.0.0.3)'
expect_serial 4
expect_rc 0 rb add 192.0.2.254 --code=254
expect_output <<<'192.0.2.254 listed (127.0.0.254)'
expect_serial 5
expect_rc 0 rb add 2001:DB8:0::A --code 2
expect_output <<<'2001:db8::a listed (127.0.0.2)'
expect_serial 6

# Listing again what is already listed changes nothing DNS serves.
expect_rc 0 rb add 192.0.2.2 --code 2
expect_output <<<'192.0.2.2 listed (127.0.0.2)'
expect_rc 0 rb add 192.0.2.1
expect_serial 6
# A new code is one change: the old answer out, the new one in.
expect_rc 0 rb add 192.0.2.254 --code 5
expect_output <<<'192.0.2.254 listed (127.0.0.5)'
expect_serial 7

snapshot before-bad
for code in 1 255 abc 127.0.0.1; do
	expect_rc 2 rb add 198.51.100.1 --code "$code"
	expect_rc 2 rb add 192.0.2.1 --code "$code"
done
for a in 010.1.1.1 1.2.3 1.2.3.4x ::g ""; do
	expect_rc 2 rb add "$a"
	expect_rc 2 rb del "$a"
	expect_rc 2 rb exclude "$a"
done
unchanged before-bad
expect_rc 1 rb show 198.51.100.1

# ---- show --------------------------------------------------------------

expect_rc 0 rb show 192.0.2.1
expect_output notime <<'EOF'
address      192.0.2.1
state        listed (by hand)
answer       127.0.0.4
first seen   TIME
listed at    TIME
last test    -
queue        none
reports      0 (last -)
tests        0 (inconclusive in a row: 0)
retest asked -
submitter    -
evidence:
  TIME operator (listed):
    listed by the operator, code 4: relayed a test to example.net
  TIME operator (listed):
    listed by the operator, code 4
history:
  serial 2 TIME added 127.0.0.4
EOF
expect_rc 0 rb show 192.0.2.254
expect_out '^answer +127\.0\.0\.5$'
expect_output history <<'EOF'
history:
  serial 5 TIME added 127.0.0.254
  serial 7 TIME removed 127.0.0.254
  serial 7 TIME added 127.0.0.5
EOF
expect_rc 0 rb show 2001:db8:0:0:0:0:0:a
expect_out '^address +2001:db8::a$'
expect_out '^  serial 6 [0-9T:Z-]+ added 127\.0\.0\.2$'
expect_rc 1 rb show 198.51.100.1
expect_errors <<<'relaybl show: 198.51.100.1: not in the store'
check "show unknown: nothing on stdout" [ ! -s "$OUT" ]

# ---- del ---------------------------------------------------------------

expect_rc 0 rb del 192.0.2.2 --reason "owner fixed it"
expect_output <<<'192.0.2.2 delisted'
expect_serial 8
expect_rc 0 rb show 192.0.2.2
expect_out '^state +delisted$'
expect_out '^listed at +-$'
expect_no_out '^answer'
expect_out '^    delisted by the operator: owner fixed it$'
expect_out '^  serial 8 [0-9T:Z-]+ removed 127\.0\.0\.2$'
snapshot before-del
expect_rc 1 rb del 192.0.2.2
expect_errors <<<'relaybl del: 192.0.2.2: not listed and not excluded'
expect_rc 1 rb del 198.51.100.1
expect_errors <<<'relaybl del: 198.51.100.1: not listed and not excluded'
expect_rc 1 rb show 198.51.100.1
unchanged before-del

# ---- exclude -------------------------------------------------------------

expect_rc 0 rb exclude 192.0.2.3 --reason "our own test host"
expect_output <<<'192.0.2.3 excluded'
expect_serial 9
expect_rc 0 rb show 192.0.2.3
expect_out '^state +excluded$'
expect_no_out '^answer'
expect_out '^    excluded by the operator: our own test host$'
expect_out '^  serial 9 [0-9T:Z-]+ removed 127\.0\.0\.3$'

# An unknown host can be excluded; DNS serves nothing new.
expect_rc 0 rb exclude 198.51.100.7
expect_output <<<'198.51.100.7 excluded'
expect_rc 0 rb exclude 198.51.100.7
expect_serial 9
expect_rc 0 rb show 198.51.100.7
expect_out '^state +excluded$'
expect_out '^  \(not in the journal\)$'
# The operator may still list an excluded host by hand ...
expect_rc 0 rb add 198.51.100.7
expect_output <<<'198.51.100.7 listed (127.0.0.4)'
expect_serial 10
expect_rc 0 rb exclude 198.51.100.7
expect_serial 11
# ... and del lifts an exclusion: the host is clean, not listed.
expect_rc 0 rb del 198.51.100.7
expect_output <<<'198.51.100.7 clean'
expect_serial 11
expect_rc 0 rb show 198.51.100.7
expect_out '^state +clean$'
expect_out '^    exclusion lifted by the operator$'
expect_rc 1 rb del 198.51.100.7
expect_err 'not listed and not excluded$'

# ---- list ----------------------------------------------------------------

expect_rc 0 rb list
expect_output cols <<'EOF'
192.0.2.1	listed	127.0.0.4
192.0.2.2	delisted	-
192.0.2.3	excluded	-
192.0.2.254	listed	127.0.0.5
198.51.100.7	clean	-
2001:db8::a	listed	127.0.0.2
EOF
check "list: every line has a time" \
    [ "$(grep -Ec $'\t''[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$OUT")" = 6 ]
expect_rc 0 rb list --state listed
expect_output cols <<'EOF'
192.0.2.1	listed	127.0.0.4
192.0.2.254	listed	127.0.0.5
2001:db8::a	listed	127.0.0.2
EOF
expect_rc 0 rb list --state excluded
expect_output cols <<<$'192.0.2.3\texcluded\t-'
expect_rc 0 rb list --state=delisted
expect_output cols <<<$'192.0.2.2\tdelisted\t-'
expect_rc 0 rb list --state clean
expect_output cols <<<$'198.51.100.7\tclean\t-'
expect_rc 0 rb list --state pending
check "list --state pending: empty" [ ! -s "$OUT" ]
expect_rc 2 rb list --state bogus
expect_errors <<<"relaybl list: unknown state 'bogus' (pending, listed, clean, delisted, excluded)"
expect_rc 2 rb list --state ""

# ---- stats ---------------------------------------------------------------

expect_rc 0 rb stats
expect_output grep -Ev '^(store|size|evidence) ' <<'EOF'
serial       11
hosts        6
  pending    0
  listed     3
  clean      1
  delisted   1
  excluded   1
served       3
due          0
journal      10
EOF
expect_out "^store +$T/store$"
expect_out '^evidence +[1-9][0-9]*$'
expect_out '^size +[1-9][0-9]* bytes on disk, [1-9][0-9]* in use$'

# ---- export --------------------------------------------------------------

expect_rc 0 rb export
expect_output <<'EOF'
192.0.2.1
192.0.2.254
2001:db8::a
EOF
check "export: nothing on stderr" [ ! -s "$ERR" ]
expect_rc 0 rb export --format plain
expect_output <<'EOF'
192.0.2.1
192.0.2.254
2001:db8::a
EOF
expect_rc 0 rb export --format rbldnsd
expect_out '^# relaybl [0-9.]+, serial 11, exported [0-9T:Z-]+$'
expect_output sed 1d <<'EOF'
:127.0.0.2:open relay $
127.0.0.2
192.0.2.1 :4
192.0.2.254 :5
EOF
expect_errors <<<"relaybl export: 1 IPv6 listing left out: rbldnsd's ip4set holds IPv4 only"
expect_rc 2 rb export --format xml
expect_errors <<<"relaybl export: unknown format 'xml' (plain, rbldnsd)"

# The default line carries the first zone's TXT template.
printf '[store]\npath = store\n[zone bl.example.org]\nfile = bl.zone\ntxt = %s\n' \
    'relay $ see https://bl.example.org/?ip=$' >"$T/zone.conf"
expect_rc 0 "$RELAYBL" -c "$T/zone.conf" export --format rbldnsd
expect_output sed -n 2p <<<':127.0.0.2:relay $ see https://bl.example.org/?ip=$'

# ---- import: a second store -------------------------------------------

C2=$T/import.conf
printf '[store]\npath = store2\n' >"$C2"
rb2()
{
	"$RELAYBL" -c "$C2" "$@"
}

cat >"$T/mixed.txt" <<'EOF'
# relaybl test list
; an rbldnsd comment
$SOA 3600 ns.example. hostmaster.example. 1 3600 600 86400 300

10.0.0.1
 	 10.0.0.2	  
:127.0.0.3:imported from elsewhere
10.0.0.3
10.0.0.4 :5:text here
10.0.0.5:6:text
010.1.1.1
1.2.3.0/24
!1.2.3.4
1.2.3.4 :1:
2001:db8::2
10.0.0.6 listed for spam
10.0.0.7	:127.0.0.2:open
10.0.0.8:x:
1.2.3.4 :255:text
EOF
expect_rc 1 rb2 import mixed.txt
expect_output <<<'8 addresses imported, 8 changed, 0 left excluded'
expect_errors <<'EOF'
mixed.txt:11: not an IPv4 or IPv6 address
mixed.txt:12: ranges are not imported: list single addresses
mixed.txt:13: exclusion entries are not imported
mixed.txt:14: code out of range: expected 127.0.0.2 to 127.0.0.254
mixed.txt:18: bad value: expected :127.0.0.N:text
mixed.txt:19: code out of range: expected 127.0.0.2 to 127.0.0.254
relaybl import: 6 bad lines skipped
EOF
expect_serial 2 "$C2"
expect_rc 0 rb2 list
expect_output cols <<'EOF'
10.0.0.1	listed	127.0.0.4
10.0.0.2	listed	127.0.0.4
10.0.0.3	listed	127.0.0.3
10.0.0.4	listed	127.0.0.5
10.0.0.5	listed	127.0.0.6
10.0.0.6	listed	127.0.0.3
10.0.0.7	listed	127.0.0.2
2001:db8::2	listed	127.0.0.3
EOF
expect_rc 1 rb2 show 1.2.3.4
expect_rc 0 rb2 show 10.0.0.5
expect_out '^state +listed \(by hand\)$'
expect_out '^  serial 2 [0-9T:Z-]+ added 127\.0\.0\.6$'

# The same file again: nothing changes, the serial stays.
expect_rc 1 rb2 import mixed.txt
expect_output <<<'8 addresses imported, 0 changed, 0 left excluded'
expect_serial 2 "$C2"

# Good lines only (one with a CRLF end): exit 0, one serial for the file.
printf '10.0.1.1\n10.0.1.2 :3:x\r\n10.0.0.1\n\n# done\n' >"$T/good.txt"
expect_rc 0 rb2 import "$T/good.txt"
expect_output <<<'3 addresses imported, 2 changed, 0 left excluded'
check "good file: nothing on stderr" [ ! -s "$ERR" ]
expect_serial 3 "$C2"

# --code sets the default; a value on the line still wins.
printf '10.0.2.1\n10.0.2.2 :7:\n' >"$T/code.txt"
expect_rc 0 rb2 import --code 2 "$T/code.txt"
expect_rc 0 rb2 list
expect_out $'^10\\.0\\.2\\.1\tlisted\t127\\.0\\.0\\.2\t'
expect_out $'^10\\.0\\.2\\.2\tlisted\t127\\.0\\.0\\.7\t'
expect_serial 4 "$C2"

snapshot before-import "$C2"
expect_rc 2 rb2 import --code 1 "$T/good.txt"
expect_err 'expected 2\.\.254'
expect_rc 2 rb2 import --code 255 -
expect_rc 1 rb2 import "$T/no-such-file.txt"
expect_errors <<<"relaybl import: $T/no-such-file.txt: No such file or directory"
printf '010.1.1.1\n1.2.3.0/24\n!1.2.3.4\n1.2.3.4 :1:\n1.2.3.4-1.2.3.9\n10.0.0.1 :abc:\n' \
    >"$T/allbad.txt"
expect_rc 1 rb2 import allbad.txt
check "all bad: nothing on stdout" [ ! -s "$OUT" ]
expect_err '^allbad\.txt:1: '
expect_err '^allbad\.txt:6: '
expect_err '^relaybl import: 6 bad lines skipped$'
printf '# nothing here\n\n;\n' >"$T/empty.txt"
expect_rc 0 rb2 import empty.txt
check "no addresses: nothing on stdout" [ ! -s "$OUT" ]
expect_rc 0 rb2 import /dev/null
unchanged before-import "$C2"

# An import that has nothing to list does not make a store.
printf '[store]\npath = store3\n' >"$T/three.conf"
expect_rc 1 "$RELAYBL" -c "$T/three.conf" import allbad.txt
check "all bad: no store made" [ ! -e "$T/store3" ]
# A store that cannot be opened: nothing imported.
printf '[store]\npath = good.txt\n' >"$T/file.conf"
expect_rc 1 "$RELAYBL" -c "$T/file.conf" import good.txt
expect_err '^relaybl: store .*good\.txt: '

# From stdin.
expect_rc 0 rb2 import - <<<'10.0.3.1'
expect_output <<<'1 addresses imported, 1 changed, 0 left excluded'
expect_serial 5 "$C2"
printf '10.0.3.2 :3:\nnope\n' >"$T/stdin.txt"
expect_rc 1 rb2 import - <"$T/stdin.txt"
expect_output <<<'1 addresses imported, 1 changed, 0 left excluded'
expect_errors <<'EOF'
-:2: not an IPv4 or IPv6 address
relaybl import: 1 bad line skipped
EOF
expect_serial 6 "$C2"

# Excluded hosts stay excluded, whether they were listed or not.
expect_rc 0 rb2 exclude 10.0.4.1
expect_rc 0 rb2 add 10.0.4.2 --code 3
expect_rc 0 rb2 exclude 10.0.4.2
expect_serial 8 "$C2"
printf '10.0.4.1\n10.0.4.2 :3:\n10.0.4.3\n' >"$T/excl.txt"
expect_rc 0 rb2 import excl.txt
expect_output <<<'3 addresses imported, 1 changed, 2 left excluded'
expect_serial 9 "$C2"
expect_rc 0 rb2 list --state excluded
expect_output cols <<'EOF'
10.0.4.1	excluded	-
10.0.4.2	excluded	-
EOF
expect_rc 0 rb2 show 10.0.4.3
expect_out '^state +listed \(by hand\)$'

# A host twice in one file: the last line decides, in one serial.
printf '10.0.5.1\n10.0.5.1 :3:\n' >"$T/dup.txt"
expect_rc 0 rb2 import dup.txt
expect_output <<<'2 addresses imported, 2 changed, 0 left excluded'
expect_serial 10 "$C2"
expect_rc 0 rb2 show 10.0.5.1
expect_out '^answer +127\.0\.0\.3$'

expect_rc 0 rb2 stats
expect_output grep -Ev '^(store|size|evidence) ' <<'EOF'
serial       10
hosts        18
  pending    0
  listed     16
  clean      0
  delisted   0
  excluded   2
served       16
due          0
journal      9
EOF

# ---- export and import again: a mirror gets the same zone -----------------

expect_rc 0 rb2 export --format rbldnsd
cp "$OUT" "$T/mirror.txt"
expect_output sed 1d <<'EOF'
:127.0.0.2:open relay $
127.0.0.2
10.0.0.1 :4
10.0.0.2 :4
10.0.0.3 :3
10.0.0.4 :5
10.0.0.5 :6
10.0.0.6 :3
10.0.0.7
10.0.1.1 :4
10.0.1.2 :3
10.0.2.1
10.0.2.2 :7
10.0.3.1 :4
10.0.3.2 :3
10.0.4.3 :4
10.0.5.1 :3
EOF
expect_err '^relaybl export: 1 IPv6 listing left out'
printf '[store]\npath = mirror\n' >"$T/mirror.conf"
expect_rc 0 "$RELAYBL" -c "$T/mirror.conf" import mirror.txt
expect_output <<<'15 addresses imported, 15 changed, 0 left excluded'
expect_rc 0 "$RELAYBL" -c "$T/mirror.conf" export --format rbldnsd
expect_output sed 1d < <(sed 1d "$T/mirror.txt")
check "mirror: no IPv6 note" [ ! -s "$ERR" ]
expect_rc 0 rb2 export
grep -v : "$OUT" >"$T/plain-v4.txt"
expect_rc 0 "$RELAYBL" -c "$T/mirror.conf" export
expect_output <"$T/plain-v4.txt"

# RFC 5782's test points are relaybl-dns's: 127.0.0.2 is skipped (always
# listed anyway), 127.0.0.1 is a bad line (never listed).
printf '127.0.0.2\n127.0.0.1\n10.9.9.9\n' >"$T/points.txt"
expect_rc 1 "$RELAYBL" -c "$T/mirror.conf" import points.txt
expect_errors <<'EOF'
points.txt:2: 127.0.0.1 is never listed (RFC 5782)
relaybl import: 1 bad line skipped
EOF
expect_output <<<'1 addresses imported, 1 changed, 0 left excluded'
expect_rc 1 "$RELAYBL" -c "$T/mirror.conf" show 127.0.0.2

finish
