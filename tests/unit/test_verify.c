/* SPDX-License-Identifier: ISC */
/*
 * test_verify.c -- the verifier's pure parts: tokens and the battery
 *
 * A token is the whole proof that a host relayed: only the store's key
 * may mint one that token_find() accepts, it must survive a relay's
 * case folding and any text around it, and it must name the host, the
 * probe and the test it came from. The battery must follow its contract
 * in verify.h for every kind of target: the forms it lists, one per
 * name the target gives itself, a distinct token per probe, address
 * literals in the right syntax, nothing longer than its buffer, and
 * never the canary domain as a sender. Inputs the tests scan are copied
 * to heap buffers of their exact length, so that AddressSanitizer
 * catches a read past (pointer, length).
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "verify.h"

#define CANARY	"canary.test"
#define BOUNCE	"bounce.test"
#define T0	INT64_C(1700000000)

static const uint8_t key[TOKEN_KEYLEN] = "0123456789abcdef0123456789abcde";
static const uint8_t key2[TOKEN_KEYLEN] = "0123456789abcdef0123456789abcdX";

/* ---- helpers ------------------------------------------------------------ */

static struct addr
ip(const char *s)
{
	struct addr	a;

	assert_int_equal(addr_parse_str(s, &a), RB_OK);
	return a;
}

/* token_find() on an exact-size heap copy of s[0..len), no NUL after. */
static bool
find_exact(const uint8_t *k, const char *s, size_t len, struct token *out)
{
	char	*copy;
	bool	 found;

	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	found = token_find(k, copy, len, out);
	free(copy);
	return found;
}

static bool
find(const uint8_t *k, const char *s, struct token *out)
{
	return find_exact(k, s, strlen(s), out);
}

static void
assert_token_is(const struct token *t, const struct addr *a, int probe,
    int64_t time)
{
	assert_memory_equal(t->addr.a, a->a, 16);
	assert_int_equal(t->probe, probe);
	assert_int_equal(t->time, time);
}

/* The input of a battery for target, with n names from names[]. */
static struct battery_in
input(const struct addr *target, const char *const *names, size_t n)
{
	struct battery_in	in;
	size_t			i;

	memset(&in, 0, sizeof(in));
	in.canary_domain = CANARY;
	in.bounce_domain = BOUNCE;
	in.target = target;
	in.key = key;
	in.time = T0;
	for (i = 0; i < n; i++)
		in.names[i] = names[i];
	in.nnames = n;
	return in;
}

/*
 * The size verify.h promises: 7 sender forms (2 with H) and 15
 * recipient forms (4 with H, 1 with the canary's literal).
 */
static size_t
expected_size(size_t nnames, bool canary_ip)
{
	return (5 + 2 * nnames) + (10 + 4 * nnames + (canary_ip ? 1 : 0));
}

static size_t
count_with(const struct battery *b, const char *s, bool in_from)
{
	size_t	i, n = 0;

	for (i = 0; i < b->n; i++)
		n += strstr(in_from ? b->p[i].from : b->p[i].to, s) != NULL;
	return n;
}

/* Is the domain d (any case) in the sender f, as its domain or part? */
static bool
mentions(const char *f, const char *d)
{
	return strcasestr(f, d) != NULL;
}

/* Every invariant a battery keeps, whatever its input. */
static void
check_battery(const struct battery_in *in, const struct battery *b)
{
	struct token	t, seen[BATTERY_MAX];
	size_t		i, j;

	assert_true(b->n > 0);
	assert_true(b->n <= BATTERY_MAX);
	for (i = 0; i < b->n; i++) {
		const struct probe *p = &b->p[i];

		/* Within their buffers, and terminated there. */
		assert_true(strnlen(p->from, sizeof(p->from)) <
		    sizeof(p->from));
		assert_true(strnlen(p->to, sizeof(p->to)) < sizeof(p->to));
		assert_non_null(p->trick);
		assert_true(p->trick[0] != '\0');
		/* Never the canary as a sender, in any case or form. */
		if (mentions(p->from, in->canary_domain))
			fail_msg("probe %zu (%s): the canary domain in the "
			    "sender <%s>", i, p->trick, p->from);
		/* No line breaks: a probe is one SMTP command line. */
		assert_null(strpbrk(p->from, "\r\n"));
		assert_null(strpbrk(p->to, "\r\n"));
		/* The recipient carries this probe's token. */
		if (!find(in->key, p->to, &t))
			fail_msg("probe %zu (%s): no valid token in <%s>", i,
			    p->trick, p->to);
		assert_token_is(&t, in->target, (int)i, in->time);
		/* The token only in the recipient, never in the sender. */
		assert_false(find(in->key, p->from, &t));
		seen[i] = t;
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[j].text, seen[i].text);
	}
}

/* ---- tokens ------------------------------------------------------------- */

static void
test_token_round_trip(void **state)
{
	static const char *const addrs[] = {
		"192.0.2.1", "127.0.0.21", "0.0.0.0", "255.255.255.255",
		"2001:db8::1", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	static const int64_t times[] = { 0, 1, T0, INT64_C(0xffffffff) };
	struct token	t, got;
	struct addr	a;
	size_t		i, j, k;
	int		probe;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		for (j = 0; j < sizeof(times) / sizeof(times[0]); j++)
			for (probe = 0; probe < BATTERY_MAX; probe += 7) {
				a = ip(addrs[i]);
				token_make(key, &a, probe, times[j], &t);
				assert_int_equal(strlen(t.text), TOKEN_LEN);
				assert_memory_equal(t.text, TOKEN_PREFIX, 4);
				for (k = 4; k < TOKEN_LEN; k++)
					assert_true(isxdigit((unsigned char)
					    t.text[k]) && !isupper((unsigned
					    char)t.text[k]));
				assert_token_is(&t, &a, probe, times[j]);
				memset(&got, 0x55, sizeof(got));
				assert_true(find(key, t.text, &got));
				assert_token_is(&got, &a, probe, times[j]);
				assert_string_equal(got.text, t.text);
			}
}

static void
test_token_redact(void **state)
{
	struct addr	a = ip("192.0.2.1");
	struct token	t, got;
	char		text[256];

	(void)state;
	token_make(key, &a, 3, T0, &t);
	snprintf(text, sizeof(text), "C: RCPT TO:<%s@canary.test>\nS: 250 "
	    "ok, and again %s.", t.text, t.text);
	assert_true(find(key, text, &got));
	token_redact(text, strlen(text));
	/* The address and time stay readable; no token verifies. */
	assert_false(find(key, text, &got));
	assert_non_null(strstr(text, "xxxxxxxxxxxxxxxx@canary.test"));
	assert_int_equal(strncmp(strstr(text, "rbl-"), t.text,
	    TOKEN_LEN - 16), 0);
	/* Not a token: left alone. */
	snprintf(text, sizeof(text), "rbl-not-a-token rbl-123");
	token_redact(text, strlen(text));
	assert_string_equal(text, "rbl-not-a-token rbl-123");
}

static void
test_token_distinct(void **state)
{
	struct addr	a = ip("192.0.2.1"), b = ip("192.0.2.2");
	struct token	t[5];
	int		i, j;

	(void)state;
	token_make(key, &a, 0, T0, &t[0]);
	token_make(key, &a, 1, T0, &t[1]);
	token_make(key, &a, 0, T0 + 1, &t[2]);
	token_make(key, &b, 0, T0, &t[3]);
	token_make(key2, &a, 0, T0, &t[4]);
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			assert_string_not_equal(t[i].text, t[j].text);
	/* The same input, the same token: a test can be replayed. */
	token_make(key, &a, 0, T0, &t[1]);
	assert_string_equal(t[0].text, t[1].text);
}

static void
test_token_any_case(void **state)
{
	struct addr	a = ip("2001:db8::25");
	struct token	t, got;
	char		up[TOKEN_LEN + 1], mixed[TOKEN_LEN + 1];
	size_t		i;

	(void)state;
	token_make(key, &a, 5, T0, &t);
	for (i = 0; i <= TOKEN_LEN; i++) {
		up[i] = (char)toupper((unsigned char)t.text[i]);
		mixed[i] = (char)(i % 2 ? toupper((unsigned char)t.text[i]) :
		    t.text[i]);
	}
	assert_true(find(key, up, &got));
	assert_token_is(&got, &a, 5, T0);
	assert_string_equal(got.text, t.text);	/* folded back to lower */
	assert_true(find(key, mixed, &got));
	assert_token_is(&got, &a, 5, T0);
	assert_string_equal(got.text, t.text);
}

static void
test_token_embedded(void **state)
{
	struct addr	a = ip("198.51.100.7"), b = ip("198.51.100.8");
	struct token	t, u, forged, got;
	char		buf[1024];

	(void)state;
	token_make(key, &a, 3, T0, &t);
	token_make(key, &b, 4, T0 + 9, &u);

	/* In a local part, a Subject, a Message-ID, a body line. */
	snprintf(buf, sizeof(buf), "%s@" CANARY, t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &a, 3, T0);
	snprintf(buf, sizeof(buf), "Subject: relaybl open relay test %s\r\n",
	    t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &a, 3, T0);
	snprintf(buf, sizeof(buf), "Message-ID: <%s@" BOUNCE ">", t.text);
	assert_true(find(key, buf, &got));
	snprintf(buf, sizeof(buf), "a%%b!%s%%" CANARY "@[192.0.2.1]", t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &a, 3, T0);

	/* At the very end, with nothing after it. */
	snprintf(buf, sizeof(buf), "xxxxxxxx%s", t.text);
	assert_true(find(key, buf, &got));
	/* Followed by more hex: the first 58 digits are the token. */
	snprintf(buf, sizeof(buf), "%sabcdef0123", t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &a, 3, T0);

	/* After false starts: "rbl-" alone, and "rbl-rbl-". */
	snprintf(buf, sizeof(buf), "rbl- rbl-x rbl-%s", t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &a, 3, T0);

	/* Two tokens: the first valid one. */
	snprintf(buf, sizeof(buf), "%s then %s", u.text, t.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &b, 4, T0 + 9);
	forged = t;
	forged.text[TOKEN_LEN - 1] = forged.text[TOKEN_LEN - 1] == '0' ?
	    '1' : '0';
	snprintf(buf, sizeof(buf), "%s then %s", forged.text, u.text);
	assert_true(find(key, buf, &got));
	assert_token_is(&got, &b, 4, T0 + 9);

	/* A NUL in the text does not end the search: len does. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 10, t.text, TOKEN_LEN);
	assert_true(find_exact(key, buf, 10 + TOKEN_LEN, &got));
	assert_token_is(&got, &a, 3, T0);

	/* No token at all. */
	assert_false(find(key, "", &got));
	assert_false(find(key, "rbl-", &got));
	assert_false(find(key, "no token in this text at all, rbl- none",
	    &got));
}

static void
test_token_forged(void **state)
{
	static const char	hex[] = "0123456789abcdef";
	struct addr		a = ip("192.0.2.44"), other = ip("192.0.2.45");
	struct token		t, o, got;
	char			f[TOKEN_LEN + 1];
	size_t			i;

	(void)state;
	token_make(key, &a, 9, T0, &t);
	/* Any one digit changed, in the data or in the MAC: refused. */
	for (i = 4; i < TOKEN_LEN; i++) {
		memcpy(f, t.text, sizeof(f));
		f[i] = hex[(strchr(hex, f[i]) - hex + 1) % 16];
		if (find(key, f, &got))
			fail_msg("digit %zu changed: still accepted", i);
	}
	/* Not hex. */
	for (i = 4; i < TOKEN_LEN; i += 5) {
		memcpy(f, t.text, sizeof(f));
		f[i] = i % 2 ? 'g' : ' ';
		assert_false(find(key, f, &got));
	}
	/* Another host's MAC on this host's data. */
	token_make(key, &other, 9, T0, &o);
	memcpy(f, t.text, sizeof(f));
	memcpy(f + TOKEN_LEN - 16, o.text + TOKEN_LEN - 16, 16);
	assert_false(find(key, f, &got));
	/* The data of one, the MAC all zeros. */
	memcpy(f, t.text, sizeof(f));
	memset(f + TOKEN_LEN - 16, '0', 16);
	assert_false(find(key, f, &got));
	/* A prefix other than "rbl-". */
	memcpy(f, t.text, sizeof(f));
	f[3] = '_';
	assert_false(find(key, f, &got));
}

static void
test_token_truncated(void **state)
{
	struct addr	a = ip("2001:db8:1::77");
	struct token	t, got;
	size_t		len;
	char		buf[2 * TOKEN_LEN];

	(void)state;
	token_make(key, &a, 47, T0, &t);
	for (len = 0; len < TOKEN_LEN; len++)
		if (find_exact(key, t.text, len, &got))
			fail_msg("accepted the first %zu characters", len);
	assert_true(find_exact(key, t.text, TOKEN_LEN, &got));
	/* Cut at the end of a longer text. */
	snprintf(buf, sizeof(buf), "To: <%s", t.text);
	assert_false(find_exact(key, buf, strlen(buf) - 1, &got));
	assert_true(find_exact(key, buf, strlen(buf), &got));
	/* Cut in the middle, the rest elsewhere. */
	snprintf(buf, sizeof(buf), "%.30s %s", t.text, t.text + 30);
	assert_false(find(key, buf, &got));
}

static void
test_token_wrong_key(void **state)
{
	struct addr	a = ip("192.0.2.99");
	struct token	t, got;
	uint8_t		k3[TOKEN_KEYLEN];
	size_t		i;

	(void)state;
	token_make(key, &a, 2, T0, &t);
	assert_false(find(key2, t.text, &got));
	/* One bit anywhere in the key is another key. */
	for (i = 0; i < TOKEN_KEYLEN; i++) {
		memcpy(k3, key, sizeof(k3));
		k3[i] ^= 0x01;
		assert_false(find(k3, t.text, &got));
	}
	token_make(key2, &a, 2, T0, &t);
	assert_true(find(key2, t.text, &got));
	assert_false(find(key, t.text, &got));
}

/* ---- the battery -------------------------------------------------------- */

static void
test_battery_sizes(void **state)
{
	static const char *const names[] = {
		"mx.example.net", "mail.example.net", "a.example", "b.example",
	};
	struct addr		a = ip("192.0.2.1");
	struct battery_in	in;
	struct battery		b;
	size_t			n;

	(void)state;
	for (n = 0; n <= 4; n++) {
		in = input(&a, names, n);
		battery_build(&in, &b);
		assert_int_equal(b.n, expected_size(n, false));
		check_battery(&in, &b);
		in.canary_ip = "198.51.100.25";
		battery_build(&in, &b);
		assert_int_equal(b.n, expected_size(n, true));
		check_battery(&in, &b);
	}
	/* What run.c asks for: 0, 1 and 2 names. */
	in = input(&a, names, 0);
	battery_build(&in, &b);
	assert_int_equal(b.n, 15);
	in = input(&a, names, 1);
	battery_build(&in, &b);
	assert_int_equal(b.n, 21);
	in = input(&a, names, 2);
	battery_build(&in, &b);
	assert_int_equal(b.n, 27);
}

/* Every name is used, in 2 sender forms and 4 recipient forms. */
static void
test_battery_uses_names(void **state)
{
	static const char *const names[] = {
		"mx.example.net", "gw.example.org",
	};
	struct addr		a = ip("192.0.2.1");
	struct battery_in	in;
	struct battery		b;
	char			s[300];
	size_t			i;

	(void)state;
	in = input(&a, names, 2);
	battery_build(&in, &b);
	check_battery(&in, &b);
	for (i = 0; i < 2; i++) {
		assert_int_equal(count_with(&b, names[i], true), 2);
		assert_int_equal(count_with(&b, names[i], false), 4);
		snprintf(s, sizeof(s), "relaytest@%s", names[i]);
		assert_int_equal(count_with(&b, s, true), 1);
		snprintf(s, sizeof(s), "%s!relaytest", names[i]);
		assert_int_equal(count_with(&b, s, true), 1);
		snprintf(s, sizeof(s), "%%" CANARY "@%s", names[i]);
		assert_int_equal(count_with(&b, s, false), 1);
		snprintf(s, sizeof(s), "@%s:", names[i]);
		assert_int_equal(count_with(&b, s, false), 1);
	}
	/*
	 * The battery takes the names it is given as they are: dropping
	 * a name that repeats (the greeting's and EHLO's, often) is the
	 * caller's work, so two equal names make two sets of probes.
	 */
	in.names[1] = "MX.example.net";
	battery_build(&in, &b);
	assert_int_equal(b.n, expected_size(2, false));
	/* Without names, no probe has a name in it. */
	in = input(&a, names, 0);
	battery_build(&in, &b);
	assert_int_equal(count_with(&b, "example", true) +
	    count_with(&b, "example", false), 0);
}

static void
test_battery_forms(void **state)
{
	struct addr		a = ip("192.0.2.1");
	struct battery_in	in;
	struct battery		b;
	size_t			i, bare = 0, null = 0;

	(void)state;
	in = input(&a, NULL, 0);
	battery_build(&in, &b);
	for (i = 0; i < b.n; i++) {
		bare += b.p[i].bare_to;
		null += b.p[i].from[0] == '\0';
		/* The recipient goes to the canary, in some form. */
		assert_true(mentions(b.p[i].to, CANARY));
	}
	assert_int_equal(bare, 1);
	assert_int_equal(null, 1);
	assert_int_equal(count_with(&b, "relaytest@" BOUNCE, true), 1);
	assert_int_equal(count_with(&b, "relaytest@localhost", true), 1);
	/* The families of tricks the design names. */
	assert_true(count_with(&b, "%", false) >= 3);		/* percent */
	assert_true(count_with(&b, "!", false) >= 2);		/* bang */
	assert_true(count_with(&b, "@[192.0.2.1]:", false) == 1); /* route */
	assert_true(count_with(&b, "\"", false) >= 2);		/* quoted */
	assert_true(count_with(&b, "@" CANARY "@", false) >= 1); /* double @ */
}

static void
test_battery_literals(void **state)
{
	struct addr		v4 = ip("192.0.2.1"), v6 = ip("2001:db8::1");
	struct addr		mapped = ip("::ffff:192.0.2.1");
	struct battery_in	in;
	struct battery		b;

	(void)state;
	/* IPv4: [a.b.c.d], never an IPv6 tag. */
	in = input(&v4, NULL, 0);
	battery_build(&in, &b);
	check_battery(&in, &b);
	assert_int_equal(count_with(&b, "relaytest@[192.0.2.1]", true),
	    b.n - 4);
	assert_true(count_with(&b, "@[192.0.2.1]", false) >= 3);
	assert_int_equal(count_with(&b, "IPv6:", true) +
	    count_with(&b, "IPv6:", false), 0);
	assert_int_equal(count_with(&b, "::ffff", true) +
	    count_with(&b, "::ffff", false), 0);

	/* The mapped form of an IPv4 address is the IPv4 host. */
	in = input(&mapped, NULL, 0);
	battery_build(&in, &b);
	assert_int_equal(count_with(&b, "relaytest@[192.0.2.1]", true),
	    b.n - 4);

	/* IPv6: [IPv6:...], RFC 5321 4.1.3. */
	in = input(&v6, NULL, 0);
	battery_build(&in, &b);
	check_battery(&in, &b);
	assert_int_equal(count_with(&b, "relaytest@[IPv6:2001:db8::1]", true),
	    b.n - 4);
	assert_true(count_with(&b, "@[IPv6:2001:db8::1]", false) >= 3);
	assert_int_equal(count_with(&b, "[2001:", true) +
	    count_with(&b, "[2001:", false), 0);

	/* The canary's own literal, in its family's syntax. */
	in = input(&v4, NULL, 0);
	in.canary_ip = "198.51.100.25";
	battery_build(&in, &b);
	check_battery(&in, &b);
	assert_int_equal(count_with(&b, "@[198.51.100.25]", false), 1);
	in.canary_ip = "2001:db8::25";
	battery_build(&in, &b);
	check_battery(&in, &b);
	assert_int_equal(count_with(&b, "@[IPv6:2001:db8::25]", false), 1);
	in.canary_ip = "";
	battery_build(&in, &b);
	assert_int_equal(b.n, expected_size(0, false));
}

/* Names as long as a greeting may give: every probe still fits. */
static void
test_battery_fits(void **state)
{
	char			n[4][256];
	const char		*names[4];
	struct addr		a = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct battery_in	in;
	struct battery		b;
	size_t			i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 255; j++)
			n[i][j] = j % 64 == 63 ? '.' : (char)('a' + (i + j) % 26);
		n[i][255] = '\0';
		names[i] = n[i];
	}
	in = input(&a, names, 4);
	in.canary_ip = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
	battery_build(&in, &b);
	assert_int_equal(b.n, expected_size(4, true));
	check_battery(&in, &b);
}

/*
 * verify.h: "The canary domain is never a sender." The names come from
 * the target's greeting and EHLO reply, which the target chooses: one
 * that calls itself after our canary domain must not get it into a
 * MAIL FROM (nor into a bang-path sender).
 */
static void
test_battery_canary_never_sender(void **state)
{
	static const char *const hostile[] = {
		"canary.test", "CANARY.TEST", "canary.test.", "x@canary.test",
	};
	struct addr		a = ip("192.0.2.1");
	struct battery_in	in;
	struct battery		b;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		in = input(&a, &hostile[i], 1);
		battery_build(&in, &b);
		check_battery(&in, &b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_round_trip),
		cmocka_unit_test(test_token_distinct),
		cmocka_unit_test(test_token_redact),
		cmocka_unit_test(test_token_any_case),
		cmocka_unit_test(test_token_embedded),
		cmocka_unit_test(test_token_forged),
		cmocka_unit_test(test_token_truncated),
		cmocka_unit_test(test_token_wrong_key),
		cmocka_unit_test(test_battery_sizes),
		cmocka_unit_test(test_battery_uses_names),
		cmocka_unit_test(test_battery_forms),
		cmocka_unit_test(test_battery_literals),
		cmocka_unit_test(test_battery_fits),
		cmocka_unit_test(test_battery_canary_never_sender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
