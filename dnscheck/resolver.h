/*
 * resolver.h - one udns session per message, under one deadline
 *
 * rc_resolver_open() creates a fresh udns context in the calling process
 * (never before a fork), points it at the configured servers or at the
 * ones in /etc/resolv.conf, and starts the clock: every query of the
 * message must finish before open time + budget. rc_query_submit() queues
 * a query; its `done' callback runs when the answer (or a failure) arrives
 * and may submit further queries. rc_resolver_wait() runs the poll loop
 * until one query, or all, are finished, or the deadline passes.
 * rc_resolver_close() drops what is still outstanding and frees every
 * query and answer.
 *
 * Queries still PENDING after the loop ended were cut off by the deadline;
 * their checks report TEMP ("timeout after N ms").
 */
#ifndef RC_RESOLVER_H_INCLUDED
#define RC_RESOLVER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RC_MAX_QUERIES	256		/* per message, whatever the data asks for */

typedef struct rc_resolver RC_RESOLVER;
typedef struct rc_query RC_QUERY;

typedef enum rc_qstate {
    RC_Q_PENDING,			/* submitted, no answer yet */
    RC_Q_OK,				/* answer parsed: result != NULL */
    RC_Q_ABSENT,			/* NXDOMAIN or NODATA */
    RC_Q_FAILED				/* SERVFAIL, REFUSED, TC, timeout, garbled */
} RC_QSTATE;

struct rc_query {
    RC_RESOLVER *resolver;
    RC_QSTATE   state;
    int         dns_status;		/* udns status code when finished */
    void       *result;			/* udns result, freed by the resolver */
    long long   submitted_ms, finished_ms;	/* relative to open */
    void        (*done) (RC_QUERY *);
    void       *owner;			/* for the callback */
    int         index;
    int         type;			/* RC_T_* asked for */
    RC_QUERY   *next;			/* all queries of the message */
};

struct rc_resolver {
    struct dns_ctx *ctx;
    long long   start_ms;		/* CLOCK_MONOTONIC */
    long long   deadline_ms;
    RC_QUERY   *queries;
    int         nqueries;
    int         npending;
    bool        expired;		/* the deadline cut the loop short */
};

/* Query types (DNS_T_* values), kept here so callers need no udns.h. */
#define RC_T_A		1
#define RC_T_PTR	12
#define RC_T_MX		15
#define RC_T_TXT	16
#define RC_T_AAAA	28

/*
 * rc_resolver_open - servers: nservers entries (port 0 = 53); with none,
 * read resolv_conf (NULL = /etc/resolv.conf). On failure returns false
 * with a reason in err. The first call of the process opens libudns
 * (rc_resolver_load()); if it does not load, every call fails with why.
 */
/* The udns library rc_resolver_open() loads: the system's, by its soname. */
#define RC_UDNS_SONAME	"libudns.so.0"

/*
 * rc_resolver_load - open the udns library soname once per process and
 * find the functions the resolver calls; on failure returns false with
 * "cannot load <soname>: <why>" in err, and a later call tries again.
 * rc_resolver_open() calls it; the tests call it with a missing library.
 */
extern bool rc_resolver_load(const char *soname, char *err, size_t errlen);

extern bool rc_resolver_open(RC_RESOLVER *, const struct sockaddr_storage *servers,
			     size_t nservers, const char *resolv_conf,
			     int budget_ms, char *err, size_t errlen);

/*
 * rc_query_submit - queue a lookup of name/type. Returns NULL when the
 * name is unusable, the per-message query cap is reached or memory is
 * short; the caller treats that as a failed lookup.
 */
extern RC_QUERY *rc_query_submit(RC_RESOLVER *, const char *name, int type,
				 void (*done) (RC_QUERY *), void *owner, int index);

/* rc_query_undecided - no usable answer: not sent, pending, or failed */
extern bool rc_query_undecided(const RC_QUERY *);

/*
 * rc_query_addrs - an A (v4) or AAAA answer: the number of addresses in
 * it, whether `want' (16 bytes, an IPv4 address in the last four) is one
 * of them, and the first one as text (when first is not NULL).
 */
extern int rc_query_addrs(const RC_QUERY *, const unsigned char want[16], bool v4,
			  bool *found, char *first, size_t firstlen);

/*
 * Answers, read without udns.h. Each returns the number of records of an
 * answered query (0 when it has none or is not RC_Q_OK of that type), and
 * record i when i is in range and the out pointer is not NULL:
 *   rc_query_ptr	a PTR answer's name i (valid until close)
 *   rc_query_a4	an A answer's address i, in host byte order
 *   rc_query_txt	a TXT answer's record i: its bytes (valid until
 *			close; not NUL-terminated, may hold any byte)
 */
extern int rc_query_ptr(const RC_QUERY *, int i, const char **name);
extern int rc_query_a4(const RC_QUERY *, int i, uint32_t *addr);
extern int rc_query_txt(const RC_QUERY *, int i, const unsigned char **txt, size_t *len);

/*
 * More answers, the same way:
 *   rc_query_a6	an AAAA answer's address i (16 bytes, network order)
 *   rc_query_mx	an MX answer's record i: preference and exchange name
 *			(valid until close; "" for the root, RFC 7505)
 * rc_query_ttl is the answer's TTL (0 when not answered).
 */
extern int rc_query_a6(const RC_QUERY *, int i, unsigned char addr[16]);
extern int rc_query_mx(const RC_QUERY *, int i, int *pref, const char **name);
extern unsigned rc_query_ttl(const RC_QUERY *);

/* rc_query_nxdomain - RC_Q_ABSENT because the name does not exist (not NODATA) */
extern bool rc_query_nxdomain(const RC_QUERY *);

/*
 * rc_resolver_bad_name - the last rc_query_submit() that returned NULL did
 * so because the name cannot be put in a query (not for lack of budget or
 * memory): the caller may treat it as a name that does not exist.
 */
extern bool rc_resolver_bad_name(const RC_RESOLVER *);

/* rc_resolver_wait - run until `q' (or, with NULL, every query) finished */
extern void rc_resolver_wait(RC_RESOLVER *, const RC_QUERY *q);

extern void rc_resolver_close(RC_RESOLVER *);

/* rc_resolver_elapsed - ms since open */
extern long long rc_resolver_elapsed(const RC_RESOLVER *);

/* rc_now_ms - CLOCK_MONOTONIC in ms */
extern long long rc_now_ms(void);

/* rc_query_describe - "NXDOMAIN", "timeout after 5000 ms", "SERVFAIL..." */
extern void rc_query_describe(const RC_QUERY *, char *buf, size_t len);

/*
 * rc_reverse_name - in-addr.arpa/ip6.arpa style name of an address under
 * zone ("in-addr.arpa" or "ip6.arpa" for PTR, a blocklist zone otherwise).
 * v4: 16 bytes with the IPv4 address in the last four.
 */
extern bool rc_reverse_name(const unsigned char addr[16], bool v4, const char *zone,
			    char *buf, size_t len);

/* rc_resolv_conf_servers - nameserver lines of a resolv.conf file */
extern size_t rc_resolv_conf_servers(const char *path, struct sockaddr_storage *out,
				     size_t max);

#endif
