/* SPDX-License-Identifier: ISC */
/*
 * query_fixture.c -- a store, three zones and query_process(), for tests
 *
 * The fixture of test_query.c and test_query_wire.c. setup() writes a
 * configuration and the zone files into a temporary directory, opens a
 * store there with a few listings and begins a read txn, as relaybl-dns
 * does; F.env is then what query_process() needs. Queries are built with
 * ldns, and answer() checks what every answer must be (it parses with
 * ldns, echoes the ID and the question byte for byte, never sets RA)
 * before it hands the packet to the test. Times are fixed: the listings
 * are made at T0 and queries are answered a minute later.
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

#include "query_fixture.h"

/* ---- fixture ---------------------------------------------------------- */

struct fixture		 F;
static ldns_pkt		*last;	/* the answer parsed last, freed by the next */

void
renew(void)
{
	db_reader_end(F.rd);
	assert_int_equal(db_reader_begin(F.rd), RB_OK);
	assert_int_equal(db_reader_serial(F.rd, &F.env.serial), RB_OK);
}

void
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

int
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

int
free_last(void **state)
{
	(void)state;
	ldns_pkt_free(last);
	last = NULL;
	return 0;
}

int
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

const struct how	 plain;

size_t
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

/* @return the offset after the (uncompressed) question of q, or 0. */
static size_t
question_end(const uint8_t *q, size_t len)
{
	size_t	o = DNS_HDRLEN;

	while (o < len && q[o] != 0 && q[o] < 64)
		o += q[o] + 1u;
	return o < len && q[o] == 0 && o + 5 <= len ? o + 5 : 0;
}

ldns_pkt *
answer(const uint8_t *q, size_t qlen, int transport)
{
	ldns_pkt	*p = NULL;
	ldns_status	 st;
	size_t		 qe;

	free_last(NULL);
	F.outlen = 0;
	assert_int_equal(query_process(&F.env, q, qlen, F.out, &F.outlen,
	    transport), QUERY_ANSWER);
	assert_in_range(F.outlen, DNS_HDRLEN,
	    transport == QUERY_TCP ? DNS_MAXMSG : DNS_MAXUDP);
	if ((st = ldns_wire2pkt(&p, F.out, F.outlen)) != LDNS_STATUS_OK)
		fail_msg("answer of %zu bytes does not parse: %s", F.outlen,
		    ldns_get_errorstr_by_id(st));
	last = p;
	assert_memory_equal(F.out, q, 2);
	assert_true(ldns_pkt_qr(p) && !ldns_pkt_ra(p));
	assert_int_equal(F.out[2] & 0x01, q[2] & 0x01);	/* RD */
	assert_int_equal(F.out[3] & 0x10, q[3] & 0x10);	/* CD */
	if (ldns_pkt_qdcount(p) == 1) {
		qe = question_end(q, qlen);
		assert_true(qe != 0 && F.outlen >= qe);
		assert_memory_equal(F.out + DNS_HDRLEN, q + DNS_HDRLEN,
		    qe - DNS_HDRLEN);
	}
	return p;
}

ldns_pkt *
ask(const char *name, uint16_t type, const struct how *h)
{
	uint8_t	q[512];
	size_t	len = build(q, name, type, LDNS_RR_CLASS_IN, h);

	return answer(q, len, h->transport);
}

void
expect(ldns_pkt *p, int rcode, bool aa, size_t an, size_t ns)
{
	assert_int_equal(ldns_pkt_get_rcode(p), rcode);
	assert_int_equal(ldns_pkt_aa(p), aa);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), an);
	assert_int_equal(ldns_pkt_nscount(p), ns);
}

bool
same_name(const ldns_rdf *dn, const char *s)
{
	ldns_rdf	*want = ldns_dname_new_frm_str(s);
	int		 c;

	assert_non_null(want);
	c = ldns_dname_compare(dn, want);
	ldns_rdf_deep_free(want);
	return c == 0;
}

void
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

void
expect_nodata_all(const char **names, size_t n, uint16_t type, int rcode)
{
	char	name[300];
	size_t	i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%s", names[i], ZONE);
		expect_nodata(ask(name, type, &plain), rcode, name);
	}
}

ldns_rr *
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

void
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

void
expect_bare(ldns_pkt *p, int rcode)
{
	expect(p, rcode, false, 0, 0);
	assert_int_equal(ldns_pkt_arcount(p), 0);
}

