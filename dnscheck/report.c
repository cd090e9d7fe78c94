/*
 * report.c - headers, log line, SMTP reply and $local_scan_data
 */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "strbuf.h"

void
rc_report_finding(const RC_FINDING *f, char *buf, size_t len)
{
    RC_STRBUF o;

    rc_strbuf_fixed(&o, buf, len);
    /* a TEMP finding scores only as spf_temperror; shown as it counts */
    rc_strbuf_printf(&o, "%+d %s", f->status == RC_HIT || f->status == RC_TEMP ? f->score : 0, f->text);
    if (f->detail[0])
	rc_strbuf_printf(&o, " (%s)", f->detail);
}

/* omitted - the line that stands for the findings that did not fit */
static void
omitted(const RC_VERDICT *v, RC_STRBUF *o)
{
    rc_strbuf_printf(o, "%zu more finding%s not shown (%+d of the score%s)", v->omitted,
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
    RC_STRBUF o;
    int     shown = 0;
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16];

    rc_strbuf_fixed(&o, buf, len);
    rc_strbuf_printf(&o, "%s-Report:", cfg->header_prefix);
    for (size_t i = 0; i < v->nfindings; i++) {
	if (!rc_report_visible(&v->findings[i]))
	    continue;
	rc_report_finding(&v->findings[i], line, sizeof(line));
	rc_strbuf_printf(&o, "%s%s", shown++ ? "\n\t" : " ", line);
    }
    if (v->omitted > 0) {
	rc_strbuf_printf(&o, "%s", shown++ ? "\n\t" : " ");
	omitted(v, &o);
    }
    if (shown == 0)
	rc_strbuf_printf(&o, " no checks enabled");
    /* The header must end in a newline, even when cut short. */
    if (len < 2)
	return;					/* no room for one: "" or nothing */
    if (o.len >= len - 1 && len >= 2)
	o.len = len - 2;
    while (o.len > 0 && (buf[o.len - 1] == '\n' || buf[o.len - 1] == '\t'))
	o.len--;				/* cut at a fold: no empty line */
    buf[o.len++] = '\n';
    buf[o.len] = 0;
}

/* The ACL verbs a log line may name in acl=. */
const char *const rc_report_acl_actions[] = {
    "accept", "defer", "deny", "discard", "drop", "reject", NULL
};

/* put_checks - the checks= list of the log line and the ACL's verdict */

static void
put_checks(RC_STRBUF *o, const RC_VERDICT *v)
{
    int     n = 0;

    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];

	if (f->status == RC_HIT || f->status == RC_TEMP) {
	    rc_strbuf_printf(o, "%s%s", n++ ? "," : "", rc_checkinfo[f->check].id);
	    if (f->label[0])
		rc_strbuf_printf(o, ":%s", f->label);
	    if (f->status == RC_HIT)
		rc_strbuf_printf(o, "(%+d)", f->score);
	    else
		rc_strbuf_printf(o, "(temp)");
	}
	else if (f->check == RC_CHK_ALLOWLIST)
	    rc_strbuf_printf(o, "%s%s", n++ ? "," : "", rc_checkinfo[f->check].id);
    }
    /* findings that did not fit: their sum, so the line still adds up */
    if (v->omitted_score != 0)
	rc_strbuf_printf(o, "%somitted(%+d)", n++ ? "," : "", v->omitted_score);
    if (v->omitted_temp)
	rc_strbuf_printf(o, "%somitted(temp)", n++ ? "," : "");
    if (n == 0)
	rc_strbuf_printf(o, "none");
}

void
rc_report_log(const RC_VERDICT *v, const char *ip, char *buf, size_t len)
{
    rc_report_log_acl(v, ip, NULL, buf, len);
}

void
rc_report_log_acl(const RC_VERDICT *v, const char *ip, const RC_LOGEXTRA *x,
		  char *buf, size_t len)
{
    RC_STRBUF o;
    char    eip[64];

    rc_strbuf_fixed(&o, buf, len);
    rc_escape(eip, sizeof(eip), ip ? ip : "", ip ? strlen(ip) : 0);
    rc_strbuf_printf(&o, "relaycheck: ip=%s score=%d action=%s checks=", eip, v->score,
	v->config_error ? "tempreject" : x != NULL && x->spam_reject ? rc_action_name(RC_REJECT)
	: rc_action_name(v->action));
    put_checks(&o, v);
    if (v->allowlisted)
	rc_strbuf_printf(&o, " allowlisted=\"%s\"", v->findings[0].detail);
    if (v->note[0])
	rc_strbuf_printf(&o, " note=\"%s\"", v->note);
    if (!v->skipped && !v->config_error)
	rc_strbuf_printf(&o, " queries=%d%s", v->queries,
	    v->reused || (x != NULL && x->reused) ? " reused=yes" : "");
    rc_strbuf_printf(&o, " time=%ldms", v->elapsed_ms);
    if (x != NULL && x->exempt)
	rc_strbuf_printf(&o, " exempt=yes");
    if (x != NULL && x->acl != NULL)
	rc_strbuf_printf(&o, " acl=%s", x->acl);
    if (x != NULL && x->spam != NULL)
	rc_strbuf_printf(&o, " spam_score=%s", x->spam);
}

void
rc_report_acl_verdict(const RC_VERDICT *v, char *buf, size_t len)
{
    RC_STRBUF o;

    rc_strbuf_fixed(&o, buf, len);
    rc_strbuf_printf(&o, "action=%s score=%d checks=",
	v->config_error ? "tempreject" : rc_action_name(v->action), v->score);
    put_checks(&o, v);
    if (v->skipped)
	rc_strbuf_printf(&o, " skipped=\"%s\"", v->skip_reason);
}

/* ------------------------------------------------- the log line read back */

/* A piece of a line: not NUL-terminated. */
typedef struct span {
    const char *p;
    size_t      len;
} SPAN;

/* ends_with - does t end in the literal `s'? Then cut it off. */
static bool
ends_with(SPAN *t, const char *s)
{
    size_t  n = strlen(s);

    if (t->len < n || memcmp(t->p + t->len - n, s, n) != 0)
	return (false);
    t->len -= n;
    return (true);
}

/* find - the first (or last) `s' in t, or NULL */
static const char *
find(SPAN t, const char *s, bool last)
{
    size_t  n = strlen(s);
    const char *hit = NULL;

    for (size_t i = 0; i + n <= t.len; i++)
	if (memcmp(t.p + i, s, n) == 0) {
	    hit = t.p + i;
	    if (!last)
		break;
	}
    return (hit);
}

/* trailing_number - " <key>N" at the end of t, cut off; false if not there */
static bool
trailing_number(SPAN *t, const char *key, long *n)
{
    size_t  d = 0, klen = strlen(key);

    while (d < t->len && d < 12 && isdigit((unsigned char) t->p[t->len - 1 - d]))
	d++;
    if (d == 0 || t->len < d + klen || memcmp(t->p + t->len - d - klen, key, klen) != 0)
	return (false);
    *n = strtol(t->p + t->len - d, NULL, 10);
    t->len -= d + klen;
    return (true);
}

/* copy - a span into a buffer, false when it does not fit */
static bool
copy(char *dst, size_t len, SPAN t)
{
    if (t.len >= len)
	return (false);
    memcpy(dst, t.p, t.len);
    dst[t.len] = 0;
    return (true);
}

/* suffix - "(+n)", "(-n)" or "(temp)" at p; its length, 0 when none */
static size_t
suffix(const char *p, const char *end, bool *temp, int *score)
{
    size_t  n = 1;

    if (p >= end || *p != '(')
	return (0);
    if (end - p >= 6 && memcmp(p, "(temp)", 6) == 0) {
	*temp = true;
	return (6);
    }
    if (end - p < 4 || (p[1] != '+' && p[1] != '-'))
	return (0);
    while (p + n + 1 < end && n < 12 && isdigit((unsigned char) p[n + 1]))
	n++;
    if (n == 1 || p + n + 1 >= end || p[n + 1] != ')')
	return (0);
    *temp = false;
    *score = (int) strtol(p + 1, NULL, 10);
    return (n + 2);
}

/*
 * parse_item - one item of checks= at *pp, up to the ',' after it or
 * `end'. A label ends at the first "(+n)" or "(temp)" that ends the item.
 */
static bool
parse_item(const char **pp, const char *end, RC_LOGLINE *l)
{
    const char *p = *pp, *id = p, *lab = NULL, *lend = NULL;
    RC_LOGITEM it;
    size_t  n = 0;
    bool    temp = false;
    int     score = 0;

    memset(&it, 0, sizeof(it));
    while (p < end && (islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '_'))
	p++;
    if (p == id || !copy(it.id, sizeof(it.id), (SPAN) {id, (size_t) (p - id)}))
	return (false);
    if (p < end && *p == ':') {
	for (lab = ++p; p < end; p++)
	    if ((n = suffix(p, end, &temp, &score)) > 0 && (p + n == end || p[n] == ','))
		break;
	if (p == end || p == lab)
	    return (false);
	lend = p;
	if (!copy(it.label, sizeof(it.label), (SPAN) {lab, (size_t) (lend - lab)}))
	    return (false);
    } else if (p < end && *p == '(' && (n = suffix(p, end, &temp, &score)) == 0)
	return (false);
    p += n;
    if (p < end && *p++ != ',')
	return (false);
    if (p == end && p[-1] == ',')
	return (false);				/* "a," */
    *pp = p;
    if (strcmp(it.id, "omitted") == 0 && n > 0 && lab == NULL) {
	if (temp)
	    l->omitted_temp = true;
	else
	    l->omitted_score = score;
	return (true);
    }
    if (l->nitems == RC_MAX_FINDINGS)
	return (false);
    it.scored = n > 0 && !temp;
    it.temp = temp;
    it.score = it.scored ? score : 0;
    l->items[l->nitems++] = it;
    return (true);
}

/* quoted - the text of "...\"" from p to the last character of t */
static bool
quoted(SPAN t, const char *p, char *dst, size_t len)
{
    const char *end = t.p + t.len;

    if (end == p || end[-1] != '"')
	return (false);
    return (copy(dst, len, (SPAN) {p, (size_t) (end - 1 - p)}));
}

static bool parse_rest(const char *, RC_LOGLINE *);

/* spam_field - " spam_score=<text without blanks>" at the end of t, cut off */
static void
spam_field(SPAN *t, RC_LOGLINE *l)
{
    SPAN    f;
    const char *p = find(*t, " spam_score=", true);

    if (p == NULL || memchr(p + 12, ' ', (size_t) (t->p + t->len - p - 12)) != NULL)
	return;
    f = (SPAN) {p + 12, (size_t) (t->p + t->len - p - 12)};
    if (f.len == 0 || !copy(l->spam_score, sizeof(l->spam_score), f))
	return;
    t->len = (size_t) (p - t->p);
}

bool
rc_report_parse_log(const char *line, RC_LOGLINE *l)
{
    static const char head[] = "relaycheck: ip=";
    SPAN    t = {line, strlen(line)};
    const char *p, *q;

    memset(l, 0, sizeof(*l));
    ends_with(&t, "\n");
    if (t.len < sizeof(head) - 1 || memcmp(t.p, head, sizeof(head) - 1) != 0)
	return (false);
    /* The ip is escaped text: it ends at the " score=" after which the rest reads. */
    for (p = t.p + sizeof(head) - 1, q = p;
	 (q = find((SPAN) {q, (size_t) (t.p + t.len - q)}, " score=", false)) != NULL; q++)
	if (parse_rest(q + 7, l)) {
	    memset(l->ip, 0, sizeof(l->ip));
	    return (copy(l->ip, sizeof(l->ip), (SPAN) {p, (size_t) (q - p)}));
	}
    return (false);
}

/* parse_rest - the log line after " score=" */
static bool
parse_rest(const char *p, RC_LOGLINE *l)
{
    SPAN    t, items;
    const char *q, *cut_at;
    long    n;
    char   *e;
    int     a;

    memset(l, 0, sizeof(*l));
    errno = 0;
    n = strtol(p, &e, 10);
    if (errno || e == p || !isdigit((unsigned char) e[-1]) || n < -100000000 || n > 100000000
	|| strncmp(e, " action=", 8) != 0)
	return (false);
    l->score = (int) n;
    p = e + 8;
    for (a = RC_ACCEPT; a <= RC_REJECT; a++) {
	const char *name = rc_action_name((RC_ACTION) a);

	if (strncmp(p, name, strlen(name)) == 0 && strncmp(p + strlen(name), " checks=", 8) == 0)
	    break;
    }
    if (a > RC_REJECT)
	return (false);
    l->action = (RC_ACTION) a;
    p += strlen(rc_action_name(l->action)) + 8;
    t = (SPAN) {p, strlen(p)};
    ends_with(&t, "\n");

    /* From the end: spam_score=, acl=, exempt= (rc_report_log_acl()), time=, queries=
     * with reused=, then the quoted fields. */
    spam_field(&t, l);
    for (size_t i = 0; rc_report_acl_actions[i] != NULL; i++) {
	char    field[16];

	snprintf(field, sizeof(field), " acl=%s", rc_report_acl_actions[i]);
	if (ends_with(&t, field)) {
	    snprintf(l->acl, sizeof(l->acl), "%s", rc_report_acl_actions[i]);
	    break;
	}
    }
    l->exempt = ends_with(&t, " exempt=yes");
    if (ends_with(&t, "ms") && trailing_number(&t, " time=", &l->time_ms)) {
	l->reused = ends_with(&t, " reused=yes");
	if (trailing_number(&t, " queries=", &n)) {
	    l->has_queries = true;
	    l->queries = (int) n;
	} else if (l->reused)
	    return (false);
	q = t.p + strlen(rc_checkinfo[RC_CHK_ALLOWLIST].id);
	if (t.len > (size_t) (q - t.p) + 14 && memcmp(t.p, rc_checkinfo[RC_CHK_ALLOWLIST].id,
						   (size_t) (q - t.p)) == 0
	    && memcmp(q, " allowlisted=\"", 14) == 0) {
	    SPAN    rest = {q + 14, (size_t) (t.p + t.len - q - 14)};
	    const char *nt = find(rest, "\" note=\"", true);

	    /* the note is the module's own text: it holds no quote */
	    if (nt != NULL && memchr(nt + 8, '"', (size_t) (t.p + t.len - 1 - (nt + 8))) != NULL)
		nt = NULL;
	    l->allowlisted = true;
	    if (nt != NULL) {
		if (!quoted(t, nt + 8, l->note, sizeof(l->note)))
		    return (false);
		rest.len = (size_t) (nt + 1 - rest.p);
	    }
	    if (!quoted(rest, rest.p, l->allowlisted_what, sizeof(l->allowlisted_what)))
		return (false);
	    items = (SPAN) {t.p, (size_t) (q - t.p)};
	} else if (t.len > 0 && t.p[t.len - 1] == '"') {
	    if ((q = find(t, " note=\"", true)) == NULL
		|| !quoted(t, q + 7, l->note, sizeof(l->note)) || l->note[0] == 0)
		return (false);
	    items = (SPAN) {t.p, (size_t) (q - t.p)};
	} else
	    items = t;
	if (items.len == 4 && memcmp(items.p, "none", 4) == 0)
	    return (true);
	for (p = items.p; p < items.p + items.len;)
	    if (!parse_item(&p, items.p + items.len, l))
		return (false);
	return (items.len > 0);
    }

    /* Cut short: the whole items up to the first field after checks=. */
    l->cut = true;
    t = (SPAN) {p, strlen(p)};
    ends_with(&t, "\n");
    items = t;
    if ((cut_at = find(t, " allowlisted=\"", false)) != NULL) {
	l->allowlisted = true;
	items.len = (size_t) (cut_at - t.p);
    } else if ((cut_at = find(t, " note=\"", false)) != NULL)
	items.len = (size_t) (cut_at - t.p);
    else if ((cut_at = find(t, " queries=", false)) != NULL)
	items.len = (size_t) (cut_at - t.p);
    if (!(items.len == 4 && memcmp(items.p, "none", 4) == 0))
	for (p = items.p; p < items.p + items.len;) {
	    const char *end = memchr(p, ',', (size_t) (items.p + items.len - p));

	    /* an item cut in the middle is left out */
	    if (end == NULL && cut_at == NULL)
		break;
	    if (!parse_item(&p, items.p + items.len, l))
		break;
	}
    return (true);
}

/* span - how many characters of `set' start `p' (at most `max') */
static size_t
span(const char *p, const char *set, size_t max)
{
    size_t  n = 0;

    while (n < max && p[n] != 0 && strchr(set, p[n]) != NULL)
	n++;
    return (n);
}

/* msgid_part - `n' base-62 characters, then `sep' */
static bool
msgid_part(const char **pp, size_t n, char sep)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    if (span(*pp, b62, n) != n || (*pp)[n] != sep)
	return (false);
    *pp += n + 1;
    return (true);
}

/*
 * rc_report_own_line - Exim writes "YYYY-MM-DD HH:MM:SS", then optional
 * ".ddd" (log_selector millisec), " +hhmm" (log_timezone), " [pid]" (pid)
 * and " <message id>" (6-6-2 characters before Exim 4.97, 6-11-4 after),
 * then the text. Only a text that begins with "relaycheck: " is ours: the
 * same words anywhere else (a sender address in a rejection line) are
 * someone else's.
 */
const char *
rc_report_own_line(const char *line)
{
    static const char digits[] = "0123456789";
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    const char *p = line, *id;

    for (size_t i = 0; shape[i]; i++)
	if (shape[i] == 'd' ? !isdigit((unsigned char) p[i]) : p[i] != shape[i])
	    return (NULL);
    p += sizeof(shape) - 1;
    if (p[0] == '.' && span(p + 1, digits, 3) == 3)
	p += 4;
    if (p[0] == ' ' && (p[1] == '+' || p[1] == '-') && span(p + 2, digits, 4) == 4)
	p += 6;
    if (p[0] == ' ' && p[1] == '[') {
	size_t  n = span(p + 2, digits, 12);

	if (n == 0 || p[2 + n] != ']')
	    return (NULL);
	p += n + 3;
    }
    if (*p++ != ' ')
	return (NULL);
    id = p;
    if ((msgid_part(&p, 6, '-') && msgid_part(&p, 6, '-') && msgid_part(&p, 2, ' '))
	|| (p = id, msgid_part(&p, 6, '-') && msgid_part(&p, 11, '-') && msgid_part(&p, 4, ' ')))
	;
    else
	p = id;
    return (strncmp(p, "relaycheck: ", 12) == 0 ? p : NULL);
}

/* ------------------------------------------------------------- the reply */

/* reply_findings - the reply's lines after the first: each finding with its remedy */
static void
reply_findings(const RC_VERDICT *v, const char *eip, RC_STRBUF *o)
{
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16];

    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];
	const char *remedy = rc_checkinfo[f->check].remedy;

	if (f->status != RC_HIT && f->status != RC_TEMP)
	    continue;
	rc_report_finding(f, line, sizeof(line));
	rc_strbuf_printf(o, "\n%s", line);
	if (f->status == RC_HIT && remedy != NULL) {
	    /* The remedy is ours, with at most one "%s": the client IP. */
	    const char *at = strstr(remedy, "%s");

	    if (at == NULL)
		rc_strbuf_printf(o, ": %s", remedy);
	    else
		rc_strbuf_printf(o, ": %.*s%s%s", (int) (at - remedy), remedy, eip, at + 2);
	}
    }
    if (v->omitted_score != 0 || v->omitted_temp) {
	rc_strbuf_printf(o, "\n");
	omitted(v, o);
    }
}

void
rc_report_reply(const RC_CONFIG *cfg, const RC_VERDICT *v, const char *ip,
		char *buf, size_t len)
{
    RC_STRBUF o;
    char    eip[64];

    rc_strbuf_fixed(&o, buf, len);
    rc_escape(eip, sizeof(eip), ip, strlen(ip));
    if (v->action == RC_REJECT)
	rc_strbuf_printf(&o, "Relay host %s failed sender checks (score %d >= %d)", eip, v->score,
	    cfg->reject_score);
    else if (cfg->tempreject_score > 0 && v->score >= cfg->tempreject_score)
	rc_strbuf_printf(&o, "Relay host %s failed sender checks (score %d >= %d)", eip, v->score,
	    cfg->tempreject_score);
    else if (v->spf_temperror)			/* RFC 7208 8.6 */
	rc_strbuf_printf(&o, "4.4.3 Relay host %s could not be checked: SPF and DNS lookups failed, "
	    "try again later", eip);
    else
	rc_strbuf_printf(&o, "Relay host %s could not be checked: DNS lookups failed, "
	    "try again later", eip);
    reply_findings(v, eip, &o);
}

void
rc_report_reply_combined(const RC_VERDICT *v, const char *ip, const char *combined,
			 const char *threshold, char *buf, size_t len)
{
    RC_STRBUF o;
    char    eip[64];

    rc_strbuf_fixed(&o, buf, len);
    rc_escape(eip, sizeof(eip), ip, strlen(ip));
    rc_strbuf_printf(&o, "Relay host %s failed sender checks (combined spam score %s >= %s)",
	eip, combined, threshold);
    reply_findings(v, eip, &o);
}

void
rc_report_header_append(char *header, size_t size, const char *line)
{
    RC_STRBUF o;
    size_t  n = strnlen(header, size), end;

    if (n == 0 || n >= size || header[n - 1] != '\n')
	return;
    /* build over the final newline; what does not fit is cut */
    rc_strbuf_fixed(&o, header + n - 1, size - (n - 1));
    rc_strbuf_printf(&o, "\n\t%s", line);
    end = n - 1 + o.len;
    if (end > size - 2)
	end = size - 2;
    while (end > n - 1 && (header[end - 1] == '\n' || header[end - 1] == '\t'))
	end--;					/* cut at a fold: no empty line */
    header[end++] = '\n';
    header[end] = 0;
}

void
rc_report_lsdata(const RC_VERDICT *v, char *buf, size_t len)
{
    RC_STRBUF o;
    int     n = 0;

    rc_strbuf_fixed(&o, buf, len);
    if (v->skipped) {
	rc_strbuf_printf(&o, "skipped=%s", v->skip_reason);
	for (char *s = buf; len > 0 && *s; s++)	/* len 0: nothing was written */
	    if (*s == ' ')
		*s = '_';
	return;
    }
    rc_strbuf_printf(&o, "score=%d checks=", v->score);
    for (size_t i = 0; i < v->nfindings; i++)
	if (v->findings[i].status == RC_HIT || v->findings[i].check == RC_CHK_ALLOWLIST) {
	    rc_strbuf_printf(&o, "%s%s", n++ ? "," : "", rc_checkinfo[v->findings[i].check].id);
	    if (v->findings[i].label[0])
		rc_strbuf_printf(&o, ":%s", v->findings[i].label);
	}
    if (n == 0)
	rc_strbuf_printf(&o, "none");
}
