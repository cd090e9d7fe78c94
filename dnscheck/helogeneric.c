/*
 * helogeneric.c - helo_generic: the HELO name is a generic/dynamic name
 * for the client's address
 *
 * The PTR classifier (dnscheck/generic.c) applied to the HELO name, as
 * peers' HELO_DYNAMIC_* rules do: a client that greets as
 * "dsl-192-0-2-30.pool.isp.example" is a home connection whatever its PTR
 * says. It needs no DNS. Address literals and bare addresses are the
 * helo_bare_ip and helo_wrong_ip rules' business and are not judged
 * here; a name the classifier vetoes (a mail-server word) adds nothing.
 * It depends only on the client, so the engine keeps it per connection.
 */
#include <string.h>

#include "allowlist/addr.h"
#include "checkdef.h"

static void
row_finish(RC_RUN *run, void *state, RC_VERDICT *v)
{
    const char *helo = run->facts->helo;
    RC_ADDR lit;

    (void) state;
    if (helo == NULL || *helo == 0 || *helo == '[' || rc_addr_parse(helo, &lit))
	return;
    rc_checkdef_generic(run, RC_CHK_HELO_GENERIC, helo, v);
}

const RC_CHECKDEF rc_row_helo_generic = {
    .name = "helo_generic",
    .ids = {RC_CHK_HELO_GENERIC},
    .nids = 1,
    .scope = RC_SCOPE_CLIENT,
    .needs = RC_FACT_CLIENT | RC_FACT_HELO,
    .finish = row_finish,
};
