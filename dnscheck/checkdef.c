/*
 * checkdef.c - the defaults of a check's row (see checkdef.h)
 */
#include "checkdef.h"

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
