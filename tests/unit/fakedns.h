/*
 * fakedns.h - a programmable UDP DNS server for unit tests
 *
 * fakedns_start() binds 127.0.0.1, port 0 (the kernel picks a free port,
 * so tests may run in parallel) and answers in a thread of the calling
 * process. Each rule says how to answer one name and type:
 *
 *	FAKE_ANSWER	NOERROR with records made from `data':
 *			  A, AAAA, PTR: items separated by spaces
 *			  ("192.0.2.1 192.0.2.2", "mx1.example mx2.example");
 *			  MX: preference:exchange items ("10:mx1.example 0:.");
 *			  TXT: records separated by '|', each cut into
 *			  255-byte character-strings
 *	FAKE_NXDOMAIN	rcode 3, no records
 *	FAKE_NODATA	NOERROR, no records
 *	FAKE_SERVFAIL	rcode 2
 *	FAKE_REFUSED	rcode 5
 *	FAKE_TC		NOERROR with the TC bit and no records
 *	FAKE_GARBAGE	a reply with the right id and question and one answer
 *			record cut off in the middle (unparsable)
 *	FAKE_JUNK	five bytes that are not even a DNS header
 *	FAKE_DROP	no reply at all
 *
 * Replies can be delayed by delay_ms without holding up other queries.
 * Names are compared without regard to ASCII case or a trailing dot; the
 * type FAKE_ANY matches every type. The last rule added for a name/type
 * wins; a query no rule matches gets the default (FAKE_REFUSED unless
 * fakedns_default() says otherwise). Every query that arrives is logged
 * with its name, type and CLOCK_MONOTONIC time in ms (comparable with
 * rc_now_ms()).
 */
#ifndef FAKEDNS_H_INCLUDED
#define FAKEDNS_H_INCLUDED

#include <sys/socket.h>

typedef struct fakedns FAKEDNS;

enum fake_kind {
    FAKE_ANSWER,
    FAKE_NXDOMAIN,
    FAKE_NODATA,
    FAKE_SERVFAIL,
    FAKE_REFUSED,
    FAKE_TC,
    FAKE_GARBAGE,
    FAKE_JUNK,
    FAKE_DROP
};

#define FAKE_ANY	0		/* a rule for every type */

struct fake_query {
    char        name[256];		/* lower case, no trailing dot */
    int         type;
    long long   t_ms;			/* CLOCK_MONOTONIC, ms */
};

extern FAKEDNS *fakedns_start(void);
extern void fakedns_add(FAKEDNS *, const char *name, int type, enum fake_kind,
			const char *data, int delay_ms);
extern void fakedns_default(FAKEDNS *, enum fake_kind);
extern int  fakedns_port(const FAKEDNS *);
extern void fakedns_sockaddr(const FAKEDNS *, struct sockaddr_storage *);

/* fakedns_count - queries seen for name (NULL: any) and type (FAKE_ANY: any) */
extern int  fakedns_count(FAKEDNS *, const char *name, int type);

/* fakedns_first_ms - arrival time of the first such query, or -1 */
extern long long fakedns_first_ms(FAKEDNS *, const char *name, int type);

/* fakedns_log - copy up to max logged queries; returns how many were logged */
extern int  fakedns_log(FAKEDNS *, struct fake_query *out, int max);

extern void fakedns_stop(FAKEDNS *);

#endif
