/*
 * report.c - headers, log line, SMTP reply and $local_scan_data
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

/* A bounded appender: writes what fits, never past the end. */
typedef struct out {
    char       *buf;
    size_t      len, used;
} OUT;

static void __attribute__((format(printf, 2, 3)))
put(OUT *o, const char *fmt,...)
{
    va_list ap;
    int     n;

    if (o->len == 0 || o->used >= o->len - 1)
	return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n < 0)
	return;
    o->used += (size_t) n;
    if (o->used >= o->len)
	o->used = o->len - 1;
}

static OUT
out_init(char *buf, size_t len)
{
    OUT     o = {buf, len, 0};

    if (len > 0)
	buf[0] = 0;
    return (o);
}

void
rc_report_finding(const RC_FINDING *f, char *buf, size_t len)
{
    OUT     o = out_init(buf, len);

    /* a TEMP finding scores only as spf_temperror; shown as it counts */
    put(&o, "%+d %s", f->status == RC_HIT || f->status == RC_TEMP ? f->score : 0, f->text);
    if (f->detail[0])
	put(&o, " (%s)", f->detail);
}

/* omitted - the line that stands for the findings that did not fit */
static void
omitted(const RC_VERDICT *v, OUT *o)
{
    put(o, "%zu more finding%s not shown (%+d of the score%s)", v->omitted,
	v->omitted == 1 ? "" : "s", v->omitted_score,
	v->omitted_temp ? ", some not checked" : "");
}

int
rc_report_visible(const RC_FINDING *f)
{
    return (f->status != RC_SKIP);
}

void
rc_report_header_score(const RC_CONFIG *cfg, const RC_VERDICT *v, char *buf, size_t len)
{
    snprintf(buf, len, "%s-Score: %d\n", cfg->header_prefix, v->score);
}

void
rc_report_header_report(const RC_CONFIG *cfg, const RC_VERDICT *v, char *buf, size_t len)
{
    OUT     o = out_init(buf, len);
    int     shown = 0;
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16];

    put(&o, "%s-Report:", cfg->header_prefix);
    for (size_t i = 0; i < v->nfindings; i++) {
	if (!rc_report_visible(&v->findings[i]))
	    continue;
	rc_report_finding(&v->findings[i], line, sizeof(line));
	put(&o, "%s%s", shown++ ? "\n\t" : " ", line);
    }
    if (v->omitted > 0) {
	put(&o, "%s", shown++ ? "\n\t" : " ");
	omitted(v, &o);
    }
    if (shown == 0)
	put(&o, " no checks enabled");
    /* The header must end in a newline, even when cut short. */
    if (len < 2)
	return;					/* no room for one: "" or nothing */
    if (o.used >= len - 1 && len >= 2)
	o.used = len - 2;
    while (o.used > 0 && (buf[o.used - 1] == '\n' || buf[o.used - 1] == '\t'))
	o.used--;				/* cut at a fold: no empty line */
    buf[o.used++] = '\n';
    buf[o.used] = 0;
}

void
rc_report_log(const RC_VERDICT *v, const char *ip, char *buf, size_t len)
{
    OUT     o = out_init(buf, len);
    char    eip[64];
    int     n = 0;

    rc_escape(eip, sizeof(eip), ip ? ip : "", ip ? strlen(ip) : 0);
    put(&o, "relaycheck: ip=%s score=%d action=%s checks=", eip, v->score,
	v->config_error ? "tempreject" : rc_action_name(v->action));
    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];

	if (f->status == RC_HIT || f->status == RC_TEMP) {
	    put(&o, "%s%s", n++ ? "," : "", rc_checkinfo[f->check].id);
	    if (f->label[0])
		put(&o, ":%s", f->label);
	    if (f->status == RC_HIT)
		put(&o, "(%+d)", f->score);
	    else
		put(&o, "(temp)");
	}
	else if (f->check == RC_CHK_ALLOWLIST)
	    put(&o, "%s%s", n++ ? "," : "", rc_checkinfo[f->check].id);
    }
    /* findings that did not fit: their sum, so the line still adds up */
    if (v->omitted_score != 0)
	put(&o, "%somitted(%+d)", n++ ? "," : "", v->omitted_score);
    if (v->omitted_temp)
	put(&o, "%somitted(temp)", n++ ? "," : "");
    if (n == 0)
	put(&o, "none");
    if (v->allowlisted)
	put(&o, " allowlisted=\"%s\"", v->findings[0].detail);
    if (v->note[0])
	put(&o, " note=\"%s\"", v->note);
    if (!v->skipped && !v->config_error)
	put(&o, " queries=%d%s", v->queries, v->reused ? " reused=yes" : "");
    put(&o, " time=%ldms", v->elapsed_ms);
}

void
rc_report_reply(const RC_CONFIG *cfg, const RC_VERDICT *v, const char *ip,
		char *buf, size_t len)
{
    OUT     o = out_init(buf, len);
    char    eip[64], line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16];

    rc_escape(eip, sizeof(eip), ip, strlen(ip));
    if (v->action == RC_REJECT)
	put(&o, "Relay host %s failed sender checks (score %d >= %d)", eip, v->score,
	    cfg->reject_score);
    else if (cfg->tempreject_score > 0 && v->score >= cfg->tempreject_score)
	put(&o, "Relay host %s failed sender checks (score %d >= %d)", eip, v->score,
	    cfg->tempreject_score);
    else if (v->spf_temperror)			/* RFC 7208 8.6 */
	put(&o, "4.4.3 Relay host %s could not be checked: SPF and DNS lookups failed, "
	    "try again later", eip);
    else
	put(&o, "Relay host %s could not be checked: DNS lookups failed, "
	    "try again later", eip);
    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];
	const char *remedy = rc_checkinfo[f->check].remedy;

	if (f->status != RC_HIT && f->status != RC_TEMP)
	    continue;
	rc_report_finding(f, line, sizeof(line));
	put(&o, "\n%s", line);
	if (f->status == RC_HIT && remedy != NULL) {
	    /* The remedy is ours, with at most one "%s": the client IP. */
	    const char *at = strstr(remedy, "%s");

	    if (at == NULL)
		put(&o, ": %s", remedy);
	    else
		put(&o, ": %.*s%s%s", (int) (at - remedy), remedy, eip, at + 2);
	}
    }
    if (v->omitted_score != 0 || v->omitted_temp) {
	put(&o, "\n");
	omitted(v, &o);
    }
}

void
rc_report_lsdata(const RC_VERDICT *v, char *buf, size_t len)
{
    OUT     o = out_init(buf, len);
    int     n = 0;

    if (v->skipped) {
	put(&o, "skipped=%s", v->skip_reason);
	for (char *s = buf; len > 0 && *s; s++)	/* len 0: nothing was written */
	    if (*s == ' ')
		*s = '_';
	return;
    }
    put(&o, "score=%d checks=", v->score);
    for (size_t i = 0; i < v->nfindings; i++)
	if (v->findings[i].status == RC_HIT || v->findings[i].check == RC_CHK_ALLOWLIST) {
	    put(&o, "%s%s", n++ ? "," : "", rc_checkinfo[v->findings[i].check].id);
	    if (v->findings[i].label[0])
		put(&o, ":%s", v->findings[i].label);
	}
    if (n == 0)
	put(&o, "none");
}
