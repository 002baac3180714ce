/* SPDX-License-Identifier: ISC */
/*
 * battery.c -- the relay tricks to try on a target
 *
 * The forms come from the families that found open relays in the wild
 * (MAPS, DSBL, nmap): the percent hack, bang paths, source routes,
 * quoted local parts, double @ and bracketed address literals. Each
 * probe's canary mailbox carries its own token, so an arrival tells
 * which trick went through. The canary domain is only ever a recipient:
 * senders use the target's own names, an address literal, or the list's
 * bounce domain, never a third party's domain.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "verify.h"

#define SENDER	"relaytest"

/* Add a probe; it is cut (and so harmless) if a form does not fit. */
static void
add(struct battery *b, const char *trick, bool bare, const char *from,
    const char *to)
{
	struct probe	*p;

	if (b->n == BATTERY_MAX)
		return;
	p = &b->p[b->n++];
	snprintf(p->from, sizeof(p->from), "%s", from);
	snprintf(p->to, sizeof(p->to), "%s", to);
	p->bare_to = bare;
	p->trick = trick;
}

/*
 * Whether a name a target gave itself may stand in a probe: a host name
 * or an address literal, and never the canary domain or below it, which
 * must not appear as a sender.
 */
static bool
usable_name(const char *name, const char *canary)
{
	size_t	len = strlen(name), clen = strlen(canary);

	if (len == 0 || len > 255 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.[]:") != len)
		return false;
	if (name[len - 1] == '.')
		len--;
	return !(len >= clen && strncasecmp(name + len - clen, canary,
	    clen) == 0 && (len == clen || name[len - clen - 1] == '.'));
}

void
battery_build(const struct battery_in *in, struct battery *b)
{
	const char	*c = in->canary_domain;
	char		 ip[ADDR_STRLEN + 8], a[ADDR_STRLEN], u[TOKEN_LEN + 1];
	char		 from[ADDRLEN_MAX], to[ADDRLEN_MAX];
	const char	*names[4];
	struct token	 t;
	size_t		 i, n;

#define U()	(token_make(in->key, in->target, (int)b->n, in->time, &t), \
		    snprintf(u, sizeof(u), "%s", t.text), u)
#define F(...)	(snprintf(from, sizeof(from), __VA_ARGS__), from)
#define T(...)	(snprintf(to, sizeof(to), __VA_ARGS__), to)

	memset(b, 0, sizeof(*b));
	for (i = n = 0; i < in->nnames; i++)
		if (usable_name(in->names[i], c))
			names[n++] = in->names[i];
	addr_format(in->target, a);
	if (addr_is_v4(in->target))
		snprintf(ip, sizeof(ip), "[%s]", a);
	else
		snprintf(ip, sizeof(ip), "[IPv6:%s]", a);

	/* Senders, to the canary mailbox itself. */
	add(b, "null sender", false, "", T("%s@%s", U(), c));
	add(b, "sender in the list's domain", false,
	    F(SENDER "@%s", in->bounce_domain), T("%s@%s", U(), c));
	add(b, "sender at the target's address", false, F(SENDER "@%s", ip),
	    T("%s@%s", U(), c));
	for (i = 0; i < n; i++)
		add(b, "sender in the target's own name", false,
		    F(SENDER "@%s", names[i]), T("%s@%s", U(), c));
	add(b, "sender at localhost", false, SENDER "@localhost",
	    T("%s@%s", U(), c));
	add(b, "sender without a domain", false, SENDER, T("%s@%s", U(), c));
	for (i = 0; i < n; i++)
		add(b, "bang path sender", false, F("%s!" SENDER,
		    names[i]), T("%s@%s", U(), c));

	/* Recipients, from the target's own address literal. */
	F(SENDER "@%s", ip);
	add(b, "quoted local part", false, from, T("\"%s@%s\"", U(), c));
	add(b, "percent hack at the address", false, from,
	    T("%s%%%s@%s", U(), c, ip));
	for (i = 0; i < n; i++)
		add(b, "percent hack at the name", false, from,
		    T("%s%%%s@%s", U(), c, names[i]));
	add(b, "percent hack alone", false, from, T("%s%%%s", U(), c));
	add(b, "quoted percent hack", false, from, T("\"%s%%%s\"", U(), c));
	add(b, "double @ at the address", false, from,
	    T("%s@%s@%s", U(), c, ip));
	for (i = 0; i < n; i++)
		add(b, "double @ at the name", false, from,
		    T("%s@%s@%s", U(), c, names[i]));
	add(b, "quoted address at the address", false, from,
	    T("\"%s@%s\"@%s", U(), c, ip));
	add(b, "source route via the address", false, from,
	    T("@%s:%s@%s", ip, U(), c));
	for (i = 0; i < n; i++)
		add(b, "source route via the name", false, from,
		    T("@%s:%s@%s", names[i], U(), c));
	add(b, "bang path", false, from, T("%s!%s", c, U()));
	add(b, "bang path at the address", false, from,
	    T("%s!%s@%s", c, U(), ip));
	for (i = 0; i < n; i++)
		add(b, "bang path at the name", false, from,
		    T("%s!%s@%s", c, U(), names[i]));
	add(b, "recipient without brackets", true, from, T("%s@%s", U(), c));
	if (in->canary_ip != NULL && in->canary_ip[0] != '\0')
		add(b, "canary by address literal", false, from,
		    T(strchr(in->canary_ip, ':') != NULL ? "%s@[IPv6:%s]" :
		    "%s@[%s]", U(), in->canary_ip));
#undef U
#undef F
#undef T
}
