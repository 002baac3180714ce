/* SPDX-License-Identifier: ISC */
/*
 * canary_client.c -- a canary on loopback and an SMTP client to drive it
 *
 * The fixture of test_canary.c and test_canary_limits.c. start() runs a
 * canary on a free loopback port with its event loop in a second thread;
 * teardown() wakes that loop through a pipe, joins the thread and frees
 * the canary with whatever connections are still open. The callback runs
 * in the canary's thread, so arrivals are kept under a mutex and read
 * through copies. The client uses blocking sockets that time out after
 * five seconds, so that a bug fails a test instead of hanging it; the
 * idle timeout (a minute) is not tested.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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
#include "log.h"
#include "verify.h"

#include "canary_client.h"

uint8_t			 key[TOKEN_KEYLEN];
struct addr		 target;
static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static struct arrival	 arrivals[128];
static size_t		 narrivals;

/* ---- the canary in a thread -------------------------------------------- */

void
arrived(void *arg, const struct token *t, const struct addr *from,
    const char *helo)
{
	(void)arg;
	pthread_mutex_lock(&mtx);
	if (narrivals < sizeof(arrivals) / sizeof(arrivals[0])) {
		arrivals[narrivals].t = *t;
		arrivals[narrivals].from = *from;
		snprintf(arrivals[narrivals].helo,
		    sizeof(arrivals[narrivals].helo), "%s", helo);
	}
	narrivals++;
	pthread_mutex_unlock(&mtx);
}

size_t
count(void)
{
	size_t	n;

	pthread_mutex_lock(&mtx);
	n = narrivals;
	pthread_mutex_unlock(&mtx);
	return n;
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void *
loop(void *arg)
{
	struct fixture	*fx = arg;

	event_base_dispatch(fx->base);
	return NULL;
}

/* A port nobody listens on now, for family. */
static uint16_t
free_port(int family)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if ((fd = socket(family, SOCK_STREAM, 0)) < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return 0;
	}
	close(fd);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int
start(void **state, int family)
{
	struct fixture	*fx;
	char		 text[64];

	pthread_mutex_lock(&mtx);
	narrivals = 0;
	pthread_mutex_unlock(&mtx);
	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->family = family;
	fx->stop[0] = fx->stop[1] = -1;
	config_defaults(&fx->conf);
	snprintf(text, sizeof(text), family == AF_INET ? "127.0.0.1:%u" :
	    "[::1]:%u", fx->port = free_port(family));
	if (fx->port == 0 ||
	    config_parse_listen(text, &fx->conf.canary_listen.a[0]) != RB_OK)
		goto fail;
	fx->conf.canary_listen.n = 1;
	snprintf(fx->conf.canary_domain, sizeof(fx->conf.canary_domain),
	    "canary.test");
	snprintf(fx->conf.canary_address, sizeof(fx->conf.canary_address),
	    "192.0.2.25");
	if ((fx->base = event_base_new()) == NULL ||
	    (fx->canary = canary_new(fx->base, &fx->conf, key, arrived,
	    NULL)) == NULL || pipe(fx->stop) != 0 ||
	    (fx->stopev = event_new(fx->base, fx->stop[0], EV_READ, stop_cb,
	    fx->base)) == NULL || event_add(fx->stopev, NULL) != 0 ||
	    pthread_create(&fx->thread, NULL, loop, fx) != 0)
		goto fail;
	*state = fx;
	return 0;
fail:
	canary_free(fx->canary);
	if (fx->stopev != NULL)
		event_free(fx->stopev);
	if (fx->base != NULL)
		event_base_free(fx->base);
	if (fx->stop[0] >= 0) {
		close(fx->stop[0]);
		close(fx->stop[1]);
	}
	free(fx);
	*state = NULL;
	return -1;
}

int
setup(void **state)
{
	return start(state, AF_INET);
}

int
teardown(void **state)
{
	struct fixture	*fx = *state;

	if (fx == NULL)
		return 0;
	assert_int_equal(write(fx->stop[1], "x", 1), 1);
	pthread_join(fx->thread, NULL);
	canary_free(fx->canary);
	event_free(fx->stopev);
	event_base_free(fx->base);
	close(fx->stop[0]);
	close(fx->stop[1]);
	free(fx);
	return 0;
}

/* ---- an SMTP client ---------------------------------------------------- */

int
dial(const struct fixture *fx)
{
	return dial_from(fx, 0);
}

int
dial_from(const struct fixture *fx, uint32_t src)
{
	struct sockaddr_in	 from;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct timeval		 tv = { 5, 0 };
	socklen_t		 len;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (fx->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(fx->port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(fx->port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	fd = socket(fx->family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	/* no Nagle: a message and its "." go in two writes */
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), 0);
	if (src != 0) {
		memset(&from, 0, sizeof(from));
		from.sin_family = AF_INET;
		from.sin_addr.s_addr = htonl(src);
		assert_int_equal(bind(fd, (struct sockaddr *)&from,
		    sizeof(from)), 0);
	}
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

void
put(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

int
get(int fd, char *buf, size_t buflen)
{
	char	line[1024];
	size_t	n = 0, used = 0;
	char	ch;

	for (;;) {
		if (recv(fd, &ch, 1, 0) != 1)
			return -1;
		if (n + 1 < sizeof(line))
			line[n++] = ch;
		if (ch != '\n')
			continue;
		line[n] = '\0';
		if (buf != NULL && used + n < buflen) {
			memcpy(buf + used, line, n + 1);
			used += n;
		}
		if (n >= 4 && line[3] == ' ')
			return atoi(line);
		assert_true(n >= 4 && line[3] == '-');
		n = 0;
	}
}

int
cmd(int fd, const char *fmt, ...)
{
	char	line[2048];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line) - 2);
	memcpy(line + n, "\r\n", 3);
	put(fd, line, (size_t)n + 2);
	return get(fd, NULL, 0);
}

int
hello(const struct fixture *fx)
{
	char	buf[512];
	int	fd = dial(fx);

	assert_int_equal(get(fd, buf, sizeof(buf)), 220);
	assert_non_null(strstr(buf, "canary.test relaybl canary ESMTP"));
	put(fd, "EHLO client.test\r\n", 18);
	assert_int_equal(get(fd, buf, sizeof(buf)), 250);
	assert_non_null(strstr(buf, "SIZE 262144"));
	assert_non_null(strstr(buf, "8BITMIME"));
	return fd;
}

int
mail(int fd, const char *from, const char *to, const char *text)
{
	assert_int_equal(cmd(fd, "MAIL FROM:<%s>", from), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<%s>", to), 250);
	assert_int_equal(cmd(fd, "DATA"), 354);
	put(fd, text, strlen(text));
	put(fd, ".\r\n", 3);
	return get(fd, NULL, 0);
}

void
bye(int fd)
{
	assert_int_equal(cmd(fd, "QUIT"), 221);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
}

/* ---- tokens and arrivals ----------------------------------------------- */

void
client_init(void)
{
	uint32_t	seed = 42;
	size_t		i;

	/* a fixed key: the same tokens every run */
	for (i = 0; i < sizeof(key); i++) {
		seed = seed * 1103515245 + 12345;
		key[i] = (uint8_t)(seed >> 16);
	}
	addr_from_v4(&target, 0xc0000207);	/* 192.0.2.7 */
	signal(SIGPIPE, SIG_IGN);
	if (getenv("CANARY_DEBUG") != NULL)
		log_setverbose(1);
}

struct tok
tok(int probe)
{
	struct token	 t;
	struct tok	 k;

	token_make(key, &target, probe, T0, &t);
	memcpy(k.s, t.text, sizeof(k.s));
	return k;
}

struct arrival
arrival_at(size_t i)
{
	struct arrival	a;
	int		found;

	memset(&a, 0, sizeof(a));
	pthread_mutex_lock(&mtx);
	found = i < narrivals && i < sizeof(arrivals) / sizeof(arrivals[0]);
	if (found)
		a = arrivals[i];
	pthread_mutex_unlock(&mtx);
	assert_true(found);
	return a;
}

void
check_arrival(size_t i, int probe, const char *helo)
{
	struct arrival	a = arrival_at(i);
	struct addr	lo;

	addr_from_v4(&lo, 0x7f000001);
	assert_memory_equal(&a.t.addr, &target, sizeof(target));
	assert_int_equal(a.t.probe, probe);
	assert_int_equal(a.t.time, T0);
	assert_memory_equal(&a.from, &lo, sizeof(lo));
	assert_string_equal(a.helo, helo);
}
