/*
 * spf.h - SPF (RFC 7208) on the message's udns session, through libspf2
 *
 * rc_spf_check() evaluates check_host() for one message: the MAIL FROM
 * identity, or for a bounce (MAIL FROM:<>) the HELO identity
 * (postmaster@<helo>). It runs synchronously: every DNS lookup libspf2
 * asks for is submitted to the caller's RC_RESOLVER and waited for with
 * rc_resolver_wait(), so the answers to the message's other queries (PTR,
 * DNSBL, ...) are processed while SPF waits, and everything stops at the
 * resolver's one deadline. Submit the other checks' queries first, then
 * call rc_spf_check(), then wait for the rest.
 *
 * What this adds to libspf2 (how: spfdns.c, spffetch.c, spfeval.c):
 *   - RFC 7208 4.6.4 limits, which libspf2 does not enforce: at most 10
 *     DNS-querying terms (include, a, mx, ptr, exists, redirect) in the
 *     whole evaluation, across include: and redirect=, and at most 2 void
 *     lookups; beyond either the result is permerror. At most 10 PTR names
 *     are used (the rest ignored), an MX answer with more than 10 names is
 *     a permerror.
 *   - SPF records and explanation texts of the shape that triggers
 *     CVE-2023-42118 in libspf2 1.2.10 are refused before libspf2 parses
 *     them (a record: permerror; an explanation: the default one). See
 *     SECURITY.md.
 *   - temperror/permerror instead of libspf2's "(invalid)" result.
 *   - a deadline overrun (or the query budget spent) is temperror.
 *
 * Results never depend on the library writing to stderr or aborting: the
 * libspf2 log handlers are routed to the function set with rc_spf_set_log()
 * (or dropped). Note that libspf2 calls abort() after its error handler
 * returns; nothing this module passes to libspf2 reaches those paths
 * (inputs are validated first, the DNS layer never returns NULL), apart
 * from memory exhaustion inside the library itself.
 *
 * This header is the interface of the SPF files spfguard.c,
 * spfreceived.c, spfdns.c, spffetch.c and spfeval.c (how they divide the
 * work: spfsession.h, their private header); there is no spf.c. The CVE
 * screen alone is spfcve.h.
 *
 * Per process: one SPF_server_t, created on first use and reused for every
 * message; rc_spf_shutdown() frees it (tests, valgrind). Not thread-safe
 * (Exim's receiving process is single-threaded).
 */
#ifndef RC_SPF_H_INCLUDED
#define RC_SPF_H_INCLUDED

#include <stdbool.h>

#include "checks.h"
#include "resolver.h"

typedef enum rc_spf_result {
    RC_SPF_PASS,
    RC_SPF_FAIL,
    RC_SPF_SOFTFAIL,
    RC_SPF_NEUTRAL,
    RC_SPF_NONE,
    RC_SPF_PERMERROR,
    RC_SPF_TEMPERROR,
    RC_SPF_SKIP				/* not evaluated, see detail */
} RC_SPF_RESULT;

#define RC_SPF_MAX_TERMS	10	/* RFC 7208 4.6.4 */
#define RC_SPF_MAX_VOID		2	/* RFC 7208 4.6.4 */
#define RC_SPF_MAX_QUERIES	128	/* per evaluation; the limits stay below */
#define RC_SPF_HEADER_MAX	RC_RECEIVED_SPF_MAX	/* checks.h */

typedef struct rc_spf {
    RC_SPF_RESULT result;
    RC_CHECK    check;			/* RC_CHK_SPF_*; SKIP: RC_CHK_SPF_NONE */
    bool        helo_identity;		/* bounce: postmaster@<helo> was checked */
    char        domain[256];		/* the domain checked, escaped; "" if none */
    /*
     * detail: escaped, one line, e.g. "example.net: 192.0.2.1 not
     * authorised", "example.net: more than 10 DNS lookups", "example.net:
     * DNS lookup failed (timeout after 5000 ms)", or why it was skipped.
     */
    char        detail[RC_DETAIL_MAX];
    /*
     * received_spf: the value of a Received-SPF: header (without the name
     * and the colon), escaped, no trailing newline; "" for SKIP (add no
     * header then). Folded with "\n\t" where a line of "Received-SPF: "
     * and the value would exceed 998 characters (RFC 5322 2.1.1); every
     * part is there (result, comment, client-ip, envelope-from, helo when
     * there is one, identity) and it ends in ';'. A value that is not a
     * dot-atom (or an address of them) is a quoted-string.
     */
    char        received_spf[RC_SPF_HEADER_MAX];
    int         queries;		/* DNS queries sent to the network */
    int         lookups;		/* lookups libspf2 asked for (some cached) */
    int         terms;			/* DNS-querying terms evaluated */
    int         void_lookups;
    bool        cve_refused;		/* a record or explanation was refused */
    bool        limit_exceeded;		/* terms or void lookups over the limit */
    bool        timed_out;		/* the deadline or query budget stopped it */
    long        elapsed_ms;
} RC_SPF;

/*
 * rc_spf_check - evaluate SPF for one message. client_ip: IPv4 or IPv6
 * text; helo: the HELO/EHLO argument ("" if none); sender: the envelope
 * sender ("" for a bounce); receiver_hostname: this server's name for the
 * Received-SPF comment (NULL: the host name). None of the strings needs to
 * be trusted. Fills *out; never fails (internal trouble is temperror).
 */
extern void rc_spf_check(RC_SPF *out, RC_RESOLVER *, const char *client_ip,
			 const char *helo, const char *sender,
			 const char *receiver_hostname);

/* rc_spf_result_name - "pass", "fail", ..., "temperror", "skip" */
extern const char *rc_spf_result_name(RC_SPF_RESULT);

/*
 * Log levels passed to the rc_spf_set_log() callback. The message is
 * plain text (not a format), escaped, without a trailing newline.
 */
#define RC_SPF_LOG_ERROR	0	/* libspf2 will abort() after this */
#define RC_SPF_LOG_WARNING	1
#define RC_SPF_LOG_INFO		2
#define RC_SPF_LOG_DEBUG	3

/*
 * rc_spf_set_log - where libspf2's (and this module's) log messages go;
 * NULL drops them. Installs the libspf2 handlers at once. libspf2's
 * handlers are process globals, also used by Exim's own SPF support.
 */
extern void rc_spf_set_log(void (*fn) (int level, const char *msg));

/* rc_spf_shutdown - free the per-process libspf2 state (tests, valgrind) */
extern void rc_spf_shutdown(void);

/*
 * rc_spf_abandon - after a jump out of the module past rc_spf_check() (the
 * adapter's abort guard): libspf2's process-global handlers back to the
 * ones they replaced (Exim's own SPF code uses them) and the recovery jump
 * disarmed. The interrupted check's memory and the libspf2 server are
 * abandoned (kept, not freed: their state is unknown); the next check
 * starts afresh. Harmless when no check was interrupted.
 */
extern void rc_spf_abandon(void);

/*
 * rc_spf_handlers_installed - are libspf2's handlers this module's now?
 * Only while a libspf2 call of this file runs; a test checks it after an
 * abort.
 */
extern bool rc_spf_handlers_installed(void);

#endif
