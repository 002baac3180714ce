/* SPDX-License-Identifier: ISC */
/*
 * query.c -- turn a DNSBL query into an answer
 *
 * A query name is a reversed IPv4 or IPv6 address under a served zone,
 * or a name of the zone's master file. We parse the header, question
 * and additional section ourselves (no ldns on this path, no malloc),
 * find the zone, build the store key from the labels and answer A/TXT
 * from one read txn that the caller holds. The answer is written into
 * the caller's buffer: the question copied byte for byte, owner names
 * as pointers to it. No sockets here: listen.c owns I/O, so that tests
 * and fuzzers call query_process() directly.
 *
 * The answers follow DESIGN.md: NXDOMAIN with the SOA for a name that is
 * not listed, NOERROR/NODATA for the partial names a resolver asks when
 * it minimises query names, REFUSED outside our zones, never SERVFAIL
 * unless the store itself fails.
 */
#include <string.h>
#include <time.h>

#include "dns.h"

#define T_A		1
#define T_NS		2
#define T_SOA		6
#define T_TXT		16
#define T_OPT		41
#define T_IXFR		251
#define T_AXFR		252
#define T_MAILB		253
#define T_MAILA		254
#define T_ANY		255
#define C_IN		1

#define R_NOERROR	0
#define R_FORMERR	1
#define R_SERVFAIL	2
#define R_NXDOMAIN	3
#define R_NOTIMP	4
#define R_REFUSED	5
#define R_BADVERS	16	/* extended: 1 in the OPT, 0 in the header */

#define F_QR		0x80	/* in byte 2 */
#define F_AA		0x04
#define F_TC		0x02
#define F_RD		0x01
#define F_CD		0x10	/* in byte 3 */

#define OPT_DO		0x8000	/* in the OPT TTL's low 16 bits */
#define OPT_LEN		11	/* our OPT record: root, type, class, TTL, 0 */
#define MAXLABELS	128

/* A query as parsed. */
struct msg {
	struct question	 q;
	size_t		 qend;		/* offset after the question */
	int		 opcode;
	bool		 edns;		/* had a valid OPT */
	uint16_t	 udpsize;	/* its payload size */
	uint8_t		 version;
	bool		 dnssec_ok;
};

/* An answer being written. */
struct wr {
	uint8_t		*p;
	size_t		 len, max;
	bool		 full;		/* something did not fit */
	uint16_t	 an, ns;	/* records written */
};

/* ---- parsing ---------------------------------------------------------- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Read the OPT record at *off (type already known to be OPT). */
static int
parse_opt(const uint8_t *in, size_t inlen, size_t off, struct msg *m,
    size_t *end)
{
	size_t		rdlen, o;
	uint32_t	ttl;

	/* The owner is the root, one zero byte, checked by the caller. */
	if (off + 10 > inlen)
		return R_FORMERR;
	m->udpsize = get16(in + off + 2);
	ttl = (uint32_t)get16(in + off + 4) << 16 | get16(in + off + 6);
	rdlen = get16(in + off + 8);
	o = off + 10;
	if (o + rdlen > inlen)
		return R_FORMERR;
	*end = o + rdlen;
	/* Options must tile the rdata exactly; their contents we ignore. */
	while (o < *end) {
		if (o + 4 > *end || o + 4 + get16(in + o + 2) > *end)
			return R_FORMERR;
		o += 4 + get16(in + o + 2);
	}
	m->version = (uint8_t)(ttl >> 16);
	m->dnssec_ok = (ttl & OPT_DO) != 0;
	m->edns = true;
	return R_NOERROR;
}

/* Parse the question at offset 12: an uncompressed name, type, class. */
static int
parse_question(const uint8_t *in, size_t inlen, struct msg *m)
{
	size_t	o = DNS_HDRLEN;

	for (;;) {
		if (o >= inlen)
			return R_FORMERR;
		if (in[o] & 0xc0)	/* pointers, or label types of old */
			return R_FORMERR;
		if (in[o] == 0)
			break;
		o += in[o] + 1u;
		if (o - DNS_HDRLEN > DNS_MAXNAME - 1)
			return R_FORMERR;
	}
	o++;
	if (o + 4 > inlen)
		return R_FORMERR;
	m->q.name = in + DNS_HDRLEN;
	m->q.namelen = o - DNS_HDRLEN;
	m->q.qtype = get16(in + o);
	m->q.qclass = get16(in + o + 2);
	m->qend = o + 4;
	return R_NOERROR;
}

/*
 * Parse a whole query. @return an RCODE (R_NOERROR when all is well),
 * or -1 to drop the packet. m->qend is set whenever the question parsed.
 */
static int
parse(const uint8_t *in, size_t inlen, struct msg *m)
{
	size_t	 o;
	int	 rc, qd, an, ns, ar;
	bool	 qok;

	memset(m, 0, sizeof(*m));
	if (inlen < DNS_HDRLEN || (in[2] & F_QR))
		return -1;
	m->opcode = (in[2] >> 3) & 0x0f;
	qd = get16(in + 4);
	an = get16(in + 6);
	ns = get16(in + 8);
	ar = get16(in + 10);
	qok = qd == 1 && parse_question(in, inlen, m) == R_NOERROR;
	if (!qok || an != 0 || ns != 0)
		return m->opcode != 0 ? R_NOTIMP : R_FORMERR;

	/*
	 * The additional section: at most one record, the OPT, owned by
	 * the root. We serve no TSIG or SIG(0), so any other record is one
	 * we would ignore unread: the query is malformed to us.
	 */
	o = m->qend;
	if (ar > 1)
		return m->opcode != 0 ? R_NOTIMP : R_FORMERR;
	if (ar == 1) {
		if (o + 3 > inlen || in[o] != 0 || get16(in + o + 1) != T_OPT)
			return m->opcode != 0 ? R_NOTIMP : R_FORMERR;
		if ((rc = parse_opt(in, inlen, o + 1, m, &o)) != 0)
			return m->opcode != 0 ? R_NOTIMP : rc;
	}
	if (o != inlen)
		return m->opcode != 0 ? R_NOTIMP : R_FORMERR;
	if (m->edns && m->version > 0)
		return R_BADVERS;
	/* Only QUERY is served; the OPT read above is still echoed. */
	return m->opcode != 0 ? R_NOTIMP : R_NOERROR;
}

int
query_parse_question(const uint8_t *in, size_t inlen, struct question *q)
{
	struct msg	m;
	int		rc = parse(in, inlen, &m);

	if (rc == R_NOERROR || rc == R_BADVERS)
		*q = m.q;
	return rc == R_BADVERS ? 0 : rc;
}

/* ---- writing ---------------------------------------------------------- */

static void
put(struct wr *w, const void *p, size_t len)
{
	if (w->full || w->len + len > w->max) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, p, len);
	w->len += len;
}

static void
put16(struct wr *w, uint16_t v)
{
	uint8_t	b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void
put32(struct wr *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

/* The fixed part of an RR whose owner is a pointer to offset ptr. */
static void
put_rrhead(struct wr *w, size_t ptr, uint16_t type, uint32_t ttl,
    uint16_t rdlen)
{
	put16(w, (uint16_t)(0xc000 | ptr));
	put16(w, type);
	put16(w, C_IN);
	put32(w, ttl);
	put16(w, rdlen);
}

/* The SOA, its serial the store's, owned by the apex at offset ptr. */
static void
put_soa(struct wr *w, const struct query_env *env, const struct zone *z,
    size_t ptr, uint32_t ttl)
{
	const struct zone_rr	*soa = z->soa;

	put_rrhead(w, ptr, T_SOA, ttl, soa->rdlen);
	put(w, soa->rdata, soa->rdlen - 20u);
	put32(w, env->serial);
	put(w, soa->rdata + soa->rdlen - 16, 16);
}

/* Expand the TXT template for a listing into character-strings. */
static void
put_txt(struct wr *w, const struct zone *z, const struct addr *a,
    const struct listing *l, size_t ptr)
{
	char		 text[1024], ip[ADDR_STRLEN], date[16] = "always";
	const char	*what, *t, *v;
	size_t		 len = 0, vlen, n, i;
	time_t		 tt = (time_t)l->listed_at;
	struct tm	 tm;

	switch (l->code) {
	case CODE_OPEN:		what = "open relay"; break;
	case CODE_MULTISTAGE:	what = "multi-stage relay output"; break;
	case CODE_MANUAL:	what = "listed by the operator"; break;
	default:		what = "listed"; break;
	}
	if (l->listed_at == 0)
		what = "test point (RFC 5782)";
	else if (gmtime_r(&tt, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	addr_format(a, ip);
	for (t = z->txt; *t != '\0' && len < sizeof(text); t++) {
		v = NULL;
		if (t[0] == '$' && strncmp(t + 1, "date", 4) == 0)
			v = date, t += 4;
		else if (t[0] == '$' && strncmp(t + 1, "what", 4) == 0)
			v = what, t += 4;
		else if (t[0] == '$')
			v = ip;
		if (v == NULL) {
			text[len++] = *t;
			continue;
		}
		vlen = strlen(v);
		if (vlen > sizeof(text) - len)
			vlen = sizeof(text) - len;
		memcpy(text + len, v, vlen);
		len += vlen;
	}
	/* Strings of at most 255 bytes, each with its length byte. */
	n = len == 0 ? 1 : (len + 254) / 255;
	put_rrhead(w, ptr, T_TXT, z->ttl, (uint16_t)(len + n));
	for (i = 0; i < n; i++) {
		vlen = len - i * 255 > 255 ? 255 : len - i * 255;
		put(w, &(uint8_t){ (uint8_t)vlen }, 1);
		put(w, text + i * 255, vlen);
	}
	w->an++;
}

static void
put_a(struct wr *w, const struct zone *z, const struct listing *l,
    size_t ptr)
{
	put_rrhead(w, ptr, T_A, z->ttl, 4);
	put(w, (uint8_t[4]){ 127, 0, 0, l->code }, 4);
	w->an++;
}

/* ---- names ------------------------------------------------------------ */

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Find the zone that holds name (longest match); set *rel to the bytes
 * of name above the zone's apex. */
static const struct zone *
find_zone(const struct zoneset *zs, const uint8_t *name, size_t len,
    const size_t *labels, int nlabels, size_t *rel)
{
	const struct zone	*best = NULL, *z;
	size_t			 i, j, off;

	for (i = 0; i < zs->n; i++) {
		z = &zs->zones[i];
		if (z->namelen > len || z->nlabels > nlabels - 1)
			continue;
		off = len - z->namelen;
		/* The apex must start at a label of name. */
		if (labels[nlabels - 1 - z->nlabels] != off)
			continue;
		for (j = 0; j < z->namelen; j++)
			if (lower(name[off + j]) != z->name[j])
				break;
		if (j == z->namelen && (best == NULL ||
		    z->namelen > best->namelen)) {
			best = z;
			*rel = off;
		}
	}
	return best;
}

enum addr_kind { NOT_ADDR, PARTIAL, FULL };

/*
 * Read the labels before the apex as a reversed address: four decimal
 * labels for IPv4, 32 nibbles for IPv6; fewer is a partial name.
 */
static enum addr_kind
name_to_addr(const uint8_t *name, const size_t *labels, int n,
    struct addr *a, bool *v6prefix)
{
	const uint8_t	*l;
	bool		 dec = n <= 4, hex = n <= 32;
	int		 i, j, len, v;
	uint8_t		 oct[4], nib[32];

	for (i = 0; i < n && (dec || hex); i++) {
		l = name + labels[i];
		len = l[0];
		l++;
		if (len != 1 || !((l[0] >= '0' && l[0] <= '9') ||
		    (lower(l[0]) >= 'a' && lower(l[0]) <= 'f')))
			hex = false;
		else
			nib[i] = (uint8_t)(l[0] <= '9' ? l[0] - '0' :
			    lower(l[0]) - 'a' + 10);
		if (len > 3 || (len > 1 && l[0] == '0'))
			dec = false;
		for (j = 0, v = 0; dec && j < len; j++) {
			if (l[j] < '0' || l[j] > '9')
				dec = false;
			v = v * 10 + l[j] - '0';
		}
		if (dec && v > 255)
			dec = false;
		if (dec)
			oct[i] = (uint8_t)v;
	}
	/* Also the first nibbles of IPv6 addresses, as "1.0.0.2" is. */
	*v6prefix = hex && n < 32;
	if (dec && n == 4) {
		addr_from_v4(a, (uint32_t)oct[3] << 24 | (uint32_t)oct[2] << 16 |
		    (uint32_t)oct[1] << 8 | oct[0]);
		return FULL;
	}
	if (hex && n == 32) {
		for (i = 0; i < 16; i++)
			a->a[i] = (uint8_t)(nib[31 - 2 * i] << 4 |
			    nib[30 - 2 * i]);
		return FULL;
	}
	return (dec || hex) && n > 0 ? PARTIAL : NOT_ADDR;
}

/* ---- answering -------------------------------------------------------- */

/* The lowest code z serves: what its test point answers. */
static uint8_t
first_code(const struct zone *z)
{
	int	c;

	for (c = CODE_MIN; c <= CODE_MAX; c++)
		if (z->codes[c / 8] & (1 << (c % 8)))
			return (uint8_t)c;
	return CODE_OPEN;
}

static void
put_header(struct wr *w, const uint8_t *in, const struct msg *m, int flags,
    int rcode, uint16_t qd)
{
	uint8_t	h[DNS_HDRLEN];

	memset(h, 0, sizeof(h));
	h[0] = in[0];
	h[1] = in[1];
	h[2] = (uint8_t)(F_QR | (m->opcode << 3) | (in[2] & F_RD) | flags);
	h[3] = (uint8_t)((in[3] & F_CD) | (rcode & 0x0f));
	h[5] = (uint8_t)qd;
	w->len = 0;
	w->full = false;
	w->an = w->ns = 0;
	put(w, h, sizeof(h));
}

static void
put_opt(struct wr *w, const struct msg *m, int rcode)
{
	if (!m->edns)
		return;
	put(w, (uint8_t[1]){ 0 }, 1);
	put16(w, T_OPT);
	put16(w, DNS_MAXUDP);
	put(w, (uint8_t[2]){ (uint8_t)(rcode >> 4), 0 }, 2);
	put16(w, m->dnssec_ok ? OPT_DO : 0);
	put16(w, 0);
}

/* Fill in the counts and, if the answer did not fit, send a TC header. */
static size_t
finish(struct wr *w, const uint8_t *in, const struct msg *m, int flags,
    int rcode, bool question)
{
	size_t	qlen = question ? m->qend - DNS_HDRLEN : 0;

	if (w->full) {
		put_header(w, in, m, flags | F_TC, rcode, question);
		put(w, in + DNS_HDRLEN, qlen);
	} else {
		w->p[6] = (uint8_t)(w->an >> 8);
		w->p[7] = (uint8_t)w->an;
		w->p[8] = (uint8_t)(w->ns >> 8);
		w->p[9] = (uint8_t)w->ns;
	}
	if (m->edns) {
		w->max += OPT_LEN;
		w->p[11] = 1;
		put_opt(w, m, rcode);
	}
	return w->len;
}

/* An answer with no records: an error, or a header and question only. */
static size_t
answer_bare(struct wr *w, const uint8_t *in, const struct msg *m, int rcode,
    bool question)
{
	put_header(w, in, m, 0, rcode, question);
	if (question)
		put(w, in + DNS_HDRLEN, m->qend - DNS_HDRLEN);
	return finish(w, in, m, 0, rcode, question);
}

/* Records of a name from the master file. */
static void
put_static(struct wr *w, const struct query_env *env, const struct zone *z,
    const struct zone_name *zn, uint16_t qtype)
{
	const struct zone_rr	*rr;
	size_t			 i;

	for (i = 0; i < zn->nrrs; i++) {
		rr = &zn->rrs[i];
		if (qtype != T_ANY && qtype != rr->type)
			continue;
		if (rr == z->soa)
			put_soa(w, env, z, DNS_HDRLEN, rr->ttl);
		else {
			put_rrhead(w, DNS_HDRLEN, rr->type, rr->ttl, rr->rdlen);
			put(w, rr->rdata, rr->rdlen);
		}
		w->an++;
	}
}

int
query_process(const struct query_env *env, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen, int transport)
{
	static const struct listing testpoint = { CODE_OPEN, 0 };
	struct msg		 m;
	struct wr		 w = { out, 0, 0, false, 0, 0 };
	const struct zone	*z;
	const struct zone_name	*zn;
	struct listing		 l;
	struct addr		 a;
	size_t			 labels[MAXLABELS + 1], rel = 0, apex, o;
	int			 n = 0, rc, rcode = R_NOERROR;
	enum addr_kind		 kind;
	bool			 v6prefix;

	if ((rc = parse(in, inlen, &m)) < 0)
		return QUERY_DROP;
	if (transport == QUERY_TCP)
		w.max = DNS_MAXMSG;
	else if (m.edns)
		w.max = m.udpsize < DNS_MINUDP ? DNS_MINUDP :
		    m.udpsize > DNS_MAXUDP ? DNS_MAXUDP : m.udpsize;
	else
		w.max = DNS_MINUDP;
	/* Keep room for the OPT: it goes in last, whatever else fits. */
	if (m.edns)
		w.max -= OPT_LEN;
	if (rc != R_NOERROR) {
		*outlen = answer_bare(&w, in, &m, rc, m.qend != 0 &&
		    rc != R_FORMERR);
		return QUERY_ANSWER;
	}
	if (m.q.qclass != C_IN) {
		*outlen = answer_bare(&w, in, &m, R_REFUSED, true);
		return QUERY_ANSWER;
	}
	switch (m.q.qtype) {
	case T_OPT:
		*outlen = answer_bare(&w, in, &m, R_FORMERR, true);
		return QUERY_ANSWER;
	case T_AXFR:
	case T_IXFR:
		*outlen = answer_bare(&w, in, &m, R_REFUSED, true);
		return QUERY_ANSWER;
	case T_MAILA:
	case T_MAILB:
		*outlen = answer_bare(&w, in, &m, R_NOTIMP, true);
		return QUERY_ANSWER;
	}

	/* The label offsets of the name, relative to its start. */
	for (o = 0; m.q.name[o] != 0 && n < MAXLABELS; o += m.q.name[o] + 1u)
		labels[n++] = o;
	labels[n++] = o;	/* the root */
	z = find_zone(env->zones, m.q.name, m.q.namelen, labels, n, &rel);
	if (z == NULL) {
		*outlen = answer_bare(&w, in, &m, R_REFUSED, true);
		return QUERY_ANSWER;
	}
	apex = DNS_HDRLEN + rel;

	put_header(&w, in, &m, F_AA, R_NOERROR, 1);
	put(&w, in + DNS_HDRLEN, m.qend - DNS_HDRLEN);
	if ((zn = zone_find_name(z, m.q.name, m.q.namelen)) != NULL) {
		put_static(&w, env, z, zn, m.q.qtype);
		goto nodata;
	}
	kind = name_to_addr(m.q.name, labels, n - 1 - z->nlabels, &a,
	    &v6prefix);
	if (kind == PARTIAL)
		goto nodata;
	if (kind == NOT_ADDR) {
		rcode = R_NXDOMAIN;
		goto nodata;
	}
	/* RFC 5782: 127.0.0.2 is always listed, 127.0.0.1 never. */
	if (addr_is_v4(&a) && addr_v4(&a) == 0x7f000002) {
		l = testpoint;
		l.code = first_code(z);
		rc = RB_OK;
	} else if (addr_is_v4(&a) && addr_v4(&a) == 0x7f000001)
		rc = RB_ENOENT;
	else if (env->rd == NULL)
		rc = RB_ENOENT;
	else
		rc = db_reader_listing(env->rd, &a, &l);
	/* A zone may serve some codes only (a list of exits, say). */
	if (rc == RB_OK && !(z->codes[l.code / 8] & (1 << (l.code % 8))))
		rc = RB_ENOENT;
	if (rc != RB_OK && rc != RB_ENOENT) {
		*outlen = answer_bare(&w, in, &m, R_SERVFAIL, true);
		return QUERY_ANSWER;
	}
	/*
	 * Not listed. But "1.0.0.2" is also the way to 2001::/16 for a
	 * resolver that minimises query names (RFC 9156), and NXDOMAIN
	 * would tell it nothing exists below (RFC 8020): say no data.
	 */
	if (rc == RB_ENOENT) {
		rcode = v6prefix ? R_NOERROR : R_NXDOMAIN;
		goto nodata;
	}
	if (m.q.qtype == T_A || m.q.qtype == T_ANY)
		put_a(&w, z, &l, DNS_HDRLEN);
	if (m.q.qtype == T_TXT || m.q.qtype == T_ANY)
		put_txt(&w, z, &a, &l, DNS_HDRLEN);

nodata:
	/* No answer: the SOA says for how long to believe that. */
	if (w.an == 0 && !w.full) {
		put_soa(&w, env, z, apex, z->neg_ttl);
		w.ns = 1;
	}
	w.p[3] = (uint8_t)((w.p[3] & 0xf0) | rcode);
	*outlen = finish(&w, in, &m, F_AA, rcode, true);
	return QUERY_ANSWER;
}
