/* SPDX-License-Identifier: ISC */
/*
 * test_canary_limits.c -- the canary's limits and its hostile clients
 *
 * The canary must stay up and fair whatever a client does: lines and
 * messages too long, too many recipients, messages or errors in one
 * session, too many connections from one /24, floods of commands into a
 * small window, hang-ups mid-message and bytes that are not SMTP at all.
 * Also here: the canary on IPv6 (skipped where there is no ::1) and
 * canary_new() refusing what it cannot serve. The fixture and client are
 * those of test_canary.c, in canary_client.c.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "verify.h"

#include "canary_client.h"

/* ---- lines and messages -------------------------------------------------- */

static void
test_long_line(void **state)
{
	char	line[3000], to[128], *big;
	int	fd = hello(*state);

	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	put(fd, line, sizeof(line));
	put(fd, "\r\n", 2);
	assert_int_equal(get(fd, NULL, 0), 500);
	/* 998 and CRLF is the most there may be */
	memset(line, 'x', 998);
	memcpy(line, "NOOP ", 5);
	memcpy(line + 998, "\r\n", 2);
	put(fd, line, 1000);
	assert_int_equal(get(fd, NULL, 0), 250);
	line[998] = 'x';
	memcpy(line + 999, "\r\n", 2);
	put(fd, line, 1001);
	assert_int_equal(get(fd, NULL, 0), 500);
	/* no end for longer than any read: dropped as it comes */
	big = malloc(100 * 1024);
	assert_non_null(big);
	memset(big, 'q', 100 * 1024);
	put(fd, big, 100 * 1024);
	free(big);
	put(fd, "\r\n", 2);
	assert_int_equal(get(fd, NULL, 0), 500);
	assert_int_equal(cmd(fd, "NOOP"), 250);
	/* a long line in a message is no problem, and the session goes on */
	snprintf(to, sizeof(to), "%s@canary.test", tok(6).s);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<%s>", to), 250);
	assert_int_equal(cmd(fd, "DATA"), 354);
	memset(line, 'w', sizeof(line));
	line[999] = '\r';
	line[1999] = '\r';
	put(fd, line, sizeof(line));
	put(fd, "\r\n.\r\n", 5);
	assert_int_equal(get(fd, NULL, 0), 250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 6, "client.test");
}

static void
test_too_big(void **state)
{
	char	*text, to[128];
	size_t	 len = 300 * 1024;
	int	 fd = hello(*state);

	text = malloc(len + 1);
	assert_non_null(text);
	for (size_t i = 0; i < len; i += 100) {
		memset(text + i, 'b', 98);
		memcpy(text + i + 98, "\r\n", 2);
	}
	text[len] = '\0';
	snprintf(to, sizeof(to), "%s@canary.test", tok(1).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, text), 552);
	free(text);
	/* the next message in the session is fine */
	assert_int_equal(mail(fd, "s@bounce.test", to, "\r\nsmall\r\n"), 250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 1, "client.test");
}

/* ---- floods and hang-ups ------------------------------------------------- */

struct flood {
	int	 fd;
	size_t	 n;
};

static void *
flood(void *arg)
{
	struct flood	*f = arg;
	static char	 batch[6 * 1000];
	size_t		 i;

	for (i = 0; i < sizeof(batch); i += 6)
		memcpy(batch + i, "NOOP\r\n", 6);
	for (i = 0; i < f->n; i += 1000)
		put(f->fd, batch, sizeof(batch));
	put(f->fd, "QUIT\r\n", 6);
	return NULL;
}

static void
test_flood(void **state)
{
	struct flood	f = { -1, 5000 };
	pthread_t	t;
	size_t		i;
	int		bufsize = 4096;

	/* a small window, and no reading until much is sent */
	f.fd = hello(*state);
	assert_int_equal(setsockopt(f.fd, SOL_SOCKET, SO_RCVBUF, &bufsize,
	    sizeof(bufsize)), 0);
	assert_int_equal(pthread_create(&t, NULL, flood, &f), 0);
	for (i = 0; i < f.n; i++)
		assert_int_equal(get(f.fd, NULL, 0), 250);
	assert_int_equal(get(f.fd, NULL, 0), 221);
	assert_int_equal(get(f.fd, NULL, 0), -1);
	pthread_join(t, NULL);
	close(f.fd);
}

/* A client that hangs up, with or without waiting for its replies. */
static void
test_hangup(void **state)
{
	char	batch[6 * 100];
	int	fd, i;

	for (i = 0; i < 100; i++)
		memcpy(batch + 6 * i, "NOOP\r\n", 6);
	fd = hello(*state);
	put(fd, batch, sizeof(batch));
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(get(fd, NULL, 0), 250);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
	fd = hello(*state);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<%s@canary.test>", tok(1).s), 250);
	assert_int_equal(cmd(fd, "DATA"), 354);
	put(fd, "Subject: cut short\r\n", 21);
	close(fd);
	/* the canary carries on, and nothing arrived */
	fd = hello(*state);
	bye(fd);
	assert_int_equal(count(), 0);
}


/* ---- hostile clients ----------------------------------------------------- */

static void
test_garbage(void **state)
{
	char		 junk[4096], text[256], to[128];
	uint32_t	 seed = 12345;
	size_t		 i;
	int		 fd, code, n = 0;

	for (i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245 + 12345;
		junk[i] = (char)(seed >> 16);
		if (seed % 13 == 0)
			junk[i] = '\0';
		if (seed % 61 == 0)
			junk[i] = '\n';
	}
	fd = dial(*state);
	assert_int_equal(get(fd, NULL, 0), 220);
	put(fd, junk, sizeof(junk));
	/* errors only, then 421 and the end, after too many */
	while ((code = get(fd, NULL, 0)) > 0) {
		assert_true(code >= 400);
		n++;
	}
	assert_true(n > 0);
	close(fd);
	/* NULs in a message are only data */
	fd = hello(*state);
	snprintf(to, sizeof(to), "%s@canary.test", tok(3).s);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<%s>", to), 250);
	assert_int_equal(cmd(fd, "DATA"), 354);
	put(fd, junk, sizeof(junk));
	snprintf(text, sizeof(text), "\r\n.\r\n");
	put(fd, text, strlen(text));
	assert_int_equal(get(fd, NULL, 0), 250);
	put(fd, "NO\0OP\r\n", 7);
	assert_int_equal(get(fd, NULL, 0), 500);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 3, "client.test");
}

static void
test_error_limit(void **state)
{
	char	buf[256];
	int	fd = hello(*state), i;

	for (i = 0; i < 19; i++)
		assert_int_equal(cmd(fd, "BOGUS %d", i), 500);
	assert_int_equal(cmd(fd, "BOGUS"), 500);
	assert_int_equal(get(fd, buf, sizeof(buf)), 421);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
}

static void
test_limits(void **state)
{
	int	fd = hello(*state), i;

	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	for (i = 0; i < 100; i++)
		assert_int_equal(cmd(fd, "RCPT TO:<u%d@canary.test>", i), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<u@canary.test>"), 452);
	assert_int_equal(cmd(fd, "DATA"), 354);
	put(fd, "\r\nhundred\r\n.\r\n", 14);
	assert_int_equal(get(fd, NULL, 0), 250);
	for (i = 1; i < 50; i++)
		assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test",
		    "\r\nmore\r\n"), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 421);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
	assert_int_equal(count(), 0);
}

static void
test_connections(void **state)
{
	int	fds[8], fd, i, code = 0;

	/* Eight from one /24 at once; the ninth is turned away... */
	for (i = 0; i < 8; i++) {
		fds[i] = dial(*state);
		assert_int_equal(get(fds[i], NULL, 0), 220);
	}
	fd = dial(*state);
	assert_int_equal(get(fd, NULL, 0), 421);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
	/* ...but another network still gets through. */
	fd = dial_from(*state, 0x7f000101);	/* 127.0.1.1 */
	assert_int_equal(get(fd, NULL, 0), 220);
	close(fd);
	/* a place freed is taken again, once the canary saw it go */
	bye(fds[0]);
	for (i = 0; i < 200 && code != 220; i++) {
		fd = dial(*state);
		if ((code = get(fd, NULL, 0)) != 220) {
			close(fd);
			usleep(10000);
		}
	}
	assert_int_equal(code, 220);
	/* one left mid-message: canary_free() must let it go too */
	assert_int_equal(cmd(fd, "EHLO c"), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<u@canary.test>"), 250);
	assert_int_equal(cmd(fd, "DATA"), 354);
	put(fd, "Subject: half\r\n", 15);
	/* it and the others stay open through teardown */
}

static void
test_ipv6(void **state)
{
	struct fixture	*fx = *state;
	struct arrival	 a;
	struct addr	 lo6;
	char		 to[128];
	int		 fd = hello(fx);

	memset(&lo6, 0, sizeof(lo6));
	lo6.a[15] = 1;
	snprintf(to, sizeof(to), "%s@[IPv6:::1]", tok(2).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, "\r\nsix\r\n"), 250);
	bye(fd);
	assert_int_equal(count(), 1);
	a = arrival_at(0);
	assert_memory_equal(&a.from, &lo6, sizeof(lo6));
	assert_int_equal(a.t.probe, 2);
}

static void
test_new_fails(void **state)
{
	struct fixture		*fx = *state;
	struct config		*conf;
	struct event_base	*base;

	conf = malloc(sizeof(*conf));
	assert_non_null(conf);
	assert_non_null(base = event_base_new());
	/* the port is taken by the canary already running */
	*conf = fx->conf;
	errno = 0;
	assert_null(canary_new(base, conf, key, arrived, NULL));
	assert_int_equal(errno, EADDRINUSE);
	conf->canary_listen.n = 0;
	assert_null(canary_new(base, conf, key, arrived, NULL));
	assert_int_equal(errno, EINVAL);
	*conf = fx->conf;
	conf->canary_domain[0] = '\0';
	assert_null(canary_new(base, conf, key, arrived, NULL));
	assert_int_equal(errno, EINVAL);
	canary_free(NULL);
	event_base_free(base);
	free(conf);
}

/* Skip the IPv6 test where there is no ::1. */
static int
setup6(void **state)
{
	(void)start(state, AF_INET6);
	return 0;
}

static void
test_ipv6_maybe(void **state)
{
	if (*state == NULL)
		skip();
	test_ipv6(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_line,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connections,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_maybe,
		    setup6, teardown),
		cmocka_unit_test_setup_teardown(test_new_fails,
		    setup, teardown),
	};

	client_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
