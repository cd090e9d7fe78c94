/*
 * spfcheck.c - the SPF check's row: spf_pass ... spf_temperror
 *
 * The evaluation itself is rc_spf_check() (spf.h; libspf2 on the message's
 * resolver); this row runs it and turns its result into the finding.
 */
#include <stdio.h>

#include "checkdef.h"
#include "spf.h"

extern const RC_CHECKDEF rc_row_spf;

/*
 * row_start - the evaluation, synchronous: the row waits, so the engine
 * starts it after every other row. It runs when an spf_* id scores, and
 * also, for the result alone, when a No Server Check `domain' entry needs
 * it (the engine asks for RC_FACT_SPF then).
 */
static void
row_start(RC_RUN *run, void *state)
{
    const RC_FACTS *f = run->facts;

    rc_spf_check(state, run->r, f->ip, f->helo ? f->helo : "", f->sender ? f->sender : "",
		 f->primary_hostname);
    run->spf = state;
}

/* row_finish - the result as a finding when SPF scores; temperror is TEMP */

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    const RC_SPF *spf = state;
    char    text[RC_TEXT_MAX];
    int     sc = run->cfg->scores[spf->check];

    if (!rc_checkdef_scores(&rc_row_spf, run->cfg))
	return;
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

const RC_CHECKDEF rc_row_spf = {
    .name = "spf",
    .ids = {RC_CHK_SPF_PASS, RC_CHK_SPF_FAIL, RC_CHK_SPF_SOFTFAIL, RC_CHK_SPF_NEUTRAL,
	    RC_CHK_SPF_NONE, RC_CHK_SPF_PERMERROR, RC_CHK_SPF_TEMPERROR},
    .nids = 7,
    .scope = RC_SCOPE_MESSAGE,
    .needs = RC_FACT_CLIENT | RC_FACT_HELO | RC_FACT_SENDER,
    .provides = RC_FACT_SPF,
    .waits = true,
    .state_size = sizeof(RC_SPF),
    .start = row_start,
    .finish = row_finish,
};
