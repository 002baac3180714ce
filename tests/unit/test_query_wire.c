/* SPDX-License-Identifier: ISC */
/*
 * test_query_wire.c -- the DNS wire format, through query_process()
 *
 * What query_process() does with the packet itself rather than the name:
 * opcodes it does not implement, what it drops, malformed queries (hand
 * written in hex, as ldns cannot express them), EDNS, the size limits
 * and TC, the case of the question and the header flags. The store and
 * zones are those of test_query.c, made by query_fixture.c, and every
 * answer passes answer()'s checks there first.
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

/* ---- hand-written queries --------------------------------------------- */

/* Pieces of hand-written queries. */
#define HQ	"abcd 0100 0001 0000 0000 0000 "	/* ID abcd, RD, QD 1 */
#define HQA	"abcd 0100 0001 0000 0000 0001 "	/* and AR 1 */
#define QA	"06 72656c617973 07 6578616d706c65 03 6f7267 00 0001 0001 "
#define OPT	"00 0029 04d0 00000000 "		/* RDLEN follows */

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

static ldns_pkt *
ask_hex(const char *hex, int opcode)
{
	uint8_t	q[512];
	size_t	len = unhex(q, sizeof(q), hex);

	if (opcode > 0)
		q[2] = (uint8_t)(opcode << 3 | (q[2] & 0x87));
	return answer(q, len, QUERY_UDP);
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

/* ---- not implemented, dropped, malformed ------------------------------ */

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
		assert_int_equal(query_process(&F.env, q, i, F.out, &F.outlen,
		    QUERY_UDP), QUERY_DROP);
	for (i = 0; i < 3; i++) {
		q[2] = (uint8_t)(0x81 | i << 4);	/* QR: a response */
		assert_int_equal(query_process(&F.env, q, len, F.out, &F.outlen,
		    QUERY_UDP), QUERY_DROP);
		assert_int_equal(query_process(&F.env, q, len, F.out, &F.outlen,
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
	assert_int_equal(F.out[10] << 8 | F.out[11], 1);
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
	assert_int_equal(F.out[10] << 8 | F.out[11], 0);
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
		assert_true(F.outlen > 512);
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
	full = F.outlen;
	for (h.edns = (uint16_t)(full - 11); h.edns <= full; h.edns++) {
		p = ask("1.2.0.192." BIG, LDNS_RR_TYPE_TXT, &h);
		assert_true(F.outlen <= h.edns);
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
