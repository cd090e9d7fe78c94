/*
 * summary.c - relaycheck --summary: the module's lines in Exim main logs
 *
 * Reads the log files (or standard input), keeps the module's own lines
 * (rc_report_own_line()), reads each back with rc_report_parse_log() - the
 * reader of what rc_report_log() writes - and counts messages, actions,
 * check hits, TEMP results and scores. With --reject-score,
 * --tempreject-score or --score it also decides what those thresholds and
 * scores would have done to the same messages (rc_front_whatif(), on the
 * engine's own rc_verdict_action()). Text, or one JSON object (--json).
 * Exit status 0, or EX_NOINPUT when a log file cannot be read.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dnscheck/front.h"
#include "dnscheck/report.h"
#include "cli.h"

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
    const RC_CLI_RESCORE *rescore;	/* the command line's */
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

/* checkstat - the counts of one check key, added on first sight */
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
	s->checks = rc_cli_xrealloc(s->checks, s->capchecks * sizeof(*s->checks));
    }
    c = &s->checks[s->nchecks++];
    memset(c, 0, sizeof(*c));
    memcpy(c->key, key, klen);
    c->key[klen] = 0;
    c->min_score = INT_MAX;
    c->max_score = INT_MIN;
    return (c);
}

/* count_score - one more message with this score */
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
	*v = rc_cli_xrealloc(*v, *cap * sizeof(**v));
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

/* cmp_score - scores in ascending order */
static int
cmp_score(const void *a, const void *b)
{
    const SCORECOUNT *x = a, *y = b;

    return ((x->score > y->score) - (x->score < y->score));
}

/* cmp_check - the most frequent check first, then by key */
static int
cmp_check(const void *a, const void *b)
{
    const CHECKSTAT *x = a, *y = b;
    long    nx = x->hits + x->temps + x->listed, ny = y->hits + y->temps + y->listed;

    if (nx != ny)
	return (nx < ny ? 1 : -1);
    return (strcmp(x->key, y->key));
}

/* pct - n as a percentage of `of' (0 when of is 0) */
static double
pct(long n, long of)
{
    return (of ? 100.0 * (double) n / (double) of : 0.0);
}

/* summary_text - the summary for a reader */
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

/* json_scores - {"score": count, ...} */
static void
json_scores(const SCORECOUNT *v, size_t n)
{
    printf("{");
    for (size_t i = 0; i < n; i++)
	printf("%s\"%d\": %ld", i ? ", " : "", v[i].score, v[i].count);
    printf("}");
}

/* summary_json - the summary as one JSON object (relaycheck(8)) */
static void
summary_json(SUMMARY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};

    if (s->nchecks > 0)
	qsort(s->checks, s->nchecks, sizeof(*s->checks), cmp_check);
    if (s->nscores > 0)
	qsort(s->scores, s->nscores, sizeof(*s->scores), cmp_score);
    printf("{\"messages\": %ld, \"first\": ", s->messages);
    rc_cli_json_str(stdout, s->first);
    printf(", \"last\": ");
    rc_cli_json_str(stdout, s->last);
    printf(",\n \"actions\": {\"accept\": %ld, \"tempreject\": %ld, \"reject\": %ld},\n",
	   s->actions[0], s->actions[1], s->actions[2]);
    printf(" \"allowlisted\": %ld, \"with_temp\": %ld, \"reused\": %ld, \"notes\": %ld, "
	   "\"config_errors\": %ld, \"unparsed\": %ld, \"queries\": %ld, \"time_ms_total\": %ld, "
	   "\"time_ms_max\": %ld,\n \"checks\": {", s->allowlisted, s->with_temp, s->reused,
	   s->notes, s->config_errors, s->unparsed, s->queries_total, s->time_total, s->time_max);
    for (size_t i = 0; i < s->nchecks; i++) {
	printf("%s\n  ", i ? "," : "");
	rc_cli_json_str(stdout, s->checks[i].key);
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
	    rc_cli_json_str(stdout, s->rescore[i].key);
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

/* summary_file - every line of one log file; EX_NOINPUT on a read error */
static int
summary_file(SUMMARY *s, FILE *fp, const char *name)
{
    char   *line = NULL;
    size_t  cap = 0;

    while (getline(&line, &cap, fp) >= 0)
	summary_line(s, line);
    free(line);
    if (ferror(fp)) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, strerror(errno));
	return (EX_NOINPUT);
    }
    return (0);
}

/*
 * run_summary - the what-if thresholds (the configuration's where not
 * given), every log file, then the summary
 */
static int
run_summary(SUMMARY *s, const char *config, int reject, int tempreject, bool json,
	    char **files, int nfiles)
{
    int     rc = 0;

    if (s->whatif) {
	/* Thresholds not given on the command line: the configuration's. */
	const char *used;
	bool    defaults;
	const RC_CONFIG *cfg = rc_cli_config_load(config, &used, &defaults);

	if (cfg == NULL) {
	    fprintf(stderr, "%s: %s: cannot use the configuration: give both --reject-score "
		    "and --tempreject-score, or fix it\n", rc_cli_progname, used);
	    if (reject < 0 || tempreject < 0)
		return (rc_cli_config_noperm ? EX_NOPERM : EX_CONFIG);
	} else {
	    s->t = rc_verdict_thresholds(cfg);
	    rc_cli_config_release();
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
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, files[i], strerror(errno));
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

/* rc_cli_summary - the mode's run function (cli.h) */

int
rc_cli_summary(const RC_CLI_ARGS *a)
{
    SUMMARY s;
    int     rc;

    memset(&s, 0, sizeof(s));
    s.whatif = a->whatif;
    s.rescore = a->rescore;
    s.nrescore = a->nrescore;
    rc = run_summary(&s, a->config, a->reject_score, a->tempreject_score, a->json, a->files,
		     a->nfiles);
    free(s.checks);
    free(s.scores);
    free(s.wscores);
    return (rc);
}
