/*
 * checkdef.h - what a check declares in its row, and what it is given
 *
 * Every check is one RC_CHECKDEF, defined in the check's own file and
 * listed once in dnscheck/table.c. The row says:
 *
 *   ids		the catalogue ids (checks.h) the check reports under;
 *			their [scores] and default scores are in checks.c
 *   scope		RC_SCOPE_CLIENT: the result depends only on the client
 *			(address, HELO, PTR names), so the engine keeps it for
 *			the next message of the connection; RC_SCOPE_MESSAGE:
 *			it reads the message (sender), run for every message
 *   needs		the facts it reads (RC_FACT_*); needs_fn adds facts
 *			that depend on the configuration
 *   provides	facts it produces for others: a row that provides a
 *			fact another running row needs is run even when its own
 *			ids score nothing
 *   enabled		NULL: the row runs when any of its ids has a non-zero
 *			score; or a function of the configuration
 *   waits		its start hook waits on the resolver (SPF): the engine
 *			starts it after every other row, so their queries are in
 *			flight meanwhile
 *   state_size	bytes of per-message state, zeroed, passed to the hooks
 *   start		submit the queries; may decide what needs no DNS
 *   confirmed	optional: the client's PTR name was forward-confirmed
 *			(called inside the resolver loop, may submit queries)
 *   finish		after the one wait: add the findings to the verdict
 *   release		optional: free what start allocated
 *
 * The engine starts the rows in table order and adds findings in table
 * order, the client rows first: that order is the Report header's.
 */
#ifndef RC_CHECKDEF_H_INCLUDED
#define RC_CHECKDEF_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "checks.h"
#include "resolver.h"
#include "verdict.h"

typedef struct rc_facts {
    const char *ip;			/* client address; NULL: local submission */
    const char *helo;			/* "" when none */
    const char *sender;			/* envelope sender, "" for bounces; NULL:
					 * not known yet (Exim's connect and HELO
					 * ACLs): the message rows do not run */
    bool        authenticated;
    const char *primary_hostname;	/* this server's name, may be NULL */
    const char *interface_ip;		/* the address the client connected to */
    const char *resolv_conf;		/* NULL: /etc/resolv.conf (tests) */
} RC_FACTS;

typedef enum rc_scope {
    RC_SCOPE_CLIENT,			/* cacheable per connection */
    RC_SCOPE_MESSAGE			/* run for every message */
} RC_SCOPE;

/* Facts a check reads (needs) or produces (provides). */
#define RC_FACT_CLIENT	0x01		/* the client address */
#define RC_FACT_HELO	0x02		/* the HELO name (one trailing dot off) */
#define RC_FACT_SENDER	0x04		/* the envelope sender and its domain */
#define RC_FACT_PTR	0x08		/* the PTR names and the confirmed one */
#define RC_FACT_SPF	0x10		/* the SPF result */

/* One message's run, as the hooks see it. */
typedef struct rc_run {
    const RC_CONFIG *cfg;
    const RC_FACTS *facts;		/* helo normalised */
    RC_ADDR     client;
    RC_RESOLVER *r;
    const char *sender_domain;		/* NULL: none (a bounce, no '@') */
    /* For rc_ptr_start(): the engine's fan-out to every `confirmed' hook. */
    void        (*on_confirmed) (void *arg, RC_RESOLVER *, const char *name);
    void       *on_confirmed_arg;
    /* Facts set by the rows that provide them, in their finish hooks. */
    const char *ptr_confirmed;		/* forward-confirmed PTR name or NULL */
    const char *ptr_first;		/* first PTR name (unverified) or NULL */
    const struct rc_spf *spf;		/* set by the SPF row's start; NULL: not run */
} RC_RUN;

#define RC_ROW_MAX_IDS	8

typedef struct rc_checkdef {
    const char *name;			/* for documentation and traces */
    RC_CHECK    ids[RC_ROW_MAX_IDS];
    size_t      nids;
    RC_SCOPE    scope;
    unsigned    needs;			/* RC_FACT_* */
    unsigned    (*needs_fn) (const RC_CONFIG *);	/* more needs, or NULL */
    unsigned    provides;		/* RC_FACT_* */
    bool        (*enabled) (const RC_CONFIG *);	/* NULL: any id scores */
    bool        waits;
    size_t      state_size;
    void        (*start) (RC_RUN *, void *state);
    void        (*confirmed) (RC_RUN *, void *state, RC_RESOLVER *, const char *name);
    void        (*finish) (RC_RUN *, void *state, RC_VERDICT *);
    void        (*release) (void *state);
} RC_CHECKDEF;

/* rc_checkdef_scores - does any of the row's ids have a non-zero score? */
extern bool rc_checkdef_scores(const RC_CHECKDEF *, const RC_CONFIG *);

/* rc_checkdef_enabled - the row's enabled(), or rc_checkdef_scores() */
extern bool rc_checkdef_enabled(const RC_CHECKDEF *, const RC_CONFIG *);

/* rc_checkdef_needs - needs plus needs_fn() */
/*
 * rc_checkdef_generic - finding `c' (a HIT at its configured score) when
 * `name' is a generic/dynamic name for the client's address; nothing when
 * the classifier says no or vetoes. The name is escaped for the detail.
 */
extern void rc_checkdef_generic(const RC_RUN *, RC_CHECK c, const char *name, RC_VERDICT *);

extern unsigned rc_checkdef_needs(const RC_CHECKDEF *, const RC_CONFIG *);

#endif
