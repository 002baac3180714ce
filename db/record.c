/* SPDX-License-Identifier: ISC */
/*
 * record.c -- the byte layout of the store's values
 *
 * Values start with a version byte and hold fixed-width fields in
 * network byte order, so that a store copied to another machine reads
 * the same. A decoder refuses what it does not know: a newer version
 * (RB_EVERSION) or a wrong length or state (RB_ECORRUPT). Nothing here
 * knows about LMDB.
 */
#include <string.h>

#include "bytes.h"
#include "db.h"

static uint8_t *
put8(uint8_t *p, uint8_t v)
{
	*p = v;
	return p + 1;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	be32(p, v);
	return p + 4;
}

static uint8_t *
put64(uint8_t *p, int64_t v)
{
	be64(p, v);
	return p + 8;
}

void
record_encode_host(const struct host *h, uint8_t out[HOST_RECLEN])
{
	uint8_t	*p = out;

	p = put8(p, RECORD_VERSION);
	p = put8(p, h->state);
	p = put8(p, h->code);
	p = put8(p, h->flags);
	p = put8(p, h->queue);
	p = put64(p, h->first_seen);
	p = put64(p, h->listed_at);
	p = put64(p, h->last_test);
	p = put64(p, h->next_test);
	p = put64(p, h->last_report);
	p = put64(p, h->retest_at);
	p = put64(p, h->closed_at);
	p = put32(p, h->reports);
	p = put32(p, h->tests);
	p = put32(p, h->retries);
	memcpy(p, h->submitter.a, sizeof(h->submitter.a));
}

int
record_decode_host(const uint8_t *in, size_t len, struct host *h)
{
	const uint8_t	*p = in;

	if (len < 1)
		return RB_ECORRUPT;
	if (in[0] > RECORD_VERSION)
		return RB_EVERSION;
	if (in[0] != RECORD_VERSION || len != HOST_RECLEN)
		return RB_ECORRUPT;
	p++;
	h->state = *p++;
	h->code = *p++;
	h->flags = *p++;
	h->queue = *p++;
	if (host_state_name(h->state) == NULL || h->queue > DUE_SCHEDULED)
		return RB_ECORRUPT;
	h->first_seen = rd64(p);	p += 8;
	h->listed_at = rd64(p);	p += 8;
	h->last_test = rd64(p);	p += 8;
	h->next_test = rd64(p);	p += 8;
	h->last_report = rd64(p);	p += 8;
	h->retest_at = rd64(p);	p += 8;
	h->closed_at = rd64(p);	p += 8;
	h->reports = rd32(p);		p += 4;
	h->tests = rd32(p);		p += 4;
	h->retries = rd32(p);		p += 4;
	memcpy(h->submitter.a, p, sizeof(h->submitter.a));
	return RB_OK;
}

void
record_encode_listing(const struct listing *l, uint8_t out[LISTING_RECLEN])
{
	put64(put8(put8(out, RECORD_VERSION), l->code), l->listed_at);
}

int
record_decode_listing(const uint8_t *in, size_t len, struct listing *l)
{
	if (len < 1)
		return RB_ECORRUPT;
	if (in[0] > RECORD_VERSION)
		return RB_EVERSION;
	if (in[0] != RECORD_VERSION || len != LISTING_RECLEN)
		return RB_ECORRUPT;
	l->code = in[1];
	if (l->code < CODE_MIN || l->code > CODE_MAX)
		return RB_ECORRUPT;
	l->listed_at = rd64(in + 2);
	return RB_OK;
}

static const char *const state_names[] = {
	[HOST_PENDING] = "pending",
	[HOST_LISTED] = "listed",
	[HOST_CLEAN] = "clean",
	[HOST_DELISTED] = "delisted",
	[HOST_EXCLUDED] = "excluded",
};

const char *
host_state_name(int state)
{
	if (state < 0 || (size_t)state >= sizeof(state_names) /
	    sizeof(state_names[0]))
		return NULL;
	return state_names[state];
}

int
host_state_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i] != NULL && strcmp(state_names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
evidence_kind_name(int kind)
{
	switch (kind) {
	case EVIDENCE_TEST:	return "test";
	case EVIDENCE_OPERATOR:	return "operator";
	case EVIDENCE_REPORT:	return "report";
	case EVIDENCE_ARRIVAL:	return "arrival";
	default:		return "unknown";
	}
}

const char *
due_queue_name(int queue)
{
	switch (queue) {
	case DUE_REPORT:	return "report";
	case DUE_RETEST:	return "retest";
	case DUE_SCHEDULED:	return "scheduled";
	default:		return "none";
	}
}
