/*
 * ptrgeneric.c - ptr_generic: the client's PTR name is a generic/dynamic
 * name (dnscheck/generic.c decides)
 *
 * The forward-confirmed name is judged; without one, the first PTR name
 * (a generic name often has no working forward record). No PTR name, or a
 * name the classifier vetoes, adds nothing. It reads the names the PTR row
 * found, so it sits after that row in the table.
 */
#include <string.h>

#include "checkdef.h"

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    const char *name = run->ptr_confirmed ? run->ptr_confirmed : run->ptr_first;

    (void) state;
    if (name != NULL)
	rc_checkdef_generic(run, RC_CHK_PTR_GENERIC, name, v);
}

const RC_CHECKDEF rc_row_ptr_generic = {
    .name = "ptr_generic",
    .ids = {RC_CHK_PTR_GENERIC},
    .nids = 1,
    .scope = RC_SCOPE_CLIENT,
    .needs = RC_FACT_CLIENT | RC_FACT_PTR,
    .finish = row_finish,
};
