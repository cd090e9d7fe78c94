/*
 * check.c - relaycheck's default mode: one message's facts through the
 * engine, exactly as the local_scan adapter runs them
 *
 * The same configuration loader, the same rc_front_check() (which runs
 * rc_engine_check() and renders every text) on the same facts, with no
 * connection cache. Printed: the findings, the total, the action, the
 * header lines the module would add, the SMTP reply Exim would send on a
 * rejection or $local_scan_data, and the main-log line; as text, or as
 * one JSON object (--json; its fields are in relaycheck(8)). The exit
 * status is the action: 0 accept, 1 reject (550), 2 tempreject (451).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dnscheck/engine.h"
#include "dnscheck/front.h"
#include "dnscheck/report.h"
#include "dnscheck/spf.h"
#include "cli.h"

/* The texts of the verdict, rendered as the adapter renders them. */
static RC_FRONT_OUT out;

/* print_reply - the reply as Exim sends it: "550-..." lines, "550 " last */
static void
print_reply(FILE *fp, int code, const char *text, const char *indent)
{
    const char *s = text;

    for (;;) {
	const char *nl = strchr(s, '\n');

	fprintf(fp, "%s%d%c%.*s\n", indent, code, nl ? '-' : ' ',
		nl ? (int) (nl - s) : (int) strlen(s), s);
	if (nl == NULL)
	    break;
	s = nl + 1;
    }
}

/* print_thresholds - "reject at N, tempreject at M, ..." */
static void
print_thresholds(FILE *fp, const RC_CONFIG *cfg)
{
    if (cfg->reject_score > 0)
	fprintf(fp, "reject at %d", cfg->reject_score);
    else
	fprintf(fp, "never rejects");
    if (cfg->tempreject_score > 0)
	fprintf(fp, ", tempreject at %d", cfg->tempreject_score);
    if (cfg->on_dns_failure == RC_DNSFAIL_TEMPREJECT)
	fprintf(fp, ", tempreject on DNS failure");
}

/* text_output - the verdict and every text of it, for a reader */
static void
text_output(const RC_CLI_ARGS *o, const RC_CONFIG *cfg, const char *cfgname,
	    const RC_VERDICT *v, int code)
{
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16];

    printf("relaycheck %s: client %s, HELO %s, sender <%s>%s\n", RC_VERSION, o->ip,
	   o->helo[0] ? o->helo : "(none)", o->from, o->auth ? ", authenticated" : "");
    printf("configuration: %s\n", cfgname);
    if (v->skipped) {
	printf("\nnot checked: %s\n", v->skip_reason);
	if (v->note[0])
	    printf("note: %s\n", v->note);
	printf("action: accept\n\n");
	printf("headers: none (messages that are not checked get no headers and no "
	       "log line)\n");
	printf("$local_scan_data: %s\n", out.lsdata);
	return;
    }
    printf("\nfindings:\n");
    for (size_t i = 0; i < v->nfindings; i++) {
	rc_report_finding(&v->findings[i], line, sizeof(line));
	printf("  %-4s %s\n", rc_status_name(v->findings[i].status), line);
    }
    if (v->omitted > 0)
	printf("  ...  %zu more findings not shown (%+d of the score%s)\n", v->omitted,
	       v->omitted_score, v->omitted_temp ? ", some not checked" : "");
    if (v->nfindings == 0 && v->omitted == 0)
	printf("  (none)\n");
    printf("total: %d (", v->score);
    print_thresholds(stdout, cfg);
    printf(")\n");
    printf("action: %s\n", rc_action_name(v->action));
    if (v->note[0])
	printf("note: %s\n", v->note);
    printf("\nheaders:\n%s%s%s", out.received_spf, out.score, out.report);
    if (code) {
	printf("\nSMTP reply:\n");
	print_reply(stdout, code, out.reply, "");
    } else
	printf("\n$local_scan_data: %s\n", out.lsdata);
    printf("\nmain log:\n%s\n", out.log);
}

/* rc_cli_check - the mode's run function (cli.h) */

int
rc_cli_check(const RC_CLI_ARGS *o)
{
    const RC_CONFIG *cfg;
    RC_FACTS facts;
    static RC_VERDICT verdict;
    RC_VERDICT *v = &verdict;
    char    cfgname[PATH_MAX + 64];
    int     status;

    if ((cfg = rc_cli_engine_config(o->config, cfgname, sizeof(cfgname), &status)) == NULL)
	return (status);

    /* The facts, as the adapter gathers them from Exim. */
    memset(&facts, 0, sizeof(facts));
    facts.ip = o->ip;
    facts.helo = o->helo;
    facts.sender = o->from;
    facts.authenticated = o->auth;
    facts.primary_hostname = o->hostname;
    facts.interface_ip = o->interface;

    rc_spf_set_log(rc_cli_spf_log);
    rc_front_check(cfg, &facts, NULL, v, &out);
    rc_spf_shutdown();
    status = rc_cli_exit_status(&out);
    if (o->json)
	rc_cli_json_verdict(stdout, &facts, cfg, cfgname, v, &out, status, false);
    else
	text_output(o, cfg, cfgname, v, out.code);
    rc_cli_config_release();
    if (fflush(stdout) != 0 || ferror(stdout)) {
	fprintf(stderr, "%s: writing output: %s\n", rc_cli_progname, strerror(errno));
	return (EX_SOFTWARE);
    }
    return (status);
}
