/* SPDX-License-Identifier: ISC */
/*
 * page.c -- the HTML pages: the front page, a host's page, errors
 *
 * Pages are built in a growing string (struct sbuf) that records an
 * allocation failure instead of returning one, so that rendering code
 * reads as a list of what the page says and checks once at the end.
 * Whatever came from outside -- an address as typed, a notice, and above
 * all evidence transcripts, which hold SMTP text written by the hosts we
 * test -- goes through sbuf_escape(), which also turns control bytes and
 * invalid UTF-8 into U+FFFD. Pages load nothing from anywhere: the style
 * and the one small script are inline, and the script reads the address
 * it needs from a data- attribute and writes only textContent, so no
 * data ever becomes markup or code. Without JavaScript the forms post to
 * the plain HTML endpoints; with it they call the JSON API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/* ---- sbuf ------------------------------------------------------------- */

/* Make room for need more bytes and a NUL. @return false (and oom). */
static bool
sbuf_grow(struct sbuf *b, size_t need)
{
	size_t	 cap;
	char	*p;

	if (b->oom)
		return false;
	if (b->cap - b->len > need)
		return true;
	if (need > SIZE_MAX / 2 - b->len - 1) {
		b->oom = true;
		return false;
	}
	cap = b->cap > 0 ? b->cap : 256;
	while (cap - b->len <= need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
sbuf_add(struct sbuf *b, const char *s, size_t len)
{
	if (len == 0 || !sbuf_grow(b, len))
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL,
	    b->p != NULL ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (b->p != NULL && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return;
	}
	if (n == 0 || !sbuf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 sequence at s (Unicode table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF), or, as a
 * negative number, the length of its maximal ill-formed subpart, which
 * becomes one U+FFFD as the Unicode standard and WHATWG recommend.
 */
static int
utf8_len(const unsigned char *s, size_t len)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	int		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return -1;		/* continuation, C0, C1, F5..FF */
	for (i = 1; i < n; i++) {
		if ((size_t)i >= len || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

void
sbuf_escape(struct sbuf *b, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	const char		*rep;
	size_t			 i = 0, run = 0;
	int			 n;

	while (i < len && !b->oom) {
		rep = NULL;
		n = 1;
		switch (u[i]) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#39;"; break;
		case '\t':
		case '\n':
			break;
		case '\r':
			/* CRLF is a line end (transcripts keep SMTP's). */
			if (i + 1 < len && u[i + 1] == '\n')
				rep = "";
			else
				rep = REPLACEMENT;
			break;
		default:
			if (u[i] < 0x20 || u[i] == 0x7f)
				rep = REPLACEMENT;
			else if (u[i] >= 0x80) {
				n = utf8_len(u + i, len - i);
				/* C1 controls are as unwelcome as C0. */
				if (n < 0 || (u[i] == 0xc2 && u[i + 1] < 0xa0))
					rep = REPLACEMENT;
				n = n < 0 ? -n : n;
			}
			break;
		}
		if (rep == NULL) {
			i += (size_t)n;
			continue;
		}
		sbuf_add(b, s + run, i - run);
		sbuf_str(b, rep);
		i += (size_t)n;
		run = i;
	}
	sbuf_add(b, s + run, i - run);
}

static void
sbuf_escape_str(struct sbuf *b, const char *s)
{
	sbuf_escape(b, s, strlen(s));
}

/* Append s as a URL path segment: ':' stays, as in an IPv6 address. */
static void
sbuf_path(struct sbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*u;
	char			 pct[3];

	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
		    (*u >= '0' && *u <= '9') || strchr("-._~:", *u) != NULL) {
			sbuf_add(b, (const char *)u, 1);
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[*u >> 4];
		pct[2] = hex[*u & 15];
		sbuf_add(b, pct, 3);
	}
}

/* Append t as a <time>, or "never" for 0. */
static void
sbuf_time(struct sbuf *b, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	char		 iso[32], text[32];

	if (t == 0) {
		sbuf_str(b, "never");
		return;
	}
	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year > 9999 - 1900 ||
	    tm.tm_year < -1900) {
		sbuf_printf(b, "%lld (Unix time)", (long long)t);
		return;
	}
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sbuf_printf(b, "<time datetime=\"%s\">%s</time>", iso, text);
}

/* ---- the parts every page shares ------------------------------------- */

static const char style[] =
"<style>\n"
"body{font-family:system-ui,-apple-system,\"Segoe UI\",sans-serif;"
"line-height:1.5;max-width:48rem;margin:0 auto;padding:1rem;"
"color:#1b1b1b;background:#fff}\n"
"h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}"
"h3{font-size:1rem;margin-bottom:.25rem}\n"
"code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}\n"
"pre{background:#f4f4f4;border:1px solid #ccc;padding:.5rem;"
"overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}\n"
"form{margin:1rem 0}label{display:block;font-weight:600}\n"
"input{font:inherit;padding:.25rem;width:min(24rem,100%)}\n"
"button{font:inherit;padding:.25rem .75rem}\n"
"dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}"
"dt{font-weight:600}dd{margin:0}\n"
"#notice:not(:empty){border-left:4px solid #1a5fb4;background:#eef4fb;"
"padding:.5rem 1rem;margin:1rem 0}\n"
"ol#evidence-list{padding-left:1.25rem}\n"
"</style>\n";

/*
 * The script: static text, no data in it. It reads the address from
 * data-ip, sends JSON, and writes what comes back with textContent.
 */
static const char script[] =
"<script>\n"
"(function () {\n"
"'use strict';\n"
"if (!window.fetch || !window.JSON) return;\n"
"var notice = document.getElementById('notice');\n"
"function say(t) { notice.textContent = t; }\n"
"function seg(ip) { return encodeURIComponent(ip).replace(/%3A/gi, ':'); }\n"
"function post(url, body) {\n"
"  var o = {method: 'POST', headers: {'Accept': 'application/json'}};\n"
"  if (body) {\n"
"    o.headers['Content-Type'] = 'application/json';\n"
"    o.body = JSON.stringify(body);\n"
"  }\n"
"  return fetch(url, o).then(function (res) {\n"
"    return res.json().catch(function () { return {}; })\n"
"      .then(function (j) {\n"
"        return {s: res.status, j: j || {}, h: res.headers};\n"
"      });\n"
"  });\n"
"}\n"
"function failed(r, what) {\n"
"  return r.j.error ? String(r.j.error) :\n"
"    what + ' failed (HTTP ' + r.s + ')';\n"
"}\n"
"function unreachable() {\n"
"  say('The server could not be reached: try again.');\n"
"}\n"
"var rf = document.getElementById('report-form');\n"
"if (rf) rf.addEventListener('submit', function (e) {\n"
"  var ip = document.getElementById('report-ip').value.trim();\n"
"  var btn = rf.querySelector('button');\n"
"  e.preventDefault();\n"
"  btn.disabled = true;\n"
"  say('Sending the report\\u2026');\n"
"  post('/api/v1/reports', {ip: ip}).then(function (r) {\n"
"    btn.disabled = false;\n"
"    if (r.s !== 200 && r.s !== 202) {\n"
"      say(failed(r, 'The report'));\n"
"      return;\n"
"    }\n"
"    say(r.j.message ? String(r.j.message) : r.j.queued ?\n"
"      'Reported: the host is queued for a test.' : 'Report received.');\n"
"    window.location.href = '/hosts/' + seg(String(r.j.ip || ip));\n"
"  }, function () { btn.disabled = false; unreachable(); });\n"
"});\n"
"var tf = document.getElementById('retest-form');\n"
"if (tf) tf.addEventListener('submit', function (e) {\n"
"  var btn = tf.querySelector('button');\n"
"  e.preventDefault();\n"
"  btn.disabled = true;\n"
"  say('Requesting a retest\\u2026');\n"
"  post('/api/v1/hosts/' + seg(tf.getAttribute('data-ip')) + '/retest')\n"
"  .then(function (r) {\n"
"    var secs = r.j.retry_after != null ? r.j.retry_after :\n"
"      r.h.get('Retry-After');\n"
"    btn.disabled = false;\n"
"    if (r.s === 200 || r.s === 202)\n"
"      say(r.j.message ? String(r.j.message) :\n"
"        'Retest requested: the host is queued and will be tested soon.');\n"
"    else if (r.s === 429)\n"
"      say(failed(r, 'The request') +\n"
"        (secs != null ? ' (try again in ' + Number(secs) +\n"
"        ' seconds)' : ''));\n"
"    else\n"
"      say(failed(r, 'The request'));\n"
"  }, function () { btn.disabled = false; unreachable(); });\n"
"});\n"
"})();\n"
"</script>\n";

static void
page_begin(struct sbuf *b, const char *title)
{
	sbuf_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"referrer\" content=\"same-origin\">\n<title>");
	sbuf_escape_str(b, title);
	sbuf_str(b, "</title>\n");
	sbuf_str(b, style);
	sbuf_str(b, "</head>\n<body>\n");
}

static void
page_end(struct sbuf *b, bool js)
{
	sbuf_str(b, "<footer>\n<p><a href=\"/\">relaybl</a> \xe2\x80\x94 "
	    "a list of confirmed open SMTP relays.</p>\n</footer>\n");
	if (js)
		sbuf_str(b, script);
	sbuf_str(b, "</body>\n</html>\n");
}

static void
notice_area(struct sbuf *b, const char *notice)
{
	sbuf_str(b, "<div id=\"notice\" role=\"status\" aria-live=\"polite\">");
	if (notice != NULL)
		sbuf_escape_str(b, notice);
	sbuf_str(b, "</div>\n");
}

static void
report_form(struct sbuf *b, const char *ip)
{
	sbuf_str(b, "<form method=\"post\" action=\"/report\" "
	    "id=\"report-form\">\n"
	    "<label for=\"report-ip\">Report a suspected open relay "
	    "(IPv4 or IPv6 address)</label>\n"
	    "<input name=\"ip\" id=\"report-ip\" required autocomplete=\"off\" "
	    "spellcheck=\"false\" inputmode=\"text\"");
	if (ip != NULL && *ip != '\0') {
		sbuf_str(b, " value=\"");
		sbuf_escape_str(b, ip);
		sbuf_str(b, "\"");
	}
	sbuf_str(b, ">\n<button type=\"submit\">Report</button>\n</form>\n");
}

/* Hand the page to r, or a minimal page if building it ran out. */
static void
page_finish(struct resp *r, int status, struct sbuf *b)
{
	static const char	 oom[] = "<!DOCTYPE html>\n<title>500 "
	    "Internal Server Error</title>\n<p>Out of memory.</p>\n";

	free(r->body);
	r->ctype = CT_HTML;
	if (!b->oom && b->len > 0) {
		r->status = status;
		r->body = b->p;
		r->len = b->len;
		return;
	}
	free(b->p);
	r->status = 500;
	r->body = strdup(oom);
	r->len = r->body != NULL ? strlen(r->body) : 0;
}

/* ---- the pages -------------------------------------------------------- */

void
page_index(struct resp *r, int status, const char *notice)
{
	struct sbuf	 b = { 0 };

	page_begin(&b, "relaybl \xe2\x80\x94 open relay blocklist");
	sbuf_str(&b, "<header>\n<h1>relaybl \xe2\x80\x94 open relay "
	    "blocklist</h1>\n</header>\n<main>\n");
	notice_area(&b, notice);
	sbuf_str(&b,
	    "<p>relaybl is a DNS blocklist of <strong>confirmed</strong> open "
	    "SMTP relays: mail servers that pass on mail from anyone to "
	    "anyone. Anyone may report a suspected relay. We then send a test "
	    "message through the reported host, addressed to a mailbox of "
	    "our own, and list the host only when that message actually "
	    "arrives there. A host that merely accepts the message is not "
	    "listed.</p>\n"
	    "<p>Listed hosts are retested regularly and whenever their owner "
	    "asks, and are delisted as soon as a test finds them closed. If "
	    "your host is listed, its page shows the test transcripts: fix "
	    "the relay, then request a retest there.</p>\n"
	    "<h2 id=\"lookup-h\">Look up an address</h2>\n"
	    "<form method=\"get\" action=\"/lookup\" "
	    "aria-labelledby=\"lookup-h\">\n"
	    "<label for=\"lookup-ip\">IPv4 or IPv6 address</label>\n"
	    "<input name=\"ip\" id=\"lookup-ip\" required autocomplete=\"off\" "
	    "spellcheck=\"false\">\n"
	    "<button type=\"submit\">Look up</button>\n</form>\n"
	    "<h2>Report a relay</h2>\n"
	    "<p>We test only the address you report, and list it only if "
	    "it relays our test message.</p>\n");
	report_form(&b, NULL);
	sbuf_str(&b,
	    "<h2>Querying the list over DNS</h2>\n"
	    "<p>Mail servers query the list as any DNSBL: reverse the parts "
	    "of the address and look up the A record of that name under the "
	    "list's zone. For 192.0.2.1:</p>\n"
	    "<pre><code>dig +short 1.2.0.192.<var>zone</var> A</code></pre>\n"
	    "<p>An IPv6 address is written as its 32 hexadecimal nibbles in "
	    "reverse order, separated by dots. A listed host answers:</p>\n"
	    "<ul>\n"
	    "<li><code>127.0.0.2</code>: an open relay, confirmed by "
	    "delivery;</li>\n"
	    "<li><code>127.0.0.3</code>: the exit of a multi-stage relay;"
	    "</li>\n"
	    "<li><code>127.0.0.4</code>: listed by the operator by hand."
	    "</li>\n"
	    "</ul>\n"
	    "<p>The TXT record of the same name says why. An address that is "
	    "not listed answers NXDOMAIN. As RFC 5782 asks, 127.0.0.2 is "
	    "always listed and 127.0.0.1 never.</p>\n"
	    "</main>\n");
	page_end(&b, true);
	page_finish(r, status, &b);
}

static const char *
code_meaning(int code)
{
	switch (code) {
	case CODE_OPEN:		return "an open relay, confirmed by delivery";
	case CODE_MULTISTAGE:	return "the exit of a multi-stage relay";
	case CODE_MANUAL:	return "listed by the operator by hand";
	default:		return "listed";
	}
}

/* One sentence on what the state means for the host's owner. */
static const char *
state_meaning(const struct host *h)
{
	switch (h->state) {
	case HOST_PENDING:
		return "Reported and waiting for its first test. It is not "
		    "listed.";
	case HOST_LISTED:
		if (h->flags & HOST_F_MANUAL)
			return "Listed by the list's operator.";
		return "Our test message, sent through this host, arrived at "
		    "our canary mailbox: it relays mail for anyone. Close the "
		    "relay, then request a retest; the host is delisted as "
		    "soon as a test finds it closed.";
	case HOST_CLEAN:
		return "Tested: it did not relay our test message. It is not "
		    "listed.";
	case HOST_DELISTED:
		return "It was listed; a later test found it closed, so it "
		    "is no longer listed.";
	case HOST_EXCLUDED:
		return "Excluded by the list's operator: it is never tested "
		    "and never listed.";
	default:
		return "";
	}
}

static void
host_details(struct sbuf *b, const struct host *h)
{
	const char	*state = host_state_name(h->state);

	sbuf_printf(b, "<dl>\n<dt>State</dt><dd id=\"host-state\">%s</dd>\n",
	    state != NULL ? state : "unknown");
	sbuf_str(b, "<dt>DNS answer</dt><dd>");
	if (h->state == HOST_LISTED)
		sbuf_printf(b, "<code>127.0.0.%u</code> (%s)", h->code,
		    code_meaning(h->code));
	else
		sbuf_str(b, "not listed (NXDOMAIN)");
	sbuf_str(b, "</dd>\n<dt>First seen</dt><dd>");
	sbuf_time(b, h->first_seen);
	sbuf_str(b, "</dd>\n<dt>Listed since</dt><dd>");
	sbuf_time(b, h->listed_at);
	sbuf_str(b, "</dd>\n<dt>Last test</dt><dd>");
	sbuf_time(b, h->last_test);
	sbuf_str(b, "</dd>\n<dt>Next test</dt><dd>");
	if (h->queue == DUE_NONE)
		sbuf_str(b, "not scheduled");
	else {
		sbuf_time(b, h->next_test);
		sbuf_printf(b, " (queue: %s)", due_queue_name(h->queue));
	}
	sbuf_printf(b, "</dd>\n<dt>Reports</dt><dd>%u</dd>\n"
	    "<dt>Tests</dt><dd>%u</dd>\n</dl>\n",
	    (unsigned int)h->reports, (unsigned int)h->tests);
	sbuf_printf(b, "<p>%s</p>\n", state_meaning(h));
}

static void
host_evidence(struct sbuf *b, const struct host_view *v)
{
	const struct ev_view	*e;
	const char		*state;
	size_t			 i;

	sbuf_str(b, "<section id=\"evidence\" aria-labelledby=\"evidence-h\">\n"
	    "<h2 id=\"evidence-h\">Evidence</h2>\n");
	if (v->nev == 0) {
		sbuf_str(b, "<p>No evidence is recorded for this host.</p>\n"
		    "</section>\n");
		return;
	}
	sbuf_str(b, "<p>Newest first. Transcripts show the SMTP dialogue of "
	    "our tests as it happened.</p>\n<ol id=\"evidence-list\">\n");
	for (i = 0; i < v->nev && i < EVIDENCE_KEEP; i++) {
		e = &v->ev[i];
		sbuf_str(b, "<li>\n<h3>");
		sbuf_time(b, e->time);
		sbuf_printf(b, ": %s</h3>\n", evidence_kind_name(e->kind));
		state = host_state_name(e->state);
		if (e->verdict != 0 || state != NULL) {
			sbuf_str(b, "<p>");
			if (e->verdict != 0)
				sbuf_printf(b, "Verdict %d. ", e->verdict);
			if (state != NULL)
				sbuf_printf(b, "State afterwards: %s.", state);
			sbuf_str(b, "</p>\n");
		}
		if (e->text != NULL && e->len > 0) {
			sbuf_str(b, "<pre>");
			sbuf_escape(b, e->text, e->len);
			sbuf_str(b, "</pre>\n");
		}
		sbuf_str(b, "</li>\n");
	}
	sbuf_str(b, "</ol>\n</section>\n");
}

void
page_host(struct resp *r, int status, const struct host_view *v,
    const char *notice)
{
	struct sbuf	 b = { 0 };
	char		 buf[ADDR_STRLEN], title[ADDR_STRLEN + 32];
	const char	*ip = buf;

	snprintf(buf, sizeof(buf), "%.*s", ADDR_STRLEN - 1, v->ip);
	if (buf[0] == '\0')
		addr_format(&v->a, buf);
	snprintf(title, sizeof(title), "%s \xe2\x80\x94 relaybl", ip);
	page_begin(&b, title);
	sbuf_str(&b, "<header>\n<p><a href=\"/\">relaybl</a></p>\n"
	    "<h1>Host <span id=\"host-ip\">");
	sbuf_escape_str(&b, ip);
	sbuf_str(&b, "</span></h1>\n</header>\n<main>\n");
	notice_area(&b, notice);
	if (!v->found) {
		sbuf_str(&b, "<p>");
		sbuf_escape_str(&b, ip);
		sbuf_str(&b, " is not in the list: nobody has reported it, "
		    "and DNS answers NXDOMAIN (not listed).</p>\n"
		    "<p>If you think it is an open relay, report it: we will "
		    "test it and list it only if it relays our test message."
		    "</p>\n");
		report_form(&b, ip);
		sbuf_str(&b, "</main>\n");
		page_end(&b, true);
		page_finish(r, status, &b);
		return;
	}
	host_details(&b, &v->h);
	if (v->h.state != HOST_EXCLUDED) {
		sbuf_str(&b, "<form method=\"post\" action=\"/hosts/");
		sbuf_path(&b, ip);
		sbuf_str(&b, "/retest\" id=\"retest-form\" data-ip=\"");
		sbuf_escape_str(&b, ip);
		sbuf_str(&b, "\">\n<p>Fixed the relay? Ask for a new test: "
		    "the host is delisted as soon as a test finds it closed."
		    "</p>\n<button type=\"submit\">Request a retest</button>\n"
		    "</form>\n");
	}
	host_evidence(&b, v);
	sbuf_str(&b, "</main>\n");
	page_end(&b, true);
	page_finish(r, status, &b);
}

static const char *
status_reason(int status)
{
	switch (status) {
	case 400:	return "Bad Request";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 409:	return "Conflict";
	case 413:	return "Content Too Large";
	case 429:	return "Too Many Requests";
	case 500:	return "Internal Server Error";
	case 503:	return "Service Unavailable";
	default:	return "Error";
	}
}

void
page_error(struct resp *r, int status, const char *msg)
{
	struct sbuf	 b = { 0 };
	char		 title[64];

	snprintf(title, sizeof(title), "%d %s", status, status_reason(status));
	page_begin(&b, title);
	sbuf_str(&b, "<main>\n<h1>");
	sbuf_escape_str(&b, title);
	sbuf_str(&b, "</h1>\n<div id=\"notice\" role=\"alert\">");
	if (msg != NULL)
		sbuf_escape_str(&b, msg);
	sbuf_str(&b, "</div>\n<p><a href=\"/\">Back to the front page</a></p>\n"
	    "</main>\n");
	page_end(&b, false);
	page_finish(r, status, &b);
}
