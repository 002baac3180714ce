/* SPDX-License-Identifier: ISC */
/*
 * addr.c -- parse and print IPv4/IPv6 addresses and prefixes as store keys
 *
 * Every address becomes a 16-byte key: IPv6 as is, IPv4 mapped into
 * ::ffff:0:0/96, so that one ordered key space holds both families and
 * an IPv4 host has exactly one key however it was written. The parsers
 * are written by hand rather than on inet_pton(3): they take a (pointer,
 * length) pair straight from a DNS name, an HTTP body or a file, never
 * read past it, accept only one spelling of each IPv4 number and are
 * meant to be fed hostile bytes (tests/fuzz/fuzz_addr.c). Output follows
 * RFC 5952, so that a key always prints the same way.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "db.h"

#define ADDR_MAXTEXT	(ADDR_STRLEN - 1)	/* longest text we parse */
#define PREFIX_MAXLEN	128

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static const char hexdigits[] = "0123456789abcdef";

int
addr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
isdigit_c(char c)
{
	/* not isdigit(3): no locale, no sign extension of high bytes */
	return c >= '0' && c <= '9';
}

/*
 * Parse exactly s[0..len) as a dotted quad: four numbers 0..255 in
 * decimal, "0" or without a leading zero, so that "010" can never be
 * read as octal by some other tool and mean a different host.
 */
static int
parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t		 i = 0;
	unsigned int	 v;
	int		 part;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return RB_EINVAL;
			i++;
		}
		if (i >= len || !isdigit_c(s[i]))
			return RB_EINVAL;
		if (s[i] == '0' && i + 1 < len && isdigit_c(s[i + 1]))
			return RB_EINVAL;
		v = 0;
		while (i < len && isdigit_c(s[i])) {
			v = v * 10 + (unsigned int)(s[i] - '0');
			if (v > 255)
				return RB_EINVAL;
			i++;
		}
		out[part] = (uint8_t)v;
	}
	return i == len ? RB_OK : RB_EINVAL;
}

/*
 * Parse exactly s[0..len) as RFC 4291 text. Groups are stored as they
 * come; a "::" records where the gap goes, and the groups after it are
 * moved to the end once the count is known.
 */
static int
parse_v6(const char *s, size_t len, uint8_t out[16])
{
	uint8_t		 b[16];
	size_t		 i = 0, j;
	int		 ngroups = 0, gap = -1, d, k;
	unsigned int	 v;

	memset(b, 0, sizeof(b));
	if (len == 0)
		return RB_EINVAL;
	if (s[0] == ':') {
		if (len < 2 || s[1] != ':')
			return RB_EINVAL;
		gap = 0;
		i = 2;
	}
	while (i < len) {
		/* a group, or a trailing dotted quad in the last 32 bits */
		for (j = i; j < len && addr_hexval(s[j]) >= 0; j++)
			;
		if (j < len && s[j] == '.') {
			if (ngroups > 6)
				return RB_EINVAL;
			if (parse_v4(s + i, len - i, b + 2 * ngroups) != RB_OK)
				return RB_EINVAL;
			ngroups += 2;
			break;
		}
		if (j == i || j - i > 4 || ngroups >= 8)
			return RB_EINVAL;
		for (v = 0; i < j; i++)
			v = v << 4 | (unsigned int)addr_hexval(s[i]);
		b[2 * ngroups] = (uint8_t)(v >> 8);
		b[2 * ngroups + 1] = (uint8_t)v;
		ngroups++;
		if (i == len)
			break;

		/* a separator: ":" before a group, or the one "::" */
		if (s[i] != ':')
			return RB_EINVAL;
		if (++i == len)
			return RB_EINVAL;
		if (s[i] == ':') {
			if (gap >= 0)
				return RB_EINVAL;
			gap = ngroups;
			i++;
		}
	}

	if (gap < 0) {
		if (ngroups != 8)
			return RB_EINVAL;
	} else {
		/* "::" stands for at least one group (RFC 4291 2.2) */
		if (ngroups > 7)
			return RB_EINVAL;
		d = 8 - ngroups;
		for (k = ngroups - 1; k >= gap; k--) {
			b[2 * (k + d)] = b[2 * k];
			b[2 * (k + d) + 1] = b[2 * k + 1];
			b[2 * k] = 0;
			b[2 * k + 1] = 0;
		}
	}
	memcpy(out, b, 16);
	return RB_OK;
}

int
addr_parse(const char *s, size_t len, struct addr *out)
{
	uint8_t	 b[16];

	/*
	 * Bound the work before looking at the text. A NUL or any other
	 * byte outside [0-9a-fA-F:.] fails in the parsers below.
	 */
	if (s == NULL || len == 0 || len > ADDR_MAXTEXT)
		return RB_EINVAL;
	if (memchr(s, ':', len) != NULL) {
		if (parse_v6(s, len, b) != RB_OK)
			return RB_EINVAL;
	} else {
		memcpy(b, v4mapped, sizeof(v4mapped));
		if (parse_v4(s, len, b + 12) != RB_OK)
			return RB_EINVAL;
	}
	memcpy(out->a, b, 16);
	return RB_OK;
}

int
addr_parse_str(const char *s, struct addr *out)
{
	if (s == NULL)
		return RB_EINVAL;
	/* strnlen: a text too long to be an address is not scanned further */
	return addr_parse(s, strnlen(s, ADDR_MAXTEXT + 1), out);
}

bool
addr_is_v4(const struct addr *a)
{
	return memcmp(a->a, v4mapped, sizeof(v4mapped)) == 0;
}

uint32_t
addr_v4(const struct addr *a)
{
	return (uint32_t)a->a[12] << 24 | (uint32_t)a->a[13] << 16 |
	    (uint32_t)a->a[14] << 8 | (uint32_t)a->a[15];
}

void
addr_from_v4(struct addr *out, uint32_t v4)
{
	memcpy(out->a, v4mapped, sizeof(v4mapped));
	out->a[12] = (uint8_t)(v4 >> 24);
	out->a[13] = (uint8_t)(v4 >> 16);
	out->a[14] = (uint8_t)(v4 >> 8);
	out->a[15] = (uint8_t)v4;
}

/* Append v in decimal at p; return the end. */
static char *
put_dec(char *p, unsigned int v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Append v in lower-case hex without leading zeros; return the end. */
static char *
put_hex(char *p, unsigned int v)
{
	int	 shift = 12;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hexdigits[(v >> shift) & 0xf];
	return p;
}

char *
addr_format(const struct addr *a, char *buf)
{
	unsigned int	 w[8];
	char		*p = buf;
	int		 i, best = -1, bestlen = 0, run;

	if (addr_is_v4(a)) {
		for (i = 12; i < 16; i++) {
			if (i > 12)
				*p++ = '.';
			p = put_dec(p, a->a[i]);
		}
		*p = '\0';
		return buf;
	}

	for (i = 0; i < 8; i++)
		w[i] = (unsigned int)a->a[2 * i] << 8 | a->a[2 * i + 1];
	/* RFC 5952 4.2: the first longest run of two or more zero groups */
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run >= 2 && run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		p = put_hex(p, w[i]);
	}
	*p = '\0';
	return buf;
}

/* ---- prefixes ---------------------------------------------------------- */

/* Whether the first len bits of x and y are equal. */
static bool
bits_equal(const uint8_t *x, const uint8_t *y, unsigned int len)
{
	unsigned int	 n = len / 8, r = len % 8;
	uint8_t		 mask;

	if (memcmp(x, y, n) != 0)
		return false;
	if (r == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - r));
	return ((x[n] ^ y[n]) & mask) == 0;
}

/* Whether every bit of a after the first len is zero. */
static bool
host_bits_zero(const struct addr *a, unsigned int len)
{
	static const struct addr	 zero;
	struct addr			 t;
	unsigned int			 n = len / 8, r = len % 8;

	t = *a;
	memset(t.a, 0, n);
	if (r != 0)
		t.a[n] &= (uint8_t)~(0xff << (8 - r));
	return memcmp(t.a, zero.a, 16) == 0;
}

int
addr_parse_prefix(const char *s, struct prefix *out)
{
	struct prefix	 p;
	const char	*slash, *q;
	size_t		 alen;
	unsigned int	 len, max;

	if (s == NULL)
		return RB_EINVAL;
	if ((slash = strchr(s, '/')) == NULL) {
		if (addr_parse_str(s, &p.addr) != RB_OK)
			return RB_EINVAL;
		p.len = PREFIX_MAXLEN;
		*out = p;
		return RB_OK;
	}

	alen = (size_t)(slash - s);
	if (addr_parse(s, alen, &p.addr) != RB_OK)
		return RB_EINVAL;
	/* the length is in the terms of the family the address is written in */
	max = memchr(s, ':', alen) != NULL ? 128 : 32;

	q = slash + 1;
	if (!isdigit_c(*q) || (q[0] == '0' && q[1] != '\0'))
		return RB_EINVAL;
	for (len = 0; isdigit_c(*q); q++) {
		len = len * 10 + (unsigned int)(*q - '0');
		if (len > max)
			return RB_EINVAL;
	}
	if (*q != '\0')
		return RB_EINVAL;
	if (max == 32)
		len += 96;
	if (!host_bits_zero(&p.addr, len))
		return RB_EINVAL;
	p.len = len;
	*out = p;
	return RB_OK;
}

bool
prefix_contains(const struct prefix *p, const struct addr *a)
{
	unsigned int	 len = p->len > PREFIX_MAXLEN ? PREFIX_MAXLEN : p->len;

	return bits_equal(p->addr.a, a->a, len);
}

char *
prefix_format(const struct prefix *p, char *buf)
{
	char		*e;
	unsigned int	 len = p->len;

	addr_format(&p->addr, buf);
	e = buf + strlen(buf);
	if (len >= 96 && addr_is_v4(&p->addr))
		len -= 96;
	*e++ = '/';
	e = put_dec(e, len > PREFIX_MAXLEN ? PREFIX_MAXLEN : len);
	*e = '\0';
	return buf;
}
