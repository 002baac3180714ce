/* SPDX-License-Identifier: ISC */
/*
 * change.c -- the state changes of a host: report, verdicts, operator
 *
 * Each db_* change here is a write_fn for db_write(): it loads the
 * host's record, decides the new one by the rules of DESIGN.md, and
 * lets host_apply() move listed, due and the journal with it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

/* The arguments and results of a state change, for db_write(). */
struct change {
	const struct addr	*a;
	const struct addr	*submitter;
	const char		*reason;
	int			 code;
	int64_t			 t1, t2;	/* meaning set by each change */
	bool			 flag;		/* in or out: meaning set by each */
	int64_t			 after;		/* out: retry after */
	struct host		 h;		/* out: the record afterwards */
};

static int
host_get(struct wtxn *w, const struct addr *a, struct host *h)
{
	return host_read(w->txn, w->db, a, h);
}

/* Run a change and hand back the record it left. */
static int
run(struct db *db, int64_t now, write_fn fn, struct change *c,
    struct host *h)
{
	int	rc;

	if ((rc = db_write(db, now, fn, c)) == RB_OK && h != NULL)
		*h = c->h;
	return rc;
}

static void
host_new(struct host *h, int64_t now)
{
	memset(h, 0, sizeof(*h));
	h->first_seen = now;
}

static void
queue(struct host *h, int q, int64_t when)
{
	h->queue = (uint8_t)q;
	h->next_test = when;
}

/* Load a's record into *h; a missing host gets a fresh one, *found false. */
static int
host_load(struct wtxn *w, const struct addr *a, struct host *h, bool *found)
{
	int	rc;

	rc = host_get(w, a, h);
	*found = rc == RB_OK;
	if (rc == RB_ENOENT) {
		host_new(h, w->now);
		return RB_OK;
	}
	return rc;
}

static int
do_report(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	bool		 found;
	int		 rc;

	if ((rc = host_load(w, c->a, &old, &found)) != RB_OK)
		return rc;
	if (found && old.state == HOST_EXCLUDED)
		return RB_EEXCLUDED;
	*h = old;
	h->reports++;
	h->last_report = w->now;
	c->flag = false;
	if (!found) {
		h->state = HOST_PENDING;
		if (c->submitter != NULL)
			h->submitter = *c->submitter;
	}
	if (!found || ((old.state == HOST_CLEAN ||
	    old.state == HOST_DELISTED) && w->now - old.last_test >= c->t1)) {
		h->state = HOST_PENDING;
		queue(h, DUE_REPORT, w->now);
		c->flag = true;
	}
	return host_apply(w, c->a, found ? &old : NULL, h);
}

int
db_report(struct db *db, const struct addr *a, const struct addr *submitter,
    int64_t now, int64_t cooldown, bool *queued, struct host *h)
{
	struct change	c = { .a = a, .submitter = submitter, .t1 = cooldown };
	int		rc;

	if ((rc = db_write(db, now, do_report, &c)) != RB_OK)
		return rc;
	if (queued != NULL)
		*queued = c.flag;
	if (h != NULL)
		*h = c.h;
	return RB_OK;
}

static int
do_confirm_open(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	bool		 found;
	int		 rc;

	if ((rc = host_load(w, c->a, &old, &found)) != RB_OK)
		return rc;
	if (found && old.state == HOST_EXCLUDED)
		return RB_EEXCLUDED;
	*h = old;
	/* The operator's listing stands until the operator ends it. */
	if (old.state == HOST_LISTED && (old.flags & HOST_F_MANUAL))
		return RB_OK;
	if (old.state != HOST_LISTED)
		h->listed_at = w->now;
	h->state = HOST_LISTED;
	/* An open relay that is also another's exit stays an open relay. */
	if (!(c->code == CODE_MULTISTAGE && old.state == HOST_LISTED &&
	    old.code == CODE_OPEN))
		h->code = (uint8_t)c->code;
	h->flags &= ~HOST_F_MANUAL;
	h->last_test = w->now;
	h->tests++;
	h->retries = 0;
	queue(h, DUE_SCHEDULED, c->t1);
	return host_apply(w, c->a, found ? &old : NULL, h);
}

int
db_confirm_open(struct db *db, const struct addr *a, int code, int64_t now,
    int64_t next_test, struct host *h)
{
	struct change	c = { .a = a, .code = code, .t1 = next_test };

	if (code < CODE_MIN || code > CODE_MAX)
		return RB_ERANGE;
	return run(db, now, do_confirm_open, &c, h);
}

static int
do_confirm_closed(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	int		 rc;

	if ((rc = host_get(w, c->a, &old)) != RB_OK)
		return rc;
	if (old.state == HOST_EXCLUDED)
		return RB_EEXCLUDED;
	*h = old;
	h->last_test = w->now;
	h->tests++;
	h->retries = 0;
	queue(h, DUE_NONE, 0);
	if (c->flag)
		h->closed_at = w->now;
	/* A listing made by hand stays until the operator ends it. */
	if (!(old.flags & HOST_F_MANUAL)) {
		h->state = old.state == HOST_LISTED ? HOST_DELISTED :
		    HOST_CLEAN;
		h->listed_at = 0;
	}
	return host_apply(w, c->a, &old, h);
}

int
db_confirm_closed(struct db *db, const struct addr *a, int64_t now,
    bool refused, struct host *h)
{
	struct change	c = { .a = a, .flag = refused };

	return run(db, now, do_confirm_closed, &c, h);
}

static int
do_defer(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	int		 rc;

	if ((rc = host_get(w, c->a, &old)) != RB_OK)
		return rc;
	if (old.state == HOST_EXCLUDED)
		return RB_EEXCLUDED;
	*h = old;
	h->retries++;
	queue(h, old.queue != DUE_NONE ? old.queue : DUE_SCHEDULED, c->t1);
	return host_apply(w, c->a, &old, h);
}

int
db_defer(struct db *db, const struct addr *a, int64_t now, int64_t retry_at,
    struct host *h)
{
	struct change	c = { .a = a, .t1 = retry_at };

	return run(db, now, do_defer, &c, h);
}

static int
do_claim(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	int		 rc;

	if ((rc = host_get(w, c->a, &old)) != RB_OK)
		return rc;
	if (old.queue == DUE_NONE)
		return RB_ESTATE;
	*h = old;
	h->next_test = c->t1;
	return host_apply(w, c->a, &old, h);
}

int
db_claim(struct db *db, const struct addr *a, int64_t now, int64_t until)
{
	struct change	c = { .a = a, .t1 = until };

	return run(db, now, do_claim, &c, NULL);
}

static int
do_request_retest(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	int		 rc;

	if ((rc = host_get(w, c->a, &old)) != RB_OK)
		return rc;
	if (old.state == HOST_EXCLUDED)
		return RB_EEXCLUDED;
	/*
	 * Retests are for listed hosts (and pending ones, which are queued
	 * already). A clean host is tested again on a new report after the
	 * cool-down, not every time anyone asks.
	 */
	if ((old.flags & HOST_F_MANUAL) || old.state == HOST_CLEAN ||
	    old.state == HOST_DELISTED)
		return RB_ESTATE;
	if (old.retest_at != 0 && w->now - old.retest_at < c->t1) {
		c->after = old.retest_at + c->t1 - w->now;
		return RB_EAGAIN;
	}
	*h = old;
	h->retest_at = w->now;
	/* A new report is already ahead of any retest. */
	if (old.queue != DUE_REPORT)
		queue(h, DUE_RETEST, w->now);
	return host_apply(w, c->a, &old, h);
}

int
db_request_retest(struct db *db, const struct addr *a, int64_t now,
    int64_t min_interval, int64_t *retry_after, struct host *h)
{
	struct change	c = { .a = a, .t1 = min_interval };
	int		rc;

	rc = db_write(db, now, do_request_retest, &c);
	if (rc == RB_EAGAIN && retry_after != NULL)
		*retry_after = c.after;
	if (rc == RB_OK && h != NULL)
		*h = c.h;
	return rc;
}

/* Record an operator's action and reason as evidence. */
static int
note(struct wtxn *w, const struct addr *a, const char *what, int code,
    const char *reason, int state)
{
	char	buf[1024], cbuf[16] = "";
	int	n;

	if (code != 0)
		snprintf(cbuf, sizeof(cbuf), ", code %d", code);
	n = snprintf(buf, sizeof(buf), "%s%s%s%s", what, cbuf,
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	if (n < 0)
		return RB_EINVAL;
	return evidence_put(w, a, EVIDENCE_OPERATOR, 0, state, buf,
	    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* List a by hand: shared by db_operator_list() and db_import(). */
static int
operator_list(struct wtxn *w, const struct addr *a, int code, bool *changed,
    struct host *h)
{
	struct host	 old;
	bool		 found;
	int		 rc;

	if ((rc = host_load(w, a, &old, &found)) != RB_OK)
		return rc;
	*h = old;
	*changed = !found || old.state != HOST_LISTED || old.code != code ||
	    !(old.flags & HOST_F_MANUAL);
	if (!*changed)
		return RB_OK;
	if (old.state != HOST_LISTED)
		h->listed_at = w->now;
	h->state = HOST_LISTED;
	h->code = (uint8_t)code;
	h->flags |= HOST_F_MANUAL;
	queue(h, DUE_NONE, 0);
	return host_apply(w, a, found ? &old : NULL, h);
}

static int
do_operator_list(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	bool		 changed;
	int		 rc;

	if ((rc = operator_list(w, c->a, c->code, &changed, &c->h)) != RB_OK)
		return rc;
	return note(w, c->a, "listed by the operator", c->code, c->reason,
	    HOST_LISTED);
}

int
db_operator_list(struct db *db, const struct addr *a, int code,
    const char *reason, int64_t now, struct host *h)
{
	struct change	c = { .a = a, .code = code, .reason = reason };

	if (code < CODE_MIN || code > CODE_MAX)
		return RB_ERANGE;
	return run(db, now, do_operator_list, &c, h);
}

static int
do_operator_delist(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	const char	*what;
	int		 rc;

	if ((rc = host_get(w, c->a, &old)) != RB_OK)
		return rc;
	*h = old;
	h->flags &= ~HOST_F_MANUAL;
	h->listed_at = 0;
	queue(h, DUE_NONE, 0);
	if (old.state == HOST_LISTED) {
		h->state = HOST_DELISTED;
		what = "delisted by the operator";
	} else if (old.state == HOST_EXCLUDED) {
		h->state = HOST_CLEAN;
		what = "exclusion lifted by the operator";
	} else
		return RB_ENOENT;
	if ((rc = host_apply(w, c->a, &old, h)) != RB_OK)
		return rc;
	return note(w, c->a, what, 0, c->reason, h->state);
}

int
db_operator_delist(struct db *db, const struct addr *a, const char *reason,
    int64_t now, struct host *h)
{
	struct change	c = { .a = a, .reason = reason };

	return run(db, now, do_operator_delist, &c, h);
}

static int
do_exclude(struct wtxn *w, void *arg)
{
	struct change	*c = arg;
	struct host	 old, *h = &c->h;
	bool		 found;
	int		 rc;

	if ((rc = host_load(w, c->a, &old, &found)) != RB_OK)
		return rc;
	*h = old;
	h->state = HOST_EXCLUDED;
	h->flags &= ~HOST_F_MANUAL;
	h->listed_at = 0;
	queue(h, DUE_NONE, 0);
	if ((rc = host_apply(w, c->a, found ? &old : NULL, h)) != RB_OK)
		return rc;
	return note(w, c->a, "excluded by the operator", 0, c->reason,
	    HOST_EXCLUDED);
}

int
db_exclude(struct db *db, const struct addr *a, const char *reason,
    int64_t now, struct host *h)
{
	struct change	c = { .a = a, .reason = reason };

	return run(db, now, do_exclude, &c, h);
}

struct import {
	const struct addr	*addrs;
	const uint8_t		*codes;
	size_t			 n;
	size_t			 changed, excluded;
};

static int
do_import(struct wtxn *w, void *arg)
{
	struct import	*im = arg;
	struct host	 h;
	bool		 changed;
	size_t		 i;
	int		 rc;

	im->changed = im->excluded = 0;
	for (i = 0; i < im->n; i++) {
		/* An exclusion is the operator's word too: keep it. */
		if (host_get(w, &im->addrs[i], &h) == RB_OK &&
		    h.state == HOST_EXCLUDED) {
			im->excluded++;
			continue;
		}
		if ((rc = operator_list(w, &im->addrs[i], im->codes[i],
		    &changed, &h)) != RB_OK)
			return rc;
		im->changed += changed;
	}
	return RB_OK;
}

int
db_import(struct db *db, const struct addr *addrs, const uint8_t *codes,
    size_t n, int64_t now, size_t *changed, size_t *excluded)
{
	struct import	im = { addrs, codes, n, 0, 0 };
	size_t		i;
	int		rc;

	for (i = 0; i < n; i++)
		if (codes[i] < CODE_MIN || codes[i] > CODE_MAX)
			return RB_ERANGE;
	if ((rc = db_write(db, now, do_import, &im)) != RB_OK)
		return rc;
	if (changed != NULL)
		*changed = im.changed;
	if (excluded != NULL)
		*excluded = im.excluded;
	return RB_OK;
}

struct evarg {
	const struct addr	*a;
	int			 kind, verdict;
	const char		*text;
	size_t			 len;
};

static int
do_add_evidence(struct wtxn *w, void *arg)
{
	struct evarg	*e = arg;
	struct host	 h;
	int		 rc;

	rc = host_get(w, e->a, &h);
	if (rc != RB_OK && rc != RB_ENOENT)
		return rc;
	return evidence_put(w, e->a, e->kind, e->verdict,
	    rc == RB_OK ? h.state : 0, e->text, e->len);
}

int
db_add_evidence(struct db *db, const struct addr *a, int64_t now, int kind,
    int verdict, const char *text, size_t textlen)
{
	struct evarg	e = { a, kind, verdict, text, textlen };

	return db_write(db, now, do_add_evidence, &e);
}
