/*
 * spfdns.c - the DNS layer libspf2 asks, answered from our resolver
 *
 * libspf2 1.2.10 (Debian 12) evaluates the records; this file is the
 * lookup() of its DNS layer (SPF_dns_server_t rc_spf_layer, spfeval.c):
 * each request goes to the message's RC_RESOLVER, as a query of its own
 * (cached per check), and the answer is built into libspf2's form. Here
 * too are the RFC 7208 4.6.4 counts libspf2 does not keep. Facts it
 * relies on (read in the 1.2.10 source and checked against Debian's
 * binary):
 *
 *   - the layer's lookup() must never return NULL (SPF_dns_lookup calls
 *     SPF_error) - a few spare answers are kept for memory exhaustion;
 *   - when the layer has get_spf() (spffetch.c), SPF_server_get_record()
 *     calls it for every record fetch (the checked domain, include:,
 *     redirect=) and lookup() sees only the lookups of mechanisms and
 *     macros, plus the TXT lookup of an exp= explanation. So get_spf()
 *     calls after the first are include/redirect terms, and type 99 is
 *     never asked for (lookup() answers it NO_DATA without the network
 *     all the same);
 *   - inside mechanisms libspf2 only tests herrno == TRY_AGAIN (which
 *     ends the evaluation with temperror); anything else is "no records";
 *   - the 10-lookup limit is per record (a fresh count in every include)
 *     and the 11th DNS mechanism is still looked up; there is no limit on
 *     void lookups; more than 10 PTR names is a permerror (RFC 7208 says
 *     ignore the rest); a DNS error on a PTR name's address lookup is a
 *     temperror (RFC 7208 5.5 says skip the name).
 *
 * Counting RFC 7208 4.6.4 terms from inside the DNS layer. The terms that
 * query DNS are include, a, mx, ptr, exists and redirect; each makes
 * exactly one "primary" request of the layer: a -> A/AAAA, mx -> MX,
 * ptr -> PTR (should_cache true), exists -> A, include/redirect ->
 * get_spf(). The other requests are not terms:
 *   - address lookups of the names in an MX or PTR answer. libspf2 asks for
 *     them at once, in answer order, passing the very string pointers of
 *     the answer this layer built; a request whose domain pointer (and
 *     text) is the next expected one of the last MX/PTR answer is such a
 *     sub-lookup. At most 10 per answer: PTR answers are cut to 10 names
 *     (RFC 7208: the rest are ignored), an MX answer with more than 10
 *     names is a permerror at once (the suite's reading of RFC 7208);
 *   - the %{p} macro: a PTR lookup with should_cache false (the ptr
 *     mechanism passes true) and its address lookups, once per check;
 *   - the TXT lookup of an exp= explanation (after the result is known,
 *     or when an include:d record fails; never a term).
 * A term beyond the 10th, or a void answer (NXDOMAIN, or no records) to a
 * term's primary request beyond the 2nd, stops the evaluation: that
 * request and every later one is answered TRY_AGAIN without the network,
 * which unwinds libspf2 at once, and the result is permerror whatever
 * libspf2 concluded. (A get_spf() over the limit returns SPF_E_BIG_DNS,
 * which libspf2 itself turns into permerror.) A lookup that hits the
 * deadline or the query budget stops it the same way with temperror
 * (except %{p} and explanation lookups, whose failure libspf2 tolerates,
 * as RFC 7208 says). The one imprecision: if an include:d record ends
 * early on a matching "-mx" (its result does not end the evaluation) and
 * the parent's next lookup reuses the freed answer's address for the very
 * same name, that one term is taken for a sub-lookup - at most one per
 * include, and the deadline and query budget still hold.
 *
 * An explanation's TXT text goes through the CVE-2023-42118 screen
 * (spfcve.h) before libspf2 gets it.
 */
#include "spfdns.h"

#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <spf2/spf_dns_rr.h>

#include "dnsname.h"
#include "escape.h"
#include "spfcve.h"
#include "spfguard.h"
#include "spfrec.h"

#define RC_SPF_RESERVE		8	/* spare answers for memory exhaustion */

static SPF_dns_rr_t *rc_spf_reserve[RC_SPF_RESERVE];

/* rc_spf_reserve_fill - keep spare answers for memory exhaustion */

void
rc_spf_reserve_fill(void)
{
    for (int i = 0; i < RC_SPF_RESERVE; i++)
	if (rc_spf_reserve[i] == NULL)
	    rc_spf_reserve[i] = SPF_dns_rr_new_init(&rc_spf_layer, NULL, ns_t_invalid, 0,
						    TRY_AGAIN);
}

/* rc_spf_reserve_free - the spare answers freed */

void
rc_spf_reserve_free(void)
{
    for (int i = 0; i < RC_SPF_RESERVE; i++) {
	if (rc_spf_reserve[i] != NULL)
	    SPF_dns_rr_free(rc_spf_reserve[i]);
	rc_spf_reserve[i] = NULL;
    }
}

/* rc_spf_stop - the first reason to stop is kept */

void
rc_spf_stop(RC_SPF_SESSION *s, RC_SPF_STOP why)
{
    if (s->stop == RC_SPF_RUNNING)
	s->stop = why;
}

/*
 * rc_spf_answer - an empty answer; never NULL (while spares last). Out of
 * memory, the evaluation is stopped and a spare TRY_AGAIN is handed out.
 */
static SPF_dns_rr_t *
rc_spf_answer(RC_SPF_SESSION *s, const char *domain, ns_type type, int ttl,
	      SPF_dns_stat_t herrno)
{
    SPF_dns_rr_t *rr = SPF_dns_rr_new_init(&rc_spf_layer, domain, type, ttl, herrno);

    if (rr != NULL)
	return (rr);
    if (s != NULL)
	rc_spf_stop(s, RC_SPF_STOP_BUDGET);
    for (int i = 0; i < RC_SPF_RESERVE; i++) {
	if ((rr = rc_spf_reserve[i]) != NULL) {
	    rc_spf_reserve[i] = NULL;
	    rr->rr_type = type;
	    rr->herrno = TRY_AGAIN;
	    rr->num_rr = 0;
	    return (rr);
	}
    }
    return (NULL);			/* nothing left: libspf2 aborts */
}

/* rc_spf_add - append one record of len bytes to an answer */

static bool
rc_spf_add(SPF_dns_rr_t *rr, const void *data, size_t len, bool string)
{
    int     i = rr->num_rr;

    if (SPF_dns_rr_buf_realloc(rr, i, len + (string ? 1 : 0)) != SPF_E_SUCCESS)
	return (false);
    memcpy(rr->rr[i], data, len);
    if (string)
	((char *) rr->rr[i])[len] = 0;
    rr->num_rr = i + 1;
    return (true);
}

/* rc_spf_name_ok - usable as a DNS query name (RFC 1035 lengths) */

bool
rc_spf_name_ok(const char *name, bool multi_label)
{
    return (rc_dnsname_ok(name, RC_DN_ROOTDOT | (multi_label ? RC_DN_TWOLABELS : 0)));
}

/*
 * rc_spf_fetch - the query for name/type, from this check's cache or the
 * network. NULL when it could not be made (budget, deadline): the
 * evaluation is then stopped, unless `tolerant' (a %{p} or explanation
 * lookup, whose failure libspf2 copes with).
 */
const RC_SPF_CACHED *
rc_spf_fetch(RC_SPF_SESSION *s, const char *name, int type, bool tolerant)
{
    RC_SPF_CACHED *c;
    RC_QUERY *q;

    for (int i = 0; i < s->ncache; i++)
	if (s->cache[i].type == type && strcasecmp(s->cache[i].name, name) == 0)
	    return (&s->cache[i]);
    if (s->r == NULL || s->r->ctx == NULL) {
	snprintf(s->failure, sizeof(s->failure), "no DNS session");
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (NULL);
    }
    if (s->ncache >= RC_SPF_MAX_QUERIES || s->r->nqueries >= RC_MAX_QUERIES) {
	snprintf(s->failure, sizeof(s->failure), "DNS query budget spent");
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (NULL);
    }
    if (rc_now_ms() >= s->r->deadline_ms) {
	snprintf(s->failure, sizeof(s->failure), "no time left (%lld ms)",
		 rc_resolver_elapsed(s->r));
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_DEADLINE);
	return (NULL);
    }
    c = &s->cache[s->ncache];
    c->type = type;
    snprintf(c->name, sizeof(c->name), "%s", name);
    if ((q = rc_query_submit(s->r, name, type, NULL, NULL, 0)) == NULL) {
	if (!rc_resolver_bad_name(s->r)) {
	    snprintf(s->failure, sizeof(s->failure), "cannot send DNS query");
	    if (!tolerant)
		rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	    return (NULL);
	}
	c->q = NULL;			/* udns refused the name: no such domain */
    } else {
	s->out->queries++;
	rc_resolver_wait(s->r, q);
	c->q = q;
    }
    s->ncache++;
    return (c);
}

/* rc_spf_herrno - libspf2's view of a cached query */

SPF_dns_stat_t
rc_spf_herrno(RC_SPF_SESSION *s, const RC_SPF_CACHED *c, bool tolerant)
{
    const char *tname = c->type == RC_T_A ? "A" : c->type == RC_T_AAAA ? "AAAA"
	: c->type == RC_T_MX ? "MX" : c->type == RC_T_PTR ? "PTR" : "TXT";
    char    how[100], name[100];

    if (c->q == NULL)
	return (HOST_NOT_FOUND);
    switch (c->q->state) {
    case RC_Q_OK:
	return (NETDB_SUCCESS);
    case RC_Q_ABSENT:
	return (rc_query_nxdomain(c->q) ? HOST_NOT_FOUND : NO_DATA);
    case RC_Q_PENDING:
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_DEADLINE);
	break;
    case RC_Q_FAILED:
	break;
    }
    rc_query_describe(c->q, how, sizeof(how));
    rc_escape(name, sizeof(name), c->name, strlen(c->name));
    snprintf(s->failure, sizeof(s->failure), "%s %.99s: %.99s", tname, name, how);
    return (TRY_AGAIN);
}

/*
 * rc_spf_expect_set - the names of an answer whose address lookups may
 * follow (pointers into the answer libspf2 is about to iterate)
 */
static void
rc_spf_expect_set(RC_SPF_SESSION *s, RC_SPF_KIND kind, bool any, const SPF_dns_rr_t *rr)
{
    RC_SPF_EXPECT *e = &s->expect;

    e->kind = kind;
    e->any = any;
    e->next = 0;
    e->n = 0;
    for (int i = 0; i < rr->num_rr && i < RC_SPF_MAX_SUB; i++) {
	const char *name = (const char *) rr->rr[i];

	e->ptr[i] = (uintptr_t) name;
	snprintf(e->name[i], sizeof(e->name[i]), "%s", name);
	e->n = i + 1;
    }
}

/* rc_spf_classify - which kind of request this is (see the top) */

static RC_SPF_KIND
rc_spf_classify(RC_SPF_SESSION *s, const char *domain, ns_type type, int should_cache)
{
    RC_SPF_EXPECT *e = &s->expect;

    if (type == ns_t_txt)
	return (RC_SPF_K_EXP);
    if ((type == ns_t_a || type == ns_t_aaaa) && e->next < e->n
	&& (uintptr_t) domain == e->ptr[e->next]
	&& strncmp(domain, e->name[e->next], sizeof(e->name[0]) - 1) == 0) {
	e->next++;
	return (e->kind);
    }
    e->n = 0;
    if (type == ns_t_ptr && !should_cache)
	return (RC_SPF_K_PMACRO);
    return (RC_SPF_K_TERM);
}

/* rc_spf_void - a void answer to a term: count it, stop past the limit */

bool
rc_spf_void(RC_SPF_SESSION *s, const char *domain)
{
    char    name[100];

    if (++s->out->void_lookups <= RC_SPF_MAX_VOID)
	return (false);
    rc_escape(name, sizeof(name), domain, strlen(domain));
    snprintf(s->why, sizeof(s->why), "more than %d void DNS lookups (RFC 7208 4.6.4; "
	     "the last: %s)", RC_SPF_MAX_VOID, name);
    rc_spf_stop(s, RC_SPF_STOP_VOIDS);
    return (true);
}

/* rc_spf_build - libspf2's answer from the resolver's answer */

static SPF_dns_rr_t *
rc_spf_build(RC_SPF_SESSION *s, RC_SPF_KIND kind, const char *domain, ns_type type,
	     const RC_QUERY *q, bool any)
{
    SPF_dns_rr_t *rr = NULL;
    bool    ok = true;
    char    name[100];
    int     ttl = (int) rc_query_ttl(q), n;

    switch (type) {
    case ns_t_a:{
	    n = rc_query_a4(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (any && s->v4 && n > 0) {	/* a/0: any address matches */
		if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		    ok = rc_spf_add(rr, &s->a4, sizeof(s->a4), false);
		break;
	    }
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		uint32_t host = 0;
		struct in_addr in;

		(void) rc_query_a4(q, i, &host);
		in.s_addr = htonl(host);
		ok = rc_spf_add(rr, &in, sizeof(in), false);
	    }
	    break;
	}
    case ns_t_aaaa:{
	    n = rc_query_a6(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (any && !s->v4 && n > 0) {	/* a//0 */
		if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		    ok = rc_spf_add(rr, &s->a6, sizeof(s->a6), false);
		break;
	    }
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		struct in6_addr in6;

		(void) rc_query_a6(q, i, in6.s6_addr);
		ok = rc_spf_add(rr, &in6, sizeof(in6), false);
	    }
	    break;
	}
    case ns_t_mx:{
	    n = rc_query_mx(q, 0, NULL, NULL);
	    if (n > RC_SPF_MAX_SUB) {
		rc_escape(name, sizeof(name), domain, strlen(domain));
		snprintf(s->why, sizeof(s->why), "%s has %d MX records, more than %d "
			 "(RFC 7208 4.6.4)", name, n, RC_SPF_MAX_SUB);
		rc_spf_stop(s, RC_SPF_STOP_MX);
		return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	    }
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		const char *mx = "";

		(void) rc_query_mx(q, i, NULL, &mx);
		ok = rc_spf_add(rr, mx, strlen(mx), true);
	    }
	    if (ok && rr != NULL)
		rc_spf_expect_set(s, RC_SPF_K_SUB_MX, any, rr);
	    break;
	}
    case ns_t_ptr:{
	    n = rc_query_ptr(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS
		 && i < n && i < RC_SPF_MAX_SUB; i++) {
		const char *ptr = "";

		(void) rc_query_ptr(q, i, &ptr);
		ok = rc_spf_add(rr, ptr, strlen(ptr), true);
	    }
	    if (ok && rr != NULL)
		rc_spf_expect_set(s, kind == RC_SPF_K_PMACRO ? RC_SPF_K_PMACRO
				  : RC_SPF_K_SUB_PTR, false, rr);
	    break;
	}
    case ns_t_txt:{
	    /*
	     * An explanation (RFC 7208 6.2): exactly one TXT record, or none
	     * is used; one of CVE-2023-42118's shape is not handed over.
	     */
	    const unsigned char *txt = NULL;
	    size_t  len = 0;

	    if (rc_query_txt(q, 0, &txt, &len) != 1 || memchr(txt, 0, len) != NULL)
		return (rc_spf_answer(s, domain, type, 0, NO_DATA));
	    if (rc_spf_cve_2023_42118((const char *) txt, len, false)) {
		s->out->cve_refused = true;
		rc_escape(name, sizeof(name), domain, strlen(domain));
		rc_spf_log(RC_SPF_LOG_WARNING, "SPF explanation at %s refused: it would "
			   "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
		return (rc_spf_answer(s, domain, type, 0, NO_DATA));
	    }
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		ok = rc_spf_add(rr, txt, len, true);
	    break;
	}
    default:
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    }
    if (rr == NULL)
	return (rr);
    if (!ok) {
	SPF_dns_rr_free(rr);
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    }
    if (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0)
	rr->herrno = NO_DATA;
    return (rr);
}

/* rc_spf_lookup - the layer's lookup(), see the top of the file */

SPF_dns_rr_t *
rc_spf_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type, int should_cache)
{
    RC_SPF_SESSION *s = rc_spf_cur;
    const RC_SPF_CACHED *c;
    RC_SPF_KIND kind;
    SPF_dns_stat_t herrno;
    bool    tolerant, any = false;
    char    name[RC_SPF_NAME_MAX];
    int     rctype;

    (void) layer;
    if (domain == NULL)
	domain = "";
    if (type == ns_t_spf)		/* type SPF: obsolete (RFC 7208 3.1) */
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    if (s == NULL)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    s->out->lookups++;
    kind = rc_spf_classify(s, domain, type, should_cache);
    tolerant = kind == RC_SPF_K_PMACRO || kind == RC_SPF_K_EXP;
    if (kind == RC_SPF_K_SUB_MX)
	any = s->expect.any;

    /* a/0, mx/0 as rewritten by rc_spfrec_prepare() */
    if (kind == RC_SPF_K_TERM && strlen(domain) < sizeof(name)
	&& (type == ns_t_a || type == ns_t_aaaa || type == ns_t_mx)) {
	snprintf(name, sizeof(name), "%s", domain);
	if ((any = rc_spfrec_any_strip(name)))
	    domain = name;
    }
    if (s->stop != RC_SPF_RUNNING)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    if (kind == RC_SPF_K_TERM && ++s->out->terms > RC_SPF_MAX_TERMS) {
	snprintf(s->why, sizeof(s->why), "more than %d DNS-querying terms (RFC 7208 4.6.4)",
		 RC_SPF_MAX_TERMS);
	rc_spf_stop(s, RC_SPF_STOP_TERMS);
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    }
    switch (type) {
    case ns_t_a:
	rctype = RC_T_A;
	break;
    case ns_t_aaaa:
	rctype = RC_T_AAAA;
	break;
    case ns_t_mx:
	rctype = RC_T_MX;
	break;
    case ns_t_ptr:
	rctype = RC_T_PTR;
	break;
    case ns_t_txt:
	rctype = RC_T_TXT;
	break;
    default:
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    }

    /*
     * A name DNS cannot carry (an empty or long label, say from a macro):
     * no such domain (RFC 7208 4.3 and 5; the suite accepts that).
     */
    if (!rc_spf_name_ok(domain, false)) {
	if (kind == RC_SPF_K_TERM && rc_spf_void(s, domain))
	    return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	return (rc_spf_answer(s, domain, type, 0, HOST_NOT_FOUND));
    }
    if ((c = rc_spf_fetch(s, domain, rctype, tolerant)) == NULL)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    herrno = rc_spf_herrno(s, c, tolerant);
    if (herrno == TRY_AGAIN) {
	/* RFC 7208 5.5: a PTR name whose address lookup fails is skipped. */
	if (kind == RC_SPF_K_SUB_PTR && s->stop == RC_SPF_RUNNING)
	    herrno = NO_DATA;
	return (rc_spf_answer(s, domain, type, 0, herrno));
    }
    if (herrno != NETDB_SUCCESS) {
	if (kind == RC_SPF_K_TERM && rc_spf_void(s, domain))
	    return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	return (rc_spf_answer(s, domain, type, 0, herrno));
    }
    return (rc_spf_build(s, kind, domain, type, c->q, any));
}
