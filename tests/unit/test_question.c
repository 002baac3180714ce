/* SPDX-License-Identifier: ISC */
/*
 * test_question.c -- our header and question parser against ldns
 *
 * A differential test: thousands of generated queries (random names from
 * a small alphabet with labels of 0 to 70 bytes, random types, classes,
 * flags and counts, with and without OPT, with random extra records) and
 * thousands of mutations of valid ones (bytes flipped, inserted, deleted,
 * cut) go through query_parse_question() and ldns_wire2pkt(). When ours
 * accepts, ldns must parse the packet too and find one question with the
 * same owner (wire, case-sensitively), type and class. When ldns rejects,
 * ours must reject; lenient_reason() only says why it did not. Where
 * ours rejects what ldns takes, the reason must be one of the deliberate
 * strictnesses that strict_reason() lists. Any other disagreement fails
 * the test with a hex dump of the first few packets of its kind.
 *
 * Every packet is also answered by query_process(), over UDP and TCP and
 * with no store: it must not crash, and its answer must parse with ldns,
 * echo the ID and carry the RCODE the parser predicted. Each packet is
 * copied to a heap buffer of exactly its length, so that AddressSanitizer
 * catches a read past it. The generator is a fixed-seed splitmix64.
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
#include "dns.h"
#include "prng.h"

#define NGEN	20000		/* generated queries */
#define NMUT	40000		/* mutated valid queries */
#define MAXPKT	2048
#define SAMPLES	3		/* hex dumps shown per kind of failure */

/* ---- generator -------------------------------------------------------- */

/* @return true with probability 1/n. */
static bool
one_in(unsigned int n)
{
	return rnd(n) == 0;
}

struct pkt {
	uint8_t	 b[MAXPKT];
	size_t	 n;
};

static void
put8(struct pkt *p, unsigned int v)
{
	if (p->n < MAXPKT)
		p->b[p->n++] = (uint8_t)v;
}

static void
put16(struct pkt *p, unsigned int v)
{
	put8(p, v >> 8);
	put8(p, v);
}

static void
set16(struct pkt *p, size_t off, unsigned int v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static const char	alphabet[] = "0123456789abcdefABCDEFxz-_.*\\";
static const char	*zone_labels[] = { "relays", "example", "org" };

static void
gen_label(struct pkt *p, unsigned int len, bool address)
{
	unsigned int	i;

	put8(p, len);
	for (i = 0; i < len; i++)
		put8(p, address ? (unsigned int)alphabet[rnd(16)] :
		    one_in(12) ? rnd(256) :
		    (unsigned int)alphabet[rnd(sizeof(alphabet) - 1)]);
}

/*
 * A name: labels of 0 to 70 bytes (a 0 ends the name early, 64 and more
 * are the label types of old), often an address under our zone, now and
 * then a compression pointer (to the question, or anywhere before).
 */
static void
gen_name(struct pkt *p, bool valid)
{
	size_t		start = p->n;
	unsigned int	i, n, len, r;
	bool		zone = !one_in(3), address = !one_in(4);

	n = one_in(20) ? rnd(130) : rnd(zone ? 33 : 6);
	for (i = 0; i < n && p->n < MAXPKT - 80; i++) {
		r = rnd(100);
		len = address && r < 80 ? 1 + (r & 1) * rnd(3) : 1 + rnd(20);
		if (!valid && r >= 96)
			len = rnd(71);
		if (valid && p->n - start + len + 21 > DNS_MAXNAME)
			break;
		gen_label(p, len, address && r < 80);
	}
	if (!valid && one_in(25)) {
		put16(p, 0xc000 | (one_in(2) ? DNS_HDRLEN : rnd((unsigned int)
		    p->n + 2)));
		return;
	}
	for (i = 0; zone && i < 3 && p->n < MAXPKT - 8; i++) {
		len = (unsigned int)strlen(zone_labels[i]);
		put8(p, len);
		memcpy(p->b + p->n, zone_labels[i], len);
		p->n += len;
	}
	put8(p, 0);
}

static unsigned int
gen_type(void)
{
	static const unsigned int types[] = { 1, 2, 5, 6, 12, 15, 16, 28, 41,
	    46, 99, 251, 252, 253, 254, 255, 65535 };

	return one_in(8) ? rnd(65536) : types[rnd(sizeof(types) /
	    sizeof(types[0]))];
}

/* OPT rdata: options that tile it, or (not valid) ones that do not. */
static void
gen_options(struct pkt *p, bool valid)
{
	size_t		 rdlen = p->n, start;
	unsigned int	 i, n = rnd(4), len;

	put16(p, 0);
	start = p->n;
	for (i = 0; i < n; i++) {
		len = rnd(9);
		put16(p, one_in(2) ? 10 : rnd(65536));	/* 10: a cookie */
		put16(p, len + (!valid && one_in(4) ? rnd(3) + 1 : 0));
		while (len-- > 0)
			put8(p, rnd(256));
	}
	if (!valid && one_in(6))
		put8(p, rnd(256));
	set16(p, rdlen, (unsigned int)(p->n - start));
}

/* One record of the answer, authority or additional section. */
static void
gen_rr(struct pkt *p, bool opt, bool valid)
{
	size_t		rdlen;
	unsigned int	type, i, n;

	if (opt) {
		if (!valid && one_in(10))
			gen_name(p, true);	/* an OPT away from the root */
		else if (!valid && one_in(20))
			put16(p, 0xc000 | DNS_HDRLEN);
		else
			put8(p, 0);
		put16(p, 41);
		put16(p, one_in(3) ? 1232 : rnd(65536));
		put8(p, 0);
		put8(p, one_in(8) ? rnd(256) : 0);	/* version */
		put16(p, one_in(2) ? 0x8000 : 0);	/* DO */
		gen_options(p, valid);
		return;
	}
	if (one_in(2))
		put16(p, 0xc000 | DNS_HDRLEN);
	else
		gen_name(p, true);
	type = rnd(4);
	if (type == 3)
		type = 65280 + rnd(255);
	else
		type = (unsigned int[]){ 1, 2, 16 }[type];
	put16(p, type);
	put16(p, one_in(4) ? rnd(65536) : 1);
	put16(p, rnd(65536));
	put16(p, rnd(65536));
	rdlen = p->n;
	put16(p, 0);
	switch (type) {
	case 1:
		for (i = 0; i < 4; i++)
			put8(p, rnd(256));
		break;
	case 2:
		if (one_in(2))
			put16(p, 0xc000 | DNS_HDRLEN);
		else
			gen_name(p, true);
		break;
	case 16:
		for (n = 1 + rnd(3); n > 0; n--)
			gen_label(p, rnd(30), false);	/* a string */
		break;
	default:
		for (n = rnd(20); n > 0; n--)
			put8(p, rnd(256));
		break;
	}
	set16(p, rdlen, (unsigned int)(p->n - rdlen - 2));
}

/*
 * A query. A valid one has one question, no answer or authority, and at
 * most one additional record: an OPT at the root, options well formed.
 */
static void
gen_query(struct pkt *p, bool valid)
{
	unsigned int	qd = 1, an = 0, ns = 0, ar, nopt, i, op, cls;

	/* One rnd() per statement, so that every compiler draws alike. */
	p->n = 0;
	op = valid || !one_in(10) ? 0 : rnd(16);
	op = op << 3 | (!valid && one_in(20) ? 0x80 : 0);
	put16(p, rnd(65536));
	put8(p, op | rnd(8));
	put8(p, rnd(256) & (valid ? 0x30 : 0xff));
	if (!valid && one_in(8))
		qd = rnd(4);
	if (!valid && one_in(10))
		an = rnd(3), ns = rnd(2);
	nopt = one_in(2) ? 1 : !valid && one_in(10) ? 2 : 0;
	ar = nopt + (valid ? 0 : rnd(3));
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
	for (i = 0; i < qd; i++) {
		gen_name(p, valid);
		put16(p, gen_type());
		cls = one_in(6) ? rnd(5) : 5;
		put16(p, cls == 4 ? rnd(65536) : (unsigned int[]){ 3, 4, 254,
		    255, 0, 1 }[cls]);
	}
	for (i = 0; i < an + ns; i++)
		gen_rr(p, false, valid);
	for (i = 0; i < ar; i++)
		gen_rr(p, nopt > 0 && (i == ar - 1 || one_in(2)) && nopt-- > 0,
		    valid);
	if (!valid && one_in(12)) {
		i = 4 + 2 * rnd(4);
		set16(p, i, rnd(3));		/* a count that lies */
	}
	if (!valid && one_in(20))
		for (i = rnd(4) + 1; i > 0; i--)
			put8(p, rnd(256));
}

/* Damage a valid query: flip, set, insert, delete, cut, duplicate. */
static void
mutate(struct pkt *p)
{
	static const uint8_t interesting[] = { 0, 1, 0x3f, 0x40, 0x41, 0x80,
	    0xc0, 0xc1, 0xff, 41 };
	unsigned int	n, at, len;

	for (n = 1 + rnd(3); n > 0 && p->n > 0; n--) {
		at = rnd((unsigned int)p->n);
		switch (rnd(7)) {
		case 0:
			p->b[at] ^= (uint8_t)(1 << rnd(8));
			break;
		case 1:
			p->b[at] = interesting[rnd(sizeof(interesting))];
			break;
		case 2:
			if (p->n < MAXPKT) {
				memmove(p->b + at + 1, p->b + at, p->n - at);
				p->b[at] = (uint8_t)rnd(256);
				p->n++;
			}
			break;
		case 3:
			memmove(p->b + at, p->b + at + 1, p->n - at - 1);
			p->n--;
			break;
		case 4:
			p->n = at;
			break;
		case 5:
			len = rnd((unsigned int)(p->n - at) + 1);
			if (p->n + len <= MAXPKT) {
				memcpy(p->b + p->n, p->b + at, len);
				p->n += len;
			}
			break;
		default:
			len = 4 + rnd(8);
			if (p->n >= DNS_HDRLEN)
				p->b[len] = (uint8_t)rnd(3);
			break;
		}
	}
}

/* ---- the oracle's blind spots and ours -------------------------------- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Skip a name, pointers allowed (not followed). @return 0, or -1 if it
 * runs out, has a label type of old or is longer than 255 bytes.
 */
static int
skip_name(const uint8_t *b, size_t len, size_t *o, bool *ptr)
{
	size_t	start = *o;

	*ptr = false;
	while (*o < len && *o - start < DNS_MAXNAME) {
		if ((b[*o] & 0xc0) == 0xc0) {
			*ptr = true;
			*o += 2;
			return *o <= len ? 0 : -1;
		}
		if (b[*o] & 0xc0)
			return -1;
		if (b[*o] == 0) {
			(*o)++;
			return 0;
		}
		*o += b[*o] + 1u;
	}
	return -1;
}

/*
 * Why ours rejects a packet ldns parses: the deliberate strictnesses.
 * @return the reason, or NULL for a disagreement nobody explained.
 */
static const char *
strict_reason(const uint8_t *b, size_t len)
{
	size_t		o = DNS_HDRLEN, end, x;
	unsigned int	i, ar = get16(b + 10), opts = 0;
	bool		ptr;

	/* A response is not a query: dropped, never answered. */
	if (b[2] & 0x80)
		return "QR set";
	/* Only QUERY is implemented: NOTIMP, checked before the rest. */
	if ((b[2] >> 3 & 0x0f) != 0)
		return "opcode not QUERY";
	/* RFC 9619: a query has exactly one question. */
	if (get16(b + 4) != 1)
		return "QDCOUNT not 1";
	/* The question is echoed as is and parsed with no pointers. */
	if (skip_name(b, len, &o, &ptr) != 0 || ptr)
		return "pointer in the question";
	o += 4;
	/* A query carries nothing in the answer and authority sections. */
	if (get16(b + 6) != 0 || get16(b + 8) != 0)
		return "ANCOUNT or NSCOUNT not 0";
	/*
	 * We serve no TSIG or SIG(0): the OPT is the only additional record
	 * a query of ours may carry, and we read nothing else unparsed.
	 */
	if (ar > 1)
		return "more than one additional record";
	for (i = 0; i < ar; i++) {
		x = o;
		if (skip_name(b, len, &o, &ptr) != 0 || o + 10 > len)
			return "records malformed by RDLENGTH";
		end = o + 10 + get16(b + o + 8);
		if (get16(b + o) != 41)
			return "an additional record that is not the OPT";
		if (get16(b + o) == 41) {
			/* RFC 6891: one OPT, owned by the root (one byte). */
			if (o - x != 1 || b[x] != 0)
				return "OPT owner not the root";
			if (++opts > 1)
				return "more than one OPT";
			/* Its options must tile its rdata exactly. */
			for (x = o + 10; x < end && end <= len;
			    x += 4 + get16(b + x + 2))
				if (x + 4 > end ||
				    x + 4 + get16(b + x + 2) > end)
					return "OPT options do not tile";
		}
		/*
		 * Records are skipped by RDLENGTH; ldns reads them by type
		 * (and stops after a TSIG), so it may never see the end.
		 */
		if ((o = end) > len)
			return "records malformed by RDLENGTH";
	}
	/* Bytes after the last record mean the counts are wrong. */
	if (o != len)
		return "trailing bytes";
	return NULL;
}

/*
 * Why ldns rejects a packet ours accepts. Ours skips the records of the
 * additional section other than OPT by RDLENGTH, without reading them;
 * ldns reads each by its type. Each is a leniency of ours.
 */
static const char *
lenient_reason(const uint8_t *b, size_t len)
{
	const char	*why = "unexplained";
	ldns_rdf	*dn;
	ldns_rr		*rr;
	size_t		 o = DNS_HDRLEN, pos, end;
	unsigned int	 i, ar = get16(b + 10);
	bool		 ptr;

	skip_name(b, len, &o, &ptr);
	for (o += 4, i = 0; i < ar; i++, o = end) {
		pos = o;
		if (ldns_wire2dname(&dn, b, len, &pos) != LDNS_STATUS_OK)
			return "an extra record's owner does not decompress";
		ldns_rdf_deep_free(dn);
		skip_name(b, len, &o, &ptr);
		end = o + 10 + get16(b + o + 8);
		if (get16(b + o) == 41)
			continue;
		assert_non_null(rr = ldns_rr_new());
		ldns_rr_set_type(rr, get16(b + o));
		pos = o + 8;
		if (ldns_wire2rdf(rr, b, end, &pos) != LDNS_STATUS_OK)
			why = "an extra record's rdata does not fit its type";
		else if (pos != end)
			why = "an extra record's rdata is longer than its type";
		ldns_rr_free(rr);
		if (strcmp(why, "unexplained") != 0)
			return why;
	}
	return why;
}

/* ---- the comparison --------------------------------------------------- */

struct tally {
	const char	*what[16];
	unsigned int	 n[16];
	size_t		 kinds;
};

static unsigned int
count(struct tally *t, const char *what)
{
	size_t	i;

	for (i = 0; i < t->kinds && strcmp(t->what[i], what) != 0; i++)
		;
	if (i == t->kinds) {
		assert_true(t->kinds < 16);
		t->what[t->kinds++] = what;
	}
	return ++t->n[i];
}

static void
print_tally(const char *title, const struct tally *t)
{
	size_t	i;

	for (i = 0; i < t->kinds; i++)
		print_message("  %s: %s: %u\n", title, t->what[i], t->n[i]);
}

static void
hexdump(const char *why, const uint8_t *b, size_t len)
{
	size_t	i;

	print_message("%s (%zu bytes):", why, len);
	for (i = 0; i < len; i++)
		print_message("%s%02x", i % 16 ? " " : "\n  ", b[i]);
	print_message("\n");
}

static struct {
	struct zoneset		*zones;
	struct query_env	 env;
	unsigned int		 accepted, rejected, failures;
	struct tally		 strict, lenient, bad;
} S;

/* A failure: counted, and shown for the first few of its kind. */
static void
failure(struct tally *t, const char *why, const uint8_t *b, size_t len)
{
	S.failures++;
	if (count(t, why) <= SAMPLES)
		hexdump(why, b, len);
}

/* query_process() must answer sanely whatever the parser said. */
static void
check_answer(const uint8_t *in, size_t len, int parsed,
    const struct question *q)
{
	static uint8_t	 out[DNS_MAXMSG];
	ldns_pkt	*p;
	size_t		 outlen;
	int		 t, rc;

	for (t = QUERY_UDP; t <= QUERY_TCP; t++) {
		outlen = 0;
		rc = query_process(&S.env, in, len, out, &outlen, t);
		if (rc == QUERY_DROP) {
			if (parsed != -1)
				failure(&S.bad, "dropped, not answered", in,
				    len);
			continue;
		}
		if (rc != QUERY_ANSWER || parsed == -1 || outlen < DNS_HDRLEN ||
		    outlen > (t == QUERY_UDP ? DNS_MAXUDP : DNS_MAXMSG) ||
		    memcmp(out, in, 2) != 0) {
			failure(&S.bad, "answered wrongly", in, len);
			continue;
		}
		p = NULL;
		if (ldns_wire2pkt(&p, out, outlen) != LDNS_STATUS_OK)
			failure(&S.bad, "answer does not parse", in, len);
		else if (parsed > 0 && (int)ldns_pkt_get_rcode(p) != parsed)
			failure(&S.bad, "answer RCODE not the parser's", in,
			    len);
		else if (parsed == 0 && (ldns_pkt_qdcount(p) != 1 ||
		    outlen < DNS_HDRLEN + q->namelen + 4 ||
		    memcmp(out + DNS_HDRLEN, q->name, q->namelen + 4) != 0))
			failure(&S.bad, "question not echoed", in, len);
		ldns_pkt_free(p);
	}
}

/* Run one packet through both parsers and query_process(). */
static void
compare(const struct pkt *pk)
{
	struct question	 q;
	ldns_pkt	*lp = NULL;
	ldns_rr		*qr;
	const ldns_rdf	*owner;
	const char	*why;
	uint8_t		*b;
	int		 ours;
	bool		 theirs;

	/* An exact-size copy, so that ASan sees any read past its end. */
	assert_non_null(b = malloc(pk->n ? pk->n : 1));
	memcpy(b, pk->b, pk->n);
	memset(&q, 0, sizeof(q));
	ours = query_parse_question(b, pk->n, &q);
	theirs = ldns_wire2pkt(&lp, b, pk->n) == LDNS_STATUS_OK;

	if (ours == 0) {
		S.accepted++;
		if (!theirs)
			failure(&S.lenient, lenient_reason(b, pk->n), b, pk->n);
		else if (ldns_rr_list_rr_count(ldns_pkt_question(lp)) != 1)
			failure(&S.bad, "ldns sees another question count", b,
			    pk->n);
		else {
			qr = ldns_rr_list_rr(ldns_pkt_question(lp), 0);
			owner = ldns_rr_owner(qr);
			if (q.name != b + DNS_HDRLEN ||
			    ldns_rdf_size(owner) != q.namelen ||
			    memcmp(ldns_rdf_data(owner), q.name,
			    q.namelen) != 0 ||
			    ldns_rr_get_type(qr) != q.qtype ||
			    ldns_rr_get_class(qr) != q.qclass)
				failure(&S.bad, "another question", b, pk->n);
		}
	} else {
		S.rejected++;
		assert_true(ours == -1 || ours == 1 || ours == 4);
		if (theirs) {
			if ((why = strict_reason(b, pk->n)) != NULL)
				count(&S.strict, why);
			else
				failure(&S.bad, "unclassified rejection", b,
				    pk->n);
		}
	}
	ldns_pkt_free(lp);
	check_answer(b, pk->n, ours, &q);
	free(b);
}

/* ---- tests ------------------------------------------------------------ */

static int
setup(void **state)
{
	struct config	*conf;
	char		 err[512];

	(void)state;
	memset(&S, 0, sizeof(S));
	assert_non_null(conf = calloc(1, sizeof(*conf)));
	if (config_load(SOURCE_ROOT "/zones/relaybl.conf", conf, err,
	    sizeof(err)) != RB_OK ||
	    (S.zones = zone_load(conf, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	free(conf);
	S.env.zones = S.zones;
	S.env.rd = NULL;
	S.env.serial = 1;
	S.env.now = 1700000000;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	zone_free(S.zones);
	return 0;
}

static void
reset(uint64_t seed)
{
	rng_seed(seed);
	S.accepted = S.rejected = S.failures = 0;
	memset(&S.strict, 0, sizeof(S.strict));
	memset(&S.lenient, 0, sizeof(S.lenient));
	memset(&S.bad, 0, sizeof(S.bad));
}

static void
report(const char *what, unsigned int n)
{
	print_message("%s: %u packets, %u accepted, %u rejected, %u failures\n",
	    what, n, S.accepted, S.rejected, S.failures);
	print_tally("rejected by ours only", &S.strict);
	print_tally("FAIL: rejected by ldns only", &S.lenient);
	print_tally("FAIL", &S.bad);
	assert_int_equal(S.failures, 0);
}

static void
test_generated(void **state)
{
	struct pkt	p;
	unsigned int	i;

	(void)state;
	reset(0x5eed0001);
	for (i = 0; i < NGEN; i++) {
		gen_query(&p, one_in(3));
		compare(&p);
	}
	report("generated", NGEN);
}

static void
test_mutated(void **state)
{
	struct pkt	p;
	unsigned int	i;

	(void)state;
	reset(0x5eed0002);
	for (i = 0; i < NMUT; i++) {
		gen_query(&p, true);
		mutate(&p);
		compare(&p);
	}
	report("mutated", NMUT);
}

/* The valid generator is valid: both parsers take every query. */
static void
test_valid_queries_parse(void **state)
{
	struct question	q;
	struct pkt	p;
	ldns_pkt	*lp;
	unsigned int	i;

	(void)state;
	reset(0x5eed0003);
	for (i = 0; i < 2000; i++) {
		gen_query(&p, true);
		lp = NULL;
		if (query_parse_question(p.b, p.n, &q) != 0 ||
		    ldns_wire2pkt(&lp, p.b, p.n) != LDNS_STATUS_OK)
			hexdump("valid query refused", p.b, p.n), fail();
		ldns_pkt_free(lp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_queries_parse),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_mutated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
