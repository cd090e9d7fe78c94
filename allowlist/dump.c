/*
 * dump.c - rc_config_dump(): the effective configuration as an INI text
 * that rc_config_load() reads back to the same configuration
 *
 * Every row of the option table with its value, in table order, built-in
 * defaults included; a key with a default is written even when empty
 * ("nameservers ="), a list without one only when it has entries. List
 * entries go one per line (codes four per line) so no line is long;
 * blocklists and the No Server Check list are written as loaded.
 */
#include "options.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck/decimal.h"
#include "dnscheck/strbuf.h"

/* dump_sockaddr - a nameserver as the file writes it (port 53 left out) */

static void
dump_sockaddr(RC_STRBUF *d, const struct sockaddr_storage *ss)
{
    char    host[INET6_ADDRSTRLEN];
    unsigned port;

    if (ss->ss_family == AF_INET) {
	const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

	inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	port = ntohs(sin->sin_port);
	if (port == 53)
	    rc_strbuf_printf(d, "%s", host);
	else
	    rc_strbuf_printf(d, "%s:%u", host, port);
    } else {
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

	inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	port = ntohs(sin6->sin6_port);
	if (port == 53)
	    rc_strbuf_printf(d, "%s", host);
	else
	    rc_strbuf_printf(d, "[%s]:%u", host, port);
    }
}

/* dump_row - one key and its value(s) */

static void
dump_row(RC_STRBUF *d, const RC_OPTION *o, const RC_CONFIG *cfg, const RC_LIST *l)
{
    const void *v = rc_option_value(cfg, l, o);
    bool    empty_line = (o->def != NULL);
    char    buf[RC_ADDR_STRLEN + 8];

    switch (o->type) {
    case RC_OPT_INT:
	rc_strbuf_printf(d, "%s = %d\n", o->name, *(const int *) v);
	break;
    case RC_OPT_DURATION:{
	    int     ms = *(const int *) v;

	    if (ms % 1000 == 0)
		rc_strbuf_printf(d, "%s = %ds\n", o->name, ms / 1000);
	    else
		rc_strbuf_printf(d, "%s = %dms\n", o->name, ms);
	    break;
	}
    case RC_OPT_DECIMAL:{
	    int     m = *(const int *) v;
	    char    num[RC_DECIMAL_STRLEN];

	    rc_decimal_format(m, rc_decimal_fewest(m), num, sizeof(num));
	    rc_strbuf_printf(d, "%s = %s\n", o->name, num);
	    break;
	}
    case RC_OPT_BOOL:
	rc_strbuf_printf(d, "%s = %s\n", o->name, *(const bool *) v ? "yes" : "no");
	break;
    case RC_OPT_STRING:
	if (*(const char *) v == 0)
	    rc_strbuf_printf(d, "%s =\n", o->name);	/* an empty value: off */
	else
	    rc_strbuf_printf(d, "%s = %s\n", o->name, (const char *) v);
	break;
    case RC_OPT_ENUM:{
	    int     n = *(const int *) v, nwords = 0;

	    while (o->words[nwords])
		nwords++;
	    rc_strbuf_printf(d, "%s = %s\n", o->name, o->words[n >= 0 && n < nwords ? n : 0]);
	    break;
	}
    case RC_OPT_SERVERS:
	if (cfg->nnameservers == 0 && empty_line)
	    rc_strbuf_printf(d, "%s =\n", o->name);
	for (size_t i = 0; i < cfg->nnameservers; i++) {
	    rc_strbuf_printf(d, "%s = ", o->name);
	    dump_sockaddr(d, &cfg->nameservers[i]);
	    rc_strbuf_printf(d, "\n");
	}
	break;
    case RC_OPT_CIDRS:{
	    const RC_IPTABLE *t = v;

	    if (t->n == 0 && empty_line)
		rc_strbuf_printf(d, "%s =\n", o->name);
	    for (size_t i = 0; i < t->n; i++) {
		rc_cidr_format(&t->v[i].cidr, buf, sizeof(buf));
		rc_strbuf_printf(d, "%s = %s\n", o->name, buf);
	    }
	    break;
	}
    case RC_OPT_DOMAINS:
    case RC_OPT_HOSTS:{
	    const RC_NAMETABLE *t = v;

	    if (t->n == 0 && empty_line)
		rc_strbuf_printf(d, "%s =\n", o->name);
	    for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].exact)
		    rc_strbuf_printf(d, "%s = %s\n", o->name, t->v[i].name);
		if (t->v[i].below && o->type == RC_OPT_HOSTS)
		    rc_strbuf_printf(d, "%s = .%s\n", o->name, t->v[i].name);
	    }
	    break;
	}
    case RC_OPT_LOCALPARTS:
	if (cfg->nexempt == 0 && empty_line)
	    rc_strbuf_printf(d, "%s =\n", o->name);
	for (size_t i = 0; i < cfg->nexempt; i++)
	    rc_strbuf_printf(d, "%s = %s\n", o->name, cfg->exempt_recipients[i]);
	break;
    case RC_OPT_CODES:
	for (size_t i = 0; i < l->ncodes; i++) {
	    char    code[64];

	    if (i % 4 == 0)
		rc_strbuf_printf(d, "%s%s = ", i ? "\n" : "", o->name);
	    else
		rc_strbuf_printf(d, ", ");
	    rc_code_format(&l->codes[i], code, sizeof(code));
	    rc_strbuf_printf(d, "%s", code);
	}
	if (l->ncodes > 0)
	    rc_strbuf_printf(d, "\n");
	break;
    }
}

/* dump_section - the rows of one section */

static void
dump_section(RC_STRBUF *d, unsigned section, const RC_CONFIG *cfg, const RC_LIST *l)
{
    for (const RC_OPTION *o = rc_options; o->name; o++)
	if (o->sections & section)
	    dump_row(d, o, cfg, l);
}

/* rc_config_dump - [relaycheck], [scores], the lists, [no_server_check] */

char   *
rc_config_dump(const RC_CONFIG *cfg)
{
    RC_STRBUF d;

    rc_strbuf_heap(&d);
    rc_strbuf_printf(&d, "; relaycheck: effective configuration (%s)\n",
	     cfg->path ? cfg->path : "built-in defaults");
    rc_strbuf_printf(&d, "\n[relaycheck]\n");
    dump_section(&d, RC_SEC_MAIN, cfg, NULL);

    rc_strbuf_printf(&d, "\n[scores]\n");
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	rc_strbuf_printf(&d, "%s = %d\n", rc_checkinfo[i].id, cfg->scores[i]);

    for (size_t i = 0; i < cfg->ndnsbl; i++) {
	rc_strbuf_printf(&d, "\n[dnsbl %s]\n", cfg->dnsbl[i].zone);
	dump_section(&d, RC_SEC_DNSBL, cfg, &cfg->dnsbl[i]);
    }
    for (size_t i = 0; i < cfg->nrhsbl; i++) {
	rc_strbuf_printf(&d, "\n[rhsbl %s]\n", cfg->rhsbl[i].zone);
	dump_section(&d, RC_SEC_RHSBL, cfg, &cfg->rhsbl[i]);
    }

    rc_strbuf_printf(&d, "\n[no_server_check]\n");
    dump_section(&d, RC_SEC_NSC, cfg, NULL);
    return (rc_strbuf_take(&d));
}
