/* SPDX-License-Identifier: ISC */
/*
 * db.c -- the LMDB store: open, close, and everything that reads
 *
 * One environment holds six named databases (see DESIGN.md): hosts,
 * listed, due, evidence, journal and meta. A handle keeps one read
 * transaction and cycles it with reset/renew, and adopts the map size
 * when another process has grown it. Writing is in write.c, the state
 * changes in change.c.
 *
 * Only the files of db/ include <lmdb.h>: MDB_* codes become RB_* codes
 * in db_error().
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define DB_MAPSIZE	(1UL << 30)	/* initial map when none is asked */
#define DB_SECRETLEN	32

int
db_error(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:	return RB_OK;
	case MDB_NOTFOUND:	return RB_ENOENT;
	case MDB_MAP_FULL:	return DB_EMAPFULL;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:	return RB_EVERSION;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:	return RB_ECORRUPT;
	default:		return rc > 0 ? -rc : RB_EDB;
	}
}
/* ---- open and close --------------------------------------------------- */

int
meta_get32(MDB_txn *txn, MDB_dbi dbi, const char *name, uint32_t *out)
{
	MDB_val	k = val(name, strlen(name)), v;
	int	rc;

	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return db_error(rc);
	if (v.mv_size != 4)
		return RB_ECORRUPT;
	*out = rd32(v.mv_data);
	return RB_OK;
}

int
meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, const void *p,
    size_t len)
{
	MDB_val	k = val(name, strlen(name)), v = val(p, len);

	return db_error(mdb_put(txn, dbi, &k, &v, 0));
}

/* A writer sets up a new store: schema, first serial, secret. */
static int
db_init_meta(struct db *db, MDB_txn *txn)
{
	uint8_t		 b[4], secret[DB_SECRETLEN];
	uint32_t	 schema;
	int		 rc;

	rc = meta_get32(txn, db->meta, "schema", &schema);
	if (rc == RB_OK)
		return schema > DB_SCHEMA ? RB_EVERSION : RB_OK;
	if (rc != RB_ENOENT)
		return rc;
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret))
		return -errno;
	be32(b, DB_SCHEMA);
	if ((rc = meta_put(txn, db->meta, "schema", b, 4)) != RB_OK)
		return rc;
	be32(b, 1);
	if ((rc = meta_put(txn, db->meta, "serial", b, 4)) != RB_OK)
		return rc;
	return meta_put(txn, db->meta, "secret", secret, sizeof(secret));
}

static int
db_open_dbis(struct db *db)
{
	static const char *const names[] = {
		"hosts", "listed", "due", "evidence", "journal", "meta",
	};
	MDB_dbi		*dbis[] = {
		&db->hosts, &db->listed, &db->due, &db->evidence,
		&db->journal, &db->meta,
	};
	bool		 rdonly = db->flags & DB_RDONLY;
	MDB_txn		*txn = NULL;
	uint32_t	 schema;
	size_t		 i;
	int		 rc;

	rc = db_error(mdb_txn_begin(db->env, NULL, rdonly ? MDB_RDONLY : 0,
	    &txn));
	for (i = 0; rc == RB_OK && i < sizeof(names) / sizeof(names[0]); i++)
		rc = db_error(mdb_dbi_open(txn, names[i],
		    rdonly ? 0 : MDB_CREATE, dbis[i]));
	if (rc != RB_OK)
		goto out;
	if (rdonly) {
		rc = meta_get32(txn, db->meta, "schema", &schema);
		if (rc == RB_OK && schema > DB_SCHEMA)
			rc = RB_EVERSION;
	} else
		rc = db_init_meta(db, txn);
	if (rc != RB_OK)
		goto out;
	/* Commit even a read txn: an aborted one closes the handles. */
	rc = db_error(mdb_txn_commit(txn));
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

/* mkdir -p: the store's directory and any missing parents. */
static int
mkdirs(const char *path)
{
	char	buf[4096], *p;

	if (strlen(path) >= sizeof(buf))
		return RB_ERANGE;
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) == -1 && errno != EEXIST)
		return -errno;
	return RB_OK;
}

int
db_open(const char *path, int flags, size_t mapsize, struct db **out)
{
	struct db	*db;
	unsigned int	 eflags = MDB_NOTLS;
	int		 rc, dead;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return RB_ENOMEM;
	db->flags = flags;
	db->r.db = db;
	if (flags & DB_RDONLY) {
		eflags |= MDB_RDONLY;
		/* Map all a writer may ever grow to: see reader_begin(). */
		mapsize = DB_MAPSIZE_MAX;
	} else if ((rc = mkdirs(path)) != RB_OK)
		goto fail;
	for (;;) {
		if ((rc = mdb_env_create(&db->env)) != 0 ||
		    (rc = mdb_env_set_maxdbs(db->env, 8)) != 0 ||
		    (rc = mdb_env_set_maxreaders(db->env, 256)) != 0 ||
		    (rc = mdb_env_set_mapsize(db->env,
		    mapsize ? mapsize : DB_MAPSIZE)) != 0)
			break;
		rc = mdb_env_open(db->env, path, eflags, 0640);
		/*
		 * Where address space is limited (RLIMIT_AS, valgrind), a
		 * reader maps less: a writer growing past it then needs the
		 * reader restarted, which it logs.
		 */
		if (!(flags & DB_RDONLY) || (rc != EINVAL && rc != ENOMEM) ||
		    mapsize <= (1UL << 30))
			break;
		mdb_env_close(db->env);
		db->env = NULL;
		mapsize /= 4;
	}
	if (rc != 0) {
		rc = db_error(rc);
		goto fail;
	}
	/* Free the reader slots of processes that died holding them. */
	mdb_reader_check(db->env, &dead);
	if ((rc = db_open_dbis(db)) != RB_OK)
		goto fail;
	*out = db;
	return RB_OK;
fail:
	db_close(db);
	return rc;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->r.txn != NULL)
		mdb_txn_abort(db->r.txn);
	if (db->env != NULL)
		mdb_env_close(db->env);
	free(db);
}

size_t
db_mapsize(struct db *db)
{
	MDB_envinfo	info;

	mdb_env_info(db->env, &info);
	return info.me_mapsize;
}

/* ---- reading ---------------------------------------------------------- */

/*
 * Begin (or renew) r's read txn. When a writer has grown the map past
 * ours, a handle used by one thread adopts the new size; a handle with
 * readers in several threads cannot, and maps DB_MAPSIZE_MAX from the
 * start instead (db_open with DB_RDONLY), so that it never has to.
 */
static int
reader_begin(struct db_reader *r, bool may_resize)
{
	struct db	*db = r->db;
	int		 rc, tries;

	assert(!r->reading);
	for (tries = 0; tries < 4; tries++) {
		if (r->txn != NULL)
			rc = mdb_txn_renew(r->txn);
		else
			rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &r->txn);
		if (rc != MDB_MAP_RESIZED || !may_resize)
			break;
		if (r->txn != NULL) {
			mdb_txn_abort(r->txn);
			r->txn = NULL;
		}
		if ((rc = mdb_env_set_mapsize(db->env, 0)) != 0)
			break;
	}
	if (rc != 0)
		return db_error(rc);
	r->reading = true;
	return RB_OK;
}

static void
reader_end(struct db_reader *r)
{
	if (r->reading)
		mdb_txn_reset(r->txn);
	r->reading = false;
}

int
db_read_begin(struct db *db)
{
	return reader_begin(&db->r, true);
}

void
db_read_end(struct db *db)
{
	reader_end(&db->r);
}

int
db_reader_new(struct db *db, struct db_reader **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return RB_ENOMEM;
	(*out)->db = db;
	return RB_OK;
}

void
db_reader_free(struct db_reader *r)
{
	if (r == NULL)
		return;
	if (r->txn != NULL)
		mdb_txn_abort(r->txn);
	free(r);
}

int
db_reader_begin(struct db_reader *r)
{
	return reader_begin(r, false);
}

void
db_reader_end(struct db_reader *r)
{
	reader_end(r);
}

int
db_reader_listing(struct db_reader *r, const struct addr *a,
    struct listing *l)
{
	MDB_val	k = val(a->a, 16), v;
	int	rc;

	assert(r->reading);
	if ((rc = mdb_get(r->txn, r->db->listed, &k, &v)) != 0)
		return db_error(rc);
	return record_decode_listing(v.mv_data, v.mv_size, l);
}

int
db_reader_serial(struct db_reader *r, uint32_t *serial)
{
	assert(r->reading);
	return meta_get32(r->txn, r->db->meta, "serial", serial);
}

int
host_read(MDB_txn *txn, struct db *db, const struct addr *a, struct host *h)
{
	MDB_val	k = val(a->a, 16), v;
	int	rc;

	if ((rc = mdb_get(txn, db->hosts, &k, &v)) != 0)
		return db_error(rc);
	return record_decode_host(v.mv_data, v.mv_size, h);
}

int
db_get_host(struct db *db, const struct addr *a, struct host *h)
{
	assert(db->r.reading);
	return host_read(db->r.txn, db, a, h);
}

int
db_get_listing(struct db *db, const struct addr *a, struct listing *l)
{
	return db_reader_listing(&db->r, a, l);
}

int
db_serial(struct db *db, uint32_t *serial)
{
	return db_reader_serial(&db->r, serial);
}

int
db_secret(struct db *db, uint8_t *out, size_t len)
{
	MDB_val	k = val("secret", 6), v;
	int	rc;

	assert(db->r.reading);
	if ((rc = mdb_get(db->r.txn, db->meta, &k, &v)) != 0)
		return db_error(rc);
	if (v.mv_size < len)
		return RB_ECORRUPT;
	memcpy(out, v.mv_data, len);
	return RB_OK;
}

/*
 * Walk dbi from key start (or the first key) while the key begins with
 * the first prefixlen bytes of start; each entry goes to fn.
 */
typedef int (*walk_fn)(void *arg, const MDB_val *k, const MDB_val *v);

static int
walk(struct db *db, MDB_dbi dbi, const void *start, size_t startlen,
    size_t prefixlen, walk_fn fn, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k = val(start, startlen), v;
	MDB_cursor_op	 op = start != NULL ? MDB_SET_RANGE : MDB_FIRST;
	int		 rc, stop = 0;

	assert(db->r.reading);
	if ((rc = mdb_cursor_open(db->r.txn, dbi, &c)) != 0)
		return db_error(rc);
	while (stop == 0 && (rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (prefixlen > 0 && (k.mv_size < prefixlen ||
		    memcmp(k.mv_data, start, prefixlen) != 0))
			break;
		stop = fn(arg, &k, &v);
	}
	mdb_cursor_close(c);
	if (stop != 0)
		return stop;
	return rc == MDB_NOTFOUND ? RB_OK : db_error(rc);
}

struct walk_ctx {
	void		*fn;
	void		*arg;
};

static int
walk_host(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct walk_ctx	*w = arg;
	struct addr	 a;
	struct host	 h;
	int		 rc;

	if (k->mv_size != 16)
		return RB_ECORRUPT;
	memcpy(a.a, k->mv_data, 16);
	if ((rc = record_decode_host(v->mv_data, v->mv_size, &h)) != RB_OK)
		return rc;
	return ((db_host_fn)w->fn)(w->arg, &a, &h);
}

int
db_walk_hosts(struct db *db, db_host_fn fn, void *arg)
{
	struct walk_ctx	w = { (void *)fn, arg };

	return walk(db, db->hosts, NULL, 0, 0, walk_host, &w);
}

static int
walk_listing(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct walk_ctx	*w = arg;
	struct addr	 a;
	struct listing	 l;
	int		 rc;

	if (k->mv_size != 16)
		return RB_ECORRUPT;
	memcpy(a.a, k->mv_data, 16);
	if ((rc = record_decode_listing(v->mv_data, v->mv_size, &l)) != RB_OK)
		return rc;
	return ((db_listing_fn)w->fn)(w->arg, &a, &l);
}

int
db_walk_listed(struct db *db, db_listing_fn fn, void *arg)
{
	struct walk_ctx	w = { (void *)fn, arg };

	return walk(db, db->listed, NULL, 0, 0, walk_listing, &w);
}

static int
walk_evidence(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct walk_ctx	*w = arg;
	const uint8_t	*p = v->mv_data;
	struct evidence	 e;

	if (k->mv_size != EV_KEYLEN || v->mv_size < EV_HDRLEN)
		return RB_ECORRUPT;
	if (p[0] != RECORD_VERSION)
		return p[0] > RECORD_VERSION ? RB_EVERSION : RB_ECORRUPT;
	e.time = rd64((const uint8_t *)k->mv_data + 16);
	e.kind = p[1];
	e.verdict = p[2];
	e.state = p[3];
	e.text = (const char *)p + EV_HDRLEN;
	e.textlen = v->mv_size - EV_HDRLEN;
	return ((db_evidence_fn)w->fn)(w->arg, &e);
}

int
db_walk_evidence(struct db *db, const struct addr *a, db_evidence_fn fn,
    void *arg)
{
	struct walk_ctx	w = { (void *)fn, arg };

	return walk(db, db->evidence, a->a, 16, 16, walk_evidence, &w);
}

static int
walk_journal(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct walk_ctx		*w = arg;
	const uint8_t		*p = v->mv_data;
	struct journal_op	*ops;
	uint32_t		 i, n;
	int			 rc;

	if (k->mv_size != 4 || v->mv_size < JOURNAL_HDRLEN || p[0] !=
	    RECORD_VERSION)
		return RB_ECORRUPT;
	n = rd32(p + 9);
	if (v->mv_size != JOURNAL_HDRLEN + (size_t)n * JOURNAL_OPLEN)
		return RB_ECORRUPT;
	if ((ops = calloc(n ? n : 1, sizeof(*ops))) == NULL)
		return RB_ENOMEM;
	for (i = 0; i < n; i++) {
		const uint8_t *op = p + JOURNAL_HDRLEN + i * JOURNAL_OPLEN;

		ops[i].op = op[0];
		ops[i].code = op[1];
		memcpy(ops[i].addr.a, op + 2, 16);
	}
	rc = ((db_journal_fn)w->fn)(w->arg, rd32(k->mv_data), rd64(p + 1),
	    ops, n);
	free(ops);
	return rc;
}

int
db_walk_journal(struct db *db, uint32_t after, db_journal_fn fn, void *arg)
{
	struct walk_ctx	w = { (void *)fn, arg };
	uint8_t		k[4];

	if (after == UINT32_MAX)
		return RB_OK;
	be32(k, after + 1);
	return walk(db, db->journal, k, 4, 0, walk_journal, &w);
}

static int
count_state(void *arg, const struct addr *a, const struct host *h)
{
	struct db_stats	*st = arg;

	(void)a;
	st->by_state[h->state]++;
	return 0;
}

int
db_stats(struct db *db, struct db_stats *st)
{
	MDB_stat	 ms;
	MDB_envinfo	 info;
	struct stat	 sb;
	mdb_filehandle_t fd;
	MDB_dbi		 dbis[] = { db->hosts, db->listed, db->due,
	    db->evidence, db->journal };
	uint64_t	*counts[] = { &st->hosts, &st->listed, &st->due,
	    &st->evidence, &st->journal };
	size_t		 i;
	int		 rc;

	assert(db->r.reading);
	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		if ((rc = mdb_stat(db->r.txn, dbis[i], &ms)) != 0)
			return db_error(rc);
		*counts[i] = ms.ms_entries;
	}
	if ((rc = db_serial(db, &st->serial)) != RB_OK)
		return rc;
	mdb_env_info(db->env, &info);
	mdb_env_stat(db->env, &ms);
	st->filesize = mdb_env_get_fd(db->env, &fd) == 0 &&
	    fstat(fd, &sb) == 0 ? (size_t)sb.st_size : 0;
	st->used = (info.me_last_pgno + 1) * (size_t)ms.ms_psize;
	return db_walk_hosts(db, count_state, st);
}

int
db_walk_due(struct db *db, int64_t now, db_host_fn fn, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 start[DUE_KEYLEN];
	const uint8_t	*key;
	struct addr	 a = { { 0 } };
	struct host	 h;
	int		 q, rc = RB_OK;

	assert(db->r.reading);
	if ((rc = mdb_cursor_open(db->r.txn, db->due, &c)) != 0)
		return db_error(rc);
	for (q = DUE_REPORT; q <= DUE_SCHEDULED && rc == RB_OK; q++) {
		memset(a.a, 0, sizeof(a.a));
		due_key(start, q, 0, &a);
		k = val(start, sizeof(start));
		for (rc = db_error(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
		    rc == RB_OK; rc = db_error(mdb_cursor_get(c, &k, &v,
		    MDB_NEXT))) {
			key = k.mv_data;
			if (k.mv_size != DUE_KEYLEN) {
				rc = RB_ECORRUPT;
				break;
			}
			if (key[0] != q || rd64(key + 1) > now)
				break;
			memcpy(a.a, key + 9, 16);
			if ((rc = host_read(db->r.txn, db, &a, &h)) != RB_OK ||
			    (rc = fn(arg, &a, &h)) != 0)
				break;
		}
		if (rc == RB_ENOENT)
			rc = RB_OK;
	}
	mdb_cursor_close(c);
	return rc;
}

/* The first host that db_walk_due() would give. */
struct first_due {
	struct addr	*a;
	struct host	*h;
};

static int
take_first(void *arg, const struct addr *a, const struct host *h)
{
	struct first_due	*f = arg;

	*f->a = *a;
	*f->h = *h;
	return 1;
}

int
db_next_due(struct db *db, int64_t now, struct addr *a, struct host *h)
{
	struct first_due	f = { a, h };
	int			rc;

	rc = db_walk_due(db, now, take_first, &f);
	return rc == 1 ? RB_OK : rc == RB_OK ? RB_ENOENT : rc;
}
