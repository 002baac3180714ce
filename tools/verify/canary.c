/* SPDX-License-Identifier: ISC */
/*
 * canary.c -- the SMTP listener that receives what a relay passed on
 *
 * A host is open only when our test message, sent through it, arrives
 * here, so this is a small receiving MTA for the canary domain and
 * nothing more. It accepts recipients in that domain (or at one of our
 * own address literals) and refuses every other one: the canary must
 * never be a relay itself. A message is kept in memory up to a size
 * bound and searched for a token: the accepted recipients' local parts
 * first, then Subject and Message-ID, then the whole text; the first
 * valid one is an arrival. Bounces (a null sender, or a top-level
 * multipart/report) quote our tokens back and prove nothing, so they
 * are taken and dropped. Everything runs on bufferevents on the
 * caller's loop. The canary faces anyone on the Internet, so every
 * limit (line, size, recipients, messages, connections, errors, idle
 * time) is fixed here, and output is bounded: a client that pipelines
 * and never reads is stopped until it does.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "verify.h"

#define LINE_MAXLEN	1000		/* a line with its CRLF, RFC 5321 */
#define MSG_MAXSIZE	(256 * 1024)	/* a message, after unstuffing */
#define RCPT_MAX	100		/* recipients per message */
#define MSGS_MAX	50		/* messages per connection */
#define CONN_MAX	512		/* connections at once */
#define CONN_PER_NET	8		/* per /24 or /48 at once */
#define ERRORS_MAX	20		/* error replies, then 421 */
#define IDLE_SECS	60		/* with nothing read or written */
#define OUT_MAX		(64 * 1024)	/* pending replies, then stop reading */
#define HELO_MAXLEN	255

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum cstate {
	ST_GREETED,		/* no EHLO yet */
	ST_READY,		/* no transaction */
	ST_MAIL,		/* MAIL taken, no recipient yet */
	ST_RCPT,		/* a recipient taken */
	ST_DATA,		/* reading the message */
	ST_CLOSE,		/* last reply queued, then free */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct canary		*c;
	struct bufferevent	*bev;
	struct addr		 from;
	char			 peer[ADDR_STRLEN];
	char			 helo[HELO_MAXLEN + 1];
	enum cstate		 state;
	bool			 toolong;	/* skipping an over-long line */
	bool			 paused;	/* output full: reading stopped */
	bool			 nullpath;	/* MAIL FROM:<> */
	bool			 bol;		/* DATA: at the start of a line */
	bool			 have_tok;	/* tok came from a recipient */
	int			 drop;		/* DATA: reply code, if dropped */
	struct token		 tok;
	unsigned int		 nrcpt, nmsg, nerr;
	char			*data;		/* the message, unstuffed */
	size_t			 dlen, dcap;
};

struct canary {
	struct event_base	*base;
	uint8_t			 key[TOKEN_KEYLEN];
	canary_fn		 fn;
	void			*arg;
	char			 domain[CONF_NAMELEN];
	struct addr		 lit[CONF_MAXLISTEN + 1];	/* [literal]s */
	size_t			 nlit;
	struct evconnlistener	*ls[CONF_MAXLISTEN];
	size_t			 nls;
	struct event		*resume;	/* listeners after EMFILE */
	TAILQ_HEAD(, conn)	 conns;
	unsigned int		 nconns;
	unsigned long		 queued;	/* messages taken */
};

static void	 reply(struct conn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 conn_read(struct bufferevent *, void *);

/* ---- helpers ---------------------------------------------------------- */

/* Copy n bytes of s into dst for a log line, non-printables as '?'. */
static char *
printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && i + 1 < dstlen; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = '\0';
	return dst;
}

/*
 * The peer's address. Our IPv4 form is the mapped address, so an
 * IPv4-mapped IPv6 peer comes out the same as a plain IPv4 one.
 */
static bool
sa_addr(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET)
		addr_from_v4(a,
		    ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	else if (sa->sa_family == AF_INET6)
		memcpy(a->a,
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, 16);
	else
		return false;
	return true;
}

/* Is the domain d (as written in a path) ours? */
static bool
ours(const struct canary *c, const char *d)
{
	struct addr	 a;
	size_t		 n = strlen(d), i;
	const char	*s;

	if (d[0] == '[') {
		if (n < 3 || d[n - 1] != ']')
			return false;
		s = d + 1;
		n -= 2;
		if (n > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
			s += 5;
			n -= 5;
		}
		if (addr_parse(s, n, &a) != RB_OK)
			return false;
		for (i = 0; i < c->nlit; i++)
			if (memcmp(&a, &c->lit[i], sizeof(a)) == 0)
				return true;
		return false;
	}
	if (n > 0 && d[n - 1] == '.')
		n--;
	return n == strlen(c->domain) && strncasecmp(d, c->domain, n) == 0;
}

/*
 * Parse a path at s, "<...>" or bare, into out without its source
 * route. @return what follows it, or NULL if it is malformed or too long.
 */
static const char *
parse_path(const char *s, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n = 0, i, depth = 0;
	bool		 quoted = false, bare;

	while (*s == ' ')
		s++;
	bare = *s != '<';
	for (p = bare ? s : s + 1; *p != '\0'; p++) {
		if (!quoted && (bare ? *p == ' ' : *p == '>'))
			break;
		if (n + 2 >= outlen)
			return NULL;
		if (quoted && *p == '\\' && p[1] != '\0')
			out[n++] = *p++;
		else if (*p == '"')
			quoted = !quoted;
		out[n++] = *p;
	}
	if (quoted || (!bare && *p != '>') || (bare && n == 0))
		return NULL;
	out[n] = '\0';
	if (out[0] == '@') {
		/* "@a,@[IPv6:::1]:u@d": skip to the colon outside brackets */
		for (i = 0; out[i] != '\0' && (out[i] != ':' || depth); i++)
			if (out[i] == '[')
				depth++;
			else if (out[i] == ']' && depth > 0)
				depth--;
		if (out[i] != ':')
			return NULL;
		memmove(out, out + i + 1, n - i);
	}
	return bare ? p : p + 1;
}

/*
 * Find the next header field called name in the header section h at
 * or after *pos. @return its value (folds and all) in *v, *vlen.
 */
static bool
header_next(const char *h, size_t hlen, size_t *pos, const char *name,
    const char **v, size_t *vlen)
{
	size_t	 nlen = strlen(name), i = *pos, j, e;

	while (i < hlen) {
		for (e = i; e < hlen && h[e] != '\n'; e++)
			;
		j = i + nlen;
		if (j < e && strncasecmp(h + i, name, nlen) == 0) {
			while (j < e && (h[j] == ' ' || h[j] == '\t'))
				j++;
			if (j < e && h[j] == ':') {
				/* the field goes on while lines start with WSP */
				while (e + 1 < hlen &&
				    (h[e + 1] == ' ' || h[e + 1] == '\t'))
					for (e++; e < hlen && h[e] != '\n'; e++)
						;
				*v = h + j + 1;
				*vlen = e - j - 1;
				*pos = e + 1;
				return true;
			}
		}
		i = e + 1;
	}
	*pos = hlen;
	return false;
}

/* @return the length of the header section, its last CRLF included. */
static size_t
header_len(const char *d, size_t len)
{
	const char	*p;

	if (len >= 2 && d[0] == '\r' && d[1] == '\n')
		return 0;
	if (len < 4 || (p = memmem(d, len, "\r\n\r\n", 4)) == NULL)
		return len;
	return (size_t)(p - d) + 2;
}

/* Is a top-level Content-Type multipart/report: a delivery report? */
static bool
is_report(const char *h, size_t hlen)
{
	static const char	 rep[] = "multipart/report";
	const char		*v;
	size_t			 vlen, pos = 0;

	while (header_next(h, hlen, &pos, "content-type", &v, &vlen)) {
		while (vlen > 0 && (*v == ' ' || *v == '\t' || *v == '\r' ||
		    *v == '\n')) {
			v++;
			vlen--;
		}
		if (vlen >= sizeof(rep) - 1 &&
		    strncasecmp(v, rep, sizeof(rep) - 1) == 0)
			return true;
	}
	return false;
}

/* ---- connections ------------------------------------------------------ */

static void
conn_free(struct conn *cn)
{
	struct canary	*c = cn->c;

	TAILQ_REMOVE(&c->conns, cn, entry);
	c->nconns--;
	bufferevent_free(cn->bev);
	free(cn->data);
	free(cn);
}

/* Stop reading; the write callback frees cn once the last reply left. */
static void
conn_quit(struct conn *cn)
{
	cn->state = ST_CLOSE;
	bufferevent_disable(cn->bev, EV_READ);
}

/*
 * Queue one reply line. Every 4xx and 5xx counts as an error; a client
 * that makes too many is told so and dropped.
 */
static void
reply(struct conn *cn, const char *fmt, ...)
{
	static const char	 toomany[] = "421 4.7.0 too many errors";
	struct evbuffer		*out = bufferevent_get_output(cn->bev);
	char			 buf[512];
	va_list			 ap;
	int			 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	log_debug("canary: %s: > %s", cn->peer, buf);
	evbuffer_add(out, buf, (size_t)n);
	evbuffer_add(out, "\r\n", 2);
	if ((buf[0] == '4' || buf[0] == '5') && strncmp(buf, "421", 3) != 0 &&
	    ++cn->nerr >= ERRORS_MAX) {
		log_debug("canary: %s: > %s", cn->peer, toomany);
		evbuffer_add_printf(out, "%s\r\n", toomany);
		conn_quit(cn);
	}
}

static void
reset(struct conn *cn)
{
	if (cn->state != ST_GREETED && cn->state != ST_CLOSE)
		cn->state = ST_READY;
	cn->nullpath = false;
	cn->have_tok = false;
	cn->nrcpt = 0;
	cn->dlen = 0;
	cn->drop = 0;
}

/* ---- commands --------------------------------------------------------- */

static void
set_helo(struct conn *cn, const char *arg)
{
	size_t	n;

	for (n = 0; arg[n] != '\0' && arg[n] != ' ' && n < HELO_MAXLEN; n++)
		cn->helo[n] = arg[n] > 0x20 && arg[n] < 0x7f ? arg[n] : '?';
	cn->helo[n] = '\0';
	cn->state = ST_READY;
	reset(cn);
}

static void
c_mail(struct conn *cn, const char *arg)
{
	char		 path[ADDRLEN_MAX];
	const char	*p;
	unsigned long	 size;

	if (cn->state != ST_READY) {
		reply(cn, "503 5.5.1 %s", cn->state == ST_GREETED ?
		    "send EHLO first" : "nested MAIL command");
		return;
	}
	if (cn->nmsg >= MSGS_MAX) {
		reply(cn, "421 4.7.0 too many messages, closing");
		conn_quit(cn);
		return;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0 ||
	    (p = parse_path(arg + 5, path, sizeof(path))) == NULL) {
		reply(cn, "501 5.5.4 syntax: MAIL FROM:<address>");
		return;
	}
	/* parameters: only SIZE matters, the rest is ignored */
	while ((p = strchr(p, ' ')) != NULL) {
		while (*p == ' ')
			p++;
		if (strncasecmp(p, "SIZE=", 5) == 0) {
			size = strtoul(p + 5, NULL, 10);
			if (size > MSG_MAXSIZE) {
				reply(cn, "552 5.3.4 message size exceeds "
				    "fixed limit");
				return;
			}
		}
	}
	reset(cn);
	cn->nullpath = path[0] == '\0';
	cn->state = ST_MAIL;
	reply(cn, "250 2.1.0 ok");
}

static void
c_rcpt(struct conn *cn, const char *arg)
{
	struct canary	*c = cn->c;
	char		 path[ADDRLEN_MAX], *at;

	if (cn->state != ST_MAIL && cn->state != ST_RCPT) {
		reply(cn, "503 5.5.1 need MAIL command");
		return;
	}
	if (strncasecmp(arg, "TO:", 3) != 0 ||
	    parse_path(arg + 3, path, sizeof(path)) == NULL || path[0] == '\0') {
		reply(cn, "501 5.5.4 syntax: RCPT TO:<address>");
		return;
	}
	if (cn->nrcpt >= RCPT_MAX) {
		reply(cn, "452 4.5.3 too many recipients");
		return;
	}
	/* not even postmaster: mail for anywhere else would be relaying */
	if ((at = strrchr(path, '@')) == NULL || !ours(c, at + 1)) {
		reply(cn, "550 5.7.1 relaying denied");
		return;
	}
	if (!cn->have_tok &&
	    token_find(c->key, path, (size_t)(at - path), &cn->tok))
		cn->have_tok = true;
	cn->nrcpt++;
	cn->state = ST_RCPT;
	reply(cn, "250 2.1.5 ok");
}

static const char *const verbs[] = {
	"EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY",
	/* known to RFC 5321 and its extensions, but not here */
	"EXPN", "HELP", "STARTTLS", "AUTH", "BDAT", "ETRN", "TURN",
};
enum verb { V_EHLO, V_HELO, V_MAIL, V_RCPT, V_DATA, V_RSET, V_NOOP, V_QUIT,
	    V_VRFY };

static void
command(struct conn *cn, char *line, size_t len)
{
	char		 text[128];
	const char	*arg;
	size_t		 v, vlen;

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		line[--len] = '\0';
	log_debug("canary: %s: < %s", cn->peer,
	    printable(text, sizeof(text), line, len));
	if (memchr(line, '\0', len) != NULL) {
		reply(cn, "500 5.5.2 syntax error");
		return;
	}
	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	for (arg = line + vlen; *arg == ' '; arg++)
		;
	for (v = 0; v < nitems(verbs); v++)
		if (strlen(verbs[v]) == vlen &&
		    strncasecmp(line, verbs[v], vlen) == 0)
			break;
	switch (v) {
	case V_EHLO:
	case V_HELO:
		if (*arg == '\0') {
			reply(cn, "501 5.5.4 syntax: %s hostname", verbs[v]);
			break;
		}
		set_helo(cn, arg);
		if (v == V_HELO) {
			reply(cn, "250 %s", cn->c->domain);
			break;
		}
		reply(cn, "250-%s", cn->c->domain);
		reply(cn, "250-8BITMIME");
		reply(cn, "250-SIZE %d", MSG_MAXSIZE);
		reply(cn, "250 PIPELINING");
		break;
	case V_MAIL:
		c_mail(cn, arg);
		break;
	case V_RCPT:
		c_rcpt(cn, arg);
		break;
	case V_DATA:
		if (*arg != '\0')
			reply(cn, "501 5.5.4 syntax: DATA");
		else if (cn->state != ST_RCPT)
			reply(cn, "503 5.5.1 need RCPT command");
		else {
			cn->state = ST_DATA;
			cn->bol = true;
			reply(cn, "354 end data with <CR><LF>.<CR><LF>");
		}
		break;
	case V_RSET:
		reset(cn);
		/* FALLTHROUGH */
	case V_NOOP:
		reply(cn, "250 2.0.0 ok");
		break;
	case V_QUIT:
		reply(cn, "221 2.0.0 %s closing", cn->c->domain);
		conn_quit(cn);
		break;
	case V_VRFY:
		reply(cn, "252 2.5.0 cannot verify, send mail");
		break;
	default:
		if (v < nitems(verbs))
			reply(cn, "502 5.5.1 command not implemented");
		else
			reply(cn, "500 5.5.2 command unrecognized");
	}
}

/*
 * Take one command line from in. @return false when no whole line is
 * there yet.
 */
static bool
command_step(struct conn *cn, struct evbuffer *in)
{
	char			 line[LINE_MAXLEN + 1];
	struct evbuffer_ptr	 p;
	size_t			 eol, len;

	p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF);
	if (p.pos < 0) {
		/* no end in sight: drop what we have, answer at the end */
		if ((len = evbuffer_get_length(in)) > LINE_MAXLEN) {
			evbuffer_drain(in, len);
			cn->toolong = true;
		}
		return false;
	}
	len = (size_t)p.pos;
	if (cn->toolong || len + eol > LINE_MAXLEN) {
		evbuffer_drain(in, len + eol);
		cn->toolong = false;
		reply(cn, "500 5.5.2 line too long");
		return true;
	}
	evbuffer_remove(in, line, len);
	evbuffer_drain(in, eol);
	line[len] = '\0';
	command(cn, line, len);
	return true;
}

/* ---- messages --------------------------------------------------------- */

static void
append(struct conn *cn, const char *s, size_t n)
{
	size_t	 cap;
	char	*d;

	if (cn->drop != 0)
		return;
	if (n > MSG_MAXSIZE - cn->dlen) {
		cn->drop = 552;
		return;
	}
	if (cn->dlen + n > cn->dcap) {
		for (cap = cn->dcap ? cn->dcap : 16384; cap < cn->dlen + n;)
			cap *= 2;
		if (cap > MSG_MAXSIZE)
			cap = MSG_MAXSIZE;
		if ((d = realloc(cn->data, cap)) == NULL) {
			log_warn("%s", __func__);
			cn->drop = 452;
			return;
		}
		cn->data = d;
		cn->dcap = cap;
	}
	memcpy(cn->data + cn->dlen, s, n);
	cn->dlen += n;
}

/* Search a message for a token: recipients, Subject, Message-ID, all. */
static bool
find_token(struct conn *cn, struct token *t)
{
	static const char *const names[] = { "subject", "message-id" };
	const uint8_t		*key = cn->c->key;
	const char		*v;
	size_t			 hlen, vlen, pos, i;

	if (cn->have_tok) {
		*t = cn->tok;
		return true;
	}
	hlen = header_len(cn->data, cn->dlen);
	for (i = 0; i < nitems(names); i++) {
		pos = 0;
		if (header_next(cn->data, hlen, &pos, names[i], &v, &vlen) &&
		    token_find(key, v, vlen, t))
			return true;
	}
	return token_find(key, cn->data, cn->dlen, t);
}

static void
message_end(struct conn *cn)
{
	struct canary	*c = cn->c;
	struct token	 t;
	char		 a[ADDR_STRLEN];
	unsigned long	 id;
	int		 drop;

	cn->state = ST_READY;
	cn->nmsg++;
	if ((drop = cn->drop) != 0) {
		reset(cn);
		if (drop == 552)
			reply(cn, "552 5.3.4 message too big");
		else
			reply(cn, "452 4.3.1 insufficient system storage");
		return;
	}
	id = ++c->queued;
	if (cn->nullpath)
		log_debug("canary: %s: message %lu: null sender, ignored",
		    cn->peer, id);
	else if (is_report(cn->data, header_len(cn->data, cn->dlen)))
		log_debug("canary: %s: message %lu: a report, ignored",
		    cn->peer, id);
	else if (find_token(cn, &t)) {
		log_info("canary: token for %s probe %d from %s",
		    addr_format(&t.addr, a), t.probe, cn->peer);
		/* before the reply: whoever sees the 250 sees the arrival */
		c->fn(c->arg, &t, &cn->from, cn->helo);
	} else
		log_debug("canary: %s: message %lu: no token", cn->peer, id);
	reset(cn);
	reply(cn, "250 2.0.0 queued as %lu", id);
}

/*
 * Take one line of DATA from in, or a piece of an over-long one.
 * @return false when more input is needed.
 */
static bool
data_step(struct conn *cn, struct evbuffer *in)
{
	char			 line[LINE_MAXLEN];
	struct evbuffer_ptr	 p;
	size_t			 eol, n;
	const char		*s = line;
	bool			 whole;

	/* only CRLF ends a line: a bare LF does not end the message */
	p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF_STRICT);
	if (p.pos >= 0 && (size_t)p.pos + eol <= sizeof(line)) {
		n = (size_t)p.pos + eol;
		whole = true;
	} else if (evbuffer_get_length(in) >= sizeof(line)) {
		n = sizeof(line);
		whole = false;
	} else
		return false;
	evbuffer_copyout(in, line, n);
	/* never split a CRLF: the next piece would not start a line */
	if (!whole && line[n - 1] == '\r')
		n--;
	evbuffer_drain(in, n);
	if (whole && cn->bol && n == 3 && line[0] == '.') {
		message_end(cn);
		return true;
	}
	if (cn->bol && line[0] == '.') {
		s++;
		n--;
	}
	append(cn, s, n);
	cn->bol = whole;
	return true;
}

/* ---- events ----------------------------------------------------------- */

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn	*cn = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*out = bufferevent_get_output(bev);

	while (cn->state != ST_CLOSE) {
		if (evbuffer_get_length(out) > OUT_MAX) {
			cn->paused = true;
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (!(cn->state == ST_DATA ? data_step(cn, in) :
		    command_step(cn, in)))
			return;
	}
}

/* The output drained. */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*cn = arg;

	if (cn->state == ST_CLOSE) {
		conn_free(cn);
		return;
	}
	if (cn->paused) {
		cn->paused = false;
		bufferevent_enable(bev, EV_READ);
		conn_read(bev, cn);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*cn = arg;
	bool		 pending;

	pending = evbuffer_get_length(bufferevent_get_output(bev)) > 0;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    cn->state != ST_CLOSE) {
		log_debug("canary: %s: idle, closing", cn->peer);
		reply(cn, "421 4.4.2 %s idle too long, closing",
		    cn->c->domain);
		conn_quit(cn);
		return;
	}
	/* a client that shut down its side may still read our last reply */
	if ((what & BEV_EVENT_EOF) && pending) {
		conn_quit(cn);
		return;
	}
	log_debug("canary: %s: %s", cn->peer, what & BEV_EVENT_EOF ?
	    "disconnected" : what & BEV_EVENT_TIMEOUT ? "write timeout" :
	    "connection error");
	conn_free(cn);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	static const char	 busy[] = "421 4.7.0 too many connections\r\n";
	struct canary		*c = arg;
	struct conn		*cn;
	struct timeval		 tv = { IDLE_SECS, 0 };

	struct addr		 from;
	struct conn		*o;
	unsigned int		 same = 0;

	(void)l;
	(void)salen;
	/*
	 * A few idle connections from one network must not shut the
	 * canary for the relays that deliver to it: limit each network.
	 */
	sa_addr(sa, &from);
	TAILQ_FOREACH(o, &c->conns, entry)
		same += memcmp(o->from.a, from.a, addr_is_v4(&from) ? 15 :
		    6) == 0;
	if (c->nconns >= CONN_MAX || same >= CONN_PER_NET) {
		log_debug("canary: too many connections, refused one");
		(void)send(fd, busy, sizeof(busy) - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		evutil_closesocket(fd);
		return;
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL ||
	    (cn->bev = bufferevent_socket_new(c->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		free(cn);
		evutil_closesocket(fd);
		return;
	}
	cn->c = c;
	sa_addr(sa, &cn->from);
	addr_format(&cn->from, cn->peer);
	TAILQ_INSERT_TAIL(&c->conns, cn, entry);
	c->nconns++;
	log_debug("canary: %s: connected", cn->peer);
	bufferevent_setcb(cn->bev, conn_read, conn_write, conn_event, cn);
	bufferevent_set_timeouts(cn->bev, &tv, &tv);
	bufferevent_enable(cn->bev, EV_READ | EV_WRITE);
	reply(cn, "220 %s relaybl canary ESMTP", c->domain);
}

/* Out of descriptors, most likely: pause a second rather than spin. */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	struct canary	*c = arg;
	struct timeval	 tv = { 1, 0 };
	size_t		 i;

	(void)l;
	log_warn("%s: accept", __func__);
	for (i = 0; i < c->nls; i++)
		evconnlistener_disable(c->ls[i]);
	evtimer_add(c->resume, &tv);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct canary	*c = arg;
	size_t		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < c->nls; i++)
		evconnlistener_enable(c->ls[i]);
}

/* ---- API -------------------------------------------------------------- */

struct canary *
canary_new(struct event_base *base, const struct config *conf,
    const uint8_t key[TOKEN_KEYLEN], canary_fn fn, void *arg)
{
	const struct listen_addr	*la;
	struct canary			*c;
	size_t				 i;
	int				 e;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->conns);
	if (base == NULL || fn == NULL || conf->canary_listen.n == 0 ||
	    conf->canary_domain[0] == '\0') {
		errno = EINVAL;
		goto fail;
	}
	c->base = base;
	memcpy(c->key, key, TOKEN_KEYLEN);
	c->fn = fn;
	c->arg = arg;
	snprintf(c->domain, sizeof(c->domain), "%s", conf->canary_domain);
	if (conf->canary_address[0] != '\0' &&
	    addr_parse_str(conf->canary_address, &c->lit[c->nlit]) == RB_OK)
		c->nlit++;
	if ((c->resume = evtimer_new(base, resume_cb, c)) == NULL)
		goto fail;
	for (i = 0; i < conf->canary_listen.n; i++) {
		la = &conf->canary_listen.a[i];
		if (sa_addr((const struct sockaddr *)&la->ss, &c->lit[c->nlit]))
			c->nlit++;
		errno = 0;
		c->ls[c->nls] = evconnlistener_new_bind(base, accept_cb, c,
		    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 128,
		    (const struct sockaddr *)&la->ss, (int)la->len);
		if (c->ls[c->nls] == NULL) {
			if (errno == 0)
				errno = EADDRNOTAVAIL;
			log_warn("%s: %s", __func__, la->text);
			goto fail;
		}
		evconnlistener_set_error_cb(c->ls[c->nls++], accept_error);
		log_info("canary: listening on %s for %s", la->text, c->domain);
	}
	return c;
fail:
	e = errno;
	canary_free(c);
	errno = e;
	return NULL;
}

void
canary_free(struct canary *c)
{
	struct conn	*cn;
	size_t		 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nls; i++)
		evconnlistener_free(c->ls[i]);
	while ((cn = TAILQ_FIRST(&c->conns)) != NULL)
		conn_free(cn);
	if (c->resume != NULL)
		event_free(c->resume);
	explicit_bzero(c->key, sizeof(c->key));
	free(c);
}
