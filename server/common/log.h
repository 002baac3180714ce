/* SPDX-License-Identifier: ISC */
/*
 * log.h -- logging for the relaybl programs
 *
 * The OpenBSD daemon set: log_init() chooses stderr (foreground, or under
 * systemd) or syslog, and the printf-checked calls below write one line
 * per message. log_warn() and fatal() append the text of errno; the x
 * variants do not. log_debug() is silent unless the verbosity is above 0.
 * None of these may be called from a signal handler.
 */

#ifndef RB_LOG_H
#define RB_LOG_H

/*
 * Set the program name written before every stderr line and used as the
 * syslog ident. Without it the name is the one the program was run as.
 * @param name: copied (up to 63 bytes); NULL restores the default.
 */
void	log_procinit(const char *name);

/*
 * Choose where messages go. Call once at startup, before the first
 * message if possible; until then messages go to stderr.
 * @param foreground: nonzero writes to stderr, zero opens syslog.
 * @param facility: syslog facility, e.g. LOG_DAEMON; unused on stderr.
 */
void	log_init(int foreground, int facility);

/*
 * Set the verbosity: 0 logs warnings and info, above 0 adds log_debug().
 */
void	log_setverbose(int verbose);

/*
 * @return the verbosity set by log_setverbose(), 0 by default.
 */
int	log_getverbose(void);

/*
 * Log a warning followed by ": " and strerror(errno). errno is preserved.
 */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Log a warning as it is. errno is preserved.
 */
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Log an informational message. errno is preserved.
 */
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Log a debug message, only when the verbosity is above 0. errno is
 * preserved.
 */
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Log a message followed by ": " and strerror(errno), then exit(1).
 * Only for startup, before the program serves requests.
 */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Log a message as it is, then exit(1). Only for startup.
 */
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* RB_LOG_H */
