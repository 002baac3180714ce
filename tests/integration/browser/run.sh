#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# browser/run.sh -- relaybl-http's pages in a real browser
#
# Starts relaybl-http on a fresh store and runs tests/browser/
# report.spec.mjs against it: Debian's chromium, driven by playwright-
# core, reports an address through the front page's form with JavaScript
# (the form calls the JSON API) and another without (a plain form post),
# finds both through the lookup form, asks for retests, and must fetch
# nothing from anywhere but the server under test. Then the store must
# hold both reports as pending, as the CLI shows them.
#
# Needs node (20 or later) and /usr/bin/chromium (Debian's chromium), or
# skips. playwright-core, pinned by tests/browser/package-lock.json, is
# installed once into $BUILD/browser/ with npm ci (the npm registry must
# be reachable the first time); it downloads no browser. The screenshot
# of the host page is left in $BUILD/browser/report.png, and the front
# page in report-front.png beside it.

# shellcheck disable=SC2317 # http_up runs through wait_for
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

SRC=$(cd "$(dirname "$0")/../../browser" && pwd)
DEPS=$BUILD/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
HTTPD=$BUILD/server/http/relaybl-http
IP=127.0.0.77
IP_NOJS=127.0.0.78

need node python3
if [ ! -x "$CHROMIUM" ]; then
	echo "$CASE: $CHROMIUM not installed (apt-get install chromium): skipped"
	exit 77
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
if [ "${node_major:-0}" -lt 20 ]; then
	echo "$CASE: node ${node_major:-?} is too old (playwright-core needs 20): skipped"
	exit 77
fi
if [ ! -x "$HTTPD" ]; then
	fail "relaybl-http not found at $HTTPD: build it"
	finish
fi

# ---- playwright-core, once per build directory -------------------------

# Installed again only when the lock file changed since the last npm ci.
mkdir -p "$DEPS"
if ! cmp -s "$SRC/package-lock.json" "$DEPS/package-lock.json" ||
    [ ! -f "$DEPS/node_modules/playwright-core/package.json" ]; then
	need npm
	rm -rf "$DEPS/node_modules"
	cp "$SRC/package.json" "$SRC/package-lock.json" "$DEPS/"
	start=$(now_ms)
	if (cd "$DEPS" && timeout -k 5 60 npm ci --no-audit --no-fund \
	    --ignore-scripts --loglevel=error) >"$T/npm.log" 2>&1; then
		ok "npm ci: playwright-core installed in $(($(now_ms) - start)) ms"
	else
		# A registry we cannot reach is a machine without the tools.
		rm -rf "$DEPS/node_modules" "$DEPS/package-lock.json"
		if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH' \
		    "$T/npm.log"; then
			sed 's/^/     | /' "$T/npm.log" | tail -5
			echo "$CASE: npm registry unreachable: skipped"
			exit 77
		fi
		fail "npm ci in $DEPS" "$T/npm.log"
		finish
	fi
fi
check "playwright-core $(node -p "require('$DEPS/node_modules/playwright-core/package.json').version" 2>/dev/null) in $DEPS" \
    [ -f "$DEPS/node_modules/playwright-core/package.json" ]

# ---- relaybl-http on a fresh store --------------------------------------

PORT=$(free_port) || { fail "no free port"; finish; }
C=$T/relaybl.conf
cat >"$C" <<EOF
[store]
path = store
[http]
listen = 127.0.0.1:$PORT
[policy]
allow = 127.0.0.0/8
EOF
expect_rc 0 "$RELAYBL" -c "$C" init

HTTP_LOG=$T/http.log
"$HTTPD" -c "$C" 2>>"$HTTP_LOG" &
HTTP_PID=$!
background "$HTTP_PID"
URL=http://127.0.0.1:$PORT

# http_up: relaybl-http runs and GET /healthz answers 200 (bash's
# /dev/tcp: no HTTP client needed).
http_up()
{
	local status
	running "$HTTP_PID" || return 2
	# shellcheck disable=SC2016 # $1 is the inner shell's
	status=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
	    printf "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 &&
	    head -n 1 <&3' _ "$PORT" 2>/dev/null)
	[[ $status == "HTTP/1."[01]" 200"* ]]
}
if wait_for 10000 http_up; then
	ok "relaybl-http started (pid $HTTP_PID), healthy in $WAITED_MS ms"
else
	fail "relaybl-http did not answer $URL/healthz" "$HTTP_LOG"
	finish
fi

# ---- the browser ---------------------------------------------------------

rm -f "$DEPS/report.png" "$DEPS/report-front.png"
start=$(now_ms)
RELAYBL_URL=$URL REPORT_IP=$IP REPORT_IP_NOJS=$IP_NOJS \
    SCREENSHOT=$DEPS/report.png BROWSER_DEPS=$DEPS CHROMIUM=$CHROMIUM \
    TIME_LIMIT=80 HOME=$T TMPDIR=$T \
    timeout -k 5 90 node "$SRC/report.spec.mjs" >"$T/node.out" 2>"$T/node.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok   "*)	ok "${line#ok   }" ;;
	"FAIL "*)	fail "${line#FAIL }" ;;
	*)		printf '     %s\n' "$line" ;;
	esac
done <"$T/node.out"
check "report.spec.mjs exited 0 in $(($(now_ms) - start)) ms (exit $rc)" \
    [ "$rc" -eq 0 ]
if [ -s "$T/node.err" ]; then
	fail "report.spec.mjs wrote to stderr" "$T/node.err"
fi
check "screenshot saved: $DEPS/report.png" [ -s "$DEPS/report.png" ]

# ---- what the store says ---------------------------------------------------

for ip in "$IP" "$IP_NOJS"; do
	expect_rc 0 "$RELAYBL" -c "$C" show "$ip"
	expect_out "^address +$ip\$"
	expect_out '^state +pending$'
	expect_out '^reports +1 '
	expect_out '^retest asked +[0-9]{4}-'
done
expect_rc 0 "$RELAYBL" -c "$C" list --state pending
expect_output cut -f1-2 <<EOF
$IP	pending
$IP_NOJS	pending
EOF

# ---- and the daemon stops cleanly ----------------------------------------

if stop_pid "$HTTP_PID" 5 && [ "$STOP_RC" -eq 0 ]; then
	ok "relaybl-http exited 0 on SIGTERM in $STOP_MS ms"
else
	fail "relaybl-http on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" \
	    "$HTTP_LOG"
fi
if grep -q 'Sanitizer' "$HTTP_LOG"; then
	fail "relaybl-http: sanitizer report in its log" "$HTTP_LOG"
fi
# Keep the daemon's log beside the screenshot, for a look afterwards.
cp "$HTTP_LOG" "$BUILD/browser/http.log" 2>/dev/null

finish
