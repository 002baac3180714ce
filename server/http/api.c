/* SPDX-License-Identifier: ISC */
/*
 * api.c -- route a request and answer it: the JSON API and the pages
 *
 * Routes are a table of (method, pattern) so that a known path with the
 * wrong method gets 405 and its Allow header. Every handler parses what
 * it was given as hostile: an address strictly (no trailing junk), a body
 * only as the content type it claims, and answers a mistake with a JSON
 * error that says what to do. Reports and retests are rate limited per
 * client address (reporters with an API key have their own, larger
 * buckets); the operator's key allows listing and delisting by hand.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "log.h"
#include "special.h"

#define API_HOSTS	"/api/v1/hosts/"

/* ---- responses -------------------------------------------------------- */

void
api_error(struct resp *r, int status, const char *fmt, ...)
{
	char	 msg[512];
	json_t	*j;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(r->body);
	r->body = NULL;
	r->status = status;
	r->ctype = CT_JSON;
	if ((j = json_pack("{s:s}", "error", msg)) != NULL) {
		r->body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	r->len = r->body != NULL ? strlen(r->body) : 0;
}

/* Send j (taking it) with status. */
static void
send_json(struct resp *r, int status, json_t *j)
{
	free(r->body);
	r->body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (r->body == NULL) {
		api_error(r, 500, "out of memory");
		return;
	}
	r->status = status;
	r->ctype = CT_JSON;
	r->len = strlen(r->body);
}

static const char *
iso(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Add "name": time as ISO 8601, or null. */
static void
set_time(json_t *o, const char *name, int64_t t)
{
	char		 buf[32];
	const char	*s = iso(t, buf, sizeof(buf));

	json_object_set_new(o, name, s != NULL ? json_string(s) : json_null());
}

/*
 * A JSON string of a peer's bytes: as they are when they are UTF-8,
 * else with every byte outside ASCII replaced by '?'.
 */
static json_t *
json_text(const char *s, size_t len)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if ((j = json_stringn(s, len)) != NULL)
		return j;
	if ((copy = malloc(len + 1)) == NULL)
		return json_string("");
	for (i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] < 0x80 && s[i] != '\0' ? s[i] :
		    '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* The JSON of a host, with its evidence when v has it. */
static json_t *
host_json(const struct host_view *v)
{
	const struct host	*h = &v->h;
	json_t			*o, *ev, *e;
	char			 answer[16];
	size_t			 i;

	o = json_object();
	json_object_set_new(o, "ip", json_string(v->ip));
	json_object_set_new(o, "state", json_string(host_state_name(h->state)));
	if (h->state == HOST_LISTED) {
		snprintf(answer, sizeof(answer), "127.0.0.%d", h->code);
		json_object_set_new(o, "code", json_integer(h->code));
		json_object_set_new(o, "answer", json_string(answer));
	} else
		json_object_set_new(o, "answer", json_null());
	json_object_set_new(o, "manual", json_boolean(h->flags &
	    HOST_F_MANUAL));
	set_time(o, "first_seen", h->first_seen);
	set_time(o, "listed_at", h->listed_at);
	set_time(o, "last_test", h->last_test);
	json_object_set_new(o, "queue", json_string(due_queue_name(h->queue)));
	set_time(o, "next_test", h->queue != DUE_NONE ? h->next_test : 0);
	json_object_set_new(o, "reports", json_integer(h->reports));
	json_object_set_new(o, "tests", json_integer(h->tests));
	ev = json_array();
	for (i = 0; i < v->nev; i++) {
		e = json_object();
		set_time(e, "time", v->ev[i].time);
		json_object_set_new(e, "kind", json_string(
		    evidence_kind_name(v->ev[i].kind)));
		json_object_set_new(e, "verdict", json_integer(
		    v->ev[i].verdict));
		json_object_set_new(e, "transcript", json_text(v->ev[i].text,
		    v->ev[i].len));
		json_array_append_new(ev, e);
	}
	json_object_set_new(o, "evidence", ev);
	return o;
}

/* ---- reading a host --------------------------------------------------- */

/* Copy one evidence entry into the view (the walk goes oldest first). */
static int
collect_ev(void *arg, const struct evidence *e)
{
	struct host_view	*v = arg;
	struct ev_view		*ev;

	/* The store keeps EVIDENCE_KEEP a host: more cannot come. */
	if (v->nev == EVIDENCE_KEEP)
		return 0;
	ev = &v->ev[v->nev];
	if ((ev->text = malloc(e->textlen + 1)) == NULL)
		return RB_ENOMEM;
	memcpy(ev->text, e->text, e->textlen);
	ev->text[e->textlen] = '\0';
	ev->len = e->textlen;
	ev->time = e->time;
	ev->kind = e->kind;
	ev->verdict = e->verdict;
	ev->state = e->state;
	v->nev++;
	return 0;
}

int
api_host_view(struct api *api, const struct addr *a, struct host_view *v)
{
	struct ev_view	t;
	size_t		i;
	int		rc;

	memset(v, 0, sizeof(*v));
	v->a = *a;
	addr_format(a, v->ip);
	if ((rc = db_read_begin(api->db)) != RB_OK)
		return rc;
	rc = db_get_host(api->db, a, &v->h);
	if (rc == RB_OK) {
		v->found = true;
		rc = db_walk_evidence(api->db, a, collect_ev, v);
	} else if (rc == RB_ENOENT)
		rc = RB_OK;
	db_read_end(api->db);
	/* Newest first, as the pages and the API show it. */
	for (i = 0; i < v->nev / 2; i++) {
		t = v->ev[i];
		v->ev[i] = v->ev[v->nev - 1 - i];
		v->ev[v->nev - 1 - i] = t;
	}
	return rc;
}

void
host_view_clear(struct host_view *v)
{
	size_t	i;

	for (i = 0; i < v->nev; i++)
		free(v->ev[i].text);
	v->nev = 0;
}

/* ---- parsing what the client sent ------------------------------------- */

/* The media type of a Content-Type, without parameters, is t. */
static bool
ctype_is(const char *ctype, const char *t)
{
	size_t	len = strlen(t);

	return ctype != NULL && strncasecmp(ctype, t, len) == 0 &&
	    (ctype[len] == '\0' || ctype[len] == ';' || ctype[len] == ' ');
}

/*
 * Find name in a form body (application/x-www-form-urlencoded) and
 * decode its value into out. @return 0, or -1 if absent, too long or
 * badly escaped.
 */
static int
form_get(const char *body, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t	 i = 0, nlen = strlen(name), o;
	int	 hi, lo;

	while (i < len) {
		size_t end = i;

		while (end < len && body[end] != '&')
			end++;
		if (end - i > nlen && memcmp(body + i, name, nlen) == 0 &&
		    body[i + nlen] == '=') {
			for (i += nlen + 1, o = 0; i < end; i++) {
				if (o + 1 >= outlen)
					return -1;
				if (body[i] == '+')
					out[o++] = ' ';
				else if (body[i] != '%')
					out[o++] = body[i];
				else if (i + 2 < end + 1 && i + 2 < len &&
				    (hi = addr_hexval(body[i + 1])) >= 0 &&
				    (lo = addr_hexval(body[i + 2])) >= 0) {
					out[o++] = (char)(hi << 4 | lo);
					i += 2;
				} else
					return -1;
			}
			out[o] = '\0';
			return strlen(out) == o ? 0 : -1;
		}
		i = end + 1;
	}
	return -1;
}

/*
 * The "ip" a report carries, as JSON or as a form. On failure r holds
 * the error to send. @return 0 and *a, or -1.
 */
static int
body_ip(const struct req *req, struct resp *r, struct addr *a, char *ip,
    size_t iplen)
{
	json_error_t	 jerr;
	json_t		*j, *v;
	bool		 nul;

	if (ctype_is(req->ctype, "application/json")) {
		if ((j = json_loadb(req->body, req->bodylen, JSON_REJECT_DUPLICATES,
		    &jerr)) == NULL) {
			api_error(r, 400, "the body is not valid JSON: %s at "
			    "line %d, column %d", jerr.text, jerr.line,
			    jerr.column);
			return -1;
		}
		v = json_is_object(j) ? json_object_get(j, "ip") : NULL;
		if (!json_is_string(v) || json_string_length(v) >= iplen) {
			json_decref(j);
			api_error(r, 400, "send a JSON object with \"ip\": "
			    "an IPv4 or IPv6 address as a string");
			return -1;
		}
		memcpy(ip, json_string_value(v), json_string_length(v) + 1);
		nul = strlen(ip) != json_string_length(v);
		json_decref(j);
		if (nul) {
			api_error(r, 400, "the address contains a NUL byte");
			return -1;
		}
	} else if (ctype_is(req->ctype, "application/x-www-form-urlencoded")) {
		if (form_get(req->body, req->bodylen, "ip", ip, iplen) != 0) {
			api_error(r, 400, "send the form field ip with an "
			    "IPv4 or IPv6 address");
			return -1;
		}
	} else {
		api_error(r, 415, "send application/json ({\"ip\": \"...\"}) "
		    "or an application/x-www-form-urlencoded form");
		return -1;
	}
	if (addr_parse_str(ip, a) != RB_OK) {
		api_error(r, 400, "'%.*s' is not an IPv4 or IPv6 address "
		    "(write it plainly: 192.0.2.1 or 2001:db8::1)", 64, ip);
		return -1;
	}
	return 0;
}

bool
api_key(struct api *api, struct keys *const *which, const char *key,
    char *name, size_t namelen)
{
	const char	*n;

	pthread_rwlock_rdlock(&api->keylock);
	if ((n = keys_match(*which, key)) != NULL)
		snprintf(name, namelen, "%s", n);
	pthread_rwlock_unlock(&api->keylock);
	return n != NULL;
}

/* The bearer token of an Authorization header, or NULL. */
static const char *
bearer(const char *auth)
{
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	for (auth += 7; *auth == ' '; auth++)
		;
	return auth;
}

/*
 * The name of a client's rate-limit bucket: its address, or its /64 for
 * IPv6, since one host holds a whole /64.
 */
static void
client_bucket(const struct addr *client, uint8_t out[16])
{
	memcpy(out, client->a, 16);
	if (!addr_is_v4(client))
		memset(out + 8, 0, 8);
}

/* ---- handlers --------------------------------------------------------- */

static void
report(struct api *api, const struct req *req, struct resp *r)
{
	const struct config	*c = api->conf;
	struct host_view	 v;
	struct prefix		 p;
	const char		*range, *who = NULL, *key;
	char			 ip[ADDR_STRLEN + 16], pbuf[ADDR_STRLEN + 8];
	char			 name[64];
	uint8_t			 bucket[16];
	int64_t			 wait = 0;
	json_t			*o;
	bool			 queued, ok;
	int			 rc;

	memset(&v, 0, sizeof(v));
	if (body_ip(req, r, &v.a, ip, sizeof(ip)) != 0)
		return;
	addr_format(&v.a, v.ip);
	if ((range = special_range(&v.a, &c->allow, &p)) != NULL) {
		api_error(r, 422, "%s is in %s, %s: such addresses are "
		    "never tested", v.ip, prefix_format(&p, pbuf), range);
		return;
	}

	/* Rate limits: by API key if one is given, else by address. */
	key = req->apikey != NULL ? req->apikey : bearer(req->auth);
	if (key != NULL) {
		if (!api_key(api, &api->apikeys, key, name, sizeof(name))) {
			api_error(r, 401, "unknown API key");
			r->challenge = true;
			return;
		}
		who = name;
		ok = ratelimit_take(api->rl, RL_KEY, who, strlen(who),
		    c->key_report_rate, c->key_report_burst, req->now, &wait);
	} else {
		client_bucket(&req->client, bucket);
		ok = ratelimit_take(api->rl, RL_REPORT, bucket, 16,
		    c->report_rate, c->report_burst, req->now, &wait);
	}
	if (!ok) {
		api_error(r, 429, "too many reports: try again in %lld "
		    "seconds", (long long)wait);
		r->retry_after = wait;
		return;
	}

	rc = db_report(api->db, &v.a, &req->client, req->now,
	    c->clean_cooldown, &queued, &v.h);
	if (rc == RB_EEXCLUDED) {
		api_error(r, 409, "%s is excluded by the list's operator and "
		    "is never tested", v.ip);
		return;
	}
	if (rc != RB_OK) {
		log_warnx("%s: %s: %s", __func__, v.ip, rb_strerror(rc));
		api_error(r, 503, "the store is not available: try again later");
		return;
	}
	v.found = true;
	log_info("report %s%s%s: %s", v.ip, who ? " by " : "", who ? who : "",
	    queued ? "queued" : host_state_name(v.h.state));
	o = host_json(&v);
	json_object_set_new(o, "queued", json_boolean(queued));
	if (queued)
		json_object_set_new(o, "message", json_string("queued for a "
		    "relay test"));
	else if (v.h.state == HOST_CLEAN || v.h.state == HOST_DELISTED) {
		set_time(o, "report_again_after", v.h.last_test +
		    c->clean_cooldown);
		json_object_set_new(o, "message", json_string("tested "
		    "recently and found closed: it may be reported again "
		    "after report_again_after"));
	} else {
		json_object_set_new(o, "message", json_string(
		    v.h.state == HOST_LISTED ? "already listed" :
		    "already queued for a relay test"));
	}
	send_json(r, queued ? 202 : 200, o);
}

/* The address in path after prefix, up to '/' or the end. */
static int
path_ip(const char *path, const char *prefix, struct addr *a,
    const char **rest)
{
	const char	*s = path + strlen(prefix);
	size_t		 len = strcspn(s, "/");

	*rest = s + len;
	return addr_parse(s, len, a) == RB_OK ? 0 : -1;
}

static void
get_host(struct api *api, const struct addr *a, struct resp *r)
{
	struct host_view	v;
	int			rc;

	if ((rc = api_host_view(api, a, &v)) != RB_OK) {
		api_error(r, 503, "the store is not available: try again later");
		return;
	}
	if (!v.found)
		api_error(r, 404, "%s is not in the list: it has never been "
		    "reported or listed", v.ip);
	else
		send_json(r, 200, host_json(&v));
	host_view_clear(&v);
}

/* Answer a state change that succeeded with the host's record. */
static void
changed(struct api *api, const struct addr *a, int status, const char *msg,
    struct resp *r)
{
	struct host_view	 v;
	json_t			*o;

	if (api_host_view(api, a, &v) != RB_OK || !v.found) {
		api_error(r, 503, "the store is not available: try again later");
		return;
	}
	o = host_json(&v);
	if (msg != NULL)
		json_object_set_new(o, "message", json_string(msg));
	send_json(r, status, o);
	host_view_clear(&v);
}

static void
retest(struct api *api, const struct req *req, const struct addr *a,
    struct resp *r)
{
	struct host_view	v;
	char			ip[ADDR_STRLEN];
	uint8_t			bucket[16];
	int64_t			wait = 0;
	int			rc;

	memset(&v, 0, sizeof(v));

	addr_format(a, ip);
	client_bucket(&req->client, bucket);
	if (!ratelimit_take(api->rl, RL_RETEST, bucket, 16,
	    api->conf->retest_rate, api->conf->retest_rate, req->now, &wait)) {
		api_error(r, 429, "too many retest requests from your "
		    "address: try again in %lld seconds", (long long)wait);
		r->retry_after = wait;
		return;
	}
	rc = db_request_retest(api->db, a, req->now,
	    api->conf->retest_min_interval, &wait, NULL);
	switch (rc) {
	case RB_OK:
		log_info("retest %s requested", ip);
		changed(api, a, 202, "retest requested: the host is queued "
		    "and will be tested soon", r);
		return;
	case RB_EAGAIN:
		api_error(r, 429, "a retest of %s was asked for recently: try "
		    "again in %lld seconds", ip, (long long)wait);
		r->retry_after = wait;
		return;
	case RB_ENOENT:
		api_error(r, 404, "%s is not in the list", ip);
		return;
	case RB_EEXCLUDED:
		api_error(r, 409, "%s is excluded by the list's operator", ip);
		return;
	case RB_ESTATE:
		if (api_host_view(api, a, &v) == RB_OK && v.found &&
		    v.h.state == HOST_LISTED)
			api_error(r, 409, "%s was listed by the list's "
			    "operator: a retest does not lift that, ask the "
			    "operator", ip);
		else
			api_error(r, 409, "%s is not listed: there is nothing "
			    "to retest (report it again if it relays)", ip);
		host_view_clear(&v);
		return;
	default:
		log_warnx("%s: %s: %s", __func__, ip, rb_strerror(rc));
		api_error(r, 503, "the store is not available: try again later");
	}
}

/* PUT and DELETE of a host: the operator's key only. */
static void
operator(struct api *api, const struct req *req, const struct addr *a,
    bool put, struct resp *r)
{
	json_error_t	 jerr;
	json_t		*j = NULL;
	const char	*reason = NULL;
	char		 ip[ADDR_STRLEN], name[64];
	int		 code = CODE_MANUAL, rc;

	addr_format(a, ip);
	if (!api_key(api, &api->opkeys, bearer(req->auth), name,
	    sizeof(name))) {
		api_error(r, 401, "this needs the operator's key "
		    "(Authorization: Bearer KEY)");
		r->challenge = true;
		return;
	}
	if (put && req->bodylen > 0) {
		if (!ctype_is(req->ctype, "application/json")) {
			api_error(r, 415, "send application/json: "
			    "{\"code\": 2..254, \"reason\": \"...\"}");
			return;
		}
		if ((j = json_loadb(req->body, req->bodylen,
		    JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
		    json_unpack_ex(j, &jerr, JSON_STRICT, "{s?i,s?s}", "code",
		    &code, "reason", &reason) != 0) {
			api_error(r, 400, "expected {\"code\": 2..254, "
			    "\"reason\": \"...\"}: %s", jerr.text);
			json_decref(j);
			return;
		}
	}
	if (put)
		rc = db_operator_list(api->db, a, code, reason, req->now, NULL);
	else
		rc = db_operator_delist(api->db, a, NULL, req->now, NULL);
	json_decref(j);
	if (rc == RB_ERANGE)
		api_error(r, 400, "code must be 2 to 254 (127.0.0.N)");
	else if (rc == RB_ENOENT)
		api_error(r, 404, "%s is neither listed nor excluded", ip);
	else if (rc != RB_OK)
		api_error(r, 503, "the store is not available: %s",
		    rb_strerror(rc));
	else {
		log_info("operator %s %s", put ? "listed" : "delisted", ip);
		changed(api, a, 200, NULL, r);
	}
}

static void
healthz(struct api *api, struct resp *r)
{
	uint32_t	serial = 0;
	int		rc;

	if ((rc = db_read_begin(api->db)) == RB_OK) {
		rc = db_serial(api->db, &serial);
		db_read_end(api->db);
	}
	if (rc != RB_OK) {
		api_error(r, 503, "store: %s", rb_strerror(rc));
		return;
	}
	send_json(r, 200, json_pack("{s:s,s:I}", "status", "ok", "serial",
	    (json_int_t)serial));
}

/* ---- the pages -------------------------------------------------------- */

/* Show a's page, with a notice; 404 when unknown. */
static void
host_page(struct api *api, const struct addr *a, int status,
    const char *notice, struct resp *r)
{
	struct host_view	v;

	if (api_host_view(api, a, &v) != RB_OK) {
		page_error(r, 503, "The store is not available: try again "
		    "later.");
		return;
	}
	page_host(r, v.found ? status : 404, &v, notice);
	host_view_clear(&v);
}

/* A form post from a page without JavaScript: do it, show the host. */
static void
form_action(struct api *api, const struct req *req, const struct addr *a,
    struct resp *r, bool is_retest)
{
	struct resp	 j;
	json_t		*o;
	const char	*msg = NULL;
	struct addr	 ra;
	char		 ip[ADDR_STRLEN + 16];

	memset(&j, 0, sizeof(j));
	if (is_retest)
		retest(api, req, a, &j);
	else if (body_ip(req, &j, &ra, ip, sizeof(ip)) == 0) {
		a = &ra;
		report(api, req, &j);
	}
	o = j.body != NULL ? json_loads(j.body, 0, NULL) : NULL;
	if (o != NULL)
		msg = json_string_value(json_object_get(o, j.status < 300 ?
		    "message" : "error"));
	if (a == NULL || j.status >= 400)
		page_error(r, j.status, msg != NULL ? msg : "failed");
	else
		host_page(api, a, j.status, msg != NULL ? msg :
		    "a retest is queued", r);
	r->retry_after = j.retry_after;
	json_decref(o);
	free(j.body);
}

/* ---- routing ---------------------------------------------------------- */

/*
 * A browser says where a request comes from. A page of another site may
 * post our forms (a report, a retest) on its visitors' behalf: refuse
 * changes whose Origin is not this server. Clients that are not
 * browsers send no Origin.
 */
static bool
cross_site(const struct req *req)
{
	const char	*o = req->origin;

	if (o == NULL || strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0)
		return false;
	if (strncasecmp(o, "http://", 7) == 0)
		o += 7;
	else if (strncasecmp(o, "https://", 8) == 0)
		o += 8;
	else
		return true;
	return req->host == NULL || strcasecmp(o, req->host) != 0;
}

void
api_handle(struct api *api, const struct req *req, struct resp *r)
{
	const char	*m = req->method, *rest;
	struct addr	 a;
	bool		 api_path = strncmp(req->path, "/api/", 5) == 0;

	r->status = 0;
	if (cross_site(req)) {
		log_info("refused a cross-site %s %s: Origin %.64s, Host %.64s",
		    req->method, req->path, req->origin, req->host ?
		    req->host : "none");
		api_error(r, 403, "a request from another site's page is "
		    "refused: use this site's own forms");
		return;
	}
	if (strcmp(req->path, "/healthz") == 0) {
		if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
			healthz(api, r);
		else {
			api_error(r, 405, "use GET");
			r->allow = "GET, HEAD";
		}
		return;
	}
	if (strcmp(req->path, "/api/v1/reports") == 0) {
		if (strcmp(m, "POST") == 0)
			report(api, req, r);
		else {
			api_error(r, 405, "use POST with {\"ip\": \"...\"}");
			r->allow = "POST";
		}
		return;
	}
	if (strncmp(req->path, API_HOSTS, strlen(API_HOSTS)) == 0) {
		if (path_ip(req->path, API_HOSTS, &a, &rest) != 0) {
			api_error(r, 400, "the path must hold an IPv4 or IPv6 "
			    "address: /api/v1/hosts/192.0.2.1");
			return;
		}
		if (*rest == '\0') {
			if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
				get_host(api, &a, r);
			else if (strcmp(m, "PUT") == 0 ||
			    strcmp(m, "DELETE") == 0)
				operator(api, req, &a, m[0] == 'P', r);
			else {
				api_error(r, 405, "use GET, PUT or DELETE");
				r->allow = "GET, HEAD, PUT, DELETE";
			}
			return;
		}
		if (strcmp(rest, "/retest") == 0) {
			if (strcmp(m, "POST") == 0)
				retest(api, req, &a, r);
			else {
				api_error(r, 405, "use POST to ask for a "
				    "retest");
				r->allow = "POST";
			}
			return;
		}
	}
	if (api_path) {
		api_error(r, 404, "no such endpoint: see /api/v1/reports and "
		    "/api/v1/hosts/IP");
		return;
	}

	/* The pages. */
	if (strcmp(req->path, "/") == 0 && (strcmp(m, "GET") == 0 ||
	    strcmp(m, "HEAD") == 0))
		page_index(r, 200, NULL);
	else if (strcmp(req->path, "/lookup") == 0 && strcmp(m, "GET") == 0) {
		if (req->query_ip == NULL ||
		    addr_parse_str(req->query_ip, &a) != RB_OK)
			page_index(r, 400, "Enter an IPv4 or IPv6 address, "
			    "such as 192.0.2.1 or 2001:db8::1.");
		else {
			r->status = 303;
			r->ctype = CT_HTML;
			snprintf(r->locbuf, sizeof(r->locbuf), "/hosts/%s",
			    addr_format(&a, (char[ADDR_STRLEN]){ 0 }));
			r->location = r->locbuf;
		}
	} else if (strcmp(req->path, "/report") == 0 && strcmp(m, "POST") == 0)
		form_action(api, req, NULL, r, false);
	else if (strncmp(req->path, "/hosts/", 7) == 0 &&
	    path_ip(req->path, "/hosts/", &a, &rest) == 0) {
		if (*rest == '\0' && (strcmp(m, "GET") == 0 ||
		    strcmp(m, "HEAD") == 0))
			host_page(api, &a, 200, NULL, r);
		else if (strcmp(rest, "/retest") == 0 && strcmp(m, "POST") == 0)
			form_action(api, req, &a, r, true);
		else
			page_error(r, 404, "No such page.");
	} else
		page_error(r, 404, "No such page.");
}
