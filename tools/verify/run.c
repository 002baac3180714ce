/* SPDX-License-Identifier: ISC */
/*
 * run.c -- test one target and decide what it proved
 *
 * A run first greets the target to learn the names it gives itself
 * (they go into the battery), then works through the battery in
 * sessions of at most probes_per_connection probes, one session at a
 * time: a target never sees two connections from us at once. If any
 * message was accepted, it waits for arrivals at the canary up to the
 * configured window; an arrival ends the wait at once. The verdict:
 * open if a token arrived, whatever the replies said; accepted but not
 * delivered; refused; authentication required; or inconclusive when
 * timeouts, 421 or deferrals kept it from finding out. A run never
 * writes to the store: its owner does (sched.c, or relaybl test).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "verify.h"

enum stage { R_GREET, R_PROBES, R_WAIT, R_DONE };

struct run {
	struct run_in		 in;
	struct addr		 target;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 ip[ADDR_STRLEN];
	enum stage		 stage;
	struct battery		 battery;
	enum outcome		 outcomes[BATTERY_MAX];
	size_t			 next;		/* the next probe to run */
	struct session		*sess;
	struct session_out	 out;
	struct event		*wait, *budget;
	bool			 arrived;
	char			 msg[4096];
	struct run_result	 res;
};

static bool	start_session(struct run *r);
static void	finish(struct run *r);

const char *
verdict_name(int v)
{
	switch (v) {
	case V_OPEN:		return "open relay: a test message arrived";
	case V_ACCEPTED:	return "accepted but not delivered";
	case V_REFUSED:		return "refused";
	case V_AUTH:		return "authentication or STARTTLS required";
	case V_INCONCLUSIVE:	return "inconclusive";
	default:		return "none";
	}
}

static void
log_line(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_line(struct run *r, const char *fmt, ...)
{
	struct session_out	o = { .transcript = r->res.transcript,
	    .tlen = r->res.tlen };
	char			buf[512];
	va_list			ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	transcript_add(&o, "-- ", buf, strlen(buf));
	r->res.transcript = o.transcript;
	r->res.tlen = o.tlen;
}

/* The test message of a probe: who tests, why, and the token thrice. */
static const char *
message(void *arg, size_t probe, size_t *len)
{
	struct run		*r = arg;
	const struct config	*c = r->in.conf;
	struct token		 t;
	char			 date[64];
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 n;

	token_make(r->in.key, &r->target, (int)probe, r->in.now, &t);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(r->msg, sizeof(r->msg),
	    "From: relaybl relay test <relaytest@%s>\n"
	    "To: <%s@%s>\n"
	    "Subject: relaybl open relay test %s\n"
	    "Date: %s\n"
	    "Message-ID: <%s@%s>\n"
	    "X-Relaybl-Token: %s\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "This message tests whether the mail server at %s relays mail\n"
	    "for third parties (an \"open relay\"). It was sent by the\n"
	    "relaybl open relay list (%s), because the\n"
	    "server was reported to the list or is due for a retest.\n"
	    "\n"
	    "If this message reached its destination, the server passed it\n"
	    "on for someone it does not serve, and spammers can do the same.\n"
	    "Contact: %s\n"
	    "\n"
	    "Probe %zu (%s), token %s\n",
	    c->bounce_domain, t.text, c->canary_domain, t.text, date,
	    t.text, c->bounce_domain, t.text, r->ip, c->helo_name,
	    c->contact[0] != '\0' ? c->contact : c->helo_name, probe,
	    r->battery.p[probe].trick, t.text);
	*len = n > 0 && (size_t)n < sizeof(r->msg) ? (size_t)n :
	    strlen(r->msg);
	return r->msg;
}

static void
session_done(void *arg, struct session *s)
{
	struct run	*r = arg;
	const char	*names[2];
	size_t		 i, n = 0;

	r->sess = NULL;
	session_abort(s);
	if (r->out.transcript != NULL && r->out.tlen > 0) {
		struct session_out o = { .transcript = r->res.transcript,
		    .tlen = r->res.tlen };

		/* Its lines end in newlines already: add them as they are. */
		transcript_add(&o, "", r->out.transcript, r->out.tlen - 1);
		r->res.transcript = o.transcript;
		r->res.tlen = o.tlen;
	}
	free(r->out.transcript);
	r->out.transcript = NULL;

	if (r->stage == R_GREET) {
		if (!r->out.greeted || r->out.failed) {
			/* 554 at the greeting refuses all; else try later. */
			r->res.verdict = r->out.greeted || r->out.failed ?
			    V_INCONCLUSIVE : V_REFUSED;
			finish(r);
			return;
		}
		for (i = 0; i < 2; i++)
			if (r->out.names[i][0] != '\0' && (n == 0 ||
			    strcasecmp(names[0], r->out.names[i]) != 0))
				names[n++] = r->out.names[i];
		battery_build(&(struct battery_in){
		    .canary_domain = r->in.conf->canary_domain,
		    .bounce_domain = r->in.conf->bounce_domain,
		    .canary_ip = r->in.conf->canary_address,
		    .target = &r->target,
		    .names = { n > 0 ? names[0] : NULL,
		    n > 1 ? names[1] : NULL },
		    .nnames = n, .key = r->in.key, .time = r->in.now },
		    &r->battery);
		log_line(r, "battery of %zu probes", r->battery.n);
		r->stage = R_PROBES;
	} else {
		for (i = 0; i < BATTERY_MAX; i++)
			if (r->out.outcomes[i] != OUT_NONE)
				r->outcomes[i] = r->out.outcomes[i];
		/* A session cut short ends the probing: try again later. */
		if (r->out.failed || r->arrived) {
			finish(r);
			return;
		}
	}
	if (r->next >= r->battery.n || !start_session(r)) {
		if (r->next < r->battery.n) {
			log_line(r, "cannot start a session");
			r->res.verdict = V_INCONCLUSIVE;
		}
		finish(r);
	}
}

static bool
start_session(struct run *r)
{
	struct session_in	in;
	size_t			per = r->in.conf->probes_per_connection;

	memset(&r->out, 0, sizeof(r->out));
	memset(&in, 0, sizeof(in));
	in.base = r->in.base;
	in.sa = (struct sockaddr *)&r->ss;
	in.salen = r->sslen;
	in.helo = r->in.conf->helo_name;
	in.to.connect = r->in.conf->connect_timeout;
	in.to.greeting = r->in.conf->greeting_timeout;
	in.to.command = r->in.conf->command_timeout;
	in.to.data = r->in.conf->data_timeout;
	in.message = message;
	in.arg = r;
	in.done = session_done;
	if (r->stage == R_PROBES) {
		in.battery = &r->battery;
		in.first = r->next;
		in.count = r->battery.n - r->next < per ? r->battery.n -
		    r->next : per;
		r->next += in.count;
	}
	r->sess = session_start(&in, &r->out);
	return r->sess != NULL;
}

/* What the outcomes say, when no token arrived. */
static enum verdict
judge(struct run *r)
{
	size_t	i, accepted = 0, refused = 0, auth = 0, deferred = 0;

	for (i = 0; i < r->battery.n; i++)
		switch (r->outcomes[i]) {
		case OUT_ACCEPTED:	accepted++; break;
		case OUT_REFUSED:	refused++; break;
		case OUT_AUTH:		auth++; break;
		case OUT_DEFERRED:	deferred++; break;
		default:		break;
		}
	if (accepted > 0)
		return V_ACCEPTED;
	if (r->battery.n > 0 && refused + auth == r->battery.n)
		return auth > 0 ? V_AUTH : V_REFUSED;
	/* Greylisting said "later" to what it did not refuse. */
	r->res.deferred = deferred > 0 &&
	    refused + auth + deferred == r->battery.n;
	return V_INCONCLUSIVE;
}

static void
conclude(struct run *r)
{
	char	ip[ADDR_STRLEN];
	size_t	i;

	if (r->arrived) {
		r->res.verdict = V_OPEN;
		for (i = 0; i < r->res.nexits; i++)
			log_line(r, "a test message arrived from %s%s",
			    addr_format(&r->res.exits[i], ip),
			    memcmp(&r->res.exits[i], &r->target,
			    sizeof(r->target)) == 0 ? "" :
			    " (the exit of a multi-stage relay)");
	} else if (r->res.verdict == V_NONE)
		r->res.verdict = judge(r);
	log_line(r, "verdict: %s", verdict_name(r->res.verdict));
	r->stage = R_DONE;
	evtimer_del(r->wait);
	evtimer_del(r->budget);
	r->in.done(r->in.arg, r);
}

static void
on_wait(evutil_socket_t fd, short what, void *arg)
{
	struct run	*r = arg;

	(void)fd;
	(void)what;
	log_line(r, "no test message arrived in %lld s",
	    (long long)r->in.conf->wait);
	conclude(r);
}

/* Probing is over: wait for arrivals if anything was accepted. */
static void
finish(struct run *r)
{
	struct timeval	tv = { (time_t)r->in.conf->wait, 0 };
	size_t		i;

	if (r->stage == R_WAIT || r->stage == R_DONE)
		return;
	for (i = 0; i < r->battery.n; i++)
		if (r->outcomes[i] == OUT_ACCEPTED)
			break;
	if (r->arrived || i == r->battery.n || r->in.conf->wait == 0 ||
	    r->res.verdict != V_NONE) {
		conclude(r);
		return;
	}
	log_line(r, "probe %zu was accepted: waiting up to %lld s for "
	    "arrivals", i, (long long)r->in.conf->wait);
	r->stage = R_WAIT;
	/* The budget is for talking to the target; the wait has its own. */
	evtimer_del(r->budget);
	evtimer_add(r->wait, &tv);
}

static void
on_budget(evutil_socket_t fd, short what, void *arg)
{
	struct run	*r = arg;

	(void)fd;
	(void)what;
	log_line(r, "the test took longer than its budget of %lld s",
	    (long long)r->in.conf->budget);
	if (r->sess != NULL) {
		session_abort(r->sess);
		r->sess = NULL;
		free(r->out.transcript);
		r->out.transcript = NULL;
	}
	if (!r->arrived)
		r->res.verdict = V_INCONCLUSIVE;
	conclude(r);
}

struct run *
run_start(const struct run_in *in)
{
	struct run		*r;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct timeval		 tv = { (time_t)in->conf->budget, 0 };

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->in = *in;
	r->target = *in->target;
	r->in.target = &r->target;
	addr_format(&r->target, r->ip);
	if (addr_is_v4(&r->target)) {
		sin = (struct sockaddr_in *)&r->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(in->port);
		sin->sin_addr.s_addr = htonl(addr_v4(&r->target));
		r->sslen = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&r->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(in->port);
		memcpy(&sin6->sin6_addr, r->target.a, 16);
		r->sslen = sizeof(*sin6);
	}
	r->wait = evtimer_new(in->base, on_wait, r);
	r->budget = evtimer_new(in->base, on_budget, r);
	if (r->wait == NULL || r->budget == NULL) {
		run_free(r);
		return NULL;
	}
	log_line(r, "testing %s port %u as %s", r->ip, in->port,
	    in->conf->helo_name);
	evtimer_add(r->budget, &tv);
	r->stage = R_GREET;
	if (!start_session(r)) {
		run_free(r);
		return NULL;
	}
	return r;
}

void
run_arrival(struct run *r, const struct token *t, const struct addr *from)
{
	size_t	i;

	if (memcmp(&t->addr, &r->target, sizeof(r->target)) != 0 ||
	    t->time != (int64_t)(uint32_t)r->in.now || r->stage == R_DONE)
		return;
	log_line(r, "probe %d (%s) arrived at the canary", t->probe,
	    t->probe < (int)r->battery.n ? r->battery.p[t->probe].trick :
	    "?");
	for (i = 0; i < r->res.nexits; i++)
		if (memcmp(&r->res.exits[i], from, sizeof(*from)) == 0)
			break;
	if (i == r->res.nexits && r->res.nexits < 8)
		r->res.exits[r->res.nexits++] = *from;
	r->arrived = true;
	if (r->stage == R_WAIT)
		conclude(r);
}

const struct run_result *
run_result(const struct run *r)
{
	return &r->res;
}

const struct addr *
run_target(const struct run *r)
{
	return &r->target;
}

void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	session_abort(r->sess);
	if (r->wait != NULL)
		event_free(r->wait);
	if (r->budget != NULL)
		event_free(r->budget);
	free(r->out.transcript);
	free(r->res.transcript);
	free(r);
}
