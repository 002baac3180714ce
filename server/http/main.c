/* SPDX-License-Identifier: ISC */
/*
 * main.c -- relaybl-http: take reports and retest requests, show hosts
 *
 * Start-up: read the configuration and the key files, open the store
 * for writing, start libmicrohttpd's epoll thread (which runs every
 * handler, so the store handle has one user). The main thread waits for
 * signals with sigtimedwait: SIGHUP re-reads the key files and swaps
 * them in under a lock (a bad one is logged and the old keys stay), SIGTERM and SIGINT stop; once a
 * second it cuts off requests that trickle in too slowly.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "request.h"

#define SWAP(a, b)	do { struct keys *t_ = (a); (a) = (b); (b) = t_; } while (0)

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
	pthread_rwlock_wrlock(&api->keylock);
	SWAP(api->apikeys, ak);
	SWAP(api->opkeys, ok);
	pthread_rwlock_unlock(&api->keylock);
	keys_free(ak);
	keys_free(ok);
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon_opts	 o;
	struct request_ctx	 ctx;
	struct api		 api;
	struct config		*conf;
	struct MHD_Daemon	*d;
	sigset_t		 set;
	int			 sig, rc;

	conf = daemon_start(argc, argv, "relaybl-http",
	    "the configuration and the key files", &o);
	if (conf->http_listen.n != 1)
		fatalx("%s: [http] listen: give exactly one address (put a "
		    "proxy in front for more)", o.conf);
	memset(&api, 0, sizeof(api));
	api.conf = conf;
	pthread_rwlock_init(&api.keylock, NULL);
	if (load_keys(&api, conf) != 0)
		exit(1);	/* said why above */
	if (o.check) {
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
		if (load_keys(&api, conf) == 0)
			log_info("reloaded the key files");
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
