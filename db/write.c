/* SPDX-License-Identifier: ISC */
/*
 * write.c -- write transactions that keep the store's databases in step
 *
 * A state change computes a host's new record from its old one and
 * hands both to host_apply(), which derives the rest from the pair:
 * the listed entry DNS serves, the verifier's queue key, and the ops of
 * the journal. db_write() runs the change in one transaction, appends
 * the journal entry and bumps the serial when the zone changed, and
 * when LMDB finds the map full it aborts, doubles the map and runs the
 * change again, so a growing list never fails a write.
 */
#include <assert.h>
#include <stdlib.h>

#include "store.h"

static int
jbuf_add(struct jbuf *j, int op, int code, const struct addr *a)
{
	uint8_t	*p;
	size_t	 cap;

	if (j->len + JOURNAL_OPLEN > j->cap) {
		cap = j->cap ? j->cap * 2 : 64 * JOURNAL_OPLEN;
		if ((p = realloc(j->buf, cap)) == NULL)
			return RB_ENOMEM;
		j->buf = p;
		j->cap = cap;
	}
	p = j->buf + j->len;
	p[0] = (uint8_t)op;
	p[1] = (uint8_t)code;
	memcpy(p + 2, a->a, 16);
	j->len += JOURNAL_OPLEN;
	j->nops++;
	return RB_OK;
}

int
host_apply(struct wtxn *w, const struct addr *a, const struct host *old,
    const struct host *new)
{
	struct db	*db = w->db;
	uint8_t		 rec[HOST_RECLEN], lrec[LISTING_RECLEN];
	uint8_t		 dk[DUE_KEYLEN];
	struct listing	 l;
	MDB_val		 k = val(a->a, 16), v, e = val(NULL, 0);
	bool		 was = old != NULL && old->state == HOST_LISTED;
	bool		 is = new->state == HOST_LISTED;
	int		 rc;

	assert(!is || (new->code >= CODE_MIN && new->code <= CODE_MAX));
	record_encode_host(new, rec);
	v = val(rec, sizeof(rec));
	if ((rc = mdb_put(w->txn, db->hosts, &k, &v, 0)) != 0)
		return db_error(rc);

	/* What DNS serves, and the journal of its changes. */
	if (is && (!was || old->code != new->code ||
	    old->listed_at != new->listed_at)) {
		l.code = new->code;
		l.listed_at = new->listed_at;
		record_encode_listing(&l, lrec);
		v = val(lrec, sizeof(lrec));
		if ((rc = mdb_put(w->txn, db->listed, &k, &v, 0)) != 0)
			return db_error(rc);
	} else if (was && !is) {
		if ((rc = mdb_del(w->txn, db->listed, &k, NULL)) != 0)
			return db_error(rc);
	}
	if (was && (!is || old->code != new->code))
		if ((rc = jbuf_add(&w->j, JOURNAL_DEL, old->code, a)) != RB_OK)
			return rc;
	if (is && (!was || old->code != new->code))
		if ((rc = jbuf_add(&w->j, JOURNAL_ADD, new->code, a)) != RB_OK)
			return rc;

	/* The verifier's queue. */
	if (old != NULL && old->queue != DUE_NONE &&
	    (new->queue != old->queue || new->next_test != old->next_test)) {
		due_key(dk, old->queue, old->next_test, a);
		k = val(dk, sizeof(dk));
		if ((rc = mdb_del(w->txn, db->due, &k, NULL)) != 0)
			return db_error(rc);
	}
	if (new->queue != DUE_NONE) {
		due_key(dk, new->queue, new->next_test, a);
		k = val(dk, sizeof(dk));
		if ((rc = mdb_put(w->txn, db->due, &k, &e, 0)) != 0)
			return db_error(rc);
	}
	return RB_OK;
}

int
evidence_put(struct wtxn *w, const struct addr *a, int kind, int verdict,
    int state, const char *text, size_t textlen)
{
	struct db	*db = w->db;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 key[EV_KEYLEN], *buf;
	uint32_t	 seq = 0;
	size_t		 n = 0;
	int		 rc;

	if (textlen > EVIDENCE_MAX)
		textlen = EVIDENCE_MAX;
	if ((rc = mdb_cursor_open(w->txn, db->evidence, &c)) != 0)
		return db_error(rc);

	/* Two entries in one second get increasing sequence numbers. */
	memcpy(key, a->a, 16);
	be64(key + 16, w->now);
	be32(key + 24, UINT32_MAX);
	k = val(key, sizeof(key));
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == 0 && k.mv_size == EV_KEYLEN &&
	    memcmp(k.mv_data, key, 24) == 0)
		seq = rd32((uint8_t *)k.mv_data + 24) + 1;
	else if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	be32(key + 24, seq);

	k = val(key, sizeof(key));
	v = val(NULL, EV_HDRLEN + textlen);
	if ((rc = mdb_cursor_put(c, &k, &v, MDB_RESERVE)) != 0)
		goto out;
	buf = v.mv_data;
	buf[0] = RECORD_VERSION;
	buf[1] = (uint8_t)kind;
	buf[2] = (uint8_t)verdict;
	buf[3] = (uint8_t)state;
	if (textlen > 0)
		memcpy(buf + EV_HDRLEN, text, textlen);

	/* Count this host's entries and drop the oldest beyond the bound. */
	k = val(a->a, 16);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    memcmp(k.mv_data, a->a, 16) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		n++;
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	k = val(a->a, 16);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n > EVIDENCE_KEEP; n--) {
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	mdb_cursor_close(c);
	return db_error(rc);
}

/* Write the collected journal ops under the next serial, then prune. */
static int
journal_commit(struct wtxn *w)
{
	struct db	*db = w->db;
	MDB_cursor	*c;
	MDB_stat	 ms;
	MDB_val		 k, v;
	uint8_t		 key[4], b[4], *p;
	uint32_t	 serial;
	int		 rc;

	if (w->j.nops == 0)
		return RB_OK;
	if ((rc = meta_get32(w->txn, db->meta, "serial", &serial)) != RB_OK)
		return rc;
	if (++serial == 0)
		serial = 1;
	be32(b, serial);
	if ((rc = meta_put(w->txn, db->meta, "serial", b, 4)) != RB_OK)
		return rc;

	be32(key, serial);
	k = val(key, 4);
	v = val(NULL, JOURNAL_HDRLEN + w->j.len);
	if ((rc = mdb_put(w->txn, db->journal, &k, &v, MDB_RESERVE)) != 0)
		return db_error(rc);
	p = v.mv_data;
	p[0] = RECORD_VERSION;
	be64(p + 1, w->now);
	be32(p + 9, w->j.nops);
	memcpy(p + JOURNAL_HDRLEN, w->j.buf, w->j.len);

	if ((rc = mdb_stat(w->txn, db->journal, &ms)) != 0)
		return db_error(rc);
	if (ms.ms_entries <= JOURNAL_KEEP)
		return RB_OK;
	if ((rc = mdb_cursor_open(w->txn, db->journal, &c)) != 0)
		return db_error(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	    rc == 0 && ms.ms_entries-- > JOURNAL_KEEP;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? RB_OK : db_error(rc);
}

int
db_write(struct db *db, int64_t now, write_fn fn, void *arg)
{
	struct wtxn	 w;
	size_t		 size;
	int		 rc;

	if (db->flags & DB_RDONLY)
		return RB_EACCES;
	assert(!db->r.reading);
	for (;;) {
		memset(&w, 0, sizeof(w));
		w.db = db;
		w.now = now;
		rc = mdb_txn_begin(db->env, NULL, 0, &w.txn);
		if (rc == MDB_MAP_RESIZED) {
			if ((rc = mdb_env_set_mapsize(db->env, 0)) != 0)
				return db_error(rc);
			continue;
		}
		if (rc != 0)
			return db_error(rc);
		if ((rc = fn(&w, arg)) == RB_OK &&
		    (rc = journal_commit(&w)) == RB_OK)
			rc = db_error(mdb_txn_commit(w.txn));
		else
			mdb_txn_abort(w.txn);
		free(w.j.buf);
		if (rc != DB_EMAPFULL)
			return rc;
		/* Never past what read-only handles map (db_open()). */
		size = db_mapsize(db);
		if (size >= DB_MAPSIZE_MAX || mdb_env_set_mapsize(db->env,
		    size < DB_MAPSIZE_MAX / 2 ? size * 2 : DB_MAPSIZE_MAX) != 0)
			return RB_ESPACE;
	}
}
