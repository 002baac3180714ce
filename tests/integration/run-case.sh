#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# run-case.sh -- run one integration case: run-case.sh CASE-DIR
#
# meson calls this with BUILD set to its build root. The case's run.sh
# runs in a fresh directory $T, removed afterwards whatever happens,
# with $RELAYBL naming the CLI under test and $RELAYBL_DNS the DNS
# server, and is stopped after 240 seconds. Its exit status is ours:
# 0 passed, 77 skipped, other failed.

set -u

if [ $# -ne 1 ] || [ ! -f "$1/run.sh" ]; then
	echo "usage: BUILD=DIR $0 CASE-DIR (a directory holding run.sh)" >&2
	exit 2
fi
if [ -z "${BUILD-}" ]; then
	echo "$0: BUILD must name the meson build root" >&2
	exit 2
fi
dir=$(cd "$1" && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 2
RELAYBL=$BUILD/tools/cli/relaybl
RELAYBL_DNS=$BUILD/server/dns/relaybl-dns
if [ ! -x "$RELAYBL" ]; then
	echo "$0: $RELAYBL not found: build first" >&2
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/relaybl-$(basename "$dir").XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export T RELAYBL RELAYBL_DNS BUILD LC_ALL=C
cd "$T" || exit 1

limit=240
timeout -k 10 "$limit" bash "$dir/run.sh"
rc=$?
if [ "$rc" -eq 124 ]; then
	echo "$(basename "$dir"): timed out after $limit s" >&2
fi
exit "$rc"
