/* SPDX-License-Identifier: ISC */
/*
 * test_addr.c -- unit tests for the address and prefix codec (db/addr.c)
 *
 * Table tests pin down the strict grammar of IPv4 and IPv6 text, the
 * RFC 5952 output, and the prefixes with their containment. Every input
 * goes through parse_exact() (addr_helpers.c), a heap copy of exactly its
 * length without a NUL, so that AddressSanitizer catches a parser that
 * reads past its (pointer, length). The randomized tests, with glibc as
 * an oracle, are in test_addr_random.c.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

#include "addr_helpers.h"

/* ---- helpers ----------------------------------------------------------- */

static int
parse(const char *s, struct addr *out)
{
	return parse_exact(s, strlen(s), out);
}

/* 32 hex digits to a key */
static struct addr
key(const char *hex)
{
	struct addr	 a;
	unsigned int	 v;
	int		 i;

	assert_int_equal(strlen(hex), 32);
	for (i = 0; i < 16; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		a.a[i] = (uint8_t)v;
	}
	return a;
}

static void
assert_key(const struct addr *a, const char *hex)
{
	struct addr	 want = key(hex);
	char		 got[ADDR_STRLEN], exp[ADDR_STRLEN];

	if (memcmp(a->a, want.a, 16) != 0) {
		inet_ntop(AF_INET6, a->a, got, sizeof(got));
		inet_ntop(AF_INET6, want.a, exp, sizeof(exp));
		fail_msg("key %s, want %s", got, exp);
	}
}

static void
assert_parses_to(const char *s, const char *hex)
{
	struct addr	 a;

	memset(&a, 0xa5, sizeof(a));
	if (parse(s, &a) != RB_OK)
		fail_msg("\"%s\" rejected", s);
	assert_key(&a, hex);
}

static void
assert_rejected(const char *s, size_t len)
{
	struct addr	 a, before;

	memset(&a, 0xa5, sizeof(a));
	before = a;
	if (parse_exact(s, len, &a) != RB_EINVAL)
		fail_msg("\"%.*s\" (len %zu) accepted", (int)len, s, len);
	/* a failed parse leaves *out alone */
	assert_memory_equal(a.a, before.a, 16);
}

static void
assert_formats(const char *in, const char *want)
{
	struct addr	 a;
	char		 buf[ADDR_STRLEN];

	if (parse(in, &a) != RB_OK)
		fail_msg("\"%s\" rejected", in);
	assert_ptr_equal(addr_format(&a, buf), buf);
	assert_string_equal(buf, want);
}


/* ---- IPv4 -------------------------------------------------------------- */

static void
test_v4_valid(void **state)
{
	(void)state;
	assert_parses_to("0.0.0.0", "00000000000000000000ffff00000000");
	assert_parses_to("255.255.255.255",
	    "00000000000000000000ffffffffffff");
	assert_parses_to("1.2.3.4", "00000000000000000000ffff01020304");
	assert_parses_to("10.0.100.199", "00000000000000000000ffff0a0064c7");
	assert_parses_to("192.168.0.1", "00000000000000000000ffffc0a80001");
}

static void
test_v4_invalid(void **state)
{
	static const char	*bad[] = {
		"010.1.1.1", "1.2.3.04", "1.2.3.00", "00.1.1.1",
		"1.2.3", "1.2.3.4.5", "1.2", "1", "0",
		"256.1.1.1", "1.2.3.256", "1.2.3.1000", "999.1.1.1",
		"1.2.3.4 ", " 1.2.3.4", "1. 2.3.4", "1.2.3.4x", "x1.2.3.4",
		"1..2.3", "1.2.3.", ".1.2.3", ".1.2.3.4", "1.2.3.4.", "...",
		"", "-1.2.3.4", "+1.2.3.4", "1.-2.3.4", "1.2.3.4/32",
		"0x1.2.3.4", "0x01020304", "16909060", "1.2.3.4\n",
		"\t1.2.3.4", "1.2.3.4\r", "1.2.3.a", "1.2.3.4e0",
		"0000000000000000000000000001.2.3.4",
		"\xd9\xa1.2.3.4",		/* Arabic-Indic digit one */
	};
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}

static void
test_parse_length_bounded(void **state)
{
	static const char	 buf[] = "1.2.3.45";
	struct addr		 a;

	(void)state;
	assert_int_equal(parse_exact(buf, 7, &a), RB_OK);
	assert_key(&a, "00000000000000000000ffff01020304");
	assert_int_equal(parse_exact(buf, 8, &a), RB_OK);
	assert_key(&a, "00000000000000000000ffff0102032d");
	assert_int_equal(parse_exact("::1x", 3, &a), RB_OK);
	assert_key(&a, "00000000000000000000000000000001");
	assert_int_equal(parse_exact("::1", 2, &a), RB_OK);
	assert_key(&a, "00000000000000000000000000000000");
	assert_rejected("1.2.3.4", 0);
	assert_rejected("::1", 1);

	/* embedded and trailing NULs are bytes like any other */
	assert_rejected("1.2\0.3.4", 8);
	assert_rejected("1.2.3.4\0", 8);
	assert_rejected("\0" "1.2.3.4", 8);
	assert_rejected("::1\0", 4);
	assert_rejected("::\0" "1", 4);

	assert_int_equal(addr_parse(NULL, 0, &a), RB_EINVAL);
	assert_int_equal(addr_parse_str(NULL, &a), RB_EINVAL);
	assert_int_equal(addr_parse_str("1.2.3.4", &a), RB_OK);
	assert_key(&a, "00000000000000000000ffff01020304");
}

static void
test_v4_helpers(void **state)
{
	struct addr	 a;
	char		 buf[ADDR_STRLEN];

	(void)state;
	addr_from_v4(&a, 0x7f000001);
	assert_key(&a, "00000000000000000000ffff7f000001");
	assert_true(addr_is_v4(&a));
	assert_int_equal(addr_v4(&a), 0x7f000001);
	assert_string_equal(addr_format(&a, buf), "127.0.0.1");

	addr_from_v4(&a, 0xffffffff);
	assert_int_equal(addr_v4(&a), 0xffffffff);
	assert_string_equal(addr_format(&a, buf), "255.255.255.255");

	assert_int_equal(parse("::ffff:10.1.2.3", &a), RB_OK);
	assert_true(addr_is_v4(&a));
	assert_int_equal(addr_v4(&a), 0x0a010203);

	assert_int_equal(parse("::1.2.3.4", &a), RB_OK);
	assert_false(addr_is_v4(&a));
	assert_int_equal(parse("::1", &a), RB_OK);
	assert_false(addr_is_v4(&a));
	assert_int_equal(parse("::fffe:1.2.3.4", &a), RB_OK);
	assert_false(addr_is_v4(&a));
	assert_int_equal(parse("1::ffff:1.2.3.4", &a), RB_OK);
	assert_false(addr_is_v4(&a));
}

/* ---- IPv6 -------------------------------------------------------------- */

static void
test_v6_valid(void **state)
{
	(void)state;
	/* full */
	assert_parses_to("2001:0db8:0000:0000:0000:ff00:0042:8329",
	    "20010db8000000000000ff0000428329");
	assert_parses_to("2001:db8:0:0:0:ff00:42:8329",
	    "20010db8000000000000ff0000428329");
	assert_parses_to("1:2:3:4:5:6:7:8", "00010002000300040005000600070008");
	assert_parses_to("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffffffffffffffffffffffffffffffff");
	/* compressed at the start, middle and end */
	assert_parses_to("::2:3:4:5:6:7:8", "00000002000300040005000600070008");
	assert_parses_to("::8", "00000000000000000000000000000008");
	assert_parses_to("2001:db8::ff00:42:8329",
	    "20010db8000000000000ff0000428329");
	assert_parses_to("1::8", "00010000000000000000000000000008");
	assert_parses_to("1:2:3::5:6:7:8", "00010002000300000005000600070008");
	assert_parses_to("1:2:3:4:5:6:7::", "00010002000300040005000600070000");
	assert_parses_to("fe80::", "fe800000000000000000000000000000");
	assert_parses_to("::", "00000000000000000000000000000000");
	assert_parses_to("::1", "00000000000000000000000000000001");
	assert_parses_to("0:0:0:0:0:0:0:0", "00000000000000000000000000000000");
	assert_parses_to("0::0", "00000000000000000000000000000000");
	/* case */
	assert_parses_to("2001:DB8::AbCd", "20010db800000000000000000000abcd");
	assert_parses_to("FFFF::", "ffff0000000000000000000000000000");
	/* embedded IPv4 */
	assert_parses_to("::1.2.3.4", "00000000000000000000000001020304");
	assert_parses_to("64:ff9b::192.0.2.33",
	    "0064ff9b0000000000000000c0000221");
	assert_parses_to("1:2:3:4:5:6:1.2.3.4",
	    "00010002000300040005000601020304");
	assert_parses_to("1::6:255.255.255.255",
	    "000100000000000000000006ffffffff");
	assert_parses_to("::0.0.0.0", "00000000000000000000000000000000");
	/* the longest text there is: exactly ADDR_STRLEN - 1 bytes */
	assert_parses_to("0000:0000:0000:0000:0000:ffff:255.255.255.255",
	    "00000000000000000000ffffffffffff");
}

static void
test_v6_mapped_is_v4_key(void **state)
{
	static const char	*same[] = {
		"1.2.3.4", "::ffff:1.2.3.4", "::FFFF:1.2.3.4",
		"::ffff:102:304", "0:0:0:0:0:ffff:102:304",
		"0000:0000:0000:0000:0000:ffff:0102:0304",
		"0:0:0:0:0:ffff:1.2.3.4", "0::ffff:1.2.3.4",
	};
	struct addr		 a;
	char			 buf[ADDR_STRLEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_parses_to(same[i], "00000000000000000000ffff01020304");
		assert_int_equal(parse(same[i], &a), RB_OK);
		assert_string_equal(addr_format(&a, buf), "1.2.3.4");
	}
}

static void
test_v6_invalid(void **state)
{
	static const char	*bad[] = {
		":::", "1:::2", "::::", "1::2::3", "::1::", "::1:2::",
		"12345::", "::12345", "00000::", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
		"1:2:3:4::5:6:7:8", ":", ":1::2", ":1:2:3:4:5:6:7:8", "1::2:",
		"1:2:3:4:5:6:7:8:", "::1%eth0", "fe80::1%1", "[::1]",
		"::g", "g::", "::1 ", " ::1", "::1\n", "::-1", "::+1",
		"::0x1", "::1/128", "::1.2.3", "::1.2.3.4.5", "::1.2.3.",
		"::.1.2.3", "1.2.3.4::", "::1.2.3.4:5", "::1.2.3.4::",
		"::01.2.3.4", "::1.2.3.04", "::256.1.1.1", "::1.2.3.4x",
		"::ffff:1.2.3.4.", "1:2:3:4:5:6:7:1.2.3.4",
		"1:2:3:4:5:6:7:8:1.2.3.4", "::1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:1.2.3.4", "::1.2.3.4.5.6.7.8", "::a.b.c.d",
		"::1:2.3.4.5:6", "1.2.3.4:5::", "1:2:3:4:5:6:7:8.",
		"::.", ".::", "::ffff:", "1:", ":1", "1:2", "::1:",
		"\xef\xbc\x91::",		/* full-width digit one */
	};
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}

static void
test_too_long(void **state)
{
	char	 buf[2048];
	size_t	 i;

	(void)state;
	/* 46 bytes: would be ::1 but for its leading zeros */
	memset(buf, '0', sizeof(buf));
	memcpy(buf + 43, "::1", 3);
	assert_rejected(buf, 46);
	/* one byte more than the longest valid text */
	assert_rejected("0000:0000:0000:0000:0000:ffff:255.255.255.2555", 46);
	assert_rejected("00000:0000:0000:0000:0000:ffff:255.255.255.255", 46);

	for (i = 0; i + 2 < sizeof(buf); i += 2)
		memcpy(buf + i, "1:", 2);
	assert_rejected(buf, sizeof(buf) - 2);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(addr_parse_str(buf, &(struct addr){ { 0 } }),
	    RB_EINVAL);
}

/* ---- formatting -------------------------------------------------------- */

static void
test_format_rfc5952(void **state)
{
	(void)state;
	assert_formats("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	assert_formats("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	assert_formats("2001:0db8::0001", "2001:db8::1");
	assert_formats("0:0:0:0:0:0:0:0", "::");
	assert_formats("1:0:0:2:0:0:0:3", "1:0:0:2::3");
	assert_formats("2001:DB8::ABCD:EF", "2001:db8::abcd:ef");
	assert_formats("0:0:0:0:0:0:0:1", "::1");
	assert_formats("1:0:0:0:0:0:0:0", "1::");
	assert_formats("1:0:0:0:0:0:0:2", "1::2");
	assert_formats("0:0:1:0:0:0:0:0", "0:0:1::");
	assert_formats("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1");
	assert_formats("1:0:1:0:0:1:0:0", "1:0:1::1:0:0");
	assert_formats("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0");
	assert_formats("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0");
	assert_formats("1:2:3:4:5:6:0:0", "1:2:3:4:5:6::");
	assert_formats("0:2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
	assert_formats("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	assert_formats("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
	assert_formats("fe80:0000:0000:0000:0202:b3ff:fe1e:8329",
	    "fe80::202:b3ff:fe1e:8329");
	assert_formats("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_formats("0010:0100:1000:0001::", "10:100:1000:1::");
}

static void
test_format_no_dotted_quad_for_v6(void **state)
{
	(void)state;
	/* only the mapped form prints dotted; the rest is plain IPv6 */
	assert_formats("::1.2.3.4", "::102:304");
	assert_formats("::0.0.0.1", "::1");
	assert_formats("::ffff:0:1.2.3.4", "::ffff:0:102:304");
	assert_formats("64:ff9b::192.0.2.33", "64:ff9b::c000:221");
	assert_formats("::fffe:1.2.3.4", "::fffe:102:304");
	assert_formats("1::ffff:1.2.3.4", "1::ffff:102:304");
	assert_formats("::ffff:0.0.0.0", "0.0.0.0");
	assert_formats("::ffff:ffff:ffff", "255.255.255.255");
}

/* ---- prefixes ---------------------------------------------------------- */

static void
assert_prefix(const char *s, const char *hex, unsigned int len)
{
	struct prefix	 p;

	memset(&p, 0xa5, sizeof(p));
	if (addr_parse_prefix(s, &p) != RB_OK)
		fail_msg("prefix \"%s\" rejected", s);
	assert_key(&p.addr, hex);
	assert_int_equal(p.len, len);
}

static void
test_prefix_parse(void **state)
{
	(void)state;
	assert_prefix("127.0.0.0/8", "00000000000000000000ffff7f000000", 104);
	assert_prefix("0.0.0.0/0", "00000000000000000000ffff00000000", 96);
	assert_prefix("1.2.3.4/32", "00000000000000000000ffff01020304", 128);
	assert_prefix("1.2.3.4", "00000000000000000000ffff01020304", 128);
	assert_prefix("10.128.0.0/9", "00000000000000000000ffff0a800000", 105);
	assert_prefix("::/0", "00000000000000000000000000000000", 0);
	assert_prefix("::/128", "00000000000000000000000000000000", 128);
	assert_prefix("::1", "00000000000000000000000000000001", 128);
	assert_prefix("2001:db8::/32", "20010db8000000000000000000000000", 32);
	assert_prefix("2001:db8:8000::/33",
	    "20010db8800000000000000000000000", 33);
	assert_prefix("2001:db8::1/128", "20010db8000000000000000000000001",
	    128);
	assert_prefix("::ffff:0:0/96", "00000000000000000000ffff00000000", 96);
	assert_prefix("::ffff:1.2.3.0/120",
	    "00000000000000000000ffff01020300", 120);
	assert_prefix("8000::/1", "80000000000000000000000000000000", 1);
}

static void
test_prefix_invalid(void **state)
{
	static const char	*bad[] = {
		"10.0.0.1/8", "10.64.0.0/9", "1.2.3.5/31", "1.2.3.4/33",
		"1.0.0.0/100", "2001:db8::1/127", "2001:db8:4000::/33",
		"::/129", "::1/0", "::ffff:0:0/95",
		"/8", "/", "", "1.2.3.0/024", "0.0.0.0/00", "::/00",
		"1.0.0.0/", "1.0.0.0/-8", "1.0.0.0/+8", "1.0.0.0/8 ",
		"1.0.0.0/ 8", " 1.0.0.0/8", "1.0.0.0//8", "1.0.0.0/8/8",
		"1.0.0.0/0x8", "1.0.0.0/8a", "::/99999999999999999999999",
		"::/4294967424",	/* 128 + 2^32 */
		"1.0.0.0 /8", "[::]/0", "::%eth0/0", "1.2.3/24", "010.0.0.0/8",
		"0000:0000:0000:0000:0000:ffff:255.255.255.2555/128",
	};
	struct prefix		 p;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_parse_prefix(bad[i], &p) != RB_EINVAL)
			fail_msg("prefix \"%s\" accepted", bad[i]);
	assert_int_equal(addr_parse_prefix(NULL, &p), RB_EINVAL);
}

static bool
contains(const char *prefix, const char *addr)
{
	struct prefix	 p;
	struct addr	 a;

	assert_int_equal(addr_parse_prefix(prefix, &p), RB_OK);
	assert_int_equal(parse(addr, &a), RB_OK);
	return prefix_contains(&p, &a);
}

static void
test_prefix_contains(void **state)
{
	(void)state;
	assert_true(contains("127.0.0.0/8", "127.0.0.1"));
	assert_true(contains("127.0.0.0/8", "127.255.255.255"));
	assert_true(contains("127.0.0.0/8", "::ffff:127.0.0.2"));
	assert_false(contains("127.0.0.0/8", "128.0.0.1"));
	assert_false(contains("127.0.0.0/8", "126.255.255.255"));
	assert_false(contains("127.0.0.0/8", "::127.0.0.1"));
	assert_true(contains("10.128.0.0/9", "10.200.0.1"));
	assert_false(contains("10.128.0.0/9", "10.1.0.0"));
	assert_true(contains("1.2.3.4", "1.2.3.4"));
	assert_false(contains("1.2.3.4", "1.2.3.5"));
	assert_true(contains("0.0.0.0/0", "1.2.3.4"));
	assert_true(contains("0.0.0.0/0", "255.255.255.255"));
	assert_false(contains("0.0.0.0/0", "::1"));
	assert_false(contains("0.0.0.0/0", "2001:db8::1"));
	assert_true(contains("::/0", "1.2.3.4"));
	assert_true(contains("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_true(contains("2001:db8::/32", "2001:db8:ffff::1"));
	assert_true(contains("2001:db8::/32", "2001:db8::"));
	assert_false(contains("2001:db8::/32", "2001:db9::"));
	assert_false(contains("2001:db8::/32", "2001:db7:ffff::"));
	assert_true(contains("2001:db8:8000::/33", "2001:db8:ffff::"));
	assert_false(contains("2001:db8:8000::/33", "2001:db8:7fff::"));
	assert_true(contains("::1", "::1"));
	assert_false(contains("::1", "::"));
}

/* prefix_contains() against a bit-by-bit reference on random input */
int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_v4_valid),
		cmocka_unit_test(test_v4_invalid),
		cmocka_unit_test(test_parse_length_bounded),
		cmocka_unit_test(test_v4_helpers),
		cmocka_unit_test(test_v6_valid),
		cmocka_unit_test(test_v6_mapped_is_v4_key),
		cmocka_unit_test(test_v6_invalid),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_format_rfc5952),
		cmocka_unit_test(test_format_no_dotted_quad_for_v6),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_invalid),
		cmocka_unit_test(test_prefix_contains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
