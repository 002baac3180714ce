/* SPDX-License-Identifier: ISC */
/*
 * test_query.c -- every answer of the DNS contract, through query_process()
 *
 * One store, made once for the whole group in a temporary directory, holds
 * a few listings; a configuration next to it serves the sample zone and a
 * second zone whose long TXT template makes answers too big for 512 bytes.
 * Queries are built with ldns where it can express them and written in hex
 * where they must be malformed; every answer must parse with ldns, echo
 * the ID and the question byte for byte, and never set RA. The rules are
 * those of DESIGN.md, "DNS answers". Times are fixed, nothing sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "config.h"
#include "db.h"
#include "dns.h"

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

/* ---- fixture ---------------------------------------------------------- */

static struct {
	char		 dir[64];
	struct db	*db;
	struct db_reader *rd;
	struct zoneset	*zs;
	struct query_env env;
	char		 bigtxt[CONF_TEXTLEN];
} F;

/* Renew the read txn, as relaybl-dns does, and take its serial. */
static void
renew(void)
{
	db_reader_end(F.rd);
	assert_int_equal(db_reader_begin(F.rd), RB_OK);
	assert_int_equal(db_reader_serial(F.rd, &F.env.serial), RB_OK);
}

/* A store change made between batches, as relaybl-http would. */
static void
list(const char *ip, int code, bool by_hand)
{
	struct addr	a;

	assert_int_equal(addr_parse_str(ip, &a), RB_OK);
	if (F.rd != NULL)
		db_reader_end(F.rd);
	assert_int_equal(by_hand ? db_operator_list(F.db, &a, code, "test",
	    T0, NULL) : db_confirm_open(F.db, &a, code, T0, T0 + 1, NULL),
	    RB_OK);
	if (F.rd != NULL)
		renew();
}

static void
write_file(const char *name, const char *text)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", F.dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	struct config	*conf;
	char		 err[512], path[128];
	size_t		 i;

	(void)state;
	strcpy(F.dir, "/tmp/relaybl-test-query.XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	assert_int_equal(db_open(F.dir, 0, 0, &F.db), RB_OK);
	list("192.0.2.1", CODE_OPEN, false);
	list("192.0.2.3", CODE_MULTISTAGE, false);
	list("2001:db8::1", CODE_OPEN, false);
	list("192.0.2.4", CODE_MANUAL, true);

	/* The sample zone as shipped, and a second zone of our own. */
	write_file(BIG ".zone", "$ORIGIN " BIG ".\n$TTL 7200\n"
	    "@ SOA ns.big.example.net. root.big.example.net. 7 1 1 1 60\n"
	    "@ NS ns.big.example.net.\n");
	write_file(EXITS ".zone", "$ORIGIN " EXITS ".\n$TTL 60\n"
	    "@ SOA ns.exits.example.net. root.exits.example.net. 1 1 1 1 60\n"
	    "@ NS ns.exits.example.net.\n");
	write_file("relaybl.conf", "[store]\npath = .\n[zone " ZONE "]\n"
	    "file = " SOURCE_ROOT "/zones/" ZONE ".zone\nttl = 2100\n"
	    "txt = $what $ listed $date\n"
	    "[zone " BIG "]\nfile = " BIG ".zone\nttl = 86400\n"
	    "[zone " EXITS "]\nfile = " EXITS ".zone\ncodes = 127.0.0.3\n");
	assert_non_null(conf = calloc(1, sizeof(*conf)));
	snprintf(path, sizeof(path), "%s/relaybl.conf", F.dir);
	if (config_load(path, conf, err, sizeof(err)) != RB_OK)
		fail_msg("%s", err);
	/* 90 addresses: about 900 bytes of TXT, in 4 strings. */
	for (i = 0; i < 90; i++)
		strcat(F.bigtxt, i ? " $" : "$");
	assert_string_equal(conf->zones[1].name, BIG);
	snprintf(conf->zones[1].txt, sizeof(conf->zones[1].txt), "%s",
	    F.bigtxt);
	if ((F.zs = zone_load(conf, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	free(conf);

	assert_int_equal(db_reader_new(F.db, &F.rd), RB_OK);
	assert_int_equal(db_reader_begin(F.rd), RB_OK);
	assert_int_equal(db_reader_serial(F.rd, &F.env.serial), RB_OK);
	F.env.zones = F.zs;
	F.env.rd = F.rd;
	F.env.now = T0 + 60;
	return 0;
}

static ldns_pkt	*last;		/* the answer parsed last, freed by the next */

/* After each test, free the last answer (left by a failure too). */
static int
free_last(void **state)
{
	(void)state;
	ldns_pkt_free(last);
	last = NULL;
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	free_last(state);
	db_reader_end(F.rd);
	db_reader_free(F.rd);
	db_close(F.db);
	zone_free(F.zs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- queries and answers ---------------------------------------------- */

/* How to ask. The zero value: UDP, RD, no EDNS, ID 0x1234. */
struct how {
	uint16_t	 id;
	bool		 no_rd, cd;
	uint16_t	 edns;		/* the payload size, 0: no OPT */
	bool		 dnssec_ok;
	uint8_t		 version;
	int		 transport;
};

static const struct how plain;

/* Build a query with ldns into buf. @return its length. */
static size_t
build(uint8_t *buf, const char *name, uint16_t type, uint16_t cls,
    const struct how *h)
{
	ldns_pkt	*p;
	ldns_rdf	*dn;
	uint8_t		*wire;
	size_t		 len;

	assert_non_null(dn = ldns_dname_new_frm_str(name));
	assert_non_null(p = ldns_pkt_query_new(dn, type, cls, 0));
	ldns_pkt_set_id(p, h->id ? h->id : 0x1234);
	ldns_pkt_set_rd(p, !h->no_rd);
	ldns_pkt_set_cd(p, h->cd);
	if (h->edns) {
		ldns_pkt_set_edns_udp_size(p, h->edns);
		ldns_pkt_set_edns_do(p, h->dnssec_ok);
		ldns_pkt_set_edns_version(p, h->version);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_true(len <= 512);
	memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

/* A packet written in hex (spaces ignored). @return its length. */
static size_t
unhex(uint8_t *buf, size_t max, const char *s)
{
	size_t		n = 0;
	unsigned int	v;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		assert_true(n < max && sscanf(s, "%2x", &v) == 1);
		buf[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

/* Pieces of hand-written queries. */
#define HQ	"abcd 0100 0001 0000 0000 0000 "	/* ID abcd, RD, QD 1 */
#define HQA	"abcd 0100 0001 0000 0000 0001 "	/* and AR 1 */
#define QA	"06 72656c617973 07 6578616d706c65 03 6f7267 00 0001 0001 "
#define OPT	"00 0029 04d0 00000000 "		/* RDLEN follows */

/* @return the offset after the (uncompressed) question of q, or 0. */
static size_t
question_end(const uint8_t *q, size_t len)
{
	size_t	o = DNS_HDRLEN;

	while (o < len && q[o] != 0 && q[o] < 64)
		o += q[o] + 1u;
	return o < len && q[o] == 0 && o + 5 <= len ? o + 5 : 0;
}

static uint8_t	 out[DNS_MAXMSG];
static size_t	 outlen;

/*
 * Answer q, check what every answer must be, and parse it. The result is
 * valid until the next call.
 */
static ldns_pkt *
answer(const uint8_t *q, size_t qlen, int transport)
{
	ldns_pkt	*p = NULL;
	ldns_status	 st;
	size_t		 qe;

	free_last(NULL);
	outlen = 0;
	assert_int_equal(query_process(&F.env, q, qlen, out, &outlen,
	    transport), QUERY_ANSWER);
	assert_in_range(outlen, DNS_HDRLEN,
	    transport == QUERY_TCP ? DNS_MAXMSG : DNS_MAXUDP);
	if ((st = ldns_wire2pkt(&p, out, outlen)) != LDNS_STATUS_OK)
		fail_msg("answer of %zu bytes does not parse: %s", outlen,
		    ldns_get_errorstr_by_id(st));
	last = p;
	assert_memory_equal(out, q, 2);
	assert_true(ldns_pkt_qr(p) && !ldns_pkt_ra(p));
	assert_int_equal(out[2] & 0x01, q[2] & 0x01);	/* RD */
	assert_int_equal(out[3] & 0x10, q[3] & 0x10);	/* CD */
	if (ldns_pkt_qdcount(p) == 1) {
		qe = question_end(q, qlen);
		assert_true(qe != 0 && outlen >= qe);
		assert_memory_equal(out + DNS_HDRLEN, q + DNS_HDRLEN,
		    qe - DNS_HDRLEN);
	}
	return p;
}

static ldns_pkt *
ask(const char *name, uint16_t type, const struct how *h)
{
	uint8_t	q[512];
	size_t	len = build(q, name, type, LDNS_RR_CLASS_IN, h);

	return answer(q, len, h->transport);
}

static ldns_pkt *
ask_hex(const char *hex, int opcode)
{
	uint8_t	q[512];
	size_t	len = unhex(q, sizeof(q), hex);

	if (opcode > 0)
		q[2] = (uint8_t)(opcode << 3 | (q[2] & 0x87));
	return answer(q, len, QUERY_UDP);
}

static void
expect(ldns_pkt *p, int rcode, bool aa, size_t an, size_t ns)
{
	assert_int_equal(ldns_pkt_get_rcode(p), rcode);
	assert_int_equal(ldns_pkt_aa(p), aa);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), an);
	assert_int_equal(ldns_pkt_nscount(p), ns);
}

static bool
same_name(const ldns_rdf *dn, const char *s)
{
	ldns_rdf	*want = ldns_dname_new_frm_str(s);
	int		 c;

	assert_non_null(want);
	c = ldns_dname_compare(dn, want);
	ldns_rdf_deep_free(want);
	return c == 0;
}

/* NOERROR or NXDOMAIN: no data, AA, the SOA with the negative TTL. */
static void
expect_nodata(ldns_pkt *p, int rcode, const char *name)
{
	const char	*zone;
	ldns_rr		*soa;

	if ((int)ldns_pkt_get_rcode(p) != rcode)
		fail_msg("%s: rcode %d, want %d", name, ldns_pkt_get_rcode(p),
		    rcode);
	expect(p, rcode, true, 0, 1);
	soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	assert_int_equal(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	zone = strstr(name, BIG) ? BIG : strstr(name, EXITS) ? EXITS : ZONE;
	assert_true(same_name(ldns_rr_owner(soa), zone));
	assert_int_equal(ldns_rr_ttl(soa), strcmp(zone, ZONE) != 0 ? 60 :
	    NEGTTL);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)),
	    F.env.serial);
}

/* expect_nodata() for each of names under ZONE. */
static void
expect_nodata_all(const char **names, size_t n, uint16_t type, int rcode)
{
	char	name[300];
	size_t	i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%s", names[i], ZONE);
		expect_nodata(ask(name, type, &plain), rcode, name);
	}
}

static void
expect_a(const ldns_rr *rr, const char *owner, int code, uint32_t ttl)
{
	const uint8_t	*d;

	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	assert_true(same_name(ldns_rr_owner(rr), owner));
	assert_int_equal(ldns_rr_ttl(rr), ttl);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(rr, 0)), 4);
	d = ldns_rdf_data(ldns_rr_rdf(rr, 0));
	assert_true(d[0] == 127 && d[1] == 0 && d[2] == 0 && d[3] == code);
}

/* The record of type in the answer section of p. */
static ldns_rr *
find_rr(ldns_pkt *p, ldns_rr_type type)
{
	ldns_rr_list	*an = ldns_pkt_answer(p);
	size_t		 i;

	for (i = 0; i < ldns_rr_list_rr_count(an); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) == type)
			return ldns_rr_list_rr(an, i);
	fail_msg("no record of type %d", type);
	return NULL;
}

/* The strings of a TXT joined into text; each is at most 255 bytes. */
static void
txt_text(const ldns_rr *rr, char *text, size_t max)
{
	const ldns_rdf	*r;
	size_t		 i, len = 0, n;

	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		r = ldns_rr_rdf(rr, i);
		n = ldns_rdf_data(r)[0];
		assert_true(ldns_rdf_size(r) == n + 1 && len + n < max);
		memcpy(text + len, ldns_rdf_data(r) + 1, n);
		len += n;
	}
	text[len] = '\0';
}

/* What the big zone's template makes of ip: ip 90 times. */
static void
big_text(const char *ip, char *buf, size_t max)
{
	size_t	i, len = 0;

	for (i = 0; i < 90 && len < max; i++)
		len += (size_t)snprintf(buf + len, max - len, "%s%s",
		    i ? " " : "", ip);
}

/* ---- listed and not listed -------------------------------------------- */

static void
test_listed(void **state)
{
	static const struct { const char *name, *ip, *what; int code; } t[] = {
		{ "1.2.0.192." ZONE, "192.0.2.1", "open relay", 2 },
		{ "3.2.0.192." ZONE, "192.0.2.3", "multi-stage relay output",
		    3 },
		{ "4.2.0.192." ZONE, "192.0.2.4", "listed by the operator", 4 },
		{ V6 "." ZONE, "2001:db8::1", "open relay", 2 },
		{ V6UP "." ZONE, "2001:db8::1", "open relay", 2 },
	};
	ldns_pkt	*p;
	ldns_rr		*rr;
	char		 got[2048], want[2048];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = ask(t[i].name, LDNS_RR_TYPE_A, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
		expect_a(find_rr(p, LDNS_RR_TYPE_A), t[i].name, t[i].code,
		    TTL);

		p = ask(t[i].name, LDNS_RR_TYPE_TXT, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
		rr = find_rr(p, LDNS_RR_TYPE_TXT);
		assert_int_equal(ldns_rr_ttl(rr), TTL);
		assert_true(same_name(ldns_rr_owner(rr), t[i].name));
		txt_text(rr, got, sizeof(got));
		snprintf(want, sizeof(want), "%s %s listed " T0DATE,
		    t[i].what, t[i].ip);
		assert_string_equal(got, want);

		p = ask(t[i].name, LDNS_RR_TYPE_ANY, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		expect_a(find_rr(p, LDNS_RR_TYPE_A), t[i].name, t[i].code,
		    TTL);
		assert_int_equal(ldns_rr_ttl(find_rr(p, LDNS_RR_TYPE_TXT)),
		    TTL);
	}
}

/* A zone that serves some codes only: the exits of multi-stage relays. */
static void
test_zone_codes(void **state)
{
	ldns_pkt	*p;

	(void)state;
	p = ask("3.2.0.192." EXITS, LDNS_RR_TYPE_A, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	expect_a(find_rr(p, LDNS_RR_TYPE_A), "3.2.0.192." EXITS, 3, 2100);
	/* An open relay, and a listing by hand, are not in this list. */
	p = ask("1.2.0.192." EXITS, LDNS_RR_TYPE_A, &plain);
	expect_nodata(p, LDNS_RCODE_NXDOMAIN, "1.2.0.192." EXITS);
	p = ask("4.2.0.192." EXITS, LDNS_RR_TYPE_A, &plain);
	expect_nodata(p, LDNS_RCODE_NXDOMAIN, "4.2.0.192." EXITS);
	/* The RFC 5782 test point answers with the zone's code. */
	p = ask("2.0.0.127." EXITS, LDNS_RR_TYPE_A, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	expect_a(find_rr(p, LDNS_RR_TYPE_A), "2.0.0.127." EXITS, 3, 2100);
}

/* Names without data: NOERROR or NXDOMAIN, AA and the SOA. */
static void
test_no_data(void **state)
{
	static const char *listed[] = { "1.2.0.192", "4.2.0.192", V6, V6UP,
	    "2.0.0.127" };
	static const char *unlisted[] = { "9.2.0.192", "5.2.0.192",
	    "2" V6NAME, "2" V6UPNAME, "foo", "256.0.0.127", "02.0.0.127",
	    "1.0.0.127.10", "1.1.0.0.127", "0" V6, "10" V6NAME, "g.0.0.2",
	    "x.ns1", "-1.0.0.127", "1.0.0.0127", "1.0.0.127.0.0.0.0",
	    "1.a.0.g" };
	static const uint16_t types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_TXT,
	    LDNS_RR_TYPE_ANY, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_AAAA,
	    LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_PTR, 65535 };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (i > 2)	/* a listed name has A and TXT only */
			expect_nodata_all(listed, 5, types[i],
			    LDNS_RCODE_NOERROR);
		expect_nodata_all(unlisted, sizeof(unlisted) /
		    sizeof(unlisted[0]), types[i], LDNS_RCODE_NXDOMAIN);
	}
}

/* The SOA serial is the store's, and moves with a listing. */
static void
test_serial_follows_store(void **state)
{
	ldns_pkt	*p;
	uint32_t	 before;

	(void)state;
	renew();
	before = F.env.serial;
	expect_nodata(ask("77.2.0.192." ZONE, LDNS_RR_TYPE_A, &plain),
	    LDNS_RCODE_NXDOMAIN, ZONE);
	list("192.0.2.77", CODE_MANUAL, true);
	assert_true(F.env.serial != before);
	expect_nodata(ask("78.2.0.192." ZONE, LDNS_RR_TYPE_A, &plain),
	    LDNS_RCODE_NXDOMAIN, ZONE);
	p = ask(ZONE, LDNS_RR_TYPE_SOA, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(find_rr(p,
	    LDNS_RR_TYPE_SOA), 2)), F.env.serial);
	p = ask("77.2.0.192." ZONE, LDNS_RR_TYPE_A, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
}

/* ---- names: IPv6, partial, not an address ----------------------------- */

/* What a resolver minimising query names asks: NOERROR, never NXDOMAIN. */
static void
test_partial_names(void **state)
{
	static const char *names[] = { "127", "0.127", "0.0.127", "2.0.0",
	    "2.0", "255.255", "0", "8.B.D.0.1.0.0.2",
	    "1.2.3.4.5" /* not IPv4, but the top 5 nibbles of an IPv6 */ };
	const char	*suffix;
	size_t		 k;

	(void)state;
	expect_nodata_all(names, sizeof(names) / sizeof(names[0]),
	    LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR);
	/*
	 * The last k nibbles of V6, k = 1..31, are its top k nibbles; four
	 * decimal nibbles are also an IPv4 address: test_minimised_ipv6_path.
	 */
	for (k = 1; k < 32; k++) {
		suffix = &V6[strlen(V6) - (2 * k - 1)];
		if (k != 4)
			expect_nodata_all(&suffix, 1, LDNS_RR_TYPE_TXT,
			    LDNS_RCODE_NOERROR);
	}
}

/*
 * A resolver minimising V6 asks 1.0.0.2.<zone> on its way down: four
 * decimal labels, so also the IPv4 address 2.0.0.1. An NXDOMAIN there
 * denies (RFC 8020) all of 2001::/16 below it, the listed 2001:db8::1
 * with it; likewise 0.0.6.2 for 2600::/16.
 */
static void
test_minimised_ipv6_path(void **state)
{
	static const char *names[] = { "1.0.0.2", "0.0.6.2" };

	(void)state;
	expect_nodata_all(names, 2, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR);
}

/* RFC 5782 test points: 127.0.0.2 always listed, 127.0.0.1 never. */
static void
test_rfc5782(void **state)
{
	static const char *yes[] = { "2.0.0.127." ZONE,
	    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    ZONE };
	static const char *no[] = { "1.0.0.127",
	    "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" };
	ldns_pkt	*p;
	char		 text[1024];
	size_t		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		p = ask(yes[i], LDNS_RR_TYPE_ANY, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		expect_a(find_rr(p, LDNS_RR_TYPE_A), yes[i], 2, TTL);
		txt_text(find_rr(p, LDNS_RR_TYPE_TXT), text, sizeof(text));
		assert_non_null(strstr(text, "127.0.0.2"));
	}
	expect_nodata_all(no, 2, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN);
	/* Even when the store lists 127.0.0.1. */
	list("127.0.0.1", CODE_MANUAL, true);
	expect_nodata_all(no, 2, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN);
	expect_nodata_all(no, 2, LDNS_RR_TYPE_TXT, LDNS_RCODE_NXDOMAIN);
}

/* ---- the apex and the names of the zone file -------------------------- */

static void
test_apex(void **state)
{
	static const char *nodata[] = { "", "ns1", "NS2" };
	ldns_pkt	*p;
	ldns_rr		*rr;
	size_t		 i;

	(void)state;
	p = ask(ZONE, LDNS_RR_TYPE_SOA, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	rr = find_rr(p, LDNS_RR_TYPE_SOA);
	assert_true(same_name(ldns_rr_owner(rr), ZONE));
	assert_int_equal(ldns_rr_ttl(rr), APEXTTL);
	assert_true(same_name(ldns_rr_rdf(rr, 0), "ns1." ZONE));
	assert_true(same_name(ldns_rr_rdf(rr, 1), "hostmaster." ZONE));
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)),
	    F.env.serial);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), 300);

	p = ask(ZONE, LDNS_RR_TYPE_NS, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
	for (i = 0; i < 2; i++) {	/* in the order of the file */
		rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_NS);
		assert_int_equal(ldns_rr_ttl(rr), APEXTTL);
		assert_true(same_name(ldns_rr_owner(rr), ZONE));
		assert_true(same_name(ldns_rr_rdf(rr, 0), i ? "ns2." ZONE :
		    "ns1." ZONE));
	}
	p = ask(ZONE, LDNS_RR_TYPE_ANY, &plain);
	expect(p, LDNS_RCODE_NOERROR, true, 3, 0);

	/* The glue of the file is answered; its names shadow addresses. */
	for (i = 0; i < 3; i++) {
		p = ask(i ? "NS1.Relays.EXAMPLE.org" : "ns1." ZONE,
		    LDNS_RR_TYPE_A, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
		expect_a(find_rr(p, LDNS_RR_TYPE_A), "ns1." ZONE, 1, APEXTTL);
	}
	expect_nodata(ask(ZONE, LDNS_RR_TYPE_A, &plain), LDNS_RCODE_NOERROR,
	    ZONE);
	expect_nodata_all(nodata + 1, 2, LDNS_RR_TYPE_AAAA,
	    LDNS_RCODE_NOERROR);
	expect_nodata_all(nodata + 1, 2, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR);
}

/* ---- refused, not implemented, dropped, malformed --------------------- */

/* An answer with no records and no AA. */
static void
expect_bare(ldns_pkt *p, int rcode)
{
	expect(p, rcode, false, 0, 0);
	assert_int_equal(ldns_pkt_arcount(p), 0);
}

static void
test_refused(void **state)
{
	static const char *names[] = { "example.com", "org", ".",
	    "example.org", "xrelays.example.org",
	    "2.0.0.127.xrelays.example.org", "relays.example.org.com",
	    "relays-example.org",
	    "big.example.org", "example.net", "xbig.example.net" };
	static const uint16_t classes[] = { LDNS_RR_CLASS_CH,
	    LDNS_RR_CLASS_HS, LDNS_RR_CLASS_NONE, LDNS_RR_CLASS_ANY, 2,
	    0xfe01 };
	uint8_t	q[512];
	size_t	i, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_bare(ask(names[i], LDNS_RR_TYPE_A, &plain),
		    LDNS_RCODE_REFUSED);
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		len = build(q, "2.0.0.127." ZONE, LDNS_RR_TYPE_A, classes[i],
		    &plain);
		expect_bare(answer(q, len, QUERY_UDP), LDNS_RCODE_REFUSED);
	}
	expect_bare(ask(ZONE, LDNS_RR_TYPE_AXFR, &plain), LDNS_RCODE_REFUSED);
	expect_bare(ask(ZONE, LDNS_RR_TYPE_IXFR, &plain), LDNS_RCODE_REFUSED);
	expect_bare(ask(ZONE, LDNS_RR_TYPE_MAILA, &plain), LDNS_RCODE_NOTIMPL);
	expect_bare(ask(ZONE, LDNS_RR_TYPE_OPT, &plain), LDNS_RCODE_FORMERR);
}

static void
test_notimp(void **state)
{
	static const int ops[] = { 1, 2, 3, 4, 5, 6, 15 };
	ldns_pkt	*p;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		p = ask_hex(HQ QA, ops[i]);
		assert_int_equal(ldns_pkt_get_opcode(p), ops[i]);
		assert_int_equal(ldns_pkt_qdcount(p), 1);
		expect_bare(p, LDNS_RCODE_NOTIMPL);
	}
}

static void
test_dropped(void **state)
{
	uint8_t	q[512];
	size_t	i, len = unhex(q, sizeof(q), HQ QA);

	(void)state;
	for (i = 0; i < DNS_HDRLEN; i++)
		assert_int_equal(query_process(&F.env, q, i, out, &outlen,
		    QUERY_UDP), QUERY_DROP);
	for (i = 0; i < 3; i++) {
		q[2] = (uint8_t)(0x81 | i << 4);	/* QR: a response */
		assert_int_equal(query_process(&F.env, q, len, out, &outlen,
		    QUERY_UDP), QUERY_DROP);
		assert_int_equal(query_process(&F.env, q, len, out, &outlen,
		    QUERY_TCP), QUERY_DROP);
	}
}

static void
expect_formerr(const uint8_t *q, size_t len, const char *what)
{
	ldns_pkt	*p;
	int		 tr;

	for (tr = QUERY_UDP; tr <= QUERY_TCP; tr++) {
		p = answer(q, len, tr);
		if (ldns_pkt_get_rcode(p) != LDNS_RCODE_FORMERR)
			fail_msg("%s: rcode %d, want FORMERR", what,
			    ldns_pkt_get_rcode(p));
		assert_int_equal(ldns_pkt_qdcount(p), 0);
		expect_bare(p, LDNS_RCODE_FORMERR);
	}
}

static void
test_formerr(void **state)
{
	static const struct { const char *what, *hex; } t[] = {
	    { "label type 01", HQ "40 61 00 0001 0001" },
	    { "label type 10", HQ "80 61 00 0001 0001" },
	    { "pointer to itself", HQ "c00c 0001 0001" },
	    { "pointer back", HQ "03 666f6f c00c 0001 0001" },
	    { "pointer to a root", HQ "03 666f6f c016 0001 0001 00" },
	    { "pointer to the header", HQ "03 666f6f c004 0001 0001" },
	    { "QDCOUNT 0", "abcd 0100 0000 0000 0000 0000" },
	    { "QDCOUNT 0, a question", "abcd 0100 0000 0000 0000 0000" QA },
	    { "QDCOUNT 2", "abcd 0100 0002 0000 0000 0000" QA QA },
	    { "ANCOUNT 1", "abcd 0100 0001 0001 0000 0000" QA
		"c00c 0001 0001 0000003c 0004 7f000002" },
	    { "NSCOUNT 1", "abcd 0100 0001 0000 0001 0000" QA
		"c00c 0001 0001 0000003c 0004 7f000002" },
	    { "two OPTs", "abcd 0100 0001 0000 0000 0002" QA OPT "0000"
		OPT "0000" },
	    { "OPT not at the root", HQA QA "0178 00 0029 04d0 00000000 0000" },
	    { "OPT owner a pointer", HQA QA "c01f 0029 04d0 00000000 0000" },
	    { "option past the OPT", HQA QA OPT "0007 000a 0009 010203" },
	    { "byte after an option", HQA QA OPT "0007 000a 0002 010203" },
	    { "option cut in its header", HQA QA OPT "0003 000a 00" },
	    { "OPT cut short", HQA QA OPT "0004" },
	    { "OPT cut in its header", HQA QA "00 0029 04d0 0000" },
	    { "ARCOUNT 1, nothing", HQA QA },
	    { "a trailing byte", HQ QA "78" },
	    { "bytes after the OPT", HQA QA OPT "0000 0000" },
	};
	uint8_t	q[512];
	size_t	i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_formerr(q, unhex(q, sizeof(q), t[i].hex), t[i].what);
	len = unhex(q, sizeof(q), HQ QA);
	for (i = DNS_HDRLEN; i < len; i++)
		expect_formerr(q, i, "a cut question");
	/* A name of four labels of 63: 257 bytes. */
	len = unhex(q, sizeof(q), HQ);
	for (i = 0; i < 4; i++, len += 64) {
		q[len] = 63;
		memset(q + len + 1, 'a', 63);
	}
	len += unhex(q + len, sizeof(q) - len, "00 0001 0001");
	expect_formerr(q, len, "a name of 257 bytes");
}

/* ---- EDNS and sizes --------------------------------------------------- */

/* The OPT of an answer: present, 1232, version 0, no options. */
static void
expect_opt(ldns_pkt *p, bool dnssec_ok, int ext_rcode)
{
	assert_true(ldns_pkt_edns(p));
	assert_int_equal(out[10] << 8 | out[11], 1);
	assert_int_equal(ldns_pkt_edns_udp_size(p), DNS_MAXUDP);
	assert_int_equal(ldns_pkt_edns_do(p), dnssec_ok);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), ext_rcode);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_null(ldns_pkt_edns_data(p));
}

static void
test_edns(void **state)
{
	static const struct {
		struct how	 h;
		const char	*name;
		int		 rcode, an, ns, ext;
	} t[] = {
	    { { .edns = 4096 }, "1.2.0.192." ZONE, 0, 1, 0, 0 },
	    { { .edns = 512, .dnssec_ok = 1 }, "9.2.0.192." ZONE, 3, 0, 1, 0 },
	    { { .edns = 1232, .dnssec_ok = 1 }, "example.com", 5, 0, 0, 0 },
	    /* BADVERS is 16: 0 in the header, 1 in the OPT. */
	    { { .edns = 1232, .version = 1 }, "1.2.0.192." ZONE, 0, 0, 0, 1 },
	    { { .edns = 1232, .version = 255, .dnssec_ok = 1 }, "example.com",
		0, 0, 0, 1 },
	};
	ldns_pkt	*p;
	size_t		 i;

	(void)state;
	p = ask("1.2.0.192." ZONE, LDNS_RR_TYPE_A, &plain);
	assert_false(ldns_pkt_edns(p));
	assert_int_equal(out[10] << 8 | out[11], 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = ask(t[i].name, LDNS_RR_TYPE_A, &t[i].h);
		expect(p, t[i].rcode, t[i].an + t[i].ns > 0, t[i].an, t[i].ns);
		expect_opt(p, t[i].h.dnssec_ok, t[i].ext);
	}
	/* Unknown options (and a cookie, and NSID) are ignored. */
	p = ask_hex(HQA "01 31 01 32 01 30 03 313932" QA OPT "0018 fde9 0004"
	    " 01020304 000a 0008 0102030405060708 0003 0000", 0);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	expect_opt(p, false, 0);
}

/* RFC 6891, 7: a responder MUST include an OPT if the request had one. */
static void
test_edns_notimp_keeps_opt(void **state)
{
	ldns_pkt	*p;

	(void)state;
	p = ask_hex(HQA QA "00 0029 04d0 0000 8000 0000", 4);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	assert_int_equal(ldns_pkt_get_opcode(p), 4);
	expect_opt(p, true, 0);
}

/* A TC answer: header, question, OPT if asked, no records. */
static void
expect_tc(ldns_pkt *p, bool edns)
{
	assert_true(ldns_pkt_tc(p) && ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
	assert_int_equal(ldns_pkt_edns(p), edns);
}

static void
test_size(void **state)
{
	const char	*name = "1.2.0.192." BIG;
	struct how	 h = { .edns = 512 };
	ldns_pkt	*p;
	ldns_rr		*rr;
	char		 got[2048], want[2048];
	int		 t;

	(void)state;
	expect_tc(ask(name, LDNS_RR_TYPE_TXT, &h), true);
	expect_tc(ask(name, LDNS_RR_TYPE_ANY, &h), true);
	h.edns = 100;		/* below 512: taken as 512 */
	expect_tc(ask(name, LDNS_RR_TYPE_TXT, &h), true);
	expect_tc(ask(name, LDNS_RR_TYPE_TXT, &plain), false);
	/* EDNS 1232 over UDP; TCP with and without EDNS, and with 512. */
	for (t = 1; t < 5; t++) {
		h.edns = t == 2 ? 0 : t == 4 ? 512 : 1232;
		h.transport = t == 1 ? QUERY_UDP : QUERY_TCP;
		p = ask(name, LDNS_RR_TYPE_ANY, &h);
		expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		assert_true(outlen > 512);
		rr = find_rr(p, LDNS_RR_TYPE_TXT);
		assert_int_equal(ldns_rr_ttl(rr), BIGTTL);
		txt_text(rr, got, sizeof(got));
		big_text("192.0.2.1", want, sizeof(want));
		assert_string_equal(got, want);
	}
	/* 90 IPv6 addresses do not fit 1024 bytes of text: a prefix. */
	p = ask(V6 "." BIG, LDNS_RR_TYPE_TXT, &h);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	txt_text(find_rr(p, LDNS_RR_TYPE_TXT), got, sizeof(got));
	big_text("2001:db8::1", want, sizeof(want));
	assert_true(strlen(got) >= 512 && strncmp(got, want, strlen(got)) == 0);
}

/*
 * The client's size bounds the whole answer, OPT included: an answer
 * whose records fit but whose OPT does not is cut, with TC.
 */
static void
test_size_counts_opt(void **state)
{
	struct how	 h = { .edns = 1232 };
	ldns_pkt	*p;
	size_t		 full;

	(void)state;
	p = ask("1.2.0.192." BIG, LDNS_RR_TYPE_TXT, &h);
	expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
	full = outlen;
	for (h.edns = (uint16_t)(full - 11); h.edns <= full; h.edns++) {
		p = ask("1.2.0.192." BIG, LDNS_RR_TYPE_TXT, &h);
		assert_true(outlen <= h.edns);
		if (h.edns < full)
			expect_tc(p, true);
	}
}

/* ---- the question, case and header flags ------------------------------ */

static void
test_question_case(void **state)
{
	static const char *names[] = { "2.0.0.127.ReLaYs.ExAmPlE.oRg",
	    "1.2.0.192.RELAYS.EXAMPLE.ORG", "Ns1.ReLaYs.ExAmPlE.OrG" };
	static const char *nodata[] = { "0.127", "Ns2" };
	ldns_pkt	*p;
	ldns_rdf	*dn;
	bool		 same;
	ldns_rr		*rr;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = ask(names[i], LDNS_RR_TYPE_A, &plain);
		expect(p, LDNS_RCODE_NOERROR, true, 1, 0);
		/* The owner points at the question: the client's case. */
		rr = find_rr(p, LDNS_RR_TYPE_A);
		assert_non_null(dn = ldns_dname_new_frm_str(names[i]));
		same = ldns_rdf_size(ldns_rr_owner(rr)) == ldns_rdf_size(dn) &&
		    memcmp(ldns_rdf_data(ldns_rr_owner(rr)), ldns_rdf_data(dn),
		    ldns_rdf_size(dn)) == 0;
		ldns_rdf_deep_free(dn);
		assert_true(same);
	}
	expect_nodata(ask("9.2.0.192.RELAYS.example.ORG", LDNS_RR_TYPE_A,
	    &plain), LDNS_RCODE_NXDOMAIN, ZONE);
	expect_nodata_all(nodata, 2, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR);
}

static void
test_flags(void **state)
{
	static const char *names[] = { "1.2.0.192." ZONE, "9.2.0.192." ZONE,
	    "0.127." ZONE, "example.com", ZONE };
	static const uint16_t ids[] = { 1, 0x8000, 0xffff, 0xabcd };
	struct how	 h = { 0 };
	size_t		 i;

	(void)state;
	/* answer() checks that ID, RD and CD come back, and RA does not. */
	for (i = 0; i < 5 * 16; i++) {
		h.id = ids[i % 4], h.no_rd = i & 4, h.cd = i & 8;
		ask(names[i / 16], LDNS_RR_TYPE_A, &h);
	}
	ask_hex("0007 0110 0000 0000 0000 0000", 0);
	ask_hex("0007 0110 0001 0000 0000 0000" QA, 2);
}

int
main(void)
{
#define T(t)	cmocka_unit_test_teardown(t, free_last)
	const struct CMUnitTest tests[] = {
		T(test_listed),
		T(test_zone_codes),
		T(test_no_data),
		T(test_serial_follows_store),
		T(test_partial_names),
		T(test_minimised_ipv6_path),
		T(test_rfc5782),
		T(test_apex),
		T(test_refused),
		T(test_notimp),
		T(test_dropped),
		T(test_formerr),
		T(test_edns),
		T(test_edns_notimp_keeps_opt),
		T(test_size),
		T(test_size_counts_opt),
		T(test_question_case),
		T(test_flags),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
