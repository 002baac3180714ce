/* SPDX-License-Identifier: ISC */
/*
 * daemon.c -- options and configuration, the same for every daemon
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon.h"
#include "log.h"

static void
usage(FILE *f, const char *name, const char *checks)
{
	fprintf(f, "usage: %s [-dhnV] [-c FILE]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -d       more logging (repeat for more)\n"
	    "  -n       check %s, then exit\n"
	    "  -h       this help\n"
	    "  -V       print the version\n", name, RB_CONF, checks);
}

struct config *
daemon_start(int argc, char **argv, const char *name, const char *checks,
    struct daemon_opts *o)
{
	struct config	*conf;
	char		 err[512];
	int		 ch;

	log_procinit(name);
	log_init(1, LOG_DAEMON);
	o->conf = RB_CONF;
	o->verbose = 0;
	o->check = false;
	while ((ch = getopt(argc, argv, "c:dhnV")) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'd':
			o->verbose++;
			break;
		case 'h':
			usage(stdout, name, checks);
			exit(0);
		case 'n':
			o->check = true;
			break;
		case 'V':
			printf("%s %s\n", name, RB_VERSION);
			exit(0);
		default:
			usage(stderr, name, checks);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr, name, checks);
		exit(2);
	}
	log_setverbose(o->verbose);
	if ((conf = malloc(sizeof(*conf))) == NULL)
		fatal("malloc");
	if (config_load(o->conf, conf, err, sizeof(err)) != RB_OK)
		fatalx("%s", err);
	return conf;
}
