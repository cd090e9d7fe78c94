/*
 * verdict.h - findings and the verdict of one message
 *
 * The checks add findings to a verdict; rc_verdict_decide() sums them
 * into a score and an action. This layer knows the check catalogue and the
 * configuration's thresholds, and nothing of the checks, the resolver or
 * the engine that runs them: every check depends on it, it on none.
 */
#ifndef RC_VERDICT_H_INCLUDED
#define RC_VERDICT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/config.h"
#include "checks.h"

typedef struct rc_finding {
    RC_CHECK    check;
    RC_STATUS   status;
    int         score;			/* counts only when status == RC_HIT */
    char        text[RC_TEXT_MAX];	/* printable ASCII */
    char        detail[RC_DETAIL_MAX];	/* printable ASCII */
    char        label[RC_LABEL_MAX];	/* blocklist label, "" otherwise */
} RC_FINDING;

typedef enum rc_action {
    RC_ACCEPT,
    RC_TEMPREJECT,
    RC_REJECT
} RC_ACTION;

extern const char *rc_action_name(RC_ACTION);

#define RC_MAX_FINDINGS 64

typedef struct rc_verdict {
    int         score;
    RC_ACTION   action;
    bool        temp_seen;		/* some scoring check ended TEMP */
    bool        allowlisted;
    bool        config_error;		/* 451, nothing checked */
    bool        skipped;		/* not checked at all */
    char        skip_reason[64];
    char        note[RC_DETAIL_MAX];	/* log-only remark, e.g. entry not honoured */
    long        elapsed_ms;
    int         queries;		/* DNS queries sent for this message */
    char        received_spf[RC_RECEIVED_SPF_MAX];	/* Received-SPF value, "" if none */
    bool        spf_temperror;		/* for 451 4.4.3 (RFC 7208 8.6) */
    bool        reused;			/* client results from earlier message */
    /*
     * Findings that did not fit in findings[]: still counted in the score
     * and the action, and summarised in the Report header and the reply.
     * A HIT or TEMP takes the place of a PASS or SKIP when the array is
     * full, so what is shown is what decided.
     */
    size_t      omitted;
    int         omitted_score;		/* their HIT (and TEMP) scores */
    bool        omitted_temp;		/* some of them were TEMP */
    size_t      nfindings;
    RC_FINDING  findings[RC_MAX_FINDINGS];
} RC_VERDICT;

/*
 * rc_verdict_add - append a finding. When the verdict is full, a HIT or
 * TEMP displaces the last PASS or SKIP; what still does not fit is counted
 * in v->omitted* (score and action include it). Returns the finding to
 * complete (e.g. its label), NULL when it was counted but not kept.
 */
extern RC_FINDING *rc_verdict_add(RC_VERDICT *, RC_CHECK, RC_STATUS, int score,
			   const char *text, const char *detail);

/* rc_verdict_put - the same for a finding made earlier (copied) */
extern RC_FINDING *rc_verdict_put(RC_VERDICT *, const RC_FINDING *);

/* rc_verdict_clear - no findings at all, shown or omitted */
extern void rc_verdict_clear(RC_VERDICT *);

/*
 * The thresholds that turn a score into an action: a configuration's, or
 * other values for --summary's what-if.
 */
typedef struct rc_thresholds {
    int         reject_score;		/* 0: never */
    int         tempreject_score;	/* 0: never */
    RC_DNSFAIL  on_dns_failure;
} RC_THRESHOLDS;

/* rc_verdict_thresholds - a configuration's thresholds */
extern RC_THRESHOLDS rc_verdict_thresholds(const RC_CONFIG *);

/*
 * rc_verdict_action - the action for a total score, and whether some
 * scoring check ended TEMP, of a message that is checked and not
 * allowlisted: reject, tempreject by score, tempreject on DNS failure,
 * else accept. The one place these rules live.
 */
extern RC_ACTION rc_verdict_action(const RC_THRESHOLDS *, int score, bool temp);

/* rc_verdict_decide - total score and action from the findings */
extern void rc_verdict_decide(const RC_CONFIG *, RC_VERDICT *);

#endif
