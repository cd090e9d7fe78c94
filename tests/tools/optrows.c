/*
 * optrows.c - print the option table and the check catalogue's scores,
 * one key per line, for the tests that compare them with the documents
 *
 *	section <TAB> key <TAB> type <TAB> default
 *
 * section is relaycheck, no_server_check, dnsbl, rhsbl or scores (a row
 * of both list sections is printed for each); default is "-" for a key
 * without one ([no_server_check] lists; a list's label, which is its zone).
 */
#include <stdio.h>

#include "allowlist/options.h"

static const char *const type_names[] = {
    [RC_OPT_INT] = "int", [RC_OPT_DURATION] = "duration", [RC_OPT_BOOL] = "bool",
    [RC_OPT_STRING] = "string", [RC_OPT_ENUM] = "enum", [RC_OPT_DECIMAL] = "decimal", [RC_OPT_SERVERS] = "servers",
    [RC_OPT_CIDRS] = "cidrs", [RC_OPT_DOMAINS] = "domains", [RC_OPT_HOSTS] = "hosts",
    [RC_OPT_CODES] = "codes", [RC_OPT_LOCALPARTS] = "localparts",
};

int
main(void)
{
    static const struct {
	unsigned    bit;
	const char *name;
    } secs[] = {
	{RC_SEC_MAIN, "relaycheck"}, {RC_SEC_NSC, "no_server_check"},
	{RC_SEC_DNSBL, "dnsbl"}, {RC_SEC_RHSBL, "rhsbl"},
    };

    for (size_t s = 0; s < sizeof(secs) / sizeof(secs[0]); s++)
	for (const RC_OPTION *o = rc_options; o->name; o++)
	    if (o->sections & secs[s].bit)
		printf("%s\t%s\t%s\t%s\n", secs[s].name, o->name, type_names[o->type],
		       o->def ? o->def : "-");
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	printf("scores\t%s\tint\t%d\n", rc_checkinfo[i].id, rc_checkinfo[i].default_score);
    return (0);
}
