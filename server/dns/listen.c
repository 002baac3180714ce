/* SPDX-License-Identifier: ISC */
/*
 * listen.c -- relaybl-dns's sockets: UDP workers and the TCP loop
 *
 * Each UDP worker owns one socket per listen address, bound with
 * SO_REUSEPORT so that the kernel spreads queries over the workers, and
 * moves packets in batches with recvmmsg/sendmmsg. A worker begins its
 * read txn for a batch and ends it after, so a listing committed by
 * another process is served from the next batch on; it wakes at least
 * once a second, so it never holds a snapshot longer than that.
 *
 * TCP (RFC 7766) is one thread with epoll: length-prefixed messages,
 * several per connection answered in turn, an idle and a total timeout,
 * and a cap on connections (when full, the oldest idle one is closed).
 *
 * The zones are swapped on reload: workers pick up the current set at
 * each wake and publish the generation they saw; the old set is freed
 * once every worker has moved past it.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"

#define BATCH		64
#define UDP_INMAX	4096	/* a query longer than this is dropped */
#define TCP_BUFLEN	(2 + DNS_MAXMSG)
#define TCP_ROUND	16	/* reads and writes a connection gets a round */

struct worker {
	struct server	*srv;
	pthread_t	 thread;
	int		 fds[CONF_MAXLISTEN];
	size_t		 nfds;
	struct db_reader *rd;
	_Atomic unsigned int seen;	/* zone generation last seen */
};

struct conn {
	int		 fd;
	uint8_t		 in[TCP_BUFLEN];
	size_t		 inlen;
	uint8_t		 out[TCP_BUFLEN];
	size_t		 outlen, outoff;
	time_t		 started, active;
	bool		 dead;		/* evicted: closed after this round */
	bool		 again;		/* has more to do: not waiting for I/O */
	struct conn	*next;
};

static time_t
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Log a failure at most once a minute per call site. */
#define LOG_RATELIMITED(last, ...) do {					\
	time_t	now_ = mono();						\
	if (now_ - (last) >= 60) {					\
		(last) = now_;						\
		log_warnx(__VA_ARGS__);					\
	}								\
} while (0)

static int
open_socket(const struct listen_addr *la, int type)
{
	int	fd, on = 1;

	if ((fd = socket(la->ss.ss_family, type | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (type == SOCK_DGRAM && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT,
	    &on, sizeof(on)) == -1) ||
	    (la->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, (const struct sockaddr *)&la->ss, la->len) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 128) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

int
listen_bind(struct server *srv)
{
	const struct listen_list	*l = &srv->conf->dns_listen;
	struct worker			*w;
	unsigned int			 t;
	size_t				 i;

	if (l->n == 0) {
		log_warnx("no [dns] listen address");
		return -1;
	}
	srv->nworkers = srv->conf->dns_threads;
	if ((srv->workers = calloc(srv->nworkers, sizeof(*w))) == NULL)
		return -1;
	for (t = 0; t < srv->nworkers; t++) {
		w = &srv->workers[t];
		w->srv = srv;
		for (i = 0; i < l->n; i++, w->nfds++)
			if ((w->fds[i] = open_socket(&l->a[i], SOCK_DGRAM)) ==
			    -1) {
				log_warn("udp %s", l->a[i].text);
				return -1;
			}
	}
	for (i = 0; i < l->n; i++, srv->ntcp++)
		if ((srv->tcp[i] = open_socket(&l->a[i], SOCK_STREAM)) == -1) {
			log_warn("tcp %s", l->a[i].text);
			return -1;
		}
	return 0;
}

/* ---- UDP -------------------------------------------------------------- */

/* Answer one batch from fd. */
static void
udp_batch(struct worker *w, int fd, const struct zoneset *zs)
{
	static _Thread_local uint8_t	 in[BATCH][UDP_INMAX];
	static _Thread_local uint8_t	 out[BATCH][DNS_MAXUDP];
	static _Thread_local time_t	 lastlog;
	struct mmsghdr			 rmsg[BATCH], smsg[BATCH];
	struct iovec			 riov[BATCH], siov[BATCH];
	struct sockaddr_storage		 from[BATCH];
	struct query_env		 env = { zs, NULL, 0, 0 };
	size_t				 outlen;
	int				 i, n, nout = 0;

	for (i = 0; i < BATCH; i++) {
		riov[i].iov_base = in[i];
		riov[i].iov_len = sizeof(in[i]);
		memset(&rmsg[i].msg_hdr, 0, sizeof(rmsg[i].msg_hdr));
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
		rmsg[i].msg_hdr.msg_name = &from[i];
		rmsg[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	if ((n = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	env.now = time(NULL);
	/* A store we cannot read answers nothing, rather than wrongly. */
	if (db_reader_begin(w->rd) != RB_OK)
		LOG_RATELIMITED(lastlog, "%s: cannot read the store", __func__);
	else if (db_reader_serial(w->rd, &env.serial) != RB_OK)
		LOG_RATELIMITED(lastlog, "%s: no serial", __func__);
	else
		env.rd = w->rd;
	for (i = 0; i < n; i++) {
		if (env.rd == NULL || (rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    query_process(&env, in[i], rmsg[i].msg_len, out[nout],
		    &outlen, QUERY_UDP) != QUERY_ANSWER)
			continue;
		siov[nout].iov_base = out[nout];
		siov[nout].iov_len = outlen;
		memset(&smsg[nout].msg_hdr, 0, sizeof(smsg[nout].msg_hdr));
		smsg[nout].msg_hdr.msg_iov = &siov[nout];
		smsg[nout].msg_hdr.msg_iovlen = 1;
		smsg[nout].msg_hdr.msg_name = &from[i];
		smsg[nout].msg_hdr.msg_namelen = rmsg[i].msg_hdr.msg_namelen;
		nout++;
	}
	db_reader_end(w->rd);
	/* sendmmsg may send part of the batch: send the rest. */
	for (i = 0; i < nout; i += n) {
		n = sendmmsg(fd, smsg + i, (unsigned int)(nout - i), 0);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			if (errno != EAGAIN)
				LOG_RATELIMITED(lastlog, "%s: sendmmsg: %s",
				    __func__, strerror(errno));
			break;
		}
	}
}

static void *
udp_worker(void *arg)
{
	struct worker	*w = arg;
	struct server	*srv = w->srv;
	struct pollfd	 pfd[CONF_MAXLISTEN];
	size_t		 i;

	for (i = 0; i < w->nfds; i++) {
		pfd[i].fd = w->fds[i];
		pfd[i].events = POLLIN;
	}
	while (!srv->stop) {
		w->seen = srv->gen;
		if (poll(pfd, w->nfds, 1000) <= 0)
			continue;
		for (i = 0; i < w->nfds; i++)
			if (pfd[i].revents & POLLIN)
				udp_batch(w, w->fds[i], srv->zones);
	}
	w->seen = UINT32_MAX;
	return NULL;
}

/* ---- TCP -------------------------------------------------------------- */

static void
conn_close(struct server *srv, struct conn *c)
{
	struct conn	**pp;

	for (pp = &srv->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	close(c->fd);
	free(c);
	srv->nconns--;
}

static void
tcp_accept(struct server *srv, int lfd, int ep)
{
	struct epoll_event	 ev;
	struct conn		*c, *oldest;
	int			 fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		/*
		 * Full: make room by evicting the longest idle one. It may
		 * have an event later in this round, so it is only marked
		 * here and closed after the round.
		 */
		if (srv->nconns - srv->ndead >= srv->conf->dns_tcp_max) {
			for (oldest = NULL, c = srv->conns; c != NULL;
			    c = c->next)
				/* Newest first: on a tie, the older wins. */
				if (!c->dead && (oldest == NULL ||
				    c->active <= oldest->active))
					oldest = c;
			if (oldest != NULL) {
				oldest->dead = true;
				srv->ndead++;
			}
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->started = c->active = mono();
		c->next = srv->conns;
		srv->conns = c;
		srv->nconns++;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			conn_close(srv, c);
	}
}

/* Answer the complete messages in c->in while there is room to send. */
static void
tcp_answer(struct server *srv, struct conn *c)
{
	struct query_env	 env = { srv->zones, NULL, 0, time(NULL) };
	size_t			 mlen, outlen;

	while (c->outlen == 0 && c->inlen >= 2) {
		mlen = (size_t)c->in[0] << 8 | c->in[1];
		if (c->inlen < 2 + mlen)
			return;
		if (db_reader_begin(srv->tcp_rd) == RB_OK) {
			env.rd = srv->tcp_rd;
			if (db_reader_serial(env.rd, &env.serial) == RB_OK &&
			    query_process(&env, c->in + 2, mlen, c->out + 2,
			    &outlen, QUERY_TCP) == QUERY_ANSWER) {
				c->out[0] = (uint8_t)(outlen >> 8);
				c->out[1] = (uint8_t)outlen;
				c->outlen = 2 + outlen;
				c->outoff = 0;
			}
			db_reader_end(srv->tcp_rd);
		}
		memmove(c->in, c->in + 2 + mlen, c->inlen - 2 - mlen);
		c->inlen -= 2 + mlen;
	}
}

/*
 * Move what can move on c, up to TCP_ROUND steps, so that a client that
 * pipelines without end cannot keep the others (and the reload and stop
 * checks) waiting; c->again asks for another turn in the next round.
 * @return -1 when c is done with.
 */
static int
tcp_io(struct server *srv, struct conn *c)
{
	ssize_t	n;
	int	steps = 0;

	c->again = false;
	if (mono() - c->started >= srv->conf->dns_tcp_lifetime)
		return -1;
	for (;;) {
		if (++steps > TCP_ROUND) {
			c->again = true;
			return 0;
		}
		if (c->outlen > 0) {
			n = send(c->fd, c->out + c->outoff,
			    c->outlen - c->outoff, MSG_NOSIGNAL);
			if (n == -1)
				return errno == EAGAIN ? 0 : -1;
			c->outoff += (size_t)n;
			c->active = mono();
			if (c->outoff == c->outlen)
				c->outlen = c->outoff = 0;
			tcp_answer(srv, c);
			continue;
		}
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			return -1;
		if (n == -1)
			return 0;
		c->inlen += (size_t)n;
		c->active = mono();
		tcp_answer(srv, c);
	}
}

static void
tcp_timeouts(struct server *srv)
{
	struct conn	*c, *next;
	time_t		 now = mono();

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->dead || now - c->active >= srv->conf->dns_tcp_idle ||
		    now - c->started >= srv->conf->dns_tcp_lifetime)
			conn_close(srv, c);
	}
	srv->ndead = 0;
}

static void *
tcp_loop(void *arg)
{
	struct server		*srv = arg;
	struct epoll_event	 ev, evs[64];
	struct conn		*c;
	size_t			 i;
	int			 ep, n, j;
	bool			 busy;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	for (i = 0; i < srv->ntcp; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = &srv->tcp[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, srv->tcp[i], &ev) == -1)
			fatal("epoll_ctl");
	}
	while (!srv->stop) {
		srv->tcp_seen = srv->gen;
		for (busy = false, c = srv->conns; c != NULL; c = c->next)
			busy |= c->again && !c->dead;
		n = epoll_wait(ep, evs, 64, busy ? 0 : 1000);
		/* First those that had more to do, then the new events. */
		for (c = srv->conns; busy && c != NULL; c = c->next)
			if (c->again && !c->dead && tcp_io(srv, c) == -1) {
				c->dead = true;
				srv->ndead++;
			}
		for (j = 0; j < n; j++) {
			if ((int *)evs[j].data.ptr >= srv->tcp &&
			    (int *)evs[j].data.ptr < srv->tcp + srv->ntcp) {
				tcp_accept(srv, *(int *)evs[j].data.ptr, ep);
				continue;
			}
			c = evs[j].data.ptr;
			if (!c->dead && tcp_io(srv, c) == -1) {
				c->dead = true;
				srv->ndead++;
			}
		}
		tcp_timeouts(srv);
	}
	while (srv->conns != NULL)
		conn_close(srv, srv->conns);
	close(ep);
	srv->tcp_seen = UINT32_MAX;
	return NULL;
}

/* ---- start, reload, stop ---------------------------------------------- */

int
listen_start(struct server *srv)
{
	unsigned int	t;
	int		rc;

	for (t = 0; t < srv->nworkers; t++) {
		if (db_reader_new(srv->db, &srv->workers[t].rd) != RB_OK)
			return -1;
		if ((rc = pthread_create(&srv->workers[t].thread, NULL,
		    udp_worker, &srv->workers[t])) != 0) {
			errno = rc;
			return -1;
		}
	}
	if (db_reader_new(srv->db, &srv->tcp_rd) != RB_OK)
		return -1;
	if ((rc = pthread_create(&srv->tcp_thread, NULL, tcp_loop, srv)) != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

void
listen_swap_zones(struct server *srv, struct zoneset *zs)
{
	struct zoneset	*old = srv->zones;
	unsigned int	 gen, t;
	bool		 behind;

	srv->zones = zs;
	gen = ++srv->gen;
	/* Wait until every thread has woken since the swap. */
	do {
		behind = srv->tcp_seen < gen;
		for (t = 0; t < srv->nworkers; t++)
			behind |= srv->workers[t].seen < gen;
		if (behind)
			usleep(20000);
	} while (behind);
	zone_free(old);
}

void
listen_stop(struct server *srv)
{
	unsigned int	t;
	size_t		i;

	srv->stop = true;
	for (t = 0; t < srv->nworkers; t++) {
		if (srv->workers[t].thread)
			pthread_join(srv->workers[t].thread, NULL);
		for (i = 0; i < srv->workers[t].nfds; i++)
			close(srv->workers[t].fds[i]);
		db_reader_free(srv->workers[t].rd);
	}
	if (srv->tcp_thread)
		pthread_join(srv->tcp_thread, NULL);
	for (i = 0; i < srv->ntcp; i++)
		close(srv->tcp[i]);
	db_reader_free(srv->tcp_rd);
	free(srv->workers);
	srv->workers = NULL;
}
