/* SPDX-License-Identifier: ISC */
/*
 * test_concurrency.c -- two writer processes and a reader on one store
 *
 * The writers list addresses as fast as the store takes them, starting
 * from a map far too small so that they also grow it under each other
 * and under the reader. Each writer reports how many listings the store
 * acknowledged; afterwards every acknowledged one must be there, and the
 * serial must count exactly those changes. The reader checks that every
 * snapshot it sees is consistent (what DNS serves is exactly the hosts
 * in state listed) and that the list never goes back in time. Each
 * process opens the store itself after fork(), as LMDB requires.
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"

#define SECONDS		3
#define WRITERS		2

static double
clock_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct addr
writer_addr(int w, uint32_t i)
{
	struct addr	a;

	addr_from_v4(&a, (uint32_t)(10 + w) << 24 | i);
	return a;
}

/* List addresses until time runs out; write the count acknowledged. */
static int
writer(const char *dir, int w, int fd)
{
	struct db	*db;
	struct addr	 a;
	uint32_t	 acked = 0;
	double		 end = clock_now() + SECONDS;

	if (db_open(dir, 0, 1 << 20, &db) != RB_OK)
		return 2;
	while (clock_now() < end) {
		a = writer_addr(w, acked);
		if (db_operator_list(db, &a, CODE_OPEN + w, NULL, 1700000000,
		    NULL) != RB_OK)
			break;
		acked++;
	}
	db_close(db);
	return write(fd, &acked, sizeof(acked)) == sizeof(acked) ? 0 : 3;
}

/* Every snapshot is consistent and no older than the one before. */
static int
reader(const char *dir, int fd)
{
	struct db	*db = NULL;
	struct db_stats	 st;
	uint64_t	 last_listed = 0;
	uint32_t	 last_serial = 0, snaps = 0;
	double		 end = clock_now() + SECONDS;

	/* The writers create the store; wait for it. */
	while (db_open(dir, DB_RDONLY, 0, &db) != RB_OK)
		if (clock_now() > end)
			return 2;
		else
			usleep(1000);
	while (clock_now() < end) {
		if (db_read_begin(db) != RB_OK || db_stats(db, &st) != RB_OK)
			return 3;
		db_read_end(db);
		if (st.listed != st.by_state[HOST_LISTED] ||
		    st.listed != st.hosts || st.serial < last_serial ||
		    st.listed < last_listed || st.serial != st.listed + 1)
			return 4;
		last_serial = st.serial;
		last_listed = st.listed;
		snaps++;
	}
	db_close(db);
	return write(fd, &snaps, sizeof(snaps)) == sizeof(snaps) ? 0 : 5;
}

static void
test_writers_and_reader(void **state)
{
	char		 dir[] = "/tmp/relaybl-test-conc.XXXXXX", cmd[64];
	int		 fds[WRITERS + 1][2], i, status;
	pid_t		 pids[WRITERS + 1];
	uint32_t	 acked[WRITERS], snaps, j;
	struct db	*db;
	struct db_stats	 st;
	struct listing	 l;
	struct addr	 a;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i <= WRITERS; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		if ((pids[i] = fork()) == 0)
			_exit(i < WRITERS ? writer(dir, i, fds[i][1]) :
			    reader(dir, fds[i][1]));
		assert_true(pids[i] > 0);
		close(fds[i][1]);
	}
	for (i = 0; i <= WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("%s %d failed with status %d",
			    i < WRITERS ? "writer" : "reader", i, status);
		assert_int_equal(read(fds[i][0], i < WRITERS ? &acked[i] :
		    &snaps, 4), 4);
		close(fds[i][0]);
	}
	print_message("acknowledged %u + %u listings, reader saw %u "
	    "snapshots\n", acked[0], acked[1], snaps);
	assert_true(acked[0] > 0 && acked[1] > 0 && snaps > 0);

	assert_int_equal(db_open(dir, DB_RDONLY, 0, &db), RB_OK);
	assert_int_equal(db_read_begin(db), RB_OK);
	assert_int_equal(db_stats(db, &st), RB_OK);
	assert_int_equal(st.listed, acked[0] + acked[1]);
	assert_int_equal(st.serial, 1 + acked[0] + acked[1]);
	for (i = 0; i < WRITERS; i++)
		for (j = 0; j < acked[i]; j++) {
			a = writer_addr(i, j);
			assert_int_equal(db_get_listing(db, &a, &l), RB_OK);
			assert_int_equal(l.code, CODE_OPEN + i);
		}
	db_read_end(db);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writers_and_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
