#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# test.sh -- build twice and run every test suite: what `make test` does
#
# The first build uses gcc in $BUILD, the second clang with ASan and UBSan
# in $ASAN_BUILD. Both always run, whatever the first one does, and
# .ci/summary counts the results of both from meson's test logs. A build
# that fails leaves no test log and so counts as a failure. The summary's
# last line ("N passed, N failed, N skipped") is the last line printed.

set -uo pipefail

cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
GCC=${GCC:-gcc}
CLANG=${CLANG:-clang}
MESON=${MESON:-meson}
SANITIZE=address,undefined

status=0

# Print the compiler a configured build directory uses, e.g. "gcc".
configured_cc()
{
	awk '$1 == "rule" && $2 == "c_COMPILER" { getline;
	    for (i = 3; i <= NF; i++) if ($i != "ccache") { print $i; exit } }' \
	    "$1/build.ninja" 2>/dev/null
}

# Print the b_sanitize option of a configured build directory.
configured_sanitize()
{
	python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "b_sanitize":
        print(o["value"])' "$1/meson-info/intro-buildoptions.json" 2>/dev/null
}

# setup DIR CC SANITIZE [MESON-OPTION...]: configure DIR unless it already
# is, with the same compiler family and sanitizers.
setup()
{
	local dir=$1 cc=$2 san=$3 have
	shift 3

	if [ -f "$dir/meson-private/coredata.dat" ] && [ -f "$dir/build.ninja" ]; then
		have=$(configured_cc "$dir")
		case "$have:$cc" in
		*clang*:*clang*) ;;
		*clang*:*) have= ;;
		*:*clang*) have= ;;
		esac
		if [ -n "$have" ] && [ "$(configured_sanitize "$dir")" = "$san" ]; then
			return 0
		fi
		echo "==> $dir was configured differently; wiping it"
		rm -rf "$dir"
	fi
	CC=$cc "$MESON" setup "$dir" -Db_sanitize="$san" "$@"
}

# run LABEL DIR CC SANITIZE [MESON-OPTION...]: build DIR and run its tests.
run()
{
	local label=$1 dir=$2 cc=$3 san=$4
	shift 4

	echo "==> $label: $dir"
	# A stale log from an earlier run must not hide a failed build.
	rm -f "$dir/meson-logs/testlog.json"
	if ! setup "$dir" "$cc" "$san" "$@"; then
		echo "==> $label: meson setup failed"
		status=1
		return
	fi
	if ! "$MESON" compile -C "$dir"; then
		echo "==> $label: build failed"
		status=1
		return
	fi
	if ! "$MESON" test -C "$dir" --print-errorlogs; then
		status=1
	fi
}

run "gcc" "$BUILD" "$GCC" none

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run "clang, ASan+UBSan" "$ASAN_BUILD" "$CLANG" "$SANITIZE" \
    -Db_lundef=false

echo
echo "==> summary"
.ci/summary "$BUILD" "$ASAN_BUILD"
rc=$?
if [ $rc -ne 0 ] || [ $status -ne 0 ]; then
	exit 1
fi
exit 0
