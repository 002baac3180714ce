/* SPDX-License-Identifier: ISC */
/*
 * main.c -- relaybl-verify: the scheduler, the probes and the canary
 *
 * One libevent loop runs everything: the canary listener, the SMTP
 * sessions of the runs, the scheduler's tick and the signals. SIGTERM
 * and SIGINT stop the loop; tests in flight are dropped, and their
 * claims in the store run out so that they are taken again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "buildinfo.h"
#include "log.h"
#include "verify.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: relaybl-verify [-dhnV] [-c FILE]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -d       more logging\n"
	    "  -n       check the configuration, then exit\n"
	    "  -h       this help\n"
	    "  -V       print the version\n", RB_CONF);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	if (sig == SIGHUP) {
		log_warnx("SIGHUP: relaybl-verify reads its configuration "
		    "only at start; restart it to change it");
		return;
	}
	log_info("stopping on signal %d", (int)sig);
	event_base_loopexit(arg, NULL);
}

/* The checks that config.c cannot make alone. */
static int
check_config(const struct config *c, const char *path)
{
	if (c->canary_domain[0] == '\0' || c->bounce_domain[0] == '\0') {
		log_warnx("%s: [verify] needs canary_domain and bounce_domain",
		    path);
		return -1;
	}
	if (strcasecmp(c->canary_domain, c->bounce_domain) == 0) {
		log_warnx("%s: [verify] the canary domain may not be the "
		    "bounce domain: it is never a sender", path);
		return -1;
	}
	if (c->canary_listen.n == 0) {
		log_warnx("%s: [verify] canary_listen is missing", path);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config		*conf;
	struct event_base	*base;
	struct event		*sigs[3];
	struct sched		*s;
	struct db		*db;
	const char		*path = RB_CONF;
	char			 err[512];
	int			 ch, verbose = 0, check = 0, rc, i;
	const int		 signums[3] = { SIGINT, SIGTERM, SIGHUP };

	log_procinit("relaybl-verify");
	log_init(1, LOG_DAEMON);
	while ((ch = getopt(argc, argv, "c:dhnV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("relaybl-verify %s\n", RB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_setverbose(verbose);
	if ((conf = malloc(sizeof(*conf))) == NULL)
		fatal("malloc");
	if (config_load(path, conf, err, sizeof(err)) != RB_OK)
		fatalx("%s", err);
	if (check_config(conf, path) != 0)
		return 1;
	if (check) {
		printf("configuration OK\n");
		free(conf);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((rc = db_open(conf->store_path, 0, conf->map_size, &db)) != RB_OK)
		fatalx("store %s: %s", conf->store_path, rb_strerror(rc));
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 3; i++)
		if ((sigs[i] = evsignal_new(base, signums[i], on_signal,
		    base)) == NULL || event_add(sigs[i], NULL) != 0)
			fatalx("evsignal_new");
	if ((s = sched_new(base, conf, db)) == NULL)
		fatalx("cannot start: see above");
	log_info("canary on %s for %s; testing port %u",
	    conf->canary_listen.a[0].text, conf->canary_domain,
	    conf->verify_port);
	event_base_dispatch(base);
	sched_free(s);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(base);
	db_close(db);
	free(conf);
	return 0;
}
