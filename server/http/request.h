/* SPDX-License-Identifier: ISC */
/*
 * request.h -- starting and stopping libmicrohttpd (main.c only)
 *
 * Kept out of http.h so that nothing else sees an MHD type.
 */
#ifndef RB_REQUEST_H
#define RB_REQUEST_H

#include <pthread.h>

#include "http.h"

struct MHD_Daemon;
struct track;

struct request_ctx {
	const struct config	*conf;
	struct api		*api;
	/* Requests being read, for request_sweep(); request.c's own. */
	struct track		*tracks;
	size_t			 ntracks;
	pthread_mutex_t		 lock;
};

/*
 * Listen on the first [http] listen address with the configured limits
 * (connections, per address, timeout, body size) in one epoll thread.
 * @return the daemon, or NULL.
 */
struct MHD_Daemon *request_start(struct request_ctx *ctx);
void		 request_stop(struct MHD_Daemon *d);

/*
 * Cut off requests that have taken more than twice the connection
 * timeout to arrive (MHD's own timeout only sees idleness). Call it from
 * another thread about once a second.
 */
void		 request_sweep(struct request_ctx *ctx);

#endif /* RB_REQUEST_H */
