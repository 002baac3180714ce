/* SPDX-License-Identifier: ISC */
/*
 * special.c -- name the special-purpose range an address falls in
 *
 * Two constant tables, one per family, transcribe the IANA IPv4 and
 * IPv6 Special-Purpose Address Registries and add what the registries
 * leave out because it is not unicast or not allocated: IPv4 multicast
 * and 240/4, IPv6 multicast and all of IPv6 outside 2000::/3. The rows
 * are struct prefix initializers written as bytes, so nothing is
 * parsed at run time and the tables can be shared by every thread;
 * tests/unit/test_special.c checks each row against its text form.
 *
 * An IPv4 key is ::ffff:a.b.c.d, which lies inside ::/3, so it is
 * matched against the IPv4 table only: an IPv4 address is global unless
 * an IPv4 row covers it. Rows nest (192.0.0.8/32 inside 192.0.0.0/24,
 * 2001:db8::/32 inside 2001::/23 inside 2000::/3), and the longest
 * matching row names the address. With some thirty rows a linear scan
 * costs less than a lookup in the store that follows it.
 */
#include <stddef.h>

#include "special.h"

struct special {
	struct prefix	 p;
	const char	*name;
};

/* a.b.c.d/n as a mapped key prefix */
#define V4(a, b, c, d, n)						\
	{ { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,		\
	    (a), (b), (c), (d) } }, 96 + (n) }

/* one 16-bit group as two bytes, network order */
#define G(g)	((g) >> 8) & 0xff, (g) & 0xff

/* an IPv6 prefix from its eight groups */
#define V6(g0, g1, g2, g3, g4, g5, g6, g7, n)				\
	{ { { G(g0), G(g1), G(g2), G(g3), G(g4), G(g5), G(g6), G(g7) } },\
	    (n) }

#define NOT_GLOBAL	"not global unicast (outside 2000::/3)"

static const struct special special_v4[] = {
	{ V4(0, 0, 0, 0, 8),		"this network (RFC 791)" },
	{ V4(0, 0, 0, 0, 32),		"this host on this network (RFC 1122)" },
	{ V4(10, 0, 0, 0, 8),		"private-use (RFC 1918)" },
	{ V4(100, 64, 0, 0, 10),	"shared address space (RFC 6598)" },
	{ V4(127, 0, 0, 0, 8),		"loopback (RFC 1122)" },
	{ V4(169, 254, 0, 0, 16),	"link-local (RFC 3927)" },
	{ V4(172, 16, 0, 0, 12),	"private-use (RFC 1918)" },
	{ V4(192, 0, 0, 0, 24),		"IETF protocol assignments (RFC 6890)" },
	{ V4(192, 0, 0, 0, 29),
	    "IPv4 service continuity prefix (RFC 7335)" },
	{ V4(192, 0, 0, 8, 32),		"IPv4 dummy address (RFC 7600)" },
	{ V4(192, 0, 0, 9, 32),		"PCP anycast (RFC 7723)" },
	{ V4(192, 0, 0, 10, 32),	"TURN anycast (RFC 8155)" },
	{ V4(192, 0, 0, 170, 32),	"NAT64/DNS64 discovery (RFC 8880)" },
	{ V4(192, 0, 0, 171, 32),	"NAT64/DNS64 discovery (RFC 8880)" },
	{ V4(192, 0, 2, 0, 24),		"documentation, TEST-NET-1 (RFC 5737)" },
	{ V4(192, 31, 196, 0, 24),	"AS112-v4 (RFC 7535)" },
	{ V4(192, 52, 193, 0, 24),	"AMT (RFC 7450)" },
	{ V4(192, 88, 99, 0, 24),
	    "deprecated 6to4 relay anycast (RFC 7526)" },
	{ V4(192, 88, 99, 2, 32),	"6a44-relay anycast (RFC 6751)" },
	{ V4(192, 168, 0, 0, 16),	"private-use (RFC 1918)" },
	{ V4(192, 175, 48, 0, 24),	"AS112 direct delegation (RFC 7534)" },
	{ V4(198, 18, 0, 0, 15),	"benchmarking (RFC 2544)" },
	{ V4(198, 51, 100, 0, 24),	"documentation, TEST-NET-2 (RFC 5737)" },
	{ V4(203, 0, 113, 0, 24),	"documentation, TEST-NET-3 (RFC 5737)" },
	{ V4(224, 0, 0, 0, 4),		"multicast (RFC 5771)" },
	{ V4(240, 0, 0, 0, 4),		"reserved (RFC 1112)" },
	{ V4(255, 255, 255, 255, 32),	"limited broadcast (RFC 919)" },
};

static const struct special special_v6[] = {
	/* the complement of 2000::/3, so that anything else is named */
	{ V6(0, 0, 0, 0, 0, 0, 0, 0, 3),		NOT_GLOBAL },
	{ V6(0x4000, 0, 0, 0, 0, 0, 0, 0, 2),		NOT_GLOBAL },
	{ V6(0x8000, 0, 0, 0, 0, 0, 0, 0, 1),		NOT_GLOBAL },

	{ V6(0, 0, 0, 0, 0, 0, 0, 0, 128),	"unspecified (RFC 4291)" },
	{ V6(0, 0, 0, 0, 0, 0, 0, 1, 128),	"loopback (RFC 4291)" },
	{ V6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96),
	    "IPv4/IPv6 translation (RFC 6052)" },
	{ V6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0, 48),
	    "local-use IPv4/IPv6 translation (RFC 8215)" },
	{ V6(0x100, 0, 0, 0, 0, 0, 0, 0, 64),	"discard-only (RFC 6666)" },
	{ V6(0x100, 0, 0, 1, 0, 0, 0, 0, 64),	"dummy prefix (RFC 9780)" },
	{ V6(0x2001, 0, 0, 0, 0, 0, 0, 0, 23),
	    "IETF protocol assignments (RFC 2928)" },
	{ V6(0x2001, 0, 0, 0, 0, 0, 0, 0, 32),	"TEREDO (RFC 4380)" },
	{ V6(0x2001, 1, 0, 0, 0, 0, 0, 1, 128),	"PCP anycast (RFC 7723)" },
	{ V6(0x2001, 1, 0, 0, 0, 0, 0, 2, 128),	"TURN anycast (RFC 8155)" },
	{ V6(0x2001, 1, 0, 0, 0, 0, 0, 3, 128),
	    "DNS-SD SRP anycast (RFC 9665)" },
	{ V6(0x2001, 2, 0, 0, 0, 0, 0, 0, 48),	"benchmarking (RFC 5180)" },
	{ V6(0x2001, 3, 0, 0, 0, 0, 0, 0, 32),	"AMT (RFC 7450)" },
	{ V6(0x2001, 4, 0x112, 0, 0, 0, 0, 0, 48),
	    "AS112-v6 (RFC 7535)" },
	{ V6(0x2001, 0x10, 0, 0, 0, 0, 0, 0, 28),
	    "deprecated ORCHID (RFC 4843)" },
	{ V6(0x2001, 0x20, 0, 0, 0, 0, 0, 0, 28),	"ORCHIDv2 (RFC 7343)" },
	{ V6(0x2001, 0x30, 0, 0, 0, 0, 0, 0, 28),
	    "drone remote ID entity tags (RFC 9374)" },
	{ V6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0, 32),
	    "documentation (RFC 3849)" },
	{ V6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16),	"6to4 (RFC 3056)" },
	{ V6(0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0, 48),
	    "AS112 direct delegation (RFC 7534)" },
	{ V6(0x3fff, 0, 0, 0, 0, 0, 0, 0, 20),	"documentation (RFC 9637)" },
	{ V6(0x5f00, 0, 0, 0, 0, 0, 0, 0, 16),	"SRv6 SIDs (RFC 9602)" },
	{ V6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7),	"unique-local (RFC 4193)" },
	{ V6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10),	"link-local (RFC 4291)" },
	{ V6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10),
	    "deprecated site-local (RFC 3879)" },
	{ V6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8),	"multicast (RFC 4291)" },
};

#define NITEMS(t)	(sizeof(t) / sizeof((t)[0]))

const char *
special_range(const struct addr *a, const struct prefix_list *allow,
    struct prefix *prefix)
{
	const struct special	*t, *best = NULL;
	size_t			 i, n;

	if (allow != NULL)
		for (i = 0; i < allow->n; i++)
			if (prefix_contains(&allow->p[i], a))
				return NULL;

	if (addr_is_v4(a)) {
		t = special_v4;
		n = NITEMS(special_v4);
	} else {
		t = special_v6;
		n = NITEMS(special_v6);
	}
	for (i = 0; i < n; i++)
		if (prefix_contains(&t[i].p, a) &&
		    (best == NULL || t[i].p.len > best->p.len))
			best = &t[i];

	if (best == NULL)
		return NULL;
	if (prefix != NULL)
		*prefix = best->p;
	return best->name;
}
