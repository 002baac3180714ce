/* SPDX-License-Identifier: ISC */
/*
 * test_http.c -- keys, token buckets and the API's routing, without MHD
 *
 * api_handle() takes a struct req and fills a struct resp, so these
 * tests drive the handlers on a temporary store with no sockets; the
 * real daemon is tested with curl in tests/integration/http.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"

#define T0	1700000000

struct fixture {
	char		 dir[64];
	struct config	 conf;
	struct api	 api;
};

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	char		 path[128], err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/relaybl-test-http.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	config_defaults(&f->conf);
	snprintf(f->conf.store_path, sizeof(f->conf.store_path), "%s/store",
	    f->dir);
	assert_int_equal(addr_parse_prefix("127.0.0.0/8", &f->conf.allow.p[0]),
	    RB_OK);
	f->conf.allow.n = 1;
	f->conf.report_burst = 2;
	f->conf.report_rate = 3600;
	snprintf(path, sizeof(path), "%s/op.key", f->dir);
	write_file(path, "# the operator\noperator-key-0123456789\n");
	f->api.conf = &f->conf;
	pthread_rwlock_init(&f->api.keylock, NULL);
	assert_non_null(f->api.opkeys = keys_load(path, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/api.keys", f->dir);
	write_file(path, "reporter-key-0123456789 alice\n");
	assert_non_null(f->api.apikeys = keys_load(path, err, sizeof(err)));
	assert_non_null(f->api.rl = ratelimit_new(1024));
	assert_int_equal(db_open(f->conf.store_path, 0, 0, &f->api.db), RB_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	db_close(f->api.db);
	keys_free(f->api.opkeys);
	keys_free(f->api.apikeys);
	ratelimit_free(f->api.rl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Run one request; the body is returned NUL-terminated in r->body. */
static void
call(struct fixture *f, const char *method, const char *path,
    const char *ctype, const char *body, const char *auth, struct resp *r)
{
	struct req	req;

	memset(&req, 0, sizeof(req));
	memset(r, 0, sizeof(*r));
	req.method = method;
	req.path = path;
	req.ctype = ctype;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	req.auth = auth;
	req.now = T0;
	assert_int_equal(addr_parse_str("198.51.100.1", &req.client), RB_OK);
	api_handle(&f->api, &req, r);
}

static void
expect(struct resp *r, int status, const char *needle)
{
	if (r->status != status || (needle != NULL && (r->body == NULL ||
	    strstr(r->body, needle) == NULL)))
		fail_msg("got %d %s, want %d with \"%s\"", r->status,
		    r->body ? r->body : "(no body)", status,
		    needle ? needle : "");
	free(r->body);
	r->body = NULL;
}

static void
test_keys(void **state)
{
	struct fixture	*f = *state;
	char		 path[128], err[256];

	assert_string_equal(keys_match(f->api.apikeys,
	    "reporter-key-0123456789"), "alice");
	assert_string_equal(keys_match(f->api.opkeys,
	    "operator-key-0123456789"), "key 1");
	assert_null(keys_match(f->api.apikeys, "reporter-key-012345678"));
	assert_null(keys_match(f->api.apikeys, "reporter-key-01234567890"));
	assert_null(keys_match(f->api.apikeys, ""));
	assert_null(keys_match(f->api.apikeys, NULL));
	assert_null(keys_match(NULL, "reporter-key-0123456789"));
	snprintf(path, sizeof(path), "%s/bad.keys", f->dir);
	write_file(path, "ok-key-0123456789abc\nshort\n");
	assert_null(keys_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: a key is"));
	assert_null(keys_load("/nonexistent/keys", err, sizeof(err)));
}

static void
test_ratelimit(void **state)
{
	struct ratelimit	*rl = ratelimit_new(64);
	int64_t			 wait = 0;
	int			 i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_true(ratelimit_take(rl, RL_REPORT, "a", 1, 60, 3, T0,
		    &wait));
	assert_false(ratelimit_take(rl, RL_REPORT, "a", 1, 60, 3, T0, &wait));
	assert_int_equal(wait, 61);
	/* Another name and another kind have their own buckets. */
	assert_true(ratelimit_take(rl, RL_REPORT, "b", 1, 60, 3, T0, &wait));
	assert_true(ratelimit_take(rl, RL_RETEST, "a", 1, 60, 3, T0, &wait));
	/* 60 an hour: one token a minute. */
	assert_false(ratelimit_take(rl, RL_REPORT, "a", 1, 60, 3, T0 + 59,
	    &wait));
	assert_true(ratelimit_take(rl, RL_REPORT, "a", 1, 60, 3, T0 + 60,
	    &wait));
	/* A flood of names never grows the table, and keeps working. */
	for (i = 0; i < 10000; i++)
		assert_true(ratelimit_take(rl, RL_REPORT, &i, sizeof(i), 60, 3,
		    T0 + 100, NULL));
	ratelimit_free(rl);
}

static void
test_report_flow(void **state)
{
	struct fixture	*f = *state;
	struct resp	 r;

	call(f, "POST", "/api/v1/reports", "application/json",
	    "{\"ip\": \"127.0.0.9\"}", NULL, &r);
	expect(&r, 202, "\"queued\":true");
	call(f, "POST", "/api/v1/reports", "application/json; charset=utf-8",
	    "{\"ip\": \"127.0.0.9\"}", NULL, &r);
	expect(&r, 200, "\"state\":\"pending\"");
	/* The bucket of 2 is empty now; an API key has its own. */
	call(f, "POST", "/api/v1/reports", "application/x-www-form-urlencoded",
	    "x=1&ip=127.0.0.%31%30", NULL, &r);
	assert_int_equal(r.retry_after > 0, 1);
	expect(&r, 429, "too many reports");
	call(f, "POST", "/api/v1/reports", "application/x-www-form-urlencoded",
	    "ip=127.0.0.10", "Bearer reporter-key-0123456789", &r);
	expect(&r, 202, "\"ip\":\"127.0.0.10\"");
	call(f, "POST", "/api/v1/reports", "application/json",
	    "{\"ip\": \"127.0.0.11\"}", "Bearer wrong-key-0123456789", &r);
	assert_true(r.challenge);
	expect(&r, 401, "unknown API key");
}

static void
test_report_errors(void **state)
{
	struct fixture	*f = *state;
	struct resp	 r;
	const char	*bad[] = {
		"{\"ip\": \"127.0.0.1x\"}", "{\"ip\": \" 127.0.0.1\"}",
		"{\"ip\": \"010.0.0.1\"}", "{\"ip\": 127}", "{}", "[]",
		"{\"ip\": \"127.0.0.1\\u0000\"}",
		"{\"ip\": \"127.0.0.1\", \"ip\": \"127.0.0.2\"}",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		call(f, "POST", "/api/v1/reports", "application/json", bad[i],
		    NULL, &r);
		expect(&r, 400, "\"error\"");
	}
	call(f, "POST", "/api/v1/reports", "application/json", "{\"ip\":",
	    NULL, &r);
	expect(&r, 400, "not valid JSON");
	call(f, "POST", "/api/v1/reports", "text/plain", "127.0.0.1", NULL,
	    &r);
	expect(&r, 415, "application/json");
	call(f, "POST", "/api/v1/reports", NULL, "", NULL, &r);
	expect(&r, 415, NULL);
	call(f, "POST", "/api/v1/reports", "application/json",
	    "{\"ip\": \"192.0.2.1\"}", NULL, &r);
	expect(&r, 422, "192.0.2.0/24");
	call(f, "POST", "/api/v1/reports", "application/json",
	    "{\"ip\": \"fe80::1\"}", NULL, &r);
	expect(&r, 422, "fe80::/10");
	call(f, "GET", "/api/v1/reports", NULL, NULL, NULL, &r);
	assert_string_equal(r.allow, "POST");
	expect(&r, 405, NULL);
	call(f, "GET", "/api/v1/nothing", NULL, NULL, NULL, &r);
	expect(&r, 404, "no such endpoint");
	call(f, "GET", "/api/v1/hosts/127.0.0.1x", NULL, NULL, NULL, &r);
	expect(&r, 400, "must hold an IPv4 or IPv6 address");
}

static void
test_hosts_and_retest(void **state)
{
	struct fixture	*f = *state;
	struct resp	 r;

	call(f, "GET", "/api/v1/hosts/127.0.0.9", NULL, NULL, NULL, &r);
	expect(&r, 404, "not in the list");
	call(f, "POST", "/api/v1/hosts/127.0.0.9/retest", NULL, NULL, NULL,
	    &r);
	expect(&r, 404, NULL);
	call(f, "POST", "/api/v1/reports", "application/json",
	    "{\"ip\": \"::ffff:127.0.0.9\"}", NULL, &r);
	expect(&r, 202, "\"ip\":\"127.0.0.9\"");
	call(f, "GET", "/api/v1/hosts/127.0.0.9", NULL, NULL, NULL, &r);
	expect(&r, 200, "\"queue\":\"report\"");
	call(f, "POST", "/api/v1/hosts/127.0.0.9/retest", NULL, NULL, NULL,
	    &r);
	expect(&r, 202, NULL);
	call(f, "POST", "/api/v1/hosts/127.0.0.9/retest", NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.retry_after, 3600);
	expect(&r, 429, "recently");
	call(f, "DELETE", "/api/v1/hosts/127.0.0.9/retest", NULL, NULL, NULL,
	    &r);
	expect(&r, 405, NULL);
}

static void
test_operator(void **state)
{
	struct fixture	*f = *state;
	struct resp	 r;
	const char	*op = "Bearer operator-key-0123456789";

	call(f, "PUT", "/api/v1/hosts/127.0.0.20", NULL, NULL, NULL, &r);
	assert_true(r.challenge);
	expect(&r, 401, "operator's key");
	call(f, "PUT", "/api/v1/hosts/127.0.0.20", NULL, NULL,
	    "Bearer reporter-key-0123456789", &r);
	expect(&r, 401, NULL);
	call(f, "PUT", "/api/v1/hosts/127.0.0.20", "application/json",
	    "{\"code\": 3, \"reason\": \"<b>seen</b>\"}", op, &r);
	expect(&r, 200, "\"answer\":\"127.0.0.3\"");
	call(f, "GET", "/api/v1/hosts/127.0.0.20", NULL, NULL, NULL, &r);
	expect(&r, 200, "<b>seen</b>");
	call(f, "PUT", "/api/v1/hosts/127.0.0.20", "application/json",
	    "{\"code\": 1}", op, &r);
	expect(&r, 400, "2 to 254");
	call(f, "PUT", "/api/v1/hosts/127.0.0.20", "application/json",
	    "{\"cod\": 2}", op, &r);
	expect(&r, 400, NULL);
	call(f, "POST", "/api/v1/hosts/127.0.0.20/retest", NULL, NULL, NULL,
	    &r);
	expect(&r, 409, "operator");
	call(f, "DELETE", "/api/v1/hosts/127.0.0.20", NULL, NULL, op, &r);
	expect(&r, 200, "\"state\":\"delisted\"");
	call(f, "DELETE", "/api/v1/hosts/127.0.0.20", NULL, NULL, op, &r);
	expect(&r, 404, NULL);
}

static void
test_pages_route(void **state)
{
	struct fixture	*f = *state;
	struct req	 req;
	struct resp	 r;

	call(f, "GET", "/healthz", NULL, NULL, NULL, &r);
	expect(&r, 200, "\"status\":\"ok\"");
	call(f, "GET", "/", NULL, NULL, NULL, &r);
	assert_string_equal(r.ctype, CT_HTML);
	expect(&r, 200, "<form");
	call(f, "GET", "/nope", NULL, NULL, NULL, &r);
	expect(&r, 404, NULL);
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.method = "GET";
	req.path = "/lookup";
	req.query_ip = "2001:DB8:0::1";
	api_handle(&f->api, &req, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/hosts/2001:db8::1");
	free(r.body);
}

static void
test_cross_site_and_buckets(void **state)
{
	struct fixture	*f = *state;
	struct req	 req;
	struct resp	 r;
	int		 i;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/api/v1/reports";
	req.ctype = "application/x-www-form-urlencoded";
	req.body = "ip=127.0.0.40";
	req.bodylen = strlen(req.body);
	req.now = T0;
	req.host = "relaybl.example:8053";
	req.origin = "https://evil.example";
	assert_int_equal(addr_parse_str("2001:db8:1:2::1", &req.client),
	    RB_OK);
	memset(&r, 0, sizeof(r));
	api_handle(&f->api, &req, &r);
	expect(&r, 403, "another site");
	req.origin = "null";
	api_handle(&f->api, &req, &r);
	expect(&r, 403, NULL);
	/* The same site, and clients that send no Origin, may. */
	req.origin = "http://relaybl.example:8053";
	api_handle(&f->api, &req, &r);
	expect(&r, 202, NULL);
	/* One IPv6 /64 is one client: a burst of 2 for all of it. */
	req.origin = NULL;
	req.body = "ip=127.0.0.41";
	req.bodylen = strlen(req.body);
	assert_int_equal(addr_parse_str("2001:db8:1:2::ffff", &req.client),
	    RB_OK);
	api_handle(&f->api, &req, &r);
	expect(&r, 202, NULL);
	for (i = 0; i < 2; i++) {
		req.client.a[15] = (uint8_t)i;
		api_handle(&f->api, &req, &r);
		expect(&r, 429, NULL);
	}
	assert_int_equal(addr_parse_str("2001:db8:1:3::1", &req.client),
	    RB_OK);
	api_handle(&f->api, &req, &r);
	expect(&r, 200, NULL);
}

static void
test_retest_needs_a_listing(void **state)
{
	struct fixture	*f = *state;
	struct resp	 r;
	struct addr	 a;

	assert_int_equal(addr_parse_str("127.0.0.50", &a), RB_OK);
	assert_int_equal(db_report(f->api.db, &a, NULL, T0, 0, NULL, NULL),
	    RB_OK);
	assert_int_equal(db_confirm_closed(f->api.db, &a, T0, true, NULL),
	    RB_OK);
	call(f, "POST", "/api/v1/hosts/127.0.0.50/retest", NULL, NULL, NULL,
	    &r);
	expect(&r, 409, "not listed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_keys),
		cmocka_unit_test(test_ratelimit),
		T(test_report_flow),
		T(test_report_errors),
		T(test_hosts_and_retest),
		T(test_operator),
		T(test_pages_route),
		T(test_cross_site_and_buckets),
		T(test_retest_needs_a_listing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
