/* SPDX-License-Identifier: ISC */
/*
 * db.h -- the relaybl store: error codes, addresses, records, LMDB
 *
 * Everything that touches the store goes through this header. Only the
 * files of db/ include <lmdb.h>; callers see RB_* codes, fixed-size
 * structs in host byte order and callbacks. Every state change of a host
 * is one write transaction that updates hosts, listed, due, journal and
 * the zone serial together, so that the store is never half-updated.
 */
#ifndef RB_DB_H
#define RB_DB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- error.c ---------------------------------------------------------- */

/*
 * Functions that return int return RB_OK or one of these. Where an errno
 * fits, the code is its negation, so that rb_strerror() can fall back on
 * strerror().
 */
#define RB_OK		0
#define RB_ENOENT	(-ENOENT)	/* no such host, key or entry */
#define RB_ENOMEM	(-ENOMEM)
#define RB_EINVAL	(-EINVAL)	/* a malformed argument or input */
#define RB_EEXIST	(-EEXIST)	/* already in that state */
#define RB_EAGAIN	(-EAGAIN)	/* too soon: try again later */
#define RB_ESPACE	(-ENOSPC)	/* the map cannot grow any more */
#define RB_EACCES	(-EACCES)	/* read-only store, or not permitted */
#define RB_ERANGE	(-ERANGE)	/* a value outside its range */
#define RB_EDB		(-10001)	/* LMDB failed in another way */
#define RB_ECORRUPT	(-10002)	/* a record that does not decode */
#define RB_EVERSION	(-10003)	/* written by a newer relaybl */
#define RB_EEXCLUDED	(-10004)	/* the operator excluded this host */
#define RB_ESTATE	(-10005)	/* not allowed in the host's state */

/* @return a static string describing code (any RB_* or -errno). */
const char	*rb_strerror(int code);

/* ---- addr.c ----------------------------------------------------------- */

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN: room for any format */

/*
 * An IPv4 or IPv6 address as its 16-byte store key: IPv6 in network
 * order, IPv4 as the mapped address ::ffff:a.b.c.d, so that one key
 * space holds both and an IPv4 host has exactly one key.
 */
struct addr {
	uint8_t	 a[16];
};

/*
 * A prefix of the 16-byte key space: IPv4 prefixes are stored mapped,
 * so 127.0.0.0/8 has len 104.
 */
struct prefix {
	struct addr	 addr;		/* host bits are zero */
	unsigned int	 len;		/* 0..128 */
};

/*
 * Parse an address strictly: IPv4 as exactly four dotted decimal
 * numbers 0..255 without leading zeros; IPv6 in RFC 4291 text form
 * (hex groups of 1..4 digits, at most one "::", an optional trailing
 * dotted IPv4). No surrounding space, no zone index, no prefix.
 * @param s: the text, not necessarily NUL-terminated.
 * @param len: its length in bytes.
 * @return RB_OK and *out set, or RB_EINVAL.
 */
int	 addr_parse(const char *s, size_t len, struct addr *out);

/* addr_parse() for a NUL-terminated string. */
int	 addr_parse_str(const char *s, struct addr *out);

/*
 * Parse "ADDR/LEN" (or a bare address as a host prefix). For IPv4, LEN
 * is 0..32 and is stored as 96 + LEN. Host bits must be zero.
 * @return RB_OK, or RB_EINVAL.
 */
int	 addr_parse_prefix(const char *s, struct prefix *out);

/*
 * The value of the hex digit c (either case), or -1: the address parser's
 * own, shared with the other parsers of hex (URL escapes, tokens).
 */
int	 addr_hexval(char c);

/* @return whether a is an IPv4 (mapped) address. */
bool	 addr_is_v4(const struct addr *a);

/* @return the IPv4 address in host byte order; a must be IPv4. */
uint32_t addr_v4(const struct addr *a);

/* Set *out to the IPv4 address v4 (host byte order). */
void	 addr_from_v4(struct addr *out, uint32_t v4);

/*
 * Write the canonical text of a: dotted decimal for IPv4, RFC 5952 for
 * IPv6 (lower case, no leading zeros, the longest run of two or more
 * zero groups shortened to "::", the first one on a tie).
 * @param buf: at least ADDR_STRLEN bytes.
 * @return buf.
 */
char	*addr_format(const struct addr *a, char *buf);

/* @return whether p covers a. */
bool	 prefix_contains(const struct prefix *p, const struct addr *a);

/*
 * Write p as "ADDR/LEN" in the family's own terms (127.0.0.0/8).
 * @param buf: at least ADDR_STRLEN + 4 bytes.
 */
char	*prefix_format(const struct prefix *p, char *buf);

/* ---- record.c --------------------------------------------------------- */

/*
 * The life of a host in the list. The numbers are stored: append only.
 */
enum host_state {
	HOST_PENDING = 1,	/* reported, not yet tested */
	HOST_LISTED = 2,	/* a relay confirmed, or listed by hand */
	HOST_CLEAN = 3,		/* tested, does not relay */
	HOST_DELISTED = 4,	/* was listed, a retest found it closed */
	HOST_EXCLUDED = 5,	/* never test, never list */
};

/* Which queue of the verifier a host waits in; walked in this order. */
enum due_queue {
	DUE_NONE = 0,		/* not waiting */
	DUE_REPORT = 1,		/* a new report */
	DUE_RETEST = 2,		/* an owner asked for a retest */
	DUE_SCHEDULED = 3,	/* a periodic retest, or a retry */
};

/* The A record value 127.0.0.<code>. */
#define CODE_OPEN	2	/* an open relay, confirmed by delivery */
#define CODE_MULTISTAGE	3	/* the exit of a multi-stage relay */
#define CODE_MANUAL	4	/* listed by the operator by hand */
#define CODE_MIN	2
#define CODE_MAX	254

/* host_flags */
#define HOST_F_MANUAL	0x01	/* listed by hand: the verifier leaves it */

/* A host record, as kept in the hosts database. Times are Unix seconds. */
struct host {
	uint8_t		 state;		/* enum host_state */
	uint8_t		 code;		/* the last octet served when listed */
	uint8_t		 flags;		/* HOST_F_* */
	uint8_t		 queue;		/* enum due_queue, DUE_NONE if none */
	int64_t		 first_seen;	/* first report or listing */
	int64_t		 listed_at;	/* start of the current listing, or 0 */
	int64_t		 last_test;	/* last completed test, or 0 */
	int64_t		 next_test;	/* when due (queue != DUE_NONE) */
	int64_t		 last_report;	/* last report, or 0 */
	int64_t		 retest_at;	/* last owner retest request, or 0 */
	int64_t		 closed_at;	/* last test that was refused, or 0 */
	uint32_t	 reports;	/* reports received */
	uint32_t	 tests;		/* tests completed */
	uint32_t	 retries;	/* inconclusive tests in a row */
	struct addr	 submitter;	/* who reported it first (zero if none) */
};

/* What DNS serves for a listed host, as kept in the listed database. */
struct listing {
	uint8_t		 code;
	int64_t		 listed_at;
};

#define RECORD_VERSION	1
#define HOST_RECLEN	89	/* bytes of an encoded struct host */
#define LISTING_RECLEN	10	/* bytes of an encoded struct listing */

/*
 * Encode and decode records: a version byte, then fixed fields in
 * network byte order, so that a store moves between machines.
 * @return RB_OK; decode returns RB_EVERSION for a newer version and
 *	RB_ECORRUPT for a wrong length or an out-of-range field.
 */
void	 record_encode_host(const struct host *h, uint8_t out[HOST_RECLEN]);
int	 record_decode_host(const uint8_t *in, size_t len, struct host *h);
void	 record_encode_listing(const struct listing *l,
	    uint8_t out[LISTING_RECLEN]);
int	 record_decode_listing(const uint8_t *in, size_t len,
	    struct listing *l);

/* @return "pending", "listed", ... or NULL for an unknown state. */
const char	*host_state_name(int state);
/* @return the state named s, or -1. */
int		 host_state_parse(const char *s);
/* @return "report", "retest", "scheduled" or "none". */
const char	*due_queue_name(int queue);
/* @return "test", "operator", "report", "arrival" or "unknown". */
const char	*evidence_kind_name(int kind);

/* ---- db.c ------------------------------------------------------------- */

struct db;

#define DB_RDONLY	0x01	/* open for reading only (relaybl-dns) */

#define DB_SCHEMA	1	/* the schema this build writes */
#define EVIDENCE_MAX	16384	/* bytes of text kept per evidence entry */
#define EVIDENCE_KEEP	32	/* entries kept per host, oldest dropped */
#define JOURNAL_KEEP	10000	/* journal entries kept for IXFR */

/*
 * Open (and, unless DB_RDONLY, create with its parents) the store in
 * directory path.
 * A writer initialises the schema version, the serial and the secret on
 * first use; any process fails with RB_EVERSION on a store whose schema
 * is newer than DB_SCHEMA.
 * @param mapsize: the initial map size in bytes (0: default). The map
 *	doubles whenever a write finds it full.
 * @param out: the handle, to be closed with db_close().
 * @return RB_OK or an RB_E* code.
 */
int	 db_open(const char *path, int flags, size_t mapsize, struct db **out);
void	 db_close(struct db *db);

/* @return the current map size in bytes. */
size_t	 db_mapsize(struct db *db);

/*
 * Read transactions. Lookups and walks need one; a handle has at most
 * one at a time, reused with reset/renew. Pointers the read functions
 * hand out are valid until db_read_end().
 */
int	 db_read_begin(struct db *db);
void	 db_read_end(struct db *db);

/*
 * Readers for threads: each thread that reads the store keeps its own
 * db_reader, begun and ended around each batch of lookups (never parked:
 * an open read txn pins old pages). A handle opened DB_RDONLY maps the
 * largest map a writer may grow, so its readers never need a resize.
 */
struct db_reader;
int	 db_reader_new(struct db *db, struct db_reader **out);
void	 db_reader_free(struct db_reader *r);
int	 db_reader_begin(struct db_reader *r);
void	 db_reader_end(struct db_reader *r);
/* @return RB_OK and *l, RB_ENOENT, or an error. Between begin and end. */
int	 db_reader_listing(struct db_reader *r, const struct addr *a,
	    struct listing *l);
/* The zone serial, in the reader's snapshot. */
int	 db_reader_serial(struct db_reader *r, uint32_t *serial);

/* @return RB_OK and *h, RB_ENOENT, or an error. Needs a read txn. */
int	 db_get_host(struct db *db, const struct addr *a, struct host *h);

/* @return RB_OK and *l, RB_ENOENT, or an error. Needs a read txn. */
int	 db_get_listing(struct db *db, const struct addr *a,
	    struct listing *l);

/* The zone serial. Needs a read txn. */
int	 db_serial(struct db *db, uint32_t *serial);

/* A secret of len bytes from meta, made on first open. Needs a read txn. */
int	 db_secret(struct db *db, uint8_t *out, size_t len);

/*
 * Walks: call fn for each entry in key order until it returns non-zero
 * (which the walk returns). Need a read txn.
 */
typedef int (*db_host_fn)(void *arg, const struct addr *a,
    const struct host *h);
int	 db_walk_hosts(struct db *db, db_host_fn fn, void *arg);

typedef int (*db_listing_fn)(void *arg, const struct addr *a,
    const struct listing *l);
int	 db_walk_listed(struct db *db, db_listing_fn fn, void *arg);

/* Evidence: a test transcript and verdict, or an operator's note. */
enum evidence_kind {
	EVIDENCE_TEST = 1,	/* a verifier run: transcript and verdict */
	EVIDENCE_OPERATOR = 2,	/* an operator action and its reason */
	EVIDENCE_REPORT = 3,	/* a report was received */
	EVIDENCE_ARRIVAL = 4,	/* a canary arrival linked to this host */
};

struct evidence {
	int64_t		 time;
	uint8_t		 kind;		/* enum evidence_kind */
	uint8_t		 verdict;	/* the verifier's verdict, or 0 */
	uint8_t		 state;		/* the host's state afterwards */
	const char	*text;		/* points into the map */
	size_t		 textlen;
};

typedef int (*db_evidence_fn)(void *arg, const struct evidence *e);
/* Walk the evidence of one host, oldest first. */
int	 db_walk_evidence(struct db *db, const struct addr *a,
	    db_evidence_fn fn, void *arg);

/* A change of the served zone, as kept in the journal. */
struct journal_op {
	uint8_t		 op;		/* JOURNAL_ADD or JOURNAL_DEL */
	uint8_t		 code;		/* the code added or removed */
	struct addr	 addr;
};
#define JOURNAL_ADD	1
#define JOURNAL_DEL	2

typedef int (*db_journal_fn)(void *arg, uint32_t serial, int64_t time,
    const struct journal_op *ops, size_t nops);
/* Walk the journal entries with serial > after, oldest first. */
int	 db_walk_journal(struct db *db, uint32_t after, db_journal_fn fn,
	    void *arg);

struct db_stats {
	uint64_t	 hosts;
	uint64_t	 by_state[6];	/* indexed by enum host_state */
	uint64_t	 listed;
	uint64_t	 due;
	uint64_t	 evidence;
	uint64_t	 journal;
	uint32_t	 serial;
	size_t		 filesize;	/* bytes of the data file */
	size_t		 used;		/* bytes of pages in use */
};
int	 db_stats(struct db *db, struct db_stats *st);

/*
 * State changes. Each runs in its own write transaction (or the whole
 * batch in one) and moves hosts, listed, due, journal and the serial
 * together; the serial and journal move only when what DNS serves
 * changes. On success *h (when not NULL) holds the record afterwards.
 * None needs (or may hold) a read txn.
 */

/*
 * A report of a suspected relay by submitter (NULL if unknown). An
 * unknown host becomes pending and due at once; a clean or delisted host
 * tested more than cooldown seconds ago becomes pending again. Otherwise
 * the report is counted and nothing is queued.
 * @param queued: set to whether the report put the host in the queue.
 * @return RB_OK, or RB_EEXCLUDED for an excluded host.
 */
int	 db_report(struct db *db, const struct addr *a,
	    const struct addr *submitter, int64_t now, int64_t cooldown,
	    bool *queued, struct host *h);

/*
 * The verifier proved a at now to be an open relay (code CODE_OPEN) or
 * a multi-stage exit (CODE_MULTISTAGE): listed, and due for a retest at
 * next_test. A host listed as an open relay stays CODE_OPEN when it is
 * found to be an exit too. Evidence is added with db_add_evidence().
 */
int	 db_confirm_open(struct db *db, const struct addr *a, int code,
	    int64_t now, int64_t next_test, struct host *h);

/*
 * A complete run found a closed: a listed host is delisted, any other
 * becomes clean; it leaves the queue. refused says the run was refused
 * outright (not merely accepted without delivery): then closed_at is
 * set, and no test message from before it can list the host again.
 */
int	 db_confirm_closed(struct db *db, const struct addr *a, int64_t now,
	    bool refused, struct host *h);

/*
 * A test of a was inconclusive: the listing is unchanged, the host is
 * due again at retry_at in its queue, and its retry count grows.
 */
int	 db_defer(struct db *db, const struct addr *a, int64_t now,
	    int64_t retry_at, struct host *h);

/*
 * The owner asks for a retest: a listed (or pending) host is put in the
 * retest queue, due now. At most one request per min_interval seconds.
 * @param retry_after: on RB_EAGAIN, the seconds until a request may
 *	succeed.
 * @return RB_OK, RB_ENOENT, RB_EEXCLUDED, RB_EAGAIN, or RB_ESTATE for a
 *	host listed by hand, clean or delisted.
 */
int	 db_request_retest(struct db *db, const struct addr *a, int64_t now,
	    int64_t min_interval, int64_t *retry_after, struct host *h);

/*
 * The operator lists a by hand with code (CODE_MIN..CODE_MAX): listed,
 * flagged manual, out of the verifier's queue. reason (may be NULL)
 * becomes evidence. Lists an excluded host too: the operator decides.
 */
int	 db_operator_list(struct db *db, const struct addr *a, int code,
	    const char *reason, int64_t now, struct host *h);

/*
 * The operator removes a listing: the host becomes delisted.
 * @return RB_ENOENT when a is not listed.
 */
int	 db_operator_delist(struct db *db, const struct addr *a,
	    const char *reason, int64_t now, struct host *h);

/* The operator excludes a: never tested, never listed. */
int	 db_exclude(struct db *db, const struct addr *a, const char *reason,
	    int64_t now, struct host *h);

/*
 * List many hosts by hand in one transaction: all or none. Excluded
 * hosts stay excluded.
 * @param codes: the code of each address, CODE_MIN..CODE_MAX.
 * @param changed: set to how many hosts changed (already listed by hand
 *	with the same code do not count). May be NULL.
 * @param excluded: set to how many were skipped as excluded. May be NULL.
 */
int	 db_import(struct db *db, const struct addr *addrs,
	    const uint8_t *codes, size_t n, int64_t now, size_t *changed,
	    size_t *excluded);

/*
 * Append evidence for a (known or not) with time now. text is cut to
 * EVIDENCE_MAX bytes and only the newest EVIDENCE_KEEP entries of a host
 * are kept.
 */
int	 db_add_evidence(struct db *db, const struct addr *a, int64_t now,
	    int kind, int verdict, const char *text, size_t textlen);

/*
 * Take the next host due at or before now, walking the queues in order
 * (reports, retests, scheduled). Needs a read txn.
 * @return RB_OK and *a, *h, or RB_ENOENT when nothing is due.
 */
int	 db_next_due(struct db *db, int64_t now, struct addr *a,
	    struct host *h);

/*
 * Walk the hosts due at or before now in the order the verifier takes
 * them: reports, then retests, then scheduled tests, each oldest first.
 * fn returns non-zero to stop (which the walk returns). Needs a read txn.
 */
int	 db_walk_due(struct db *db, int64_t now, db_host_fn fn, void *arg);

/*
 * The verifier starts testing a: it stays in its queue but is not due
 * again before until, so that no other run takes it meanwhile, and a
 * run that dies leaves it to be taken again then.
 */
int	 db_claim(struct db *db, const struct addr *a, int64_t now,
	    int64_t until);

#endif /* RB_DB_H */
