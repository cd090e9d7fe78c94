/*
 * tally.h - private to the relaycheck command: the module's log lines
 * counted, and the summary printed (see tally.c)
 */
#ifndef RC_TALLY_H_INCLUDED
#define RC_TALLY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "dnscheck/report.h"
#include "dnscheck/verdict.h"
#include "cli.h"

typedef struct rc_checkstat {
    char        key[RC_LABEL_MAX + 16];
    long        hits, temps, listed;
    int         min_score, max_score;
} RC_CHECKSTAT;

typedef struct rc_scorecount {
    int         score;
    long        count;
} RC_SCORECOUNT;

/* The counts of one relay (or network), by key. */
typedef struct rc_keystat {
    char        key[64];
    long        messages, actions[3];
    int         max_score;
} RC_KEYSTAT;

/* A string-keyed table of RC_KEYSTAT (open addressing). */
typedef struct rc_keytable {
    RC_KEYSTAT *v;
    size_t      n, cap;
} RC_KEYTABLE;

/* The counts; zero it, set what the caller wants, then rc_tally_line(). */
typedef struct rc_tally {
    /* what the caller sets */
    bool        whatif;			/* decide what-if actions too */
    RC_THRESHOLDS t;			/* the what-if thresholds */
    const RC_CLI_RESCORE *rescore;	/* the command line's */
    size_t      nrescore;
    bool        relays;			/* count per relay and per network */
    const char *base;			/* what-if's first column: NULL "logged" */
    /* counts */
    long        messages, actions[3], whatif_actions[3], transitions[3][3];
    long        allowlisted, reused, with_temp, config_errors, notes, unparsed;
    long        time_total, time_max, queries_total;
    char        first[20], last[20];
    RC_CHECKSTAT *checks;
    size_t      nchecks, capchecks;
    RC_SCORECOUNT *scores, *wscores;
    size_t      nscores, capscores, nwscores, capwscores;
    RC_KEYTABLE ips, nets;		/* when relays: per address, per /24 or /48 */
    RC_KEYTABLE hours;			/* when relays: per "YYYY-MM-DD HH" */
} RC_TALLY;

/*
 * rc_tally_line - one line of Exim's main log: the module's own lines are
 * counted (rc_report_own_line(), rc_report_parse_log()), others ignored
 */
extern void rc_tally_line(RC_TALLY *, const char *line);

/* rc_tally_text - the summary for a reader, on stdout */
extern void rc_tally_text(RC_TALLY *);

/*
 * rc_tally_json - the summary as one JSON object on stdout; extra(arg),
 * when not NULL, prints more members (each starting with ",") before its
 * closing brace
 */
extern void rc_tally_json(RC_TALLY *, void (*extra) (void *), void *arg);

/*
 * rc_tally_prometheus - the counts in Prometheus's text exposition format
 * on stdout (relaycheck_messages_total{action=...} and the rest, as
 * relaycheck(8) lists them), for node_exporter's textfile collector
 */
extern void rc_tally_prometheus(RC_TALLY *);

/* rc_tally_sort - checks by hits (most first), scores ascending */
extern void rc_tally_sort(RC_TALLY *);

/* rc_tally_sorted - the table's entries, most messages first (malloc'ed) */
extern RC_KEYSTAT *rc_tally_sorted(const RC_KEYTABLE *);

/* rc_tally_net - the /24 (IPv4) or /48 (IPv6) network of an address, as text */
extern void rc_tally_net(const char *ip, char *buf, size_t len);

/* rc_tally_free - what the counts allocated */
extern void rc_tally_free(RC_TALLY *);

#endif
