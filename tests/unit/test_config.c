/* SPDX-License-Identifier: ISC */
/*
 * test_config.c -- reading relaybl.conf, and every way to get it wrong
 *
 * Each bad file must fail with "FILE:LINE: [section] key: expected ..."
 * so that an operator can go straight to the line; the shipped default
 * configuration must load as it is.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char	 path[64];

static int
setup(void **state)
{
	int	fd;

	(void)state;
	strcpy(path, "/tmp/relaybl-test-conf.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Write text to the file and load it; return the result and message. */
static int
load(const char *text, struct config *c, char *err, size_t errlen)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return config_load(path, c, err, errlen);
}

static void
assert_fails(const char *text, int line, const char *what)
{
	struct config	c;
	char		err[512], want[128];

	assert_int_equal(load(text, &c, err, sizeof(err)), RB_EINVAL);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	if (strncmp(err, want, strlen(want)) != 0 || strstr(err, what) == NULL)
		fail_msg("got \"%s\", want \"%s...%s\"", err, want, what);
}

static void
test_default_config_loads(void **state)
{
	struct config	 c;
	char		 err[512];
	const char	*file = SOURCE_ROOT "/zones/relaybl.conf";

	(void)state;
	assert_int_equal(config_load(file, &c, err, sizeof(err)), RB_OK);
	assert_non_null(strstr(c.store_path, "/zones/../var/store"));
	assert_int_equal(c.dns_listen.n, 1);
	assert_string_equal(c.dns_listen.a[0].text, "127.0.0.1:5300");
	assert_int_equal(c.http_listen.n, 1);
	assert_int_equal(c.canary_listen.n, 1);
	assert_int_equal(c.nzones, 1);
	assert_string_equal(c.zones[0].name, "relays.example.org");
	assert_non_null(strstr(c.zones[0].file,
	    "zones/relays.example.org.zone"));
	assert_int_equal(c.allow.n, 1);
	assert_int_equal(c.allow.p[0].len, 104);
}

static void
test_values_are_parsed(void **state)
{
	struct config		 c;
	char			 err[512];
	struct sockaddr_in6	*sin6;

	(void)state;
	assert_int_equal(load(
	    "; a comment\n"
	    "[store]\npath = /srv/relaybl\nmap_size = 2G\n"
	    "[policy]\nretest_interval = 3d\nclean_cooldown = 90m\n"
	    "retest_min_interval = 45\n"
	    "allow = 127.0.0.0/8, 2001:db8::/32\nallow = 10.0.0.0/8\n"
	    "[dns]\nlisten = 127.0.0.1:53, [::1]:5353\nthreads = 4\n"
	    "[zone Relays.Example.ORG]\nfile = r.zone\nttl = 60\n"
	    "[zone other.example]\nfile = o.zone\n",
	    &c, err, sizeof(err)), RB_OK);
	assert_string_equal(c.store_path, "/srv/relaybl");
	assert_true(c.map_size == (size_t)2 << 30);
	assert_true(c.retest_interval == 3 * 86400);
	assert_true(c.clean_cooldown == 90 * 60);
	assert_true(c.retest_min_interval == 45);
	assert_int_equal(c.allow.n, 3);
	assert_int_equal(c.dns_listen.n, 2);
	assert_int_equal(c.dns_listen.a[0].ss.ss_family, AF_INET);
	sin6 = (struct sockaddr_in6 *)&c.dns_listen.a[1].ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 5353);
	assert_int_equal(c.dns_threads, 4);
	assert_int_equal(c.nzones, 2);
	assert_string_equal(c.zones[0].name, "relays.example.org");
	assert_int_equal(c.zones[0].ttl, 60);
	assert_int_equal(c.zones[1].ttl, 2100);	/* the default */
	/* A relative path is taken from the file's directory. */
	assert_string_equal(c.zones[0].file, "/tmp/r.zone");
}

static void
test_bad_values_name_the_line(void **state)
{
	(void)state;
	assert_fails("[store]\n\nmap_size = lots\n", 3,
	    "[store] map_size: expected a size");
	assert_fails("[store]\nmap_size = 10\n", 2, "expected a size");
	assert_fails("[store]\nmap_size = 2T\n", 2, "expected a size");
	assert_fails("[policy]\nretest_interval = 5x\n", 2,
	    "expected a duration");
	assert_fails("[policy]\nretest_interval = 10s\n", 2,
	    "expected a duration");
	assert_fails("[policy]\nclean_cooldown = -1\n", 2,
	    "expected a duration");
	assert_fails("[policy]\nallow = 10.0.0.1/8\n", 2,
	    "expected address prefixes");
	assert_fails("[policy]\nallow = \n", 2, "expected address prefixes");
	assert_fails("[dns]\nthreads = 0\n", 2, "expected a number");
	assert_fails("[dns]\nthreads = 65\n", 2, "expected a number");
	assert_fails("[dns]\nlisten = 127.0.0.1\n", 2, "expected ADDR:PORT");
	assert_fails("[dns]\nlisten = 127.0.0.1:0\n", 2, "expected ADDR:PORT");
	assert_fails("[dns]\nlisten = 127.0.0.1:65536\n", 2,
	    "expected ADDR:PORT");
	assert_fails("[dns]\nlisten = ::1:53\n", 2, "expected ADDR:PORT");
	assert_fails("[dns]\nlisten = [127.0.0.1]:53\n", 2,
	    "expected ADDR:PORT");
	assert_fails("[dns]\nlisten = localhost:53\n", 2,
	    "expected ADDR:PORT");
	assert_fails("[verify]\ncanary_domain = bad_name.example\n", 2,
	    "expected a domain name");
	assert_fails("[verify]\ncanary_domain = -a.example\n", 2,
	    "expected a domain name");
	assert_fails("[zone x.example]\nfile = z\nttl = 999999999\n", 3,
	    "expected a TTL");
	assert_fails("[zone x.example]\nfile = z\ntxt = tab\there\n", 3,
	    "expected printable text");
	assert_fails("[zone x.example]\nfile = z\ncodes = 1\n", 3,
	    "expected return codes");
	assert_fails("[zone x.example]\nfile = z\ncodes = 2, 127.0.0.255\n",
	    3, "expected return codes");
}

static void
test_structure_errors(void **state)
{
	struct config	c;
	char		err[512];

	(void)state;
	assert_fails("[store]\npath = a\nsize = 1\n", 3,
	    "[store] size: unknown key");
	assert_fails("[stores]\npath = a\n", 2, "[stores]: unknown section");
	assert_fails("[store]\npath = a\npath = b\n", 3, "given twice");
	assert_fails("[store]\nthis line has no equals sign\n", 2,
	    "expected [section] or key = value");
	assert_fails("[zone bad..name]\nfile = z\n", 2, "[zone NAME]");
	/* A zone needs its file. */
	assert_int_equal(load("[zone x.example]\nttl = 5\n", &c, err,
	    sizeof(err)), RB_EINVAL);
	assert_non_null(strstr(err, "[zone x.example]: no file given"));
	/* The first error is the one reported. */
	assert_fails("[dns]\nthreads = 0\nthreads = 99\n[nope]\n", 2,
	    "[dns] threads");
}

static void
test_missing_file(void **state)
{
	struct config	c;
	char		err[512];

	(void)state;
	assert_int_equal(config_load("/nonexistent/relaybl.conf", &c, err,
	    sizeof(err)), RB_ENOENT);
	assert_non_null(strstr(err, "/nonexistent/relaybl.conf"));
}

static void
test_duration_and_size(void **state)
{
	int64_t	d;
	size_t	s;

	(void)state;
	assert_int_equal(config_parse_duration("0", &d), RB_OK);
	assert_true(d == 0);
	assert_int_equal(config_parse_duration("2w", &d), RB_OK);
	assert_true(d == 14 * 86400);
	assert_int_equal(config_parse_duration("", &d), RB_EINVAL);
	assert_int_equal(config_parse_duration("h", &d), RB_EINVAL);
	assert_int_equal(config_parse_duration("1 h", &d), RB_EINVAL);
	assert_int_equal(config_parse_duration("99999999999999999999", &d),
	    RB_EINVAL);
	assert_int_equal(config_parse_size("64K", &s), RB_OK);
	assert_true(s == 65536);
	assert_int_equal(config_parse_size("1.5G", &s), RB_EINVAL);
	assert_int_equal(config_parse_size("18446744073709551615T", &s),
	    RB_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_default_config_loads),
		T(test_values_are_parsed),
		T(test_bad_values_name_the_line),
		T(test_structure_errors),
		T(test_missing_file),
		T(test_duration_and_size),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
