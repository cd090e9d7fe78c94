/*
 * htmlreport.c - relaycheck --report FILE.html [LOGFILE...]: the module's
 * log lines as one self-contained HTML page
 *
 * The logs (plain or gzip, "-" or none for standard input) are counted by
 * tally.c as --summary counts them, then written as one HTML file with
 * inline SVG charts and a style sheet in the page: no script, no image,
 * no font, no link to anything outside it, so it can be mailed or opened
 * offline. The page is also well-formed XML, so tests can read it with an
 * XML parser. Charts: actions per hour (per day past 72 hours), stacked
 * accept, tempreject and reject, every hour or day from the first to the
 * last, empty ones included; messages per total score; messages per check
 * hit; and the top relays and /24 or /48 networks as tables with bars.
 * Exit status 0; EX_NOINPUT when a log cannot be read; EX_CANTCREAT when
 * the page cannot be written (it is written under a temporary name and
 * renamed into place).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "eximlog.h"
#include "tally.h"

#define W	900			/* chart width */
#define TOP	20			/* relays and networks in the tables */
#define MAX_SLOTS 2000			/* hours or days in the time chart */

/* esc - text for HTML and XML */
static void
esc(FILE *fp, const char *s)
{
    for (; *s; s++)
	switch (*s) {
	case '&':
	    fputs("&amp;", fp);
	    break;
	case '<':
	    fputs("&lt;", fp);
	    break;
	case '>':
	    fputs("&gt;", fp);
	    break;
	case '"':
	    fputs("&quot;", fp);
	    break;
	case '\'':
	    fputs("&#39;", fp);
	    break;
	default:
	    if ((unsigned char) *s >= 0x20 && *s != 0x7f)
		fputc(*s, fp);
	}
}

/* hour_time - "YYYY-MM-DD HH" as a time (UTC arithmetic); -1 if not one */
static time_t
hour_time(const char *key)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(key, "%4d-%2d-%2d %2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour) != 4)
	return (-1);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (timegm(&tm));
}

/* One slot of the time chart. */
typedef struct slot {
    char        label[16];		/* "MM-DD HH:00" or "YYYY-MM-DD" */
    long        actions[3];
} SLOT;

/* time_slots - every hour (or day) from the first to the last; *n slots */
static SLOT *
time_slots(const RC_TALLY *s, size_t *n, bool *daily)
{
    time_t  lo = -1, hi = -1, step;
    SLOT   *v;

    *n = 0;
    for (size_t i = 0; i < s->hours.cap; i++) {
	time_t  t;

	if (s->hours.v[i].key[0] == 0 || (t = hour_time(s->hours.v[i].key)) < 0)
	    continue;
	if (lo < 0 || t < lo)
	    lo = t;
	if (t > hi)
	    hi = t;
    }
    if (lo < 0)
	return (NULL);
    *daily = hi - lo >= 72 * 3600;
    step = *daily ? 86400 : 3600;
    if (*daily)
	lo -= lo % 86400;
    *n = (size_t) ((hi - lo) / step) + 1;
    if (*n > MAX_SLOTS) {
	lo = hi - (time_t) (MAX_SLOTS - 1) * step;	/* the most recent ones */
	lo -= lo % step;
	*n = (size_t) ((hi - lo) / step) + 1;
    }
    v = rc_cli_xrealloc(NULL, *n * sizeof(*v));
    memset(v, 0, *n * sizeof(*v));
    for (size_t i = 0; i < *n; i++) {
	time_t  t = lo + (time_t) i * step;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(v[i].label, sizeof(v[i].label), *daily ? "%Y-%m-%d" : "%m-%d %H:00", &tm);
    }
    for (size_t i = 0; i < s->hours.cap; i++) {
	const RC_KEYSTAT *k = &s->hours.v[i];
	time_t  t;
	size_t  at;

	if (k->key[0] == 0 || (t = hour_time(k->key)) < lo)
	    continue;
	at = (size_t) ((t - lo) / step);
	for (int a = 0; a < 3; a++)
	    v[at].actions[a] += k->actions[a];
    }
    return (v);
}

/* chart_time - actions per hour or day, stacked */
static void
chart_time(FILE *fp, const RC_TALLY *s)
{
    static const char *const cls[3] = {"accept", "tempreject", "reject"};
    size_t  n;
    bool    daily = false;
    SLOT   *v = time_slots(s, &n, &daily);
    long    max = 1;
    const int H = 220, X0 = 50, Y0 = 10;
    double  bw;

    fprintf(fp, "<h2 id=\"time\">Actions per %s</h2>\n", daily ? "day" : "hour");
    if (v == NULL) {
	fprintf(fp, "<p>No message.</p>\n");
	return;
    }
    for (size_t i = 0; i < n; i++) {
	long    t = v[i].actions[0] + v[i].actions[1] + v[i].actions[2];

	if (t > max)
	    max = t;
    }
    bw = (double) (W - X0 - 10) / (double) n;
    if (bw > 60)
	bw = 60;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-time\" class=\"chart\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H + 50, W,
	    H + 50);
    fprintf(fp, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", X0, Y0 + H,
	    W - 10, Y0 + H);
    fprintf(fp, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld</text>\n",
	    X0 - 4, Y0 + 10, max);
    fprintf(fp, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", X0 - 4,
	    Y0 + H);
    for (size_t i = 0; i < n; i++) {
	double  x = X0 + bw * (double) i, y = Y0 + H;

	fprintf(fp, "<g class=\"slot\"><title>");
	esc(fp, v[i].label);
	fprintf(fp, ": %ld accept, %ld tempreject, %ld reject</title>", v[i].actions[0],
		v[i].actions[1], v[i].actions[2]);
	for (int a = 0; a < 3; a++) {
	    double  h = (double) H * (double) v[i].actions[a] / (double) max;

	    if (v[i].actions[a] == 0)
		continue;
	    y -= h;
	    fprintf(fp, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\"/>", cls[a], x + 0.5, y, bw > 2 ? bw - 1 : bw, h);
	}
	fprintf(fp, "</g>\n");
	/* a label under every few slots */
	if (i % (n / 8 + 1) == 0) {
	    fprintf(fp, "<text class=\"tick\" x=\"%.1f\" y=\"%d\">", x, Y0 + H + 16);
	    esc(fp, v[i].label);
	    fprintf(fp, "</text>\n");
	}
    }
    fprintf(fp, "<g class=\"legend\">");
    for (int a = 0; a < 3; a++)
	fprintf(fp, "<rect class=\"key %s\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"/>"
		"<text class=\"tick\" x=\"%d\" y=\"%d\">%s</text>", cls[a], X0 + 110 * a,
		Y0 + H + 28, X0 + 110 * a + 14, Y0 + H + 37, cls[a]);
    fprintf(fp, "</g>\n</svg>\n");
    free(v);
}

/* chart_scores - messages per total score */
static void
chart_scores(FILE *fp, const RC_TALLY *s)
{
    long    max = 1;
    const int H = 180, X0 = 50, Y0 = 10;
    double  bw;

    fprintf(fp, "<h2 id=\"scores\">Messages per total score</h2>\n");
    if (s->nscores == 0) {
	fprintf(fp, "<p>No message.</p>\n");
	return;
    }
    for (size_t i = 0; i < s->nscores; i++)
	if (s->scores[i].count > max)
	    max = s->scores[i].count;
    bw = (double) (W - X0 - 10) / (double) s->nscores;
    if (bw > 60)
	bw = 60;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-scores\" class=\"chart\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H + 40, W,
	    H + 40);
    fprintf(fp, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", X0, Y0 + H,
	    W - 10, Y0 + H);
    fprintf(fp, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld</text>\n",
	    X0 - 4, Y0 + 10, max);
    for (size_t i = 0; i < s->nscores; i++) {
	const RC_SCORECOUNT *c = &s->scores[i];
	double  h = (double) H * (double) c->count / (double) max, x = X0 + bw * (double) i;
	const char *cls = s->t.reject_score > 0 && c->score >= s->t.reject_score ? "reject"
	    : s->t.tempreject_score > 0 && c->score >= s->t.tempreject_score ? "tempreject"
	    : "accept";

	fprintf(fp, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
		"<title>score %d: %ld message%s</title></rect>\n", cls, x + 0.5,
		Y0 + H - h, bw - 1, h, c->score, c->count, c->count == 1 ? "" : "s");
	fprintf(fp, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
		x + bw / 2, Y0 + H + 16, c->score);
    }
    fprintf(fp, "</svg>\n");
}

/* chart_checks - messages per check that hit */
static void
chart_checks(FILE *fp, const RC_TALLY *s)
{
    long    max = 1;
    const int ROW = 22, X0 = 260;
    int     H = (int) s->nchecks * ROW + 10;

    fprintf(fp, "<h2 id=\"checks\">Messages per check</h2>\n");
    if (s->nchecks == 0) {
	fprintf(fp, "<p>No check hit.</p>\n");
	return;
    }
    for (size_t i = 0; i < s->nchecks; i++) {
	long    n = s->checks[i].listed ? s->checks[i].listed : s->checks[i].hits;

	if (n + s->checks[i].temps > max)
	    max = n + s->checks[i].temps;
    }
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"chart-checks\" class=\"chart\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H, W, H);
    for (size_t i = 0; i < s->nchecks; i++) {
	const RC_CHECKSTAT *c = &s->checks[i];
	long    n = c->listed ? c->listed : c->hits;
	double  w = (double) (W - X0 - 80) * (double) n / (double) max;
	double  wt = (double) (W - X0 - 80) * (double) c->temps / (double) max;
	int     y = 5 + (int) i * ROW;

	fprintf(fp, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", X0 - 6, y + 14);
	esc(fp, c->key);
	fprintf(fp, "</text><rect class=\"bar hit\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
		"height=\"%d\"><title>", X0, y + 2, w, ROW - 6);
	esc(fp, c->key);
	fprintf(fp, ": %ld hit%s, %ld TEMP</title></rect>", n, n == 1 ? "" : "s", c->temps);
	if (c->temps)
	    fprintf(fp, "<rect class=\"temp\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>",
		    X0 + w, y + 2, wt, ROW - 6);
	fprintf(fp, "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%ld", X0 + w + wt + 4, y + 14, n);
	if (c->temps)
	    fprintf(fp, ", %ld TEMP", c->temps);
	fprintf(fp, "</text>\n");
    }
    fprintf(fp, "</svg>\n");
}

/* table_keys - the top relays or networks, with a bar of their messages */
static void
table_keys(FILE *fp, const RC_KEYTABLE *t, const char *id, const char *title, const char *what)
{
    RC_KEYSTAT *v = rc_tally_sorted(t);
    long    max = t->n ? v[0].messages : 1;

    fprintf(fp, "<h2 id=\"%s\">%s</h2>\n<table id=\"table-%s\">\n<thead><tr><th>%s</th>"
	    "<th>messages</th><th>accept</th><th>tempreject</th><th>reject</th>"
	    "<th>highest score</th><th></th></tr></thead>\n<tbody>\n", id, title, id, what);
    for (size_t i = 0; i < t->n && i < TOP; i++) {
	fprintf(fp, "<tr><td class=\"key\">");
	esc(fp, v[i].key);
	fprintf(fp, "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%d</td><td>"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cell\" width=\"200\" "
		"height=\"12\"><rect class=\"bar %s\" x=\"0\" y=\"1\" width=\"%.1f\" "
		"height=\"10\"/></svg></td></tr>\n", v[i].messages, v[i].actions[RC_ACCEPT],
		v[i].actions[RC_TEMPREJECT], v[i].actions[RC_REJECT], v[i].max_score,
		v[i].actions[RC_REJECT] ? "reject" : v[i].actions[RC_TEMPREJECT] ? "tempreject"
		: "accept", 200.0 * (double) v[i].messages / (double) (max ? max : 1));
    }
    fprintf(fp, "</tbody>\n</table>\n");
    if (t->n > TOP)
	fprintf(fp, "<p>%zu more not shown.</p>\n", t->n - TOP);
    free(v);
}

/* write_page - the whole page */
static void
write_page(FILE *fp, RC_TALLY *s)
{
    static const char *const names[3] = {"accept", "tempreject", "reject"};

    rc_tally_sort(s);
    fprintf(fp, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
	    "<head>\n<meta charset=\"utf-8\"/>\n<title>relaycheck report</title>\n<style>\n"
	    "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
	    "table { border-collapse: collapse; }\n"
	    "th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #ddd; }\n"
	    "td.key { text-align: left; font-family: monospace; }\n"
	    ".chart text, .cell text { font-size: 11px; fill: #444; }\n"
	    ".axis { stroke: #888; }\n"
	    ".accept { fill: #4c9a2a; } .tempreject { fill: #e0a020; } .reject { fill: #c0392b; }\n"
	    ".hit { fill: #3465a4; } .temp { fill: #aaa; }\n"
	    "</style>\n</head>\n<body>\n<h1>relaycheck report</h1>\n<p id=\"period\">");
    fprintf(fp, "%ld message%s", s->messages, s->messages == 1 ? "" : "s");
    if (s->first[0]) {
	fprintf(fp, ", ");
	esc(fp, s->first);
	fprintf(fp, " .. ");
	esc(fp, s->last);
    }
    fprintf(fp, ".</p>\n<table id=\"table-actions\">\n<tbody>\n");
    for (int a = 0; a < 3; a++)
	fprintf(fp, "<tr><th>%s</th><td>%ld</td><td>%.1f%%</td></tr>\n", names[a],
		s->actions[a], s->messages ? 100.0 * (double) s->actions[a] / (double) s->messages
		: 0.0);
    fprintf(fp, "<tr><th>allowlisted</th><td>%ld</td><td></td></tr>\n"
	    "<tr><th>with TEMP</th><td>%ld</td><td></td></tr>\n", s->allowlisted, s->with_temp);
    if (s->config_errors)
	fprintf(fp, "<tr><th>configuration errors</th><td>%ld</td><td></td></tr>\n",
		s->config_errors);
    if (s->unparsed)
	fprintf(fp, "<tr><th>unreadable lines</th><td>%ld</td><td></td></tr>\n", s->unparsed);
    fprintf(fp, "</tbody>\n</table>\n");
    chart_time(fp, s);
    chart_scores(fp, s);
    chart_checks(fp, s);
    table_keys(fp, &s->ips, "relays", "Top relays", "relay");
    table_keys(fp, &s->nets, "networks", "Top networks (/24, /48)", "network");
    fprintf(fp, "<p class=\"footer\">relaycheck %s</p>\n</body>\n</html>\n", RC_VERSION);
}

/* rc_cli_report - the mode's run function (cli.h) */

int
rc_cli_report(const RC_CLI_ARGS *a)
{
    static char *const dash[] = {(char *) "-"};
    char  **files = a->nfiles ? a->files : (char **) dash;
    int     nfiles = a->nfiles ? a->nfiles : 1;
    char    tmp[PATH_MAX];
    RC_TALLY s;
    FILE   *fp;
    int     rc = 0;

    memset(&s, 0, sizeof(s));
    s.relays = true;
    {
	/* the configured thresholds colour the score chart, when there is a configuration */
	const char *used;
	bool    defaults;
	const RC_CONFIG *cfg;

	if ((cfg = rc_cli_config_load(a->config, &used, &defaults)) != NULL) {
	    s.t = rc_verdict_thresholds(cfg);
	    rc_cli_config_release();
	}
    }
    for (int i = 0; i < nfiles; i++) {
	const char *name = strcmp(files[i], "-") == 0 ? "standard input" : files[i];
	RC_LOGFILE *f = rc_logfile_open(files[i]);
	const char *line, *err;

	if (f == NULL) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, strerror(errno));
	    rc = EX_NOINPUT;
	    continue;
	}
	while ((line = rc_logfile_line(f)) != NULL)
	    rc_tally_line(&s, line);
	if (rc_logfile_close(f, &err) < 0) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, err ? err : "read error");
	    rc = EX_NOINPUT;
	}
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", a->report, (long) getpid()) >= (int) sizeof(tmp)
	|| (fp = fopen(tmp, "w")) == NULL) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, a->report, strerror(errno));
	rc_tally_free(&s);
	return (EX_CANTCREAT);
    }
    write_page(fp, &s);
    rc_tally_free(&s);
    if (fclose(fp) != 0 || rename(tmp, a->report) < 0) {
	fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, a->report, strerror(errno));
	unlink(tmp);
	return (EX_CANTCREAT);
    }
    return (rc);
}
