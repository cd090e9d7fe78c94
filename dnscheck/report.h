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

#include <stddef.h>

#include "../allowlist/config.h"
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

/* rc_report_reply - multi-line SMTP text for reject/tempreject (\n-separated) */
extern void rc_report_reply(const RC_CONFIG *, const RC_VERDICT *, const char *ip,
			    char *, size_t);

/* rc_report_lsdata - "$local_scan_data": "score=N checks=a,b" */
extern void rc_report_lsdata(const RC_VERDICT *, char *, size_t);

#endif
