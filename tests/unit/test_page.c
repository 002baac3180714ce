/* SPDX-License-Identifier: ISC */
/*
 * test_page.c -- the HTML pages and the string buffer they are built in
 *
 * The pages show text written by strangers: addresses as typed, notices
 * and, above all, SMTP transcripts from the hosts we test. We check that
 * every such text arrives escaped, that bytes which are not valid UTF-8
 * or are control characters become U+FFFD, that the page elements the
 * script and the integration tests rely on are there, and that no page
 * loads anything from another host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

#define FFFD	"\xef\xbf\xbd"

/* Escape len bytes of s and compare with want. */
static void
check_escape(const char *s, size_t len, const char *want)
{
	struct sbuf	b = { 0 };

	sbuf_escape(&b, s, len);
	assert_false(b.oom);
	if (*want == '\0') {
		assert_int_equal(b.len, 0);
	} else {
		assert_non_null(b.p);
		assert_string_equal(b.p, want);
		assert_int_equal(b.len, strlen(want));
	}
	free(b.p);
}

#define ESC(lit, want)	check_escape((lit), sizeof(lit) - 1, (want))

/* The page in r is well formed as far as the tests care. */
static void
check_page(const struct resp *r, int status)
{
	assert_int_equal(r->status, status);
	assert_non_null(r->ctype);
	assert_string_equal(r->ctype, CT_HTML);
	assert_non_null(r->body);
	assert_int_equal(r->len, strlen(r->body));
	assert_true(strncmp(r->body, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(r->body, "</html>\n"));
	/* Nothing from elsewhere: no absolute or scheme-relative URLs. */
	assert_null(strstr(r->body, "http:"));
	assert_null(strstr(r->body, "https:"));
	assert_null(strstr(r->body, "//"));
	assert_null(strstr(r->body, "src="));
	assert_null(strstr(r->body, "<link"));
	assert_null(strstr(r->body, "@import"));
	assert_null(strstr(r->body, "url("));
}

static struct host_view *
view_new(const char *ip, bool found)
{
	struct host_view	*v;

	v = calloc(1, sizeof(*v));
	assert_non_null(v);
	if (addr_parse_str(ip, &v->a) == RB_OK)
		addr_format(&v->a, v->ip);
	else
		snprintf(v->ip, sizeof(v->ip), "%s", ip);
	v->found = found;
	return v;
}

static void
view_add(struct host_view *v, int64_t t, int kind, int verdict, int state,
    const char *text)
{
	struct ev_view	*e = &v->ev[v->nev++];

	e->time = t;
	e->kind = kind;
	e->verdict = verdict;
	e->state = state;
	e->text = strdup(text);
	assert_non_null(e->text);
	e->len = strlen(text);
}

static void
view_free(struct host_view *v)
{
	size_t	i;

	for (i = 0; i < v->nev; i++)
		free(v->ev[i].text);
	free(v);
}

/* ---- sbuf ------------------------------------------------------------- */

static void
test_sbuf_grows(void **state)
{
	struct sbuf	b = { 0 };
	char		piece[37];
	size_t		i;

	(void)state;
	sbuf_add(&b, "", 0);
	assert_int_equal(b.len, 0);
	memset(piece, 'x', sizeof(piece));
	for (i = 0; i < 1000; i++) {
		piece[0] = (char)('a' + i % 26);
		sbuf_add(&b, piece, sizeof(piece));
		assert_int_equal(b.len, (i + 1) * sizeof(piece));
		assert_true(b.cap > b.len);
		assert_int_equal(b.p[b.len], '\0');
	}
	assert_false(b.oom);
	for (i = 0; i < 1000; i++)
		assert_int_equal(b.p[i * sizeof(piece)], 'a' + i % 26);
	assert_int_equal(strlen(b.p), b.len);
	free(b.p);
}

static void
test_sbuf_printf(void **state)
{
	struct sbuf	b = { 0 };
	char		big[3000];

	(void)state;
	sbuf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.p, "42-x");
	assert_int_equal(b.len, 4);
	sbuf_printf(&b, "%s", "");
	assert_int_equal(b.len, 4);
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbuf_printf(&b, "[%s]", big);
	assert_false(b.oom);
	assert_int_equal(b.len, 4 + 2 + sizeof(big) - 1);
	assert_int_equal(strlen(b.p), b.len);
	assert_true(strncmp(b.p, "42-x[yyy", 8) == 0);
	assert_int_equal(b.p[b.len - 1], ']');
	sbuf_add(&b, "z", 1);
	assert_int_equal(b.p[b.len - 1], 'z');
	free(b.p);
}

static void
test_sbuf_oom_sticks(void **state)
{
	struct sbuf	b = { 0 };

	(void)state;
	b.oom = true;
	sbuf_add(&b, "abc", 3);
	sbuf_printf(&b, "%d", 1);
	sbuf_escape(&b, "<", 1);
	assert_int_equal(b.len, 0);
	assert_null(b.p);
}

/* ---- sbuf_escape ------------------------------------------------------ */

static void
test_escape_specials(void **state)
{
	(void)state;
	ESC("&", "&amp;");
	ESC("<", "&lt;");
	ESC(">", "&gt;");
	ESC("\"", "&quot;");
	ESC("'", "&#39;");
	ESC("a<b>&\"c'd", "a&lt;b&gt;&amp;&quot;c&#39;d");
	ESC("&amp;", "&amp;amp;");
	ESC("plain text 1.2.3.4", "plain text 1.2.3.4");
	ESC("", "");
}

static void
test_escape_controls(void **state)
{
	(void)state;
	ESC("a\tb\nc", "a\tb\nc");
	ESC("\x01", FFFD);
	ESC("a\x1b[31mb", "a" FFFD "[31mb");
	ESC("\x7f", FFFD);
	ESC("x\0y", "x" FFFD "y");
	ESC("\x0c\x0b", FFFD FFFD);
	/* SMTP line ends read as line ends; a lone CR does not. */
	ESC("250 ok\r\n", "250 ok\n");
	ESC("a\rb", "a" FFFD "b");
	ESC("a\r", "a" FFFD);
	/* C1 controls (U+0080..U+009F) too. */
	ESC("\xc2\x85", FFFD);
	ESC("\xc2\x9b" "1m", FFFD "1m");
}

static void
test_escape_invalid_utf8(void **state)
{
	(void)state;
	ESC("\x80", FFFD);				/* lone continuation */
	ESC("a\xbf" "b", "a" FFFD "b");
	ESC("\xc0\xaf", FFFD FFFD);			/* overlong '/' */
	ESC("\xc1\xbf", FFFD FFFD);
	ESC("\xe0\x80\xaf", FFFD FFFD FFFD);		/* overlong, 3 bytes */
	ESC("\xe0\x9f\xbf", FFFD FFFD FFFD);
	ESC("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD);	/* overlong, 4 */
	ESC("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD);
	ESC("\xed\xa0\x80", FFFD FFFD FFFD);		/* U+D800 */
	ESC("\xed\xbf\xbf", FFFD FFFD FFFD);		/* U+DFFF */
	ESC("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);	/* U+110000 */
	ESC("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
	ESC("\xfe\xff", FFFD FFFD);
	/* Truncated sequences: the maximal subpart becomes one U+FFFD. */
	ESC("\xe2\x82", FFFD);
	ESC("\xe2\x82x", FFFD "x");
	ESC("\xf0\x9f\x98", FFFD);
	ESC("\xf0\x9f\x98<", FFFD "&lt;");
	ESC("\xc3", FFFD);
	ESC("\xc3\xc3\xa9", FFFD "\xc3\xa9");
}

static void
test_escape_valid_utf8(void **state)
{
	(void)state;
	ESC("caf\xc3\xa9", "caf\xc3\xa9");			/* é */
	ESC("\xc2\xa0", "\xc2\xa0");				/* U+00A0 */
	ESC("\xdf\xbf", "\xdf\xbf");				/* U+07FF */
	ESC("\xe0\xa0\x80", "\xe0\xa0\x80");			/* U+0800 */
	ESC("\xe2\x82\xac 5", "\xe2\x82\xac 5");		/* € */
	ESC("\xed\x9f\xbf", "\xed\x9f\xbf");			/* U+D7FF */
	ESC("\xee\x80\x80", "\xee\x80\x80");			/* U+E000 */
	ESC("\xef\xbf\xbd", "\xef\xbf\xbd");			/* U+FFFD */
	ESC("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");		/* U+10000 */
	ESC("\xf0\x9f\x98\x80<", "\xf0\x9f\x98\x80&lt;");	/* emoji */
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");		/* U+10FFFF */
}

/* ---- pages ------------------------------------------------------------ */

static void
test_page_index(void **state)
{
	struct resp	r = { 0 };

	(void)state;
	page_index(&r, 200, NULL);
	check_page(&r, 200);
	assert_non_null(strstr(r.body,
	    "<title>relaybl \xe2\x80\x94 open relay blocklist</title>"));
	assert_non_null(strstr(r.body,
	    "<form method=\"get\" action=\"/lookup\""));
	assert_non_null(strstr(r.body, "name=\"ip\" id=\"lookup-ip\""));
	assert_non_null(strstr(r.body, ">Look up</button>"));
	assert_non_null(strstr(r.body,
	    "<form method=\"post\" action=\"/report\" id=\"report-form\">"));
	assert_non_null(strstr(r.body, "name=\"ip\" id=\"report-ip\""));
	assert_non_null(strstr(r.body, ">Report</button>"));
	assert_non_null(strstr(r.body,
	    "<div id=\"notice\" role=\"status\" aria-live=\"polite\"></div>"));
	assert_non_null(strstr(r.body, "fetch(url"));
	assert_non_null(strstr(r.body, "'/api/v1/reports'"));
	assert_null(strstr(r.body, "innerHTML"));
	free(r.body);
}

static void
test_page_index_notice_escaped(void **state)
{
	struct resp	r = { 0 };

	(void)state;
	page_index(&r, 400, "bad <b onclick=alert(1)>ip</b> & \"'");
	check_page(&r, 400);
	assert_non_null(strstr(r.body, "role=\"status\" aria-live=\"polite\">"
	    "bad &lt;b onclick=alert(1)&gt;ip&lt;/b&gt; &amp; &quot;&#39;</div>"));
	assert_null(strstr(r.body, "<b onclick"));
	free(r.body);
}

static void
test_page_host_listed(void **state)
{
	struct host_view	*v = view_new("192.0.2.7", true);
	struct resp		 r = { 0 };
	const char		*p, *q;

	(void)state;
	v->h.state = HOST_LISTED;
	v->h.code = CODE_OPEN;
	v->h.queue = DUE_SCHEDULED;
	v->h.first_seen = 1700000000;
	v->h.listed_at = 1700000600;
	v->h.last_test = 1700000600;
	v->h.next_test = 1700086400;
	v->h.reports = 3;
	v->h.tests = 1;
	view_add(v, 1700000600, EVIDENCE_TEST, 1, HOST_LISTED,
	    "220 evil ESMTP <script>alert(1)</script>\r\n"
	    "250 \"'& ok\r\n\x1b[2J");
	view_add(v, 1700000000, EVIDENCE_REPORT, 0, HOST_PENDING,
	    "reported");
	page_host(&r, 200, v, "Retest <b>queued</b>");
	check_page(&r, 200);
	assert_non_null(strstr(r.body, "<span id=\"host-ip\">192.0.2.7</span>"));
	assert_non_null(strstr(r.body, "id=\"host-state\">listed</dd>"));
	assert_non_null(strstr(r.body, "<code>127.0.0.2</code>"));
	assert_non_null(strstr(r.body, "2023-11-14 22:13:20 UTC"));
	assert_non_null(strstr(r.body, "2023-11-14 22:23:20 UTC"));
	assert_non_null(strstr(r.body, "(queue: scheduled)"));
	assert_non_null(strstr(r.body, "<dt>Reports</dt><dd>3</dd>"));
	assert_non_null(strstr(r.body, "<dt>Tests</dt><dd>1</dd>"));
	assert_non_null(strstr(r.body, "id=\"evidence\""));
	/* The transcript, escaped, and never raw. */
	assert_non_null(strstr(r.body,
	    "&lt;script&gt;alert(1)&lt;/script&gt;\n250 &quot;&#39;&amp; ok\n"
	    FFFD "[2J</pre>"));
	assert_null(strstr(r.body, "<script>alert"));
	assert_null(strstr(r.body, "\x1b"));
	assert_non_null(strstr(r.body, "Verdict 1."));
	/* Newest first, as given. */
	p = strstr(r.body, ": test</h3>");
	q = strstr(r.body, ": report</h3>");
	assert_non_null(p);
	assert_non_null(q);
	assert_true(p < q);
	/* The notice, escaped. */
	assert_non_null(strstr(r.body, "Retest &lt;b&gt;queued&lt;/b&gt;"));
	assert_non_null(strstr(r.body, "<form method=\"post\" "
	    "action=\"/hosts/192.0.2.7/retest\" id=\"retest-form\""));
	assert_non_null(strstr(r.body, ">Request a retest</button>"));
	assert_non_null(strstr(r.body, "'/api/v1/hosts/'"));
	assert_null(strstr(r.body, "innerHTML"));
	free(r.body);
	view_free(v);
}

static void
test_page_host_states(void **state)
{
	struct host_view	*v = view_new("2001:db8::1", true);
	struct resp		 r = { 0 };

	(void)state;
	v->h.state = HOST_PENDING;
	v->h.queue = DUE_REPORT;
	v->h.first_seen = 1700000000;
	v->h.next_test = 1700000000;
	v->h.reports = 1;
	page_host(&r, 202, v, NULL);
	check_page(&r, 202);
	assert_non_null(strstr(r.body, "id=\"host-state\">pending</dd>"));
	assert_non_null(strstr(r.body, "not listed"));
	assert_non_null(strstr(r.body, "<dt>Listed since</dt><dd>never</dd>"));
	assert_non_null(strstr(r.body, "<dt>Last test</dt><dd>never</dd>"));
	assert_non_null(strstr(r.body, "(queue: report)"));
	assert_non_null(strstr(r.body,
	    "action=\"/hosts/2001:db8::1/retest\""));
	assert_non_null(strstr(r.body, "data-ip=\"2001:db8::1\""));
	assert_non_null(strstr(r.body, "No evidence"));
	free(r.body);

	memset(&r, 0, sizeof(r));
	v->h.state = HOST_DELISTED;
	v->h.queue = DUE_NONE;
	v->h.last_test = 1700000000;
	page_host(&r, 200, v, NULL);
	check_page(&r, 200);
	assert_non_null(strstr(r.body, "id=\"host-state\">delisted</dd>"));
	assert_non_null(strstr(r.body, "not scheduled"));
	free(r.body);
	view_free(v);
}

static void
test_page_host_not_found(void **state)
{
	struct host_view	*v = view_new("198.51.100.9", false);
	struct resp		 r = { 0 };

	(void)state;
	page_host(&r, 404, v, NULL);
	check_page(&r, 404);
	assert_non_null(strstr(r.body, "198.51.100.9 is not in the list"));
	assert_non_null(strstr(r.body, "id=\"report-form\""));
	assert_non_null(strstr(r.body, "value=\"198.51.100.9\""));
	assert_null(strstr(r.body, "id=\"host-state\""));
	assert_null(strstr(r.body, "id=\"retest-form\""));
	free(r.body);
	view_free(v);

	/* An address as typed, however hostile, is only text. */
	v = view_new("\"><script>x</script>", false);
	memset(&r, 0, sizeof(r));
	page_host(&r, 404, v, NULL);
	check_page(&r, 404);
	assert_null(strstr(r.body, "<script>x"));
	assert_non_null(strstr(r.body,
	    "value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
	free(r.body);
	view_free(v);
}

static void
test_page_error(void **state)
{
	struct resp	r = { 0 };

	(void)state;
	page_error(&r, 404, "no page <here> & \"there\"");
	check_page(&r, 404);
	assert_non_null(strstr(r.body, "<title>404 Not Found</title>"));
	assert_non_null(strstr(r.body,
	    "no page &lt;here&gt; &amp; &quot;there&quot;"));
	assert_non_null(strstr(r.body, "<a href=\"/\">"));
	assert_null(strstr(r.body, "<here>"));
	free(r.body);

	memset(&r, 0, sizeof(r));
	page_error(&r, 418, NULL);
	check_page(&r, 418);
	assert_non_null(strstr(r.body, "418"));
	free(r.body);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_sbuf_grows),
		cmocka_unit_test(test_sbuf_printf),
		cmocka_unit_test(test_sbuf_oom_sticks),
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_escape_valid_utf8),
		cmocka_unit_test(test_page_index),
		cmocka_unit_test(test_page_index_notice_escaped),
		cmocka_unit_test(test_page_host_listed),
		cmocka_unit_test(test_page_host_states),
		cmocka_unit_test(test_page_host_not_found),
		cmocka_unit_test(test_page_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
