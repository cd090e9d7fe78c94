/*
 * summary.c - relaycheck --summary: the module's lines in Exim main logs
 *
 * Reads the log files (or standard input) and hands every line to
 * rc_tally_line() (tally.c), which keeps the module's own lines and counts
 * messages, actions, check hits, TEMP results and scores. With --reject-score,
 * --tempreject-score or --score it also decides what those thresholds and
 * scores would have done to the same messages (rc_front_whatif(), on the
 * engine's own rc_verdict_action()). Text, one JSON object (--json), or
 * Prometheus metrics (--prometheus).
 * Exit status 0, or EX_NOINPUT when a log file cannot be read.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dnscheck/front.h"
#include "tally.h"

/* summary_file - every line of one log file; EX_NOINPUT on a read error */
static int
summary_file(RC_TALLY *s, FILE *fp, const char *name)
{
    char   *line = NULL;
    size_t  cap = 0;

    while (getline(&line, &cap, fp) >= 0)
	rc_tally_line(s, line);
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
run_summary(RC_TALLY *s, const char *config, int reject, int tempreject, bool json,
	    bool prometheus, char **files, int nfiles)
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
    if (prometheus)
	rc_tally_prometheus(s);
    else if (json)
	rc_tally_json(s, NULL, NULL);
    else
	rc_tally_text(s);
    return (rc);
}

/* rc_cli_summary - the mode's run function (cli.h) */

int
rc_cli_summary(const RC_CLI_ARGS *a)
{
    RC_TALLY s;
    int     rc;

    memset(&s, 0, sizeof(s));
    s.whatif = a->whatif;
    s.rescore = a->rescore;
    s.nrescore = a->nrescore;
    rc = run_summary(&s, a->config, a->reject_score, a->tempreject_score, a->json,
		     a->prometheus, a->files,
		     a->nfiles);
    rc_tally_free(&s);
    return (rc);
}
