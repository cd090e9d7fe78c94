/*
 * calibrate.c - relaycheck --calibrate --ham PATH... --spam PATH...: how
 * well each check tells the operator's spam from their ham, and the
 * scores and reject_score that follow
 *
 * Each PATH is a maildir (its cur/ and new/, or any folder of message
 * files), an mbox file, a message file, or JSON Lines of --json or --batch
 * objects. A message gives its checks through the module's Report header
 * (<header_prefix>-Report): every "+N text (detail)" line with N > 0 is a
 * hit, named by its text (rc_checkinfo[]; "DNSBL: listed on LABEL" by the
 * configured list with that label). A JSON object gives them through its
 * "log" member, read with rc_report_parse_log(). Messages the module did
 * not check (no header, "log": null) are counted and left out.
 *
 * The method (relaycheck(8)): per check, its hits in ham h of H and in
 * spam s of S, and the likelihood ratio with half a message added to
 * every count, LR = ((s + 0.5) / (S + 1)) / ((h + 0.5) / (H + 1)), so no
 * count of zero gives 0 or infinity. The suggested score is 10 log10(LR)
 * rounded (a factor of ten is 10 points), at least 0, at most 100: the
 * sum of the scores is then the naive-Bayes log-odds of spam on that
 * scale. The suggested reject_score is the lowest that flags at most
 * --max-ham-rate of the ham with the suggested scores. Everything is
 * counted; nothing is random; the order of the input does not matter.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "dnscheck/report.h"
#include "cli.h"

#define MAX_KEYS	256		/* distinct checks (and lists) */
#define MAX_SCORE	100
#define FEW		100		/* fewer ham or spam than this: a warning */

/* One check (or one list) as a key, and its counts. */
typedef struct key {
    char        name[RC_LABEL_MAX + 16];	/* "ptr_missing", "dnsbl:zone" */
    long        hits[2];		/* in ham [0], spam [1] */
    int         seen_score;		/* the highest score it had in the input */
    int         current, suggested;
    double      lr;
} KEY;

/* One message: the keys that hit. */
typedef struct sample {
    uint64_t    bits[MAX_KEYS / 64];
} SAMPLE;

typedef struct calib {
    const RC_CONFIG *cfg;
    KEY         keys[MAX_KEYS];
    int         nkeys;
    SAMPLE     *samples[2];
    size_t      n[2], cap[2];
    long        unchecked[2];		/* no Report header, log null */
    long        unreadable[2];		/* a JSON line that could not be read */
    bool        overflow;		/* more than MAX_KEYS keys */
    int         rc;
} CALIB;

/* key_of - the number of a key, added on first sight; -1 when full */
static int
key_of(CALIB *c, const char *name, int score)
{
    int     i;

    for (i = 0; i < c->nkeys; i++)
	if (strcmp(c->keys[i].name, name) == 0)
	    break;
    if (i == c->nkeys) {
	if (c->nkeys == MAX_KEYS) {
	    c->overflow = true;
	    return (-1);
	}
	memset(&c->keys[i], 0, sizeof(c->keys[i]));
	snprintf(c->keys[i].name, sizeof(c->keys[i].name), "%s", name);
	c->nkeys++;
    }
    if (score > c->keys[i].seen_score)
	c->keys[i].seen_score = score;
    return (i);
}

/* new_sample - one more message of a class */
static SAMPLE *
new_sample(CALIB *c, int cls)
{
    SAMPLE *s;

    if (c->n[cls] == c->cap[cls]) {
	c->cap[cls] = c->cap[cls] ? 2 * c->cap[cls] : 256;
	c->samples[cls] = rc_cli_xrealloc(c->samples[cls], c->cap[cls] * sizeof(SAMPLE));
    }
    s = &c->samples[cls][c->n[cls]++];
    memset(s, 0, sizeof(*s));
    return (s);
}

/* hit - key k hit in this message */
static void
hit(SAMPLE *s, int k)
{
    if (k >= 0)
	s->bits[k / 64] |= (uint64_t) 1 << (k % 64);
}

/* has - did key k hit */
static bool
has(const SAMPLE *s, int k)
{
    return ((s->bits[k / 64] >> (k % 64)) & 1);
}

/* list_key - "dnsbl:zone" or "rhsbl:zone" for a list's label, else "dnsbl:label" */
static void
list_key(const RC_CONFIG *cfg, const char *label, char *buf, size_t len)
{
    for (size_t i = 0; cfg && i < cfg->ndnsbl; i++)
	if (strcmp(cfg->dnsbl[i].label, label) == 0) {
	    snprintf(buf, len, "dnsbl:%s", cfg->dnsbl[i].zone);
	    return;
	}
    for (size_t i = 0; cfg && i < cfg->nrhsbl; i++)
	if (strcmp(cfg->rhsbl[i].label, label) == 0) {
	    snprintf(buf, len, "rhsbl:%s", cfg->rhsbl[i].zone);
	    return;
	}
    snprintf(buf, len, "dnsbl:%s", label);
}

/*
 * finding_key - the key of one Report line "+N text (detail)" with N > 0;
 * false when it is no hit or no check's text
 */
static bool
finding_key(const RC_CONFIG *cfg, const char *line, char *buf, size_t len, int *score)
{
    char   *end;
    long    n = strtol(line, &end, 10);
    size_t  best = 0;
    int     id = -1;

    if (end == line || *end != ' ' || n <= 0)
	return (false);
    *score = (int) n;
    end++;
    if (strncmp(end, "DNSBL: listed on ", 17) == 0) {
	char    label[RC_LABEL_MAX];
	const char *p = end + 17, *q = strstr(p, " (");
	size_t  l = q ? (size_t) (q - p) : strlen(p);

	snprintf(label, sizeof(label), "%.*s", (int) l, p);
	list_key(cfg, label, buf, len);
	return (true);
    }
    for (int i = 0; i < RC_CHK_COUNT; i++) {
	size_t  tl = strlen(rc_checkinfo[i].text);

	if (tl > best && strncmp(end, rc_checkinfo[i].text, tl) == 0
	    && (end[tl] == 0 || end[tl] == ' '))
	    best = tl, id = i;
    }
    if (id < 0)
	return (false);
    snprintf(buf, len, "%s", rc_checkinfo[id].id);
    return (true);
}

/* report_value - one Report header's value (folded lines) into a sample */
static void
report_value(CALIB *c, SAMPLE *s, char *value)
{
    char   *save = NULL;

    for (char *l = strtok_r(value, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
	char    key[RC_LABEL_MAX + 16];
	int     score;

	l += strspn(l, " \t");
	if (finding_key(c->cfg, l, key, sizeof(key), &score))
	    hit(s, key_of(c, key, score));
    }
}

/*
 * message_headers - the headers of one message (up to its blank line),
 * as lines; its Report header's findings into a new sample of cls
 */
static void
message_headers(CALIB *c, int cls, char **lines, size_t n)
{
    char    name[RC_PREFIX_MAX + 16];
    size_t  nlen = (size_t) snprintf(name, sizeof(name), "%s-Report:",
				     c->cfg ? c->cfg->header_prefix : "X-Relaycheck");

    for (size_t i = 0; i < n; i++) {
	char   *value = NULL;
	size_t  vlen = 0;
	FILE   *fp;
	SAMPLE *s;

	if (strncasecmp(lines[i], name, nlen) != 0)
	    continue;
	if ((fp = open_memstream(&value, &vlen)) == NULL)
	    exit(EX_SOFTWARE);
	fputs(lines[i] + nlen, fp);
	for (size_t k = i + 1; k < n && (lines[k][0] == ' ' || lines[k][0] == '\t'); k++)
	    fprintf(fp, "\n%s", lines[k]);
	if (fclose(fp) != 0)
	    exit(EX_SOFTWARE);
	s = new_sample(c, cls);
	report_value(c, s, value);
	free(value);
	return;
    }
    c->unchecked[cls]++;
}

/* json_line - a --json or --batch object: its "log" member into a sample */
static void
json_line(CALIB *c, int cls, const char *line)
{
    static RC_LOGLINE l;
    const char *p = strstr(line, "\"log\": ");
    char    log[4096];
    SAMPLE *s;

    if (p == NULL) {
	c->unreadable[cls]++;			/* an error object, or not ours */
	return;
    }
    p += 7;
    if (strncmp(p, "null", 4) == 0) {
	c->unchecked[cls]++;			/* skipped: the module logs nothing */
	return;
    }
    if (*p != '"' || rc_cli_json_string(&p, log, sizeof(log)) != NULL
	|| !rc_report_parse_log(log, &l)) {
	c->unreadable[cls]++;
	return;
    }
    s = new_sample(c, cls);
    for (size_t i = 0; i < l.nitems; i++) {
	char    key[sizeof(l.items[i].id) + sizeof(l.items[i].label) + 1];

	if (!l.items[i].scored || l.items[i].score <= 0)
	    continue;
	snprintf(key, sizeof(key), "%s%s%s", l.items[i].id, l.items[i].label[0] ? ":" : "",
		 l.items[i].label);
	hit(s, key_of(c, key, l.items[i].score));
    }
}

/* read_stream - a message file, an mbox or JSON Lines, by its first line */
static void
read_stream(CALIB *c, int cls, FILE *fp)
{
    char   *line = NULL, **hdr = NULL;
    size_t  cap = 0, nhdr = 0, caphdr = 0;
    ssize_t len;
    bool    first = true, json = false, mbox = false, in_headers = true;

    while ((len = getline(&line, &cap, fp)) >= 0) {
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
	    line[--len] = 0;
	if (first) {
	    json = line[0] == '{';
	    mbox = strncmp(line, "From ", 5) == 0;
	    first = false;
	    if (mbox)
		continue;
	}
	if (json) {
	    if (line[0])
		json_line(c, cls, line);
	    continue;
	}
	if (mbox && strncmp(line, "From ", 5) == 0) {
	    if (in_headers)
		message_headers(c, cls, hdr, nhdr);
	    for (size_t i = 0; i < nhdr; i++)
		free(hdr[i]);
	    nhdr = 0;
	    in_headers = true;
	    continue;
	}
	if (!in_headers)
	    continue;
	if (line[0] == 0) {
	    message_headers(c, cls, hdr, nhdr);
	    in_headers = false;
	    continue;
	}
	if (nhdr == caphdr) {
	    caphdr = caphdr ? 2 * caphdr : 64;
	    hdr = rc_cli_xrealloc(hdr, caphdr * sizeof(*hdr));
	}
	if ((hdr[nhdr++] = strdup(line)) == NULL)
	    exit(EX_SOFTWARE);
    }
    if (!json && in_headers && !first)
	message_headers(c, cls, hdr, nhdr);	/* headers only, no body */
    for (size_t i = 0; i < nhdr; i++)
	free(hdr[i]);
    free(hdr);
    free(line);
}

/* read_path - a file, or every file of a folder (and its cur/ and new/) */
static void
read_path(CALIB *c, int cls, const char *path, int depth)
{
    struct stat st;

    if (stat(path, &st) < 0) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, path, strerror(errno));
	c->rc = EX_NOINPUT;
	return;
    }
    if (S_ISDIR(st.st_mode)) {
	struct dirent **names;
	int     n;

	if (depth > 1)
	    return;
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, path, strerror(errno));
	    c->rc = EX_NOINPUT;
	    return;
	}
	for (int i = 0; i < n; i++) {
	    const char *nm = names[i]->d_name;
	    char    sub[PATH_MAX];
	    struct stat sst;

	    if (nm[0] != '.' && snprintf(sub, sizeof(sub), "%s/%s", path, nm) < (int) sizeof(sub)
		&& stat(sub, &sst) == 0
		&& (S_ISREG(sst.st_mode) || (S_ISDIR(sst.st_mode) && depth == 0
					     && (strcmp(nm, "cur") == 0
						 || strcmp(nm, "new") == 0))))
		read_path(c, cls, sub, depth + 1);
	    free(names[i]);
	}
	free(names);
	return;
    }
    {
	FILE   *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

	if (fp == NULL) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, path, strerror(errno));
	    c->rc = EX_NOINPUT;
	    return;
	}
	read_stream(c, cls, fp);
	if (ferror(fp)) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, path, strerror(errno));
	    c->rc = EX_NOINPUT;
	}
	if (fp != stdin)
	    fclose(fp);
    }
}

/* current_score - a key's score in the configuration (or as seen, for an unknown list) */
static int
current_score(const CALIB *c, const KEY *k)
{
    const char *colon = strchr(k->name, ':');
    int     id;

    if (colon == NULL) {
	id = rc_check_by_id(k->name);
	if (c->cfg && id >= 0 && id < RC_CHK_NSCORE_COUNT)
	    return (c->cfg->scores[id]);
	return (k->seen_score);
    }
    for (size_t i = 0; c->cfg && i < c->cfg->ndnsbl; i++)
	if (strncmp(k->name, "dnsbl:", 6) == 0 && strcmp(c->cfg->dnsbl[i].zone, colon + 1) == 0)
	    return (c->cfg->dnsbl[i].score);
    for (size_t i = 0; c->cfg && i < c->cfg->nrhsbl; i++)
	if (strncmp(k->name, "rhsbl:", 6) == 0 && strcmp(c->cfg->rhsbl[i].zone, colon + 1) == 0)
	    return (c->cfg->rhsbl[i].score);
    return (k->seen_score);
}

/* total - a message's score with the current (false) or suggested (true) scores */
static int
total(const CALIB *c, const SAMPLE *s, bool suggested)
{
    int     t = 0;

    for (int k = 0; k < c->nkeys; k++)
	if (has(s, k))
	    t += suggested ? c->keys[k].suggested : c->keys[k].current;
    return (t);
}

/* at_or_above - messages of a class with a total of at least t */
static long
at_or_above(const CALIB *c, int cls, int t, bool suggested)
{
    long    n = 0;

    for (size_t i = 0; i < c->n[cls]; i++)
	if (total(c, &c->samples[cls][i], suggested) >= t)
	    n++;
    return (n);
}

/* cmp_key - the strongest evidence of spam first, then by name */
static int
cmp_key(const void *a, const void *b)
{
    const KEY *x = *(const KEY *const *) a, *y = *(const KEY *const *) b;

    if (x->lr != y->lr)
	return (x->lr < y->lr ? 1 : -1);
    return (strcmp(x->name, y->name));
}

/* rate - n of `of' as a fraction (0 when of is 0) */
static double
rate(long n, size_t of)
{
    return (of ? (double) n / (double) of : 0.0);
}

/* rc_cli_calibrate - the mode's run function (cli.h) */

int
rc_cli_calibrate(const RC_CLI_ARGS *a)
{
    static CALIB c;
    const char *used;
    bool    defaults;
    int     reject, thresholds[32], nt = 0, cur_reject;
    static const int fixed[] = {3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70};
    const KEY *order[MAX_KEYS];

    memset(&c, 0, sizeof(c));
    if ((c.cfg = rc_cli_config_load(a->config, &used, &defaults)) == NULL)
	return (rc_cli_config_noperm ? EX_NOPERM : EX_CONFIG);
    for (int i = 0; i < a->nham; i++)
	read_path(&c, 0, a->ham[i], 0);
    for (int i = 0; i < a->nspam; i++)
	read_path(&c, 1, a->spam[i], 0);
    if (c.n[0] == 0 || c.n[1] == 0) {
	fprintf(stderr, "%s: --calibrate needs checked messages on both sides: %zu ham, %zu "
		"spam\n", rc_cli_progname, c.n[0], c.n[1]);
	rc_cli_config_release();
	return (c.rc ? c.rc : EX_DATAERR);
    }

    /* counts, likelihood ratios, scores */
    for (int cls = 0; cls < 2; cls++)
	for (size_t i = 0; i < c.n[cls]; i++)
	    for (int k = 0; k < c.nkeys; k++)
		if (has(&c.samples[cls][i], k))
		    c.keys[k].hits[cls]++;
    for (int k = 0; k < c.nkeys; k++) {
	KEY    *key = &c.keys[k];
	double  ps = ((double) key->hits[1] + 0.5) / ((double) c.n[1] + 1.0);
	double  ph = ((double) key->hits[0] + 0.5) / ((double) c.n[0] + 1.0);
	double  s;

	key->lr = ps / ph;
	s = floor(10.0 * log10(key->lr) + 0.5);
	key->suggested = s < 0 ? 0 : s > MAX_SCORE ? MAX_SCORE : (int) s;
	key->current = current_score(&c, key);
    }
    /* the lowest reject_score that flags at most max_ham_rate of the ham */
    {
	int     top = 1;

	for (size_t i = 0; i < c.n[0]; i++) {
	    int     t = total(&c, &c.samples[0][i], true);

	    if (t + 1 > top)
		top = t + 1;
	}
	for (reject = 1; reject < top; reject++)
	    if (rate(at_or_above(&c, 0, reject, true), c.n[0]) <= a->max_ham_rate)
		break;
    }
    cur_reject = c.cfg->reject_score;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
	thresholds[nt++] = fixed[i];
    {
	int     extra[2] = {cur_reject, reject};

	for (int e = 0; e < 2; e++) {
	    bool    dup = extra[e] <= 0;

	    for (int i = 0; i < nt; i++)
		dup |= thresholds[i] == extra[e];
	    if (!dup)
		thresholds[nt++] = extra[e];
	}
	for (int i = 1; i < nt; i++)
	    for (int j = i; j > 0 && thresholds[j - 1] > thresholds[j]; j--) {
		int     t = thresholds[j];

		thresholds[j] = thresholds[j - 1];
		thresholds[j - 1] = t;
	    }
    }
    /* shown with the strongest evidence of spam first (the samples keep the keys' places) */
    for (int k = 0; k < c.nkeys; k++)
	order[k] = &c.keys[k];
    if (c.nkeys > 1)
	qsort(order, (size_t) c.nkeys, sizeof(order[0]), cmp_key);

    if (a->json) {
	printf("{\"ham\": %zu, \"spam\": %zu, \"unchecked\": {\"ham\": %ld, \"spam\": %ld}, "
	       "\"unreadable\": {\"ham\": %ld, \"spam\": %ld},\n \"checks\": {", c.n[0], c.n[1],
	       c.unchecked[0], c.unchecked[1], c.unreadable[0], c.unreadable[1]);
	for (int k = 0; k < c.nkeys; k++) {
	    printf("%s\n  ", k ? "," : "");
	    rc_cli_json_str(stdout, order[k]->name);
	    printf(": {\"ham\": %ld, \"spam\": %ld, \"lr\": %.4g, \"current\": %d, "
		   "\"suggested\": %d}", order[k]->hits[0], order[k]->hits[1], order[k]->lr,
		   order[k]->current, order[k]->suggested);
	}
	printf("},\n \"scores\": {");
	for (int k = 0; k < c.nkeys; k++) {
	    printf("%s", k ? ", " : "");
	    rc_cli_json_str(stdout, order[k]->name);
	    printf(": %d", order[k]->suggested);
	}
	printf("}, \"reject_score\": %d, \"max_ham_rate\": %g, \"current_reject_score\": %d,\n"
	       " \"thresholds\": [", reject, a->max_ham_rate, cur_reject);
	for (int i = 0; i < nt; i++)
	    printf("%s\n  {\"threshold\": %d, \"current\": {\"ham\": %ld, \"spam\": %ld}, "
		   "\"suggested\": {\"ham\": %ld, \"spam\": %ld}}", i ? "," : "", thresholds[i],
		   at_or_above(&c, 0, thresholds[i], false),
		   at_or_above(&c, 1, thresholds[i], false),
		   at_or_above(&c, 0, thresholds[i], true), at_or_above(&c, 1, thresholds[i], true));
	printf("]}\n");
    } else {
	printf("relaycheck calibrate: %zu ham, %zu spam", c.n[0], c.n[1]);
	if (c.unchecked[0] + c.unchecked[1])
	    printf(" (not checked, left out: %ld ham, %ld spam)", c.unchecked[0], c.unchecked[1]);
	if (c.unreadable[0] + c.unreadable[1])
	    printf(" (unreadable: %ld ham, %ld spam)", c.unreadable[0], c.unreadable[1]);
	printf("\n\n%-28s %7s %7s %7s %7s %9s %7s %9s\n", "check", "ham", "ham%", "spam",
	       "spam%", "LR", "current", "suggested");
	for (int k = 0; k < c.nkeys; k++) {
	    const KEY *key = order[k];

	    printf("%-28s %7ld %6.2f%% %7ld %6.2f%% %9.3g %7d %9d%s\n", key->name, key->hits[0],
		   100 * rate(key->hits[0], c.n[0]), key->hits[1], 100 * rate(key->hits[1], c.n[1]),
		   key->lr, key->current, key->suggested,
		   key->hits[0] == 0 || key->hits[1] == 0 ? "  (one side only)" : "");
	}
	printf("\nsuggested (reject_score flags at most %g%% of the ham):\n\n[relaycheck]\n"
	       "reject_score = %d\n\n[scores]\n", 100 * a->max_ham_rate, reject);
	for (int k = 0; k < c.nkeys; k++)
	    if (strchr(order[k]->name, ':') == NULL)
		printf("%s = %d\n", order[k]->name, order[k]->suggested);
	for (int k = 0; k < c.nkeys; k++)
	    if (strchr(order[k]->name, ':') != NULL)
		printf("\n[%.5s %s]\nscore = %d\n", order[k]->name, strchr(order[k]->name, ':') + 1,
		       order[k]->suggested);
	printf("\n%-10s %-24s %s\n%-10s %11s %12s %11s %12s\n", "", "current scores",
	       "suggested scores", "threshold", "ham flagged", "spam caught", "ham flagged",
	       "spam caught");
	for (int i = 0; i < nt; i++) {
	    int     t = thresholds[i];

	    printf("%-10d %10.2f%% %11.1f%% %10.2f%% %11.1f%%%s%s\n", t,
		   100 * rate(at_or_above(&c, 0, t, false), c.n[0]),
		   100 * rate(at_or_above(&c, 1, t, false), c.n[1]),
		   100 * rate(at_or_above(&c, 0, t, true), c.n[0]),
		   100 * rate(at_or_above(&c, 1, t, true), c.n[1]),
		   t == cur_reject ? "  <- current reject_score" : "",
		   t == reject ? "  <- suggested reject_score" : "");
	}
	if (c.n[0] < FEW || c.n[1] < FEW)
	    printf("\nwarning: fewer than %d ham or spam messages: the rates, and so the scores, "
		   "are rough\n", FEW);
	if (c.overflow)
	    printf("\nwarning: more than %d distinct checks and lists; the rest were left out\n",
		   MAX_KEYS);
    }
    for (int cls = 0; cls < 2; cls++)
	free(c.samples[cls]);
    rc_cli_config_release();
    return (c.rc);
}
