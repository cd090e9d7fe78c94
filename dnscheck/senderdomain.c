/*
 * senderdomain.c - sender_domain_unresolvable: the envelope sender's
 * domain cannot receive a bounce
 *
 * The domain after the last '@' of MAIL FROM is looked up for MX, A and
 * AAAA at once, in parallel with every other check and under the same
 * deadline. It is a HIT when
 *   - its MX answer is a null MX (RFC 7505: one record, preference 0,
 *     exchange "."), whatever else it has; or
 *   - none of the three has a record (NXDOMAIN or no data for all);
 * nothing when an MX or an address exists (RFC 5321 5.1: without an MX,
 * the address is the implicit MX); TEMP (score 0) when no answer decided
 * it because a lookup failed or timed out. Bounces (MAIL FROM:<>) and
 * domains on the No Server Check list are not checked. A name that
 * cannot be put in a query is not a domain: a HIT.
 */
#include <stdio.h>
#include <string.h>

#include "allowlist/nametable.h"
#include "checkdef.h"
#include "escape.h"

enum { Q_MX, Q_A, Q_AAAA, NQ };

typedef struct state {
    bool        started;		/* a domain was looked up */
    bool        bad_name;		/* not a name a query can carry */
    RC_QUERY   *q[NQ];
    char        domain[RC_DETAIL_MAX];	/* escaped */
} STATE;

static const int qtype[NQ] = {RC_T_MX, RC_T_A, RC_T_AAAA};
static const char *const qname[NQ] = {"MX", "A", "AAAA"};

static void
row_start(RC_RUN *run, void *state)
{
    STATE  *st = state;
    const char *d = run->sender_domain;

    if (d == NULL || rc_nametable_lookup(&run->cfg->nsc_domain, d) != NULL)
	return;					/* a bounce, or not to be checked */
    st->started = true;
    rc_escape(st->domain, sizeof(st->domain), d, strlen(d));
    for (int i = 0; i < NQ; i++) {
	st->q[i] = rc_query_submit(run->r, d, qtype[i], NULL, NULL, 0);
	if (st->q[i] == NULL && rc_resolver_bad_name(run->r)) {
	    st->bad_name = true;
	    return;
	}
    }
}

/* null_mx - RFC 7505: exactly one MX, preference 0, exchange the root */

static bool
null_mx(const RC_QUERY *q)
{
    int     pref = -1;
    const char *name = NULL;

    return (rc_query_mx(q, 0, &pref, &name) == 1 && pref == 0 && name != NULL
	    && (name[0] == 0 || strcmp(name, ".") == 0));
}

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    const STATE *st = state;
    int     sc = run->cfg->scores[RC_CHK_SENDER_DOMAIN_UNRESOLVABLE];
    const char *text = rc_checkinfo[RC_CHK_SENDER_DOMAIN_UNRESOLVABLE].text;
    char    detail[RC_DETAIL_MAX], how[96];
    bool    nxdomain = true;

    if (!st->started)
	return;
    if (st->bad_name) {
	snprintf(detail, sizeof(detail), "%.200s: not a domain name", st->domain);
	rc_verdict_add(v, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_HIT, sc, text, detail);
	return;
    }
    if (null_mx(st->q[Q_MX])) {
	snprintf(detail, sizeof(detail), "%.200s: null MX (RFC 7505)", st->domain);
	rc_verdict_add(v, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_HIT, sc, text, detail);
	return;
    }
    for (int i = 0; i < NQ; i++)
	if (st->q[i] != NULL && st->q[i]->state == RC_Q_OK)
	    return;				/* an MX or an address: it can */
    for (int i = 0; i < NQ; i++) {
	if (rc_query_undecided(st->q[i])) {
	    rc_query_describe(st->q[i], how, sizeof(how));
	    snprintf(detail, sizeof(detail), "%.200s: %s %s", st->domain, qname[i], how);
	    rc_verdict_add(v, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_TEMP, 0,
			   "Sender: lookup of the domain failed", detail);
	    return;
	}
	nxdomain &= rc_query_nxdomain(st->q[i]);
    }
    snprintf(detail, sizeof(detail), "%.200s: %s", st->domain,
	     nxdomain ? "no such domain (NXDOMAIN)" : "no MX, A or AAAA record");
    rc_verdict_add(v, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_HIT, sc, text, detail);
}

const RC_CHECKDEF rc_row_sender_domain = {
    .name = "sender_domain",
    .ids = {RC_CHK_SENDER_DOMAIN_UNRESOLVABLE},
    .nids = 1,
    .scope = RC_SCOPE_MESSAGE,
    .needs = RC_FACT_SENDER,
    .state_size = sizeof(STATE),
    .start = row_start,
    .finish = row_finish,
};
