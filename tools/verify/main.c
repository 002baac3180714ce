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

#include "daemon.h"
#include "log.h"
#include "verify.h"

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
	struct daemon_opts	 o;
	struct config		*conf;
	struct event_base	*base;
	struct event		*sigs[3];
	struct sched		*s;
	struct db		*db;
	int			 rc, i;
	const int		 signums[3] = { SIGINT, SIGTERM, SIGHUP };

	conf = daemon_start(argc, argv, "relaybl-verify", "the configuration",
	    &o);
	if (check_config(conf, o.conf) != 0)
		exit(1);	/* said why above */
	if (o.check) {
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
