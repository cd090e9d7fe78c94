/*
 * txn.h - one result per message, across Exim's ACLs and local_scan()
 *
 * Exim may ask for the verdict of one message several times: from the
 * connect, HELO, MAIL and RCPT ACLs through ${dlfunc} (once per RCPT, and
 * once per expansion that names it), and from local_scan() after DATA.
 * The connection's process keeps one RC_TXN: the facts the result was
 * computed on (client address, HELO, sender, authentication, the
 * configuration's generation), where in the SMTP session it was computed,
 * and the verdict with its texts. A call is the same message, and reuses
 * the result without any DNS, when the facts are the same and no
 * transaction boundary lies between the two calls:
 *
 *   - MAIL, RSET, HELO, EHLO or STARTTLS among the commands since
 *     (Exim's $smtp_command_history: the connection's last 20 commands);
 *   - $rcpt_count lower than at the held call (Exim resets it at every
 *     new transaction);
 *   - local_scan() ran: it ends the transaction (rc_txn_end()).
 *
 * A call with the sender not known yet (connect, HELO) gets the
 * client-only part; the call with the sender computes the whole verdict,
 * and the connection cache (engine.h) answers the client rows without
 * repeating their queries. Nothing here calls Exim: the adapter reads the
 * variables and passes them in an RC_TXN_POINT.
 */
#ifndef RC_TXN_H_INCLUDED
#define RC_TXN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "engine.h"
#include "front.h"
#include "verdict.h"

#define RC_TXN_HISTORY_MAX	256	/* 20 command names and commas */
#define RC_TXN_SENDER_MAX	520	/* longer senders are never reused */

/* Where in the SMTP session a call comes from. */
typedef struct rc_txn_point {
    const char *history;		/* $smtp_command_history; "" or NULL: unknown */
    int         rcpt_count;		/* $rcpt_count */
} RC_TXN_POINT;

/* The connection's message in progress and its result. */
typedef struct rc_txn {
    bool        held;			/* a result is held */
    unsigned long generation;		/* of the configuration used */
    char        ip[RC_ADDR_STRLEN + 8];
    char        helo[256];
    bool        has_sender;		/* false: computed before MAIL */
    char        sender[RC_TXN_SENDER_MAX];
    bool        authenticated;
    char        history[RC_TXN_HISTORY_MAX];
    int         rcpt_count;
    bool        logged;			/* the message's log line is written */
    RC_VERDICT  verdict;
    RC_FRONT_OUT out;
} RC_TXN;

/*
 * rc_txn_boundary - does a transaction start between two points of one
 * connection: MAIL, RSET, HELO, EHLO or STARTTLS among the commands of
 * `now's history that `then's does not end with, or a lower rcpt_count?
 * The histories are windows of the same ring of commands; the commands
 * since are those past the longest overlap of then's end with now's start.
 */
extern bool rc_txn_boundary(const RC_TXN_POINT *then, const RC_TXN_POINT *now);

/*
 * rc_txn_check - the verdict (and its texts, in t->out) for the message
 * at `pt': the held one when the facts and the transaction are the same
 * (*reused true: no DNS, nothing recomputed), else a fresh evaluation
 * with the connection cache, which then becomes the held one (its log
 * line not written yet). facts->sender NULL: the sender is not known yet.
 */
extern const RC_VERDICT *rc_txn_check(RC_TXN *t, const RC_CONFIG *, const RC_FACTS *,
				      const RC_TXN_POINT *pt, RC_CONNCACHE *, bool *reused);

/* rc_txn_end - local_scan() is done with the message: nothing is held */
extern void rc_txn_end(RC_TXN *t);

/*
 * rc_txn_exempt - is an address's local part (up to its last '@') in
 * exempt_recipients, case-insensitively? A message is exempt when every
 * recipient's is.
 */
extern bool rc_txn_exempt(const RC_CONFIG *, const char *address);

#endif
