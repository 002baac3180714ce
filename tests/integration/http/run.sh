#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# http/run.sh -- relaybl-http, the real daemon, driven with curl
#
# One daemon on a fresh store and a random loopback port answers every
# endpoint of the JSON API and of the pages, and every error status:
# reports as JSON and as forms, addresses in every notation and with
# every kind of junk, special-purpose ranges, content types, body sizes
# (announced and chunked), wrong methods and paths, host records,
# retests, the operator's PUT and DELETE, the HTML pages and their
# escaping. A second daemon on the same store, with tight limits, shows
# the rate limits per client, per API key and per retest. Then the
# connection handling (idle and slow clients, the per-address limit),
# SIGHUP (the key files re-read) and SIGTERM (exit 0 within 3 s). Every
# error from the API must be JSON with an "error" string; API keys must
# never reach the logs. Every curl call is bounded (-m 5).

# shellcheck disable=SC2317 # helpers are called indirectly
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
HTTPD=$BUILD/server/http/relaybl-http
HDR=$T/.headers
CODE=

need curl python3 ss
if [ ! -x "$HTTPD" ]; then
	fail "relaybl-http not found at $HTTPD: build it"
	finish
fi

# ---- helpers -----------------------------------------------------------

# http_port: a random port that nothing listens on (ss -ltn). Take the
# next one only once the daemon given the last one listens.
http_port()
{
	local p _
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! ss -ltnH "( sport = :$p )" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# http_up PID PORT: PID is alive and answers /healthz on PORT (2 when
# it has exited).
http_up()
{
	running "$1" || return 2
	curl -s -m 1 -o /dev/null -f "http://127.0.0.1:$2/healthz"
}

# start_http CONF PORT LOG [ARGS...]: start relaybl-http -c CONF in the
# background, stderr appended to LOG; wait (10 s at most, less when it
# dies) until /healthz answers. Sets HTTP_PID.
start_http()
{
	local conf=$1 port=$2 log=$3 start rc
	shift 3
	"$HTTPD" -c "$conf" "$@" 2>>"$log" &
	HTTP_PID=$!
	background "$HTTP_PID"
	start=$(now_ms)
	while :; do
		http_up "$HTTP_PID" "$port"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok "relaybl-http started (pid $HTTP_PID, port $port)," \
			    "answering in $(($(now_ms) - start)) ms"
			return 0
		fi
		if [ "$rc" -eq 2 ] || [ $(($(now_ms) - start)) -ge 10000 ]; then
			fail "relaybl-http did not answer on 127.0.0.1:$port" "$log"
			return 1
		fi
		sleep 0.02
	done
}

# call NAME CURL-ARGS...: one request (curl -s -m 5); the body goes to
# $OUT (so expect_out applies), the headers to $HDR (CRs removed), the
# status to $CODE (000 when there was no response).
call()
{
	LAST=$1
	shift
	: >"$OUT"
	: >"$HDR.raw"
	CODE=$(curl -s -m 5 -o "$OUT" -D "$HDR.raw" -w '%{http_code}' "$@" \
	    2>"$ERR")
	tr -d '\r' <"$HDR.raw" >"$HDR" 2>/dev/null
	[ -n "$CODE" ] || CODE=000
	# end the body with a newline, so that fail's excerpt ends its line
	[ ! -s "$OUT" ] || [ -z "$(tail -c 1 "$OUT")" ] || echo >>"$OUT"
}

# series TAG URL CURL-ARGS... [-- TAG URL CURL-ARGS...]...: requests
# sent one after another by a single curl process over one connection,
# so that a series takes milliseconds; each answer is kept as TAG, for
# replay, and nothing is checked meanwhile.
series()
{
	local args=() tags=() tag first=1 i=0 code
	while [ $# -gt 0 ]; do
		tag=$1
		tags+=("$tag")
		rm -f "$T/.b.$tag".*
		[ "$first" -eq 1 ] || args+=(--next)
		first=0
		args+=(-s -m 5 -o "$T/.b.$tag.body" -D "$T/.b.$tag.hdr"
		    -w '%{http_code}\n' "$2")
		shift 2
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			args+=("$1")
			shift
		done
		[ $# -eq 0 ] || shift
	done
	curl "${args[@]}" >"$T/.b.codes" 2>/dev/null
	for tag in "${tags[@]}"; do
		i=$((i + 1))
		code=$(sed -n "${i}p" "$T/.b.codes")
		echo "${code:-000}" >"$T/.b.$tag.code"
	done
}

# replay TAG NAME: make TAG's answer the last one, for the checks.
replay()
{
	LAST=$2
	cp "$T/.b.$1.body" "$OUT" 2>/dev/null || : >"$OUT"
	tr -d '\r' <"$T/.b.$1.hdr" >"$HDR" 2>/dev/null
	CODE=$(cat "$T/.b.$1.code")
	[ -n "$CODE" ] || CODE=000
	[ ! -s "$OUT" ] || [ -z "$(tail -c 1 "$OUT")" ] || echo >>"$OUT"
}

# status N: the last response had status N.
status()
{
	if [ "$CODE" = "$1" ]; then
		ok "$LAST: $1"
	else
		fail "$LAST: status $CODE, expected $1" "$OUT"
	fi
}

# header REGEX: a header line of the last response matches (grep -Ei).
header()
{
	if grep -Eiq -- "$1" "$HDR"; then
		ok "$LAST: header /$1/"
	else
		fail "$LAST: no header /$1/" "$HDR"
	fi
}

no_header()
{
	if ! grep -Eiq -- "$1" "$HDR"; then
		ok "$LAST: no header /$1/"
	else
		fail "$LAST: has header /$1/" "$HDR"
	fi
}

# hval NAME: the value of header NAME in the last response.
hval()
{
	awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" '{
		k = tolower($0); sub(/:.*/, "", k)
		if (k == n) { v = $0; sub(/^[^:]*: */, "", v); print v; exit }
	}' "$HDR"
}

# Python, resolved past any shim (a shim costs a second a start), and
# a coprocess that evaluates expressions over JSON (jcheck.py).
PY=$(python3 -c 'import sys; print(sys.executable)')
coproc JCHECK { "$PY" -u "$HERE/jcheck.py"; }

# jq_ask MODE EXPR: ask the coprocess about $OUT; the answer in $JANS.
jq_ask()
{
	JANS="0 no answer from jcheck.py"
	printf '%s\t%s\t%s\n' "$1" "$OUT" "${2//$'\n'/ }" >&"${JCHECK[1]}" &&
	    IFS= read -r -t 10 JANS <&"${JCHECK[0]}"
}

# json EXPR [WHAT]: the last body is JSON and the Python expression EXPR
# over it (j) is true.
json()
{
	local what=${2:-$(printf '%s' "$1" | tr '\n' ' ' | tr -s ' ')}

	jq_ask test "$1"
	if [ "$JANS" = 1 ]; then
		ok "$LAST: $what"
	else
		fail "$LAST: JSON without $what (${JANS#0 })" "$OUT"
	fi
}

# jval EXPR: print the value of EXPR over the last body (JSON).
jval()
{
	jq_ask value "$1"
	case $JANS in "1 "*) echo "${JANS#1 }" ;; esac
}

# jerror N [REGEX]: status N with a JSON error: Content-Type
# application/json, a body {"error": "a non-empty string"}, which
# matches REGEX when given.
jerror()
{
	status "$1"
	header '^Content-Type: application/json'
	json 'isinstance(j, dict) and isinstance(j.get("error"), str) and
	    len(j["error"]) > 0' 'an "error" string'
	[ $# -lt 2 ] || expect_out "$2"
}

# page N: status N with an HTML page.
page()
{
	status "$1"
	header '^Content-Type: text/html'
	expect_out '<html'
}

# A JSON report of ip $2 (named $1), with more curl arguments after.
report()
{
	local name=$1 ip=$2
	shift 2
	call "$name" "$U/api/v1/reports" -H "$CT_JSON" \
	    --data-binary "{\"ip\":\"$ip\"}" "$@"
}

# A store's serial, as the CLI says.
serial()
{
	"$RELAYBL" -c "$C" stats | awk '$1 == "serial" { print $2 }'
}

rb()
{
	"$RELAYBL" -c "$C" "$@"
}

httpd()
{
	"$HTTPD" "$@"
}

# wait_log FILE REGEX [SECONDS]: FILE gets a line matching REGEX
# within SECONDS (default 5).
wait_log()
{
	local file=$1 re=$2 limit=$((${3:-5} * 1000)) start
	start=$(now_ms)
	until grep -Eq -- "$re" "$file"; do
		[ $(($(now_ms) - start)) -lt "$limit" ] || return 1
		sleep 0.02
	done
}

# between V LO HI: V is a number from LO to HI.
between()
{
	case $1 in ''|*[!0-9]*) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

newkey()
{
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

CT_JSON='Content-Type: application/json'
CT_FORM='Content-Type: application/x-www-form-urlencoded'

# ---- configuration -------------------------------------------------------

OPKEY=op-$(newkey)
OPKEY2=op2-$(newkey)
APIKEY=api-$(newkey)
APIKEY2=api2-$(newkey)
BADKEY=bad-$(newkey)
printf '# the operator\n%s\n' "$OPKEY" >"$T/op.key"
printf '# reporters\n%s reporter-one\n\n%s\n' "$APIKEY" "$APIKEY2" \
    >"$T/api.keys"

PORT=$(http_port) || { fail "no free port"; finish; }
U=http://127.0.0.1:$PORT
C=$T/http.conf
LOG=$T/http.log
cat >"$C" <<EOF
[store]
path = store

[http]
listen = 127.0.0.1:$PORT
operator_key_file = op.key
api_keys_file = api.keys
max_body = 4K
connection_limit = 64
per_ip_connection_limit = 4
connection_timeout = 2s
report_rate = 3600
report_burst = 1000
key_report_rate = 3600
key_report_burst = 100
retest_rate = 20

[policy]
allow = 127.0.0.0/8
clean_cooldown = 1d
retest_min_interval = 1h
EOF

expect_rc 0 httpd -c "$C" -n
expect_out '^configuration OK$'
printf '[http]\nlisten = 127.0.0.1:%s\nlisten = 127.0.0.1:%s\n' "$PORT" \
    "$PORT" >"$T/two.conf"
expect_rc 1 httpd -c "$T/two.conf" -n
expect_err 'exactly one address'
printf 'tooshort\n' >"$T/short.key"
sed 's/^operator_key_file = .*/operator_key_file = short.key/' "$C" \
    >"$T/short.conf"
expect_rc 1 httpd -c "$T/short.conf" -n
expect_err 'short\.key:1: a key is 16 to 128 characters'
expect_rc 0 rb init
start_http "$C" "$PORT" "$LOG" || finish
PID=$HTTP_PID

# ---- /healthz ------------------------------------------------------------

call "GET /healthz" "$U/healthz"
status 200
header '^Content-Type: application/json'
json 'j["status"] == "ok" and isinstance(j["serial"], int)' \
    '{"status": "ok", "serial": N}'
s=$(jval 'j["serial"]')
check "healthz serial $s is the store's ($(serial))" [ "$s" = "$(serial)" ]
call "HEAD /healthz" -I "$U/healthz"
status 200
call "POST /healthz" -X POST "$U/healthz"
jerror 405
header '^Allow: GET, HEAD$'

# ---- POST /api/v1/reports --------------------------------------------------

report "report 127.0.0.9" 127.0.0.9
status 202
header '^Content-Type: application/json'
header '^Cache-Control: no-store'
json 'j["ip"] == "127.0.0.9" and j["state"] == "pending" and
    j["queued"] is True' 'state pending, queued true'
report "report 127.0.0.9 again" 127.0.0.9
status 200
json 'j["state"] == "pending" and j["queued"] is False and
    j["reports"] == 2' 'state pending, queued false, 2 reports'
expect_rc 0 rb show 127.0.0.9
expect_out '^state +pending$'
expect_out '^queue +report'
expect_out '^submitter +127\.0\.0\.1$'

call "form report ip=127.0.0.10" "$U/api/v1/reports" -H "$CT_FORM" \
    --data-binary 'ip=127.0.0.10'
status 202
json 'j["ip"] == "127.0.0.10" and j["queued"] is True'
call "form report x=1&ip=127.0.0.10 (charset)" "$U/api/v1/reports" \
    -H "$CT_FORM; charset=UTF-8" --data-binary 'x=1&ip=127.0.0.10&y=2'
status 200
json 'j["ip"] == "127.0.0.10" and j["reports"] == 2'

# Bodies that are not a report.
n=0
while IFS= read -r body; do
	n=$((n + 1))
	call "report body $n: $body" "$U/api/v1/reports" -H "$CT_JSON" \
	    --data-binary "$body"
	jerror 400
done <<'EOF'
{"ip":"127.0.0.9"
{ip: "127.0.0.9"}
{"ip":"127.0.0.9"} trailing
["127.0.0.9"]
"127.0.0.9"
{}
{"addr":"127.0.0.9"}
{"ip":null}
{"ip":127}
{"ip":["127.0.0.9"]}
{"ip":"127.0.0.9","ip":"127.0.0.9"}
{"ip":"127.0.0.9\u0000"}
{"ip":"127.0.0.9\u0000junk"}
{"ip":""}
EOF
call "report with an empty JSON body" "$U/api/v1/reports" -H "$CT_JSON" \
    --data-binary ''
jerror 400 'not valid JSON'
call "report with invalid UTF-8" "$U/api/v1/reports" -H "$CT_JSON" \
    --data-binary $'{"ip":"127.0.0.9\xff"}'
jerror 400
report "report with a NUL in ip" '127.0.0.9\u0000'
jerror 400 'NUL'

for body in 'ip=' 'x=127.0.0.9' 'ip=127.0.0.9%00' 'ip=127.0.0.9%2' \
    'ip=127.0.0.9%zz' 'ip=127.0.0.9+' 'ipx=127.0.0.9'; do
	call "form report $body" "$U/api/v1/reports" -H "$CT_FORM" \
	    --data-binary "$body"
	jerror 400
done

for ip in 127.0.0.1x '127.0.0.1 ' ' 127.0.0.1' 127.0.0.1/32 010.0.0.1 \
    127.0.0.1. 127.0.0 127.0.0.256 127.0.0.1.1 0x7f.0.0.1 2130706433 \
    '127.0.0.1\n' '127.0.0.1\t' 2a00:1450:4001::1%eth0 \
    '[2a00:1450:4001::1]' 2a00:1450:4001:::1 2a00:1450:4001::1::2 \
    2a00:1450:4001:0:0:0:0:0:1 2a00:1450:4001::g ::ffff:127.0.0.256 \
    2a00:1450:4001::1/128 localhost; do
	report "report '$ip'" "$ip"
	jerror 400 'is not an IPv4 or IPv6 address'
done

# IPv6 in every notation is one host: its count of reports grows by one
# each time.
H6=2a00:1450:4001::1
n=0
for ip in 2a00:1450:4001::1 2a00:1450:4001:0:0:0:0:1 2A00:1450:4001::1 \
    2a00:1450:4001:0000:0000:0000:0000:0001 2a00:1450:4001:0::1 \
    2A00:1450:4001:0:0::0:1; do
	n=$((n + 1))
	report "report $ip" "$ip"
	if [ "$n" -eq 1 ]; then status 202; else status 200; fi
	json "j['ip'] == '$H6'" "ip $H6"
	call "GET /api/v1/hosts/$H6 after report $n" "$U/api/v1/hosts/$H6"
	status 200
	json "j['reports'] == $n" "reports $n"
done
call "form report ip=2a00%3A1450%3A4001%3A%3A1" "$U/api/v1/reports" \
    -H "$CT_FORM" --data-binary 'ip=2a00%3A1450%3A4001%3A%3A1'
status 200
json "j['ip'] == '$H6' and j['reports'] == $((n + 1))"
for p in 2A00:1450:4001:0:0:0:0:1 2a00:1450:4001:0000::0001; do
	call "GET /api/v1/hosts/$p" "$U/api/v1/hosts/$p"
	status 200
	json "j['ip'] == '$H6'" "ip $H6"
done

# An IPv4-mapped address is the IPv4 host.
report "report ::ffff:127.0.0.5" ::ffff:127.0.0.5
status 202
json 'j["ip"] == "127.0.0.5"'
report "report ::FFFF:7f00:5" ::FFFF:7f00:5
status 200
json 'j["ip"] == "127.0.0.5" and j["reports"] == 2'
call "GET /api/v1/hosts/127.0.0.5" "$U/api/v1/hosts/127.0.0.5"
status 200
json 'j["reports"] == 2'
expect_rc 0 rb show 127.0.0.5
expect_out '^state +pending$'

# Special-purpose addresses: 422, naming the range.
report "report ::1" ::1
jerror 422 '::1/128, loopback'
report "report 192.0.2.1" 192.0.2.1
jerror 422 '192\.0\.2\.0/24, documentation, TEST-NET-1'
report "report 10.1.2.3" 10.1.2.3
jerror 422 '10\.0\.0\.0/8, private-use'
report "report 2001:db8::25" 2001:db8::25
jerror 422 '2001:db8::/32, documentation'
report "report fe80::1" fe80::1
jerror 422 'link-local'
report "report ::127.0.0.5 (IPv4-compatible)" ::127.0.0.5
jerror 422
report "report ::ffff:10.0.0.1" ::ffff:10.0.0.1
jerror 422 '10\.0\.0\.0/8, private-use'
call "form report ip=192.168.1.1" "$U/api/v1/reports" -H "$CT_FORM" \
    --data-binary 'ip=192.168.1.1'
jerror 422 '192\.168\.0\.0/16'
expect_rc 1 rb show 192.0.2.1

# Content types.
for ct in 'text/plain' 'application/jsonx' 'multipart/form-data' \
    'application/xml'; do
	call "report as $ct" "$U/api/v1/reports" -H "Content-Type: $ct" \
	    --data-binary '{"ip":"127.0.0.9"}'
	jerror 415
done
call "report without a Content-Type" "$U/api/v1/reports" \
    -H 'Content-Type:' --data-binary '{"ip":"127.0.0.9"}'
jerror 415
call "report as APPLICATION/JSON; charset=utf-8" "$U/api/v1/reports" \
    -H 'Content-Type: APPLICATION/JSON; charset=utf-8' \
    --data-binary '{"ip":"127.0.0.9"}'
status 200

# Bodies over max_body (4K): announced, or sent chunked.
head -c 1048576 /dev/zero | tr '\0' ' ' >"$T/1m.body"
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/5k.body"
printf '{"ip":"127.0.0.9"}' >>"$T/5k.body"
head -c 4000 /dev/zero | tr '\0' ' ' >"$T/4k.body"
printf '{"ip":"127.0.0.9"}' >>"$T/4k.body"
call "report of 1 MB (Content-Length, Expect: 100-continue)" \
    "$U/api/v1/reports" -H "$CT_JSON" -H 'Expect: 100-continue' \
    --data-binary @"$T/1m.body"
jerror 413
header '^Connection: close'
# Without Expect the client is still sending when the 413 comes; the
# server must not close in a way that loses the answer (a reset while
# the body is unread): every one of ten must be read.
lost=
for i in 1 2 3 4 5 6 7 8 9 10; do
	call "report of 1 MB (Content-Length, no Expect) $i" \
	    "$U/api/v1/reports" -H "$CT_JSON" -H 'Expect:' \
	    --data-binary @"$T/1m.body"
	[ "$CODE" = 413 ] || lost="$lost $i"
done
LAST="report of 1 MB (Content-Length, no Expect), 10 times"
if [ -z "$lost" ]; then
	ok "$LAST: 413 each time"
else
	fail "$LAST: no answer (the 413 lost to a reset) in tries$lost"
fi
call "report of 5000 bytes (Content-Length)" "$U/api/v1/reports" \
    -H "$CT_JSON" --data-binary @"$T/5k.body"
jerror 413
call "report of 1 MB (chunked)" "$U/api/v1/reports" -H "$CT_JSON" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/1m.body"
jerror 413
call "report of 5000 bytes (chunked)" "$U/api/v1/reports" -H "$CT_JSON" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/5k.body"
jerror 413
call "report of 4018 bytes (chunked, under max_body)" "$U/api/v1/reports" \
    -H "$CT_JSON" -H 'Transfer-Encoding: chunked' \
    --data-binary @"$T/4k.body"
status 200
call "GET /healthz after the large bodies" "$U/healthz"
status 200

# Methods and paths.
call "GET /api/v1/reports" "$U/api/v1/reports"
jerror 405
header '^Allow: POST$'
call "PUT /api/v1/reports" -X PUT "$U/api/v1/reports"
jerror 405
header '^Allow: POST$'
call "PATCH /api/v1/hosts/127.0.0.9" -X PATCH "$U/api/v1/hosts/127.0.0.9"
jerror 405
header '^Allow: GET, HEAD, PUT, DELETE$'
call "POST /api/v1/hosts/127.0.0.9" -X POST "$U/api/v1/hosts/127.0.0.9"
jerror 405
header '^Allow: .*GET'
call "GET /api/v1/hosts/127.0.0.9/retest" "$U/api/v1/hosts/127.0.0.9/retest"
jerror 405
header '^Allow: POST$'
for p in /api/v1/nope /api/v1/ /api/v2/reports /api/v1/reports/ \
    /api/v1/hosts/127.0.0.9/ /api/v1/hosts/127.0.0.9/retest/x \
    /api/v1/hosts/127.0.0.9/nope; do
	call "GET $p" "$U$p"
	jerror 404
done
call "POST /api/v1/nope" -X POST "$U/api/v1/nope"
jerror 404

# ---- GET /api/v1/hosts/{ip} ------------------------------------------------

call "GET /api/v1/hosts/127.0.0.9" "$U/api/v1/hosts/127.0.0.9"
status 200
header '^Content-Type: application/json'
json 'j["ip"] == "127.0.0.9" and j["state"] == "pending" and
    j["answer"] is None and j["queue"] == "report" and
    isinstance(j["first_seen"], str) and j["first_seen"].endswith("Z")
    and j["listed_at"] is None and isinstance(j["evidence"], list)' \
    'state pending, dates, answer null'
call "GET /api/v1/hosts/127.0.0.99 (unknown)" "$U/api/v1/hosts/127.0.0.99"
jerror 404 'not in the list'
for p in bad 127.0.0.1x 127.0.0.256 010.0.0.1 2a00:1450:4001:::1 \
    '127.0.0.1%20' '%3Cscript%3E'; do
	call "GET /api/v1/hosts/$p" "$U/api/v1/hosts/$p"
	jerror 400 'must hold an IPv4 or IPv6 address'
done
call "GET /api/v1/hosts/" "$U/api/v1/hosts/"
jerror 400

# ---- POST /api/v1/hosts/{ip}/retest -----------------------------------------

expect_rc 0 rb add 127.0.0.20
expect_rc 0 rb exclude 127.0.0.21
call "retest 127.0.0.9" -X POST "$U/api/v1/hosts/127.0.0.9/retest"
status 202
json 'j["ip"] == "127.0.0.9" and j["queue"] != "none"' 'queued'
call "retest 127.0.0.9 again" -X POST "$U/api/v1/hosts/127.0.0.9/retest"
jerror 429 'asked for recently'
ra=$(hval Retry-After)
check "retest again: Retry-After $ra is about 3600" \
    between "$ra" 3500 3601
call "retest 127.0.0.99 (unknown)" -X POST \
    "$U/api/v1/hosts/127.0.0.99/retest"
jerror 404
call "retest 127.0.0.20 (listed by hand)" -X POST \
    "$U/api/v1/hosts/127.0.0.20/retest"
jerror 409 'operator'
call "retest 127.0.0.21 (excluded)" -X POST \
    "$U/api/v1/hosts/127.0.0.21/retest"
jerror 409 'excluded'
call "retest bad" -X POST "$U/api/v1/hosts/bad/retest"
jerror 400
report "report 127.0.0.21 (excluded)" 127.0.0.21
jerror 409 'excluded'

# ---- PUT and DELETE /api/v1/hosts/{ip}: the operator's key ---------------

H=$U/api/v1/hosts/127.0.0.40
call "PUT 127.0.0.40 without a key" -X PUT "$H"
jerror 401
header '^WWW-Authenticate: Bearer'
call "PUT 127.0.0.40 with a wrong key" -X PUT \
    -H "Authorization: Bearer $BADKEY" "$H"
jerror 401
header '^WWW-Authenticate: Bearer'
call "PUT 127.0.0.40 with an API key" -X PUT \
    -H "Authorization: Bearer $APIKEY" "$H"
jerror 401
call "PUT 127.0.0.40 with the operator key in X-API-Key" -X PUT \
    -H "X-API-Key: $OPKEY" "$H"
jerror 401
call "PUT 127.0.0.40 with a prefix of the operator key" -X PUT \
    -H "Authorization: Bearer ${OPKEY%?}" "$H"
jerror 401
call "PUT 127.0.0.40 with Basic auth" -X PUT -u "op:$OPKEY" "$H"
jerror 401
call "DELETE 127.0.0.40 without a key" -X DELETE "$H"
jerror 401
header '^WWW-Authenticate: Bearer'
expect_rc 1 rb show 127.0.0.40
call "PUT 127.0.0.40 with the operator key" -X PUT \
    -H "Authorization: Bearer $OPKEY" "$H"
status 200
json 'j["state"] == "listed" and j["code"] == 4 and
    j["answer"] == "127.0.0.4" and j["manual"] is True'
expect_rc 0 rb show 127.0.0.40
expect_out '^state +listed'
expect_out '^answer +127\.0\.0\.4$'
call "PUT 127.0.0.41 code 3 reason x" -X PUT \
    -H "Authorization: Bearer $OPKEY" -H "$CT_JSON" \
    --data-binary '{"code": 3, "reason": "x"}' "$U/api/v1/hosts/127.0.0.41"
status 200
json 'j["state"] == "listed" and j["code"] == 3 and
    j["answer"] == "127.0.0.3"'
expect_rc 0 rb show 127.0.0.41
expect_out '^answer +127\.0\.0\.3$'
expect_out 'code 3: x'
for body in '{"code": 1}' '{"code": 255}' '{"code": 0}' '{"code": "3"}' \
    '{"code": 3, "extra": 1}' '{"reason": 5}' '[3]' '{"code": 3'; do
	call "PUT 127.0.0.42 $body" -X PUT -H "Authorization: Bearer $OPKEY" \
	    -H "$CT_JSON" --data-binary "$body" "$U/api/v1/hosts/127.0.0.42"
	jerror 400
done
call "PUT 127.0.0.42 as text/plain" -X PUT \
    -H "Authorization: Bearer $OPKEY" -H 'Content-Type: text/plain' \
    --data-binary '{"code": 3}' "$U/api/v1/hosts/127.0.0.42"
jerror 415
expect_rc 1 rb show 127.0.0.42
call "DELETE 127.0.0.40 with a wrong key" -X DELETE \
    -H "Authorization: Bearer $BADKEY" "$H"
jerror 401
call "DELETE 127.0.0.40 with the operator key" -X DELETE \
    -H "Authorization: Bearer $OPKEY" "$H"
status 200
json 'j["state"] == "delisted" and j["answer"] is None'
expect_rc 0 rb show 127.0.0.40
expect_out '^state +delisted'
call "DELETE 127.0.0.40 again" -X DELETE -H "Authorization: Bearer $OPKEY" \
    "$H"
jerror 404
call "DELETE 127.0.0.99 (unknown)" -X DELETE \
    -H "Authorization: Bearer $OPKEY" "$U/api/v1/hosts/127.0.0.99"
jerror 404
call "DELETE bad" -X DELETE -H "Authorization: Bearer $OPKEY" \
    "$U/api/v1/hosts/bad"
jerror 400

# ---- the pages -------------------------------------------------------------

call "GET /" "$U/"
page 200
header '^Content-Security-Policy: '
expect_out '<form[^>]* action="/lookup"'
expect_out '<form[^>]* action="/report"'
expect_out 'name="ip"'
expect_no_out 'https?://'
expect_no_out '<(script|link|img|iframe)[^>]* src='
call "GET /lookup?ip=127.0.0.9" "$U/lookup?ip=127.0.0.9"
status 303
header '^Location: /hosts/127\.0\.0\.9$'
call "GET /lookup?ip=::ffff:127.0.0.9" "$U/lookup?ip=::ffff:127.0.0.9"
status 303
header '^Location: /hosts/127\.0\.0\.9$'
call "GET /lookup?ip=2A00:1450:4001:0::1" "$U/lookup?ip=2A00:1450:4001:0::1"
status 303
header "^Location: /hosts/$H6\$"
call "GET /lookup?ip=bad" "$U/lookup?ip=bad"
page 400
no_header '^Location'
call "GET /lookup" "$U/lookup"
page 400
call "GET /lookup?ip=<script>alert(3)</script>" \
    "$U/lookup?ip=%3Cscript%3Ealert(3)%3C%2Fscript%3E"
page 400
expect_no_out '<script>alert'
call "GET /hosts/127.0.0.9" "$U/hosts/127.0.0.9"
page 200
expect_out '127\.0\.0\.9'
expect_out 'pending'
expect_no_out 'https?://'
call "GET /hosts/127.0.0.99 (unknown)" "$U/hosts/127.0.0.99"
page 404
call "GET /hosts/bad" "$U/hosts/bad"
page 404
call "GET /nope" "$U/nope"
page 404
call "POST / " -X POST "$U/"
page 404

call "POST /report ip=127.0.0.11 (form, no JavaScript)" "$U/report" \
    -H "$CT_FORM" --data-binary 'ip=127.0.0.11'
page 202
expect_out '127\.0\.0\.11'
expect_out 'queued'
call "GET /api/v1/hosts/127.0.0.11" "$U/api/v1/hosts/127.0.0.11"
status 200
json 'j["state"] == "pending"'
call "POST /report ip=bad" "$U/report" -H "$CT_FORM" --data-binary 'ip=bad'
page 400
call "POST /report ip=192.0.2.1" "$U/report" -H "$CT_FORM" \
    --data-binary 'ip=192.0.2.1'
page 422
expect_out 'TEST-NET-1'
call "POST /report ip=<script>alert(2)</script>" "$U/report" -H "$CT_FORM" \
    --data-binary 'ip=%3Cscript%3Ealert(2)%3C%2Fscript%3E'
page 400
expect_out '&lt;script&gt;alert\(2\)'
expect_no_out '<script>alert'
call "POST /hosts/127.0.0.11/retest (form)" -X POST \
    "$U/hosts/127.0.0.11/retest"
page 202
expect_out '127\.0\.0\.11'
call "POST /hosts/127.0.0.11/retest again (form)" -X POST \
    "$U/hosts/127.0.0.11/retest"
page 429
header '^Retry-After: [0-9]+$'

# Evidence is text from outside: escaped on the page, a string in JSON.
XSS='<script>alert(1)</script>'
expect_rc 0 rb add 127.0.0.30 --reason "$XSS"
call "GET /hosts/127.0.0.30" "$U/hosts/127.0.0.30"
page 200
expect_out '&lt;script&gt;alert\(1\)&lt;/script&gt;'
expect_no_out '<script>alert'
call "GET /api/v1/hosts/127.0.0.30" "$U/api/v1/hosts/127.0.0.30"
status 200
json 'any("<script>alert(1)</script>" in e["transcript"]
    for e in j["evidence"])' 'the transcript as a JSON string'

# ---- an address with junk after a NUL, in the path and the query ----------

call "GET /api/v1/hosts/127.0.0.9%00junk" "$U/api/v1/hosts/127.0.0.9%00junk"
jerror 400
call "PUT /api/v1/hosts/127.0.0.43%00junk" -X PUT \
    -H "Authorization: Bearer $OPKEY" "$U/api/v1/hosts/127.0.0.43%00junk"
jerror 400
expect_rc 1 rb show 127.0.0.43
call "GET /hosts/127.0.0.9%00junk" "$U/hosts/127.0.0.9%00junk"
page 404
call "GET /lookup?ip=127.0.0.9%00junk" "$U/lookup?ip=127.0.0.9%00junk"
page 400

# ---- rate limits: a second daemon on the same store ------------------------

PORTB=$(http_port) || { fail "no free port"; finish; }
UB=http://127.0.0.1:$PORTB
CB=$T/limits.conf
LOGB=$T/limits.log
sed -e "s/^listen = .*/listen = 127.0.0.1:$PORTB/" \
    -e 's/^report_burst = .*/report_burst = 3/' \
    -e 's/^key_report_rate = .*/key_report_rate = 1/' \
    -e 's/^key_report_burst = .*/key_report_burst = 8/' \
    -e 's/^retest_rate = .*/retest_rate = 2/' "$C" >"$CB"
if start_http "$CB" "$PORTB" "$LOGB" -d; then
	PIDB=$HTTP_PID
	# report_rate 3600 refills a token a second: the series must fall
	# within one second. Start it at the top of a second, send it
	# without checking, check afterwards; when it spanned a second
	# after all (a slow machine), wait for the bucket and go again.
	KEYED=0
	for attempt in 1 2 3; do
		sleep "0.$(printf '%09d' $((1000000000 - 10#$(date +%N))))"
		s0=$(date +%s)
		r="$UB/api/v1/reports"
		j="127.0.$attempt"
		series r1 "$r" -H "$CT_JSON" --data-binary "{\"ip\":\"$j.51\"}" \
		    -- r2 "$r" -H "$CT_JSON" --data-binary "{\"ip\":\"$j.52\"}" \
		    -- r3 "$r" -H "$CT_JSON" --data-binary "{\"ip\":\"$j.53\"}" \
		    -- r4 "$r" -H "$CT_JSON" --data-binary "{\"ip\":\"$j.54\"}" \
		    -- k1 "$r" -H "$CT_JSON" -H "X-API-Key: $APIKEY" \
		    --data-binary "{\"ip\":\"$j.55\"}" \
		    -- k2 "$r" -H "$CT_JSON" -H "Authorization: Bearer $APIKEY" \
		    --data-binary "{\"ip\":\"$j.56\"}" \
		    -- r7 "$r" -H "$CT_JSON" --data-binary "{\"ip\":\"$j.57\"}"
		s1=$(date +%s)
		for k in k1 k2; do
			[ "$(cat "$T/.b.$k.code")" != 202 ] || KEYED=$((KEYED + 1))
		done
		[ "$s0" != "$s1" ] || break
		echo "     (attempt $attempt spanned a second: again)"
		sleep 4
	done
	for i in 1 2 3; do
		replay r$i "limits: report $i from one client"
		status 202
	done
	replay r4 "limits: report 4 from the same client"
	jerror 429 'too many reports'
	header '^Retry-After: [12]$'
	replay k1 "limits: report 5 with X-API-Key"
	status 202
	replay k2 "limits: report 6 with Authorization: Bearer"
	status 202
	replay r7 "limits: report 7 without a key"
	jerror 429
	call "limits: report with an unknown key (X-API-Key)" \
	    "$UB/api/v1/reports" -H "$CT_JSON" -H "X-API-Key: $BADKEY" \
	    --data-binary '{"ip":"127.0.0.58"}'
	jerror 401 'unknown API key'
	header '^WWW-Authenticate: Bearer'
	call "limits: report with an unknown key (Bearer)" \
	    "$UB/api/v1/reports" -H "$CT_JSON" \
	    -H "Authorization: Bearer $BADKEY" \
	    --data-binary '{"ip":"127.0.0.58"}'
	jerror 401
	header '^WWW-Authenticate: Bearer'
	call "limits: report with the operator key as API key" \
	    "$UB/api/v1/reports" -H "$CT_JSON" -H "X-API-Key: $OPKEY" \
	    --data-binary '{"ip":"127.0.0.58"}'
	jerror 401
	expect_rc 1 rb show 127.0.0.58
	# The key's own bucket: 8 at once, 1 an hour.
	while [ "$KEYED" -lt 8 ]; do
		KEYED=$((KEYED + 1))
		call "limits: keyed report $KEYED" "$UB/api/v1/reports" \
		    -H "$CT_JSON" -H "X-API-Key: $APIKEY" \
		    --data-binary "{\"ip\":\"127.0.0.7$KEYED\"}"
		status 202
	done
	call "limits: keyed report 9 (key_report_burst 8)" \
	    "$UB/api/v1/reports" -H "$CT_JSON" \
	    -H "Authorization: Bearer $APIKEY" \
	    --data-binary '{"ip":"127.0.0.66"}'
	jerror 429
	ra=$(hval Retry-After)
	check "limits: keyed report 9: Retry-After $ra is about 3600" \
	    between "$ra" 3000 3601
	call "limits: report with the second key" "$UB/api/v1/reports" \
	    -H "$CT_JSON" -H "X-API-Key: $APIKEY2" \
	    --data-binary '{"ip":"127.0.0.67"}'
	status 202
	# Retests: retest_rate 2 an hour per client, whatever the answer.
	for i in 1 2; do
		call "limits: retest $i (unknown host)" -X POST \
		    "$UB/api/v1/hosts/127.0.0.9$i/retest"
		jerror 404
	done
	call "limits: retest 3 from the same client" -X POST \
	    "$UB/api/v1/hosts/127.0.0.93/retest"
	jerror 429 'too many retest requests'
	ra=$(hval Retry-After)
	check "limits: retest 3: Retry-After $ra is about 1800" \
	    between "$ra" 1700 1801
	if stop_pid "$PIDB" 3 && [ "$STOP_RC" -eq 0 ]; then
		ok "limits daemon exited 0 on SIGTERM in $STOP_MS ms"
	else
		fail "limits daemon on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" \
		    "$LOGB"
	fi
	check "limits log: reports by key name" \
	    grep -Eq 'report 127\.0\.[0-9]+\.55 by reporter-one: queued' "$LOGB"
fi

# ---- connections: slow clients and the per-address limit -----------------

expect_checks "$PY" "$HERE/slow.py" "$PORT" 2
expect_checks "$PY" "$HERE/conns.py" "$PORT" 4 6
call "GET /healthz after the connection tests" "$U/healthz"
status 200

# ---- SIGHUP re-reads the key files -----------------------------------------

printf '%s\n' "$OPKEY2" >"$T/op.key"
kill -HUP "$PID"
if wait_log "$LOG" 'reloaded the key files' 5 &&
    wait_for 5000 http_up "$PID" "$PORT"; then
	ok "SIGHUP: reloaded, answering again"
else
	fail "SIGHUP: no reload" "$LOG"
fi
call "PUT 127.0.0.44 with the new operator key" -X PUT \
    -H "Authorization: Bearer $OPKEY2" "$U/api/v1/hosts/127.0.0.44"
status 200
call "PUT 127.0.0.44 with the old operator key" -X PUT \
    -H "Authorization: Bearer $OPKEY" "$U/api/v1/hosts/127.0.0.44"
jerror 401
header '^WWW-Authenticate: Bearer'
# A bad key file on SIGHUP is logged; the keys in use stay.
printf 'short\n' >"$T/op.key"
kill -HUP "$PID"
if wait_log "$LOG" 'op\.key:1: a key is 16 to 128' 5 &&
    wait_for 5000 http_up "$PID" "$PORT"; then
	ok "SIGHUP with a bad key file: logged, still answering"
else
	fail "SIGHUP with a bad key file: not logged" "$LOG"
fi
call "DELETE 127.0.0.44 with the kept operator key" -X DELETE \
    -H "Authorization: Bearer $OPKEY2" "$U/api/v1/hosts/127.0.0.44"
status 200
call "GET /healthz after the reloads" "$U/healthz"
status 200
json "j['serial'] == $(serial)" "serial $(serial)"

# ---- the end: SIGTERM, and what the logs hold ------------------------------

if stop_pid "$PID" 3 && [ "$STOP_RC" -eq 0 ]; then
	ok "relaybl-http exited 0 on SIGTERM in $STOP_MS ms"
else
	fail "relaybl-http on SIGTERM: exit ${STOP_RC:-?} after $STOP_MS ms" \
	    "$LOG"
fi
touch "$LOGB"
for k in "$OPKEY" "$OPKEY2" "$APIKEY" "$APIKEY2" "$BADKEY"; do
	check "key ${k%%-*}-… is in no log" \
	    [ "$(grep -cF -- "$k" "$LOG" "$LOGB" | awk -F: '{ s += $2 } END { print s + 0 }')" -eq 0 ]
done
if grep -Eq 'Sanitizer|runtime error' "$LOG" "$LOGB"; then
	fail "relaybl-http: sanitizer report in a log" "$LOG"
else
	ok "no sanitizer report in the logs"
fi

# jcheck.py ends when its input does.
eval "exec ${JCHECK[1]}>&-"
wait "$JCHECK_PID" 2>/dev/null
finish
