/* SPDX-License-Identifier: ISC */
/*
 * dns.h -- relaybl-dns: zones, the query path and the listeners
 *
 * zone.c reads each zone's master file with ldns into static, pre-encoded
 * records; query.c turns one query packet into one answer packet with no
 * I/O and no allocation, reading listings from a db_reader; listen.c owns
 * the sockets and threads; main.c the configuration and signals.
 */
#ifndef RB_DNS_H
#define RB_DNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

#define DNS_HDRLEN	12
#define DNS_MAXNAME	255	/* wire length of a name */
#define DNS_MAXUDP	1232	/* the EDNS payload size we advertise */
#define DNS_MINUDP	512	/* without EDNS */
#define DNS_MAXMSG	65535	/* TCP */

/* ---- zone.c ----------------------------------------------------------- */

/* One record of the master file, owner name left out (it is implied). */
struct zone_rr {
	uint16_t	 type;
	uint32_t	 ttl;
	uint16_t	 rdlen;
	const uint8_t	*rdata;		/* uncompressed wire rdata */
};

/* A name of the master file and all its records. */
struct zone_name {
	uint8_t		 name[DNS_MAXNAME];	/* wire, lower case */
	size_t		 namelen;
	struct zone_rr	*rrs;
	size_t		 nrrs;
};

struct zone {
	uint8_t		 name[DNS_MAXNAME];	/* wire, lower case */
	size_t		 namelen;
	int		 nlabels;
	char		 text[CONF_NAMELEN];	/* "relays.example.org" */
	uint32_t	 ttl;			/* of A and TXT answers */
	uint8_t		 codes[32];		/* the codes it serves */
	char		 txt[CONF_TEXTLEN];	/* TXT template */
	uint32_t	 neg_ttl;		/* min(SOA TTL, SOA minimum) */
	const struct zone_rr *soa;		/* in names[0] */
	struct zone_name *names;		/* names[0] is the apex */
	size_t		 nnames;
};

struct zoneset {
	struct zone	*zones;
	size_t		 n;
};

/*
 * Load every zone the configuration names: its master file (which must
 * hold an SOA at the apex and nothing outside the zone), TTL and TXT
 * template.
 * @param err: on failure, "FILE:LINE: why".
 * @return the set, or NULL with err set.
 */
struct zoneset	*zone_load(const struct config *conf, char *err, size_t errlen);
void		 zone_free(struct zoneset *zs);

/* @return the records of name (wire, any case) in z, or NULL. */
const struct zone_name *zone_find_name(const struct zone *z,
		    const uint8_t *name, size_t len);

/* ---- query.c ---------------------------------------------------------- */

/* What the query path reads: zones, and the store through a reader. */
struct query_env {
	const struct zoneset	*zones;
	struct db_reader	*rd;	/* begun; NULL: nothing is listed */
	uint32_t		 serial;/* the store's, from the same txn */
	int64_t			 now;
};

#define QUERY_UDP	0
#define QUERY_TCP	1

#define QUERY_ANSWER	0	/* send out[0..*outlen) */
#define QUERY_DROP	1	/* send nothing */

/*
 * Answer one DNS query.
 * @param in: the query as received (untrusted).
 * @param out: room for the answer, at least DNS_MAXMSG bytes for TCP or
 *	DNS_MAXUDP for UDP.
 * @param transport: QUERY_UDP (answers are cut to the client's size,
 *	with TC) or QUERY_TCP.
 * @return QUERY_ANSWER with *outlen set, or QUERY_DROP for a packet we
 *	cannot answer (too short for a header, or a response).
 */
int	 query_process(const struct query_env *env, const uint8_t *in,
	    size_t inlen, uint8_t *out, size_t *outlen, int transport);

/* Where the question starts and what it asks, as query.c parsed it. */
struct question {
	const uint8_t	*name;		/* in the packet, uncompressed */
	size_t		 namelen;	/* wire length, with the root */
	uint16_t	 qtype, qclass;
};

/*
 * Parse the header and question of in, as query_process() does.
 * @return 0 and *q for a well-formed query, else the RCODE it gets
 *	(1 FORMERR) or -1 when it would be dropped.
 */
int	 query_parse_question(const uint8_t *in, size_t inlen,
	    struct question *q);

/* ---- listen.c --------------------------------------------------------- */

struct worker;
struct conn;

struct server {
	const struct config	*conf;
	struct db		*db;
	struct zoneset *_Atomic	 zones;		/* swapped on reload */
	_Atomic unsigned int	 gen;		/* bumped at each swap */
	_Atomic bool		 stop;

	struct worker		*workers;	/* UDP, one per thread */
	unsigned int		 nworkers;

	int			 tcp[CONF_MAXLISTEN];
	size_t			 ntcp;
	pthread_t		 tcp_thread;
	struct db_reader	*tcp_rd;
	_Atomic unsigned int	 tcp_seen;
	struct conn		*conns;
	unsigned int		 nconns;
	unsigned int		 ndead;		/* of them, to be closed */
};

/* Open the UDP and TCP sockets of conf->dns_listen. @return 0 or -1. */
int	 listen_bind(struct server *srv);

/* Start the threads; srv->db and srv->zones must be set. @return 0/-1. */
int	 listen_start(struct server *srv);

/*
 * Serve zs from now on and free the set it replaces once no thread can
 * still be using it (within about a second).
 */
void	 listen_swap_zones(struct server *srv, struct zoneset *zs);

/* Stop the threads, close the sockets. */
void	 listen_stop(struct server *srv);

#endif /* RB_DNS_H */
