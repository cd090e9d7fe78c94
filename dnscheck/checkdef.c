/*
 * checkdef.c - the defaults of a check's row (see checkdef.h)
 */
#include "checkdef.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "generic.h"

/* rc_checkdef_scores - any of the row's [scores] ids non-zero */

bool
rc_checkdef_scores(const RC_CHECKDEF *d, const RC_CONFIG *cfg)
{
    for (size_t i = 0; i < d->nids; i++)
	if (d->ids[i] < RC_CHK_NSCORE_COUNT && cfg->scores[d->ids[i]] != 0)
	    return (true);
    return (false);
}

/* rc_checkdef_enabled - the row's own rule, or any of its scores */

bool
rc_checkdef_enabled(const RC_CHECKDEF *d, const RC_CONFIG *cfg)
{
    return (d->enabled != NULL ? d->enabled(cfg) : rc_checkdef_scores(d, cfg));
}

/* rc_checkdef_needs - the facts the row reads with this configuration */

unsigned
rc_checkdef_needs(const RC_CHECKDEF *d, const RC_CONFIG *cfg)
{
    return (d->needs | (d->needs_fn != NULL ? d->needs_fn(cfg) : 0));
}

void
rc_checkdef_generic(const RC_RUN *run, RC_CHECK c, const char *name, RC_VERDICT *v)
{
    char    why[96], esc[RC_DETAIL_MAX], detail[RC_DETAIL_MAX];

    if (rc_generic_classify(name, &run->client, why, sizeof(why)) != RC_GENERIC_YES)
	return;
    rc_escape(esc, sizeof(esc), name, strlen(name));
    snprintf(detail, sizeof(detail), "%.200s: %s", esc, why);
    rc_verdict_add(v, c, RC_HIT, run->cfg->scores[c], rc_checkinfo[c].text, detail);
}
