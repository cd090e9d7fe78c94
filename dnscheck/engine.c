/*
 * engine.c - facts -> allowlist -> checks -> findings -> score -> action
 *
 * One call judges one message. Every query is submitted to the message's
 * one resolver session as soon as its inputs are known: the PTR, HELO and
 * blocklist queries at once, the forward lookups from the PTR callback,
 * the PTR-name domain lists from the forward callback. One loop then waits
 * for all of it under the configured deadline, so a message costs its
 * longest chain of lookups, not their sum. Findings are added after the
 * loop in a fixed order, so the report reads the same however the answers
 * raced.
 */
#include "engine.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../allowlist/addr.h"
#include "dnsbl.h"
#include "escape.h"
#include "generic.h"
#include "helo.h"
#include "ptr.h"
#include "resolver.h"
#include "spf.h"

/* allowlist - replace every finding by the one "on the list" finding */

static void
allowlist(RC_VERDICT *v, const char *what)
{
    rc_verdict_clear(v);
    v->allowlisted = true;
    rc_verdict_add(v, RC_CHK_ALLOWLIST, RC_PASS, 0, rc_checkinfo[RC_CHK_ALLOWLIST].text, what);
}

/* sender_domain - the part after the last '@', or NULL */

static const char *
sender_domain(const char *sender)
{
    const char *at;

    if (sender == NULL || *sender == 0 || (at = strrchr(sender, '@')) == NULL || at[1] == 0)
	return (NULL);
    return (at + 1);
}

/* needs_ptr - does any enabled check, or the allowlist, need the PTR chain? */

static bool
needs_ptr(const RC_CONFIG *cfg)
{
    if (cfg->scores[RC_CHK_PTR_MISSING] || cfg->scores[RC_CHK_PTR_NO_ADDRESS]
	|| cfg->scores[RC_CHK_PTR_MISMATCH] || cfg->scores[RC_CHK_PTR_GENERIC]
	|| cfg->nsc_host.n > 0)
	return (true);
    for (size_t i = 0; i < cfg->nrhsbl; i++)
	if (cfg->rhsbl[i].target == RC_RHS_PTR && cfg->rhsbl[i].score != 0)
	    return (true);
    return (false);
}

/* needs_spf - is any SPF result scored? */

static bool
needs_spf(const RC_CONFIG *cfg)
{
    for (int c = RC_CHK_SPF_PASS; c <= RC_CHK_SPF_TEMPERROR; c++)
	if (cfg->scores[c] != 0)
	    return (true);
    return (false);
}

/* spf_finding - the SPF result as a finding; temperror is TEMP */

static void
spf_finding(const RC_CONFIG *cfg, const RC_SPF *spf, RC_VERDICT *v)
{
    char    text[RC_TEXT_MAX];
    int     sc = cfg->scores[spf->check];

    if (spf->result == RC_SPF_SKIP) {
	rc_verdict_add(v, RC_CHK_SPF_NONE, RC_SKIP, 0, "SPF: not checked", spf->detail);
	return;
    }
    snprintf(text, sizeof(text), "%s%s", rc_checkinfo[spf->check].text,
	     spf->helo_identity ? " (HELO identity)" : "");
    if (spf->result == RC_SPF_TEMPERROR) {
	v->spf_temperror = true;
	rc_verdict_add(v, spf->check, RC_TEMP, sc, text, spf->detail);
    } else
	rc_verdict_add(v, spf->check, sc != 0 ? RC_HIT : RC_PASS, sc, text, spf->detail);
}

/* Everything one message's checks hold while the loop runs. */
typedef struct msg {
    const RC_CONFIG *cfg;
    const RC_FACTS *facts;
    RC_ADDR     client;
    RC_RESOLVER r;
    bool        resolver_open;
    bool        client_checks;		/* not taken from the cache */
    bool        ptr_started;
    RC_PTRCHECK ptr;
    RC_HELOCHECK helo;
    RC_LISTS    lists;
    const char *domain;			/* sender domain or NULL */
} MSG;

/* on_confirmed - PTR name confirmed: start the lists that look it up */

static void
on_confirmed(void *arg, RC_RESOLVER *r, const char *name)
{
    MSG    *m = arg;

    rc_lists_ptr(&m->lists, r, name);
}

/* generic_finding - ptr_generic on the confirmed name, else the PTR name */

static void
generic_finding(MSG *m, RC_VERDICT *v)
{
    const char *name = rc_ptr_confirmed(&m->ptr);
    char    why[96], esc[RC_DETAIL_MAX], detail[RC_DETAIL_MAX];
    int     sc = m->cfg->scores[RC_CHK_PTR_GENERIC];

    if (sc == 0)
	return;
    if (name == NULL)
	name = rc_ptr_first_name(&m->ptr);
    if (name == NULL)
	return;
    rc_escape(esc, sizeof(esc), name, strlen(name));
    switch (rc_generic_classify(name, &m->client, why, sizeof(why))) {
    case RC_GENERIC_YES:
	snprintf(detail, sizeof(detail), "%.200s: %s", esc, why);
	rc_verdict_add(v, RC_CHK_PTR_GENERIC, RC_HIT, sc, rc_checkinfo[RC_CHK_PTR_GENERIC].text,
		       detail);
	break;
    case RC_GENERIC_VETO:
    case RC_GENERIC_NO:
	break;
    }
}

/* cache_store - keep the client-only findings for the next message */

static void
cache_store(RC_CONNCACHE *cache, const MSG *m, const RC_VERDICT *v, size_t from, size_t to)
{
    const char *name = m->ptr_started ? rc_ptr_confirmed(&m->ptr) : NULL;

    cache->valid = false;
    for (size_t i = from; i < to; i++)
	if (v->findings[i].status == RC_TEMP)
	    return;				/* try again next message */
    if (v->omitted_temp)
	return;
    cache->omitted = v->omitted;		/* all of them client findings so far */
    cache->omitted_score = v->omitted_score;
    cache->generation = m->cfg->generation;
    snprintf(cache->ip, sizeof(cache->ip), "%s", m->facts->ip);
    snprintf(cache->helo, sizeof(cache->helo), "%s", m->facts->helo ? m->facts->helo : "");
    cache->nfindings = to - from;
    memcpy(cache->findings, v->findings + from, (to - from) * sizeof(v->findings[0]));
    cache->have_name = (name != NULL && strlen(name) < sizeof(cache->confirmed));
    if (cache->have_name)
	strcpy(cache->confirmed, name);
    cache->valid = true;
}

static bool
cache_usable(const RC_CONNCACHE *cache, const RC_CONFIG *cfg, const RC_FACTS *facts)
{
    return (cache != NULL && cache->valid && cache->generation == cfg->generation
	    && strcmp(cache->ip, facts->ip) == 0
	    && strcmp(cache->helo, facts->helo ? facts->helo : "") == 0);
}

void
rc_engine_check(const RC_CONFIG *cfg, const RC_FACTS *facts, RC_CONNCACHE *cache,
		RC_VERDICT *v)
{
    long long t0 = rc_now_ms();
    const RC_IPENTRY *ipe;
    const RC_NAMEENTRY *dom = NULL;
    char    what[RC_DETAIL_MAX], buf[RC_DETAIL_MAX], err[200];
    const char *confirmed = NULL;
    MSG     m;
    size_t  client_from, client_to;
    int     want;
    RC_SPF  spf;
    bool    spf_ran = false;
    RC_FACTS nfacts;
    char    helo[256];

    /* Everything but the findings, which rc_verdict_add() clears one by one. */
    memset(v, 0, offsetof(RC_VERDICT, findings));
    memset(&m, 0, sizeof(m));
    /* The HELO name as every rule sees it: one trailing dot off. */
    nfacts = *facts;
    nfacts.helo = rc_helo_normalize(facts->helo, helo, sizeof(helo));
    facts = &nfacts;
    m.cfg = cfg;
    m.facts = facts;

    /* Skips: who is never checked. */
    if (facts->ip == NULL || *facts->ip == 0) {
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "local submission");
	goto done;
    }
    if (!rc_addr_parse(facts->ip, &m.client)) {
	rc_escape(buf, 64, facts->ip, strlen(facts->ip));
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "bad client address");
	snprintf(v->note, sizeof(v->note), "unusable client address %.64s", buf);
	goto done;
    }
    if (facts->authenticated && cfg->skip_authenticated) {
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "authenticated");
	goto done;
    }
    if ((ipe = rc_iptable_lookup(&cfg->skip_hosts, &m.client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "skip_hosts %.50s", buf);
	goto done;
    }

    /* The No Server Check list: entries that need no DNS. */
    if ((ipe = rc_iptable_lookup(&cfg->nsc_ip, &m.client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	snprintf(what, sizeof(what), "ip %.50s", buf);
	allowlist(v, what);
	goto done;
    }
    m.domain = sender_domain(facts->sender);
    if (m.domain != NULL && (dom = rc_nametable_lookup(&cfg->nsc_domain, m.domain)) != NULL
	&& !cfg->domain_requires_spf) {
	snprintf(what, sizeof(what), "domain %.250s", dom->name);
	allowlist(v, what);
	goto done;
    }
    /* A `domain' entry with domain_requires_spf: decided after SPF, below. */

    /* Checks: submit everything whose inputs are known, then wait once. */
    m.client_checks = !cache_usable(cache, cfg, facts);
    want = RC_LISTS_SENDER | (m.client_checks ? RC_LISTS_CLIENT : 0);
    if (!rc_resolver_open(&m.r, cfg->nameservers, cfg->nnameservers, facts->resolv_conf,
			  cfg->dns_timeout_ms, err, sizeof(err))) {
	rc_escape(buf, sizeof(buf), err, strlen(err));
	rc_verdict_add(v, RC_CHK_PTR_MISSING, RC_TEMP, 0,
		       "Relay Host: DNS checks not run", buf);
	goto decide;
    }
    m.resolver_open = true;
    if (m.client_checks) {
	if (needs_ptr(cfg)) {
	    rc_ptr_start(&m.ptr, &m.r, &m.client, cfg->max_ptr_names, on_confirmed, &m);
	    m.ptr_started = true;
	}
	rc_helo_start(&m.helo, &m.r, cfg, facts->helo, &m.client,
		      facts->primary_hostname, facts->interface_ip);
    }
    if (!rc_lists_start(&m.lists, &m.r, cfg, want, &m.client, facts->helo, m.domain))
	rc_verdict_add(v, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: not checked", "out of memory");

    /*
     * SPF runs while the queries above are in flight: its own lookups are
     * sequential, and each wait also processes the other answers.
     */
    if (needs_spf(cfg) || dom != NULL) {
	rc_spf_check(&spf, &m.r, facts->ip, facts->helo ? facts->helo : "",
		     facts->sender ? facts->sender : "", facts->primary_hostname);
	spf_ran = true;
	snprintf(v->received_spf, sizeof(v->received_spf), "%s", spf.received_spf);
	if (dom != NULL) {
	    if (spf.result == RC_SPF_PASS && !spf.helo_identity) {
		/* Honoured: the other checks' answers are not needed. */
		snprintf(what, sizeof(what), "domain %.200s, SPF pass", dom->name);
		allowlist(v, what);
		v->queries = m.r.nqueries;
		goto decide;
	    }
	    snprintf(v->note, sizeof(v->note), "domain entry %.200s not honoured: SPF %s",
		     dom->name, rc_spf_result_name(spf.result));
	}
    }
    rc_resolver_wait(&m.r, NULL);
    v->queries = m.r.nqueries;

    /* Findings, in a fixed order: client checks, then per-message ones. */
    client_from = v->nfindings;
    if (m.client_checks) {
	if (m.ptr_started) {
	    rc_ptr_finish(&m.ptr, cfg, v);
	    generic_finding(&m, v);
	    confirmed = rc_ptr_confirmed(&m.ptr);
	}
	rc_helo_finish(&m.helo, cfg, v);
	rc_lists_finish(&m.lists, v, RC_LISTS_CLIENT);
	client_to = v->nfindings;
	if (cache != NULL)
	    cache_store(cache, &m, v, client_from, client_to);
    } else {
	for (size_t i = 0; i < cache->nfindings; i++)
	    (void) rc_verdict_put(v, &cache->findings[i]);
	v->omitted += cache->omitted;
	v->omitted_score += cache->omitted_score;
	v->reused = true;
	confirmed = cache->have_name ? cache->confirmed : NULL;
    }
    rc_lists_finish(&m.lists, v, RC_LISTS_SENDER);
    if (spf_ran && needs_spf(cfg))
	spf_finding(cfg, &spf, v);

    /* The No Server Check list's `host' entries need the confirmed name. */
    if (confirmed != NULL) {
	const RC_NAMEENTRY *he = rc_nametable_lookup(&cfg->nsc_host, confirmed);

	if (he != NULL) {
	    rc_escape(buf, sizeof(buf), confirmed, strlen(confirmed));
	    if (he->below)
		snprintf(what, sizeof(what), "host .%.100s (%.200s)", he->name, buf);
	    else
		snprintf(what, sizeof(what), "host %.200s", he->name);
	    allowlist(v, what);
	}
    }

decide:
    if (m.resolver_open)
	rc_resolver_close(&m.r);
    rc_lists_free(&m.lists);
done:
    rc_verdict_decide(cfg, v);
    v->elapsed_ms = rc_now_ms() - t0;
}
