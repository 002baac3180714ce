/* SPDX-License-Identifier: ISC */
/*
 * request.c -- libmicrohttpd in, struct req out, struct resp back
 *
 * The only file that sees MHD. The access handler is called once with
 * the headers, then with each piece of the body, then once more with
 * none: we answer on that last call (answering on the first made MHD
 * close keep-alive connections). A body is collected up to the
 * configured size; a larger one gets 413, at once if the client waits
 * for it, else after the body is read and dropped (up to a bound). A request that trickles in is cut off at twice
 * the connection timeout, whatever MHD's idle timer thinks.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "request.h"

/* One request being read. */
struct upload {
	char	*buf;
	size_t	 len;
	size_t	 dropped;	/* bytes past the limit, read and dropped */
	bool	 answered;
};

/* A body over the limit is read and dropped up to this, then cut off. */
#define DROP_MAX	(8 << 20)

/* ---- deadlines ---------------------------------------------------------
 *
 * MHD's connection timeout counts idle time only: a client that sends a
 * byte a second never idles and holds its connection for hours. So we
 * note when each request began to arrive, and request_sweep() (from the
 * main thread, once a second) shuts down the sockets of requests not
 * read whole within their deadline. MHD notices and closes them. The
 * table is under a mutex, and a socket leaves it before MHD closes it,
 * so a sweep never touches a descriptor reused by another connection.
 */

struct track {
	int		 fd;		/* -1: free */
	time_t		 start;		/* when this request began */
	bool		 reading;	/* not all read yet */
};

static void
track_set(struct request_ctx *ctx, int fd, bool reading)
{
	size_t	i, free_slot = ctx->ntracks;

	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->ntracks; i++) {
		if (ctx->tracks[i].fd == fd)
			break;
		if (ctx->tracks[i].fd == -1 && free_slot == ctx->ntracks)
			free_slot = i;
	}
	if (i == ctx->ntracks)
		i = free_slot;
	if (i < ctx->ntracks) {
		if (ctx->tracks[i].fd != fd || !ctx->tracks[i].reading)
			ctx->tracks[i].start = time(NULL);
		ctx->tracks[i].fd = fd;
		ctx->tracks[i].reading = reading;
	}
	pthread_mutex_unlock(&ctx->lock);
}

static int
conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL ? ci->connect_fd : -1;
}

static void
track_done(struct request_ctx *ctx, struct MHD_Connection *c)
{
	track_set(ctx, conn_fd(c), false);
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct request_ctx	*ctx = cls;
	int			 fd = conn_fd(c);
	size_t			 i;

	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		track_set(ctx, fd, true);
		return;
	}
	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->ntracks; i++)
		if (ctx->tracks[i].fd == fd)
			ctx->tracks[i].fd = -1;
	pthread_mutex_unlock(&ctx->lock);
}

void
request_sweep(struct request_ctx *ctx)
{
	time_t	now = time(NULL);
	size_t	i;

	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->ntracks; i++)
		if (ctx->tracks[i].fd != -1 && ctx->tracks[i].reading &&
		    now - ctx->tracks[i].start >= 2 * ctx->conf->http_timeout) {
			log_debug("request on fd %d too slow: cut off",
			    ctx->tracks[i].fd);
			shutdown(ctx->tracks[i].fd, SHUT_RDWR);
			ctx->tracks[i].reading = false;
		}
	pthread_mutex_unlock(&ctx->lock);
}

/*
 * Decode %HH escapes as MHD would, but never into a NUL: "%00" would cut
 * a path or an argument short, so that "1.2.3.4%00junk" read as an
 * address. It becomes DEL, which nothing accepts.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char	*w = s, *r = s;
	int	 hi, lo;

	(void)cls;
	(void)c;
	for (; *r != '\0'; r++) {
		if (r[0] == '%' && (hi = addr_hexval(r[1])) >= 0 &&
		    (lo = addr_hexval(r[2])) >= 0) {
			*w++ = hi == 0 && lo == 0 ? 0x7f : (char)(hi << 4 | lo);
			r += 2;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct resp *r)
{
	struct MHD_Response	*mr;
	enum MHD_Result		 ret;
	char			 n[32];

	mr = MHD_create_response_from_buffer(r->len, r->body,
	    MHD_RESPMEM_MUST_FREE);
	if (mr == NULL) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(mr, "Content-Type", r->ctype != NULL ?
	    r->ctype : CT_JSON);
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	if (r->ctype != NULL && strcmp(r->ctype, CT_HTML) == 0)
		MHD_add_response_header(mr, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; "
		    "script-src 'unsafe-inline'; connect-src 'self'; "
		    "form-action 'self'; base-uri 'none'; "
		    "frame-ancestors 'none'");
	if (r->allow != NULL)
		MHD_add_response_header(mr, "Allow", r->allow);
	if (r->location != NULL)
		MHD_add_response_header(mr, "Location", r->location);
	if (r->challenge)
		MHD_add_response_header(mr, "WWW-Authenticate",
		    "Bearer realm=\"relaybl\"");
	if (r->retry_after > 0) {
		snprintf(n, sizeof(n), "%lld", (long long)r->retry_after);
		MHD_add_response_header(mr, "Retry-After", n);
	}
	ret = MHD_queue_response(c, (unsigned int)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result
too_big(struct MHD_Connection *c, struct upload *up, size_t max)
{
	struct resp	r;

	memset(&r, 0, sizeof(r));
	api_error(&r, 413, "the body is over %zu bytes", max);
	up->answered = true;
	return send_resp(c, &r);
}

static void
client_addr(struct MHD_Connection *c, struct addr *a)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)ci->client_addr;
		addr_from_v4(a, ntohl(sin->sin_addr.s_addr));
	} else if (ci->client_addr->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)ci->client_addr;
		memcpy(a->a, &sin6->sin6_addr, 16);
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct request_ctx	*ctx = cls;
	struct upload		*up = *con_cls;
	struct req		 req;
	struct resp		 r;
	const char		*clen, *expect;
	unsigned long long	 n;
	char			*p;

	(void)version;
	if (up == NULL) {
		if ((up = calloc(1, sizeof(*up))) == NULL)
			return MHD_NO;
		*con_cls = up;
		clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_EXPECT);
		/*
		 * Too big, and said so: answer now if the client waits for
		 * our word (Expect: 100-continue) or the body is huge. Else
		 * the client is sending already, and closing on an unread
		 * body would reset the connection and lose the answer: read
		 * and drop it, and answer at its end.
		 */
		if (clen != NULL && (n = strtoull(clen, NULL, 10)) >
		    ctx->conf->http_max_body && (expect != NULL ||
		    n > DROP_MAX))
			return too_big(c, up, ctx->conf->http_max_body);
		return MHD_YES;
	}
	if (up->answered) {
		*size = 0;
		return MHD_YES;
	}
	if (*size > 0) {
		/*
		 * Over the limit without a Content-Length saying so (a
		 * chunked body): MHD takes no answer in the middle of an
		 * upload, so drop the rest and answer 413 at its end.
		 */
		if (up->dropped > 0 ||
		    up->len + *size > ctx->conf->http_max_body) {
			up->dropped += *size;
			*size = 0;
			return up->dropped > DROP_MAX ? MHD_NO : MHD_YES;
		}
		if ((p = realloc(up->buf, up->len + *size)) == NULL)
			return MHD_NO;
		memcpy(p + up->len, data, *size);
		up->buf = p;
		up->len += *size;
		*size = 0;
		return MHD_YES;
	}

	track_done(ctx, c);
	if (up->dropped > 0)
		return too_big(c, up, ctx->conf->http_max_body);
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.method = method;
	req.path = url;
	req.query_ip = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "ip");
	req.ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	req.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	req.apikey = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-API-Key");
	req.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Origin");
	req.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	req.body = up->buf;
	req.bodylen = up->len;
	req.now = time(NULL);
	client_addr(c, &req.client);
	api_handle(ctx->api, &req, &r);
	up->answered = true;
	return send_resp(c, &r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct upload	*up = *con_cls;

	(void)toe;
	/* A keep-alive connection's next request starts its own clock. */
	track_set(cls, conn_fd(c), true);
	if (up != NULL) {
		free(up->buf);
		free(up);
	}
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("mhd: %s", buf);
}

struct MHD_Daemon *
request_start(struct request_ctx *ctx)
{
	const struct config		*conf = ctx->conf;
	const struct listen_addr	*la = &conf->http_listen.a[0];
	unsigned int			 flags;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG;
	if (la->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (ctx->tracks == NULL) {
		ctx->ntracks = conf->http_conn_limit;
		if ((ctx->tracks = calloc(ctx->ntracks,
		    sizeof(*ctx->tracks))) == NULL)
			return NULL;
		pthread_mutex_init(&ctx->lock, NULL);
	}
	for (size_t i = 0; i < ctx->ntracks; i++)
		ctx->tracks[i].fd = -1;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, ctx,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&la->ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)conf->http_timeout,
	    MHD_OPTION_CONNECTION_LIMIT, conf->http_conn_limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, conf->http_per_ip_limit,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, ctx,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
}

void
request_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
}
