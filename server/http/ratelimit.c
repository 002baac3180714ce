/* SPDX-License-Identifier: ISC */
/*
 * ratelimit.c -- token buckets for reports and retests, per client
 *
 * A fixed table of buckets, found by a hash of (kind, name) with a short
 * linear probe. When the probe finds neither the bucket nor a free slot,
 * the least recently used bucket of the probe is taken over: a client
 * that has been quiet that long would have a full bucket anyway. The
 * table never grows, so a flood of new addresses costs no memory.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define PROBE	8

struct bucket {
	uint64_t	 hash;		/* 0: free */
	int64_t		 last;		/* when tokens was computed */
	double		 tokens;
};

struct ratelimit {
	struct bucket	*b;
	size_t		 mask;
};

struct ratelimit *
ratelimit_new(size_t slots)
{
	struct ratelimit	*rl;
	size_t			 n = 64;

	while (n < slots)
		n <<= 1;
	if ((rl = calloc(1, sizeof(*rl))) == NULL ||
	    (rl->b = calloc(n, sizeof(*rl->b))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->mask = n - 1;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->b);
	free(rl);
}

/* FNV-1a over the kind and the name; never 0. */
static uint64_t
hash(int kind, const void *name, size_t len)
{
	const uint8_t	*p = name;
	uint64_t	 h = 0xcbf29ce484222325ULL ^ (uint64_t)kind;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

bool
ratelimit_take(struct ratelimit *rl, int kind, const void *name,
    size_t namelen, unsigned int rate, unsigned int burst, int64_t now,
    int64_t *retry_after)
{
	uint64_t	 h = hash(kind, name, namelen);
	struct bucket	*b = NULL, *lru = NULL, *s;
	size_t		 i;

	for (i = 0; i < PROBE; i++) {
		s = &rl->b[(h + i) & rl->mask];
		if (s->hash == h) {
			b = s;
			break;
		}
		if (lru == NULL || s->hash == 0 ||
		    (lru->hash != 0 && s->last < lru->last))
			lru = s;
	}
	if (b == NULL) {
		b = lru;
		b->hash = h;
		b->last = now;
		b->tokens = burst;
	}
	if (now > b->last) {
		b->tokens += (double)(now - b->last) * rate / 3600.0;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last = now;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return true;
	}
	if (retry_after != NULL)
		*retry_after = (int64_t)((1.0 - b->tokens) * 3600.0 / rate) + 1;
	return false;
}
