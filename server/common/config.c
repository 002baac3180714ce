/* SPDX-License-Identifier: ISC */
/*
 * config.c -- read relaybl.conf with inih and check every value
 *
 * The keys are a table: section, name, type, bounds and where the value
 * goes in struct config. inih calls handler() for each key; the handler
 * looks the key up, parses the value by its type, and on a mistake keeps
 * the first message. inih returns the line of the first error, so the
 * message reads "FILE:LINE: [section] key: expected ...". Nothing is
 * opened but the file itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum conf_type {
	T_PATH,		/* char[PATH_MAX], relative to the file */
	T_DOMAIN,	/* char[CONF_NAMELEN], a host name */
	T_TEXT,		/* char[CONF_TEXTLEN], printable */
	T_UINT,		/* unsigned int within min..max */
	T_U32,		/* uint32_t within min..max */
	T_DURATION,	/* int64_t seconds within min..max */
	T_SIZE,		/* size_t bytes within min..max */
	T_LISTEN,	/* struct listen_list: repeat or separate by commas */
	T_PREFIXES,	/* struct prefix_list: likewise */
	T_ADDR,		/* char[ADDR_STRLEN]: an address, canonical */
	T_CODES,	/* uint8_t[32]: a set of codes 2..254 */
};

struct conf_key {
	const char	*section;	/* "zone" for [zone NAME] */
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* in struct config or zone_conf */
	uint64_t	 min, max;
	const char	*what;		/* what a value should look like */
};

#define C(f)	offsetof(struct config, f)
#define Z(f)	offsetof(struct zone_conf, f)
#define DAY	(24 * 3600)

static const struct conf_key keys[] = {
	{ "store", "path", T_PATH, C(store_path), 0, 0, "a directory" },
	{ "store", "map_size", T_SIZE, C(map_size), 1 << 20, 1ULL << 40,
	    "a size from 1M to 1T, such as 64M" },
	{ "policy", "retest_interval", T_DURATION, C(retest_interval), 60,
	    365 * DAY, "a duration from 1m to 365d, such as 7d" },
	{ "policy", "clean_cooldown", T_DURATION, C(clean_cooldown), 0,
	    365 * DAY, "a duration up to 365d, such as 1d" },
	{ "policy", "retest_min_interval", T_DURATION,
	    C(retest_min_interval), 0, 30 * DAY,
	    "a duration up to 30d, such as 1h" },
	{ "policy", "allow", T_PREFIXES, C(allow), 0, 0,
	    "address prefixes such as 127.0.0.0/8, separated by commas" },
	{ "dns", "listen", T_LISTEN, C(dns_listen), 0, 0,
	    "ADDR:PORT or [ADDR6]:PORT" },
	{ "dns", "threads", T_UINT, C(dns_threads), 1, 64,
	    "a number of threads from 1 to 64" },
	{ "dns", "tcp_max_connections", T_UINT, C(dns_tcp_max), 1, 65536,
	    "a number of connections from 1 to 65536" },
	{ "dns", "tcp_idle_timeout", T_DURATION, C(dns_tcp_idle), 1, 3600,
	    "a duration from 1s to 1h, such as 10s" },
	{ "dns", "tcp_lifetime", T_DURATION, C(dns_tcp_lifetime), 1, 86400,
	    "a duration from 1s to 1d, such as 2m" },
	{ "http", "listen", T_LISTEN, C(http_listen), 0, 0,
	    "ADDR:PORT or [ADDR6]:PORT" },
	{ "http", "operator_key_file", T_PATH, C(operator_key_file), 0, 0,
	    "a file holding the operator's key" },
	{ "http", "api_keys_file", T_PATH, C(api_keys_file), 0, 0,
	    "a file of reporters' API keys, one a line" },
	{ "http", "max_body", T_SIZE, C(http_max_body), 256, 1 << 20,
	    "a size from 256 to 1M, such as 4K" },
	{ "http", "connection_limit", T_UINT, C(http_conn_limit), 1, 65536,
	    "a number of connections from 1 to 65536" },
	{ "http", "per_ip_connection_limit", T_UINT, C(http_per_ip_limit), 1,
	    65536, "a number of connections from 1 to 65536" },
	{ "http", "connection_timeout", T_DURATION, C(http_timeout), 1, 3600,
	    "a duration from 1s to 1h, such as 10s" },
	{ "http", "report_rate", T_UINT, C(report_rate), 1, 1000000,
	    "reports per client and hour, 1 to 1000000" },
	{ "http", "report_burst", T_UINT, C(report_burst), 1, 1000000,
	    "a number of reports, 1 to 1000000" },
	{ "http", "key_report_rate", T_UINT, C(key_report_rate), 1, 1000000,
	    "reports per API key and hour, 1 to 1000000" },
	{ "http", "key_report_burst", T_UINT, C(key_report_burst), 1, 1000000,
	    "a number of reports, 1 to 1000000" },
	{ "http", "retest_rate", T_UINT, C(retest_rate), 1, 1000000,
	    "retest requests per client and hour, 1 to 1000000" },
	{ "verify", "canary_listen", T_LISTEN, C(canary_listen), 0, 0,
	    "ADDR:PORT or [ADDR6]:PORT" },
	{ "verify", "canary_domain", T_DOMAIN, C(canary_domain), 0, 0,
	    "a domain name" },
	{ "verify", "helo_name", T_DOMAIN, C(helo_name), 0, 0,
	    "a host name" },
	{ "verify", "canary_address", T_ADDR, C(canary_address), 0, 0,
	    "the canary's public IPv4 or IPv6 address" },
	{ "verify", "bounce_domain", T_DOMAIN, C(bounce_domain), 0, 0,
	    "a domain of the list's own, for test senders" },
	{ "verify", "contact", T_TEXT, C(contact), 0, 0,
	    "printable text of at most 255 bytes" },
	{ "verify", "port", T_UINT, C(verify_port), 1, 65535,
	    "a port from 1 to 65535" },
	{ "verify", "connect_timeout", T_DURATION, C(connect_timeout), 1, 600,
	    "a duration from 1s to 10m" },
	{ "verify", "greeting_timeout", T_DURATION, C(greeting_timeout), 1,
	    1800, "a duration from 1s to 30m" },
	{ "verify", "command_timeout", T_DURATION, C(command_timeout), 1, 1800,
	    "a duration from 1s to 30m" },
	{ "verify", "data_timeout", T_DURATION, C(data_timeout), 1, 3600,
	    "a duration from 1s to 1h" },
	{ "verify", "budget", T_DURATION, C(budget), 1, 86400,
	    "a duration from 1s to 1d" },
	{ "verify", "wait", T_DURATION, C(wait), 0, 86400,
	    "a duration up to 1d" },
	{ "verify", "max_tests", T_UINT, C(max_tests), 1, 10000,
	    "a number of tests from 1 to 10000" },
	{ "verify", "per_net", T_UINT, C(per_net), 1, 256,
	    "a number of tests from 1 to 256" },
	{ "verify", "probes_per_connection", T_UINT,
	    C(probes_per_connection), 1, 8, "a number of probes from 1 to 8" },
	{ "verify", "retry_base", T_DURATION, C(retry_base), 1, 7 * DAY,
	    "a duration from 1s to 7d" },
	{ "verify", "retry_max", T_UINT, C(retry_max), 1, 100,
	    "a number of tries from 1 to 100" },
	{ "zone", "file", T_PATH, Z(file), 0, 0, "a zone file" },
	{ "zone", "txt", T_TEXT, Z(txt), 0, 0,
	    "printable text of at most 255 bytes" },
	{ "zone", "ttl", T_U32, Z(ttl), 0, 7 * DAY,
	    "a TTL in seconds from 0 to 604800" },
	{ "zone", "codes", T_CODES, Z(codes), 0, 0,
	    "return codes 2 to 254 (127.0.0.N), such as 2, 3" },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

struct parse {
	struct config	*conf;
	char		 dir[PATH_MAX];		/* of the file */
	char		 err[256];		/* the first error */
	unsigned char	 seen[CONF_MAXZONES + 1][NKEYS];
};

static int
fail(struct parse *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	return 0;	/* inih: an error on this line */
}

/* ---- value parsers ---------------------------------------------------- */

static int
parse_uint(const char *s, uint64_t *out)
{
	uint64_t	v = 0;

	if (*s == '\0')
		return RB_EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return RB_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return *s == '\0' ? RB_OK : RB_EINVAL;
}

/* A number with an optional unit suffix from units/mults. */
static int
parse_scaled(const char *s, const char *units, const uint64_t *mults,
    uint64_t *out)
{
	char		 num[32];
	size_t		 len = strlen(s);
	const char	*u;
	uint64_t	 v, m = 1;

	if (len == 0 || len >= sizeof(num))
		return RB_EINVAL;
	memcpy(num, s, len + 1);
	if ((u = strchr(units, num[len - 1])) != NULL && num[len - 1] != '\0') {
		m = mults[u - units];
		num[len - 1] = '\0';
	}
	if (parse_uint(num, &v) != RB_OK || (v != 0 && v > UINT64_MAX / m))
		return RB_EINVAL;
	*out = v * m;
	return RB_OK;
}

int
config_parse_duration(const char *s, int64_t *out)
{
	static const uint64_t	mults[] = { 1, 60, 3600, DAY, 7 * DAY };
	uint64_t		v;

	if (parse_scaled(s, "smhdw", mults, &v) != RB_OK || v > INT64_MAX)
		return RB_EINVAL;
	*out = (int64_t)v;
	return RB_OK;
}

int
config_parse_size(const char *s, size_t *out)
{
	static const uint64_t	mults[] = { 1ULL << 10, 1ULL << 20,
	    1ULL << 30, 1ULL << 40 };
	uint64_t		v;

	if (parse_scaled(s, "KMGT", mults, &v) != RB_OK || v > SIZE_MAX)
		return RB_EINVAL;
	*out = (size_t)v;
	return RB_OK;
}

int
config_parse_listen(const char *s, struct listen_addr *la)
{
	const char		*colon, *host = s;
	size_t			 hostlen;
	uint64_t		 port;
	struct addr		 a;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&la->ss;

	if (strlen(s) >= sizeof(la->text) ||
	    (colon = strrchr(s, ':')) == NULL)
		return RB_EINVAL;
	hostlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hostlen < 2 || s[hostlen - 1] != ']')
			return RB_EINVAL;
		host++;
		hostlen -= 2;
	}
	if (addr_parse(host, hostlen, &a) != RB_OK ||
	    (s[0] == '[') == addr_is_v4(&a))
		return RB_EINVAL;
	if (colon[1] == '0' || parse_uint(colon + 1, &port) != RB_OK ||
	    port == 0 || port > 65535)
		return RB_EINVAL;
	memset(la, 0, sizeof(*la));
	if (addr_is_v4(&a)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(addr_v4(&a));
		la->len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, a.a, 16);
		la->len = sizeof(*sin6);
	}
	strcpy(la->text, s);
	return RB_OK;
}

/* A host name: labels of letters, digits and hyphens, 1..63 bytes. */
static bool
valid_domain(const char *s)
{
	size_t	len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) ||
		    (*s == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return label > 0 && s[-1] != '-';
}

/* Split a list on commas and blanks; call fn on each item. */
static int
each_item(const char *value, int (*fn)(void *, const char *), void *dst)
{
	char	 buf[1024], *item, *save = NULL;
	int	 n = 0;

	if (strlen(value) >= sizeof(buf))
		return RB_EINVAL;
	strcpy(buf, value);
	for (item = strtok_r(buf, ", \t", &save); item != NULL;
	    item = strtok_r(NULL, ", \t", &save), n++)
		if (fn(dst, item) != RB_OK)
			return RB_EINVAL;
	return n > 0 ? RB_OK : RB_EINVAL;
}

static int
add_listen(void *dst, const char *item)
{
	struct listen_list	*l = dst;

	if (l->n == CONF_MAXLISTEN)
		return RB_ERANGE;
	if (config_parse_listen(item, &l->a[l->n]) != RB_OK)
		return RB_EINVAL;
	l->n++;
	return RB_OK;
}

static int
add_prefix(void *dst, const char *item)
{
	struct prefix_list	*l = dst;

	if (l->n == CONF_MAXPREFIX)
		return RB_ERANGE;
	if (addr_parse_prefix(item, &l->p[l->n]) != RB_OK)
		return RB_EINVAL;
	l->n++;
	return RB_OK;
}

static int
add_code(void *dst, const char *item)
{
	uint8_t		*set = dst;
	uint64_t	 v;

	if (strncmp(item, "127.0.0.", 8) == 0)
		item += 8;
	if (parse_uint(item, &v) != RB_OK || v < CODE_MIN || v > CODE_MAX)
		return RB_EINVAL;
	set[v / 8] |= (uint8_t)(1 << (v % 8));
	return RB_OK;
}

static int
set_value(struct parse *p, const struct conf_key *k, void *dst,
    const char *value)
{
	uint64_t	 u;
	int64_t		 d;
	size_t		 sz;
	const char	*s;
	int		 n;

	switch (k->type) {
	case T_PATH:
		if (value[0] == '\0')
			return RB_EINVAL;
		n = value[0] == '/' ? snprintf(dst, PATH_MAX, "%s", value) :
		    snprintf(dst, PATH_MAX, "%s/%s", p->dir, value);
		return n > 0 && n < PATH_MAX ? RB_OK : RB_EINVAL;
	case T_DOMAIN:
		if (!valid_domain(value))
			return RB_EINVAL;
		for (s = value, n = 0; *s != '\0'; s++)
			((char *)dst)[n++] = (char)tolower((unsigned char)*s);
		((char *)dst)[n] = '\0';
		return RB_OK;
	case T_TEXT:
		if (strlen(value) >= CONF_TEXTLEN)
			return RB_EINVAL;
		for (s = value; *s != '\0'; s++)
			if (!isprint((unsigned char)*s))
				return RB_EINVAL;
		strcpy(dst, value);
		return RB_OK;
	case T_UINT:
	case T_U32:
		if (parse_uint(value, &u) != RB_OK || u < k->min || u > k->max)
			return RB_EINVAL;
		if (k->type == T_UINT)
			*(unsigned int *)dst = (unsigned int)u;
		else
			*(uint32_t *)dst = (uint32_t)u;
		return RB_OK;
	case T_DURATION:
		if (config_parse_duration(value, &d) != RB_OK ||
		    (uint64_t)d < k->min || (uint64_t)d > k->max)
			return RB_EINVAL;
		*(int64_t *)dst = d;
		return RB_OK;
	case T_SIZE:
		if (config_parse_size(value, &sz) != RB_OK || sz < k->min ||
		    sz > k->max)
			return RB_EINVAL;
		*(size_t *)dst = sz;
		return RB_OK;
	case T_LISTEN:
		return each_item(value, add_listen, dst);
	case T_PREFIXES:
		return each_item(value, add_prefix, dst);
	case T_CODES:
		memset(dst, 0, 32);
		return each_item(value, add_code, dst);
	case T_ADDR: {
		struct addr	a;

		if (addr_parse_str(value, &a) != RB_OK)
			return RB_EINVAL;
		addr_format(&a, dst);
		return RB_OK;
	}
	}
	return RB_EINVAL;
}

/* ---- the inih handler ------------------------------------------------- */

/* The zone for section "zone NAME", made on first sight. */
static struct zone_conf *
zone_get(struct parse *p, const char *name, size_t *idx)
{
	struct config	*c = p->conf;
	size_t		 i;

	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0) {
			*idx = i;
			return &c->zones[i];
		}
	if (c->nzones == CONF_MAXZONES)
		return NULL;
	*idx = c->nzones;
	snprintf(c->zones[c->nzones].name, CONF_NAMELEN, "%s", name);
	c->zones[c->nzones].ttl = 2100;
	/* Every code, unless the zone names some. */
	memset(c->zones[c->nzones].codes, 0xff, 32);
	snprintf(c->zones[c->nzones].txt, CONF_TEXTLEN,
	    "open relay $ listed $date");
	return &c->zones[c->nzones++];
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse		*p = user;
	const struct conf_key	*k;
	struct zone_conf	*z = NULL;
	const char		*sect = section, *zname;
	char			 lname[CONF_NAMELEN];
	size_t			 i, zi = CONF_MAXZONES;
	void			*base = p->conf;

	if (strncmp(section, "zone", 4) == 0 && isspace((unsigned char)
	    section[4])) {
		for (zname = section + 5; isspace((unsigned char)*zname);
		    zname++)
			;
		if (!valid_domain(zname))
			return fail(p, "[%s]: expected [zone NAME] with a "
			    "domain name", section);
		for (i = 0; zname[i] != '\0'; i++)
			lname[i] = (char)tolower((unsigned char)zname[i]);
		lname[i] = '\0';
		if ((z = zone_get(p, lname, &zi)) == NULL)
			return fail(p, "[%s]: more than %d zones", section,
			    CONF_MAXZONES);
		sect = "zone";
		base = z;
	}
	for (k = keys; k < keys + NKEYS; k++)
		if (strcmp(k->section, sect) == 0 &&
		    strcmp(k->name, name) == 0)
			break;
	if (k == keys + NKEYS) {
		for (k = keys; k < keys + NKEYS; k++)
			if (strcmp(k->section, sect) == 0)
				return fail(p, "[%s] %s: unknown key", section,
				    name);
		return fail(p, "[%s]: unknown section", section);
	}
	i = (size_t)(k - keys);
	if (p->seen[z != NULL ? zi : CONF_MAXZONES][i]++ &&
	    k->type != T_LISTEN && k->type != T_PREFIXES)
		return fail(p, "[%s] %s: given twice", section, name);
	if (set_value(p, k, (char *)base + k->off, value) != RB_OK)
		return fail(p, "[%s] %s: expected %s, got '%s'", section, name,
		    k->what, value);
	return 1;
}

void
config_defaults(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->store_path, sizeof(conf->store_path),
	    "/var/lib/relaybl");
	conf->map_size = 1UL << 30;
	conf->retest_interval = 7 * DAY;
	conf->clean_cooldown = DAY;
	conf->retest_min_interval = 3600;
	conf->dns_threads = 1;
	conf->dns_tcp_max = 256;
	conf->dns_tcp_idle = 10;
	conf->dns_tcp_lifetime = 120;
	conf->http_max_body = 4096;
	conf->http_conn_limit = 1024;
	conf->http_per_ip_limit = 32;
	conf->http_timeout = 10;
	conf->report_rate = 20;
	conf->report_burst = 5;
	conf->key_report_rate = 3600;
	conf->key_report_burst = 100;
	conf->retest_rate = 10;
	snprintf(conf->helo_name, sizeof(conf->helo_name), "localhost");
	conf->verify_port = 25;
	conf->connect_timeout = 30;
	conf->greeting_timeout = 300;	/* RFC 5321 4.5.3.2 */
	conf->command_timeout = 300;
	conf->data_timeout = 600;
	conf->budget = 1800;
	conf->wait = 600;
	conf->max_tests = 64;
	conf->per_net = 2;
	conf->probes_per_connection = 8;
	conf->retry_base = 3600;
	conf->retry_max = 5;
}

int
config_load(const char *path, struct config *conf, char *err, size_t errlen)
{
	struct parse	*p;
	char		 tmp[PATH_MAX];
	size_t		 i;
	int		 line, rc = RB_OK;
	FILE		*f;

	config_defaults(conf);
	if (snprintf(conf->path, sizeof(conf->path), "%s", path) >=
	    (int)sizeof(conf->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return RB_EINVAL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return RB_ENOMEM;
	}
	p->conf = conf;
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(p->dir, sizeof(p->dir), "%s", dirname(tmp));

	line = ini_parse_file(f, handler, p);
	fclose(f);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line, p->err[0] ?
		    p->err : "expected [section] or key = value");
		rc = line > 0 ? RB_EINVAL : RB_ENOMEM;
	}
	for (i = 0; rc == RB_OK && i < conf->nzones; i++)
		if (conf->zones[i].file[0] == '\0') {
			snprintf(err, errlen, "%s: [zone %s]: no file given",
			    path, conf->zones[i].name);
			rc = RB_EINVAL;
		}
	free(p);
	return rc;
}
