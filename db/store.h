/* SPDX-License-Identifier: ISC */
/*
 * store.h -- what the files of db/ share about LMDB (db/ only)
 *
 * db.c opens the environment and reads; write.c runs write transactions
 * and keeps hosts, listed, due and journal in step; change.c holds the
 * state changes built on it. Nothing outside db/ includes this.
 */
#ifndef RB_STORE_H
#define RB_STORE_H

#include <lmdb.h>
#include <string.h>

#include "bytes.h"
#include "db.h"

#define DB_EMAPFULL	(-10100)	/* private: db_write() grows the map */

#define DUE_KEYLEN	(1 + 8 + 16)	/* queue, due time, address */
#define EV_KEYLEN	(16 + 8 + 4)	/* address, time, sequence */
#define EV_HDRLEN	4		/* version, kind, verdict, state */
#define JOURNAL_HDRLEN	(1 + 8 + 4)	/* version, time, op count */
#define JOURNAL_OPLEN	(1 + 1 + 16)	/* op, code, address */

#define DB_MAPSIZE_MAX	(1ULL << 40)	/* never grow past this */

/* A read transaction, kept and cycled with reset/renew. */
struct db_reader {
	struct db	*db;
	MDB_txn		*txn;		/* or NULL before the first begin */
	bool		 reading;	/* txn is live */
};

struct db {
	MDB_env		*env;
	MDB_dbi		 hosts, listed, due, evidence, journal, meta;
	struct db_reader r;		/* the handle's own reader */
	int		 flags;
};

/* The journal ops a write transaction collects until its commit. */
struct jbuf {
	uint8_t		*buf;
	size_t		 len, cap;
	uint32_t	 nops;
};

/* A write transaction under way. */
struct wtxn {
	struct db	*db;
	MDB_txn		*txn;
	int64_t		 now;
	struct jbuf	 j;
};

static inline MDB_val
val(const void *p, size_t len)
{
	MDB_val	v = { len, (void *)(uintptr_t)p };

	return v;
}

static inline void
due_key(uint8_t k[DUE_KEYLEN], int queue, int64_t when, const struct addr *a)
{
	k[0] = (uint8_t)queue;
	be64(k + 1, when);
	memcpy(k + 9, a->a, 16);
}

/* db.c */
/* @return the RB_* code for an LMDB result (DB_EMAPFULL for a full map). */
int	 db_error(int rc);
int	 meta_get32(MDB_txn *txn, MDB_dbi dbi, const char *name,
	    uint32_t *out);
int	 meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, const void *p,
	    size_t len);
/* Read and decode a's host record in txn: RB_OK, RB_ENOENT or an error. */
int	 host_read(MDB_txn *txn, struct db *db, const struct addr *a,
	    struct host *h);

/* write.c */
typedef int (*write_fn)(struct wtxn *w, void *arg);

/*
 * Run fn in one write transaction and commit it with its journal entry.
 * A full map is doubled and fn run again from the start, so fn must
 * compute everything from the store and its arguments.
 */
int	 db_write(struct db *db, int64_t now, write_fn fn, void *arg);

/*
 * Store new as a's record, old being what was there (NULL if nothing),
 * and bring listed, due and the journal ops in line with it.
 */
int	 host_apply(struct wtxn *w, const struct addr *a,
	    const struct host *old, const struct host *new);

/* Append evidence for a and keep only the newest EVIDENCE_KEEP. */
int	 evidence_put(struct wtxn *w, const struct addr *a, int kind,
	    int verdict, int state, const char *text, size_t textlen);

#endif /* RB_STORE_H */
