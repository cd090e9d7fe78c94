/*
 * ptr.c - PTR lookup and forward confirmation
 *
 * Status precedence (as Postfix's smtpd_peer does): a name that confirms
 * wins; otherwise any failed or unanswered lookup makes the result TEMP,
 * because the missing answer might have been the confirming one; only when
 * every answer is in and none confirms is it a HIT, "no address" when no
 * name had an address of the client's family, "mismatch" otherwise.
 */
#include "ptr.h"

#include <stdio.h>
#include <string.h>

#include "verdict.h"
#include "escape.h"

/* fwd_done - A/AAAA answer for one PTR name */

static void
fwd_done(RC_QUERY *q)
{
    RC_PTRCHECK *pc = q->owner;
    RC_PTRNAME *pn = &pc->names[q->index];
    bool    found;

    if (q->state == RC_Q_ABSENT) {
	pn->fwd = RC_FWD_ABSENT;
	return;
    }
    if (q->state != RC_Q_OK) {
	pn->fwd = RC_FWD_FAILED;
	return;
    }
    if (rc_query_addrs(q, pc->client.b, pc->client.v4, &found, pn->first_addr,
		       sizeof(pn->first_addr)) == 0) {
	pn->fwd = RC_FWD_ABSENT;
	return;
    }
    pn->fwd = found ? RC_FWD_MATCH : RC_FWD_NOMATCH;
    if (found && pc->on_confirmed != NULL && rc_ptr_confirmed(pc) == pn->name) {
	void    (*cb) (void *, RC_RESOLVER *, const char *) = pc->on_confirmed;

	pc->on_confirmed = NULL;		/* once */
	cb(pc->on_confirmed_arg, q->resolver, pn->name);
    }
}

/* ptr_done - PTR answer: follow up each name */

static void
ptr_done(RC_QUERY *q)
{
    RC_PTRCHECK *pc = q->owner;
    int     n = rc_query_ptr(q, 0, NULL);

    pc->nanswer = n;
    for (int i = 0; i < n && pc->nnames < pc->max_names; i++) {
	RC_PTRNAME *pn = &pc->names[pc->nnames];

	pn->name = NULL;
	(void) rc_query_ptr(q, i, &pn->name);
	pn->fwd = RC_FWD_PENDING;
	pn->query = rc_query_submit(q->resolver, pn->name,
				    pc->client.v4 ? RC_T_A : RC_T_AAAA,
				    fwd_done, pc, pc->nnames);
	if (pn->query == NULL)
	    pn->fwd = (q->resolver->nqueries >= RC_MAX_QUERIES) ? RC_FWD_FAILED
		: RC_FWD_ABSENT;		/* a name no query can be made for */
	pc->nnames++;
    }
}

void
rc_ptr_start(RC_PTRCHECK *pc, RC_RESOLVER *r, const RC_ADDR *client, int max_names,
	     void (*on_confirmed) (void *, RC_RESOLVER *, const char *), void *arg)
{
    char    name[128];

    memset(pc, 0, sizeof(*pc));
    pc->on_confirmed = on_confirmed;
    pc->on_confirmed_arg = arg;
    pc->client = *client;
    pc->max_names = max_names > RC_PTR_MAX_NAMES ? RC_PTR_MAX_NAMES : max_names;
    if (rc_reverse_name(client->b, client->v4, client->v4 ? "in-addr.arpa" : "ip6.arpa",
			name, sizeof(name)))
	pc->query = rc_query_submit(r, name, RC_T_PTR, ptr_done, pc, 0);
}

const char *
rc_ptr_confirmed(const RC_PTRCHECK *pc)
{
    for (int i = 0; i < pc->nnames; i++)
	if (pc->names[i].fwd == RC_FWD_MATCH)
	    return (pc->names[i].name);
    return (NULL);
}

const char *
rc_ptr_first_name(const RC_PTRCHECK *pc)
{
    return (pc->nnames > 0 ? pc->names[0].name : NULL);
}

/* add - a finding if its check is enabled */

static void
add(const RC_CONFIG *cfg, RC_VERDICT *v, RC_CHECK c, RC_STATUS st,
    const char *text, const char *detail)
{
    if (cfg->scores[c] == 0)
	return;
    rc_verdict_add(v, c, st, st == RC_HIT ? cfg->scores[c] : 0,
		   text ? text : rc_checkinfo[c].text, detail);
}

void
rc_ptr_finish(const RC_PTRCHECK *pc, const RC_CONFIG *cfg, RC_VERDICT *v)
{
    char    ip[RC_ADDR_STRLEN], how[96], esc[RC_DETAIL_MAX], detail[RC_DETAIL_MAX];
    const RC_PTRNAME *temp = NULL, *nomatch = NULL;
    const char *confirmed;
    bool    fwd_enabled = cfg->scores[RC_CHK_PTR_NO_ADDRESS] || cfg->scores[RC_CHK_PTR_MISMATCH];

    rc_addr_format(&pc->client, ip, sizeof(ip));
    if (rc_query_undecided(pc->query)) {
	rc_query_describe(pc->query, how, sizeof(how));
	snprintf(detail, sizeof(detail), "%s: %s", ip, how);
	add(cfg, v, RC_CHK_PTR_MISSING, RC_TEMP, "Relay Host: DNS PTR lookup failed", detail);
	return;
    }
    if (pc->query->state == RC_Q_ABSENT || pc->nanswer == 0) {
	add(cfg, v, RC_CHK_PTR_MISSING, RC_HIT, NULL, ip);
	return;
    }
    if ((confirmed = rc_ptr_confirmed(pc)) != NULL) {
	rc_escape(esc, sizeof(esc), confirmed, strlen(confirmed));
	if (cfg->scores[RC_CHK_PTR_MISSING] || fwd_enabled)
	    rc_verdict_add(v, fwd_enabled ? RC_CHK_PTR_MISMATCH : RC_CHK_PTR_MISSING,
			   RC_PASS, 0, fwd_enabled
			   ? "Relay Host: DNS PTR record forward-confirmed"
			   : "Relay Host: DNS PTR record present", esc);
	return;
    }
    add(cfg, v, RC_CHK_PTR_MISSING, RC_PASS, "Relay Host: DNS PTR record present",
	(rc_escape(esc, sizeof(esc), pc->names[0].name, strlen(pc->names[0].name)), esc));
    for (int i = 0; i < pc->nnames; i++) {
	if (pc->names[i].fwd == RC_FWD_PENDING || pc->names[i].fwd == RC_FWD_FAILED)
	    temp = temp ? temp : &pc->names[i];
	else if (pc->names[i].fwd == RC_FWD_NOMATCH)
	    nomatch = nomatch ? nomatch : &pc->names[i];
    }
    if (temp != NULL) {
	rc_query_describe(temp->query, how, sizeof(how));
	rc_escape(esc, sizeof(esc), temp->name, strlen(temp->name));
	snprintf(detail, sizeof(detail), "%.200s: %s", esc, how);
	if (cfg->scores[RC_CHK_PTR_MISMATCH])
	    add(cfg, v, RC_CHK_PTR_MISMATCH, RC_TEMP,
		"Relay Host: forward lookup of DNS PTR name failed", detail);
	else
	    add(cfg, v, RC_CHK_PTR_NO_ADDRESS, RC_TEMP,
		"Relay Host: forward lookup of DNS PTR name failed", detail);
	return;
    }
    if (nomatch == NULL) {
	rc_escape(esc, sizeof(esc), pc->names[0].name, strlen(pc->names[0].name));
	snprintf(detail, sizeof(detail), "%.200s has no %s record", esc,
		 pc->client.v4 ? "A" : "AAAA");
	add(cfg, v, RC_CHK_PTR_NO_ADDRESS, RC_HIT, NULL, detail);
	return;
    }
    rc_escape(esc, sizeof(esc), nomatch->name, strlen(nomatch->name));
    snprintf(detail, sizeof(detail), "%.200s -> %s, not %s", esc, nomatch->first_addr, ip);
    add(cfg, v, RC_CHK_PTR_MISMATCH, RC_HIT, NULL, detail);
}

/* The row (checkdef.h): the PTR chain, which also provides the names. */

static void
row_start(RC_RUN *run, void *state)
{
    rc_ptr_start(state, run->r, &run->client, run->cfg->max_ptr_names, run->on_confirmed,
		 run->on_confirmed_arg);
}

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    const RC_PTRCHECK *pc = state;

    rc_ptr_finish(pc, run->cfg, v);
    run->ptr_confirmed = rc_ptr_confirmed(pc);
    run->ptr_first = rc_ptr_first_name(pc);
}

const RC_CHECKDEF rc_row_ptr = {
    .name = "ptr",
    .ids = {RC_CHK_PTR_MISSING, RC_CHK_PTR_NO_ADDRESS, RC_CHK_PTR_MISMATCH},
    .nids = 3,
    .scope = RC_SCOPE_CLIENT,
    .needs = RC_FACT_CLIENT,
    .provides = RC_FACT_PTR,
    .state_size = sizeof(RC_PTRCHECK),
    .start = row_start,
    .finish = row_finish,
};
