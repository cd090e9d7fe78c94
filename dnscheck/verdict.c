/*
 * verdict.c - add findings, decide score and action
 */
#include "verdict.h"

#include <stdio.h>
#include <string.h>

/* counts - does this finding count in the score or the action? */

static bool
counts(RC_STATUS st)
{
    return (st == RC_HIT || st == RC_TEMP);
}

/*
 * verdict_slot - room for one more finding of status `st': the next free
 * one, or, when full and `st' counts, the place of the last finding that
 * does not (moved out, later ones closing up, so the order stays). NULL:
 * no room; the finding is then counted in v->omitted*.
 */
static RC_FINDING *
verdict_slot(RC_VERDICT *v, RC_STATUS st, int score)
{
    if (v->nfindings < RC_MAX_FINDINGS)
	return (&v->findings[v->nfindings++]);
    if (counts(st)) {
	for (size_t i = v->nfindings; i-- > 0;) {
	    if (counts(v->findings[i].status))
		continue;
	    memmove(v->findings + i, v->findings + i + 1,
		    (v->nfindings - i - 1) * sizeof(v->findings[0]));
	    v->omitted++;
	    return (&v->findings[v->nfindings - 1]);
	}
    }
    v->omitted++;
    if (counts(st))
	v->omitted_score += score;
    if (st == RC_TEMP)
	v->omitted_temp = true;
    return (NULL);
}

/* rc_verdict_put - add a finding made earlier (the connection cache's) */

RC_FINDING *
rc_verdict_put(RC_VERDICT *v, const RC_FINDING *from)
{
    RC_FINDING *f;

    if ((f = verdict_slot(v, from->status, from->score)) != NULL)
	*f = *from;
    return (f);
}

/* rc_verdict_clear - drop every finding, shown or omitted */

void
rc_verdict_clear(RC_VERDICT *v)
{
    v->nfindings = 0;
    v->omitted = 0;
    v->omitted_score = 0;
    v->omitted_temp = false;
}

RC_FINDING *
rc_verdict_add(RC_VERDICT *v, RC_CHECK c, RC_STATUS st, int score,
	       const char *text, const char *detail)
{
    RC_FINDING *f;

    if ((f = verdict_slot(v, st, score)) == NULL)
	return (NULL);
    memset(f, 0, sizeof(*f));
    f->check = c;
    f->status = st;
    f->score = score;
    snprintf(f->text, sizeof(f->text), "%s", text);
    snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
    return (f);
}

/* rc_verdict_thresholds - the three keys that decide, from a configuration */

RC_THRESHOLDS
rc_verdict_thresholds(const RC_CONFIG *cfg)
{
    RC_THRESHOLDS t;

    t.reject_score = cfg->reject_score;
    t.tempreject_score = cfg->tempreject_score;
    t.on_dns_failure = cfg->on_dns_failure;
    return (t);
}

/* rc_verdict_action - score and TEMP against the thresholds */

RC_ACTION
rc_verdict_action(const RC_THRESHOLDS *t, int score, bool temp)
{
    if (t->reject_score > 0 && score >= t->reject_score)
	return (RC_REJECT);
    if (t->tempreject_score > 0 && score >= t->tempreject_score)
	return (RC_TEMPREJECT);
    if (temp && t->on_dns_failure == RC_DNSFAIL_TEMPREJECT)
	return (RC_TEMPREJECT);
    return (RC_ACCEPT);
}

/* rc_verdict_decide - sum HITs; reject, tempreject or accept */

void
rc_verdict_decide(const RC_CONFIG *cfg, RC_VERDICT *v)
{
    RC_THRESHOLDS t = rc_verdict_thresholds(cfg);

    v->score = v->omitted_score;
    v->temp_seen = v->omitted_temp;
    for (size_t i = 0; i < v->nfindings; i++) {
	if (v->findings[i].status == RC_HIT)
	    v->score += v->findings[i].score;
	else if (v->findings[i].status == RC_TEMP) {
	    v->temp_seen = true;
	    v->score += v->findings[i].score;	/* 0 but for spf_temperror */
	}
    }
    if (v->config_error)
	v->action = RC_TEMPREJECT;
    else if (v->allowlisted || v->skipped)
	v->action = RC_ACCEPT;
    else
	v->action = rc_verdict_action(&t, v->score, v->temp_seen);
}

const char *
rc_action_name(RC_ACTION a)
{
    switch (a) {
    case RC_ACCEPT:
	return ("accept");
    case RC_TEMPREJECT:
	return ("tempreject");
    case RC_REJECT:
	return ("reject");
    }
    return ("?");
}
