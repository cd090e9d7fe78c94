/*
 * engine.h - judge one message's relay host
 *
 * rc_engine_check() takes the facts of a message and a loaded
 * configuration and fills a verdict: facts -> skips -> No Server Check
 * list -> the rows of the check table (table.h; all DNS in one resolver
 * session under one deadline) -> findings -> score -> action. It never blocks past the configured
 * dns_timeout, never exits or aborts, and reports every internal failure
 * as a TEMP finding. It uses no Exim symbols.
 */
#ifndef RC_ENGINE_H_INCLUDED
#define RC_ENGINE_H_INCLUDED

#include <stdbool.h>

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "checkdef.h"
#include "checks.h"
#include "verdict.h"

/* RC_FACTS: see checkdef.h. */

/*
 * Results that depend only on the client (PTR chain, HELO, IP blocklists,
 * HELO/PTR domain lists) are kept for the next message on the same
 * connection: Exim runs one process per connection, and the caller keeps
 * one RC_CONNCACHE in it. Results with a TEMP finding are not kept, so a
 * later message tries again.
 */
typedef struct rc_conncache {
    bool        valid;
    unsigned long generation;		/* of the configuration used */
    char        ip[RC_ADDR_STRLEN + 8];
    char        helo[256];
    size_t      omitted;		/* as in RC_VERDICT */
    int         omitted_score;
    size_t      nfindings;
    RC_FINDING  findings[RC_MAX_FINDINGS];
    bool        have_name;
    char        confirmed[256];		/* forward-confirmed PTR name */
} RC_CONNCACHE;

/* rc_engine_check - cache may be NULL (no reuse) */
extern void rc_engine_check(const RC_CONFIG *, const RC_FACTS *, RC_CONNCACHE *,
			    RC_VERDICT *);

#endif
