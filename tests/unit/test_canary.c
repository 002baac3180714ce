/* SPDX-License-Identifier: ISC */
/*
 * test_canary.c -- the canary's SMTP protocol, driven over loopback
 *
 * What a relay may hand the canary and what the canary makes of it: a
 * token in the recipient, subject or body, forged tokens, bounces and
 * delivery reports that prove nothing, recipients it will not take, HELO
 * and EHLO, the order of commands, dot-stuffing and pipelining. The
 * canary runs in a second thread and a blocking client talks to it from
 * the test thread (canary_client.c). The limits and hostile clients are
 * in test_canary_limits.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify.h"

#include "canary_client.h"

#define MSG_MAXSIZE	(256 * 1024)

/* ---- arrivals ------------------------------------------------------------ */

static void
test_token_in_recipient(void **state)
{
	char	to[128];
	int	fd = hello(*state);

	snprintf(to, sizeof(to), "%s@canary.test", tok(3).s);
	assert_int_equal(mail(fd, "s@bounce.test", to,
	    "Subject: test\r\n\r\nnothing here\r\n"), 250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 3, "client.test");
}

static void
test_token_in_subject(void **state)
{
	char	text[256];
	int	fd = hello(*state);

	snprintf(text, sizeof(text), "Subject: relay test %s\r\n\r\nhi\r\n",
	    tok(4).s);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", text),
	    250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 4, "client.test");
}

static void
test_token_in_body(void **state)
{
	char	text[256];
	int	fd = hello(*state);

	snprintf(text, sizeof(text), "Subject: x\r\n\r\nline\r\ntoken "
	    "%s here\r\n", tok(5).s);
	/* a relay may change the case */
	for (char *p = strstr(text, "rbl-"); *p != ' '; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_int_equal(mail(fd, "s@bounce.test", "U@Canary.Test", text),
	    250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 5, "client.test");
}

static void
test_first_token_wins(void **state)
{
	char	to[128], text[256];
	int	fd = hello(*state);

	snprintf(to, sizeof(to), "%s@canary.test", tok(6).s);
	snprintf(text, sizeof(text), "Subject: %s\r\n\r\n%s\r\n", tok(7).s,
	    tok(1).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, text), 250);
	snprintf(text, sizeof(text), "Received: %s\r\nMessage-ID: <%s@x>\r\n"
	    "\r\n%s\r\n", tok(1).s, tok(2).s, tok(0).s);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", text),
	    250);
	bye(fd);
	assert_int_equal(count(), 2);
	check_arrival(0, 6, "client.test");
	check_arrival(1, 2, "client.test");
}

static void
test_forged_token(void **state)
{
	uint8_t		other[TOKEN_KEYLEN];
	struct token	t;
	char		to[128], text[256];
	int		fd = hello(*state);

	/* a MAC digit changed */
	snprintf(to, sizeof(to), "%s@canary.test", tok(3).s);
	to[TOKEN_LEN - 1] = to[TOKEN_LEN - 1] == '0' ? '1' : '0';
	assert_int_equal(mail(fd, "s@bounce.test", to, "Subject: x\r\n\r\n"),
	    250);
	/* made with another key */
	memset(other, 0x5a, sizeof(other));
	token_make(other, &target, 3, T0, &t);
	snprintf(text, sizeof(text), "Subject: %s\r\n\r\n%s\r\n", t.text,
	    t.text);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", text),
	    250);
	bye(fd);
	assert_int_equal(count(), 0);
}

/* ---- what proves nothing ------------------------------------------------- */

static void
test_bounce(void **state)
{
	char	to[128], text[512];
	int	fd = hello(*state);

	snprintf(to, sizeof(to), "%s@canary.test", tok(2).s);
	snprintf(text, sizeof(text), "Subject: Undelivered Mail %s\r\n\r\n"
	    "your message to %s bounced\r\n", tok(2).s, tok(2).s);
	assert_int_equal(mail(fd, "", to, text), 250);
	bye(fd);
	assert_int_equal(count(), 0);
}

static void
test_report(void **state)
{
	char	text[1024];
	int	fd = hello(*state);

	/* folded, in capitals, not the first header */
	snprintf(text, sizeof(text), "From: MAILER-DAEMON@relay.test\r\n"
	    "CONTENT-type:\r\n\tMultipart/REPORT; report-type=delivery-status;"
	    "\r\n boundary=\"b\"\r\nSubject: failure %s\r\n\r\n--b\r\n"
	    "\r\n%s\r\n--b--\r\n", tok(1).s, tok(1).s);
	assert_int_equal(mail(fd, "postmaster@relay.test", "u@canary.test",
	    text), 250);
	assert_int_equal(count(), 0);
	/* a report inside the body is not a report of ours */
	snprintf(text, sizeof(text), "Content-Type: multipart/mixed; "
	    "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: multipart/report\r\n"
	    "\r\n%s\r\n--b--\r\n", tok(1).s);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", text),
	    250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 1, "client.test");
}

static void
test_relay_denied(void **state)
{
	static const char *const denied[] = {
		"%s@example.com", "%s@canary.test@example.com",
		"\"%s@canary.test\"@example.com", "%s%%canary.test@example.com",
		"%s", "%s@[127.0.0.2]", "%s@[192.0.2.26]", "%s@canary.test.x",
		"%s@xcanary.test", "%s@[IPv6:::2]", "%s@[garbage]",
	};
	static const char *const taken[] = {
		"%s@CANARY.TEST", "%s@canary.test.", "%s@[127.0.0.1]",
		"%s@[192.0.2.25]", "@relay.test,@[IPv6:::1]:%s@canary.test",
		"\"%s\"@canary.test",
	};
	char	to[256];
	size_t	i;
	int	fd = hello(*state);

	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		snprintf(to, sizeof(to), denied[i], tok(1).s);
		assert_int_equal(cmd(fd, "RCPT TO:<%s>", to), 550);
	}
	assert_int_equal(cmd(fd, "DATA"), 503);
	assert_int_equal(cmd(fd, "RSET"), 250);
	/* the error count is per connection: start another */
	bye(fd);
	fd = hello(*state);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 250);
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		snprintf(to, sizeof(to), taken[i], tok((int)i).s);
		assert_int_equal(cmd(fd, "RCPT TO:<%s>", to), 250);
	}
	assert_int_equal(cmd(fd, "RSET"), 250);
	bye(fd);
	assert_int_equal(count(), 0);
}

/* ---- the protocol -------------------------------------------------------- */

static void
test_helo(void **state)
{
	char	to[128], buf[256];
	int	fd = dial(*state);

	assert_int_equal(get(fd, NULL, 0), 220);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 503);
	assert_int_equal(cmd(fd, "HELO"), 501);
	put(fd, "helo old.client.test\r\n", 22);
	assert_int_equal(get(fd, buf, sizeof(buf)), 250);
	assert_string_equal(buf, "250 canary.test\r\n");
	snprintf(to, sizeof(to), "%s@canary.test", tok(7).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, "\r\nbody\r\n"), 250);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 7, "old.client.test");
}

static void
test_sequence(void **state)
{
	int	fd = dial(*state);

	assert_int_equal(get(fd, NULL, 0), 220);
	assert_int_equal(cmd(fd, "RCPT TO:<u@canary.test>"), 503);
	assert_int_equal(cmd(fd, "DATA"), 503);
	assert_int_equal(cmd(fd, "NOOP"), 250);
	assert_int_equal(cmd(fd, "ehlo client.test"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<u@canary.test>"), 503);
	assert_int_equal(cmd(fd, "mail from:<s@bounce.test> SIZE=1000 "
	    "BODY=8BITMIME"), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test>"), 503);
	assert_int_equal(cmd(fd, "DATA"), 503);
	assert_int_equal(cmd(fd, "RCPT TO:u@canary.test"), 250);
	assert_int_equal(cmd(fd, "DATA now"), 501);
	assert_int_equal(cmd(fd, "RSET"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<u@canary.test>"), 503);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test> SIZE=262145"),
	    552);
	assert_int_equal(cmd(fd, "MAIL FROM:<s@bounce.test"), 501);
	assert_int_equal(cmd(fd, "MAIL TO:<s@bounce.test>"), 501);
	assert_int_equal(cmd(fd, "MAIL FROM:<\"s>\"@bounce.test>"), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<>"), 501);
	assert_int_equal(cmd(fd, "VRFY postmaster"), 252);
	assert_int_equal(cmd(fd, "EXPN list"), 502);
	assert_int_equal(cmd(fd, "STARTTLS"), 502);
	assert_int_equal(cmd(fd, "XYZZY"), 500);
	assert_int_equal(cmd(fd, ""), 500);
	/* an empty message, and one of only a line */
	assert_int_equal(cmd(fd, "RSET"), 250);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", ""), 250);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test", "x\r\n"),
	    250);
	bye(fd);
	assert_int_equal(count(), 0);
}

static void
test_dot_stuffing(void **state)
{
	char	*text, sub[128];
	size_t	 len, hlen, k, r, i;
	int	 fd = hello(*state);

	/* "." alone ends the message; "..", ". " and ".x" do not */
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test",
	    "Subject: dots\r\n\r\n..\r\n. \r\n.x\r\n...\r\nline\r\n"), 250);
	assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test",
	    "Subject: x\r\n\r\n..\r\n"), 250);
	assert_int_equal(count(), 0);
	/*
	 * Exactly the size limit once unstuffed, but more on the wire: the
	 * limit is on what the message is, so it is taken; a byte more is not.
	 */
	snprintf(sub, sizeof(sub), "Subject: %s\r\n\r\n", tok(2).s);
	hlen = strlen(sub);
	k = (MSG_MAXSIZE - hlen - 2) / 99;
	r = MSG_MAXSIZE - hlen - k * 99;
	assert_true(r >= 2 && r < 900);
	text = malloc(hlen + k * 100 + r + 2);
	assert_non_null(text);
	for (i = 0; i < 2; i++) {
		memcpy(text, sub, hlen);
		len = hlen;
		for (size_t j = 0; j < k; j++) {
			memset(text + len, '.', 2);
			memset(text + len + 2, 'y', 96);
			memcpy(text + len + 98, "\r\n", 2);
			len += 100;
		}
		memset(text + len, 'z', r - 2 + i);
		len += r - 2 + i;
		memcpy(text + len, "\r\n", 3);
		assert_int_equal(mail(fd, "s@bounce.test", "u@canary.test",
		    text), i == 0 ? 250 : 552);
	}
	free(text);
	bye(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 2, "client.test");
}


static void
test_two_messages(void **state)
{
	char	to[128];
	int	fd = hello(*state);

	snprintf(to, sizeof(to), "%s@canary.test", tok(0).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, "\r\none\r\n"), 250);
	snprintf(to, sizeof(to), "%s@canary.test", tok(5).s);
	assert_int_equal(mail(fd, "s@bounce.test", to, "\r\ntwo\r\n"), 250);
	bye(fd);
	assert_int_equal(count(), 2);
	check_arrival(0, 0, "client.test");
	check_arrival(1, 5, "client.test");
}

static void
test_pipelining(void **state)
{
	char	batch[512];
	int	fd = hello(*state);

	snprintf(batch, sizeof(batch), "MAIL FROM:<s@bounce.test>\r\n"
	    "RCPT TO:<x@example.com>\r\nRCPT TO:<%s@canary.test>\r\n"
	    "DATA\r\n", tok(4).s);
	put(fd, batch, strlen(batch));
	assert_int_equal(get(fd, NULL, 0), 250);
	assert_int_equal(get(fd, NULL, 0), 550);
	assert_int_equal(get(fd, NULL, 0), 250);
	assert_int_equal(get(fd, NULL, 0), 354);
	put(fd, "Subject: p\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n", 35);
	assert_int_equal(get(fd, NULL, 0), 250);
	assert_int_equal(get(fd, NULL, 0), 250);
	assert_int_equal(get(fd, NULL, 0), 221);
	assert_int_equal(get(fd, NULL, 0), -1);
	close(fd);
	assert_int_equal(count(), 1);
	check_arrival(0, 4, "client.test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_in_recipient,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_in_subject,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_in_body,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_token_wins,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_token,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_denied,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_helo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_stuffing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_messages,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelining,
		    setup, teardown),
	};

	client_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
