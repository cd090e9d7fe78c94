/*
 * engine.c - facts -> allowlist -> checks -> findings -> score -> action
 *
 * One call judges one message. The checks are the rows of the check table
 * (table.h): every row that is enabled, or provides a fact an enabled row
 * needs, is started at once on the message's one resolver session; rows
 * submit further queries from their callbacks (the PTR chain, the lists
 * on the confirmed name). The row that waits (SPF) starts last, so the
 * others' answers are handled while it waits. One loop then waits for all
 * of it under the configured deadline, so a message costs its longest
 * chain of lookups, not their sum. Findings are added after the loop in
 * table order, client rows first, so the report reads the same however
 * the answers raced; the client rows' findings are what the connection
 * cache keeps.
 */
#include "engine.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/addr.h"
#include "escape.h"
#include "helo.h"
#include "resolver.h"
#include "spf.h"
#include "table.h"

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

/* Everything one message's checks hold while the loop runs. */
typedef struct msg {
    RC_RUN      run;
    bool        on[RC_TABLE_MAX];	/* the row was started */
    bool        nomem[RC_TABLE_MAX];	/* it could not be: no memory for its state */
    void       *state[RC_TABLE_MAX];
} MSG;

/* on_confirmed - PTR name confirmed: every started row that asked for it */

static void
on_confirmed(void *arg, RC_RESOLVER *r, const char *name)
{
    MSG    *m = arg;

    for (size_t i = 0; i < rc_check_table_len; i++)
	if (m->on[i] && rc_check_table[i]->confirmed != NULL)
	    rc_check_table[i]->confirmed(&m->run, m->state[i], r, name);
}

/*
 * choose - which rows run: the enabled ones (client rows only when the
 * cache does not answer, message rows only when the sender is known),
 * then those that provide a fact a running row, the No Server Check
 * `host' entries (PTR) or a `domain' entry (SPF) need.
 */
static void
choose(MSG *m, bool client_rows, bool need_spf)
{
    const RC_CONFIG *cfg = m->run.cfg;
    bool    message_rows = (m->run.facts->sender != NULL);
    unsigned wanted = 0;

    for (size_t i = 0; i < rc_check_table_len; i++) {
	const RC_CHECKDEF *d = rc_check_table[i];

	if ((d->scope == RC_SCOPE_CLIENT && !client_rows)
	    || (d->scope == RC_SCOPE_MESSAGE && !message_rows) || !rc_checkdef_enabled(d, cfg))
	    continue;
	m->on[i] = true;
	wanted |= rc_checkdef_needs(d, cfg);
    }
    if (client_rows && cfg->nsc_host.n > 0)
	wanted |= RC_FACT_PTR;
    if (need_spf)
	wanted |= RC_FACT_SPF;
    for (size_t i = 0; i < rc_check_table_len; i++) {
	const RC_CHECKDEF *d = rc_check_table[i];

	if ((d->scope == RC_SCOPE_CLIENT && !client_rows)
	    || (d->scope == RC_SCOPE_MESSAGE && !message_rows) || !(d->provides & wanted))
	    continue;
	m->on[i] = true;
    }
}

/* start - allocate a row's state and start it; false when out of memory */

static bool
start(MSG *m, size_t i)
{
    const RC_CHECKDEF *d = rc_check_table[i];

    if (d->state_size > 0 && (m->state[i] = calloc(1, d->state_size)) == NULL) {
	m->on[i] = false;
	m->nomem[i] = true;
	return (false);
    }
    if (d->start != NULL)
	d->start(&m->run, m->state[i]);
    return (true);
}

/* finish_rows - the findings of the started rows of one scope, in table order */

static void
finish_rows(MSG *m, RC_SCOPE scope, RC_VERDICT *v)
{
    for (size_t i = 0; i < rc_check_table_len; i++) {
	const RC_CHECKDEF *d = rc_check_table[i];

	if (d->scope != scope)
	    continue;
	if (m->nomem[i]) {
	    char    text[RC_TEXT_MAX];

	    snprintf(text, sizeof(text), "%s (not checked)", rc_checkinfo[d->ids[0]].text);
	    rc_verdict_add(v, d->ids[0], RC_TEMP, 0, text, "out of memory");
	    continue;
	}
	if (m->on[i] && d->finish != NULL)
	    d->finish(&m->run, m->state[i], v);
    }
}

/* release - free every row's state */

static void
release(MSG *m)
{
    for (size_t i = 0; i < rc_check_table_len; i++) {
	if (m->state[i] != NULL && rc_check_table[i]->release != NULL)
	    rc_check_table[i]->release(m->state[i]);
	free(m->state[i]);
	m->state[i] = NULL;
    }
}

/* cache_store - keep the client-only findings for the next message */

static void
cache_store(RC_CONNCACHE *cache, const MSG *m, const RC_VERDICT *v, size_t from, size_t to)
{
    const char *name = m->run.ptr_confirmed;

    cache->valid = false;
    for (size_t i = from; i < to; i++)
	if (v->findings[i].status == RC_TEMP)
	    return;				/* try again next message */
    if (v->omitted_temp)
	return;
    cache->omitted = v->omitted;		/* all of them client findings so far */
    cache->omitted_score = v->omitted_score;
    cache->generation = m->run.cfg->generation;
    snprintf(cache->ip, sizeof(cache->ip), "%s", m->run.facts->ip);
    snprintf(cache->helo, sizeof(cache->helo), "%s",
	     m->run.facts->helo ? m->run.facts->helo : "");
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

/*
 * The message in flight, in static storage rather than on the stack: when
 * the adapter's abort guard jumps out of a check, what the abandoned
 * message allocated stays reachable from here (never freed, as its state
 * is unknown; the adapter declines further messages on that connection),
 * so leak checkers do not report it. Not thread-local on purpose: valgrind
 * does not follow a dlopen()ed module's dynamic TLS. So one message at a
 * time per process, as Exim and the command call it; a caller running
 * engines in threads must give each its own.
 */
static MSG inflight_msg;
static RC_RESOLVER inflight_resolver;

void
rc_engine_check(const RC_CONFIG *cfg, const RC_FACTS *facts, RC_CONNCACHE *cache,
		RC_VERDICT *v)
{
    long long t0 = rc_now_ms();
    const RC_IPENTRY *ipe;
    const RC_NAMEENTRY *dom = NULL;
    char    what[RC_DETAIL_MAX], buf[RC_DETAIL_MAX], err[200];
    const char *confirmed = NULL;
    MSG    *const m = &inflight_msg;
    RC_RESOLVER *const r = &inflight_resolver;
    size_t  client_from;
    bool    client_rows;
    RC_FACTS nfacts;
    char    helo[256];

    /* Everything but the findings, which rc_verdict_add() clears one by one. */
    memset(v, 0, offsetof(RC_VERDICT, findings));
    memset(m, 0, sizeof(*m));
    memset(r, 0, sizeof(*r));
    /* The HELO name as every rule sees it: one trailing dot off. */
    nfacts = *facts;
    nfacts.helo = rc_helo_normalize(facts->helo, helo, sizeof(helo));
    facts = &nfacts;
    m->run.cfg = cfg;
    m->run.facts = facts;
    m->run.on_confirmed = on_confirmed;
    m->run.on_confirmed_arg = m;

    /* Skips: who is never checked. */
    if (facts->ip == NULL || *facts->ip == 0) {
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "local submission");
	goto done;
    }
    if (!rc_addr_parse(facts->ip, &m->run.client)) {
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
    if ((ipe = rc_iptable_lookup(&cfg->skip_hosts, &m->run.client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	v->skipped = true;
	snprintf(v->skip_reason, sizeof(v->skip_reason), "skip_hosts %.50s", buf);
	goto done;
    }

    /* The No Server Check list: entries that need no DNS. */
    if ((ipe = rc_iptable_lookup(&cfg->nsc_ip, &m->run.client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	snprintf(what, sizeof(what), "ip %.50s", buf);
	allowlist(v, what);
	goto done;
    }
    m->run.sender_domain = sender_domain(facts->sender);
    if (m->run.sender_domain != NULL
	&& (dom = rc_nametable_lookup(&cfg->nsc_domain, m->run.sender_domain)) != NULL
	&& !cfg->domain_requires_spf) {
	snprintf(what, sizeof(what), "domain %.250s", dom->name);
	allowlist(v, what);
	goto done;
    }
    /* A `domain' entry with domain_requires_spf: decided after SPF, below. */

    /* Checks: start every row whose inputs are known, then wait once. */
    client_rows = !cache_usable(cache, cfg, facts);
    if (!rc_resolver_open(r, cfg->nameservers, cfg->nnameservers, facts->resolv_conf,
			  cfg->dns_timeout_ms, err, sizeof(err))) {
	rc_escape(buf, sizeof(buf), err, strlen(err));
	rc_verdict_add(v, RC_CHK_PTR_MISSING, RC_TEMP, 0,
		       "Relay Host: DNS checks not run", buf);
	goto decide;
    }
    m->run.r = r;
    choose(m, client_rows, dom != NULL);
    for (int waits = 0; waits <= 1; waits++)
	for (size_t i = 0; i < rc_check_table_len; i++)
	    if (m->on[i] && rc_check_table[i]->waits == waits)
		(void) start(m, i);

    /* SPF has run: a `domain' entry is honoured on a pass for MAIL FROM. */
    if (m->run.spf != NULL) {
	snprintf(v->received_spf, sizeof(v->received_spf), "%s", m->run.spf->received_spf);
	if (dom != NULL) {
	    if (m->run.spf->result == RC_SPF_PASS && !m->run.spf->helo_identity) {
		/* Honoured: the other checks' answers are not needed. */
		snprintf(what, sizeof(what), "domain %.200s, SPF pass", dom->name);
		allowlist(v, what);
		v->queries = r->nqueries;
		goto decide;
	    }
	    snprintf(v->note, sizeof(v->note), "domain entry %.200s not honoured: SPF %s",
		     dom->name, rc_spf_result_name(m->run.spf->result));
	}
    }
    rc_resolver_wait(r, NULL);
    v->queries = r->nqueries;

    /* Findings, in table order: client rows (or the cache), then the rest. */
    client_from = v->nfindings;
    if (client_rows) {
	finish_rows(m, RC_SCOPE_CLIENT, v);
	confirmed = m->run.ptr_confirmed;
	if (cache != NULL)
	    cache_store(cache, m, v, client_from, v->nfindings);
    } else {
	for (size_t i = 0; i < cache->nfindings; i++)
	    (void) rc_verdict_put(v, &cache->findings[i]);
	v->omitted += cache->omitted;
	v->omitted_score += cache->omitted_score;
	v->reused = true;
	confirmed = cache->have_name ? cache->confirmed : NULL;
    }
    finish_rows(m, RC_SCOPE_MESSAGE, v);

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
    if (m->run.r != NULL)
	rc_resolver_close(r);
    release(m);
done:
    rc_verdict_decide(cfg, v);
    v->elapsed_ms = rc_now_ms() - t0;
}
