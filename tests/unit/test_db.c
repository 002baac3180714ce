/* SPDX-License-Identifier: ISC */
/*
 * test_db.c -- every state change of the store, and what moves with it
 *
 * Each test starts from an empty store in a temporary directory. After
 * each change we check the host's record and that listed, due, journal
 * and the serial moved together, and that nothing else moved. Times are
 * passed in, so nothing sleeps. Only the schema and corruption tests
 * reach under db.h (with LMDB itself), to forge what a future relaybl or
 * a broken disk would leave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>

#include "db.h"

#define T0	1700000000	/* a fixed "now" */

struct fixture {
	char		 dir[64];
	struct db	*db;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/relaybl-test-db.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(db_open(f->dir, 0, 0, &f->db), RB_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct addr
A(const char *s)
{
	struct addr	a;

	assert_int_equal(addr_parse_str(s, &a), RB_OK);
	return a;
}

/* Counts of every database and the serial, to see what a change moved. */
struct snap {
	struct db_stats	 st;
};

static struct snap
snap(struct db *db)
{
	struct snap	s;

	assert_int_equal(db_read_begin(db), RB_OK);
	assert_int_equal(db_stats(db, &s.st), RB_OK);
	db_read_end(db);
	return s;
}

/* What the journal entry with this serial says, as "+4 1.2.3.4 -2 ..." */
struct jtext {
	uint32_t	 serial;
	char		 text[256];
};

static int
journal_text(void *arg, uint32_t serial, int64_t time,
    const struct journal_op *ops, size_t nops)
{
	struct jtext	*j = arg;
	char		 s[ADDR_STRLEN];
	size_t		 i, len;

	(void)time;
	if (serial != j->serial)
		return 0;
	for (i = 0; i < nops; i++) {
		len = strlen(j->text);
		snprintf(j->text + len, sizeof(j->text) - len, "%s%c%d %s",
		    i ? " " : "", ops[i].op == JOURNAL_ADD ? '+' : '-',
		    ops[i].code, addr_format(&ops[i].addr, s));
	}
	return 1;
}

static void
assert_journal(struct db *db, uint32_t serial, const char *want)
{
	struct jtext	j = { serial, "" };

	assert_int_equal(db_read_begin(db), RB_OK);
	assert_int_equal(db_walk_journal(db, serial - 1, journal_text, &j), 1);
	db_read_end(db);
	assert_string_equal(j.text, want);
}

static int
listing(struct db *db, const char *ip, struct listing *l)
{
	struct addr	a = A(ip);
	int		rc;

	assert_int_equal(db_read_begin(db), RB_OK);
	rc = db_get_listing(db, &a, l);
	db_read_end(db);
	return rc;
}

/* Exactly these counters differ between two snapshots. */
static void
assert_moved(const struct snap *a, const struct snap *b, int dserial,
    int dlisted, int ddue, int djournal, int dhosts, int devidence)
{
	assert_int_equal(b->st.serial - a->st.serial, dserial);
	assert_int_equal((int64_t)b->st.listed - (int64_t)a->st.listed,
	    dlisted);
	assert_int_equal((int64_t)b->st.due - (int64_t)a->st.due, ddue);
	assert_int_equal((int64_t)b->st.journal - (int64_t)a->st.journal,
	    djournal);
	assert_int_equal((int64_t)b->st.hosts - (int64_t)a->st.hosts, dhosts);
	assert_int_equal((int64_t)b->st.evidence - (int64_t)a->st.evidence,
	    devidence);
}

/* ---- opening ---------------------------------------------------------- */

static void
test_new_store_is_empty(void **state)
{
	struct fixture	*f = *state;
	struct snap	 s = snap(f->db);
	uint8_t		 secret[32], zero[32] = { 0 };

	assert_int_equal(s.st.serial, 1);
	assert_int_equal(s.st.hosts + s.st.listed + s.st.due + s.st.journal,
	    0);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_secret(f->db, secret, sizeof(secret)), RB_OK);
	db_read_end(f->db);
	assert_memory_not_equal(secret, zero, sizeof(secret));
}

static void
test_reopen_keeps_everything(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1");
	uint8_t		 s1[32], s2[32];
	struct listing	 l;

	assert_int_equal(db_operator_list(f->db, &a, 4, NULL, T0, NULL), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_secret(f->db, s1, sizeof(s1)), RB_OK);
	db_read_end(f->db);
	db_close(f->db);
	assert_int_equal(db_open(f->dir, DB_RDONLY, 0, &f->db), RB_OK);
	assert_int_equal(listing(f->db, "192.0.2.1", &l), RB_OK);
	assert_int_equal(l.code, 4);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_secret(f->db, s2, sizeof(s2)), RB_OK);
	db_read_end(f->db);
	assert_memory_equal(s1, s2, sizeof(s1));
	/* A read-only handle refuses every change. */
	assert_int_equal(db_operator_list(f->db, &a, 2, NULL, T0, NULL),
	    RB_EACCES);
}

/* Change a meta value or a host record behind db.h's back. */
static void
forge(const char *dir, const char *dbname, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k = { klen, (void *)(uintptr_t)key };
	MDB_val	 v = { vlen, (void *)(uintptr_t)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, dbname, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_newer_schema_is_refused(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 v2[4] = { 0, 0, 0, DB_SCHEMA + 1 };

	db_close(f->db);
	f->db = NULL;
	forge(f->dir, "meta", "schema", 6, v2, sizeof(v2));
	assert_int_equal(db_open(f->dir, 0, 0, &f->db), RB_EVERSION);
	assert_int_equal(db_open(f->dir, DB_RDONLY, 0, &f->db), RB_EVERSION);
	assert_null(f->db);
	assert_non_null(strstr(rb_strerror(RB_EVERSION), "newer"));
}

static void
test_corrupt_record_is_reported(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.9");
	struct host	 h;
	uint8_t		 junk[3] = { 1, 2, 3 }, newer[HOST_RECLEN] = { 9 };

	db_close(f->db);
	forge(f->dir, "hosts", a.a, 16, junk, sizeof(junk));
	assert_int_equal(db_open(f->dir, 0, 0, &f->db), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_get_host(f->db, &a, &h), RB_ECORRUPT);
	db_read_end(f->db);
	/* A change refuses to build on a record it cannot read. */
	assert_int_equal(db_operator_list(f->db, &a, 4, NULL, T0, NULL),
	    RB_ECORRUPT);
	db_close(f->db);
	forge(f->dir, "hosts", a.a, 16, newer, sizeof(newer));
	assert_int_equal(db_open(f->dir, 0, 0, &f->db), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_get_host(f->db, &a, &h), RB_EVERSION);
	db_read_end(f->db);
}

/* ---- reports and verdicts --------------------------------------------- */

static void
test_report_new_host_is_pending_and_due(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), by = A("198.51.100.7"), got;
	struct snap	 s0 = snap(f->db), s1;
	struct host	 h;
	struct listing	 l;
	bool		 queued;

	assert_int_equal(db_report(f->db, &a, &by, T0, 3600, &queued, &h),
	    RB_OK);
	assert_true(queued);
	assert_int_equal(h.state, HOST_PENDING);
	assert_int_equal(h.queue, DUE_REPORT);
	assert_int_equal(h.reports, 1);
	assert_memory_equal(h.submitter.a, by.a, 16);
	s1 = snap(f->db);
	/* Nothing DNS serves changed: no serial, no journal. */
	assert_moved(&s0, &s1, 0, 0, 1, 0, 1, 0);
	assert_int_equal(listing(f->db, "192.0.2.1", &l), RB_ENOENT);

	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0 - 1, &got, &h), RB_ENOENT);
	assert_int_equal(db_next_due(f->db, T0, &got, &h), RB_OK);
	db_read_end(f->db);
	assert_memory_equal(got.a, a.a, 16);

	/* A second report is counted and queues nothing new. */
	assert_int_equal(db_report(f->db, &a, NULL, T0 + 5, 3600, &queued, &h),
	    RB_OK);
	assert_false(queued);
	assert_int_equal(h.reports, 2);
	assert_int_equal(h.last_report, T0 + 5);
	assert_memory_equal(h.submitter.a, by.a, 16);
	assert_moved(&s1, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
}

static void
test_confirm_open_lists_and_journals(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), b = A("192.0.2.2");
	struct snap	 s0, s1, s2;
	struct host	 h;
	struct listing	 l;

	assert_int_equal(db_report(f->db, &a, NULL, T0, 3600, NULL, NULL),
	    RB_OK);
	s0 = snap(f->db);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0 + 10,
	    T0 + 86400, &h), RB_OK);
	assert_int_equal(h.state, HOST_LISTED);
	assert_int_equal(h.listed_at, T0 + 10);
	assert_int_equal(h.queue, DUE_SCHEDULED);
	assert_int_equal(h.next_test, T0 + 86400);
	assert_int_equal(h.tests, 1);
	s1 = snap(f->db);
	/* The due entry moved queues: the count stays. */
	assert_moved(&s0, &s1, 1, 1, 0, 1, 0, 0);
	assert_journal(f->db, s1.st.serial, "+2 192.0.2.1");
	assert_int_equal(listing(f->db, "192.0.2.1", &l), RB_OK);
	assert_int_equal(l.code, 2);
	assert_int_equal(l.listed_at, T0 + 10);

	/* Confirmed again: the listing and its start stay, no serial. */
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0 + 20,
	    T0 + 2 * 86400, &h), RB_OK);
	assert_int_equal(h.listed_at, T0 + 10);
	assert_int_equal(h.tests, 2);
	s2 = snap(f->db);
	assert_moved(&s1, &s2, 0, 0, 0, 0, 0, 0);

	/* An open relay found to be another's exit stays an open relay. */
	assert_int_equal(db_confirm_open(f->db, &a, CODE_MULTISTAGE, T0 + 30,
	    T0 + 86400, &h), RB_OK);
	assert_int_equal(h.code, CODE_OPEN);
	assert_moved(&s2, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);

	/* An exit found to relay itself: one entry that removes and adds. */
	assert_int_equal(db_confirm_open(f->db, &b, CODE_MULTISTAGE, T0 + 40,
	    T0 + 86400, &h), RB_OK);
	assert_int_equal(h.code, CODE_MULTISTAGE);
	s2 = snap(f->db);
	assert_int_equal(db_confirm_open(f->db, &b, CODE_OPEN, T0 + 60,
	    T0 + 86400, &h), RB_OK);
	s1 = snap(f->db);
	assert_moved(&s2, &s1, 1, 0, 0, 1, 0, 0);
	assert_journal(f->db, s1.st.serial, "-3 192.0.2.2 +2 192.0.2.2");

	/* A listing made by hand is the operator's: a verdict leaves it. */
	assert_int_equal(db_operator_list(f->db, &a, 5, NULL, T0 + 70, &h),
	    RB_OK);
	s2 = snap(f->db);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_MULTISTAGE, T0 + 80,
	    T0 + 86400, &h), RB_OK);
	assert_int_equal(h.code, 5);
	assert_true(h.flags & HOST_F_MANUAL);
	assert_moved(&s2, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
	assert_int_equal(db_confirm_open(f->db, &a, 1, T0, T0, NULL),
	    RB_ERANGE);
}

static void
test_confirm_open_of_unknown_exit(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("2001:db8::25");
	struct snap	 s0 = snap(f->db), s1;
	struct host	 h;

	/* The exit of a multi-stage relay was never reported itself. */
	assert_int_equal(db_confirm_open(f->db, &a, CODE_MULTISTAGE, T0,
	    T0 + 86400, &h), RB_OK);
	assert_int_equal(h.first_seen, T0);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, 1, 1, 1, 1, 0);
	assert_journal(f->db, s1.st.serial, "+3 2001:db8::25");
}

static void
test_confirm_closed_delists(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), b = A("192.0.2.2");
	struct snap	 s0, s1;
	struct host	 h;
	struct listing	 l;

	assert_int_equal(db_confirm_closed(f->db, &a, T0, true, NULL), RB_ENOENT);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0, T0 + 100,
	    NULL), RB_OK);
	s0 = snap(f->db);
	assert_int_equal(db_confirm_closed(f->db, &a, T0 + 100, true, &h), RB_OK);
	assert_int_equal(h.state, HOST_DELISTED);
	assert_int_equal(h.queue, DUE_NONE);
	assert_int_equal(h.listed_at, 0);
	assert_int_equal(h.last_test, T0 + 100);
	assert_int_equal(h.closed_at, T0 + 100);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, -1, -1, 1, 0, 0);
	assert_journal(f->db, s1.st.serial, "-2 192.0.2.1");
	assert_int_equal(listing(f->db, "192.0.2.1", &l), RB_ENOENT);

	/* A pending host found closed is clean; DNS never knew it. */
	assert_int_equal(db_report(f->db, &b, NULL, T0, 3600, NULL, NULL),
	    RB_OK);
	s0 = snap(f->db);
	/* Accepted without delivery: clean, but a late arrival may list. */
	assert_int_equal(db_confirm_closed(f->db, &b, T0 + 1, false, &h),
	    RB_OK);
	assert_int_equal(h.state, HOST_CLEAN);
	assert_int_equal(h.closed_at, 0);
	assert_moved(&s0, &(struct snap){ snap(f->db).st }, 0, 0, -1, 0, 0, 0);
}

static void
test_clean_host_cools_down(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1");
	struct host	 h;
	bool		 queued;

	assert_int_equal(db_report(f->db, &a, NULL, T0, 3600, NULL, NULL),
	    RB_OK);
	assert_int_equal(db_confirm_closed(f->db, &a, T0 + 10, true, NULL), RB_OK);
	assert_int_equal(db_report(f->db, &a, NULL, T0 + 100, 3600, &queued,
	    &h), RB_OK);
	assert_false(queued);
	assert_int_equal(h.state, HOST_CLEAN);
	assert_int_equal(h.queue, DUE_NONE);
	assert_int_equal(h.reports, 2);
	assert_int_equal(db_report(f->db, &a, NULL, T0 + 10 + 3600, 3600,
	    &queued, &h), RB_OK);
	assert_true(queued);
	assert_int_equal(h.state, HOST_PENDING);
	assert_int_equal(h.queue, DUE_REPORT);
}

static void
test_defer_keeps_listing(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), got;
	struct snap	 s0, s1;
	struct host	 h;

	assert_int_equal(db_defer(f->db, &a, T0, T0 + 60, NULL), RB_ENOENT);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0, T0 + 100,
	    NULL), RB_OK);
	s0 = snap(f->db);
	assert_int_equal(db_defer(f->db, &a, T0 + 100, T0 + 700, &h), RB_OK);
	assert_int_equal(db_defer(f->db, &a, T0 + 700, T0 + 1900, &h), RB_OK);
	assert_int_equal(h.state, HOST_LISTED);
	assert_int_equal(h.retries, 2);
	assert_int_equal(h.next_test, T0 + 1900);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 0, 0, 0, 0, 0, 0);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0 + 1899, &got, &h), RB_ENOENT);
	assert_int_equal(db_next_due(f->db, T0 + 1900, &got, &h), RB_OK);
	db_read_end(f->db);
	/* A conclusive test ends the back-off. */
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0 + 1900,
	    T0 + 9000, &h), RB_OK);
	assert_int_equal(h.retries, 0);
}

static void
test_retest_request(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), m = A("192.0.2.4"), got;
	struct host	 h;
	int64_t		 after = 0;

	assert_int_equal(db_request_retest(f->db, &a, T0, 3600, &after, &h),
	    RB_ENOENT);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0, T0 + 86400,
	    NULL), RB_OK);
	assert_int_equal(db_request_retest(f->db, &a, T0 + 10, 3600, &after,
	    &h), RB_OK);
	assert_int_equal(h.queue, DUE_RETEST);
	assert_int_equal(h.next_test, T0 + 10);
	assert_int_equal(h.retest_at, T0 + 10);
	assert_int_equal(db_request_retest(f->db, &a, T0 + 610, 3600, &after,
	    NULL), RB_EAGAIN);
	assert_int_equal(after, 3000);
	assert_int_equal(db_request_retest(f->db, &a, T0 + 3610, 3600, &after,
	    NULL), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0 + 3610, &got, &h), RB_OK);
	db_read_end(f->db);
	assert_int_equal(h.queue, DUE_RETEST);

	/* An owner cannot retest away a listing the operator made. */
	assert_int_equal(db_operator_list(f->db, &m, 4, NULL, T0, NULL), RB_OK);
	assert_int_equal(db_request_retest(f->db, &m, T0, 3600, NULL, NULL),
	    RB_ESTATE);
	assert_int_equal(db_exclude(f->db, &m, NULL, T0, NULL), RB_OK);
	assert_int_equal(db_request_retest(f->db, &m, T0, 3600, NULL, NULL),
	    RB_EEXCLUDED);
}

static void
test_queues_walk_in_order(void **state)
{
	struct fixture	*f = *state;
	struct addr	 rep = A("192.0.2.1"), ret = A("192.0.2.2");
	struct addr	 sch = A("192.0.2.3"), got;
	struct host	 h;

	assert_int_equal(db_confirm_open(f->db, &sch, CODE_OPEN, T0 - 100,
	    T0 - 50, NULL), RB_OK);
	assert_int_equal(db_confirm_open(f->db, &ret, CODE_OPEN, T0 - 100,
	    T0 + 9999, NULL), RB_OK);
	assert_int_equal(db_request_retest(f->db, &ret, T0 - 10, 3600, NULL,
	    NULL), RB_OK);
	assert_int_equal(db_report(f->db, &rep, NULL, T0, 3600, NULL, NULL),
	    RB_OK);

	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0, &got, &h), RB_OK);
	assert_memory_equal(got.a, rep.a, 16);
	db_read_end(f->db);
	assert_int_equal(db_confirm_closed(f->db, &rep, T0, true, NULL), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0, &got, &h), RB_OK);
	assert_memory_equal(got.a, ret.a, 16);
	db_read_end(f->db);
	assert_int_equal(db_confirm_closed(f->db, &ret, T0, true, NULL), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_next_due(f->db, T0, &got, &h), RB_OK);
	assert_memory_equal(got.a, sch.a, 16);
	db_read_end(f->db);
}

static int
collect_due(void *arg, const struct addr *a, const struct host *h)
{
	char	*out = arg, s[ADDR_STRLEN];

	(void)h;
	if (out[0] != '\0')
		strcat(out, " ");
	strcat(out, addr_format(a, s));
	return 0;
}

static void
test_claim_and_walk_due(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), b = A("192.0.2.2");
	struct addr	 c = A("192.0.2.3");
	struct snap	 s0;
	char		 out[128] = "";

	assert_int_equal(db_report(f->db, &b, NULL, T0, 3600, NULL, NULL),
	    RB_OK);
	assert_int_equal(db_report(f->db, &a, NULL, T0 + 1, 3600, NULL, NULL),
	    RB_OK);
	assert_int_equal(db_confirm_open(f->db, &c, CODE_OPEN, T0, T0, NULL),
	    RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_walk_due(f->db, T0 + 1, collect_due, out), RB_OK);
	db_read_end(f->db);
	/* Reports first, oldest first; then the scheduled retest. */
	assert_string_equal(out, "192.0.2.2 192.0.2.1 192.0.2.3");

	/* A claimed host is not due again until its claim runs out. */
	s0 = snap(f->db);
	assert_int_equal(db_claim(f->db, &b, T0 + 1, T0 + 600), RB_OK);
	assert_moved(&s0, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
	out[0] = '\0';
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_walk_due(f->db, T0 + 1, collect_due, out), RB_OK);
	db_read_end(f->db);
	assert_string_equal(out, "192.0.2.1 192.0.2.3");
	assert_int_equal(db_confirm_closed(f->db, &c, T0, true, NULL), RB_OK);
	assert_int_equal(db_claim(f->db, &c, T0, T0 + 600), RB_ESTATE);
}

/* ---- the operator ----------------------------------------------------- */

static int
count_evidence(void *arg, const struct evidence *e)
{
	int	*n = arg;

	(void)e;
	(*n)++;
	return 0;
}

static void
test_operator_list_and_delist(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1");
	struct snap	 s0 = snap(f->db), s1;
	struct host	 h;

	assert_int_equal(db_operator_list(f->db, &a, 1, NULL, T0, NULL),
	    RB_ERANGE);
	assert_int_equal(db_operator_list(f->db, &a, 255, NULL, T0, NULL),
	    RB_ERANGE);
	assert_moved(&s0, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);

	assert_int_equal(db_operator_list(f->db, &a, 4, "spam trap hit", T0,
	    &h), RB_OK);
	assert_true(h.flags & HOST_F_MANUAL);
	assert_int_equal(h.queue, DUE_NONE);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, 1, 0, 1, 1, 1);
	assert_journal(f->db, s1.st.serial, "+4 192.0.2.1");

	/* The same listing again changes nothing DNS sees. */
	s0 = s1;
	assert_int_equal(db_operator_list(f->db, &a, 4, NULL, T0 + 1, NULL),
	    RB_OK);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 0, 0, 0, 0, 0, 1);

	/* A verifier run does not undo a listing made by hand. */
	assert_int_equal(db_confirm_closed(f->db, &a, T0 + 2, true, &h), RB_OK);
	assert_int_equal(h.state, HOST_LISTED);

	s0 = snap(f->db);
	assert_int_equal(db_operator_delist(f->db, &a, "fixed", T0 + 3, &h),
	    RB_OK);
	assert_int_equal(h.state, HOST_DELISTED);
	assert_false(h.flags & HOST_F_MANUAL);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, -1, 0, 1, 0, 1);
	assert_int_equal(db_operator_delist(f->db, &a, NULL, T0 + 4, NULL),
	    RB_ENOENT);
	assert_moved(&s1, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
}

static void
test_exclude(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1");
	struct snap	 s0, s1;
	struct host	 h;
	bool		 queued;

	assert_int_equal(db_report(f->db, &a, NULL, T0, 3600, NULL, NULL),
	    RB_OK);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0, T0 + 100,
	    NULL), RB_OK);
	s0 = snap(f->db);
	assert_int_equal(db_exclude(f->db, &a, "our own test host", T0, &h),
	    RB_OK);
	assert_int_equal(h.state, HOST_EXCLUDED);
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, -1, -1, 1, 0, 1);
	assert_journal(f->db, s1.st.serial, "-2 192.0.2.1");

	/* Excluded: reports and verdicts bounce off without a change. */
	assert_int_equal(db_report(f->db, &a, NULL, T0, 0, &queued, NULL),
	    RB_EEXCLUDED);
	assert_int_equal(db_confirm_open(f->db, &a, CODE_OPEN, T0, T0, NULL),
	    RB_EEXCLUDED);
	assert_int_equal(db_confirm_closed(f->db, &a, T0, true, NULL),
	    RB_EEXCLUDED);
	assert_int_equal(db_defer(f->db, &a, T0, T0, NULL), RB_EEXCLUDED);
	assert_moved(&s1, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);

	/* del lifts the exclusion. */
	assert_int_equal(db_operator_delist(f->db, &a, NULL, T0, &h), RB_OK);
	assert_int_equal(h.state, HOST_CLEAN);
	assert_int_equal(db_report(f->db, &a, NULL, T0, 0, &queued, NULL),
	    RB_OK);
	assert_true(queued);
}

static void
test_import_is_one_change(void **state)
{
	struct fixture	*f = *state;
	struct addr	 addrs[100], x = A("10.0.0.5");
	uint8_t		 codes[100];
	struct snap	 s0, s1;
	size_t		 i, changed, excluded;

	for (i = 0; i < 100; i++) {
		addr_from_v4(&addrs[i], 0x0a000000 + (uint32_t)i);
		codes[i] = i % 2 ? 2 : 4;
	}
	assert_int_equal(db_exclude(f->db, &x, NULL, T0, NULL), RB_OK);
	assert_int_equal(db_operator_list(f->db, &addrs[7], 2, NULL, T0, NULL),
	    RB_OK);
	s0 = snap(f->db);

	/* One bad code: nothing is imported. */
	codes[50] = 1;
	assert_int_equal(db_import(f->db, addrs, codes, 100, T0, &changed,
	    &excluded), RB_ERANGE);
	assert_moved(&s0, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
	codes[50] = 4;

	assert_int_equal(db_import(f->db, addrs, codes, 100, T0, &changed,
	    &excluded), RB_OK);
	assert_int_equal(excluded, 1);		/* 10.0.0.5 */
	assert_int_equal(changed, 98);		/* and 10.0.0.7 was there */
	s1 = snap(f->db);
	assert_moved(&s0, &s1, 1, 98, 0, 1, 98, 0);
	assert_int_equal(s1.st.by_state[HOST_EXCLUDED], 1);

	/* Imported again: no change, no serial. */
	assert_int_equal(db_import(f->db, addrs, codes, 100, T0 + 1, &changed,
	    NULL), RB_OK);
	assert_int_equal(changed, 0);
	assert_moved(&s1, &(struct snap){ snap(f->db).st }, 0, 0, 0, 0, 0, 0);
}

static void
test_evidence_is_bounded(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1"), b = A("192.0.2.2");
	char		*big, line[32];
	int		 i, n = 0;

	assert_non_null(big = malloc(EVIDENCE_MAX * 2));
	memset(big, 'x', EVIDENCE_MAX * 2);
	for (i = 0; i < EVIDENCE_KEEP + 8; i++) {
		snprintf(line, sizeof(line), "run %d", i);
		/* Several in one second: all kept, in order. */
		assert_int_equal(db_add_evidence(f->db, &a, T0 + i / 4,
		    EVIDENCE_TEST, 1, line, strlen(line)), RB_OK);
	}
	assert_int_equal(db_add_evidence(f->db, &b, T0, EVIDENCE_TEST, 1, big,
	    EVIDENCE_MAX * 2), RB_OK);
	free(big);

	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_walk_evidence(f->db, &a, count_evidence, &n),
	    RB_OK);
	db_read_end(f->db);
	assert_int_equal(n, EVIDENCE_KEEP);
	n = 0;
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_walk_evidence(f->db, &b, count_evidence, &n),
	    RB_OK);
	db_read_end(f->db);
	assert_int_equal(n, 1);
}

struct first_text {
	char	text[32];
	size_t	len;
};

static int
first_text(void *arg, const struct evidence *e)
{
	struct first_text	*t = arg;

	t->len = e->textlen;
	snprintf(t->text, sizeof(t->text), "%.*s", (int)e->textlen, e->text);
	return 1;
}

static void
test_evidence_keeps_newest(void **state)
{
	struct fixture		*f = *state;
	struct addr		 a = A("192.0.2.1"), b = A("192.0.2.2");
	struct first_text	 t;
	char			 line[32];
	int			 i;

	for (i = 0; i < EVIDENCE_KEEP + 3; i++) {
		snprintf(line, sizeof(line), "run %d", i);
		assert_int_equal(db_add_evidence(f->db, &a, T0, EVIDENCE_TEST,
		    1, line, strlen(line)), RB_OK);
	}
	assert_int_equal(db_add_evidence(f->db, &b, T0, EVIDENCE_TEST, 1,
	    line, 0), RB_OK);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	assert_int_equal(db_walk_evidence(f->db, &a, first_text, &t), 1);
	assert_string_equal(t.text, "run 3");
	assert_int_equal(db_walk_evidence(f->db, &b, first_text, &t), 1);
	assert_int_equal(t.len, 0);
	db_read_end(f->db);
}

static void
test_full_map_grows(void **state)
{
	struct fixture	*f = *state;
	struct addr	*addrs;
	uint8_t		*codes;
	struct snap	 s;
	size_t		 i, n = 50000, before;

	/* Reopen on a 1 MiB map: far too small for the batch below. */
	db_close(f->db);
	assert_int_equal(db_open(f->dir, 0, 1 << 20, &f->db), RB_OK);
	before = db_mapsize(f->db);
	assert_non_null(addrs = calloc(n, sizeof(*addrs)));
	assert_non_null(codes = malloc(n));
	for (i = 0; i < n; i++) {
		addr_from_v4(&addrs[i], 0x0b000000 + (uint32_t)i * 7);
		codes[i] = 2;
	}
	assert_int_equal(db_import(f->db, addrs, codes, n, T0, NULL, NULL),
	    RB_OK);
	assert_true(db_mapsize(f->db) > before);
	s = snap(f->db);
	assert_int_equal(s.st.listed, n);
	assert_int_equal(s.st.by_state[HOST_LISTED], n);
	free(addrs);
	free(codes);
}

static int
count_journal(void *arg, uint32_t serial, int64_t time,
    const struct journal_op *ops, size_t nops)
{
	uint32_t	*last = arg;

	(void)time;
	(void)ops;
	(void)nops;
	assert_true(serial > *last);
	*last = serial;
	return 0;
}

static void
test_journal_walk_and_bound(void **state)
{
	struct fixture	*f = *state;
	struct addr	 a = A("192.0.2.1");
	struct snap	 s;
	uint32_t	 last = 0;
	int		 i;

	for (i = 0; i < 10; i++) {
		assert_int_equal(db_operator_list(f->db, &a, 2 + i % 2, NULL,
		    T0 + i, NULL), RB_OK);
	}
	s = snap(f->db);
	assert_int_equal(s.st.serial, 11);
	assert_int_equal(s.st.journal, 10);
	assert_int_equal(db_read_begin(f->db), RB_OK);
	last = 5;
	assert_int_equal(db_walk_journal(f->db, 5, count_journal, &last),
	    RB_OK);
	assert_int_equal(last, 11);
	last = 11;
	assert_int_equal(db_walk_journal(f->db, 11, count_journal, &last),
	    RB_OK);
	assert_int_equal(last, 11);
	db_read_end(f->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_new_store_is_empty),
		T(test_reopen_keeps_everything),
		T(test_newer_schema_is_refused),
		T(test_corrupt_record_is_reported),
		T(test_report_new_host_is_pending_and_due),
		T(test_confirm_open_lists_and_journals),
		T(test_confirm_open_of_unknown_exit),
		T(test_confirm_closed_delists),
		T(test_clean_host_cools_down),
		T(test_defer_keeps_listing),
		T(test_retest_request),
		T(test_queues_walk_in_order),
		T(test_claim_and_walk_due),
		T(test_operator_list_and_delist),
		T(test_exclude),
		T(test_import_is_one_change),
		T(test_evidence_is_bounded),
		T(test_evidence_keeps_newest),
		T(test_full_map_grows),
		T(test_journal_walk_and_bound),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
