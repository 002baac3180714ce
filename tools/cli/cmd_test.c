/* SPDX-License-Identifier: ISC */
/*
 * cmd_test.c -- relaybl test HOST[:PORT]: run the battery once
 *
 * For owners checking their own server, and operators checking a
 * report by hand: the same run as relaybl-verify's, with a canary of its
 * own when the canary's port is free. When relaybl-verify holds that
 * port, its canary records arrivals in the store, and we look there.
 * Nothing is written to the store from here. The exit status says the
 * verdict: 0 closed, 10 open relay, 11 accepted but not delivered,
 * 12 inconclusive (1 and 2 are errors, as for every command).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "special.h"
#include "verify.h"

struct tester {
	struct event_base	*base;
	struct db		*db;
	struct run		*run;
	uint8_t			 key[TOKEN_KEYLEN];
	int64_t			 start;
	bool			 done;
	size_t			 seen;	/* store arrivals looked at */
};

static void
on_done(void *arg, struct run *r)
{
	struct tester	*t = arg;

	(void)r;
	t->done = true;
	event_base_loopexit(t->base, NULL);
}

static void
on_arrival(void *arg, const struct token *tok, const struct addr *from,
    const char *helo)
{
	struct tester	*t = arg;

	(void)helo;
	if (t->run != NULL && !t->done)
		run_arrival(t->run, tok, from);
}

struct scan {
	struct tester	*t;
	size_t		 n;
};

/*
 * An arrival relaybl-verify's canary recorded: "probe N of the test
 * started at T arrived at the canary from ADDR ...". The canary checked
 * the token; the store does not keep it.
 */
static int
scan_arrival(void *arg, const struct evidence *e)
{
	struct scan	*sc = arg;
	struct token	 tok;
	struct addr	 from;
	char		 text[256], fip[ADDR_STRLEN];
	long long	 t;
	int		 probe;

	if (e->kind != EVIDENCE_ARRIVAL || e->time < sc->t->start ||
	    sc->n++ < sc->t->seen)
		return 0;
	sc->t->seen = sc->n;
	snprintf(text, sizeof(text), "%.*s", (int)e->textlen, e->text);
	if (sscanf(text, "probe %d of the test started at %lld arrived at "
	    "the canary from %45s", &probe, &t, fip) != 3 ||
	    addr_parse_str(fip, &from) != RB_OK)
		return 0;
	memset(&tok, 0, sizeof(tok));
	tok.addr = *run_target(sc->t->run);
	tok.probe = probe;
	tok.time = t;
	on_arrival(sc->t, &tok, &from, "");
	return 0;
}

/* Without a canary of our own: look for arrivals the daemon stored. */
static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct tester	*t = arg;
	struct scan	 sc = { t, 0 };

	(void)fd;
	(void)what;
	if (t->done || db_read_begin(t->db) != RB_OK)
		return;
	db_walk_evidence(t->db, run_target(t->run), scan_arrival, &sc);
	db_read_end(t->db);
}

/* HOST or HOST:PORT or [HOST6]:PORT. */
static int
parse_target(const char *s, struct addr *a, unsigned int *port)
{
	const char	*colon = strrchr(s, ':');
	char		*end;
	long		 p;

	if (addr_parse_str(s, a) == RB_OK)
		return 0;
	if (colon == NULL)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || p < 1 || p > 65535 ||
	    colon[1] == '\0')
		return -1;
	if (s[0] == '[') {
		if (colon - s < 3 || colon[-1] != ']' ||
		    addr_parse(s + 1, (size_t)(colon - s - 2), a) != RB_OK)
			return -1;
	} else if (addr_parse(s, (size_t)(colon - s), a) != RB_OK ||
	    !addr_is_v4(a))
		return -1;
	*port = (unsigned int)p;
	return 0;
}

int
cmd_test(struct cli *cli, const struct cli_opts *o)
{
	struct config		*c = &cli->conf;
	struct tester		 t;
	struct canary		*canary = NULL;
	struct event		*poll = NULL;
	const struct run_result	*res;
	struct addr		 a;
	struct prefix		 p;
	const char		*range;
	char			 pb[ADDR_STRLEN + 8];
	unsigned int		 port = c->verify_port;
	struct timeval		 tv = { 1, 0 };
	int			 rc, status;

	if (parse_target(o->args[0], &a, &port) != 0) {
		fprintf(stderr, "relaybl test: '%s': expected IP, IP:PORT or "
		    "[IPv6]:PORT\n", o->args[0]);
		return EXIT_USAGE;
	}
	if ((range = special_range(&a, &c->allow, &p)) != NULL) {
		fprintf(stderr, "relaybl test: %s is in %s, %s: not tested "
		    "(see [policy] allow)\n", o->args[0], prefix_format(&p, pb),
		    range);
		return EXIT_FAIL;
	}
	if (c->canary_domain[0] == '\0' || c->bounce_domain[0] == '\0') {
		fprintf(stderr, "relaybl test: [verify] canary_domain and "
		    "bounce_domain must be set\n");
		return EXIT_FAIL;
	}
	memset(&t, 0, sizeof(t));
	if ((rc = cli_open(cli, DB_RDONLY, &t.db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(t.db)) == RB_OK) {
		rc = db_secret(t.db, t.key, sizeof(t.key));
		db_read_end(t.db);
	}
	if (rc != RB_OK || (t.base = event_base_new()) == NULL) {
		fprintf(stderr, "relaybl test: %s\n", rb_strerror(rc));
		db_close(t.db);
		return EXIT_FAIL;
	}
	t.start = cli->now;
	if ((canary = canary_new(t.base, c, t.key, on_arrival, &t)) == NULL)
		fprintf(stderr, "relaybl test: the canary's port is taken "
		    "(relaybl-verify runs?): looking for arrivals in the "
		    "store\n");
	t.run = run_start(&(struct run_in){ .base = t.base, .conf = c,
	    .target = &a, .port = (uint16_t)port, .key = t.key,
	    .now = cli->now, .done = on_done, .arg = &t });
	if (t.run == NULL) {
		fprintf(stderr, "relaybl test: cannot start\n");
		status = EXIT_FAIL;
		goto out;
	}
	if (canary == NULL && ((poll = event_new(t.base, -1, EV_PERSIST,
	    on_poll, &t)) == NULL || event_add(poll, &tv) != 0)) {
		status = EXIT_FAIL;
		goto out;
	}
	if (!t.done)
		event_base_dispatch(t.base);
	res = run_result(t.run);
	fwrite(res->transcript, 1, res->tlen, stdout);
	printf("verdict: %s\n", verdict_name(res->verdict));
	switch (res->verdict) {
	case V_OPEN:		status = 10; break;
	case V_ACCEPTED:	status = 11; break;
	case V_INCONCLUSIVE:	status = 12; break;
	default:		status = EXIT_OK; break;
	}
out:
	if (poll != NULL)
		event_free(poll);
	run_free(t.run);
	canary_free(canary);
	event_base_free(t.base);
	db_close(t.db);
	return status;
}
