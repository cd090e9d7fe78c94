/*
 * dnsbl.c - blocklist lookups and the reading of their answers
 */
#include "dnsbl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"
#include "verdict.h"
#include "escape.h"

#define TXT_MAX 200			/* shown of a list's TXT reason (bytes) */

/* submit - A and optional TXT for "<prefix>.<zone>" */

static void
submit(RC_LISTQ *lq, RC_RESOLVER *r, const char *prefix)
{
    char    qname[600];
    int     n = snprintf(qname, sizeof(qname), "%s.%s", prefix, lq->list->zone);

    lq->started = true;
    if (n < 0 || (size_t) n >= sizeof(qname) || n > 253) {
	snprintf(lq->skipwhy, sizeof(lq->skipwhy), "name too long to look up");
	return;
    }
    lq->a = rc_query_submit(r, qname, RC_T_A, NULL, lq, 0);
    if (lq->list->txt)
	lq->txt = rc_query_submit(r, qname, RC_T_TXT, NULL, lq, 1);
}

/* usable_domain - a name we may put in front of a zone */

static bool
usable_domain(const char *d)
{
    size_t  len = strlen(d);

    if (len > 0 && d[len - 1] == '.')
	len--;
    if (len == 0 || len > 200)
	return (false);
    {
	char    buf[256];

	memcpy(buf, d, len);
	buf[len] = 0;
	return (rc_dnsname_ok(buf, RC_DN_HOST | RC_DN_TWOLABELS));
    }
}

bool
rc_lists_start(RC_LISTS *ls, RC_RESOLVER *r, const RC_CONFIG *cfg, int want,
	       const RC_ADDR *client, const char *helo, const char *sender_domain)
{
    size_t  total = cfg->ndnsbl + cfg->nrhsbl;
    char    rev[128];

    ls->n = 0;
    ls->v = total ? calloc(total, sizeof(*ls->v)) : NULL;
    if (total && ls->v == NULL)
	return (false);
    /* Reversed address without a zone: the part in front of every IP list. */
    if (rc_reverse_name(client->b, client->v4, "", rev, sizeof(rev))) {
	size_t  l = strlen(rev);

	if (l > 0 && rev[l - 1] == '.')
	    rev[l - 1] = 0;
    } else
	rev[0] = 0;
    for (size_t i = 0; i < cfg->ndnsbl; i++) {
	RC_LISTQ *lq;

	if (!(want & RC_LISTS_CLIENT) || cfg->dnsbl[i].score == 0)
	    continue;
	lq = &ls->v[ls->n++];
	lq->list = &cfg->dnsbl[i];
	rc_addr_format(client, lq->subject, sizeof(lq->subject));
	submit(lq, r, rev);
    }
    for (size_t i = 0; i < cfg->nrhsbl; i++) {
	const RC_LIST *l = &cfg->rhsbl[i];
	RC_LISTQ *lq;
	const char *subject = NULL;
	int     kind = l->target == RC_RHS_SENDER ? RC_LISTS_SENDER : RC_LISTS_CLIENT;

	if (!(want & kind) || l->score == 0)
	    continue;
	lq = &ls->v[ls->n++];
	lq->list = l;
	lq->rhs = true;
	if (l->target == RC_RHS_PTR) {
	    snprintf(lq->skipwhy, sizeof(lq->skipwhy), "no forward-confirmed PTR name");
	    continue;				/* rc_lists_ptr() starts it */
	}
	subject = l->target == RC_RHS_SENDER ? sender_domain : helo;
	if (subject == NULL || !usable_domain(subject)) {
	    snprintf(lq->skipwhy, sizeof(lq->skipwhy), "%s",
		     l->target == RC_RHS_SENDER ? "no sender domain" : "HELO is not a domain name");
	    continue;
	}
	rc_escape(lq->subject, sizeof(lq->subject), subject, strlen(subject));
	submit(lq, r, subject);
    }
    return (true);
}

void
rc_lists_ptr(RC_LISTS *ls, RC_RESOLVER *r, const char *name)
{
    for (size_t i = 0; i < ls->n; i++) {
	RC_LISTQ *lq = &ls->v[i];

	if (!lq->rhs || lq->started || lq->list->target != RC_RHS_PTR)
	    continue;
	if (!usable_domain(name)) {
	    snprintf(lq->skipwhy, sizeof(lq->skipwhy), "PTR name is not a domain name");
	    continue;
	}
	lq->skipwhy[0] = 0;
	rc_escape(lq->subject, sizeof(lq->subject), name, strlen(name));
	submit(lq, r, name);
    }
}

/* txt_reason - the list's TXT text, bounded and escaped, or "" */

static void
txt_reason(const RC_QUERY *q, char *buf, size_t len)
{
    const unsigned char *txt;
    size_t  tlen;

    buf[0] = 0;
    if (rc_query_txt(q, 0, &txt, &tlen) > 0)	/* the buffer bounds it; "..." marks a cut */
	rc_escape(buf, len, (const char *) txt, tlen);
}

static void
finish_one(const RC_LISTQ *lq, RC_VERDICT *v)
{
    RC_CHECK c = lq->rhs ? RC_CHK_RHSBL : RC_CHK_DNSBL;
    char    text[RC_TEXT_MAX], detail[RC_DETAIL_MAX], how[96], txt[TXT_MAX + 4];
    int     best = -1, best_score = 0, nans;
    uint32_t best_code = 0, error_code = 0;
    bool    have_error = false;
    RC_FINDING *f;

    if (!lq->started || lq->a == NULL) {
	snprintf(text, sizeof(text), "DNSBL: %s not checked", lq->list->label);
	snprintf(detail, sizeof(detail), "%s", lq->skipwhy[0] ? lq->skipwhy : "query not sent");
	f = rc_verdict_add(v, c, lq->started ? RC_TEMP : RC_SKIP, 0, text, detail);
	goto label;
    }
    if (lq->a->state == RC_Q_ABSENT) {
	snprintf(text, sizeof(text), "DNSBL: not listed on %s", lq->list->label);
	f = rc_verdict_add(v, c, RC_PASS, 0, text, lq->subject);
	goto label;
    }
    if (lq->a->state != RC_Q_OK) {
	rc_query_describe(lq->a, how, sizeof(how));
	snprintf(text, sizeof(text), "DNSBL: lookup on %s failed", lq->list->label);
	snprintf(detail, sizeof(detail), "%.100s: %s", lq->subject, how);
	f = rc_verdict_add(v, c, RC_TEMP, 0, text, detail);
	goto label;
    }
    nans = rc_query_a4(lq->a, 0, NULL);
    for (int i = 0; i < nans; i++) {
	uint32_t ans = 0;
	int     sc;

	(void) rc_query_a4(lq->a, i, &ans);
	if ((ans >> 24) != 127 || (ans >> 8) == 0x7fffffu) {
	    have_error = true;
	    error_code = ans;
	    continue;
	}
	if (rc_codes_match(lq->list->codes, lq->list->ncodes, ans, &sc)) {
	    sc = sc == -1 ? lq->list->score : sc;
	    if (best < 0 || sc > best_score) {
		best = i;
		best_score = sc;
		best_code = ans;
	    }
	} else if (ans == 0x7f000001u) {
	    /* 127.0.0.1 is no list's listing code: a broken or refusing list. */
	    have_error = true;
	    error_code = ans;
	}
    }
    if (best >= 0) {
	char    code[20];
	struct in_addr in = {htonl(best_code)};

	inet_ntop(AF_INET, &in, code, sizeof(code));
	txt_reason(lq->txt, txt, sizeof(txt));
	snprintf(text, sizeof(text), "DNSBL: listed on %s", lq->list->label);
	if (txt[0])
	    snprintf(detail, sizeof(detail), "%.100s: %s: %s", lq->subject, code, txt);
	else
	    snprintf(detail, sizeof(detail), "%.100s: %s", lq->subject, code);
	f = rc_verdict_add(v, c, RC_HIT, best_score, text, detail);
    } else if (have_error) {
	char    code[20];
	struct in_addr in = {htonl(error_code)};

	inet_ntop(AF_INET, &in, code, sizeof(code));
	snprintf(text, sizeof(text), "DNSBL: %s answered an error code", lq->list->label);
	snprintf(detail, sizeof(detail), "%.100s: %s%s", lq->subject, code,
		 (error_code >> 8) == 0x7fffffu ? ", the list refused the query"
		 : error_code == 0x7f000001u ? ", not a listing code (list broken?)"
		 : ", not a listing (outside 127.0.0.0/8)");
	f = rc_verdict_add(v, c, RC_TEMP, 0, text, detail);
    } else {
	snprintf(text, sizeof(text), "DNSBL: not listed on %s", lq->list->label);
	snprintf(detail, sizeof(detail), "%.100s: answer not among the listed codes",
		 lq->subject);
	f = rc_verdict_add(v, c, RC_PASS, 0, text, detail);
    }
label:
    if (f != NULL)				/* NULL: counted, not kept */
	snprintf(f->label, sizeof(f->label), "%s", lq->list->zone);
}

void
rc_lists_finish(const RC_LISTS *ls, RC_VERDICT *v, int want)
{
    for (size_t i = 0; i < ls->n; i++) {
	const RC_LISTQ *lq = &ls->v[i];
	int     kind = (lq->rhs && lq->list->target == RC_RHS_SENDER)
	    ? RC_LISTS_SENDER : RC_LISTS_CLIENT;

	if (want & kind)
	    finish_one(lq, v);
    }
}

void
rc_lists_free(RC_LISTS *ls)
{
    free(ls->v);
    ls->v = NULL;
    ls->n = 0;
}

/*
 * The rows (checkdef.h): the lists on the client (IP lists, domain lists
 * on the HELO and the PTR name) and those on the sender's domain. Each row
 * scores through its lists' own scores.
 */

typedef struct row_state {
    RC_LISTS    lists;
    bool        nomem;
} ROW_STATE;

/* any_list - some list of this kind scores */

static bool
any_list(const RC_CONFIG *cfg, int kind)
{
    for (size_t i = 0; i < cfg->ndnsbl; i++)
	if (kind == RC_LISTS_CLIENT && cfg->dnsbl[i].score != 0)
	    return (true);
    for (size_t i = 0; i < cfg->nrhsbl; i++)
	if (cfg->rhsbl[i].score != 0
	    && (cfg->rhsbl[i].target == RC_RHS_SENDER) == (kind == RC_LISTS_SENDER))
	    return (true);
    return (false);
}

static bool
client_enabled(const RC_CONFIG *cfg)
{
    return (any_list(cfg, RC_LISTS_CLIENT));
}

static bool
sender_enabled(const RC_CONFIG *cfg)
{
    return (any_list(cfg, RC_LISTS_SENDER));
}

/* client_needs - the PTR name, when a target = ptr list scores */

static unsigned
client_needs(const RC_CONFIG *cfg)
{
    for (size_t i = 0; i < cfg->nrhsbl; i++)
	if (cfg->rhsbl[i].target == RC_RHS_PTR && cfg->rhsbl[i].score != 0)
	    return (RC_FACT_PTR);
    return (0);
}

static void
start_kind(RC_RUN *run, ROW_STATE *st, int kind)
{
    st->nomem = !rc_lists_start(&st->lists, run->r, run->cfg, kind, &run->client,
				run->facts->helo, run->sender_domain);
}

static void
client_start(RC_RUN *run, void *state)
{
    start_kind(run, state, RC_LISTS_CLIENT);
}

static void
sender_start(RC_RUN *run, void *state)
{
    start_kind(run, state, RC_LISTS_SENDER);
}

static void
client_confirmed(RC_RUN *run, void *state, RC_RESOLVER *r, const char *name)
{
    ROW_STATE *st = state;

    (void) run;
    rc_lists_ptr(&st->lists, r, name);
}

static void
finish_kind(ROW_STATE *st, RC_VERDICT *v, int kind)
{
    if (st->nomem)
	rc_verdict_add(v, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: not checked", "out of memory");
    rc_lists_finish(&st->lists, v, kind);
}

static void
client_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    (void) run;
    finish_kind(state, v, RC_LISTS_CLIENT);
}

static void
sender_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    (void) run;
    finish_kind(state, v, RC_LISTS_SENDER);
}

static void
row_release(void *state)
{
    ROW_STATE *st = state;

    rc_lists_free(&st->lists);
}

const RC_CHECKDEF rc_row_lists_client = {
    .name = "lists_client",
    .ids = {RC_CHK_DNSBL, RC_CHK_RHSBL},
    .nids = 2,
    .scope = RC_SCOPE_CLIENT,
    .needs = RC_FACT_CLIENT | RC_FACT_HELO,
    .needs_fn = client_needs,
    .enabled = client_enabled,
    .state_size = sizeof(ROW_STATE),
    .start = client_start,
    .confirmed = client_confirmed,
    .finish = client_finish,
    .release = row_release,
};

const RC_CHECKDEF rc_row_lists_sender = {
    .name = "lists_sender",
    .ids = {RC_CHK_RHSBL},
    .nids = 1,
    .scope = RC_SCOPE_MESSAGE,
    .needs = RC_FACT_SENDER,
    .enabled = sender_enabled,
    .state_size = sizeof(ROW_STATE),
    .start = sender_start,
    .finish = sender_finish,
    .release = row_release,
};
