/* SPDX-License-Identifier: ISC */
/*
 * test_query.c -- every answer of the DNS contract, through query_process()
 *
 * Listed and unlisted addresses, a zone that serves some codes only, names
 * with no data, the serial following the store, the partial names a
 * minimising resolver asks, the RFC 5782 test points, the apex and the
 * names of the zone file, and what is refused. The store, the zones and
 * the checks every answer must pass are in query_fixture.c; the wire
 * (opcodes, malformed queries, EDNS, sizes, case and flags) is tested in
 * test_query_wire.c. The rules are those of DESIGN.md, "DNS answers".
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

/* ---- answers ---------------------------------------------------------- */

/* rr is an A record of owner, class IN, with ttl and 127.0.0.code. */
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

/* ---- refused ---------------------------------------------------------- */

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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
