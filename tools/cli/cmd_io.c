/* SPDX-License-Identifier: ISC */
/*
 * cmd_io.c -- relaybl import and export
 *
 * import reads one address per line, or rbldnsd ip4set/ip4tset lines
 * for single addresses ("1.2.3.4", "1.2.3.4 :127.0.0.3:text", and the
 * ":127.0.0.2:text" default line), reports every bad line with its
 * number, and lists the good ones in one transaction: all of them or,
 * if the store fails, none. export prints what DNS serves, as plain
 * addresses or as an rbldnsd ip4set for rsync mirrors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buildinfo.h"
#include "cli.h"

struct batch {
	struct addr	*addrs;
	uint8_t		*codes;
	size_t		 n, cap;
};

static int
batch_add(struct batch *b, const struct addr *a, int code)
{
	struct addr	*na;
	uint8_t		*nc;
	size_t		 cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 1024;
		if ((na = reallocarray(b->addrs, cap, sizeof(*na))) == NULL)
			return RB_ENOMEM;
		b->addrs = na;
		if ((nc = realloc(b->codes, cap)) == NULL)
			return RB_ENOMEM;
		b->codes = nc;
		b->cap = cap;
	}
	b->addrs[b->n] = *a;
	b->codes[b->n++] = (uint8_t)code;
	return RB_OK;
}

/* Parse an rbldnsd value ":127.0.0.N:text" or ":N:text" for its code. */
static const char *
parse_value(const char *v, int *code)
{
	char	 num[16];
	size_t	 len;
	long	 n;
	char	*end;

	if (*v != ':')
		return NULL;	/* text alone: the default code */
	v++;
	len = strcspn(v, ":");
	if (len == 0)
		return NULL;
	if (len >= sizeof(num))
		return "bad value: expected :127.0.0.N:text";
	memcpy(num, v, len);
	num[len] = '\0';
	v = strncmp(num, "127.0.0.", 8) == 0 ? num + 8 : num;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0)
		return "bad value: expected :127.0.0.N:text";
	if (n < CODE_MIN || n > CODE_MAX)
		return "code out of range: expected 127.0.0.2 to 127.0.0.254";
	*code = (int)n;
	return NULL;
}

/*
 * Read one line: set *a and *code for an address, leave *code alone and
 * return NULL with *skip set for a line that holds none, or return why
 * the line is bad. *defcode is the code a ":value" line sets.
 */
static const char *
parse_line(char *line, int *defcode, struct addr *a, int *code, bool *skip)
{
	char		*end, *val, *colon;
	const char	*why;
	size_t		 len;

	*skip = false;
	for (end = line + strlen(line); end > line && isspace(
	    (unsigned char)end[-1]); end--)
		;
	*end = '\0';
	while (isspace((unsigned char)*line))
		line++;
	if (*line == '\0' || *line == '#' || *line == ';' || *line == '$') {
		*skip = true;	/* blank, comment, or an rbldnsd directive */
		return NULL;
	}
	if (*line == ':') {
		*skip = true;
		*code = *defcode;
		if ((why = parse_value(line, code)) != NULL)
			return why;
		*defcode = *code;
		return NULL;
	}
	if (*line == '!')
		return "exclusion entries are not imported";
	len = strcspn(line, " \t");
	val = NULL;
	if (line[len] != '\0') {
		val = line + len + 1 + strspn(line + len + 1, " \t");
		line[len] = '\0';
	}
	if (addr_parse_str(line, a) == RB_OK)
		;
	else if (val == NULL && (colon = strchr(line, ':')) != NULL &&
	    addr_parse(line, (size_t)(colon - line), a) == RB_OK &&
	    addr_is_v4(a))
		val = colon;	/* ip4set's "1.2.3.4:3:text" */
	else if (strpbrk(line, "/-") != NULL)
		return "ranges are not imported: list single addresses";
	else
		return "not an IPv4 or IPv6 address";
	/* RFC 5782: relaybl-dns lists 127.0.0.2 always, 127.0.0.1 never. */
	if (addr_is_v4(a) && addr_v4(a) == 0x7f000001)
		return "127.0.0.1 is never listed (RFC 5782)";
	if (addr_is_v4(a) && addr_v4(a) == 0x7f000002) {
		*skip = true;
		return NULL;
	}
	*code = *defcode;
	return val != NULL ? parse_value(val, code) : NULL;
}

int
cmd_import(struct cli *cli, const struct cli_opts *o)
{
	struct batch	 b = { 0 };
	struct db	*db = NULL;
	struct addr	 a;
	const char	*path = o->args[0], *why;
	char		*line = NULL;
	size_t		 cap = 0, lineno = 0, bad = 0, changed, excluded;
	int		 rc = EXIT_FAIL, code, defcode;
	bool		 skip;
	FILE		*f;

	defcode = o->code ? o->code : CODE_MANUAL;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "relaybl import: %s: %s\n", path,
		    strerror(errno));
		return EXIT_FAIL;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if ((why = parse_line(line, &defcode, &a, &code, &skip)) !=
		    NULL) {
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, why);
			bad++;
		} else if (!skip && batch_add(&b, &a, code) != RB_OK) {
			fprintf(stderr, "relaybl import: out of memory\n");
			goto out;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "relaybl import: %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (b.n > 0) {
		if (cli_open(cli, 0, &db) != EXIT_OK)
			goto out;
		if ((rc = db_import(db, b.addrs, b.codes, b.n, cli->now,
		    &changed, &excluded)) != RB_OK) {
			fprintf(stderr, "relaybl import: nothing imported: "
			    "%s\n", rb_strerror(rc));
			rc = EXIT_FAIL;
			goto out;
		}
		printf("%zu addresses imported, %zu changed, %zu left "
		    "excluded\n", b.n, changed, excluded);
	}
	if (bad > 0)
		fprintf(stderr, "relaybl import: %zu bad line%s skipped\n", bad,
		    bad == 1 ? "" : "s");
	rc = bad > 0 ? EXIT_FAIL : EXIT_OK;
out:
	db_close(db);
	free(line);
	free(b.addrs);
	free(b.codes);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* ---- export ----------------------------------------------------------- */

struct export {
	bool		 rbldnsd;
	size_t		 v6;		/* IPv6 listings ip4set cannot hold */
};

static int
export_one(void *arg, const struct addr *a, const struct listing *l)
{
	struct export	*ex = arg;
	char		 s[ADDR_STRLEN];

	if (!ex->rbldnsd)
		printf("%s\n", addr_format(a, s));
	else if (!addr_is_v4(a))
		ex->v6++;
	else if (l->code == CODE_OPEN)
		printf("%s\n", addr_format(a, s));
	else	/* no text after the code: the default line's applies */
		printf("%s :%d\n", addr_format(a, s), l->code);
	return ferror(stdout) ? RB_EINVAL : 0;
}

int
cmd_export(struct cli *cli, const struct cli_opts *o)
{
	struct export	 ex = { 0 };
	struct listing	 l;
	struct addr	 tp;
	struct db	*db;
	uint32_t	 serial = 0;
	char		 t[32];
	int		 rc;

	if (o->format != NULL && strcmp(o->format, "plain") != 0) {
		if (strcmp(o->format, "rbldnsd") != 0) {
			fprintf(stderr, "relaybl export: unknown format '%s' "
			    "(plain, rbldnsd)\n", o->format);
			return EXIT_USAGE;
		}
		ex.rbldnsd = true;
	}
	if ((rc = cli_open(cli, DB_RDONLY, &db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(db)) == RB_OK) {
		if (ex.rbldnsd && (rc = db_serial(db, &serial)) == RB_OK) {
			/* ip4set: the default value, then one address a line. */
			printf("# relaybl %s, serial %u, exported %s\n",
			    RB_VERSION, serial, cli_time(cli->now, t,
			    sizeof(t)));
			printf(":127.0.0.2:%s\n", cli->conf.nzones > 0 ?
			    cli->conf.zones[0].txt : "open relay $");
			/* RFC 5782: a mirror must list the test point too. */
			addr_from_v4(&tp, 0x7f000002);
			if (db_get_listing(db, &tp, &l) == RB_ENOENT)
				printf("127.0.0.2\n");
		}
		if (rc == RB_OK)
			rc = db_walk_listed(db, export_one, &ex);
		db_read_end(db);
	}
	db_close(db);
	if (rc == RB_OK && fflush(stdout) != 0)
		rc = -errno;
	if (rc != RB_OK) {
		fprintf(stderr, "relaybl export: %s\n", rb_strerror(rc));
		return EXIT_FAIL;
	}
	if (ex.v6 > 0)
		fprintf(stderr, "relaybl export: %zu IPv6 listing%s left out: "
		    "rbldnsd's ip4set holds IPv4 only\n", ex.v6,
		    ex.v6 == 1 ? "" : "s");
	return EXIT_OK;
}
