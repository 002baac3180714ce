/* SPDX-License-Identifier: ISC */
/*
 * canary_client.h -- a canary on loopback and an SMTP client to drive it
 *
 * Shared by test_canary.c (the protocol) and test_canary_limits.c (the
 * limits and hostile clients). start() runs a canary on 127.0.0.1 or ::1
 * at a free port in a second thread; the test thread talks SMTP to it
 * with blocking sockets that time out after a few seconds, so a bug
 * fails instead of hanging. The canary calls back before it sends "250
 * queued", so once the client has that reply the arrivals are final.
 */
#ifndef CANARY_CLIENT_H
#define CANARY_CLIENT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "verify.h"

#define T0		1700000000	/* the time in every token */

/* What the canary reported for one message. */
struct arrival {
	struct token	 t;
	struct addr	 from;
	char		 helo[256];
};

struct fixture {
	struct config		 conf;
	struct event_base	*base;
	struct canary		*canary;
	struct event		*stopev;
	int			 stop[2];
	pthread_t		 thread;
	uint16_t		 port;
	int			 family;
};

/* The token of probe, by value: the text outlives no statement. */
struct tok {
	char	 s[TOKEN_LEN + 1];
};

extern uint8_t		 key[TOKEN_KEYLEN];	/* fixed by client_init() */
extern struct addr	 target;		/* what the tokens name */

/* ---- the canary in a thread -------------------------------------------- */

/*
 * Set the key and target, ignore SIGPIPE, and log if CANARY_DEBUG is set.
 * Call once, from main(), before the tests run.
 */
void	 client_init(void);

/*
 * Start a canary on the loopback address of family, with no arrivals yet.
 * @param state: set to the struct fixture, or to NULL on failure.
 * @return 0, or -1 on failure.
 */
int	 start(void **state, int family);

/* cmocka setup and teardown: start() on IPv4, and stop and free it all. */
int	 setup(void **state);
int	 teardown(void **state);

/* The canary's callback: records an arrival. */
void	 arrived(void *arg, const struct token *t, const struct addr *from,
	    const char *helo);

/* @return the number of arrivals since start(). */
size_t	 count(void);

/* A copy of arrival i; fails the test if there is none. */
struct arrival	 arrival_at(size_t i);

/* Check that arrival i is of probe from 127.0.0.1 after helo. */
void	 check_arrival(size_t i, int probe, const char *helo);

/* @return the token of probe for target at T0. */
struct tok	 tok(int probe);

/* ---- an SMTP client ---------------------------------------------------- */

/* Connect to the canary of fx; @return the socket. */
int	 dial(const struct fixture *fx);

/* Connect from the IPv4 source address src (0: any). */
int	 dial_from(const struct fixture *fx, uint32_t src);

/* Send len bytes of s. */
void	 put(int fd, const char *s, size_t len);

/*
 * Read one reply, all its lines, into buf (if not NULL).
 * @return its code, or -1 at the end of the connection.
 */
int	 get(int fd, char *buf, size_t buflen);

/* Send a command line and @return the reply's code. */
int	 cmd(int fd, const char *fmt, ...);

/* Connect and say EHLO; @return the socket. */
int	 hello(const struct fixture *fx);

/* Send one message; @return the code after its data. */
int	 mail(int fd, const char *from, const char *to, const char *text);

/* Say QUIT, see the connection end, and close fd. */
void	 bye(int fd);

#endif /* CANARY_CLIENT_H */
