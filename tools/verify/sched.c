/* SPDX-License-Identifier: ISC */
/*
 * sched.c -- walk the queue, start tests within the limits, record
 *
 * Once a second the scheduler walks the hosts due (new reports, then
 * owners' retest requests, then scheduled retests) and starts a run for
 * each while the limits allow: max_tests in all, per_net per /24 (IPv4)
 * or /48 (IPv6), one per host. A host is claimed in the store before
 * its run starts, so a verifier that dies leaves it to be taken again
 * once the claim runs out. It never tests an address in a special range
 * the configuration does not allow, nor any port but the configured one.
 *
 * Verdicts become state changes: open lists (the canary has usually
 * listed the host already, the moment the token arrived), refused and
 * authentication-required clear, accepted-but-not-delivered clears a
 * host that was not listed and is retried for one that was, and
 * inconclusive backs off exponentially until retry_max tries, after
 * which a host that only ever deferred is taken to be closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "special.h"
#include "verify.h"

struct active {
	struct run	*run;
	struct sched	*s;
	struct addr	 a;
};

struct sched {
	struct event_base	*base;
	const struct config	*conf;
	struct db		*db;
	uint8_t			 key[TOKEN_KEYLEN];
	struct canary		*canary;
	struct event		*tick;
	struct active		**runs;		/* max_tests slots */
	size_t			 nruns;
};

/* The /24 or /48 of a, for the per-network limit. */
static bool
same_net(const struct addr *a, const struct addr *b)
{
	return addr_is_v4(a) ? memcmp(a->a, b->a, 15) == 0 :
	    memcmp(a->a, b->a, 6) == 0;
}

static void
evidence(struct db *db, const struct addr *a, int64_t now, int kind,
    int verdict, const char *text, size_t len)
{
	int	rc;

	if ((rc = db_add_evidence(db, a, now, kind, verdict, text, len)) !=
	    RB_OK)
		log_warnx("%s: %s", __func__, rb_strerror(rc));
}

void
sched_arrival(struct db *db, const struct config *conf,
    const struct token *t, const struct addr *from, const char *helo,
    int64_t now)
{
	struct host	h;
	char		ip[ADDR_STRLEN], fip[ADDR_STRLEN], text[512];
	bool		exit = memcmp(from, &t->addr, sizeof(*from)) != 0, late;
	int		n, rc;

	addr_format(&t->addr, ip);
	addr_format(from, fip);
	/* Tokens age: an old one (or one from the future) proves nothing. */
	if (t->time > now + 60 || now - t->time > conf->retest_interval) {
		log_info("%s: a token of %lld is out of date: ignored", ip,
		    (long long)t->time);
		return;
	}
	if ((rc = db_read_begin(db)) == RB_OK) {
		rc = db_get_host(db, &t->addr, &h);
		db_read_end(db);
	}
	/*
	 * A message a relay held in its queue may arrive after a later
	 * test was refused: that proves nothing about it now.
	 */
	late = rc == RB_OK && t->time < h.closed_at;
	n = snprintf(text, sizeof(text), "probe %d of the test started at "
	    "%lld arrived at the canary from %s (HELO %s)%s%s", t->probe,
	    (long long)t->time, fip, helo, exit ?
	    ": passed on by another host, the exit of a multi-stage relay" :
	    "", late ? "; it was sent before the host was found closed, "
	    "and lists nothing" : "");
	evidence(db, &t->addr, now, EVIDENCE_ARRIVAL, V_OPEN, text,
	    (size_t)n);
	if (late) {
		log_info("%s: probe %d of a test before its last refusal "
		    "arrived: not listed again", ip, t->probe);
		return;
	}
	/* Listed already, the run that sent it records the test. */
	if (rc != RB_OK || h.state != HOST_LISTED) {
		if ((rc = db_confirm_open(db, &t->addr, CODE_OPEN, now,
		    now + conf->retest_interval, NULL)) == RB_OK)
			log_info("%s is an open relay: probe %d arrived from "
			    "%s", ip, t->probe, fip);
		else
			log_warnx("arrival for %s: %s", ip, rb_strerror(rc));
	}
	if (!exit)
		return;
	/* The exit hands spam to the world: list it too, as such. */
	if (special_range(from, &conf->allow, NULL) != NULL) {
		log_info("exit %s of %s is in a special range: not listed",
		    fip, ip);
		return;
	}
	n = snprintf(text, sizeof(text), "exit of a multi-stage relay: a "
	    "test of %s (probe %d, started at %lld) arrived from here "
	    "(HELO %s)", ip, t->probe, (long long)t->time, helo);
	evidence(db, from, now, EVIDENCE_ARRIVAL, V_OPEN, text, (size_t)n);
	if ((rc = db_confirm_open(db, from, CODE_MULTISTAGE, now,
	    now + conf->retest_interval, NULL)) != RB_OK)
		log_warnx("exit %s: %s", fip, rb_strerror(rc));
}

static void
on_arrival(void *arg, const struct token *t, const struct addr *from,
    const char *helo)
{
	struct sched	*s = arg;
	size_t		 i;

	sched_arrival(s->db, s->conf, t, from, helo, time(NULL));
	for (i = 0; i < s->nruns; i++)
		if (memcmp(&s->runs[i]->a, &t->addr, sizeof(t->addr)) == 0) {
			run_arrival(s->runs[i]->run, t, from);
			break;
		}
}

/* Write a run's verdict to the store. */
static void
record(struct sched *s, const struct addr *a, const struct run_result *res)
{
	const struct config	*c = s->conf;
	struct host		 h;
	char			 ip[ADDR_STRLEN], *text;
	int64_t			 now = time(NULL), back;
	int			 rc = RB_OK, v = res->verdict;
	bool			 countable;

	addr_format(a, ip);
	/* Transcripts are public: keep the tokens in them from working. */
	if ((text = malloc(res->tlen + 1)) != NULL) {
		memcpy(text, res->transcript, res->tlen);
		token_redact(text, res->tlen);
		evidence(s->db, a, now, EVIDENCE_TEST, v, text, res->tlen);
		free(text);
	}
	if ((rc = db_read_begin(s->db)) == RB_OK) {
		rc = db_get_host(s->db, a, &h);
		db_read_end(s->db);
	}
	if (rc != RB_OK) {
		log_warnx("%s: %s: %s", __func__, ip, rb_strerror(rc));
		return;
	}
	/*
	 * A listed host that took mail it did not deliver may deliver
	 * late: try again. A host that only ever defers, or only ever takes
	 * mail without delivering it, did not relay, after retry_max runs.
	 * One that cannot be reached proved nothing and keeps its listing.
	 */
	countable = res->deferred || v == V_ACCEPTED;
	if (v == V_ACCEPTED && h.state == HOST_LISTED)
		v = V_INCONCLUSIVE;
	if (v == V_INCONCLUSIVE && countable &&
	    h.retries + 1 >= c->retry_max) {
		log_info("%s: %u runs without a relayed message: did not "
		    "relay", ip, h.retries + 1);
		v = V_REFUSED;
	}
	switch (v) {
	case V_OPEN:
		rc = db_confirm_open(s->db, a, CODE_OPEN, now,
		    now + c->retest_interval, NULL);
		break;
	case V_INCONCLUSIVE:
		back = c->retry_base << (h.retries < 16 ? h.retries : 16);
		if (back > c->retest_interval)
			back = c->retest_interval;
		rc = db_defer(s->db, a, now, now + back, NULL);
		break;
	default:
		/* Accepted without delivery may still deliver late. */
		rc = db_confirm_closed(s->db, a, now, v != V_ACCEPTED, &h);
		break;
	}
	if (rc != RB_OK)
		log_warnx("%s: %s: %s", __func__, ip, rb_strerror(rc));
	else
		log_info("%s: %s", ip, verdict_name(res->verdict));
}

static void
run_done(void *arg, struct run *r)
{
	struct active	*act = arg;
	struct sched	*s = act->s;
	size_t		 i;

	record(s, &act->a, run_result(r));
	run_free(r);
	for (i = 0; i < s->nruns; i++)
		if (s->runs[i] == act) {
			s->runs[i] = s->runs[--s->nruns];
			break;
		}
	free(act);
}

/* Start a run for a due host if the limits allow. */
static int
consider(void *arg, const struct addr *a, const struct host *h)
{
	struct sched		*s = arg;
	const struct config	*c = s->conf;
	struct active		*act;
	struct prefix		 p;
	const char		*range;
	char			 ip[ADDR_STRLEN], pb[ADDR_STRLEN + 8];
	char			 text[256];
	int64_t			 now = time(NULL);
	size_t			 i, net = 0;

	if (s->nruns >= c->max_tests)
		return 1;
	for (i = 0; i < s->nruns; i++) {
		if (memcmp(&s->runs[i]->a, a, sizeof(*a)) == 0)
			return 0;
		net += same_net(&s->runs[i]->a, a);
	}
	if (net >= c->per_net)
		return 0;
	addr_format(a, ip);
	if ((range = special_range(a, &c->allow, &p)) != NULL) {
		snprintf(text, sizeof(text), "not tested: %s is in %s, %s",
		    ip, prefix_format(&p, pb), range);
		log_warnx("%s", text);
		evidence(s->db, a, now, EVIDENCE_TEST, V_REFUSED, text,
		    strlen(text));
		db_confirm_closed(s->db, a, now, true, NULL);
		return 0;
	}
	/*
	 * The exit of a multi-stage relay cannot be tested from here: only
	 * its entry can. Arrivals through it keep it listed; without one
	 * for two retest intervals it is delisted.
	 */
	if (h->state == HOST_LISTED && h->code == CODE_MULTISTAGE) {
		if (now - h->last_test < 2 * c->retest_interval) {
			db_claim(s->db, a, now, h->last_test +
			    2 * c->retest_interval);
			return 0;
		}
		snprintf(text, sizeof(text), "no test message passed through "
		    "this exit for %lld s: delisted", (long long)(now -
		    h->last_test));
		evidence(s->db, a, now, EVIDENCE_TEST, V_REFUSED, text,
		    strlen(text));
		db_confirm_closed(s->db, a, now, false, NULL);
		log_info("%s: %s", ip, text);
		return 0;
	}
	if (db_claim(s->db, a, now, now + c->budget + c->wait + 60) != RB_OK)
		return 0;
	if ((act = calloc(1, sizeof(*act))) == NULL)
		return 1;
	act->s = s;
	act->a = *a;
	act->run = run_start(&(struct run_in){ .base = s->base, .conf = c,
	    .target = a, .port = (uint16_t)c->verify_port, .key = s->key,
	    .now = now, .done = run_done, .arg = act });
	if (act->run == NULL) {
		log_warnx("cannot test %s", ip);
		free(act);
		return 0;
	}
	s->runs[s->nruns++] = act;
	log_info("testing %s", ip);
	return 0;
}

#define DUE_BATCH	64	/* runs started a tick, at most */
#define WALK_MAX	10000	/* due hosts looked at a tick, at most */

/*
 * The hosts to start this tick: those the limits allow, looked for past
 * the ones they do not (a /24 full of reports must not hold up the
 * rest of the queue).
 */
struct collect {
	struct sched	*s;
	struct addr	 a[DUE_BATCH];
	struct host	 h[DUE_BATCH];
	size_t		 n, room, seen;
};

static int
collect_due(void *arg, const struct addr *a, const struct host *h)
{
	struct collect	*c = arg;
	struct sched	*s = c->s;
	size_t		 i, net = 0;

	if (++c->seen > WALK_MAX)
		return 1;
	for (i = 0; i < s->nruns; i++) {
		if (memcmp(&s->runs[i]->a, a, sizeof(*a)) == 0)
			return 0;
		net += same_net(&s->runs[i]->a, a);
	}
	for (i = 0; i < c->n; i++)
		net += same_net(&c->a[i], a);
	if (net >= s->conf->per_net)
		return 0;
	c->a[c->n] = *a;
	c->h[c->n] = *h;
	return ++c->n == c->room;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sched	*s = arg;
	struct collect	 c;
	size_t		 i;
	int		 rc;

	(void)fd;
	(void)what;
	/*
	 * Collect first, then start: starting writes to the store, which
	 * this handle may not do while the walk holds its read txn.
	 */
	c.s = s;
	c.n = c.seen = 0;
	c.room = s->conf->max_tests - s->nruns;
	if (c.room > DUE_BATCH)
		c.room = DUE_BATCH;
	if (c.room == 0)
		return;
	if ((rc = db_read_begin(s->db)) != RB_OK) {
		log_warnx("%s: %s", __func__, rb_strerror(rc));
		return;
	}
	rc = db_walk_due(s->db, time(NULL), collect_due, &c);
	db_read_end(s->db);
	if (rc < 0)
		log_warnx("%s: %s", __func__, rb_strerror(rc));
	for (i = 0; i < c.n; i++)
		if (consider(s, &c.a[i], &c.h[i]) != 0)
			break;
}

struct sched *
sched_new(struct event_base *base, const struct config *conf, struct db *db)
{
	struct sched	*s;
	struct timeval	 tv = { 1, 0 };
	int		 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->runs = calloc(conf->max_tests, sizeof(*s->runs))) == NULL) {
		free(s);
		return NULL;
	}
	s->base = base;
	s->conf = conf;
	s->db = db;
	if ((rc = db_read_begin(db)) == RB_OK) {
		rc = db_secret(db, s->key, sizeof(s->key));
		db_read_end(db);
	}
	if (rc != RB_OK) {
		log_warnx("%s: the store's secret: %s", __func__,
		    rb_strerror(rc));
		sched_free(s);
		return NULL;
	}
	if ((s->canary = canary_new(base, conf, s->key, on_arrival, s)) ==
	    NULL) {
		log_warn("%s: canary", __func__);
		sched_free(s);
		return NULL;
	}
	if ((s->tick = event_new(base, -1, EV_PERSIST, on_tick, s)) == NULL ||
	    event_add(s->tick, &tv) != 0) {
		sched_free(s);
		return NULL;
	}
	return s;
}

void
sched_free(struct sched *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nruns; i++) {
		run_free(s->runs[i]->run);
		free(s->runs[i]);
	}
	if (s->tick != NULL)
		event_free(s->tick);
	canary_free(s->canary);
	explicit_bzero(s->key, sizeof(s->key));
	free(s->runs);
	free(s);
}
