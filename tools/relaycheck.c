/*
 * relaycheck.c - the relaycheck engine outside Exim
 *
 *	relaycheck [--config FILE] --ip ADDR [--helo NAME] [--from ADDR] [--auth] [--json]
 *	relaycheck --check-config [FILE]
 *	relaycheck --summary [--reject-score N] [--tempreject-score N]
 *		   [--score CHECK=N]... [--json] [LOGFILE...]
 *	relaycheck --version | --help
 *
 * A check runs exactly what the local_scan adapter runs - the same
 * configuration loader, the same rc_engine_check() on the same facts, the
 * same report functions - and prints what the module would make of the
 * message: the findings, the total, the action, the header lines it would
 * add, the SMTP reply Exim would send on a rejection, $local_scan_data
 * and the main-log line. --summary reads Exim main logs and counts the
 * module's log lines, and shows what other thresholds or scores would have
 * done to the same messages.
 *
 * Exit status (see relaycheck(8)):
 *	0  accept (also: not checked, allowlisted; --check-config: valid;
 *	   --summary, --version, --help)
 *	1  reject (550)
 *	2  tempreject (451)
 *	64 usage error (EX_USAGE)
 *	66 a log file cannot be read (EX_NOINPUT)
 *	70 internal error, e.g. out of memory (EX_SOFTWARE)
 *	77 the configuration exists but this user may not read it (EX_NOPERM)
 *	78 configuration error (EX_CONFIG): the module would answer every
 *	   message with 451
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <unistd.h>

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "dnscheck/checks.h"
#include "dnscheck/engine.h"
#include "dnscheck/front.h"
#include "dnscheck/report.h"
#include "dnscheck/spf.h"

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

#define EXIT_ACCEPT	0
#define EXIT_REJECT	1
#define EXIT_TEMPREJECT	2

static const char *progname = "relaycheck";

/* Set when the configuration exists but this user may not read it. */
static bool config_noperm;

/* The configuration, found as the adapter finds it (front.h). */
static RC_FRONT_CFG front_cfg;

/* The texts of the verdict, rendered as the adapter renders them. */
static RC_FRONT_OUT out;

static void
usage(FILE *fp)
{
    fprintf(fp,
	    "usage: %s [--config FILE] --ip ADDR [--helo NAME] [--from ADDR] [--auth]\n"
	    "                  [--hostname NAME] [--interface ADDR] [--json]\n"
	    "       %s --check-config [FILE]\n"
	    "       %s --summary [--reject-score N] [--tempreject-score N]\n"
	    "                  [--score CHECK=N]... [--config FILE] [--json] [LOGFILE...]\n"
	    "       %s --version | --help\n"
	    "\n"
	    "Runs the relaycheck engine on one message's facts, exactly as the Exim\n"
	    "module would, and prints the findings, the score, the action, the header\n"
	    "lines, the SMTP reply, $local_scan_data and the main-log line.\n"
	    "\n"
	    "  -c, --config FILE      INI file (default: $RELAYCHECK_CONFIG, else\n"
	    "                         " RC_DEFAULT_CONFIG ", else built-in defaults)\n"
	    "  -i, --ip ADDR          the relay host's (client's) IPv4 or IPv6 address\n"
	    "  -H, --helo NAME        its HELO/EHLO name (default: none)\n"
	    "  -f, --from ADDR        envelope sender (default: <>, a bounce)\n"
	    "  -a, --auth             the session authenticated (SMTP AUTH)\n"
	    "      --hostname NAME    this server's primary_hostname (default: uname -n)\n"
	    "      --interface ADDR   the local address the client connected to\n"
	    "  -j, --json             one JSON object instead of text\n"
	    "  -C, --check-config [FILE]\n"
	    "                         validate FILE; print the effective configuration\n"
	    "                         (with defaults) or every error as file:line\n"
	    "  -s, --summary          count the module's lines in Exim main logs (files\n"
	    "                         or standard input): messages, actions, check hits\n"
	    "      --reject-score N   with --summary: what a reject_score of N would do\n"
	    "      --tempreject-score N\n"
	    "                         with --summary: the same for tempreject_score\n"
	    "      --score CHECK=N    with --summary: re-score the hits of CHECK (a\n"
	    "                         [scores] key, dnsbl:ZONE or rhsbl:ZONE)\n"
	    "  -V, --version          print the version\n"
	    "  -h, --help             this text\n"
	    "\n"
	    "Exit status: 0 accept (or not checked), 1 reject, 2 tempreject,\n"
	    "64 usage error, 66 unreadable log file, 70 internal error,\n"
	    "77 configuration not readable by this user, 78 configuration error.\n",
	    progname, progname, progname, progname);
}

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", progname);
    exit(EX_USAGE);
}

/* ---------------------------------------------------------------- config */

/*
 * load_config - the configuration the module would use: --config, else
 * $RELAYCHECK_CONFIG, else the compiled default file, else (that file
 * absent) the built-in defaults. NULL after printing the errors.
 * release_config() when done.
 */
static const RC_CONFIG *
load_config(const char *opt_path, const char **used, bool *defaults)
{
    const char *path = rc_front_config_path(opt_path, NULL);
    const RC_CONFIG *cfg;
    RC_FRONT_LOOKUP lk;

    *used = path;
    *defaults = false;
    if (access(path, R_OK) < 0 && errno == EACCES) {
	/* Not an error of the file: the module (Debian-exim) may well read it. */
	fprintf(stderr, "%s: %s: not readable by this user; run relaycheck as root or as a "
		"member of the file's group (Debian-exim)\n", progname, path);
	config_noperm = true;
	return (NULL);
    }
    if ((cfg = rc_front_config(&front_cfg, opt_path, NULL, &lk)) == NULL)
	fputs(rc_front_errors(&lk), stderr);
    *defaults = lk.defaults;
    rc_front_lookup_free(&lk);
    return (cfg);
}

static void
release_config(void)
{
    rc_front_config_free(&front_cfg);
}

static int
check_config(const char *opt_path)
{
    const char *used;
    bool    defaults;
    const RC_CONFIG *cfg = load_config(opt_path, &used, &defaults);
    char   *dump;

    if (cfg == NULL) {
	if (config_noperm)
	    return (EX_NOPERM);
	fprintf(stderr, "%s: %s: configuration NOT valid; the module answers every "
		"message \"451 %s\"\n", progname, used, RC_FRONT_CONFIG_ERROR_REPLY);
	return (EX_CONFIG);
    }
    if ((dump = rc_config_dump(cfg)) == NULL) {
	fprintf(stderr, "%s: out of memory\n", progname);
	release_config();
	return (EX_SOFTWARE);
    }
    if (defaults)
	printf("; %s not found: the module runs on these built-in defaults\n", used);
    fputs(dump, stdout);
    free(dump);
    release_config();
    fprintf(stderr, "%s: %s: configuration valid\n", progname,
	    defaults ? "built-in defaults" : used);
    return (0);
}

/* ------------------------------------------------------------------ JSON */

static void
json_str(FILE *fp, const char *s)
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

/* ----------------------------------------------------------------- check */

/* header_value - "Name: value\n" -> value (without the newline), in place */
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
	json_str(fp, line);
	if (nl == NULL)
	    break;
	s = nl + 1;
    }
    fputc(']', fp);
}

typedef struct check_opts {
    const char *config;
    const char *ip;
    const char *helo;
    const char *from;
    bool        auth;
    const char *hostname;
    const char *interface;
    bool        json;
} CHECK_OPTS;

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

static void
text_output(const CHECK_OPTS *o, const RC_CONFIG *cfg, const char *cfgname,
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

static void
json_output(const CHECK_OPTS *o, const RC_CONFIG *cfg, const char *cfgname,
	    const RC_VERDICT *v, int code, int status)
{
    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + RC_LABEL_MAX + 16], name[RC_PREFIX_MAX + 16];
    const char *hdrs[3] = {out.received_spf, out.score, out.report};
    int     nh = 0;

    printf("{\"version\": ");
    json_str(stdout, RC_VERSION);
    printf(", \"config\": ");
    json_str(stdout, cfgname);
    printf(",\n \"ip\": ");
    json_str(stdout, o->ip);
    printf(", \"helo\": ");
    json_str(stdout, o->helo);
    printf(", \"sender\": ");
    json_str(stdout, o->from);
    printf(", \"authenticated\": %s,\n \"findings\": [", o->auth ? "true" : "false");
    for (size_t i = 0; i < v->nfindings; i++) {
	const RC_FINDING *f = &v->findings[i];

	rc_report_finding(f, line, sizeof(line));
	printf("%s\n  {\"check\": ", i ? "," : "");
	json_str(stdout, rc_checkinfo[f->check].id);
	printf(", \"status\": ");
	json_str(stdout, rc_status_name(f->status));
	printf(", \"score\": %d, \"text\": ",
	       f->status == RC_HIT || f->status == RC_TEMP ? f->score : 0);
	json_str(stdout, f->text);
	printf(", \"detail\": ");
	json_str(stdout, f->detail);
	printf(", \"label\": ");
	json_str(stdout, f->label);
	printf(", \"line\": ");
	json_str(stdout, line);
	printf("}");
    }
    printf("],\n \"omitted\": {\"findings\": %zu, \"score\": %d, \"temp\": %s},",
	   v->omitted, v->omitted_score, v->omitted_temp ? "true" : "false");
    printf("\n \"score\": %d, \"action\": \"%s\", \"skipped\": ", v->score,
	   rc_action_name(v->action));
    if (v->skipped)
	json_str(stdout, v->skip_reason);
    else
	printf("false");
    printf(", \"allowlisted\": %s, \"temp\": %s, \"reject_score\": %d, "
	   "\"tempreject_score\": %d,\n \"note\": ",
	   v->allowlisted ? "true" : "false", v->temp_seen ? "true" : "false",
	   cfg->reject_score, cfg->tempreject_score);
    json_str(stdout, v->note);
    printf(", \"queries\": %d, \"time_ms\": %ld,\n \"headers\": [", v->queries, v->elapsed_ms);
    for (int i = 0; i < 3 && !v->skipped; i++) {
	const char *val;
	size_t  vlen;
	char   *copy;

	if (hdrs[i][0] == 0)
	    continue;
	split_header(hdrs[i], name, sizeof(name), &val, &vlen);
	if ((copy = strndup(val, vlen)) == NULL)
	    exit(EX_SOFTWARE);
	printf("%s\n  {\"name\": ", nh++ ? "," : "");
	json_str(stdout, name);
	printf(", \"value\": ");
	json_str(stdout, copy);
	printf(", \"text\": ");
	json_str(stdout, hdrs[i]);
	printf("}");
	free(copy);
    }
    printf("],\n \"reply\": ");
    if (code) {
	printf("{\"code\": %d, \"text\": ", code);
	json_str(stdout, out.reply);
	printf(", \"lines\": ");
	json_reply_lines(stdout, code, out.reply);
	printf("}");
    } else
	printf("null");
    printf(",\n \"local_scan_data\": ");
    if (code)
	printf("null");
    else
	json_str(stdout, out.lsdata);
    printf(", \"log\": ");
    if (v->skipped)
	printf("null");
    else
	json_str(stdout, out.log);
    printf(", \"exit\": %d}\n", status);
}

/* spf_log - libspf2's warnings, which the module writes to the main log */
static void
spf_log(int level, const char *msg)
{
    if (level <= RC_SPF_LOG_WARNING)
	fprintf(stderr, "%s: spf: %s\n", progname, msg);
}

static int
run_check(const CHECK_OPTS *o)
{
    const char *used;
    bool    defaults;
    const RC_CONFIG *cfg;
    RC_FACTS facts;
    static RC_VERDICT verdict;
    RC_VERDICT *v = &verdict;
    char    cfgname[PATH_MAX + 64];
    int     status = EXIT_ACCEPT;

    if ((cfg = load_config(o->config, &used, &defaults)) == NULL) {
	if (config_noperm)
	    return (EX_NOPERM);
	fprintf(stderr, "%s: %s: configuration error: the module answers every message "
		"\"451 %s\"\n", progname, used, RC_FRONT_CONFIG_ERROR_REPLY);
	return (EX_CONFIG);
    }
    if (defaults)
	snprintf(cfgname, sizeof(cfgname), "built-in defaults (%s not found)", used);
    else
	snprintf(cfgname, sizeof(cfgname), "%s", used);

    /* The facts, as the adapter gathers them from Exim. */
    memset(&facts, 0, sizeof(facts));
    facts.ip = o->ip;
    facts.helo = o->helo;
    facts.sender = o->from;
    facts.authenticated = o->auth;
    facts.primary_hostname = o->hostname;
    facts.interface_ip = o->interface;

    rc_spf_set_log(spf_log);
    rc_front_check(cfg, &facts, NULL, v, &out);
    rc_spf_shutdown();
    if (out.code == 550)
	status = EXIT_REJECT;
    else if (out.code == 451)
	status = EXIT_TEMPREJECT;
    if (o->json)
	json_output(o, cfg, cfgname, v, out.code, status);
    else
	text_output(o, cfg, cfgname, v, out.code);
    release_config();
    if (fflush(stdout) != 0 || ferror(stdout)) {
	fprintf(stderr, "%s: writing output: %s\n", progname, strerror(errno));
	return (EX_SOFTWARE);
    }
    return (status);
}

/* --------------------------------------------------------------- summary */

typedef struct rescore {
    char        key[RC_LABEL_MAX + 16];	/* "ptr_missing", "dnsbl:zone", "dnsbl" */
    int         score;
} RESCORE;

typedef struct checkstat {
    char        key[RC_LABEL_MAX + 16];
    long        hits, temps, listed;
    int         min_score, max_score;
} CHECKSTAT;

typedef struct scorecount {
    int         score;
    long        count;
} SCORECOUNT;

typedef struct summary {
    /* what-if */
    bool        whatif;
    RC_THRESHOLDS t;
    RESCORE    *rescore;
    size_t      nrescore;
    /* counts */
    long        messages, actions[3], whatif_actions[3], transitions[3][3];
    long        allowlisted, reused, with_temp, config_errors, notes, unparsed;
    long        time_total, time_max, queries_total;
    char        first[20], last[20];
    CHECKSTAT  *checks;
    size_t      nchecks, capchecks;
    SCORECOUNT *scores, *wscores;
    size_t      nscores, capscores, nwscores, capwscores;
} SUMMARY;

static void *
xrealloc(void *p, size_t n)
{
    void   *q = realloc(p, n);

    if (q == NULL) {
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(EX_SOFTWARE);
    }
    return (q);
}

static CHECKSTAT *
checkstat(SUMMARY *s, const char *key, size_t klen)
{
    CHECKSTAT *c;

    if (klen >= sizeof(s->checks[0].key))
	klen = sizeof(s->checks[0].key) - 1;
    for (size_t i = 0; i < s->nchecks; i++)
	if (strncmp(s->checks[i].key, key, klen) == 0 && s->checks[i].key[klen] == 0)
	    return (&s->checks[i]);
    if (s->nchecks == s->capchecks) {
	s->capchecks = s->capchecks ? 2 * s->capchecks : 32;
	s->checks = xrealloc(s->checks, s->capchecks * sizeof(*s->checks));
    }
    c = &s->checks[s->nchecks++];
    memset(c, 0, sizeof(*c));
    memcpy(c->key, key, klen);
    c->key[klen] = 0;
    c->min_score = INT_MAX;
    c->max_score = INT_MIN;
    return (c);
}

static void
count_score(SCORECOUNT **v, size_t *n, size_t *cap, int score)
{
    for (size_t i = 0; i < *n; i++)
	if ((*v)[i].score == score) {
	    (*v)[i].count++;
	    return;
	}
    if (*n == *cap) {
	*cap = *cap ? 2 * *cap : 32;
	*v = xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[*n].score = score;
    (*v)[(*n)++].count = 1;
}

/* rescored - the what-if score of a hit, or its logged score */
static int
rescored(const SUMMARY *s, const char *key, size_t klen, int logged)
{
    size_t  idlen = strcspn(key, ":");

    if (idlen > klen)
	idlen = klen;
    /* An exact "id:zone" entry wins over a bare "dnsbl". */
    for (size_t i = 0; i < s->nrescore; i++)
	if (strlen(s->rescore[i].key) == klen && strncmp(s->rescore[i].key, key, klen) == 0)
	    return (s->rescore[i].score);
    for (size_t i = 0; i < s->nrescore; i++)
	if (strlen(s->rescore[i].key) == idlen && strncmp(s->rescore[i].key, key, idlen) == 0)
	    return (s->rescore[i].score);
    return (logged);
}

/* count_item - one item of a logged checks= field; its what-if score change */
static int
count_item(SUMMARY *s, const char *key, const RC_LOGITEM *it)
{
    CHECKSTAT *c = checkstat(s, key, strlen(key));

    if (it->temp) {
	c->temps++;
	return (0);
    }
    if (!it->scored) {
	c->listed++;				/* no_server_check */
	return (0);
    }
    c->hits++;
    if (it->score < c->min_score)
	c->min_score = it->score;
    if (it->score > c->max_score)
	c->max_score = it->score;
    return (rescored(s, key, strlen(key), it->score) - it->score);
}

/*
 * summary_line - one main-log line: the module's own lines only
 * (rc_report_own_line()), read back by rc_report_parse_log(), the reader
 * of what rc_report_log() writes.
 */
static void
summary_line(SUMMARY *s, const char *line)
{
    static RC_LOGLINE l;
    const char *p;
    int     wscore;
    bool    temp;

    if ((p = rc_report_own_line(line)) == NULL)
	return;
    if (strncmp(p, "relaycheck: configuration error", 31) == 0) {
	s->config_errors++;
	return;
    }
    if (strncmp(p, "relaycheck: ip=", 15) != 0)
	return;
    if (!rc_report_parse_log(p, &l)) {
	s->unparsed++;
	return;
    }
    s->messages++;
    s->actions[l.action]++;
    if (l.allowlisted)
	s->allowlisted++;
    if (l.note[0])
	s->notes++;
    if (l.reused)
	s->reused++;
    s->time_total += l.time_ms;
    if (l.time_ms > s->time_max)
	s->time_max = l.time_ms;
    s->queries_total += l.queries;
    if (line[0] >= '0' && line[0] <= '9' && strlen(line) >= 19) {
	if (s->first[0] == 0)
	    snprintf(s->first, sizeof(s->first), "%.19s", line);
	snprintf(s->last, sizeof(s->last), "%.19s", line);
    }

    wscore = l.score;
    temp = l.omitted_temp;
    for (size_t i = 0; i < l.nitems; i++) {
	char    key[sizeof(l.items[i].id) + sizeof(l.items[i].label) + 1];

	snprintf(key, sizeof(key), "%s%s%s", l.items[i].id, l.items[i].label[0] ? ":" : "",
		 l.items[i].label);
	wscore += count_item(s, key, &l.items[i]);
	temp |= l.items[i].temp;
    }
    /* what did not fit in the verdict, counted as the check "omitted" */
    if (l.omitted_score != 0) {
	RC_LOGITEM it = {.scored = true, .score = l.omitted_score};

	wscore += count_item(s, "omitted", &it);
    }
    if (l.omitted_temp) {
	RC_LOGITEM it = {.temp = true};

	count_item(s, "omitted", &it);
    }
    if (temp)
	s->with_temp++;
    count_score(&s->scores, &s->nscores, &s->capscores, l.score);
    if (s->whatif) {
	RC_ACTION w = rc_front_whatif(&s->t, &l, wscore);

	s->whatif_actions[w]++;
	s->transitions[l.action][w]++;
	count_score(&s->wscores, &s->nwscores, &s->capwscores, wscore);
    }
}

static int
cmp_score(const void *a, const void *b)
{
    const SCORECOUNT *x = a, *y = b;

    return ((x->score > y->score) - (x->score < y->score));
}

static int
cmp_check(const void *a, const void *b)
{
    const CHECKSTAT *x = a, *y = b;
    long    nx = x->hits + x->temps + x->listed, ny = y->hits + y->temps + y->listed;

    if (nx != ny)
	return (nx < ny ? 1 : -1);
    return (strcmp(x->key, y->key));
}

static double
pct(long n, long of)
{
    return (of ? 100.0 * (double) n / (double) of : 0.0);
}

static void
summary_text(SUMMARY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};
    long    maxc = 1, above;

    printf("relaycheck summary: %ld message%s", s->messages, s->messages == 1 ? "" : "s");
    if (s->first[0])
	printf(", %s .. %s", s->first, s->last);
    printf("\n\nactions:\n");
    for (int a = 0; a < 3; a++)
	printf("  %-11s %8ld  %5.1f%%\n", names[a], s->actions[a], pct(s->actions[a], s->messages));
    printf("\n  allowlisted %8ld  (No Server Check list)\n", s->allowlisted);
    printf("  with TEMP   %8ld  (some check could not decide)\n", s->with_temp);
    printf("  reused      %8ld  (client results of an earlier message)\n", s->reused);
    if (s->notes)
	printf("  with note   %8ld\n", s->notes);
    if (s->messages)
	printf("  DNS: %.1f queries and %.0f ms per message on average, at most %ld ms\n",
	       (double) s->queries_total / (double) s->messages,
	       (double) s->time_total / (double) s->messages, s->time_max);
    if (s->config_errors)
	printf("  configuration errors logged: %ld (each message then got 451)\n",
	       s->config_errors);
    if (s->unparsed)
	printf("  unreadable relaycheck lines: %ld\n", s->unparsed);

    printf("\n%-18s %6s  %6s  %6s  %s\n", "checks:", "hits", "%msgs", "temps", "score");
    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    for (size_t i = 0; i < s->nchecks; i++) {
	CHECKSTAT *c = &s->checks[i];
	long    n = c->listed ? c->listed : c->hits;

	printf("  %-16s %6ld  %5.1f%%  %6ld  ", c->key, n, pct(n, s->messages), c->temps);
	if (c->hits == 0)
	    printf("-");
	else if (c->min_score == c->max_score)
	    printf("%+d", c->min_score);
	else
	    printf("%+d..%+d", c->min_score, c->max_score);
	printf("\n");
    }
    if (s->nchecks == 0)
	printf("  (no check hit)\n");

    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
    for (size_t i = 0; i < s->nscores; i++)
	if (s->scores[i].count > maxc)
	    maxc = s->scores[i].count;
    printf("\n%-7s  %8s  %11s\n", "scores:", "messages", "at or above");
    above = s->messages;
    for (size_t i = 0; i < s->nscores; i++) {
	int     bar = (int) ((s->scores[i].count * 40 + maxc - 1) / maxc);

	printf("  %5d  %8ld  %11ld  %.*s\n", s->scores[i].score, s->scores[i].count, above,
	       bar, "########################################");
	above -= s->scores[i].count;
    }

    if (s->whatif) {
	printf("\nwhat if: reject_score = %d, tempreject_score = %d", s->t.reject_score,
	       s->t.tempreject_score);
	for (size_t i = 0; i < s->nrescore; i++)
	    printf(", %s = %d", s->rescore[i].key, s->rescore[i].score);
	printf("\n%-13s %8s  %8s\n", "", "logged", "what-if");
	for (int a = 0; a < 3; a++)
	    printf("  %-11s %8ld  %8ld  %+ld\n", names[a], s->actions[a], s->whatif_actions[a],
		   s->whatif_actions[a] - s->actions[a]);
	for (int a = 0; a < 3; a++)
	    for (int b = 0; b < 3; b++)
		if (a != b && s->transitions[a][b])
		    printf("  %ld message%s %s -> %s\n", s->transitions[a][b],
			   s->transitions[a][b] == 1 ? "" : "s", names[a], names[b]);
    }
}

static void
json_scores(const SCORECOUNT *v, size_t n)
{
    printf("{");
    for (size_t i = 0; i < n; i++)
	printf("%s\"%d\": %ld", i ? ", " : "", v[i].score, v[i].count);
    printf("}");
}

static void
summary_json(SUMMARY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};

    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
    printf("{\"messages\": %ld, \"first\": ", s->messages);
    json_str(stdout, s->first);
    printf(", \"last\": ");
    json_str(stdout, s->last);
    printf(",\n \"actions\": {\"accept\": %ld, \"tempreject\": %ld, \"reject\": %ld},\n",
	   s->actions[0], s->actions[1], s->actions[2]);
    printf(" \"allowlisted\": %ld, \"with_temp\": %ld, \"reused\": %ld, \"notes\": %ld, "
	   "\"config_errors\": %ld, \"unparsed\": %ld, \"queries\": %ld, \"time_ms_total\": %ld, "
	   "\"time_ms_max\": %ld,\n \"checks\": {", s->allowlisted, s->with_temp, s->reused,
	   s->notes, s->config_errors, s->unparsed, s->queries_total, s->time_total, s->time_max);
    for (size_t i = 0; i < s->nchecks; i++) {
	printf("%s\n  ", i ? "," : "");
	json_str(stdout, s->checks[i].key);
	printf(": {\"hits\": %ld, \"temps\": %ld, \"listed\": %ld}", s->checks[i].hits,
	       s->checks[i].temps, s->checks[i].listed);
    }
    printf("},\n \"scores\": ");
    json_scores(s->scores, s->nscores);
    if (s->whatif) {
	if (s->nwscores > 0)
	    qsort(s->wscores, s->nwscores, sizeof(*s->wscores), cmp_score);
	printf(",\n \"whatif\": {\"reject_score\": %d, \"tempreject_score\": %d, \"rescore\": {",
	       s->t.reject_score, s->t.tempreject_score);
	for (size_t i = 0; i < s->nrescore; i++) {
	    printf("%s", i ? ", " : "");
	    json_str(stdout, s->rescore[i].key);
	    printf(": %d", s->rescore[i].score);
	}
	printf("},\n  \"actions\": {\"accept\": %ld, \"tempreject\": %ld, \"reject\": %ld},\n"
	       "  \"changed\": {", s->whatif_actions[0], s->whatif_actions[1],
	       s->whatif_actions[2]);
	{
	    int     n = 0;

	    for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
		    if (a != b && s->transitions[a][b])
			printf("%s\"%s->%s\": %ld", n++ ? ", " : "", names[a], names[b],
			       s->transitions[a][b]);
	}
	printf("},\n  \"scores\": ");
	json_scores(s->wscores, s->nwscores);
	printf("}");
    }
    printf("}\n");
}

static int
summary_file(SUMMARY *s, FILE *fp, const char *name)
{
    char   *line = NULL;
    size_t  cap = 0;

    while (getline(&line, &cap, fp) >= 0)
	summary_line(s, line);
    free(line);
    if (ferror(fp)) {
	fprintf(stderr, "%s: %s: %s\n", progname, name, strerror(errno));
	return (EX_NOINPUT);
    }
    return (0);
}

static int
run_summary(SUMMARY *s, const char *config, int reject, int tempreject, bool json,
	    char **files, int nfiles)
{
    int     rc = 0;

    if (s->whatif) {
	/* Thresholds not given on the command line: the configuration's. */
	const char *used;
	bool    defaults;
	const RC_CONFIG *cfg = load_config(config, &used, &defaults);

	if (cfg == NULL) {
	    fprintf(stderr, "%s: %s: cannot use the configuration: give both --reject-score "
		    "and --tempreject-score, or fix it\n", progname, used);
	    if (reject < 0 || tempreject < 0)
		return (config_noperm ? EX_NOPERM : EX_CONFIG);
	} else {
	    s->t = rc_verdict_thresholds(cfg);
	    release_config();
	}
	if (reject >= 0)
	    s->t.reject_score = reject;
	if (tempreject >= 0)
	    s->t.tempreject_score = tempreject;
    }
    if (nfiles == 0)
	rc = summary_file(s, stdin, "standard input");
    for (int i = 0; i < nfiles; i++) {
	FILE   *fp = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
	int     r;

	if (fp == NULL) {
	    fprintf(stderr, "%s: %s: %s\n", progname, files[i], strerror(errno));
	    rc = EX_NOINPUT;
	    continue;
	}
	r = summary_file(s, fp, files[i]);
	if (r)
	    rc = r;
	if (fp != stdin)
	    fclose(fp);
    }
    if (json)
	summary_json(s);
    else
	summary_text(s);
    return (rc);
}

/* add_rescore - "CHECK=N" */
static void
add_rescore(SUMMARY *s, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t  klen = eq ? (size_t) (eq - arg) : 0;
    char    key[RC_LABEL_MAX + 16];
    char   *end;
    long    n;
    int     id;

    if (eq == NULL || klen == 0 || klen >= sizeof(key))
	usage_error("--score wants CHECK=N, e.g. ptr_missing=5 or dnsbl:zen.spamhaus.org=10");
    memcpy(key, arg, klen);
    key[klen] = 0;
    errno = 0;
    n = strtol(eq + 1, &end, 10);
    if (errno || *end || end == eq + 1 || n < -1000 || n > 1000)
	usage_error("--score %s: not an integer score (-1000..1000)", arg);
    {
	size_t  idlen = strcspn(key, ":");
	char    id_only[RC_LABEL_MAX + 16];

	memcpy(id_only, key, idlen);
	id_only[idlen] = 0;
	id = rc_check_by_id(id_only);
	if (id < 0 || id == RC_CHK_ALLOWLIST
	    || (key[idlen] == ':' && id != RC_CHK_DNSBL && id != RC_CHK_RHSBL))
	    usage_error("--score %s: unknown check (a [scores] key, dnsbl, rhsbl, "
			"dnsbl:ZONE or rhsbl:ZONE)", arg);
    }
    s->rescore = xrealloc(s->rescore, (s->nrescore + 1) * sizeof(*s->rescore));
    memcpy(s->rescore[s->nrescore].key, key, klen + 1);
    s->rescore[s->nrescore++].score = (int) n;
}

/* ------------------------------------------------------------------ main */

static int
parse_threshold(const char *opt, const char *v)
{
    char   *end;
    long    n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < 0 || n > 100000)
	usage_error("%s: \"%s\" is not a score (0..100000)", opt, v);
    return ((int) n);
}

enum {
    OPT_HOSTNAME = 256,
    OPT_INTERFACE,
    OPT_REJECT_SCORE,
    OPT_TEMPREJECT_SCORE,
    OPT_SCORE
};

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"config", required_argument, NULL, 'c'},
	{"ip", required_argument, NULL, 'i'},
	{"helo", required_argument, NULL, 'H'},
	{"from", required_argument, NULL, 'f'},
	{"auth", no_argument, NULL, 'a'},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"interface", required_argument, NULL, OPT_INTERFACE},
	{"json", no_argument, NULL, 'j'},
	{"check-config", optional_argument, NULL, 'C'},
	{"summary", no_argument, NULL, 's'},
	{"reject-score", required_argument, NULL, OPT_REJECT_SCORE},
	{"tempreject-score", required_argument, NULL, OPT_TEMPREJECT_SCORE},
	{"score", required_argument, NULL, OPT_SCORE},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
    };
    CHECK_OPTS o;
    SUMMARY s;
    bool    check_cfg = false, summary = false, check_opts = false;
    const char *cfg_file = NULL;
    int     reject = -1, tempreject = -1, c;
    struct utsname un;
    char    hostname[sizeof(un.nodename)];

    memset(&o, 0, sizeof(o));
    memset(&s, 0, sizeof(s));
    o.helo = "";
    o.from = "";
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:i:H:f:ajC::sVh", longopts, NULL)) != -1) {
	switch (c) {
	case 'c':
	    o.config = optarg;
	    break;
	case 'i':
	    o.ip = optarg;
	    check_opts = true;
	    break;
	case 'H':
	    o.helo = optarg;
	    check_opts = true;
	    break;
	case 'f':
	    o.from = optarg;
	    check_opts = true;
	    break;
	case 'a':
	    o.auth = true;
	    check_opts = true;
	    break;
	case OPT_HOSTNAME:
	    o.hostname = optarg;
	    check_opts = true;
	    break;
	case OPT_INTERFACE:
	    o.interface = optarg;
	    check_opts = true;
	    break;
	case 'j':
	    o.json = true;
	    break;
	case 'C':
	    check_cfg = true;
	    cfg_file = optarg;
	    break;
	case 's':
	    summary = true;
	    break;
	case OPT_REJECT_SCORE:
	    reject = parse_threshold("--reject-score", optarg);
	    s.whatif = true;
	    break;
	case OPT_TEMPREJECT_SCORE:
	    tempreject = parse_threshold("--tempreject-score", optarg);
	    s.whatif = true;
	    break;
	case OPT_SCORE:
	    add_rescore(&s, optarg);
	    s.whatif = true;
	    break;
	case 'V':
	    printf("relaycheck %s\n", RC_VERSION);
	    return (0);
	case 'h':
	    usage(stdout);
	    return (0);
	case ':':
	    usage_error("option %s needs a value", argv[optind - 1]);
	default:
	    if (optopt)
		usage_error("unknown option -%c", optopt);
	    usage_error("unknown option %s", argv[optind - 1]);
	}
    }

    if (check_cfg + summary > 1)
	usage_error("--check-config and --summary do not go together");
    if (check_cfg) {
	if (check_opts || s.whatif || o.json)
	    usage_error("--check-config takes only a file name");
	if (cfg_file == NULL && optind < argc)
	    cfg_file = argv[optind++];
	if (cfg_file == NULL)
	    cfg_file = o.config;
	if (optind < argc)
	    usage_error("unexpected argument \"%s\"", argv[optind]);
	return (check_config(cfg_file));
    }
    if (summary) {
	if (check_opts)
	    usage_error("--summary reads log files; --ip, --helo, --from, --auth do not apply");
	int     rc = run_summary(&s, o.config, reject, tempreject, o.json, argv + optind,
				     argc - optind);

	free(s.checks);
	free(s.scores);
	free(s.wscores);
	free(s.rescore);
	return (rc);
    }
    if (s.whatif)
	usage_error("--reject-score, --tempreject-score and --score go with --summary");
    if (optind < argc)
	usage_error("unexpected argument \"%s\"", argv[optind]);
    if (o.ip == NULL)
	usage_error("--ip ADDR is required (or --check-config, --summary, --version)");
    {
	RC_ADDR a;

	if (!rc_addr_parse(o.ip, &a))
	    usage_error("--ip %s: not an IPv4 or IPv6 address", o.ip);
	if (o.interface && !rc_addr_parse(o.interface, &a))
	    usage_error("--interface %s: not an IPv4 or IPv6 address", o.interface);
    }
    if (o.hostname == NULL && uname(&un) == 0) {
	snprintf(hostname, sizeof(hostname), "%s", un.nodename);
	o.hostname = hostname;
    }
    return (run_check(&o));
}
