# SPDX-License-Identifier: ISC
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

finish()
{
	printf '%s: %d passed, %d failed\n' "$CASE" "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}
