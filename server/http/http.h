/* SPDX-License-Identifier: ISC */
/*
 * http.h -- relaybl-http: the submission endpoint and the lookup pages
 *
 * request.c is the only file that sees libmicrohttpd: it collects a
 * request (headers, a body up to the configured size) into a struct req,
 * calls api_handle(), and sends the struct resp it gets back. api.c
 * routes and answers, reading and writing the store; page.c renders the
 * HTML pages; ratelimit.c keeps the token buckets and keys.c the API
 * keys. Everything but request.c works on plain structs, so tests drive
 * it without sockets.
 */
#ifndef RB_HTTP_H
#define RB_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

/* ---- a request and its response -------------------------------------- */

struct req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* the URL path, no query string */
	const char	*query_ip;	/* "?ip=" of the URL, or NULL */
	const char	*ctype;		/* Content-Type, or NULL */
	const char	*auth;		/* Authorization, or NULL */
	const char	*apikey;	/* X-API-Key, or NULL */
	const char	*origin;	/* Origin, or NULL */
	const char	*host;		/* Host, or NULL */
	const char	*body;		/* not NUL-terminated */
	size_t		 bodylen;
	struct addr	 client;	/* the peer's address */
	int64_t		 now;
};

struct resp {
	int		 status;
	const char	*ctype;		/* static */
	char		*body;		/* malloc'd, owned by the response */
	size_t		 len;
	const char	*allow;		/* static: an Allow header, or NULL */
	const char	*location;	/* static or in body: Location, or NULL */
	char		 locbuf[128];	/* room for a Location */
	int64_t		 retry_after;	/* > 0: a Retry-After header */
	bool		 challenge;	/* WWW-Authenticate: Bearer */
};

#define CT_JSON	"application/json"
#define CT_HTML	"text/html; charset=utf-8"

/* ---- keys.c ----------------------------------------------------------- */

struct keys;

/*
 * Read a keys file: one key a line, optionally followed by a name
 * ("KEY NAME"), '#' comments and blank lines ignored; a key is 16 to 128
 * printable characters.
 * @param err: on failure, "FILE:LINE: why".
 * @return the keys, or NULL with err set. An empty path gives no keys.
 */
struct keys	*keys_load(const char *path, char *err, size_t errlen);
void		 keys_free(struct keys *k);

/*
 * Compare key against every key held, in time that depends only on the
 * number and lengths of the keys held, never on where key differs.
 * @return the name of the matching key ("key N" if unnamed), or NULL.
 */
const char	*keys_match(const struct keys *k, const char *key);

/* ---- ratelimit.c ------------------------------------------------------ */

struct ratelimit;

/* A table of token buckets, forgetting the least recently used. */
struct ratelimit *ratelimit_new(size_t slots);
void		 ratelimit_free(struct ratelimit *rl);

/*
 * Take one token from the bucket named by (kind, name), which refills at
 * rate tokens an hour up to burst.
 * @param retry_after: set, when refused, to the seconds until a token.
 * @return true if a token was taken.
 */
bool		 ratelimit_take(struct ratelimit *rl, int kind, const void *name,
		    size_t namelen, unsigned int rate, unsigned int burst,
		    int64_t now, int64_t *retry_after);

#define RL_REPORT	1	/* reports by client address */
#define RL_KEY		2	/* reports by API key */
#define RL_RETEST	3	/* retest requests by client address */

/* ---- api.c ------------------------------------------------------------ */

struct api {
	const struct config	*conf;
	struct db		*db;
	pthread_rwlock_t	 keylock;	/* over the two below */
	struct keys		*apikeys;
	struct keys		*opkeys;
	struct ratelimit	*rl;
};

/*
 * Look key up in *which (api->apikeys or api->opkeys) under the lock,
 * so that main's SIGHUP may swap the keys at any time.
 * @param name: set to the key's name on a match.
 * @return whether key matched.
 */
bool	 api_key(struct api *api, struct keys *const *which, const char *key,
	    char *name, size_t namelen);

/* Answer req into *r (which starts zeroed). Never fails: errors are
 * answers. */
void	 api_handle(struct api *api, const struct req *req, struct resp *r);

/* Set r to a JSON error {"error": msg} with status. */
void	 api_error(struct resp *r, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* What the pages show of a host. */
struct ev_view {
	int64_t		 time;
	int		 kind, verdict, state;
	char		*text;		/* malloc'd copy */
	size_t		 len;
};

struct host_view {
	struct addr	 a;
	char		 ip[ADDR_STRLEN];
	bool		 found;
	struct host	 h;
	struct ev_view	 ev[EVIDENCE_KEEP];	/* newest first */
	size_t		 nev;
};

/* Read a host and its evidence. @return RB_OK (found or not) or error. */
int	 api_host_view(struct api *api, const struct addr *a,
	    struct host_view *v);
void	 host_view_clear(struct host_view *v);

/* ---- page.c ----------------------------------------------------------- */

/*
 * Render the pages into r (status, CT_HTML, body). Every text that came
 * from outside (addresses as typed, evidence transcripts, notices) is
 * HTML-escaped. The pages use no external resources and work without
 * JavaScript; with it, their forms call the JSON API instead.
 */
void	 page_index(struct resp *r, int status, const char *notice);
void	 page_host(struct resp *r, int status, const struct host_view *v,
	    const char *notice);
void	 page_error(struct resp *r, int status, const char *msg);

/*
 * A growing string. Functions that add to it set oom instead of failing;
 * the caller checks oom once at the end. p is NUL-terminated when len>0.
 */
struct sbuf {
	char	*p;
	size_t	 len, cap;
	bool	 oom;
};
void	 sbuf_add(struct sbuf *b, const char *s, size_t len);
void	 sbuf_printf(struct sbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Append s (len bytes) HTML-escaped: & < > " ' become entities, control
 * bytes other than newline and tab, and invalid UTF-8, become U+FFFD.
 */
void	 sbuf_escape(struct sbuf *b, const char *s, size_t len);

#endif /* RB_HTTP_H */
