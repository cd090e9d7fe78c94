/*
 * report.h - what the operator and the sender see
 * (README.md, "Reading the output")
 *
 * Every function writes into a caller's buffer, always NUL-terminated and
 * cut (never overflowing) when too small. Finding texts and details are
 * printable ASCII already (see escape.h); nothing here uses them as a
 * format string.
 */
#ifndef RC_REPORT_H_INCLUDED
#define RC_REPORT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/config.h"
#include "verdict.h"

/* rc_report_finding - "+8 Relay Host: No DNS PTR record (192.0.2.66)" */
extern void rc_report_finding(const RC_FINDING *, char *, size_t);

/* rc_report_visible - is a finding shown in the Report header? */
extern int rc_report_visible(const RC_FINDING *);

/* rc_report_header_score - "X-Relaycheck-Score: 12\n" */
extern void rc_report_header_score(const RC_CONFIG *, const RC_VERDICT *, char *, size_t);

/* rc_report_header_report - "X-Relaycheck-Report: ...\n\t...\n" */
extern void rc_report_header_report(const RC_CONFIG *, const RC_VERDICT *, char *, size_t);

/* rc_report_log - "relaycheck: ip=... score=... action=... checks=... time=...ms" */
extern void rc_report_log(const RC_VERDICT *, const char *ip, char *, size_t);

/* What the log line adds when Exim's ACLs were involved. */
typedef struct rc_logextra {
    bool        reused;			/* reused=yes: the result was computed earlier */
    bool        exempt;			/* exempt=yes: every recipient exempt */
    const char *acl;			/* acl=<verb> (rc_report_acl_actions), or NULL */
    const char *spam;			/* spam_score=<what> (README, "Use the score"), or NULL */
    bool        spam_reject;		/* action=reject: the combined score rejects */
} RC_LOGEXTRA;

/* The ACL verbs acl= may name: accept, defer, deny, discard, drop, reject; NULL-ended. */
extern const char *const rc_report_acl_actions[];

/*
 * rc_report_log_acl - the log line, with " exempt=yes", " acl=..." and
 * " spam_score=..." after time=
 */
extern void rc_report_log_acl(const RC_VERDICT *, const char *ip, const RC_LOGEXTRA *,
			      char *, size_t);

/*
 * rc_report_acl_verdict - the yield of relaycheck_acl's `verdict':
 * "action=reject score=15 checks=ptr_missing(+15)" (the log line's
 * checks= list), with skipped="reason" for a host that is not checked.
 */
extern void rc_report_acl_verdict(const RC_VERDICT *, char *, size_t);

/*
 * One item of the log line's checks= field: "id", "id(+n)", "id(temp)",
 * "id:label(+n)" or "id:label(temp)". A bare id (neither scored nor temp)
 * is the No Server Check entry.
 */
typedef struct rc_logitem {
    char        id[32];
    char        label[RC_LABEL_MAX];	/* "" when none */
    bool        scored;			/* "(+n)": a HIT of `score' */
    bool        temp;			/* "(temp)" */
    int         score;
} RC_LOGITEM;

/* A log line read back by rc_report_parse_log(): what rc_report_log() wrote. */
typedef struct rc_logline {
    char        ip[64];			/* escaped, as logged */
    int         score;
    RC_ACTION   action;
    size_t      nitems;
    RC_LOGITEM  items[RC_MAX_FINDINGS];
    int         omitted_score;		/* "omitted(+n)", 0 when absent */
    bool        omitted_temp;		/* "omitted(temp)" */
    bool        allowlisted;
    char        allowlisted_what[RC_DETAIL_MAX];
    char        note[RC_DETAIL_MAX];	/* "" when none */
    bool        has_queries;
    int         queries;
    bool        reused;
    long        time_ms;
    bool        exempt;			/* " exempt=yes" */
    char        acl[8];			/* " acl=..." value, "" when none */
    char        spam_score[48];		/* " spam_score=..." value, "" when none */
    bool        cut;			/* the line ends early: see below */
} RC_LOGLINE;

/*
 * rc_report_parse_log - read a line of rc_report_log() ("relaycheck:
 * ip=..." up to an optional newline) into *l; false when it is not one.
 * The fields after checks= are found from the end of the line: the module's
 * own note never holds a quote, so escaped text in allowlisted="..."
 * (quotes, blanks, " note=") and labels with blanks, commas or parentheses
 * read back as written. A line cut short by its buffer (no time= at the
 * end) still gives ip, score, action and its whole items, with l->cut set.
 */
extern bool rc_report_parse_log(const char *, RC_LOGLINE *);

/*
 * rc_report_own_line - in a line of Exim's main log, the text of one of
 * the module's own lines ("relaycheck: ..."), or NULL.
 */
extern const char *rc_report_own_line(const char *);

/* rc_report_reply - multi-line SMTP text for reject/tempreject (\n-separated) */
extern void rc_report_reply(const RC_CONFIG *, const RC_VERDICT *, const char *ip,
			    char *, size_t);

/*
 * rc_report_reply_combined - the 550 text when the combined spam score
 * (README, "Use the score") reaches combined_reject_score: the reason,
 * then the findings as in rc_report_reply().
 */
extern void rc_report_reply_combined(const RC_VERDICT *, const char *ip, const char *combined,
				     const char *threshold, char *, size_t);

/*
 * rc_report_header_append - one more folded line at the end of a header
 * (the Report header's spam-score line); the header still ends in "\n",
 * cut at a fold when it does not fit.
 */
extern void rc_report_header_append(char *header, size_t size, const char *line);

/* rc_report_lsdata - "$local_scan_data": "score=N checks=a,b" */
extern void rc_report_lsdata(const RC_VERDICT *, char *, size_t);

#endif
