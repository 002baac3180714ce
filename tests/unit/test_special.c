/* SPDX-License-Identifier: ISC */
/*
 * test_special.c -- unit tests for the special-purpose ranges
 *	(server/common/special.c)
 *
 * The table below holds, for every row of special.c, an address inside
 * the row and outside any more specific one, with the name and the
 * range (as prefix_format() writes it) it must get back. That checks
 * each byte-coded row against its text form. Further tests pin the
 * edges: the addresses just outside each IPv4 range are global, the
 * most specific row names an address, the allow list wins, and an IPv4
 * key is never caught by an IPv6 row although ::/3 covers all of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "special.h"

#define NITEMS(t)	(sizeof(t) / sizeof((t)[0]))

#define PRIVATE		"private-use (RFC 1918)"
#define NOT_GLOBAL	"not global unicast (outside 2000::/3)"

struct row {
	const char	*addr;
	const char	*name;		/* NULL: global */
	const char	*prefix;	/* the range special_range() sets */
};

static const struct row rows[] = {
	/* IPv4 */
	{ "0.1.2.3", "this network (RFC 791)", "0.0.0.0/8" },
	{ "0.0.0.0", "this host on this network (RFC 1122)", "0.0.0.0/32" },
	{ "10.1.2.3", PRIVATE, "10.0.0.0/8" },
	{ "100.64.0.0", "shared address space (RFC 6598)", "100.64.0.0/10" },
	{ "100.127.255.255", "shared address space (RFC 6598)",
	    "100.64.0.0/10" },
	{ "127.0.0.1", "loopback (RFC 1122)", "127.0.0.0/8" },
	{ "169.254.1.1", "link-local (RFC 3927)", "169.254.0.0/16" },
	{ "172.16.0.0", PRIVATE, "172.16.0.0/12" },
	{ "172.31.255.255", PRIVATE, "172.16.0.0/12" },
	{ "192.0.0.200", "IETF protocol assignments (RFC 6890)",
	    "192.0.0.0/24" },
	{ "192.0.0.7", "IPv4 service continuity prefix (RFC 7335)",
	    "192.0.0.0/29" },
	{ "192.0.0.8", "IPv4 dummy address (RFC 7600)", "192.0.0.8/32" },
	{ "192.0.0.9", "PCP anycast (RFC 7723)", "192.0.0.9/32" },
	{ "192.0.0.10", "TURN anycast (RFC 8155)", "192.0.0.10/32" },
	{ "192.0.0.170", "NAT64/DNS64 discovery (RFC 8880)",
	    "192.0.0.170/32" },
	{ "192.0.0.171", "NAT64/DNS64 discovery (RFC 8880)",
	    "192.0.0.171/32" },
	{ "192.0.2.1", "documentation, TEST-NET-1 (RFC 5737)",
	    "192.0.2.0/24" },
	{ "192.31.196.1", "AS112-v4 (RFC 7535)", "192.31.196.0/24" },
	{ "192.52.193.1", "AMT (RFC 7450)", "192.52.193.0/24" },
	{ "192.88.99.1", "deprecated 6to4 relay anycast (RFC 7526)",
	    "192.88.99.0/24" },
	{ "192.88.99.2", "6a44-relay anycast (RFC 6751)", "192.88.99.2/32" },
	{ "192.168.1.1", PRIVATE, "192.168.0.0/16" },
	{ "192.175.48.1", "AS112 direct delegation (RFC 7534)",
	    "192.175.48.0/24" },
	{ "198.18.0.0", "benchmarking (RFC 2544)", "198.18.0.0/15" },
	{ "198.19.255.255", "benchmarking (RFC 2544)", "198.18.0.0/15" },
	{ "198.51.100.7", "documentation, TEST-NET-2 (RFC 5737)",
	    "198.51.100.0/24" },
	{ "203.0.113.7", "documentation, TEST-NET-3 (RFC 5737)",
	    "203.0.113.0/24" },
	{ "224.0.0.0", "multicast (RFC 5771)", "224.0.0.0/4" },
	{ "239.255.255.255", "multicast (RFC 5771)", "224.0.0.0/4" },
	{ "240.0.0.0", "reserved (RFC 1112)", "240.0.0.0/4" },
	{ "255.255.255.254", "reserved (RFC 1112)", "240.0.0.0/4" },
	{ "255.255.255.255", "limited broadcast (RFC 919)",
	    "255.255.255.255/32" },

	/* IPv6 */
	{ "::", "unspecified (RFC 4291)", "::/128" },
	{ "::1", "loopback (RFC 4291)", "::1/128" },
	{ "::2", NOT_GLOBAL, "::/3" },
	{ "64:ff9b::808:808", "IPv4/IPv6 translation (RFC 6052)",
	    "64:ff9b::/96" },
	{ "64:ff9b:1::1", "local-use IPv4/IPv6 translation (RFC 8215)",
	    "64:ff9b:1::/48" },
	{ "100::1", "discard-only (RFC 6666)", "100::/64" },
	{ "100:0:0:1::1", "dummy prefix (RFC 9780)", "100:0:0:1::/64" },
	{ "2001:1ff::1", "IETF protocol assignments (RFC 2928)",
	    "2001::/23" },
	{ "2001:0:4136:e378::1", "TEREDO (RFC 4380)", "2001::/32" },
	{ "2001:1::1", "PCP anycast (RFC 7723)", "2001:1::1/128" },
	{ "2001:1::2", "TURN anycast (RFC 8155)", "2001:1::2/128" },
	{ "2001:1::3", "DNS-SD SRP anycast (RFC 9665)", "2001:1::3/128" },
	{ "2001:1::4", "IETF protocol assignments (RFC 2928)", "2001::/23" },
	{ "2001:2::1", "benchmarking (RFC 5180)", "2001:2::/48" },
	{ "2001:3::1", "AMT (RFC 7450)", "2001:3::/32" },
	{ "2001:4:112::1", "AS112-v6 (RFC 7535)", "2001:4:112::/48" },
	{ "2001:1f::1", "deprecated ORCHID (RFC 4843)", "2001:10::/28" },
	{ "2001:20::1", "ORCHIDv2 (RFC 7343)", "2001:20::/28" },
	{ "2001:30::1", "drone remote ID entity tags (RFC 9374)",
	    "2001:30::/28" },
	{ "2001:db8::1", "documentation (RFC 3849)", "2001:db8::/32" },
	{ "2002:c000:201::1", "6to4 (RFC 3056)", "2002::/16" },
	{ "2620:4f:8000::1", "AS112 direct delegation (RFC 7534)",
	    "2620:4f:8000::/48" },
	{ "3fff:fff::1", "documentation (RFC 9637)", "3fff::/20" },
	{ "5f00::1", "SRv6 SIDs (RFC 9602)", "5f00::/16" },
	{ "fc00::1", "unique-local (RFC 4193)", "fc00::/7" },
	{ "fdff:ffff::1", "unique-local (RFC 4193)", "fc00::/7" },
	{ "fe80::1", "link-local (RFC 4291)", "fe80::/10" },
	{ "fec0::1", "deprecated site-local (RFC 3879)", "fec0::/10" },
	{ "ff02::1", "multicast (RFC 4291)", "ff00::/8" },
	{ "1::1", NOT_GLOBAL, "::/3" },
	{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NOT_GLOBAL, "::/3" },
	{ "4000::1", NOT_GLOBAL, "4000::/2" },
	{ "8000::1", NOT_GLOBAL, "8000::/1" },
	{ "fbff::1", NOT_GLOBAL, "8000::/1" },
};

/* Addresses at and just outside the edges of the ranges: all global. */
static const char *const globals[] = {
	"1.0.0.0", "9.255.255.255", "11.0.0.0",
	"100.63.255.255", "100.128.0.0",
	"126.255.255.255", "128.0.0.0",
	"169.253.255.255", "169.255.0.0",
	"172.15.255.255", "172.32.0.0",
	"191.255.255.255", "192.0.1.0", "192.0.3.0",
	"192.31.195.255", "192.31.197.0", "192.52.192.255", "192.52.194.0",
	"192.88.98.255", "192.88.100.0",
	"192.167.255.255", "192.169.0.0",
	"192.175.47.255", "192.175.49.0",
	"198.17.255.255", "198.20.0.0",
	"198.51.99.255", "198.51.101.0",
	"203.0.112.255", "203.0.114.0",
	"223.255.255.255",
	"8.8.8.8", "1.1.1.1", "9.9.9.9",
	"2000::", "2000::1", "2001:200::", "2001:4860:4860::8888",
	"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::",
	"2003::", "2001:ffff::1",
	"2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", "2620:4f:8001::",
	"2a00:1450::1", "2600::1",
	"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::",
};

static struct addr
addr(const char *s)
{
	struct addr	 a;

	if (addr_parse_str(s, &a) != RB_OK)
		fail_msg("cannot parse \"%s\"", s);
	return a;
}

static struct prefix
prefix(const char *s)
{
	struct prefix	 p;

	if (addr_parse_prefix(s, &p) != RB_OK)
		fail_msg("cannot parse \"%s\"", s);
	return p;
}

/*
 * special_range() on s; fail unless the name is want and, for a special
 * address, the range set is want_prefix.
 */
static void
check(const char *s, const struct prefix_list *allow, const char *want,
    const char *want_prefix)
{
	struct addr	 a = addr(s);
	struct prefix	 p;
	const char	*name;
	char		 buf[ADDR_STRLEN + 4];

	memset(&p, 0xa5, sizeof(p));
	name = special_range(&a, allow, &p);
	if (want == NULL) {
		if (name != NULL)
			fail_msg("%s: got \"%s\", want global", s, name);
		return;
	}
	if (name == NULL)
		fail_msg("%s: got global, want \"%s\"", s, want);
	if (strcmp(name, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", s, name, want);
	if (!prefix_contains(&p, &a))
		fail_msg("%s: the range set does not cover it", s);
	if (want_prefix != NULL &&
	    strcmp(prefix_format(&p, buf), want_prefix) != 0)
		fail_msg("%s: got range %s, want %s", s, buf, want_prefix);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_every_row(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NITEMS(rows); i++)
		check(rows[i].addr, NULL, rows[i].name, rows[i].prefix);
}

static void
test_edges_are_global(void **state)
{
	struct addr	 a;
	struct prefix	 p, untouched;
	size_t		 i;

	(void)state;
	for (i = 0; i < NITEMS(globals); i++) {
		check(globals[i], NULL, NULL, NULL);
		/* a global address leaves the range alone */
		a = addr(globals[i]);
		memset(&p, 0x5a, sizeof(p));
		untouched = p;
		assert_null(special_range(&a, NULL, &p));
		assert_memory_equal(&p, &untouched, sizeof(p));
	}
	check("224.0.0.0", NULL, "multicast (RFC 5771)", "224.0.0.0/4");
}

static void
test_most_specific_wins(void **state)
{
	(void)state;
	check("2001:db8::1", NULL, "documentation (RFC 3849)",
	    "2001:db8::/32");
	check("2001::1", NULL, "TEREDO (RFC 4380)", "2001::/32");
	check("192.0.0.9", NULL, "PCP anycast (RFC 7723)", "192.0.0.9/32");
	check("192.0.0.11", NULL, "IETF protocol assignments (RFC 6890)",
	    "192.0.0.0/24");
	check("0.0.0.0", NULL, "this host on this network (RFC 1122)",
	    "0.0.0.0/32");
	check("ff02::1", NULL, "multicast (RFC 4291)", "ff00::/8");
	check("5f00::1", NULL, "SRv6 SIDs (RFC 9602)", "5f00::/16");
	check("::1", NULL, "loopback (RFC 4291)", "::1/128");
}

static void
test_allow_list(void **state)
{
	struct prefix_list	 allow;

	(void)state;
	memset(&allow, 0, sizeof(allow));
	check("127.0.0.1", &allow, "loopback (RFC 1122)", "127.0.0.0/8");

	allow.p[allow.n++] = prefix("127.0.0.0/8");
	check("127.0.0.1", &allow, NULL, NULL);
	check("127.255.255.255", &allow, NULL, NULL);
	check("10.0.0.1", &allow, PRIVATE, "10.0.0.0/8");

	/* part of a range: the rest of it stays special */
	allow.p[allow.n++] = prefix("2001:db8:1::/48");
	check("2001:db8:1::25", &allow, NULL, NULL);
	check("2001:db8:2::25", &allow, "documentation (RFC 3849)",
	    "2001:db8::/32");
	check("192.0.2.1", &allow, "documentation, TEST-NET-1 (RFC 5737)",
	    "192.0.2.0/24");
}

static void
test_prefix_out_param(void **state)
{
	struct addr	 a = addr("172.20.1.2");
	struct prefix	 p;
	char		 buf[ADDR_STRLEN + 4];

	(void)state;
	assert_string_equal(special_range(&a, NULL, &p), PRIVATE);
	assert_int_equal(p.len, 96 + 12);
	assert_string_equal(prefix_format(&p, buf), "172.16.0.0/12");

	a = addr("fe80::1:2:3:4");
	assert_string_equal(special_range(&a, NULL, &p),
	    "link-local (RFC 4291)");
	assert_int_equal(p.len, 10);
	assert_string_equal(prefix_format(&p, buf), "fe80::/10");

	/* the range may be left out */
	assert_string_equal(special_range(&a, NULL, NULL),
	    "link-local (RFC 4291)");
}

static void
test_outside_2000_3(void **state)
{
	(void)state;
	check("4000::1", NULL, NOT_GLOBAL, "4000::/2");
	check("1::1", NULL, NOT_GLOBAL, "::/3");
	check("c000::", NULL, NOT_GLOBAL, "8000::/1");
	check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", NULL,
	    "multicast (RFC 4291)", "ff00::/8");
	/* IPv4-compatible (::a.b.c.d) is not an IPv4 key */
	check("::8.8.8.8", NULL, NOT_GLOBAL, "::/3");
	/* the edges of 2000::/3 */
	check("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NOT_GLOBAL,
	    "::/3");
	check("2000::", NULL, NULL, NULL);
	check("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL, NULL);
	check("4000::", NULL, NOT_GLOBAL, "4000::/2");
}

/*
 * Every IPv4 key lies in ::/3 and in ::ffff:0:0/96; neither may catch
 * it. Walk one address per /16 (its last one, to miss the /32 rows at
 * the bottom of ranges) plus a few fixed ones: each is global, or named
 * by an IPv4 range that covers it.
 */
static void
test_v4_never_caught_by_v6(void **state)
{
	struct prefix_list	 allow;
	struct addr		 a;
	struct prefix		 p;
	const char		*name;
	uint32_t		 hi;
	char			 buf[ADDR_STRLEN + 4], pbuf[ADDR_STRLEN + 4];

	(void)state;
	for (hi = 0; hi <= 0xffff; hi++) {
		addr_from_v4(&a, hi << 16 | 0xffff);
		if ((name = special_range(&a, NULL, &p)) == NULL)
			continue;
		if (!addr_is_v4(&p.addr) || p.len < 96 ||
		    !prefix_contains(&p, &a))
			fail_msg("%s: caught by %s (%s)", addr_format(&a, buf),
			    prefix_format(&p, pbuf), name);
		assert_null(strstr(name, "2000::/3"));
	}

	/* the same key written as IPv6 text is the same IPv4 key */
	check("::ffff:8.8.8.8", NULL, NULL, NULL);
	check("::ffff:0.0.0.1", NULL, "this network (RFC 791)", "0.0.0.0/8");
	check("::ffff:10.0.0.1", NULL, PRIVATE, "10.0.0.0/8");
	check("::ffff:c0a8:101", NULL, PRIVATE, "192.168.0.0/16");

	/* an IPv6 allow prefix over all IPv4 keys allows them all */
	memset(&allow, 0, sizeof(allow));
	allow.p[allow.n++] = prefix("::ffff:0:0/96");
	check("10.0.0.1", &allow, NULL, NULL);
	check("::2", &allow, NOT_GLOBAL, "::/3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_edges_are_global),
		cmocka_unit_test(test_most_specific_wins),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_prefix_out_param),
		cmocka_unit_test(test_outside_2000_3),
		cmocka_unit_test(test_v4_never_caught_by_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
