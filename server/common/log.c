/* SPDX-License-Identifier: ISC */
/*
 * log.c -- one-line messages to stderr or syslog
 *
 * Every message is formatted into a buffer on the caller's stack and
 * leaves in one piece: a single write(2) of "progname: message\n" on
 * stderr, or a single syslog(3) call. Several daemons started together
 * (make run) share one terminal, and a line written in one call does not
 * interleave with theirs; the buffer is no larger than PIPE_BUF, so the
 * guarantee also holds when stderr is a pipe. No state changes after
 * log_init(), so worker threads may log too. errno is saved on entry and
 * restored on return: a log_warn() between a failing call and the code
 * that inspects errno changes nothing.
 */

#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE	200809L	/* strerror_r, tzset */
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#ifndef PIPE_BUF
#define PIPE_BUF	512
#endif

#define LOG_MAXLINE	(PIPE_BUF < 4096 ? PIPE_BUF : 4096)
#define LOG_NAMELEN	64
#define LOG_ELLIPSIS	"..."

static char	 log_name[LOG_NAMELEN];
static int	 log_stderr = 1;
static int	 log_syslog_open;
static int	 log_facility = LOG_DAEMON;
static int	 log_verbose;

static void	 log_emit(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static const char *
default_name(void)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	if (program_invocation_short_name != NULL &&
	    program_invocation_short_name[0] != '\0')
		return program_invocation_short_name;
#endif
	return "relaybl";
}

static const char *
procname(void)
{
	return log_name[0] != '\0' ? log_name : default_name();
}

void
log_procinit(const char *name)
{
	if (name == NULL)
		log_name[0] = '\0';
	else
		snprintf(log_name, sizeof(log_name), "%s", name);
	/* openlog() keeps the pointer; reopen so the new ident is used. */
	if (log_syslog_open) {
		closelog();
		openlog(procname(), LOG_PID | LOG_NDELAY, log_facility);
	}
}

void
log_init(int foreground, int facility)
{
	int	 saved = errno;

	log_stderr = foreground != 0;
	log_facility = facility;
	if (log_stderr) {
		if (log_syslog_open) {
			closelog();
			log_syslog_open = 0;
		}
	} else {
		/* Load the time zone now: syslog stamps need it after chroot. */
		tzset();
		openlog(procname(), LOG_PID | LOG_NDELAY, facility);
		log_syslog_open = 1;
	}
	errno = saved;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/*
 * Text for an errno value, without strerror()'s shared buffer: the
 * daemons log from several threads.
 */
static const char *
errno_text(int errnum, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(errnum, buf, len);
#else
	if (strerror_r(errnum, buf, len) != 0)
		snprintf(buf, len, "error %d", errnum);
	return buf;
#endif
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;		/* nowhere left to report it */
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Format one message and send it. errnum >= 0 appends its text. The
 * caller saves and restores errno.
 */
static void
log_emit(int pri, int errnum, const char *fmt, va_list ap)
{
	char	 line[LOG_MAXLINE];
	char	 ebuf[128];
	size_t	 len = 0, start, max = sizeof(line) - 1;	/* room for '\n' */
	int	 n, cut = 0;

	if (log_stderr) {
		n = snprintf(line, max + 1, "%s: ", procname());
		if (n < 0)
			n = 0;
		len = (size_t)n < max ? (size_t)n : max;
	}
	start = len;

	if (fmt != NULL && len < max) {
		n = vsnprintf(line + len, max + 1 - len, fmt, ap);
		if (n > 0) {
			if ((size_t)n > max - len)
				cut = 1;
			len = (size_t)n < max - len ? len + (size_t)n : max;
		}
	}

	if (errnum >= 0 && len < max) {
		n = snprintf(line + len, max + 1 - len, "%s%s",
		    len > start ? ": " : "",
		    errno_text(errnum, ebuf, sizeof(ebuf)));
		if (n > 0) {
			if ((size_t)n > max - len)
				cut = 1;
			len = (size_t)n < max - len ? len + (size_t)n : max;
		}
	}

	if (cut && len >= sizeof(LOG_ELLIPSIS) - 1)
		memcpy(line + len - (sizeof(LOG_ELLIPSIS) - 1), LOG_ELLIPSIS,
		    sizeof(LOG_ELLIPSIS) - 1);

	if (log_stderr) {
		line[len++] = '\n';
		write_all(STDERR_FILENO, line, len);
	} else {
		line[len] = '\0';
		syslog(pri, "%s", line);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_ERR, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_INFO, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (log_verbose <= 0)
		return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, -1, fmt, ap);
	va_end(ap);
	exit(1);
}
