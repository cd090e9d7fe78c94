/*
 * engine.c - facts -> allowlist -> checks -> findings -> score -> action
 *
 * One call judges one message. Everything the checks look up is submitted
 * to one resolver session as soon as its inputs are known (the PTR
 * callback submits the forward lookups), and one loop waits for all of it
 * under the configured deadline. Checks add their findings after the loop,
 * in a fixed order, so the report reads the same however answers raced.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "../allowlist/addr.h"
#include "escape.h"
#include "ptr.h"
#include "resolver.h"

bool
rc_verdict_add(RC_VERDICT *v, RC_CHECK c, RC_STATUS st, int score,
	       const char *text, const char *detail)
{
    RC_FINDING *f;

    if (v->nfindings >= RC_MAX_FINDINGS)
	return (false);
    f = &v->findings[v->nfindings++];
    memset(f, 0, sizeof(*f));
    f->check = c;
    f->status = st;
    f->score = score;
    snprintf(f->text, sizeof(f->text), "%s", text);
    snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
    return (true);
}

/* rc_verdict_decide - sum HITs; reject, tempreject or accept */

void
rc_verdict_decide(const RC_CONFIG *cfg, RC_VERDICT *v)
{
    v->score = 0;
    v->temp_seen = false;
    for (size_t i = 0; i < v->nfindings; i++) {
	if (v->findings[i].status == RC_HIT)
	    v->score += v->findings[i].score;
	else if (v->findings[i].status == RC_TEMP)
	    v->temp_seen = true;
    }
    if (v->config_error)
	v->action = RC_TEMPREJECT;
    else if (v->allowlisted || v->skipped)
	v->action = RC_ACCEPT;
    else if (cfg->reject_score > 0 && v->score >= cfg->reject_score)
	v->action = RC_REJECT;
    else if (cfg->tempreject_score > 0 && v->score >= cfg->tempreject_score)
	v->action = RC_TEMPREJECT;
    else if (v->temp_seen && cfg->on_dns_failure == RC_DNSFAIL_TEMPREJECT)
	v->action = RC_TEMPREJECT;
    else
	v->action = RC_ACCEPT;
}

/* allowlist - replace every finding by the one "on the list" finding */

static void
allowlist(RC_VERDICT *v, const char *what)
{
    v->nfindings = 0;
    v->allowlisted = true;
    rc_verdict_add(v, RC_CHK_ALLOWLIST, RC_PASS, 0, rc_checkinfo[RC_CHK_ALLOWLIST].text, what);
}

/* skip - the message is not checked at all */

static void
skip(RC_VERDICT *v, const char *why)
{
    v->skipped = true;
    snprintf(v->skip_reason, sizeof(v->skip_reason), "%s", why);
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
	if (cfg->rhsbl[i].target == RC_RHS_PTR)
	    return (true);
    return (false);
}

void
rc_engine_check(const RC_CONFIG *cfg, const RC_FACTS *facts, RC_VERDICT *v)
{
    long long t0 = rc_now_ms();
    RC_ADDR client;
    const RC_IPENTRY *ipe;
    const RC_NAMEENTRY *dom = NULL;
    const char *domain;
    char    what[RC_DETAIL_MAX], buf[RC_DETAIL_MAX], err[200];
    RC_RESOLVER r;
    RC_PTRCHECK ptr;
    bool    ptr_started = false;

    memset(v, 0, sizeof(*v));

    /* Skips: who is never checked. */
    if (facts->ip == NULL || *facts->ip == 0) {
	skip(v, "local submission");
	goto done;
    }
    if (!rc_addr_parse(facts->ip, &client)) {
	rc_escape(buf, 64, facts->ip, strlen(facts->ip));
	snprintf(what, sizeof(what), "unusable client address %.64s", buf);
	skip(v, "bad client address");
	snprintf(v->note, sizeof(v->note), "%s", what);
	goto done;
    }
    if (facts->authenticated && cfg->skip_authenticated) {
	skip(v, "authenticated");
	goto done;
    }
    if ((ipe = rc_iptable_lookup(&cfg->skip_hosts, &client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	snprintf(v->skip_reason, sizeof(v->skip_reason), "skip_hosts %.50s", buf);
	v->skipped = true;
	goto done;
    }

    /* The No Server Check list: entries that need no DNS. */
    if ((ipe = rc_iptable_lookup(&cfg->nsc_ip, &client)) != NULL) {
	rc_cidr_format(&ipe->cidr, buf, sizeof(buf));
	snprintf(what, sizeof(what), "ip %.50s", buf);
	allowlist(v, what);
	goto done;
    }
    if ((domain = sender_domain(facts->sender)) != NULL
	&& (dom = rc_nametable_lookup(&cfg->nsc_domain, domain)) != NULL) {
	if (!cfg->domain_requires_spf) {
	    snprintf(what, sizeof(what), "domain %s", dom->name);
	    allowlist(v, what);
	    goto done;
	}
	/* SPF is not evaluated by this version: the entry cannot be honoured. */
	snprintf(v->note, sizeof(v->note),
		 "domain entry %s not honoured: domain_requires_spf = yes and "
		 "SPF is not evaluated", dom->name);
    }

    /* Checks: submit everything, then wait once. */
    if (!rc_resolver_open(&r, cfg->nameservers, cfg->nnameservers, facts->resolv_conf,
			  cfg->dns_timeout_ms, err, sizeof(err))) {
	char    esc[RC_DETAIL_MAX];

	rc_escape(esc, sizeof(esc), err, strlen(err));
	if (needs_ptr(cfg))
	    rc_verdict_add(v, RC_CHK_PTR_MISSING, RC_TEMP, 0,
			   "Relay Host: DNS PTR lookup failed", esc);
	goto decide;
    }
    if (needs_ptr(cfg)) {
	rc_ptr_start(&ptr, &r, &client, cfg->max_ptr_names);
	ptr_started = true;
    }
    rc_resolver_wait(&r, NULL);

    if (ptr_started) {
	const char *name = rc_ptr_confirmed(&ptr);
	const RC_NAMEENTRY *he;

	rc_ptr_finish(&ptr, cfg, v);
	if (name != NULL && (he = rc_nametable_lookup(&cfg->nsc_host, name)) != NULL) {
	    rc_escape(buf, sizeof(buf), name, strlen(name));
	    if (he->below)
		snprintf(what, sizeof(what), "host .%.100s (%.200s)", he->name, buf);
	    else
		snprintf(what, sizeof(what), "host %.200s", he->name);
	    allowlist(v, what);
	}
    }
    rc_resolver_close(&r);

decide:
    rc_verdict_decide(cfg, v);
done:
    if (v->skipped || v->allowlisted)
	rc_verdict_decide(cfg, v);
    v->elapsed_ms = rc_now_ms() - t0;
}
