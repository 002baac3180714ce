/* SPDX-License-Identifier: ISC */
/*
 * cmd_host.c -- relaybl commands on hosts and the store: add, del,
 * exclude, show, list, stats, init
 *
 * Each command parses its address before it opens the store, and makes
 * its change with one db_* call, so that an error leaves the store as
 * it was.
 */
#include <string.h>

#include "cli.h"

/* Report a failed state change the way a person can act on it. */
static int
change_failed(const char *cmd, const char *ip, int rc)
{
	const char	*why;

	switch (rc) {
	case RB_ENOENT:
		why = strcmp(cmd, "del") == 0 ?
		    "not listed and not excluded" : "not in the store";
		break;
	case RB_EEXCLUDED:
		why = "excluded by the operator (relaybl del lifts it)";
		break;
	default:
		why = rb_strerror(rc);
	}
	fprintf(stderr, "relaybl %s: %s: %s\n", cmd, ip, why);
	return EXIT_FAIL;
}

int
cmd_add(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	struct addr	 a;
	char		 s[ADDR_STRLEN];
	struct host	 h;
	int		 rc, code = o->code ? o->code : CODE_MANUAL;

	if ((rc = cli_parse_addr(o->args[0], &a)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(cli, 0, &db)) != EXIT_OK)
		return rc;
	rc = db_operator_list(db, &a, code, o->reason, cli->now, &h);
	db_close(db);
	if (rc != RB_OK)
		return change_failed("add", o->args[0], rc);
	printf("%s listed (127.0.0.%d)\n", addr_format(&a, s), h.code);
	return EXIT_OK;
}

int
cmd_del(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	struct addr	 a;
	char		 s[ADDR_STRLEN];
	struct host	 h;
	int		 rc;

	if ((rc = cli_parse_addr(o->args[0], &a)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(cli, 0, &db)) != EXIT_OK)
		return rc;
	rc = db_operator_delist(db, &a, o->reason, cli->now, &h);
	db_close(db);
	if (rc != RB_OK)
		return change_failed("del", o->args[0], rc);
	printf("%s %s\n", addr_format(&a, s), host_state_name(h.state));
	return EXIT_OK;
}

int
cmd_exclude(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	struct addr	 a;
	char		 s[ADDR_STRLEN];
	int		 rc;

	if ((rc = cli_parse_addr(o->args[0], &a)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(cli, 0, &db)) != EXIT_OK)
		return rc;
	rc = db_exclude(db, &a, o->reason, cli->now, NULL);
	db_close(db);
	if (rc != RB_OK)
		return change_failed("exclude", o->args[0], rc);
	printf("%s excluded\n", addr_format(&a, s));
	return EXIT_OK;
}

/* ---- show ------------------------------------------------------------- */

static int
print_evidence(void *arg, const struct evidence *e)
{
	char	 t[32];
	size_t	 i;

	(void)arg;
	printf("  %s %s (%s):\n    ", cli_time(e->time, t, sizeof(t)),
	    evidence_kind_name(e->kind), host_state_name(e->state) ?
	    host_state_name(e->state) : "unknown host");
	/* The text came from the network: show it, never obey it. */
	for (i = 0; i < e->textlen; i++) {
		unsigned char c = (unsigned char)e->text[i];

		if (c == '\n')
			fputs(i + 1 < e->textlen ? "\n    " : "", stdout);
		else if (c == '\t' || (c >= 0x20 && c < 0x7f))
			putchar(c);
		else if (c != '\r')
			printf("\\x%02x", c);
	}
	putchar('\n');
	return 0;
}

struct history {
	const struct addr	*a;
	int			 n;
};

static int
print_history(void *arg, uint32_t serial, int64_t time,
    const struct journal_op *ops, size_t nops)
{
	struct history	*hist = arg;
	char		 t[32];
	size_t		 i;

	for (i = 0; i < nops; i++)
		if (memcmp(ops[i].addr.a, hist->a->a, 16) == 0) {
			printf("  serial %u %s %s 127.0.0.%d\n", serial,
			    cli_time(time, t, sizeof(t)),
			    ops[i].op == JOURNAL_ADD ? "added" : "removed",
			    ops[i].code);
			hist->n++;
		}
	return 0;
}

int
cmd_show(struct cli *cli, const struct cli_opts *o)
{
	static const struct addr nobody;
	struct db	*db;
	struct addr	 a;
	struct host	 h;
	struct history	 hist = { &a, 0 };
	char		 t[32], s[ADDR_STRLEN];
	int		 rc;

	if ((rc = cli_parse_addr(o->args[0], &a)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(cli, DB_RDONLY, &db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(db)) != RB_OK ||
	    (rc = db_get_host(db, &a, &h)) != RB_OK) {
		db_close(db);
		return change_failed("show", o->args[0], rc);
	}
	printf("address      %s\n", addr_format(&a, s));
	printf("state        %s%s\n", host_state_name(h.state),
	    h.flags & HOST_F_MANUAL ? " (by hand)" : "");
	if (h.state == HOST_LISTED)
		printf("answer       127.0.0.%d\n", h.code);
	printf("first seen   %s\n", cli_time(h.first_seen, t, sizeof(t)));
	printf("listed at    %s\n", cli_time(h.listed_at, t, sizeof(t)));
	printf("last test    %s\n", cli_time(h.last_test, t, sizeof(t)));
	printf("queue        %s", due_queue_name(h.queue));
	if (h.queue != DUE_NONE)
		printf(", due %s", cli_time(h.next_test, t, sizeof(t)));
	printf("\nreports      %u (last %s)\n", h.reports,
	    cli_time(h.last_report, t, sizeof(t)));
	printf("tests        %u (inconclusive in a row: %u)\n", h.tests,
	    h.retries);
	printf("retest asked %s\n", cli_time(h.retest_at, t, sizeof(t)));
	printf("submitter    %s\n", memcmp(&h.submitter, &nobody,
	    sizeof(nobody)) == 0 ? "-" : addr_format(&h.submitter, s));
	printf("evidence:\n");
	if ((rc = db_walk_evidence(db, &a, print_evidence, NULL)) == RB_OK) {
		printf("history:\n");
		rc = db_walk_journal(db, 0, print_history, &hist);
		if (rc == RB_OK && hist.n == 0)
			printf("  (not in the journal)\n");
	}
	db_read_end(db);
	db_close(db);
	if (rc != RB_OK)
		return change_failed("show", o->args[0], rc);
	return EXIT_OK;
}

/* ---- list and stats --------------------------------------------------- */

static int
print_host(void *arg, const struct addr *a, const struct host *h)
{
	const int	*state = arg;
	char		 s[ADDR_STRLEN], t[32], code[16] = "-";

	if (*state != 0 && h->state != *state)
		return 0;
	if (h->state == HOST_LISTED)
		snprintf(code, sizeof(code), "127.0.0.%d", h->code);
	printf("%s\t%s\t%s\t%s\n", addr_format(a, s), host_state_name(h->state),
	    code, cli_time(h->state == HOST_LISTED ? h->listed_at :
	    h->last_test ? h->last_test : h->first_seen, t, sizeof(t)));
	return 0;
}

int
cmd_list(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	int		 rc, state = 0;

	if (o->state != NULL && (state = host_state_parse(o->state)) < 0) {
		fprintf(stderr, "relaybl list: unknown state '%s' (pending, "
		    "listed, clean, delisted, excluded)\n", o->state);
		return EXIT_USAGE;
	}
	if ((rc = cli_open(cli, DB_RDONLY, &db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(db)) == RB_OK) {
		rc = db_walk_hosts(db, print_host, &state);
		db_read_end(db);
	}
	db_close(db);
	if (rc != RB_OK) {
		fprintf(stderr, "relaybl list: %s\n", rb_strerror(rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int
cmd_stats(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	struct db_stats	 st;
	int		 rc, i;

	(void)o;
	if ((rc = cli_open(cli, DB_RDONLY, &db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(db)) == RB_OK) {
		rc = db_stats(db, &st);
		db_read_end(db);
	}
	db_close(db);
	if (rc != RB_OK) {
		fprintf(stderr, "relaybl stats: %s\n", rb_strerror(rc));
		return EXIT_FAIL;
	}
	printf("store        %s\n", cli->conf.store_path);
	printf("serial       %u\n", st.serial);
	printf("hosts        %llu\n", (unsigned long long)st.hosts);
	for (i = HOST_PENDING; i <= HOST_EXCLUDED; i++)
		printf("  %-10s %llu\n", host_state_name(i),
		    (unsigned long long)st.by_state[i]);
	printf("served       %llu\n", (unsigned long long)st.listed);
	printf("due          %llu\n", (unsigned long long)st.due);
	printf("evidence     %llu\n", (unsigned long long)st.evidence);
	printf("journal      %llu\n", (unsigned long long)st.journal);
	printf("size         %zu bytes on disk, %zu in use\n", st.filesize,
	    st.used);
	return EXIT_OK;
}

int
cmd_init(struct cli *cli, const struct cli_opts *o)
{
	struct db	*db;
	uint32_t	 serial = 0;
	int		 rc;

	(void)o;
	if ((rc = cli_open(cli, 0, &db)) != EXIT_OK)
		return rc;
	if ((rc = db_read_begin(db)) == RB_OK) {
		rc = db_serial(db, &serial);
		db_read_end(db);
	}
	db_close(db);
	if (rc != RB_OK) {
		fprintf(stderr, "relaybl init: %s\n", rb_strerror(rc));
		return EXIT_FAIL;
	}
	printf("store %s ready, serial %u\n", cli->conf.store_path, serial);
	return EXIT_OK;
}
