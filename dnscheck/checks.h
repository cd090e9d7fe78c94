/*
 * checks.h - check identities: the catalogue of checks
 *
 * A check is identified by an RC_CHECK value; its name is the key under
 * [scores] in the INI file and the id in the log line. A finding (see
 * verdict.h) is what one check concluded for one message, with a status:
 *
 *	HIT	the check found a problem; the score counts
 *	PASS	the check ran and found nothing wrong
 *	TEMP	the check could not decide (DNS timeout, SERVFAIL, ...); a TEMP
 *		finding never scores as if a record were absent
 *	SKIP	the check did not run (disabled, not applicable)
 *
 * Blocklist findings share one check id per kind (dnsbl, rhsbl) and carry
 * the list's own label and score.
 */
#ifndef RC_CHECKS_H_INCLUDED
#define RC_CHECKS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum rc_check {
    RC_CHK_PTR_MISSING,
    RC_CHK_PTR_NO_ADDRESS,
    RC_CHK_PTR_MISMATCH,
    RC_CHK_PTR_GENERIC,
    RC_CHK_HELO_BARE_IP,
    RC_CHK_HELO_NOT_FQDN,
    RC_CHK_HELO_MISMATCH,
    RC_CHK_HELO_WRONG_IP,
    RC_CHK_HELO_IS_US,
    RC_CHK_HELO_GENERIC,
    RC_CHK_SENDER_DOMAIN_UNRESOLVABLE,
    RC_CHK_SPF_PASS,
    RC_CHK_SPF_FAIL,
    RC_CHK_SPF_SOFTFAIL,
    RC_CHK_SPF_NEUTRAL,
    RC_CHK_SPF_NONE,
    RC_CHK_SPF_PERMERROR,
    RC_CHK_SPF_TEMPERROR,
    RC_CHK_NSCORE_COUNT,		/* checks above have a [scores] key */
    RC_CHK_DNSBL = RC_CHK_NSCORE_COUNT,	/* per-list score */
    RC_CHK_RHSBL,
    RC_CHK_ALLOWLIST,			/* "on No Server Check list", score 0 */
    RC_CHK_COUNT
} RC_CHECK;

typedef enum rc_status {
    RC_HIT,
    RC_PASS,
    RC_TEMP,
    RC_SKIP
} RC_STATUS;

typedef struct rc_checkinfo {
    const char *id;			/* [scores] key and log id */
    int         default_score;
    const char *text;			/* "Relay Host: No DNS PTR record" */
    const char *remedy;			/* printf format with one %s (IP); or NULL */
} RC_CHECKINFO;

extern const RC_CHECKINFO rc_checkinfo[RC_CHK_COUNT];

/* rc_check_by_id - [scores] key to check; -1 when unknown */
extern int rc_check_by_id(const char *);

#define RC_TEXT_MAX	160		/* finding text */
#define RC_DETAIL_MAX	320		/* finding detail, already escaped */
#define RC_LABEL_MAX	64		/* blocklist label */

extern const char *rc_status_name(RC_STATUS);

/*
 * A Received-SPF value as dnscheck/spfreceived.c builds it: escaped, folded so no
 * line exceeds 998 characters with "Received-SPF: " (RFC 5322 2.1.1). Its
 * parts are bounded there; the longest comes to about 3,400 characters.
 */
#define RC_RECEIVED_SPF_MAX 4096

#endif
