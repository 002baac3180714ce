/* SPDX-License-Identifier: ISC */
/*
 * query_fixture.h -- a store, three zones and query_process(), for tests
 *
 * Shared by test_query.c (the answers) and test_query_wire.c (the wire:
 * opcodes, malformed queries, EDNS, sizes, case and flags). setup() makes
 * one store for the whole group in a temporary directory, with the
 * listings below, and loads the sample zone, BIG (whose TXT template
 * makes answers too big for 512 bytes) and EXITS (code 3 only). answer()
 * checks what every answer must be before a test looks at it.
 */
#ifndef QUERY_FIXTURE_H
#define QUERY_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "config.h"
#include "db.h"
#include "dns.h"

/*
 * Listed: 192.0.2.1 and 2001:db8::1 open relays, 192.0.2.3 a multi-stage
 * relay's output, 192.0.2.4 by hand.
 */
#define T0	1700000000		/* listings are made at this time */
#define T0DATE	"2023-11-14"		/* its UTC date */
#define ZONE	"relays.example.org"
#define BIG	"big.example.net"
#define EXITS	"exits.example.net"	/* serves code 3 only */
#define TTL	2100			/* of A and TXT in ZONE */
#define BIGTTL	86400
#define NEGTTL	300			/* min(SOA TTL 3600, minimum 300) */
#define APEXTTL	3600			/* $TTL of the sample zone file */
/* 2001:db8::1 reversed; "2" V6NAME is 2001:db8::2 */
#define V6NAME	".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
#define V6	"1" V6NAME
#define V6UPNAME	".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" \
			".8.B.D.0.1.0.0.2"
#define V6UP	"1" V6UPNAME

struct fixture {
	char		 dir[64];
	struct db	*db;
	struct db_reader *rd;
	struct zoneset	*zs;
	struct query_env env;
	char		 bigtxt[CONF_TEXTLEN];
	uint8_t		 out[DNS_MAXMSG];	/* the last answer */
	size_t		 outlen;
};

extern struct fixture	 F;

/* How to ask. The zero value: UDP, RD, no EDNS, ID 0x1234. */
struct how {
	uint16_t	 id;
	bool		 no_rd, cd;
	uint16_t	 edns;		/* the payload size, 0: no OPT */
	bool		 dnssec_ok;
	uint8_t		 version;
	int		 transport;
};

extern const struct how	 plain;

/* ---- the fixture ------------------------------------------------------ */

/* cmocka group setup and teardown: make F, and remove it all. */
int	 setup(void **state);
int	 teardown(void **state);

/* After each test, free the last answer (left by a failure too). */
int	 free_last(void **state);

/* Renew the read txn, as relaybl-dns does, and take its serial. */
void	 renew(void);

/*
 * List ip with code at T0, as relaybl-http would between batches: by the
 * operator if by_hand, else as a confirmed relay. Renews the read txn.
 */
void	 list(const char *ip, int code, bool by_hand);

/* ---- queries ---------------------------------------------------------- */

/* Build a query with ldns into buf (512 bytes). @return its length. */
size_t	 build(uint8_t *buf, const char *name, uint16_t type, uint16_t cls,
	    const struct how *h);

/*
 * Answer q into F.out, check what every answer must be (it parses, and
 * echoes the ID, RD, CD and the question; QR set, RA not), and parse it.
 * @return the answer, valid until the next call or free_last().
 */
ldns_pkt	*answer(const uint8_t *q, size_t qlen, int transport);

/* answer() a query for name and type of class IN, asked as h says. */
ldns_pkt	*ask(const char *name, uint16_t type, const struct how *h);

/* ---- answers ---------------------------------------------------------- */

/* Check rcode, AA and the counts of answers and authority; no TC. */
void	 expect(ldns_pkt *p, int rcode, bool aa, size_t an, size_t ns);

/* An answer with no records and no AA. */
void	 expect_bare(ldns_pkt *p, int rcode);

/* NOERROR or NXDOMAIN: no data, AA, the SOA with the negative TTL. */
void	 expect_nodata(ldns_pkt *p, int rcode, const char *name);

/* expect_nodata() for each of the n names under ZONE. */
void	 expect_nodata_all(const char **names, size_t n, uint16_t type,
	    int rcode);

/* @return whether dn is the name s, regardless of case. */
bool	 same_name(const ldns_rdf *dn, const char *s);

/* The record of type in the answer section of p; fails if there is none. */
ldns_rr	*find_rr(ldns_pkt *p, ldns_rr_type type);

/* The strings of a TXT joined into text; each is at most 255 bytes. */
void	 txt_text(const ldns_rr *rr, char *text, size_t max);

#endif /* QUERY_FIXTURE_H */
