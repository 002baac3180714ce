/* SPDX-License-Identifier: ISC */
/*
 * main.c -- relaybl-dns: answer DNSBL queries from the store
 *
 * Start-up: read the configuration and the zone files, bind the ports,
 * open the store read-only, start the UDP workers and the TCP thread.
 * Then the main thread only waits for signals (blocked everywhere and
 * taken with sigwait, so no handler runs): SIGHUP reloads the
 * configuration and zones and keeps the old ones if the new are bad;
 * SIGTERM and SIGINT stop the threads and exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "dns.h"
#include "log.h"

/* Load conf and zones from path. @return 0, or -1 after logging. */
static int
load(const char *path, struct config *conf, struct zoneset **zs)
{
	char	err[512];

	if (config_load(path, conf, err, sizeof(err)) != RB_OK) {
		log_warnx("%s", err);
		return -1;
	}
	if ((*zs = zone_load(conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

static bool
same_listen(const struct listen_list *a, const struct listen_list *b)
{
	size_t	i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->a[i].text, b->a[i].text) != 0)
			return false;
	return true;
}

/* SIGHUP: new zones and TXT templates; what needs a restart is said. */
static void
reload(struct server *srv, const char *path, struct config *conf)
{
	struct config	*next;
	struct zoneset	*zs = NULL;

	if ((next = malloc(sizeof(*next))) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	if (load(path, next, &zs) != 0) {
		log_warnx("reload failed: still serving the old configuration");
		free(next);
		return;
	}
	if (!same_listen(&next->dns_listen, &conf->dns_listen) ||
	    next->dns_threads != conf->dns_threads ||
	    strcmp(next->store_path, conf->store_path) != 0)
		log_warnx("listen addresses, threads and the store change "
		    "only on restart");
	listen_swap_zones(srv, zs);
	log_info("reloaded %s: %zu zone%s", path, zs->n, zs->n == 1 ? "" :
	    "s");
	free(next);
}

int
main(int argc, char **argv)
{
	struct daemon_opts	 o;
	struct server		 srv;
	struct config		*conf;
	struct zoneset		*zs;
	char			 err[512];
	sigset_t		 set;
	int			 sig, rc;

	conf = daemon_start(argc, argv, "relaybl-dns",
	    "the configuration and the zone files", &o);
	if ((zs = zone_load(conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (o.check) {
		printf("configuration OK\n");
		zone_free(zs);
		free(conf);
		return 0;
	}

	memset(&srv, 0, sizeof(srv));
	srv.conf = conf;
	srv.zones = zs;
	if (listen_bind(&srv) != 0)
		exit(1);	/* said why above */
	if ((rc = db_open(conf->store_path, DB_RDONLY, 0, &srv.db)) != RB_OK)
		fatalx("store %s: %s%s", conf->store_path, rb_strerror(rc),
		    rc == RB_ENOENT ? " (create it with relaybl init)" : "");

	/* Signals go to sigwait() below, never to a worker. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (listen_start(&srv) != 0)
		fatal("starting threads");
	log_info("serving %zu zone%s on %zu address%s", zs->n,
	    zs->n == 1 ? "" : "s", conf->dns_listen.n,
	    conf->dns_listen.n == 1 ? "" : "es");

	for (;;) {
		if ((rc = sigwait(&set, &sig)) != 0) {
			errno = rc;
			fatal("sigwait");
		}
		if (sig != SIGHUP)
			break;
		reload(&srv, o.conf, conf);
	}
	log_info("stopping on signal %d", sig);
	listen_stop(&srv);
	db_close(srv.db);
	zone_free(srv.zones);
	free(conf);
	return 0;
}
