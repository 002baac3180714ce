/* SPDX-License-Identifier: ISC */
/*
 * main.c -- relaybl-http: take reports and retest requests, show hosts
 *
 * Start-up: read the configuration and the key files, open the store
 * for writing, start libmicrohttpd's epoll thread (which runs every
 * handler, so the store handle has one user). The main thread waits for
 * signals with sigtimedwait: SIGHUP re-reads the key files (a bad one
 * is logged and the old keys stay), SIGTERM and SIGINT stop; once a
 * second it cuts off requests that trickle in too slowly.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "buildinfo.h"
#include "http.h"
#include "log.h"
#include "request.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: relaybl-http [-dhnV] [-c FILE]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -d       more logging\n"
	    "  -n       check the configuration and key files, then exit\n"
	    "  -h       this help\n"
	    "  -V       print the version\n", RB_CONF);
}

/* Read both key files; on error log it and leave *api alone. */
static int
load_keys(struct api *api, const struct config *conf)
{
	struct keys	*ak, *ok;
	char		 err[512];

	if ((ak = keys_load(conf->api_keys_file, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if ((ok = keys_load(conf->operator_key_file, err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s", err);
		keys_free(ak);
		return -1;
	}
	keys_free(api->apikeys);
	keys_free(api->opkeys);
	api->apikeys = ak;
	api->opkeys = ok;
	return 0;
}

int
main(int argc, char **argv)
{
	struct request_ctx	 ctx;
	struct api		 api;
	struct config		*conf;
	struct MHD_Daemon	*d;
	const char		*path = RB_CONF;
	char			 err[512];
	sigset_t		 set;
	int			 ch, sig, verbose = 0, check = 0, rc;

	log_procinit("relaybl-http");
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
			printf("relaybl-http %s\n", RB_VERSION);
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
	if (conf->http_listen.n != 1)
		fatalx("%s: [http] listen: give exactly one address (put a "
		    "proxy in front for more)", path);
	memset(&api, 0, sizeof(api));
	api.conf = conf;
	if (load_keys(&api, conf) != 0)
		return 1;
	if (check) {
		printf("configuration OK\n");
		keys_free(api.apikeys);
		keys_free(api.opkeys);
		free(conf);
		return 0;
	}
	if ((rc = db_open(conf->store_path, 0, conf->map_size, &api.db)) !=
	    RB_OK)
		fatalx("store %s: %s", conf->store_path, rb_strerror(rc));
	if ((api.rl = ratelimit_new(65536)) == NULL)
		fatal("ratelimit_new");

	/* Signals go to sigtimedwait() below, never to MHD's thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = conf;
	ctx.api = &api;
	if ((d = request_start(&ctx)) == NULL)
		fatal("cannot listen on %s", conf->http_listen.a[0].text);
	log_info("listening on http://%s/", conf->http_listen.a[0].text);

	for (;;) {
		if ((sig = sigtimedwait(&set, NULL, &(struct timespec){ 1, 0 }))
		    == -1) {
			if (errno != EAGAIN && errno != EINTR)
				fatal("sigtimedwait");
			request_sweep(&ctx);
			continue;
		}
		if (sig != SIGHUP)
			break;
		/*
		 * The keys are read by MHD's thread: stop it for the swap.
		 * Connections in flight are cut; clients retry.
		 */
		request_stop(d);
		if (load_keys(&api, conf) == 0)
			log_info("reloaded the key files");
		if ((d = request_start(&ctx)) == NULL)
			fatal("cannot listen on %s",
			    conf->http_listen.a[0].text);
	}
	log_info("stopping on signal %d", sig);
	request_stop(d);
	free(ctx.tracks);
	db_close(api.db);
	ratelimit_free(api.rl);
	keys_free(api.apikeys);
	keys_free(api.opkeys);
	free(conf);
	return 0;
}
