/* SPDX-License-Identifier: ISC */
/*
 * zone.c -- read each zone's master file into records ready to send
 *
 * ldns parses the file (this is the only place relaybl-dns uses it);
 * we keep every record as wire rdata grouped by owner name, so that the
 * query path copies bytes and never calls ldns. The file must hold one
 * SOA, at the apex, and nothing outside the zone. Names in it shadow the
 * addresses of the list (ns1.<zone> is a host, not a bad address).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"

#define T_SOA	6

static int
zerr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
zerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void
zone_clear(struct zone *z)
{
	size_t	i, j;

	for (i = 0; i < z->nnames; i++) {
		for (j = 0; j < z->names[i].nrrs; j++)
			free((void *)(uintptr_t)z->names[i].rrs[j].rdata);
		free(z->names[i].rrs);
	}
	free(z->names);
	z->names = NULL;
	z->nnames = 0;
}

/* The zone_name for owner, added when new. */
static struct zone_name *
name_get(struct zone *z, const ldns_rdf *owner)
{
	struct zone_name	*zn;
	size_t			 i, len = ldns_rdf_size(owner);

	for (i = 0; i < z->nnames; i++)
		if (z->names[i].namelen == len &&
		    memcmp(z->names[i].name, ldns_rdf_data(owner), len) == 0)
			return &z->names[i];
	zn = reallocarray(z->names, z->nnames + 1, sizeof(*zn));
	if (zn == NULL)
		return NULL;
	z->names = zn;
	zn = &z->names[z->nnames++];
	memset(zn, 0, sizeof(*zn));
	memcpy(zn->name, ldns_rdf_data(owner), len);
	zn->namelen = len;
	return zn;
}

/* Add rr (owner lowered already) to z. */
static int
add_rr(struct zone *z, const ldns_rr *rr, ldns_buffer *buf)
{
	struct zone_name	*zn;
	struct zone_rr		*rrs, *r;
	uint8_t			*data;
	size_t			 i;

	ldns_buffer_clear(buf);
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		if (ldns_rdf2buffer_wire(buf, ldns_rr_rdf(rr, i)) !=
		    LDNS_STATUS_OK)
			return RB_EINVAL;
	if (ldns_buffer_position(buf) > UINT16_MAX)
		return RB_ERANGE;
	if ((zn = name_get(z, ldns_rr_owner(rr))) == NULL)
		return RB_ENOMEM;
	if ((data = malloc(ldns_buffer_position(buf) + 1)) == NULL)
		return RB_ENOMEM;
	memcpy(data, ldns_buffer_begin(buf), ldns_buffer_position(buf));
	if ((rrs = reallocarray(zn->rrs, zn->nrrs + 1, sizeof(*rrs))) ==
	    NULL) {
		free(data);
		return RB_ENOMEM;
	}
	zn->rrs = rrs;
	r = &rrs[zn->nrrs++];
	r->type = ldns_rr_get_type(rr);
	r->ttl = ldns_rr_ttl(rr);
	r->rdlen = (uint16_t)ldns_buffer_position(buf);
	r->rdata = data;
	return RB_OK;
}

/* Check rr belongs in z and add it. */
static int
take_rr(struct zone *z, const ldns_rdf *origin, ldns_rr *rr, ldns_buffer *buf,
    const char *file, char *err, size_t errlen)
{
	char	*owner;
	int	 rc;

	ldns_dname2canonical(ldns_rr_owner(rr));
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    (ldns_dname_compare(ldns_rr_owner(rr), origin) != 0 &&
	    !ldns_dname_is_subdomain(ldns_rr_owner(rr), origin)) ||
	    (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
	    ldns_dname_compare(ldns_rr_owner(rr), origin) != 0)) {
		owner = ldns_rdf2str(ldns_rr_owner(rr));
		zerr(err, errlen, "%s: %s: record outside zone %s, not IN, or "
		    "an SOA away from the apex", file, owner ? owner : "?",
		    z->text);
		free(owner);
		return -1;
	}
	if ((rc = add_rr(z, rr, buf)) != RB_OK)
		return zerr(err, errlen, "%s: %s", file, rb_strerror(rc));
	return 0;
}

static int
load_one(const struct zone_conf *zc, struct zone *z, char *err, size_t errlen)
{
	ldns_zone	*lz = NULL;
	ldns_rdf	*origin = NULL;
	ldns_buffer	*buf = NULL;
	ldns_rr_list	*rrs;
	const uint8_t	*soa;
	uint32_t	 minimum;
	ldns_status	 st;
	size_t		 i;
	int		 line = 0, rc = -1;
	FILE		*f;

	snprintf(z->text, sizeof(z->text), "%s", zc->name);
	snprintf(z->txt, sizeof(z->txt), "%s", zc->txt);
	z->ttl = zc->ttl;
	memcpy(z->codes, zc->codes, sizeof(z->codes));
	if ((f = fopen(zc->file, "r")) == NULL)
		return zerr(err, errlen, "%s: %s", zc->file, strerror(errno));
	if ((origin = ldns_dname_new_frm_str(zc->name)) == NULL ||
	    (buf = ldns_buffer_new(512)) == NULL) {
		zerr(err, errlen, "%s: out of memory", zc->file);
		goto out;
	}
	ldns_dname2canonical(origin);
	st = ldns_zone_new_frm_fp_l(&lz, f, origin, 3600, LDNS_RR_CLASS_IN,
	    &line);
	if (st != LDNS_STATUS_OK) {
		zerr(err, errlen, "%s:%d: %s", zc->file, line,
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	if (ldns_zone_soa(lz) == NULL) {
		zerr(err, errlen, "%s: no SOA record", zc->file);
		goto out;
	}
	z->namelen = ldns_rdf_size(origin);
	memcpy(z->name, ldns_rdf_data(origin), z->namelen);
	z->nlabels = (int)ldns_dname_label_count(origin);

	/* The SOA first, so that the apex is names[0]. */
	if (take_rr(z, origin, ldns_zone_soa(lz), buf, zc->file, err,
	    errlen) != 0)
		goto out;
	rrs = ldns_zone_rrs(lz);
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		if (ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) ==
		    LDNS_RR_TYPE_SOA) {
			zerr(err, errlen, "%s: more than one SOA", zc->file);
			goto out;
		}
		if (take_rr(z, origin, ldns_rr_list_rr(rrs, i), buf, zc->file,
		    err, errlen) != 0)
			goto out;
	}
	z->soa = &z->names[0].rrs[0];
	if (z->soa->rdlen < 22) {
		zerr(err, errlen, "%s: malformed SOA", zc->file);
		goto out;
	}
	soa = z->soa->rdata + z->soa->rdlen - 4;
	minimum = (uint32_t)soa[0] << 24 | (uint32_t)soa[1] << 16 |
	    (uint32_t)soa[2] << 8 | soa[3];
	z->neg_ttl = minimum < z->soa->ttl ? minimum : z->soa->ttl;
	rc = 0;
out:
	if (rc != 0)
		zone_clear(z);
	ldns_zone_deep_free(lz);
	ldns_rdf_deep_free(origin);
	ldns_buffer_free(buf);
	fclose(f);
	return rc;
}

struct zoneset *
zone_load(const struct config *conf, char *err, size_t errlen)
{
	struct zoneset	*zs;
	size_t		 i;

	if (conf->nzones == 0) {
		zerr(err, errlen, "%s: no [zone NAME] section", conf->path);
		return NULL;
	}
	if ((zs = calloc(1, sizeof(*zs))) == NULL ||
	    (zs->zones = calloc(conf->nzones, sizeof(*zs->zones))) == NULL) {
		free(zs);
		zerr(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < conf->nzones; i++, zs->n++)
		if (load_one(&conf->zones[i], &zs->zones[i], err, errlen) != 0) {
			zone_free(zs);
			return NULL;
		}
	return zs;
}

void
zone_free(struct zoneset *zs)
{
	size_t	i;

	if (zs == NULL)
		return;
	for (i = 0; i < zs->n; i++)
		zone_clear(&zs->zones[i]);
	free(zs->zones);
	free(zs);
}

const struct zone_name *
zone_find_name(const struct zone *z, const uint8_t *name, size_t len)
{
	size_t	i, j;
	uint8_t	c;

	for (i = 0; i < z->nnames; i++) {
		if (z->names[i].namelen != len)
			continue;
		for (j = 0; j < len; j++) {
			c = name[j];
			if (c >= 'A' && c <= 'Z')
				c += 32;
			if (c != z->names[i].name[j])
				break;
		}
		if (j == len)
			return &z->names[i];
	}
	return NULL;
}
