/* SPDX-License-Identifier: ISC */
/*
 * lookup.c -- bench-store-lookup: listing lookups a second on a store
 *
 * "bench-store-lookup STORE_DIR FILE [SECONDS]" reads the addresses of
 * FILE (one a line) into memory, opens the store read-only as
 * relaybl-dns does, and for SECONDS (default 5) looks up listings the
 * way DNS queries would: half of them addresses from the file (hits
 * when the file was imported), half random IPv4 addresses (mostly
 * misses). Like relaybl-dns, it renews its read transaction every
 * RENEW_EVERY lookups. A fixed-seed xorshift picks the addresses, so
 * that two runs on one store do the same work. It prints one line:
 * "lookups: N in S s = X lookups/s (hits H, misses M)".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define RENEW_EVERY	1000	/* lookups per read transaction */
#define CLOCK_EVERY	1024	/* lookups between looks at the clock */
#define SEED		0x9e3779b97f4a7c15ULL

static uint64_t
xorshift64(uint64_t *s)
{
	uint64_t	x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Read the addresses of path into *out (malloc'd, the caller frees).
 * Blank lines are skipped; a line that is not an address is counted
 * in *bad.
 */
static int
read_addrs(const char *path, struct addr **out, size_t *n, size_t *bad)
{
	struct addr	*addrs = NULL, *na;
	char		*line = NULL;
	size_t		 cap = 0, len, acap = 0;
	ssize_t		 got;
	int		 rc = RB_OK;
	FILE		*f;

	*out = NULL;
	*n = *bad = 0;
	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	while ((got = getline(&line, &cap, f)) != -1) {
		len = (size_t)got;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len == 0)
			continue;
		if (*n == acap) {
			acap = acap ? acap * 2 : 65536;
			if ((na = reallocarray(addrs, acap,
			    sizeof(*na))) == NULL) {
				rc = RB_ENOMEM;
				goto out;
			}
			addrs = na;
		}
		if (addr_parse(line, len, &addrs[*n]) == RB_OK)
			(*n)++;
		else
			(*bad)++;
	}
	if (ferror(f))
		rc = -errno;
out:
	free(line);
	fclose(f);
	if (rc != RB_OK) {
		free(addrs);
		addrs = NULL;
	}
	*out = addrs;
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-store-lookup STORE_DIR FILE "
	    "[SECONDS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct db	*db;
	struct addr	*addrs = NULL, a;
	struct listing	 l;
	uint64_t	 seed = SEED, r, lookups = 0, hits = 0, misses = 0;
	size_t		 n, bad;
	double		 secs = 5, start, elapsed = 0;
	char		*end;
	int		 rc;

	if (argc < 3 || argc > 4)
		usage();
	if (argc == 4) {
		errno = 0;
		secs = strtod(argv[3], &end);
		if (errno != 0 || end == argv[3] || *end != '\0' ||
		    !(secs > 0 && secs <= 3600))
			usage();
	}
	if ((rc = read_addrs(argv[2], &addrs, &n, &bad)) != RB_OK) {
		fprintf(stderr, "bench-store-lookup: %s: %s\n", argv[2],
		    rb_strerror(rc));
		return 1;
	}
	if (bad > 0)
		fprintf(stderr, "bench-store-lookup: %s: %zu lines that are "
		    "not addresses skipped\n", argv[2], bad);
	if (n == 0) {
		fprintf(stderr, "bench-store-lookup: %s: no addresses\n",
		    argv[2]);
		free(addrs);
		return 1;
	}
	if ((rc = db_open(argv[1], DB_RDONLY, 0, &db)) != RB_OK) {
		fprintf(stderr, "bench-store-lookup: store %s: %s\n", argv[1],
		    rb_strerror(rc));
		free(addrs);
		return 1;
	}

	if ((rc = db_read_begin(db)) != RB_OK)
		goto fail;
	start = now();
	for (;;) {
		if (lookups % CLOCK_EVERY == 0 &&
		    (elapsed = now() - start) >= secs)
			break;
		/* The low bit picks the half; the rest picks the address. */
		r = xorshift64(&seed);
		if (r & 1)
			a = addrs[(r >> 1) % n];
		else
			addr_from_v4(&a, (uint32_t)(r >> 32));
		rc = db_get_listing(db, &a, &l);
		if (rc == RB_OK)
			hits++;
		else if (rc == RB_ENOENT)
			misses++;
		else
			break;
		if (++lookups % RENEW_EVERY == 0) {
			db_read_end(db);
			if ((rc = db_read_begin(db)) != RB_OK)
				break;
		}
	}
	db_read_end(db);
	if (rc != RB_OK && rc != RB_ENOENT)
		goto fail;
	printf("lookups: %llu in %.2f s = %.0f lookups/s (hits %llu, "
	    "misses %llu)\n", (unsigned long long)lookups, elapsed,
	    (double)lookups / elapsed, (unsigned long long)hits,
	    (unsigned long long)misses);
	db_close(db);
	free(addrs);
	return 0;
fail:
	fprintf(stderr, "bench-store-lookup: %s\n", rb_strerror(rc));
	db_close(db);
	free(addrs);
	return 1;
}
