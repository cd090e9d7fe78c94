/*
 * cli.c - what the parts of the relaycheck command share (see cli.h)
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dnscheck/report.h"
#include "dnscheck/spf.h"

const char rc_cli_progname[] = "relaycheck";

/* Set when the configuration exists but this user may not read it. */
bool    rc_cli_config_noperm;

/* The configuration, found as the adapter finds it (front.h). */
static RC_FRONT_CFG front_cfg;

/* rc_cli_config_load - the configuration the module would use (cli.h) */

const RC_CONFIG *
rc_cli_config_load(const char *opt_path, const char **used, bool *defaults)
{
    const char *path = rc_front_config_path(opt_path, NULL);
    const RC_CONFIG *cfg;
    RC_FRONT_LOOKUP lk;

    *used = path;
    *defaults = false;
    if (access(path, R_OK) < 0 && errno == EACCES) {
	/* Not an error of the file: the module (Debian-exim) may well read it. */
	fprintf(stderr, "%s: %s: not readable by this user; run relaycheck as root or as a "
		"member of the file's group (Debian-exim)\n", rc_cli_progname, path);
	rc_cli_config_noperm = true;
	return (NULL);
    }
    if ((cfg = rc_front_config(&front_cfg, opt_path, NULL, &lk)) == NULL)
	fputs(rc_front_errors(&lk), stderr);
    *defaults = lk.defaults;
    rc_front_lookup_free(&lk);
    return (cfg);
}

/* rc_cli_config_release - the configuration freed */

void
rc_cli_config_release(void)
{
    rc_front_config_free(&front_cfg);
}

/* rc_cli_engine_config - the configuration for a mode that runs the engine (cli.h) */

const RC_CONFIG *
rc_cli_engine_config(const char *opt_path, char *cfgname, size_t len, int *status)
{
    const char *used;
    bool    defaults;
    const RC_CONFIG *cfg;

    if ((cfg = rc_cli_config_load(opt_path, &used, &defaults)) == NULL) {
	if (rc_cli_config_noperm) {
	    *status = EX_NOPERM;
	    return (NULL);
	}
	fprintf(stderr, "%s: %s: configuration error: the module answers every message "
		"\"451 %s\"\n", rc_cli_progname, used, RC_FRONT_CONFIG_ERROR_REPLY);
	*status = EX_CONFIG;
	return (NULL);
    }
    if (defaults)
	snprintf(cfgname, len, "built-in defaults (%s not found)", used);
    else
	snprintf(cfgname, len, "%s", used);
    return (cfg);
}

/* rc_cli_spf_log - libspf2's warnings, which the module writes to the main log */

void
rc_cli_spf_log(int level, const char *msg)
{
    if (level <= RC_SPF_LOG_WARNING)
	fprintf(stderr, "%s: spf: %s\n", rc_cli_progname, msg);
}

/* rc_cli_relay_facts - one relay's facts in a pool worker (cli.h) */

void
rc_cli_relay_facts(RC_FACTS *facts, const char *req, int skip, const char *hostname,
		   const char *interface)
{
    static bool spf_set;
    const char *f[4];

    if (!spf_set) {
	rc_spf_set_log(rc_cli_spf_log);
	spf_set = true;
    }
    while (skip-- > 0)
	req += strlen(req) + 1;
    f[0] = req;
    for (int i = 1; i < 4; i++)
	f[i] = f[i - 1] + strlen(f[i - 1]) + 1;
    memset(facts, 0, sizeof(*facts));
    facts->ip = f[0];
    facts->helo = f[1];
    facts->sender = f[2];
    facts->authenticated = f[3][0] == '1';
    facts->primary_hostname = hostname;
    facts->interface_ip = interface;
}

/* rc_cli_worker_end - a pool worker's end (cli.h) */

void
rc_cli_worker_end(void)
{
    rc_spf_shutdown();
    rc_cli_config_release();
}

/* rc_cli_json_str - a JSON string */

void
rc_cli_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; s && *s; s++) {
	unsigned char c = (unsigned char) *s;

	switch (c) {
	case '"':
	    fputs("\\\"", fp);
	    break;
	case '\\':
	    fputs("\\\\", fp);
	    break;
	case '\n':
	    fputs("\\n", fp);
	    break;
	case '\t':
	    fputs("\\t", fp);
	    break;
	case '\r':
	    fputs("\\r", fp);
	    break;
	default:
	    if (c < 0x20 || c == 0x7f)
		fprintf(fp, "\\u%04x", c);
	    else
		fputc(c, fp);
	}
    }
    fputc('"', fp);
}

/* rc_cli_xrealloc - realloc() or exit */

void   *
rc_cli_xrealloc(void *p, size_t n)
{
    void   *q = realloc(p, n);

    if (q == NULL) {
	fprintf(stderr, "%s: out of memory\n", rc_cli_progname);
	exit(EX_SOFTWARE);
    }
    return (q);
}

/* split_header - "Name: value\n" -> name, and value (without the newline) */
static void
split_header(const char *text, char *name, size_t nlen, const char **value, size_t *vlen)
{
    const char *colon = strchr(text, ':');
    size_t  n = colon ? (size_t) (colon - text) : 0;
    size_t  len = strlen(text);

    snprintf(name, nlen, "%.*s", (int) n, text);
    *value = colon ? colon + 1 : text;
    while (**value == ' ')
	(*value)++;
    *vlen = len - (size_t) (*value - text);
    if (*vlen > 0 && (*value)[*vlen - 1] == '\n')
	(*vlen)--;
}

/* json_reply_lines - the reply's lines as Exim sends them, a JSON array */
static void
json_reply_lines(FILE *fp, int code, const char *text)
{
    const char *s = text;
    bool    first = true;

    fputc('[', fp);
    for (;;) {
	const char *nl = strchr(s, '\n');
	char    line[RC_TEXT_MAX + RC_DETAIL_MAX + 512];

	snprintf(line, sizeof(line), "%d%c%.*s", code, nl ? '-' : ' ',
		 nl ? (int) (nl - s) : (int) strlen(s), s);
	if (!first)
	    fputs(", ", fp);
	first = false;
	rc_cli_json_str(fp, line);
	if (nl == NULL)
	    break;
	s = nl + 1;
    }
    fputc(']', fp);
}

/* rc_cli_exit_status - the exit status of a verdict's texts (cli.h) */

int
rc_cli_exit_status(const RC_FRONT_OUT *out)
{
    if (out->code == 550)
	return (RC_CLI_EXIT_REJECT);
    if (out->code == 451)
	return (RC_CLI_EXIT_TEMPREJECT);
    return (RC_CLI_EXIT_ACCEPT);
}

/* rc_cli_json_verdict - the --json object of one verdict (cli.h) */

void
rc_cli_json_verdict(FILE *fp, const RC_FACTS *facts, const RC_CONFIG *cfg,
		    const char *cfgname, const RC_VERDICT *v, const RC_FRONT_OUT *out,
		    int status, bool oneline)
{
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16], name[RC_PREFIX_MAX + 16];
    const char *hdrs[3] = {out->received_spf, out->score, out->report};
    const char *nl1 = oneline ? " " : "\n ";	/* before a field that starts a line */
    const char *nl2 = oneline ? "" : "\n  ";	/* before an item of a list */
    int     nh = 0;
    int     code = out->code;

    fprintf(fp, "{\"version\": ");
    rc_cli_json_str(fp, RC_VERSION);
    fprintf(fp, ", \"config\": ");
    rc_cli_json_str(fp, cfgname);
    fprintf(fp, ",%s\"ip\": ", nl1);
    rc_cli_json_str(fp, facts->ip);
    fprintf(fp, ", \"helo\": ");
    rc_cli_json_str(fp, facts->helo);
    fprintf(fp, ", \"sender\": ");
    rc_cli_json_str(fp, facts->sender);
    fprintf(fp, ", \"authenticated\": %s,%s\"findings\": [",
	    facts->authenticated ? "true" : "false", nl1);
    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];

	rc_report_finding(f, line, sizeof(line));
	fprintf(fp, "%s%s{\"check\": ", i ? (oneline ? ", " : ",") : "", nl2);
	rc_cli_json_str(fp, rc_checkinfo[f->check].id);
	fprintf(fp, ", \"status\": ");
	rc_cli_json_str(fp, rc_status_name(f->status));
	fprintf(fp, ", \"score\": %d, \"text\": ",
		f->status == RC_HIT || f->status == RC_TEMP ? f->score : 0);
	rc_cli_json_str(fp, f->text);
	fprintf(fp, ", \"detail\": ");
	rc_cli_json_str(fp, f->detail);
	fprintf(fp, ", \"label\": ");
	rc_cli_json_str(fp, f->label);
	fprintf(fp, ", \"line\": ");
	rc_cli_json_str(fp, line);
	fprintf(fp, "}");
    }
    fprintf(fp, "],%s\"omitted\": {\"findings\": %zu, \"score\": %d, \"temp\": %s},", nl1,
	    v->omitted, v->omitted_score, v->omitted_temp ? "true" : "false");
    fprintf(fp, "%s\"score\": %d, \"action\": \"%s\", \"skipped\": ", nl1, v->score,
	    rc_action_name(v->action));
    if (v->skipped)
	rc_cli_json_str(fp, v->skip_reason);
    else
	fprintf(fp, "false");
    fprintf(fp, ", \"allowlisted\": %s, \"temp\": %s, \"reject_score\": %d, "
	    "\"tempreject_score\": %d,%s\"note\": ",
	    v->allowlisted ? "true" : "false", v->temp_seen ? "true" : "false",
	    cfg->reject_score, cfg->tempreject_score, nl1);
    rc_cli_json_str(fp, v->note);
    fprintf(fp, ", \"queries\": %d, \"time_ms\": %ld,%s\"headers\": [", v->queries,
	    v->elapsed_ms, nl1);
    for (int i = 0; i < 3 && !v->skipped; i++) {
	const char *val;
	size_t  vlen;
	char   *copy;

	if (hdrs[i][0] == 0)
	    continue;
	split_header(hdrs[i], name, sizeof(name), &val, &vlen);
	if ((copy = strndup(val, vlen)) == NULL)
	    exit(EX_SOFTWARE);
	fprintf(fp, "%s%s{\"name\": ", nh++ ? (oneline ? ", " : ",") : "", nl2);
	rc_cli_json_str(fp, name);
	fprintf(fp, ", \"value\": ");
	rc_cli_json_str(fp, copy);
	fprintf(fp, ", \"text\": ");
	rc_cli_json_str(fp, hdrs[i]);
	fprintf(fp, "}");
	free(copy);
    }
    fprintf(fp, "],%s\"reply\": ", nl1);
    if (code) {
	fprintf(fp, "{\"code\": %d, \"text\": ", code);
	rc_cli_json_str(fp, out->reply);
	fprintf(fp, ", \"lines\": ");
	json_reply_lines(fp, code, out->reply);
	fprintf(fp, "}");
    } else
	fprintf(fp, "null");
    fprintf(fp, ",%s\"local_scan_data\": ", nl1);
    if (code)
	fprintf(fp, "null");
    else
	rc_cli_json_str(fp, out->lsdata);
    fprintf(fp, ", \"log\": ");
    if (v->skipped)
	fprintf(fp, "null");
    else
	rc_cli_json_str(fp, out->log);
    fprintf(fp, ", \"exit\": %d}\n", status);
}

/* put_utf8 - code point c as UTF-8 into buf[*n..]; false when it will not fit */
static bool
put_utf8(char *buf, size_t size, size_t *n, unsigned long c)
{
    char    tmp[4];
    size_t  k;

    if (c < 0x80)
	tmp[0] = (char) c, k = 1;
    else if (c < 0x800)
	tmp[0] = (char) (0xc0 | (c >> 6)), tmp[1] = (char) (0x80 | (c & 0x3f)), k = 2;
    else if (c < 0x10000)
	tmp[0] = (char) (0xe0 | (c >> 12)), tmp[1] = (char) (0x80 | ((c >> 6) & 0x3f)),
	    tmp[2] = (char) (0x80 | (c & 0x3f)), k = 3;
    else
	tmp[0] = (char) (0xf0 | (c >> 18)), tmp[1] = (char) (0x80 | ((c >> 12) & 0x3f)),
	    tmp[2] = (char) (0x80 | ((c >> 6) & 0x3f)), tmp[3] = (char) (0x80 | (c & 0x3f)),
	    k = 4;
    if (*n + k >= size)
	return (false);
    memcpy(buf + *n, tmp, k);
    *n += k;
    return (true);
}

/* hex4 - four hex digits, or -1 */
static long
hex4(const char *p)
{
    long    v = 0;

    for (int i = 0; i < 4; i++) {
	int     c = (unsigned char) p[i], d;

	if (c >= '0' && c <= '9')
	    d = c - '0';
	else if (c >= 'a' && c <= 'f')
	    d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
	    d = c - 'A' + 10;
	else
	    return (-1);
	v = v * 16 + d;
    }
    return (v);
}

/* rc_cli_json_string - a JSON string read (cli.h) */

const char *
rc_cli_json_string(const char **pp, char *buf, size_t size)
{
    const char *p = *pp + 1;
    size_t  n = 0;

    for (;;) {
	unsigned char c = (unsigned char) *p++;

	if (c == 0)
	    return ("unterminated string");
	if (c == '"')
	    break;
	if (c < 0x20)
	    return ("control character in a string");
	if (c == '\\') {
	    unsigned long u;
	    long    h;

	    switch (*p++) {
	    case '"': c = '"'; break;
	    case '\\': c = '\\'; break;
	    case '/': c = '/'; break;
	    case 'b': c = '\b'; break;
	    case 'f': c = '\f'; break;
	    case 'n': c = '\n'; break;
	    case 'r': c = '\r'; break;
	    case 't': c = '\t'; break;
	    case 'u':
		if ((h = hex4(p)) < 0)
		    return ("bad \\u escape");
		p += 4;
		u = (unsigned long) h;
		if (u >= 0xd800 && u < 0xdc00) {
		    long    lo;

		    if (p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
			return ("bad surrogate pair");
		    p += 6;
		    u = 0x10000 + ((u - 0xd800) << 10) + ((unsigned long) lo - 0xdc00);
		} else if (u >= 0xdc00 && u < 0xe000)
		    return ("bad surrogate pair");
		if (u == 0)
		    return ("NUL character in a string");
		if (!put_utf8(buf, size, &n, u))
		    return ("value too long");
		continue;
	    default:
		return ("bad escape in a string");
	    }
	}
	if (n + 1 >= size)
	    return ("value too long");
	buf[n++] = (char) c;
    }
    buf[n] = 0;
    *pp = p;
    return (NULL);
}
