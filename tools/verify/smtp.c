/* SPDX-License-Identifier: ISC */
/*
 * smtp.c -- one SMTP client session against a target, on libevent
 *
 * A session connects, waits for the greeting (it never speaks first),
 * says EHLO (HELO if EHLO is refused), then runs its share of the
 * battery: MAIL, RCPT, and DATA only once a recipient was accepted,
 * with RSET between probes, and QUIT. Replies may span lines; each is
 * read whole and judged by its code and text. Every phase has its own
 * timer (RFC 5321 4.5.3.2 defaults, configurable). A 421, a timeout or a
 * lost connection ends the session: what it had not tried stays
 * OUT_FAILED, which is "try later", never a verdict. Everything said
 * goes into the transcript.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "verify.h"

#define LINE_MAX_SMTP	2048	/* a reply line we still read */
#define REPLY_LINES_MAX	64
#define TRANSCRIPT_MAX	(48 * 1024)

enum phase {
	P_CONNECT, P_GREETING, P_EHLO, P_HELO, P_MAIL, P_RCPT, P_DATA,
	P_BODY, P_RSET, P_QUIT,
};

struct session {
	struct session_in	 in;
	struct session_out	*out;
	struct bufferevent	*bev;
	struct event		*timer;
	struct event		*done;		/* fires the owner's callback */
	enum phase		 phase;
	size_t			 probe;		/* current, absolute index */
	/* The reply being read. */
	int			 code;
	char			 text[1024];
	size_t			 textlen;
	int			 lines;
	bool			 ended;
};

static void	session_end(struct session *s, const char *why);
static void	next_probe(struct session *s);

void
transcript_add(struct session_out *o, const char *prefix, const char *text,
    size_t len)
{
	size_t	need = strlen(prefix) + len + 1;
	char	*p;

	if (o->tlen + need > TRANSCRIPT_MAX)
		return;
	if ((p = realloc(o->transcript, o->tlen + need + 1)) == NULL)
		return;
	o->transcript = p;
	memcpy(p + o->tlen, prefix, strlen(prefix));
	o->tlen += strlen(prefix);
	memcpy(p + o->tlen, text, len);
	o->tlen += len;
	p[o->tlen++] = '\n';
	p[o->tlen] = '\0';
}

static void
note(struct session *s, const char *text)
{
	transcript_add(s->out, "-- ", text, strlen(text));
}

static void
arm(struct session *s, int64_t seconds)
{
	struct timeval	tv = { (time_t)seconds, 0 };

	evtimer_add(s->timer, &tv);
}

static void
say(struct session *s, enum phase next, int64_t timeout, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
say(struct session *s, enum phase next, int64_t timeout, const char *fmt,
    ...)
{
	char	line[ADDRLEN_MAX + 32];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	transcript_add(s->out, "C: ", line, (size_t)n);
	evbuffer_add(bufferevent_get_output(s->bev), line, (size_t)n);
	evbuffer_add(bufferevent_get_output(s->bev), "\r\n", 2);
	s->phase = next;
	arm(s, timeout);
}

/* The first word of a reply's text: the name a server gives itself. */
static void
first_word(const char *text, char *out, size_t outlen)
{
	size_t	n = strcspn(text, " \t\r\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

static bool
mentions(const char *text, const char *word)
{
	return strcasestr(text, word) != NULL;
}

/* Judge a refusal by its code and text. */
static enum outcome
judge(int code, const char *text)
{
	if (code == 530 || code == 538 || ((code / 100 == 5 ||
	    code / 100 == 4) && (mentions(text, "authenticat") ||
	    mentions(text, "starttls") || mentions(text, "5.7.11") ||
	    mentions(text, "5.7.0 must"))))
		return OUT_AUTH;
	if (code == 421)
		return OUT_FAILED;
	/*
	 * Postfix says "454 4.7.1 Relay access denied": a 4xx that means
	 * no, not later; read as a deferral, a fixed Postfix could never
	 * be delisted.
	 */
	if (code / 100 == 4 && !mentions(text, "relay"))
		return OUT_DEFERRED;
	return OUT_REFUSED;
}

static void
set_outcome(struct session *s, enum outcome o)
{
	if (s->in.battery != NULL && s->probe < BATTERY_MAX)
		s->out->outcomes[s->probe] = o;
}

/* A probe is over: RSET before the next, or QUIT after the last. */
static void
probe_over(struct session *s, enum outcome o)
{
	char	buf[64];

	set_outcome(s, o);
	snprintf(buf, sizeof(buf), "probe %zu: %s", s->probe,
	    o == OUT_ACCEPTED ? "accepted" : o == OUT_REFUSED ? "refused" :
	    o == OUT_DEFERRED ? "deferred" : o == OUT_AUTH ?
	    "authentication required" : "failed");
	note(s, buf);
	s->probe++;
	if (s->probe < s->in.first + s->in.count)
		say(s, P_RSET, s->in.to.command, "RSET");
	else
		say(s, P_QUIT, s->in.to.command, "QUIT");
}

static void
send_message(struct session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	const char	*msg, *line, *end, *nl;
	size_t		 len;
	char		 buf[96];

	msg = s->in.message(s->in.arg, s->probe, &len);
	end = msg + len;
	/* Dot-stuff, and end every line in CRLF. */
	for (line = msg; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (*line == '.')
			evbuffer_add(out, ".", 1);
		evbuffer_add(out, line, (size_t)(nl - line -
		    (nl > line && nl[-1] == '\r')));
		evbuffer_add(out, "\r\n", 2);
		if (nl == end)
			break;
	}
	evbuffer_add(out, ".\r\n", 3);
	snprintf(buf, sizeof(buf), "<message of %zu bytes>", len);
	transcript_add(s->out, "C: ", buf, strlen(buf));
	s->phase = P_BODY;
	arm(s, s->in.to.data);
}

/* Start the current probe, or QUIT when there is none. */
static void
next_probe(struct session *s)
{
	const struct probe	*p;

	if (s->in.battery == NULL || s->probe >= s->in.first + s->in.count ||
	    s->probe >= s->in.battery->n) {
		say(s, P_QUIT, s->in.to.command, "QUIT");
		return;
	}
	p = &s->in.battery->p[s->probe];
	say(s, P_MAIL, s->in.to.command, "MAIL FROM:<%s>", p->from);
}

/* A whole reply is in: act on it. */
static void
on_reply(struct session *s)
{
	const struct probe	*p;
	int			 c = s->code, cls = c / 100;

	evtimer_del(s->timer);
	if (c == 421) {
		session_end(s, "421: the server closes, try later");
		return;
	}
	switch (s->phase) {
	case P_GREETING:
		if (cls == 5) {
			/* "554 no service here": a refusal of every probe. */
			note(s, "greeting refused");
			for (; s->in.battery != NULL &&
			    s->probe < s->in.first + s->in.count; s->probe++)
				set_outcome(s, OUT_REFUSED);
			say(s, P_QUIT, s->in.to.command, "QUIT");
			return;
		}
		if (cls != 2) {
			session_end(s, "greeting deferred");
			return;
		}
		s->out->greeted = true;
		first_word(s->text, s->out->names[0], sizeof(s->out->names[0]));
		say(s, P_EHLO, s->in.to.command, "EHLO %s", s->in.helo);
		break;
	case P_EHLO:
	case P_HELO:
		if (cls != 2) {
			if (s->phase == P_EHLO && cls == 5) {
				say(s, P_HELO, s->in.to.command, "HELO %s",
				    s->in.helo);
				return;
			}
			session_end(s, "EHLO and HELO refused");
			return;
		}
		first_word(s->text, s->out->names[1], sizeof(s->out->names[1]));
		next_probe(s);
		break;
	case P_MAIL:
		if (cls != 2) {
			probe_over(s, judge(c, s->text));
			return;
		}
		p = &s->in.battery->p[s->probe];
		if (p->bare_to)
			say(s, P_RCPT, s->in.to.command, "RCPT TO:%s", p->to);
		else
			say(s, P_RCPT, s->in.to.command, "RCPT TO:<%s>", p->to);
		break;
	case P_RCPT:
		if (cls != 2) {
			probe_over(s, judge(c, s->text));
			return;
		}
		/* DATA only after a recipient was accepted. */
		say(s, P_DATA, s->in.to.command, "DATA");
		break;
	case P_DATA:
		if (c != 354) {
			probe_over(s, judge(c, s->text));
			return;
		}
		send_message(s);
		break;
	case P_BODY:
		probe_over(s, cls == 2 ? OUT_ACCEPTED : judge(c, s->text));
		break;
	case P_RSET:
		next_probe(s);
		break;
	case P_QUIT:
		session_end(s, NULL);
		break;
	case P_CONNECT:
		break;
	}
}

/* Read reply lines; a reply ends at a line "NNN " (or "NNN"). */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;
	int		 code;

	if (s->phase == P_CONNECT) {
		session_end(s, "the server spoke before connecting");
		return;
	}
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		transcript_add(s->out, "S: ", line, len);
		if (len < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (len > 3 && line[3] != ' ' && line[3] != '-')) {
			free(line);
			session_end(s, "a reply that is not SMTP");
			return;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (s->lines == 0) {
			s->code = code;
			s->textlen = 0;
			s->text[0] = '\0';
		}
		if (code != s->code || ++s->lines > REPLY_LINES_MAX) {
			free(line);
			session_end(s, "a malformed multi-line reply");
			return;
		}
		if (len > 4 && s->textlen + len - 4 + 2 < sizeof(s->text)) {
			if (s->textlen > 0)
				s->text[s->textlen++] = ' ';
			memcpy(s->text + s->textlen, line + 4, len - 4);
			s->textlen += len - 4;
			s->text[s->textlen] = '\0';
		}
		if (len == 3 || line[3] == ' ') {
			free(line);
			s->lines = 0;
			on_reply(s);
			if (s->bev == NULL)	/* the session ended */
				return;
			continue;
		}
		free(line);
	}
	if (evbuffer_get_length(in) > LINE_MAX_SMTP)
		session_end(s, "a reply line too long");
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		note(s, "connected");
		s->phase = P_GREETING;
		evtimer_del(s->timer);
		arm(s, s->in.to.greeting);
		return;
	}
	if (what & BEV_EVENT_EOF)
		session_end(s, s->phase == P_QUIT ? NULL :
		    "the server closed the connection");
	else if (what & BEV_EVENT_ERROR)
		session_end(s, s->phase == P_CONNECT ? "connection failed" :
		    "connection lost");
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	static const char *const phases[] = {
		"connecting", "the greeting", "the EHLO reply",
		"the HELO reply", "the MAIL reply", "the RCPT reply",
		"the DATA reply", "the reply to the message",
		"the RSET reply", "the QUIT reply",
	};
	char		 why[64];

	(void)fd;
	(void)what;
	if (s->phase == P_QUIT) {
		session_end(s, NULL);
		return;
	}
	snprintf(why, sizeof(why), "timeout waiting for %s", phases[s->phase]);
	session_end(s, why);
}

/*
 * End the session: mark what it did not get to as failed (unless it
 * ended cleanly), and tell the owner.
 */
static void
deliver(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	s->in.done(s->in.arg, s);
}

static void
session_end(struct session *s, const char *why)
{
	size_t	i;

	if (s->ended)
		return;
	s->ended = true;
	if (why != NULL) {
		note(s, why);
		s->out->failed = true;
		snprintf(s->out->why, sizeof(s->out->why), "%s", why);
		for (i = s->probe; s->in.battery != NULL &&
		    i < s->in.first + s->in.count; i++)
			if (s->out->outcomes[i] == OUT_NONE)
				s->out->outcomes[i] = OUT_FAILED;
	}
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = NULL;
	evtimer_del(s->timer);
	/*
	 * Tell the owner from the loop, not from inside our callbacks: the
	 * owner may free the session then. An event of the session's own,
	 * so that session_abort() before it fires cancels it.
	 */
	event_active(s->done, EV_TIMEOUT, 0);
}

struct session *
session_start(const struct session_in *in, struct session_out *out)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->in = *in;
	s->out = out;
	s->probe = in->first;
	s->phase = P_CONNECT;
	s->bev = bufferevent_socket_new(in->base, -1, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(in->base, on_timeout, s);
	s->done = event_new(in->base, -1, 0, deliver, s);
	if (s->bev == NULL || s->timer == NULL || s->done == NULL) {
		session_abort(s);
		return NULL;
	}
	bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	arm(s, in->to.connect);
	if (bufferevent_socket_connect(s->bev, (struct sockaddr *)in->sa,
	    (int)in->salen) != 0) {
		session_abort(s);
		return NULL;
	}
	return s;
}

void
session_abort(struct session *s)
{
	if (s == NULL)
		return;
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->done != NULL)
		event_free(s->done);
	free(s);
}
