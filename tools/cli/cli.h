/* SPDX-License-Identifier: ISC */
/*
 * cli.h -- the relaybl operator command: shared state and commands
 *
 * main.c parses the global options, loads the configuration and runs
 * one command; each command parses its own options and opens the store
 * only once its arguments are known to be good, so that a usage error
 * never touches the store.
 */
#ifndef RB_CLI_H
#define RB_CLI_H

#include <stdio.h>

#include "config.h"
#include "db.h"

/* Exit statuses. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* bad input, or the store refused */
#define EXIT_USAGE	2	/* a usage error */

struct cli {
	struct config	 conf;
	int64_t		 now;
};

/* Options a command may take (struct cli_cmd.opts). */
#define OPT_CODE	0x01	/* --code N */
#define OPT_REASON	0x02	/* --reason TEXT */
#define OPT_STATE	0x04	/* --state S */
#define OPT_FORMAT	0x08	/* --format F */

struct cli_opts {
	int		 code;		/* 0 when not given */
	const char	*reason;
	const char	*state;
	const char	*format;
	char		**args;		/* the positional arguments */
	int		 nargs;
};

struct cli_cmd {
	const char	*name;
	int		(*run)(struct cli *, const struct cli_opts *);
	const char	*usage;		/* the arguments */
	const char	*help;		/* one line */
	int		 opts;		/* OPT_* it takes */
	int		 nargs;		/* positional arguments it needs */
};

/* main.c */
int	 cli_open(struct cli *, int flags, struct db **);
int	 cli_usage(const struct cli_cmd *, FILE *);
const struct cli_cmd *cli_find(const char *);
int	 cli_parse_addr(const char *, struct addr *);
int	 cli_parse_code(const char *, int *);
char	*cli_time(int64_t, char *, size_t);

/* cmd_host.c */
int	 cmd_add(struct cli *, const struct cli_opts *);
int	 cmd_del(struct cli *, const struct cli_opts *);
int	 cmd_exclude(struct cli *, const struct cli_opts *);
int	 cmd_show(struct cli *, const struct cli_opts *);
int	 cmd_list(struct cli *, const struct cli_opts *);
int	 cmd_stats(struct cli *, const struct cli_opts *);
int	 cmd_init(struct cli *, const struct cli_opts *);

/* cmd_test.c */
int	 cmd_test(struct cli *, const struct cli_opts *);

/* cmd_io.c */
int	 cmd_import(struct cli *, const struct cli_opts *);
int	 cmd_export(struct cli *, const struct cli_opts *);

#endif /* RB_CLI_H */
