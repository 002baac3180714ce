/* SPDX-License-Identifier: ISC */
/*
 * special.h -- the address ranges a list must never test or list
 *
 * One question, asked of every address before it is reported, tested
 * or listed: is it global unicast, or in a range set aside for some
 * other purpose? The answer comes from a constant table built at
 * compile time, so the call parses nothing, takes no lock and may be
 * made from any thread. The operator can exempt ranges with the
 * [policy] allow key (a test network, say), which is passed in.
 */
#ifndef RB_SPECIAL_H
#define RB_SPECIAL_H

#include "config.h"

/*
 * The special-purpose range a covers, per the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890 and later), plus the
 * ranges that are not global unicast at all (multicast, reserved,
 * IPv6 outside 2000::/3): addresses a list must never test or list
 * unless its operator says so. An IPv4 key (::ffff:a.b.c.d) is
 * matched against the IPv4 ranges only; where ranges nest, the most
 * specific one names the address.
 * @param allow: prefixes the configuration allows anyway (may be NULL);
 *	an address inside one of them is treated as global.
 * @param prefix: if not NULL, set to the matching range, for messages;
 *	left alone when the address is global.
 * @return a short name such as "private-use (RFC 1918)" or
 *	"loopback (RFC 1122)", or NULL for a global address. The name is
 *	a static string.
 */
const char	*special_range(const struct addr *a,
		    const struct prefix_list *allow, struct prefix *prefix);

#endif /* RB_SPECIAL_H */
