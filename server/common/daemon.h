/* SPDX-License-Identifier: ISC */
/*
 * daemon.h -- what the three daemons share before they serve
 *
 * relaybl-dns, relaybl-http and relaybl-verify take the same options
 * and start the same way: name the log, read the options, read the
 * configuration file, and with -n stop there.
 */
#ifndef RB_DAEMON_H
#define RB_DAEMON_H

#include <stdbool.h>

#include "config.h"

struct daemon_opts {
	const char	*conf;		/* -c FILE, or the default */
	int		 verbose;	/* -d, counted */
	bool		 check;		/* -n */
};

/*
 * Start a daemon: log to stderr as name, parse -c FILE -d -h -n -V
 * (printing the usage or the version and exiting for -h and -V, and
 * exiting 2 on a usage error), and load the configuration into a new
 * struct config (exiting 1 with the error if it is bad).
 * @param checks: what -n checks, for the usage ("the configuration").
 * @return the configuration, to be freed by the caller.
 */
struct config	*daemon_start(int argc, char **argv, const char *name,
		    const char *checks, struct daemon_opts *o);

#endif /* RB_DAEMON_H */
