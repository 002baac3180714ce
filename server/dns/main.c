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

#include "buildinfo.h"
#include "dns.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: relaybl-dns [-dhnV] [-c FILE]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -d       more logging (repeat for more)\n"
	    "  -n       check the configuration and zones, then exit\n"
	    "  -h       this help\n"
	    "  -V       print the version\n", RB_CONF);
}

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
	struct server	 srv;
	struct config	*conf;
	struct zoneset	*zs;
	const char	*path = RB_CONF;
	sigset_t	 set;
	int		 ch, sig, verbose = 0, check = 0, rc;

	log_procinit("relaybl-dns");
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
			printf("relaybl-dns %s\n", RB_VERSION);
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
	if (load(path, conf, &zs) != 0)
		return 1;
	if (check) {
		printf("configuration OK\n");
		zone_free(zs);
		free(conf);
		return 0;
	}

	memset(&srv, 0, sizeof(srv));
	srv.conf = conf;
	srv.zones = zs;
	if (listen_bind(&srv) != 0)
		return 1;
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
		reload(&srv, path, conf);
	}
	log_info("stopping on signal %d", sig);
	listen_stop(&srv);
	db_close(srv.db);
	zone_free(srv.zones);
	free(conf);
	return 0;
}
