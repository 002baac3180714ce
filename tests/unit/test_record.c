/* SPDX-License-Identifier: ISC */
/*
 * test_record.c -- the byte layout of hosts and listed values
 *
 * The encoding is a contract with stores written by other machines and
 * other versions: we pin its bytes, round-trip every field at its limits,
 * and check that a decoder refuses what it cannot read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

static struct host
sample(void)
{
	struct host	h = {
		.state = HOST_LISTED, .code = 3, .flags = HOST_F_MANUAL,
		.queue = DUE_SCHEDULED,
		.first_seen = 0x0102030405060708LL, .listed_at = 1700000000,
		.last_test = -1, .next_test = INT64_MAX, .last_report = 1,
		.retest_at = INT64_MIN, .closed_at = 42,
		.reports = 0xdeadbeef, .tests = 1,
		.retries = UINT32_MAX,
	};

	memset(h.submitter.a, 0xab, 16);
	return h;
}

static void
test_host_round_trip(void **state)
{
	struct host	h = sample(), out;
	uint8_t		buf[HOST_RECLEN];

	(void)state;
	record_encode_host(&h, buf);
	memset(&out, 0, sizeof(out));
	assert_int_equal(record_decode_host(buf, sizeof(buf), &out), RB_OK);
	assert_int_equal(out.state, h.state);
	assert_int_equal(out.code, h.code);
	assert_int_equal(out.flags, h.flags);
	assert_int_equal(out.queue, h.queue);
	assert_true(out.first_seen == h.first_seen);
	assert_true(out.listed_at == h.listed_at);
	assert_true(out.last_test == h.last_test);
	assert_true(out.next_test == h.next_test);
	assert_true(out.last_report == h.last_report);
	assert_true(out.retest_at == h.retest_at);
	assert_true(out.closed_at == h.closed_at);
	assert_int_equal(out.reports, h.reports);
	assert_int_equal(out.tests, h.tests);
	assert_int_equal(out.retries, h.retries);
	assert_memory_equal(out.submitter.a, h.submitter.a, 16);
}

/* The layout is fixed: version, big-endian fields, in this order. */
static void
test_host_bytes_are_pinned(void **state)
{
	struct host	h = sample();
	uint8_t		buf[HOST_RECLEN];
	const uint8_t	head[] = {
		RECORD_VERSION, HOST_LISTED, 3, HOST_F_MANUAL, DUE_SCHEDULED,
		1, 2, 3, 4, 5, 6, 7, 8,				/* first_seen */
		0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00,		/* listed_at */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* last_test */
	};
	const uint8_t	tail[] = {
		0xde, 0xad, 0xbe, 0xef,				/* reports */
		0, 0, 0, 1,					/* tests */
		0xff, 0xff, 0xff, 0xff,				/* retries */
	};

	(void)state;
	record_encode_host(&h, buf);
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + HOST_RECLEN - 16 - sizeof(tail), tail,
	    sizeof(tail));
	assert_int_equal(buf[HOST_RECLEN - 1], 0xab);
}

static void
test_host_refuses_bad_input(void **state)
{
	struct host	h = sample(), out;
	uint8_t		buf[HOST_RECLEN + 1];

	(void)state;
	record_encode_host(&h, buf);
	assert_int_equal(record_decode_host(buf, 0, &out), RB_ECORRUPT);
	assert_int_equal(record_decode_host(buf, HOST_RECLEN - 1, &out),
	    RB_ECORRUPT);
	assert_int_equal(record_decode_host(buf, HOST_RECLEN + 1, &out),
	    RB_ECORRUPT);
	buf[0] = RECORD_VERSION + 1;
	assert_int_equal(record_decode_host(buf, HOST_RECLEN, &out),
	    RB_EVERSION);
	buf[0] = 0;
	assert_int_equal(record_decode_host(buf, HOST_RECLEN, &out),
	    RB_ECORRUPT);
	buf[0] = RECORD_VERSION;
	buf[1] = 0;		/* no such state */
	assert_int_equal(record_decode_host(buf, HOST_RECLEN, &out),
	    RB_ECORRUPT);
	buf[1] = HOST_EXCLUDED + 1;
	assert_int_equal(record_decode_host(buf, HOST_RECLEN, &out),
	    RB_ECORRUPT);
	buf[1] = HOST_PENDING;
	buf[4] = DUE_SCHEDULED + 1;	/* no such queue */
	assert_int_equal(record_decode_host(buf, HOST_RECLEN, &out),
	    RB_ECORRUPT);
}

static void
test_listing_round_trip_and_refusals(void **state)
{
	struct listing	l = { .code = 2, .listed_at = 1700000000 }, out;
	uint8_t		buf[LISTING_RECLEN];
	const uint8_t	want[] = { RECORD_VERSION, 2, 0, 0, 0, 0, 0x65, 0x53,
	    0xf1, 0x00 };

	(void)state;
	record_encode_listing(&l, buf);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(record_decode_listing(buf, sizeof(buf), &out), RB_OK);
	assert_int_equal(out.code, 2);
	assert_true(out.listed_at == l.listed_at);
	assert_int_equal(record_decode_listing(buf, 9, &out), RB_ECORRUPT);
	buf[1] = 1;		/* 127.0.0.1 is never listed */
	assert_int_equal(record_decode_listing(buf, sizeof(buf), &out),
	    RB_ECORRUPT);
	buf[1] = 255;
	assert_int_equal(record_decode_listing(buf, sizeof(buf), &out),
	    RB_ECORRUPT);
	buf[0] = RECORD_VERSION + 1;
	assert_int_equal(record_decode_listing(buf, sizeof(buf), &out),
	    RB_EVERSION);
}

static void
test_state_names(void **state)
{
	int	s;

	(void)state;
	for (s = HOST_PENDING; s <= HOST_EXCLUDED; s++)
		assert_int_equal(host_state_parse(host_state_name(s)), s);
	assert_null(host_state_name(0));
	assert_null(host_state_name(HOST_EXCLUDED + 1));
	assert_null(host_state_name(-1));
	assert_int_equal(host_state_parse("Listed"), -1);
	assert_int_equal(host_state_parse(""), -1);
	assert_string_equal(due_queue_name(DUE_RETEST), "retest");
	assert_string_equal(due_queue_name(99), "none");
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(rb_strerror(RB_OK), "success");
	assert_non_null(strstr(rb_strerror(RB_EVERSION), "newer"));
	assert_string_equal(rb_strerror(-EPERM), strerror(EPERM));
	assert_non_null(rb_strerror(12345));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_round_trip),
		cmocka_unit_test(test_host_bytes_are_pinned),
		cmocka_unit_test(test_host_refuses_bad_input),
		cmocka_unit_test(test_listing_round_trip_and_refusals),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
