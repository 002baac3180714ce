/* SPDX-License-Identifier: ISC */
/*
 * main.c -- relaybl, the operator's command over the store
 *
 * "relaybl [-c FILE] COMMAND [ARGS]". Errors go to stderr with exit 1,
 * usage errors with exit 2; output meant for scripts goes to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buildinfo.h"
#include "cli.h"

static const struct cli_cmd cmds[] = {
	{ "init", cmd_init, "", "create the store if it does not exist",
	    0, 0 },
	{ "add", cmd_add, "IP [--code N] [--reason TEXT]",
	    "list IP by hand (code 2..254, default 4)",
	    OPT_CODE | OPT_REASON, 1 },
	{ "del", cmd_del, "IP [--reason TEXT]",
	    "end the listing (or the exclusion) of IP", OPT_REASON, 1 },
	{ "exclude", cmd_exclude, "IP [--reason TEXT]",
	    "never test and never list IP", OPT_REASON, 1 },
	{ "show", cmd_show, "IP",
	    "show the record, evidence and history of IP", 0, 1 },
	{ "list", cmd_list, "[--state STATE]",
	    "list hosts (pending, listed, clean, delisted, excluded)",
	    OPT_STATE, 0 },
	{ "import", cmd_import, "FILE [--code N]",
	    "list the addresses in FILE (- for stdin) by hand",
	    OPT_CODE, 1 },
	{ "export", cmd_export, "[--format plain|rbldnsd]",
	    "print the listed addresses", OPT_FORMAT, 0 },
	{ "test", cmd_test, "HOST[:PORT]",
	    "run the relay tests once and print the transcript and verdict",
	    0, 1 },
	{ "stats", cmd_stats, "", "print counts and the store's size", 0, 0 },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: relaybl [-c FILE] COMMAND [ARGS]\n"
	    "       relaybl COMMAND -h\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n  -c FILE  configuration (default %s)\n"
	    "  -h       this help\n  -V       print the version\n", RB_CONF);
}

const struct cli_cmd *
cli_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

int
cli_usage(const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "usage: relaybl %s %s\n  %s\n", c->name, c->usage, c->help);
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

/*
 * Parse a command's options and arguments into *o.
 * @return EXIT_OK to go on, CLI_DONE after printing the help, or
 *	EXIT_USAGE after a usage message.
 */
#define CLI_DONE	(-1)

static int
cli_getopts(const struct cli_cmd *c, int argc, char **argv,
    struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "code", required_argument, NULL, OPT_CODE },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch, li;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* glibc: a full reset after main()'s getopt */
	while ((ch = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (ch == 'h') {
			cli_usage(c, stdout);
			return CLI_DONE;
		}
		if (ch == '?' || !(c->opts & ch)) {
			if (ch != '?')
				fprintf(stderr, "relaybl %s: option '--%s' "
				    "not taken\n", c->name, longopts[li].name);
			return cli_usage(c, stderr);
		}
		switch (ch) {
		case OPT_CODE:
			if (cli_parse_code(optarg, &o->code) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case OPT_REASON:
			o->reason = optarg;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs != c->nargs) {
		fprintf(stderr, "relaybl %s: %s\n", c->name,
		    o->nargs < c->nargs ? "missing argument" :
		    "too many arguments");
		return cli_usage(c, stderr);
	}
	return EXIT_OK;
}

int
cli_open(struct cli *cli, int flags, struct db **db)
{
	int	rc;

	rc = db_open(cli->conf.store_path, flags, cli->conf.map_size, db);
	if (rc != RB_OK) {
		fprintf(stderr, "relaybl: store %s: %s\n",
		    cli->conf.store_path, rb_strerror(rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int
cli_parse_addr(const char *s, struct addr *a)
{
	if (addr_parse_str(s, a) != RB_OK) {
		fprintf(stderr, "relaybl: '%s' is not an IPv4 or IPv6 "
		    "address\n", s);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int
cli_parse_code(const char *s, int *code)
{
	char	*end;
	long	 v;

	/* Accept the last octet (4) or the whole answer (127.0.0.4). */
	if (strncmp(s, "127.0.0.", 8) == 0)
		s += 8;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    v < CODE_MIN || v > CODE_MAX) {
		fprintf(stderr, "relaybl: code '%s': expected %d..%d "
		    "(answered as 127.0.0.N)\n", s, CODE_MIN, CODE_MAX);
		return EXIT_USAGE;
	}
	*code = (int)v;
	return EXIT_OK;
}

char *
cli_time(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	struct cli_opts		 opts;
	struct cli		*cli;
	const char		*conf = RB_CONF;
	char			 err[512];
	int			 ch, rc;

	while ((ch = getopt(argc, argv, "+c:hV")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("relaybl %s\n", RB_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cli_find(argv[0])) == NULL) {
		fprintf(stderr, "relaybl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = cli_getopts(cmd, argc, argv, &opts)) != EXIT_OK)
		return rc == CLI_DONE ? EXIT_OK : rc;
	if ((cli = calloc(1, sizeof(*cli))) == NULL) {
		perror("relaybl");
		return EXIT_FAIL;
	}
	if (config_load(conf, &cli->conf, err, sizeof(err)) != RB_OK) {
		fprintf(stderr, "relaybl: %s\n", err);
		free(cli);
		return EXIT_FAIL;
	}
	cli->now = time(NULL);
	rc = cmd->run(cli, &opts);
	free(cli);
	return rc;
}
