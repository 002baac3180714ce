/* SPDX-License-Identifier: ISC */
/*
 * config.h -- the one configuration file every relaybl program reads
 *
 * An INI file (parsed by inih) with the sections [store], [policy],
 * [dns], [http], [verify] and one [zone NAME] per served zone. Every
 * program parses the whole file, so a mistake anywhere is found by
 * whichever program starts first, before it touches the store.
 */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H

#include <sys/socket.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define CONF_MAXLISTEN	16
#define CONF_MAXPREFIX	64
#define CONF_MAXZONES	8
#define CONF_NAMELEN	256	/* a domain name in text, with its NUL */
#define CONF_TEXTLEN	256	/* one TXT string, with its NUL */

/* Where a daemon listens. */
struct listen_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 text[ADDR_STRLEN + 8];	/* as written */
};

struct listen_list {
	struct listen_addr	 a[CONF_MAXLISTEN];
	size_t			 n;
};

struct prefix_list {
	struct prefix		 p[CONF_MAXPREFIX];
	size_t			 n;
};

struct zone_conf {
	char		 name[CONF_NAMELEN];	/* lower case, no final dot */
	char		 file[PATH_MAX];	/* the apex as a master file */
	char		 txt[CONF_TEXTLEN];	/* TXT template */
	uint32_t	 ttl;			/* of A and TXT answers */
	uint8_t		 codes[32];		/* bit N: serves 127.0.0.N */
};

struct config {
	char		 path[PATH_MAX];	/* the file read */

	/* [store] */
	char		 store_path[PATH_MAX];
	size_t		 map_size;

	/* [policy] */
	int64_t		 retest_interval;	/* listed hosts retested */
	int64_t		 clean_cooldown;	/* before a clean host retests */
	int64_t		 retest_min_interval;	/* between owner requests */
	struct prefix_list allow;		/* special ranges allowed */

	/* [dns] */
	struct listen_list dns_listen;
	unsigned int	 dns_threads;
	unsigned int	 dns_tcp_max;		/* connections at once */
	int64_t		 dns_tcp_idle;		/* close after this idle */
	int64_t		 dns_tcp_lifetime;	/* close after this long */

	/* [http] */
	struct listen_list http_listen;
	char		 operator_key_file[PATH_MAX];	/* or "" */
	char		 api_keys_file[PATH_MAX];	/* or "" */
	size_t		 http_max_body;
	unsigned int	 http_conn_limit;
	unsigned int	 http_per_ip_limit;
	int64_t		 http_timeout;
	unsigned int	 report_rate;		/* per client and hour */
	unsigned int	 report_burst;
	unsigned int	 key_report_rate;	/* with an API key */
	unsigned int	 key_report_burst;
	unsigned int	 retest_rate;		/* per client and hour */

	/* [verify] */
	struct listen_list canary_listen;
	char		 canary_domain[CONF_NAMELEN];
	char		 canary_address[ADDR_STRLEN];	/* or "": listen's */
	char		 helo_name[CONF_NAMELEN];
	char		 bounce_domain[CONF_NAMELEN];
	char		 contact[CONF_TEXTLEN];
	unsigned int	 verify_port;
	int64_t		 connect_timeout;
	int64_t		 greeting_timeout;
	int64_t		 command_timeout;
	int64_t		 data_timeout;
	int64_t		 budget;		/* a whole test, at most */
	int64_t		 wait;			/* for arrivals after it */
	unsigned int	 max_tests;		/* at once, in all */
	unsigned int	 per_net;		/* at once, per /24 or /48 */
	unsigned int	 probes_per_connection;
	int64_t		 retry_base;		/* back-off when inconclusive */
	unsigned int	 retry_max;		/* then: did not relay */

	/* [zone NAME] */
	struct zone_conf zones[CONF_MAXZONES];
	size_t		 nzones;
};

/*
 * Read the configuration file path into *conf, starting from the
 * defaults. Relative paths in the file are taken from the file's own
 * directory.
 * @param err: on failure, a message "FILE:LINE: what was expected".
 * @return RB_OK, RB_EINVAL for a bad file (err says why), or -errno
 *	when it cannot be read.
 */
int	 config_load(const char *path, struct config *conf, char *err,
	    size_t errlen);

/* Set *conf to the built-in defaults (no zones, nothing to listen on). */
void	 config_defaults(struct config *conf);

/*
 * Parse "ADDR:PORT", "[ADDR6]:PORT" into *la.
 * @return RB_OK or RB_EINVAL.
 */
int	 config_parse_listen(const char *s, struct listen_addr *la);

/*
 * Parse a duration: a number of seconds, or a number followed by s, m,
 * h, d or w.
 * @return RB_OK or RB_EINVAL.
 */
int	 config_parse_duration(const char *s, int64_t *out);

/* Parse a size: bytes, or a number followed by K, M, G or T (1024). */
int	 config_parse_size(const char *s, size_t *out);

#endif /* RB_CONFIG_H */
