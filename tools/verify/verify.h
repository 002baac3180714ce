/* SPDX-License-Identifier: ISC */
/*
 * verify.h -- relaybl-verify: prove relays by delivery
 *
 * token.c mints and checks the token each test message carries;
 * battery.c builds the list of relay tricks for a target; smtp.c runs
 * SMTP client sessions on a libevent loop; canary.c is the SMTP listener
 * for the canary domain that receives what a relay passed on; run.c
 * tests one target with both and decides the verdict; sched.c walks the
 * store's queue within the safety limits; main.c is the daemon, and the
 * CLI's "relaybl test" uses run.c directly.
 */
#ifndef RB_VERIFY_H
#define RB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "db.h"

/* ---- token.c ---------------------------------------------------------- */

#define TOKEN_PREFIX	"rbl-"
#define TOKEN_HEXLEN	58	/* time 8, probe 2, address 32, MAC 16 */
#define TOKEN_LEN	(4 + TOKEN_HEXLEN)
#define TOKEN_KEYLEN	32

struct token {
	struct addr	 addr;		/* the host tested */
	int		 probe;		/* which probe of the battery */
	int64_t		 time;		/* when the test started */
	char		 text[TOKEN_LEN + 1];
};

/*
 * Mint the token for probe of a test of a started at t: "rbl-" and hex
 * of (t, probe, a, HMAC-SHA256(key, t || probe || a) cut to 8 bytes).
 * Only a holder of key can make one that token_find() accepts.
 */
void	 token_make(const uint8_t key[TOKEN_KEYLEN], const struct addr *a,
	    int probe, int64_t t, struct token *out);

/*
 * Find the first valid token in text (any case).
 * @return true and *out, or false if none is there or none verifies.
 */
bool	 token_find(const uint8_t key[TOKEN_KEYLEN], const char *text,
	    size_t len, struct token *out);

/*
 * Overwrite the MAC of every token-shaped string in text with 'x', so
 * that a published transcript cannot be replayed to the canary.
 */
void	 token_redact(char *text, size_t len);

/* ---- battery.c -------------------------------------------------------- */

#define BATTERY_MAX	48
#define ADDRLEN_MAX	320	/* an SMTP path, RFC 5321 */

struct probe {
	char		 from[ADDRLEN_MAX];	/* inside MAIL FROM:< > */
	char		 to[ADDRLEN_MAX];	/* inside RCPT TO:< >, or bare */
	bool		 bare_to;		/* RCPT TO:u@C without <> */
	const char	*trick;			/* what it tries, for people */
};

struct battery {
	struct probe	 p[BATTERY_MAX];
	size_t		 n;
};

/* What a battery is built from. */
struct battery_in {
	const char	*canary_domain;		/* C */
	const char	*bounce_domain;		/* B */
	const char	*canary_ip;		/* the canary's address literal */
	const struct addr *target;		/* IP */
	const char	*names[4];		/* H: from greeting and EHLO */
	size_t		 nnames;
	const uint8_t	*key;			/* for the tokens */
	int64_t		 time;			/* the test's start */
};

/*
 * Build the probes: senders <>, <s@B>, <s@IP>, <s@H>, <s@localhost>,
 * <s>, <H!s> to <u@C>; and from <s@IP> the recipients "u@C" quoted,
 * u%C@IP, u%C@H, u%C, "u%C", u@C@IP, u@C@H, "u@C"@IP, @IP:u@C, @H:u@C,
 * C!u, C!u@IP, C!u@H, u@C bare, u@[canary]. u carries probe i's token.
 * The canary domain is never a sender: a name H that is not a plain host
 * name or literal, or that is in the canary domain, is left out.
 */
void	 battery_build(const struct battery_in *in, struct battery *b);

/* The canary mailbox for probe i: "rbl-<hex>" (a token's text). */

/* ---- smtp.c ----------------------------------------------------------- */

/* What one probe came to. */
enum outcome {
	OUT_NONE = 0,		/* not tried */
	OUT_ACCEPTED,		/* 250 after DATA */
	OUT_REFUSED,		/* 5xx, or a 4xx that says relaying is denied */
	OUT_DEFERRED,		/* 4xx: greylisting and the like */
	OUT_AUTH,		/* authentication or STARTTLS required */
	OUT_FAILED,		/* timeout, 421, connection lost */
};

struct smtp_timeouts {
	int64_t		 connect, greeting, command, data;
};

struct session;

/*
 * Called when a session ends: outcomes[] filled for the probes it ran,
 * names[] (from greeting and EHLO) known, the transcript appended.
 */
typedef void (*session_done_fn)(void *arg, struct session *s);

struct session_in {
	struct event_base	*base;
	const struct sockaddr	*sa;		/* the target and port */
	socklen_t		 salen;
	const char		*helo;		/* our EHLO name */
	const struct battery	*battery;	/* NULL: greet, EHLO, quit */
	size_t			 first, count;	/* the probes to run */
	const char		*(*message)(void *arg, size_t probe,
				    size_t *len); /* DATA for a probe */
	void			*arg;
	struct smtp_timeouts	 to;
	session_done_fn		 done;
};

struct session_out {
	enum outcome	 outcomes[BATTERY_MAX];
	char		 names[2][256];		/* greeting, EHLO */
	bool		 greeted;		/* a 220 came */
	bool		 failed;		/* ended early: timeout, 421, I/O */
	char		 why[128];		/* why it ended early */
	char		*transcript;		/* appended to, malloc'd */
	size_t		 tlen;
};

/* Start a session. @return it, or NULL (out of memory, bad socket). */
struct session	*session_start(const struct session_in *in,
		    struct session_out *out);
/* Drop a session that has not ended (its done is not called). */
void		 session_abort(struct session *s);

/* Append text to a transcript, bounded. */
void	 transcript_add(struct session_out *o, const char *prefix,
	    const char *text, size_t len);

/* ---- canary.c --------------------------------------------------------- */

struct canary;

/*
 * An arrival: a message with a valid token for our canary domain, from
 * the connecting address from, which said helo.
 */
typedef void (*canary_fn)(void *arg, const struct token *t,
    const struct addr *from, const char *helo);

/*
 * Listen on every conf->canary_listen address for mail to the canary
 * domain: recipients elsewhere are refused (550), a message is read up
 * to a size bound, and its tokens checked with key. A bounce (null
 * sender, or a multipart/report) is ignored even if it quotes a token.
 * @return the canary, or NULL with errno set.
 */
struct canary	*canary_new(struct event_base *base, const struct config *conf,
		    const uint8_t key[TOKEN_KEYLEN], canary_fn fn, void *arg);
void		 canary_free(struct canary *c);

/* ---- run.c ------------------------------------------------------------ */

enum verdict {
	V_NONE = 0,
	V_OPEN = 1,		/* a token arrived */
	V_ACCEPTED = 2,		/* accepted, nothing arrived in the window */
	V_REFUSED = 3,		/* every probe refused */
	V_AUTH = 4,		/* authentication or STARTTLS required */
	V_INCONCLUSIVE = 5,	/* timeouts, 421, only deferrals */
};

const char	*verdict_name(int v);

struct run;
typedef void (*run_done_fn)(void *arg, struct run *r);

struct run_in {
	struct event_base	*base;
	const struct config	*conf;
	const struct addr	*target;
	uint16_t		 port;
	const uint8_t		*key;
	int64_t			 now;
	run_done_fn		 done;
	void			*arg;
};

struct run_result {
	enum verdict	 verdict;
	bool		 deferred;	/* inconclusive only by deferrals */
	struct addr	 exits[8];	/* where tokens arrived from */
	size_t		 nexits;
	char		*transcript;	/* malloc'd */
	size_t		 tlen;
};

/*
 * Test one target: the battery over as many sessions as it takes (at
 * most probes_per_connection each), then wait for arrivals up to the
 * configured window (less if a token arrives). The caller feeds
 * arrivals in with run_arrival().
 */
struct run	*run_start(const struct run_in *in);
void		 run_arrival(struct run *r, const struct token *t,
		    const struct addr *from);
const struct run_result *run_result(const struct run *r);
const struct addr *run_target(const struct run *r);
void		 run_free(struct run *r);

/* ---- sched.c ---------------------------------------------------------- */

struct sched;

/*
 * Walk the store's queue once a second and start runs within the
 * limits (max_tests in all, per_net per /24 or /48), write each verdict
 * to the store, and list hosts whose tokens arrive at the canary.
 */
struct sched	*sched_new(struct event_base *base, const struct config *conf,
		    struct db *db);
void		 sched_free(struct sched *s);

/* Record an arrival in the store: evidence, and the listings it proves. */
void	 sched_arrival(struct db *db, const struct config *conf,
	    const struct token *t, const struct addr *from, const char *helo,
	    int64_t now);

#endif /* RB_VERIFY_H */
