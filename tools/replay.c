/*
 * replay.c - relaycheck --replay [LOGFILE...]: what the module would have
 * done to the mail in Exim main logs
 *
 * Reads the logs (eximlog.c: plain or gzip, "-" or none for standard
 * input), takes the arrival lines received over SMTP, and evaluates each
 * distinct (address, HELO, sender, authenticated) once, now, with live
 * DNS, through the worker pool (pool.c) exactly as a check runs it. Each
 * message then gets its relay's log line, stamped with the message's own
 * time, and the module's log lines are counted as --summary counts them
 * (tally.c): actions at the configured thresholds, what-if thresholds and
 * scores, per-check hits, the score table, top relays and networks.
 * Local arrivals (no H=), sessions the module would not check (the skip
 * reasons) and arrival lines that cannot be read are counted and shown;
 * the first few unreadable lines are quoted. Text, or one JSON object
 * (--json). Exit status 0; EX_NOINPUT when a log cannot be read;
 * EX_DATAERR when a relay could not be evaluated (a worker died).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dnscheck/front.h"
#include "dnscheck/spf.h"
#include "eximlog.h"
#include "pool.h"
#include "tally.h"

#define SAMPLES 5			/* unreadable lines quoted */
#define MAX_SKIPS 8			/* distinct skip reasons counted */

/* One distinct relay: its facts and, once evaluated, its result. */
typedef struct relay {
    char       *key;			/* "ip\0helo\0sender\0auth\0" */
    size_t      keylen;
    long        messages;
    char       *result;			/* "L<log line>", "S<reason>"; NULL: lost */
} RELAY;

/* One message: its relay and its time. */
typedef struct message {
    size_t      relay;
    char        when[20];
} MESSAGE;

typedef struct replay {
    RELAY      *relays;
    size_t      nrelays, caprelays;
    size_t     *index;			/* hash: relay number + 1, 0 empty */
    size_t      capindex;
    MESSAGE    *msgs;
    size_t      nmsgs, capmsgs;
    long        lines, arrivals, local, bad, lost;
    char        samples[SAMPLES][320];
    int         nsamples;
    struct {
	char        reason[64];
	long        messages;
    }           skips[MAX_SKIPS];
    int         nskips;
    long        skipped;
    /* evaluation */
    bool        progress;
    size_t      done;
    struct timespec t0;
} REPLAY;

/* What the workers need, set before they are forked. */
typedef struct replay_work {
    const RC_CONFIG *cfg;
    const char *hostname;
    const char *interface;
} REPLAY_WORK;

/* key_hash - FNV-1a over n bytes */
static uint64_t
key_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < n; i++)
	h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
    return (h);
}

/* relay_of - the number of the relay with these facts, added on first sight */
static size_t
relay_of(REPLAY *r, const RC_ARRIVAL *a)
{
    char    key[sizeof(a->ip) + sizeof(a->helo) + sizeof(a->sender) + 4];
    int     n = snprintf(key, sizeof(key), "%s%c%s%c%s%c%c", a->ip, 0, a->helo, 0, a->sender,
			 0, a->auth ? '1' : '0');
    size_t  len = (size_t) n + 1, i;

    if (2 * (r->nrelays + 1) > r->capindex) {
	size_t  ncap = r->capindex ? 2 * r->capindex : 1024;
	size_t *nidx = rc_cli_xrealloc(NULL, ncap * sizeof(*nidx));

	memset(nidx, 0, ncap * sizeof(*nidx));
	for (size_t k = 0; k < r->nrelays; k++) {
	    i = key_hash(r->relays[k].key, r->relays[k].keylen) & (ncap - 1);
	    while (nidx[i])
		i = (i + 1) & (ncap - 1);
	    nidx[i] = k + 1;
	}
	free(r->index);
	r->index = nidx;
	r->capindex = ncap;
    }
    i = key_hash(key, len) & (r->capindex - 1);
    while (r->index[i]) {
	RELAY  *e = &r->relays[r->index[i] - 1];

	if (e->keylen == len && memcmp(e->key, key, len) == 0)
	    return (r->index[i] - 1);
	i = (i + 1) & (r->capindex - 1);
    }
    if (r->nrelays == r->caprelays) {
	r->caprelays = r->caprelays ? 2 * r->caprelays : 256;
	r->relays = rc_cli_xrealloc(r->relays, r->caprelays * sizeof(*r->relays));
    }
    r->relays[r->nrelays].key = rc_cli_xrealloc(NULL, len);
    memcpy(r->relays[r->nrelays].key, key, len);
    r->relays[r->nrelays].keylen = len;
    r->relays[r->nrelays].messages = 0;
    r->relays[r->nrelays].result = NULL;
    r->index[i] = ++r->nrelays;
    return (r->nrelays - 1);
}

/* replay_line - one main-log line */
static void
replay_line(REPLAY *r, const char *name, long lineno, const char *line)
{
    RC_ARRIVAL a;
    const char *why;
    MESSAGE *m;

    r->lines++;
    switch (rc_eximlog_arrival(line, &a, &why)) {
    case RC_ARRIVAL_NONE:
	return;
    case RC_ARRIVAL_LOCAL:
	r->local++;
	return;
    case RC_ARRIVAL_BAD:
	r->bad++;
	if (r->nsamples < SAMPLES)
	    snprintf(r->samples[r->nsamples++], sizeof(r->samples[0]), "%s:%ld: %s: %.200s",
		     name, lineno, why, line);
	return;
    case RC_ARRIVAL_SMTP:
	break;
    }
    r->arrivals++;
    if (r->nmsgs == r->capmsgs) {
	r->capmsgs = r->capmsgs ? 2 * r->capmsgs : 1024;
	r->msgs = rc_cli_xrealloc(r->msgs, r->capmsgs * sizeof(*r->msgs));
    }
    m = &r->msgs[r->nmsgs++];
    m->relay = relay_of(r, &a);
    memcpy(m->when, a.when, sizeof(m->when));
    r->relays[m->relay].messages++;
}

/* replay_work - in a worker: one relay through rc_front_check(): its log line or skip */
static char *
replay_work(void *arg, const char *req, size_t reqlen, size_t *len)
{
    static RC_VERDICT v;
    static RC_FRONT_OUT out;
    const REPLAY_WORK *w = arg;
    RC_FACTS facts;
    char   *buf;
    const char *text;

    if (req == NULL) {
	rc_cli_worker_end();
	return (NULL);
    }
    (void) reqlen;
    rc_cli_relay_facts(&facts, req, 0, w->hostname, w->interface);
    rc_front_check(w->cfg, &facts, NULL, &v, &out);
    text = v.skipped ? v.skip_reason : out.log;
    *len = strlen(text) + 1;
    buf = rc_cli_xrealloc(NULL, *len + 1);
    buf[0] = v.skipped ? 'S' : 'L';
    memcpy(buf + 1, text, *len);
    return (buf);
}

/* replay_done - in the parent: a relay's result (the relays go in order) */
static void
replay_done(void *arg, size_t seq, const char *rep, size_t len)
{
    REPLAY *r = arg;

    (void) len;
    r->relays[seq].result = rep ? strdup(rep) : NULL;
    r->done++;
    if (r->progress) {
	struct timespec t;
	double  s, rate;

	clock_gettime(CLOCK_MONOTONIC, &t);
	s = (double) (t.tv_sec - r->t0.tv_sec) + (double) (t.tv_nsec - r->t0.tv_nsec) / 1e9;
	rate = s > 0 ? (double) r->done / s : 0;
	fprintf(stderr, "\r%s: %zu/%zu relays, %.1f/s", rc_cli_progname, r->done, r->nrelays,
		rate);
	if (rate > 0 && r->done < r->nrelays)
	    fprintf(stderr, ", %.0f s left   ", (double) (r->nrelays - r->done) / rate);
	else
	    fprintf(stderr, "             \n");
    }
}

/* count_skip - a message the module would not check */
static void
count_skip(REPLAY *r, const char *reason)
{
    int     i;

    r->skipped++;
    for (i = 0; i < r->nskips; i++)
	if (strcmp(r->skips[i].reason, reason) == 0)
	    break;
    if (i == r->nskips) {
	if (r->nskips == MAX_SKIPS)
	    i = MAX_SKIPS - 1;		/* the rest counted with the last */
	else
	    snprintf(r->skips[r->nskips++].reason, sizeof(r->skips[0].reason), "%s", reason);
    }
    r->skips[i].messages++;
}

/* replay_header_text - what was read, before the summary */
static void
replay_header_text(const REPLAY *r)
{
    printf("relaycheck replay: %ld log line%s read, %ld arrival%s over SMTP from %zu distinct "
	   "relay%s (address, HELO, sender)\n", r->lines, r->lines == 1 ? "" : "s",
	   r->arrivals, r->arrivals == 1 ? "" : "s", r->nrelays, r->nrelays == 1 ? "" : "s");
    printf("  local arrivals (no H=, not checked)  %8ld\n", r->local);
    for (int i = 0; i < r->nskips; i++)
	printf("  not checked: %-22s  %8ld\n", r->skips[i].reason, r->skips[i].messages);
    if (r->lost)
	printf("  not evaluated (a worker died)        %8ld\n", r->lost);
    printf("  unreadable arrival lines             %8ld\n", r->bad);
    for (int i = 0; i < r->nsamples; i++)
	printf("    %s\n", r->samples[i]);
    printf("\n");
}

/* replay_json_extra - the "replay" member of the JSON object */
static void
replay_json_extra(void *arg)
{
    const REPLAY *r = arg;

    printf(",\n \"replay\": {\"lines\": %ld, \"arrivals\": %ld, \"distinct\": %zu, "
	   "\"local\": %ld, \"unreadable\": %ld, \"not_evaluated\": %ld, \"skipped\": {",
	   r->lines, r->arrivals, r->nrelays, r->local, r->bad, r->lost);
    for (int i = 0; i < r->nskips; i++) {
	printf("%s", i ? ", " : "");
	rc_cli_json_str(stdout, r->skips[i].reason);
	printf(": %ld", r->skips[i].messages);
    }
    printf("},\n  \"unreadable_lines\": [");
    for (int i = 0; i < r->nsamples; i++) {
	printf("%s", i ? ", " : "");
	rc_cli_json_str(stdout, r->samples[i]);
    }
    printf("]}");
}

/* read_logs - every line of every log; EX_NOINPUT when one cannot be read */
static int
read_logs(REPLAY *r, char **files, int nfiles)
{
    static char *const dash[] = {(char *) "-"};
    int     rc = 0;

    if (nfiles == 0) {
	files = (char **) dash;
	nfiles = 1;
    }
    for (int i = 0; i < nfiles; i++) {
	const char *name = strcmp(files[i], "-") == 0 ? "standard input" : files[i];
	RC_LOGFILE *f = rc_logfile_open(files[i]);
	const char *line, *err;
	long    lineno = 0;

	if (f == NULL) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, strerror(errno));
	    rc = EX_NOINPUT;
	    continue;
	}
	while ((line = rc_logfile_line(f)) != NULL)
	    replay_line(r, name, ++lineno, line);
	if (rc_logfile_close(f, &err) < 0) {
	    fprintf(stderr, "%s: %s: %s\n", rc_cli_progname, name, err ? err : "read error");
	    rc = EX_NOINPUT;
	}
    }
    return (rc);
}

/* evaluate - every distinct relay through the pool */
static int
evaluate(REPLAY *r, const RC_CONFIG *cfg, const RC_CLI_ARGS *a)
{
    REPLAY_WORK w = {cfg, a->hostname, a->interface};
    RC_POOL *pool;
    int     bad;

    r->progress = isatty(STDERR_FILENO) && r->nrelays > 0;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    fflush(NULL);
    if ((pool = rc_pool_open(a->jobs, replay_work, &w, replay_done, r)) == NULL) {
	fprintf(stderr, "%s: starting %d workers: %s\n", rc_cli_progname, a->jobs,
		strerror(errno));
	return (EX_OSERR);
    }
    for (size_t i = 0; i < r->nrelays; i++)
	rc_pool_submit(pool, r->relays[i].key, r->relays[i].keylen);
    if ((bad = rc_pool_close(pool)) > 0)
	fprintf(stderr, "%s: %d worker%s died\n", rc_cli_progname, bad, bad == 1 ? "" : "s");
    return (0);
}

/* rc_cli_replay - the mode's run function (cli.h) */

int
rc_cli_replay(const RC_CLI_ARGS *a)
{
    const RC_CONFIG *cfg;
    char    cfgname[PATH_MAX + 64];
    static REPLAY r;
    RC_TALLY t;
    int     rc, erc;

    if ((cfg = rc_cli_engine_config(a->config, cfgname, sizeof(cfgname), &rc)) == NULL)
	return (rc);
    memset(&r, 0, sizeof(r));
    rc = read_logs(&r, a->files, a->nfiles);
    if ((erc = evaluate(&r, cfg, a)) != 0) {
	rc_cli_config_release();
	return (erc);
    }

    memset(&t, 0, sizeof(t));
    t.relays = true;
    t.whatif = a->whatif;
    t.rescore = a->rescore;
    t.nrescore = a->nrescore;
    t.t = rc_verdict_thresholds(cfg);
    if (a->reject_score >= 0)
	t.t.reject_score = a->reject_score;
    if (a->tempreject_score >= 0)
	t.t.tempreject_score = a->tempreject_score;
    t.base = "configured";
    for (size_t i = 0; i < r.nmsgs; i++) {
	const char *res = r.relays[r.msgs[i].relay].result;
	char    line[RC_OUT_LOG_MAX + 32];

	if (res == NULL) {
	    r.lost++;
	    continue;
	}
	if (res[0] == 'S') {
	    count_skip(&r, res + 1);
	    continue;
	}
	snprintf(line, sizeof(line), "%s %s", r.msgs[i].when, res + 1);
	rc_tally_line(&t, line);
    }
    if (a->json)
	rc_tally_json(&t, replay_json_extra, &r);
    else {
	replay_header_text(&r);
	rc_tally_text(&t);
    }
    rc_tally_free(&t);
    for (size_t i = 0; i < r.nrelays; i++) {
	free(r.relays[i].key);
	free(r.relays[i].result);
    }
    free(r.relays);
    free(r.index);
    free(r.msgs);
    rc_cli_config_release();
    if (fflush(stdout) != 0 || ferror(stdout)) {
	fprintf(stderr, "%s: writing output: %s\n", rc_cli_progname, strerror(errno));
	return (EX_IOERR);
    }
    if (rc)
	return (rc);
    return (r.lost ? EX_DATAERR : 0);
}
