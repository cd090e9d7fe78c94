/*
 * spf.c - SPF through libspf2, on the message's udns session
 *
 * libspf2 1.2.10 (Debian 12) evaluates the records; this file gives it a
 * DNS layer (SPF_dns_server_t) whose lookups go to the message's
 * RC_RESOLVER, and adds what the library lacks. Facts it relies on (read
 * in the 1.2.10 source and checked against Debian's binary):
 *
 *   - the layer's lookup() must never return NULL (SPF_dns_lookup calls
 *     SPF_error) - a few spare answers are kept for memory exhaustion;
 *   - when the layer has get_spf(), SPF_server_get_record() calls it for
 *     every record fetch (the checked domain, include:, redirect=) and
 *     lookup() sees only the lookups of mechanisms and macros, plus the
 *     TXT lookup of an exp= explanation. So get_spf() calls after the
 *     first are include/redirect terms, and type 99 is never asked for
 *     (lookup() answers it NO_DATA without the network all the same);
 *   - inside mechanisms libspf2 only tests herrno == TRY_AGAIN (which
 *     ends the evaluation with temperror); anything else is "no records";
 *   - the 10-lookup limit is per record (a fresh count in every include)
 *     and the 11th DNS mechanism is still looked up; there is no limit on
 *     void lookups; more than 10 PTR names is a permerror (RFC 7208 says
 *     ignore the rest); a DNS error on a PTR name's address lookup is a
 *     temperror (RFC 7208 5.5 says skip the name);
 *   - SPF_errorv() calls the error handler and, in Debian's build, nothing
 *     after it: the handler pointer is declared noreturn, so the compiler
 *     dropped the abort() that follows in the source. A handler that
 *     returns runs into the next function (SIGSEGV, verified). Ours never
 *     returns: it jumps back to rc_spf_check()'s recovery point, and the
 *     message gets temperror. The handlers are ours only while this file
 *     is inside libspf2 (Exim's own SPF support shares the globals): they
 *     are put back on every path, by rc_spf_leave(), or by rc_spf_abandon()
 *     after the adapter's abort guard jumped past us; called with no jump
 *     armed, ours chain to the ones they replaced;
 *   - SPF_request_query_mailfrom() answers "pass" for any 127/8 or ::1
 *     client without reading DNS ("localhost is always allowed").
 *     Loopback clients are local processes or, behind a same-host proxy,
 *     every client, so rc_spf_query() takes the same steps (the record
 *     fetch, then SPF_record_interpret(), which has no such shortcut)
 *     and every client's record is evaluated;
 *   - SPF_RESULT_INVALID comes back for a failed top-level record fetch
 *     (DNS error: temperror) or record compile (permerror);
 *   - SPF_i_done() builds a Received-SPF text cut at 480 bytes (a long
 *     sender loses helo= and the final ';') and never folded; the header
 *     is built here instead, always (rc_spf_received()), in the same form,
 *     folded to RFC 5322's 998 characters a line.
 *
 * Counting RFC 7208 4.6.4 terms from inside the DNS layer. The terms that
 * query DNS are include, a, mx, ptr, exists and redirect; each makes
 * exactly one "primary" request of the layer: a -> A/AAAA, mx -> MX,
 * ptr -> PTR (should_cache true), exists -> A, include/redirect ->
 * get_spf(). The other requests are not terms:
 *   - address lookups of the names in an MX or PTR answer. libspf2 asks for
 *     them at once, in answer order, passing the very string pointers of
 *     the answer this layer built; a request whose domain pointer (and
 *     text) is the next expected one of the last MX/PTR answer is such a
 *     sub-lookup. At most 10 per answer: PTR answers are cut to 10 names
 *     (RFC 7208: the rest are ignored), an MX answer with more than 10
 *     names is a permerror at once (the suite's reading of RFC 7208);
 *   - the %{p} macro: a PTR lookup with should_cache false (the ptr
 *     mechanism passes true) and its address lookups, once per check;
 *   - the TXT lookup of an exp= explanation (after the result is known,
 *     or when an include:d record fails; never a term).
 * A term beyond the 10th, or a void answer (NXDOMAIN, or no records) to a
 * term's primary request beyond the 2nd, stops the evaluation: that
 * request and every later one is answered TRY_AGAIN without the network,
 * which unwinds libspf2 at once, and the result is permerror whatever
 * libspf2 concluded. (A get_spf() over the limit returns SPF_E_BIG_DNS,
 * which libspf2 itself turns into permerror.) A lookup that hits the
 * deadline or the query budget stops it the same way with temperror
 * (except %{p} and explanation lookups, whose failure libspf2 tolerates,
 * as RFC 7208 says). The one imprecision: if an include:d record ends
 * early on a matching "-mx" (its result does not end the evaluation) and
 * the parent's next lookup reuses the freed answer's address for the very
 * same name, that one term is taken for a sub-lookup - at most one per
 * include, and the deadline and query budget still hold.
 *
 * Every record goes through rc_spfrec_prepare() (RFC 7208 syntax, the
 * CIDR /0 rewrite; see spfrec.h) before SPF_record_compile().
 *
 * CVE-2023-42118: see rc_spf_cve_2023_42118() and SECURITY.md.
 */
#include "spf.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_dns_rr.h>

#include "escape.h"
#include "spfrec.h"

#define RC_SPF_MAX_SUB		10	/* RFC 7208 4.6.4: per MX/PTR answer */
#define RC_SPF_NAME_MAX		256
#define RC_SPF_RESERVE		8	/* spare answers for memory exhaustion */
#define RC_SPF_MAX_INPUT	1024	/* longer sender/HELO: not checked */
#define RC_SPF_LINE_MAX		998	/* RFC 5322 2.1.1, without CRLF */
#define RC_SPF_HNAME		"Received-SPF: "
#define RC_SPF_VALUE_MAX	400	/* escaped sender/HELO in Received-SPF */

/* Our own explanation (the library's default names a dead web site). */
#define RC_SPF_EXPLANATION \
	"%{o} does not authorise %{i} to send mail for it (SPF, RFC 7208)"

typedef enum rc_spf_stop {
    RC_SPF_RUNNING,
    RC_SPF_STOP_TERMS,			/* permerror */
    RC_SPF_STOP_VOIDS,			/* permerror */
    RC_SPF_STOP_MX,			/* permerror: more than 10 MX names */
    RC_SPF_STOP_DEADLINE,		/* temperror */
    RC_SPF_STOP_BUDGET			/* temperror: query budget or memory */
} RC_SPF_STOP;

typedef enum rc_spf_kind {
    RC_SPF_K_TERM,			/* a, mx, ptr, exists */
    RC_SPF_K_SUB_MX,			/* address of a name in an mx answer */
    RC_SPF_K_SUB_PTR,			/* address of a name in a ptr answer */
    RC_SPF_K_PMACRO,			/* %{p}: PTR, or address of its names */
    RC_SPF_K_EXP			/* TXT of an exp= explanation */
} RC_SPF_KIND;

typedef struct rc_spf_cached {
    int         type;			/* RC_T_* */
    char        name[RC_SPF_NAME_MAX];
    RC_QUERY   *q;			/* NULL: not a DNS name (no query) */
} RC_SPF_CACHED;

/* The names of the last MX/PTR answer whose address lookups may follow. */
typedef struct rc_spf_expect {
    RC_SPF_KIND kind;			/* K_SUB_MX, K_SUB_PTR or K_PMACRO */
    bool        any;			/* mx/0: any address is the client's */
    int         n, next;
    uintptr_t   ptr[RC_SPF_MAX_SUB];
    char        name[RC_SPF_MAX_SUB][RC_SPF_NAME_MAX];
} RC_SPF_EXPECT;

typedef struct rc_spf_session {
    RC_RESOLVER *r;
    RC_SPF     *out;
    bool        v4;			/* the client's address family */
    struct in_addr a4;
    struct in6_addr a6;
    char        ip[INET6_ADDRSTRLEN];
    int         fetches;		/* get_spf() calls */
    RC_SPF_STOP stop;
    bool        top_dns_failed;		/* the checked domain's TXT lookup */
    char        failure[256];		/* what a failed lookup said */
    char        why[256];		/* why permerror, when we know */
    SPF_request_t *req;			/* libspf2's objects of this check */
    SPF_response_t *resp;
    RC_SPF_EXPECT expect;
    int         ncache;
    RC_SPF_CACHED cache[RC_SPF_MAX_QUERIES];
} RC_SPF_SESSION;

static SPF_dns_rr_t *rc_spf_lookup(SPF_dns_server_t *, const char *, ns_type, int);
static SPF_errcode_t rc_spf_get_spf(SPF_server_t *, SPF_request_t *, SPF_response_t *,
				    SPF_record_t **);

/* Per-process state (static and prefixed: Exim has spf_* globals). */
static SPF_dns_server_t rc_spf_layer = {
    .destroy = NULL,			/* static: SPF_server_free leaves it */
    .lookup = rc_spf_lookup,
    .get_spf = rc_spf_get_spf,
    .get_exp = NULL,
    .add_cache = NULL,
    .layer_below = NULL,
    .name = "relaycheck-udns",
    .debug = 0,
    .hook = NULL,
};
static SPF_server_t *rc_spf_server;
static bool rc_spf_server_failed;
static RC_SPF_SESSION *rc_spf_cur;	/* the check in progress */
static RC_SPF_SESSION *rc_spf_live;	/* allocated by rc_spf_check() */
/* Abandoned by rc_spf_abandon(): kept reachable, never read (volatile: stored all the same). */
static RC_SPF_SESSION *volatile rc_spf_lost;
static SPF_server_t *volatile rc_spf_lost_server;
static SPF_dns_rr_t *rc_spf_reserve[RC_SPF_RESERVE];
static void (*rc_spf_logfn) (int, const char *);

/* While inside libspf2: the recovery point and the handlers we replaced. */
static sigjmp_buf rc_spf_jmp;
static bool rc_spf_jmp_active;
static void (*rc_spf_saved_error) (const char *, int, const char *) __attribute__((noreturn));
static void (*rc_spf_saved_warning) (const char *, int, const char *);
static void (*rc_spf_saved_info) (const char *, int, const char *);
static void (*rc_spf_saved_debug) (const char *, int, const char *);

/* ------------------------------------------------------------------ */
/* Logging                                                             */

static void rc_spf_log(int level, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
rc_spf_log(int level, const char *fmt,...)
{
    char    raw[600], esc[1200];
    va_list ap;

    if (rc_spf_logfn == NULL)
	return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    rc_escape(esc, sizeof(esc), raw, strlen(raw));
    rc_spf_logfn(level, esc);
}

void
rc_spf_set_log(void (*fn) (int, const char *))
{
    rc_spf_logfn = fn;
}

/*
 * rc_spf_h_error - libspf2's fatal error. It must not return (see the top
 * of the file). rc_spf_enter() installs it together with arming rc_spf_jmp,
 * and rc_spf_leave() (or, after a jump out of the module, rc_spf_abandon())
 * removes it, so the jump has a live target: a frame of ours, below Exim's.
 * Called with no jump armed (by code other than ours, while our handlers
 * are still in), it chains to the handler it replaced, as libspf2 would
 * have called that one: never a jump into a frame that is gone.
 */
static void __attribute__((noreturn))
rc_spf_h_error(const char *file, int line, const char *msg)
{
    if (!rc_spf_jmp_active) {
	if (rc_spf_saved_error != NULL && rc_spf_saved_error != rc_spf_h_error)
	    rc_spf_saved_error(file, line, msg);
	SPF_error_stdio(file, line, msg);	/* libspf2's own default */
    }
    rc_spf_log(RC_SPF_LOG_ERROR, "libspf2 internal error at %s:%d: %s; SPF abandoned "
	       "for this message", file ? file : "?", line, msg ? msg : "");
    siglongjmp(rc_spf_jmp, 1);
}

/*
 * The log handlers: to rc_spf_set_log() while this file is inside
 * libspf2; otherwise (our handlers still in) to the ones they replaced.
 */
static void
rc_spf_h_warning(const char *file, int line, const char *msg)
{
    if (!rc_spf_jmp_active) {
	if (rc_spf_saved_warning != NULL && rc_spf_saved_warning != rc_spf_h_warning)
	    rc_spf_saved_warning(file, line, msg);
	return;
    }
    rc_spf_log(RC_SPF_LOG_WARNING, "libspf2: %s", msg ? msg : "");
}

static void
rc_spf_h_info(const char *file, int line, const char *msg)
{
    if (!rc_spf_jmp_active) {
	if (rc_spf_saved_info != NULL && rc_spf_saved_info != rc_spf_h_info)
	    rc_spf_saved_info(file, line, msg);
	return;
    }
    rc_spf_log(RC_SPF_LOG_INFO, "libspf2: %s", msg ? msg : "");
}

static void
rc_spf_h_debug(const char *file, int line, const char *msg)
{
    if (!rc_spf_jmp_active) {
	if (rc_spf_saved_debug != NULL && rc_spf_saved_debug != rc_spf_h_debug)
	    rc_spf_saved_debug(file, line, msg);
	return;
    }
    rc_spf_log(RC_SPF_LOG_DEBUG, "libspf2: %s", msg ? msg : "");
}

/*
 * rc_spf_enter - our handlers in, for the duration of a libspf2 call. If
 * ours are still in (a jump out of the module that nobody reported with
 * rc_spf_abandon()), the handlers saved then are kept: never our own.
 */
static void
rc_spf_enter(void)
{
    /* callers arm rc_spf_jmp with sigsetjmp() right after this */
    if (SPF_error_handler != rc_spf_h_error) {
	rc_spf_saved_error = SPF_error_handler;
	rc_spf_saved_warning = SPF_warning_handler;
	rc_spf_saved_info = SPF_info_handler;
	rc_spf_saved_debug = SPF_debug_handler;
    }
    SPF_error_handler = rc_spf_h_error;
    SPF_warning_handler = rc_spf_h_warning;
    SPF_info_handler = rc_spf_h_info;
    SPF_debug_handler = rc_spf_h_debug;
    rc_spf_jmp_active = true;
}

/* rc_spf_leave - the handlers rc_spf_enter() replaced back in, jump disarmed */

static void
rc_spf_leave(void)
{
    rc_spf_jmp_active = false;
    SPF_error_handler = rc_spf_saved_error;
    SPF_warning_handler = rc_spf_saved_warning;
    SPF_info_handler = rc_spf_saved_info;
    SPF_debug_handler = rc_spf_saved_debug;
}

bool
rc_spf_handlers_installed(void)
{
    return (SPF_error_handler == rc_spf_h_error || SPF_warning_handler == rc_spf_h_warning
	    || SPF_info_handler == rc_spf_h_info || SPF_debug_handler == rc_spf_h_debug);
}

void
rc_spf_abandon(void)
{
    if (rc_spf_jmp_active || SPF_error_handler == rc_spf_h_error)
	rc_spf_leave();
    rc_spf_cur = NULL;
    if (rc_spf_live != NULL) {
	/* Its libspf2 objects may be half-built: kept, never touched again. */
	rc_spf_lost = rc_spf_live;
	rc_spf_live = NULL;
	if (rc_spf_server != NULL) {
	    rc_spf_lost_server = rc_spf_server;
	    rc_spf_server = NULL;
	}
    }
}

/* ------------------------------------------------------------------ */
/* CVE-2023-42118                                                      */

/*
 * rc_spf_cve_sim - replay SPF_c_parse_macro()'s size accounting over
 * src[0..n), starting with `used' bytes of compiled data. libspf2 1.2.10
 * with Debian's CVE-2021-20314 patch sets the room for a string literal
 * to (511 - used) - 4 in a size_t after every %{...} macro; when a macro
 * brings `used' to 508 (it grows in steps of 4), that wraps around, the
 * length check of every following literal byte passes, and the bytes are
 * written past the 511-byte data area - into the rest of a 4096-byte
 * stack buffer for a record term, past a 520-byte one for an explanation.
 * True when a literal byte is written in that state. parse_var() is
 * assumed to succeed (it may fail and stop libspf2 earlier, so this
 * refuses a superset).
 */
static bool
rc_spf_cve_sim(const char *src, size_t n, size_t used)
{
    const size_t avail = 511;		/* SPF_MAX_MECH_LEN, SPF_MAX_MOD_LEN */
    const size_t hdr = 4;		/* sizeof(SPF_data_t) */
    size_t  idx = 0, ds_len = 0;
    bool    wrapped = false;

    while (idx < n) {
	size_t  run = 0;
	char    c;

	while (idx + run < n && src[idx + run] != ' ' && src[idx + run] != '%')
	    run++;
	if (run > 0) {
	    if (wrapped)
		return (true);
	    ds_len += run;
	    idx += run;
	}
	if (idx >= n)
	    break;
	idx++;				/* the '%' (or a space, in a macro-string) */
	c = idx < n ? src[idx] : 0;
	switch (c) {
	case '%':
	case '_':
	case '-':
	    if (wrapped)
		return (true);
	    ds_len += c == '-' ? 3 : 1;
	    idx++;
	    break;
	case '{':
	    if (ds_len > 0) {		/* the literal before the macro ends */
		if (ds_len > 255)
		    return (false);	/* "String literal too long": stops */
		used += (hdr + ds_len + 3) & ~(size_t) 3;
		if (used > avail)
		    return (false);	/* "domainspec too long": stops */
		ds_len = 0;
	    }
	    idx++;
	    while (idx < n && src[idx] != '}' && src[idx] != ' ')
		idx++;
	    if (idx < n && src[idx] == '}')
		idx++;
	    else if (idx < n)
		return (false);		/* "Unterminated variable": stops */
	    if (used + hdr > avail)
		return (false);
	    used += hdr;		/* the macro variable */
	    if (avail - used < hdr)
		wrapped = true;
	    break;
	default:			/* '%' kept as a literal, c read next */
	    if (wrapped)
		return (true);
	    ds_len++;
	    break;
	}
    }
    return (false);
}

bool
rc_spf_cve_2023_42118(const char *text, size_t len, bool record)
{
    size_t  i = 0;

    if (!record)
	return (len >= 128 && rc_spf_cve_sim(text, len, 0));

    /*
     * Each term is compiled on its own: a mechanism's domain-spec after
     * ':' or '=' (maybe with 4 bytes of CIDR data first), a modifier's
     * value after '='. 128 input bytes cannot compile to 508 bytes of
     * data (at most about 3.2 bytes per input byte), so shorter terms are
     * not replayed; a long term with very many ':'/'=' is refused outright.
     */
    while (i < len) {
	size_t  start, end, starts = 0;

	while (i < len && text[i] == ' ')
	    i++;
	start = i;
	while (i < len && text[i] != ' ')
	    i++;
	end = i;
	if (end - start < 128)
	    continue;
	for (size_t k = start; k < end; k++) {
	    if (text[k] != ':' && text[k] != '=')
		continue;
	    if (++starts > 64)
		return (true);
	    if (rc_spf_cve_sim(text + k + 1, end - k - 1, 0)
		|| rc_spf_cve_sim(text + k + 1, end - k - 1, 4))
		return (true);
	}
    }
    return (false);
}

/* ------------------------------------------------------------------ */
/* Answers for libspf2                                                 */

/* rc_spf_reserve_fill - keep spare answers for memory exhaustion */

static void
rc_spf_reserve_fill(void)
{
    for (int i = 0; i < RC_SPF_RESERVE; i++)
	if (rc_spf_reserve[i] == NULL)
	    rc_spf_reserve[i] = SPF_dns_rr_new_init(&rc_spf_layer, NULL, ns_t_invalid, 0,
						    TRY_AGAIN);
}

static void
rc_spf_stop(RC_SPF_SESSION *s, RC_SPF_STOP why)
{
    if (s->stop == RC_SPF_RUNNING)
	s->stop = why;
}

/*
 * rc_spf_answer - an empty answer; never NULL (while spares last). Out of
 * memory, the evaluation is stopped and a spare TRY_AGAIN is handed out.
 */
static SPF_dns_rr_t *
rc_spf_answer(RC_SPF_SESSION *s, const char *domain, ns_type type, int ttl,
	      SPF_dns_stat_t herrno)
{
    SPF_dns_rr_t *rr = SPF_dns_rr_new_init(&rc_spf_layer, domain, type, ttl, herrno);

    if (rr != NULL)
	return (rr);
    if (s != NULL)
	rc_spf_stop(s, RC_SPF_STOP_BUDGET);
    for (int i = 0; i < RC_SPF_RESERVE; i++) {
	if ((rr = rc_spf_reserve[i]) != NULL) {
	    rc_spf_reserve[i] = NULL;
	    rr->rr_type = type;
	    rr->herrno = TRY_AGAIN;
	    rr->num_rr = 0;
	    return (rr);
	}
    }
    return (NULL);			/* nothing left: libspf2 aborts */
}

/* rc_spf_add - append one record of len bytes to an answer */

static bool
rc_spf_add(SPF_dns_rr_t *rr, const void *data, size_t len, bool string)
{
    int     i = rr->num_rr;

    if (SPF_dns_rr_buf_realloc(rr, i, len + (string ? 1 : 0)) != SPF_E_SUCCESS)
	return (false);
    memcpy(rr->rr[i], data, len);
    if (string)
	((char *) rr->rr[i])[len] = 0;
    rr->num_rr = i + 1;
    return (true);
}

/* rc_spf_name_ok - usable as a DNS query name (RFC 1035 lengths) */

static bool
rc_spf_name_ok(const char *name, bool multi_label)
{
    size_t  len = strlen(name), label = 0;
    int     labels = 0;

    if (len > 0 && name[len - 1] == '.')
	len--;
    if (len == 0 || len > 253)
	return (false);
    for (size_t i = 0; i < len; i++) {
	unsigned char c = (unsigned char) name[i];

	if (c < 0x20 || c == 0x7f)
	    return (false);
	if (c == '.') {
	    if (label == 0)
		return (false);
	    labels++;
	    label = 0;
	} else if (++label > 63) {
	    return (false);
	}
    }
    if (label == 0)
	return (false);
    labels++;
    if (multi_label && (labels < 2 || name[0] == '['))
	return (false);
    return (true);
}

/*
 * rc_spf_fetch - the query for name/type, from this check's cache or the
 * network. NULL when it could not be made (budget, deadline): the
 * evaluation is then stopped, unless `tolerant' (a %{p} or explanation
 * lookup, whose failure libspf2 copes with).
 */
static const RC_SPF_CACHED *
rc_spf_fetch(RC_SPF_SESSION *s, const char *name, int type, bool tolerant)
{
    RC_SPF_CACHED *c;
    RC_QUERY *q;

    for (int i = 0; i < s->ncache; i++)
	if (s->cache[i].type == type && strcasecmp(s->cache[i].name, name) == 0)
	    return (&s->cache[i]);
    if (s->r == NULL || s->r->ctx == NULL) {
	snprintf(s->failure, sizeof(s->failure), "no DNS session");
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (NULL);
    }
    if (s->ncache >= RC_SPF_MAX_QUERIES || s->r->nqueries >= RC_MAX_QUERIES) {
	snprintf(s->failure, sizeof(s->failure), "DNS query budget spent");
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (NULL);
    }
    if (rc_now_ms() >= s->r->deadline_ms) {
	snprintf(s->failure, sizeof(s->failure), "no time left (%lld ms)",
		 rc_resolver_elapsed(s->r));
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_DEADLINE);
	return (NULL);
    }
    c = &s->cache[s->ncache];
    c->type = type;
    snprintf(c->name, sizeof(c->name), "%s", name);
    if ((q = rc_query_submit(s->r, name, type, NULL, NULL, 0)) == NULL) {
	if (!rc_resolver_bad_name(s->r)) {
	    snprintf(s->failure, sizeof(s->failure), "cannot send DNS query");
	    if (!tolerant)
		rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	    return (NULL);
	}
	c->q = NULL;			/* udns refused the name: no such domain */
    } else {
	s->out->queries++;
	rc_resolver_wait(s->r, q);
	c->q = q;
    }
    s->ncache++;
    return (c);
}

/* rc_spf_herrno - libspf2's view of a cached query */

static SPF_dns_stat_t
rc_spf_herrno(RC_SPF_SESSION *s, const RC_SPF_CACHED *c, bool tolerant)
{
    const char *tname = c->type == RC_T_A ? "A" : c->type == RC_T_AAAA ? "AAAA"
	: c->type == RC_T_MX ? "MX" : c->type == RC_T_PTR ? "PTR" : "TXT";
    char    how[100], name[100];

    if (c->q == NULL)
	return (HOST_NOT_FOUND);
    switch (c->q->state) {
    case RC_Q_OK:
	return (NETDB_SUCCESS);
    case RC_Q_ABSENT:
	return (rc_query_nxdomain(c->q) ? HOST_NOT_FOUND : NO_DATA);
    case RC_Q_PENDING:
	if (!tolerant)
	    rc_spf_stop(s, RC_SPF_STOP_DEADLINE);
	break;
    case RC_Q_FAILED:
	break;
    }
    rc_query_describe(c->q, how, sizeof(how));
    rc_escape(name, sizeof(name), c->name, strlen(c->name));
    snprintf(s->failure, sizeof(s->failure), "%s %.99s: %.99s", tname, name, how);
    return (TRY_AGAIN);
}

/*
 * rc_spf_expect_set - the names of an answer whose address lookups may
 * follow (pointers into the answer libspf2 is about to iterate)
 */
static void
rc_spf_expect_set(RC_SPF_SESSION *s, RC_SPF_KIND kind, bool any, const SPF_dns_rr_t *rr)
{
    RC_SPF_EXPECT *e = &s->expect;

    e->kind = kind;
    e->any = any;
    e->next = 0;
    e->n = 0;
    for (int i = 0; i < rr->num_rr && i < RC_SPF_MAX_SUB; i++) {
	const char *name = (const char *) rr->rr[i];

	e->ptr[i] = (uintptr_t) name;
	snprintf(e->name[i], sizeof(e->name[i]), "%s", name);
	e->n = i + 1;
    }
}

/* rc_spf_classify - which kind of request this is (see the top) */

static RC_SPF_KIND
rc_spf_classify(RC_SPF_SESSION *s, const char *domain, ns_type type, int should_cache)
{
    RC_SPF_EXPECT *e = &s->expect;

    if (type == ns_t_txt)
	return (RC_SPF_K_EXP);
    if ((type == ns_t_a || type == ns_t_aaaa) && e->next < e->n
	&& (uintptr_t) domain == e->ptr[e->next]
	&& strncmp(domain, e->name[e->next], sizeof(e->name[0]) - 1) == 0) {
	e->next++;
	return (e->kind);
    }
    e->n = 0;
    if (type == ns_t_ptr && !should_cache)
	return (RC_SPF_K_PMACRO);
    return (RC_SPF_K_TERM);
}

/* rc_spf_void - a void answer to a term: count it, stop past the limit */

static bool
rc_spf_void(RC_SPF_SESSION *s, const char *domain)
{
    char    name[100];

    if (++s->out->void_lookups <= RC_SPF_MAX_VOID)
	return (false);
    rc_escape(name, sizeof(name), domain, strlen(domain));
    snprintf(s->why, sizeof(s->why), "more than %d void DNS lookups (RFC 7208 4.6.4; "
	     "the last: %s)", RC_SPF_MAX_VOID, name);
    rc_spf_stop(s, RC_SPF_STOP_VOIDS);
    return (true);
}

/* rc_spf_build - libspf2's answer from the resolver's answer */

static SPF_dns_rr_t *
rc_spf_build(RC_SPF_SESSION *s, RC_SPF_KIND kind, const char *domain, ns_type type,
	     const RC_QUERY *q, bool any)
{
    SPF_dns_rr_t *rr = NULL;
    bool    ok = true;
    char    name[100];
    int     ttl = (int) rc_query_ttl(q), n;

    switch (type) {
    case ns_t_a:{
	    n = rc_query_a4(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (any && s->v4 && n > 0) {	/* a/0: any address matches */
		if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		    ok = rc_spf_add(rr, &s->a4, sizeof(s->a4), false);
		break;
	    }
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		uint32_t host = 0;
		struct in_addr in;

		(void) rc_query_a4(q, i, &host);
		in.s_addr = htonl(host);
		ok = rc_spf_add(rr, &in, sizeof(in), false);
	    }
	    break;
	}
    case ns_t_aaaa:{
	    n = rc_query_a6(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (any && !s->v4 && n > 0) {	/* a//0 */
		if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		    ok = rc_spf_add(rr, &s->a6, sizeof(s->a6), false);
		break;
	    }
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		struct in6_addr in6;

		(void) rc_query_a6(q, i, in6.s6_addr);
		ok = rc_spf_add(rr, &in6, sizeof(in6), false);
	    }
	    break;
	}
    case ns_t_mx:{
	    n = rc_query_mx(q, 0, NULL, NULL);
	    if (n > RC_SPF_MAX_SUB) {
		rc_escape(name, sizeof(name), domain, strlen(domain));
		snprintf(s->why, sizeof(s->why), "%s has %d MX records, more than %d "
			 "(RFC 7208 4.6.4)", name, n, RC_SPF_MAX_SUB);
		rc_spf_stop(s, RC_SPF_STOP_MX);
		return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	    }
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS && i < n; i++) {
		const char *mx = "";

		(void) rc_query_mx(q, i, NULL, &mx);
		ok = rc_spf_add(rr, mx, strlen(mx), true);
	    }
	    if (ok && rr != NULL)
		rc_spf_expect_set(s, RC_SPF_K_SUB_MX, any, rr);
	    break;
	}
    case ns_t_ptr:{
	    n = rc_query_ptr(q, 0, NULL);
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    for (int i = 0; ok && rr != NULL && rr->herrno == NETDB_SUCCESS
		 && i < n && i < RC_SPF_MAX_SUB; i++) {
		const char *ptr = "";

		(void) rc_query_ptr(q, i, &ptr);
		ok = rc_spf_add(rr, ptr, strlen(ptr), true);
	    }
	    if (ok && rr != NULL)
		rc_spf_expect_set(s, kind == RC_SPF_K_PMACRO ? RC_SPF_K_PMACRO
				  : RC_SPF_K_SUB_PTR, false, rr);
	    break;
	}
    case ns_t_txt:{
	    /*
	     * An explanation (RFC 7208 6.2): exactly one TXT record, or none
	     * is used; one of CVE-2023-42118's shape is not handed over.
	     */
	    const unsigned char *txt = NULL;
	    size_t  len = 0;

	    if (rc_query_txt(q, 0, &txt, &len) != 1 || memchr(txt, 0, len) != NULL)
		return (rc_spf_answer(s, domain, type, 0, NO_DATA));
	    if (rc_spf_cve_2023_42118((const char *) txt, len, false)) {
		s->out->cve_refused = true;
		rc_escape(name, sizeof(name), domain, strlen(domain));
		rc_spf_log(RC_SPF_LOG_WARNING, "SPF explanation at %s refused: it would "
			   "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
		return (rc_spf_answer(s, domain, type, 0, NO_DATA));
	    }
	    rr = rc_spf_answer(s, domain, type, ttl, NETDB_SUCCESS);
	    if (rr != NULL && rr->herrno == NETDB_SUCCESS)
		ok = rc_spf_add(rr, txt, len, true);
	    break;
	}
    default:
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    }
    if (rr == NULL)
	return (rr);
    if (!ok) {
	SPF_dns_rr_free(rr);
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    }
    if (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0)
	rr->herrno = NO_DATA;
    return (rr);
}

/* rc_spf_lookup - the layer's lookup(), see the top of the file */

static SPF_dns_rr_t *
rc_spf_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type, int should_cache)
{
    RC_SPF_SESSION *s = rc_spf_cur;
    const RC_SPF_CACHED *c;
    RC_SPF_KIND kind;
    SPF_dns_stat_t herrno;
    bool    tolerant, any = false;
    char    name[RC_SPF_NAME_MAX];
    int     rctype;

    (void) layer;
    if (domain == NULL)
	domain = "";
    if (type == ns_t_spf)		/* type SPF: obsolete (RFC 7208 3.1) */
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    if (s == NULL)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    s->out->lookups++;
    kind = rc_spf_classify(s, domain, type, should_cache);
    tolerant = kind == RC_SPF_K_PMACRO || kind == RC_SPF_K_EXP;
    if (kind == RC_SPF_K_SUB_MX)
	any = s->expect.any;

    /* a/0, mx/0 as rewritten by rc_spfrec_prepare() */
    if (kind == RC_SPF_K_TERM && strlen(domain) < sizeof(name)
	&& (type == ns_t_a || type == ns_t_aaaa || type == ns_t_mx)) {
	snprintf(name, sizeof(name), "%s", domain);
	if ((any = rc_spfrec_any_strip(name)))
	    domain = name;
    }
    if (s->stop != RC_SPF_RUNNING)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    if (kind == RC_SPF_K_TERM && ++s->out->terms > RC_SPF_MAX_TERMS) {
	snprintf(s->why, sizeof(s->why), "more than %d DNS-querying terms (RFC 7208 4.6.4)",
		 RC_SPF_MAX_TERMS);
	rc_spf_stop(s, RC_SPF_STOP_TERMS);
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    }
    switch (type) {
    case ns_t_a:
	rctype = RC_T_A;
	break;
    case ns_t_aaaa:
	rctype = RC_T_AAAA;
	break;
    case ns_t_mx:
	rctype = RC_T_MX;
	break;
    case ns_t_ptr:
	rctype = RC_T_PTR;
	break;
    case ns_t_txt:
	rctype = RC_T_TXT;
	break;
    default:
	return (rc_spf_answer(s, domain, type, 0, NO_DATA));
    }

    /*
     * A name DNS cannot carry (an empty or long label, say from a macro):
     * no such domain (RFC 7208 4.3 and 5; the suite accepts that).
     */
    if (!rc_spf_name_ok(domain, false)) {
	if (kind == RC_SPF_K_TERM && rc_spf_void(s, domain))
	    return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	return (rc_spf_answer(s, domain, type, 0, HOST_NOT_FOUND));
    }
    if ((c = rc_spf_fetch(s, domain, rctype, tolerant)) == NULL)
	return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
    herrno = rc_spf_herrno(s, c, tolerant);
    if (herrno == TRY_AGAIN) {
	/* RFC 7208 5.5: a PTR name whose address lookup fails is skipped. */
	if (kind == RC_SPF_K_SUB_PTR && s->stop == RC_SPF_RUNNING)
	    herrno = NO_DATA;
	return (rc_spf_answer(s, domain, type, 0, herrno));
    }
    if (herrno != NETDB_SUCCESS) {
	if (kind == RC_SPF_K_TERM && rc_spf_void(s, domain))
	    return (rc_spf_answer(s, domain, type, 0, TRY_AGAIN));
	return (rc_spf_answer(s, domain, type, 0, herrno));
    }
    return (rc_spf_build(s, kind, domain, type, c->q, any));
}

/* ------------------------------------------------------------------ */
/* Record fetch                                                        */

/* rc_spf_permerror - fail a record fetch with permerror, as libspf2 does */

static SPF_errcode_t
rc_spf_permerror(SPF_response_t *resp, SPF_errcode_t code, const char *why)
{
    resp->result = SPF_RESULT_PERMERROR;
    resp->reason = SPF_REASON_FAILURE;
    return (SPF_response_add_error(resp, code, "%s", why));
}

/*
 * rc_spf_get_spf - the layer's get_spf(): the SPF record of cur_dom, as
 * SPF_server_get_record() would fetch it (TXT only: RFC 7208 dropped type
 * SPF), with the checks libspf2 lacks before SPF_record_compile() sees it.
 */
static SPF_errcode_t
rc_spf_get_spf(SPF_server_t *srv, SPF_request_t *req, SPF_response_t *resp,
	       SPF_record_t **recp)
{
    RC_SPF_SESSION *s = rc_spf_cur;
    const char *domain = req->cur_dom ? req->cur_dom : "";
    const RC_SPF_CACHED *c;
    const unsigned char *rec = NULL;
    size_t  reclen = 0;
    SPF_dns_stat_t herrno;
    SPF_errcode_t err;
    char    name[100], syntax[200], *text;
    int     found = 0;
    bool    term, nomem;

    *recp = NULL;
    rc_escape(name, sizeof(name), domain, strlen(domain));
    if (s == NULL)
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "no DNS session"));
    term = s->fetches++ > 0;		/* include: or redirect= */
    s->expect.n = 0;
    if (s->stop != RC_SPF_RUNNING)
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "evaluation stopped"));
    if (term) {
	s->out->lookups++;
	if (++s->out->terms > RC_SPF_MAX_TERMS) {
	    snprintf(s->why, sizeof(s->why), "more than %d DNS-querying terms "
		     "(RFC 7208 4.6.4)", RC_SPF_MAX_TERMS);
	    rc_spf_stop(s, RC_SPF_STOP_TERMS);
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	}
    }

    /* RFC 7208 4.3: a malformed or single-label domain has no policy. */
    if (!rc_spf_name_ok(domain, true)) {
	if (term && rc_spf_void(s, domain))
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "'%s' is not a usable domain",
				       name));
    }
    if ((c = rc_spf_fetch(s, domain, RC_T_TXT, false)) == NULL) {
	s->top_dns_failed |= !term;
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "DNS lookup of '%s' failed",
				       name));
    }
    herrno = rc_spf_herrno(s, c, false);
    if (herrno == TRY_AGAIN) {
	s->top_dns_failed |= !term;
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR,
				       "Temporary DNS failure for '%s'", name));
    }
    if (herrno != NETDB_SUCCESS) {
	if (term && rc_spf_void(s, domain))
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "No SPF record for '%s'", name));
    }

    /* RFC 7208 4.5: the one record starting "v=spf1" and a space or end. */
    for (int i = 0, n = rc_query_txt(c->q, 0, NULL, NULL); i < n; i++) {
	const unsigned char *x = NULL;
	size_t  xlen = 0;

	(void) rc_query_txt(c->q, i, &x, &xlen);
	if (xlen >= 6 && strncasecmp((const char *) x, "v=spf1", 6) == 0
	    && (xlen == 6 || x[6] == ' ')) {
	    found++;
	    rec = x;
	    reclen = xlen;
	}
    }
    if (found == 0) {
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "No SPF record for '%s'", name));
    }
    if (found > 1) {
	snprintf(s->why, sizeof(s->why), "%s has %d SPF records", name, found);
	return (rc_spf_permerror(resp, SPF_E_MULTIPLE_RECORDS, s->why));
    }

    /* RFC 7208 3.1: 7-bit ASCII; terms are separated by spaces only. */
    for (size_t i = 0; i < reclen; i++) {
	if (rec[i] < 0x20 || rec[i] > 0x7e) {
	    snprintf(s->why, sizeof(s->why), "the SPF record of %.99s has a non-ASCII or "
		     "control character (0x%02x)", name, rec[i]);
	    return (rc_spf_permerror(resp, SPF_E_INVALID_CHAR, s->why));
	}
    }
    if (rc_spf_cve_2023_42118((const char *) rec, reclen, true)) {
	s->out->cve_refused = true;
	snprintf(s->why, sizeof(s->why), "the SPF record of %.99s was refused: it would "
		 "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
	rc_spf_log(RC_SPF_LOG_WARNING, "%s", s->why);
	return (rc_spf_permerror(resp, SPF_E_BIG_STRING, s->why));
    }

    /* RFC 7208 syntax, and the form libspf2 can take (CIDR /0). */
    text = rc_spfrec_prepare((const char *) rec, reclen, s->v4, s->ip,
			     syntax, sizeof(syntax), &nomem);
    if (text == NULL && nomem) {
	snprintf(s->failure, sizeof(s->failure), "out of memory");
	rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (SPF_response_add_error(resp, SPF_E_NO_MEMORY, "out of memory"));
    }
    if (text == NULL) {
	snprintf(s->why, sizeof(s->why), "syntax error in the SPF record of %.60s: %.150s",
		 name, syntax);
	return (rc_spf_permerror(resp, SPF_E_SYNTAX, s->why));
    }
    if (rc_spf_cve_2023_42118(text, strlen(text), true)) {	/* as rewritten */
	free(text);
	s->out->cve_refused = true;
	snprintf(s->why, sizeof(s->why), "the SPF record of %.99s was refused: it would "
		 "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
	rc_spf_log(RC_SPF_LOG_WARNING, "%s", s->why);
	return (rc_spf_permerror(resp, SPF_E_BIG_STRING, s->why));
    }
    err = SPF_record_compile(srv, resp, recp, text);
    free(text);
    if (err != SPF_E_SUCCESS) {
	if (*recp != NULL)
	    SPF_record_free(*recp);
	*recp = NULL;
	snprintf(s->why, sizeof(s->why), "syntax error in the SPF record of %s: %s",
		 name, SPF_strerror(err));
	resp->result = SPF_RESULT_PERMERROR;
	resp->reason = SPF_REASON_FAILURE;
	return (err);
    }
    return (SPF_E_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* The check                                                           */

const char *
rc_spf_result_name(RC_SPF_RESULT r)
{
    switch (r) {
    case RC_SPF_PASS:
	return ("pass");
    case RC_SPF_FAIL:
	return ("fail");
    case RC_SPF_SOFTFAIL:
	return ("softfail");
    case RC_SPF_NEUTRAL:
	return ("neutral");
    case RC_SPF_NONE:
	return ("none");
    case RC_SPF_PERMERROR:
	return ("permerror");
    case RC_SPF_TEMPERROR:
	return ("temperror");
    case RC_SPF_SKIP:
	return ("skip");
    }
    return ("?");
}

static RC_CHECK
rc_spf_check_id(RC_SPF_RESULT r)
{
    switch (r) {
    case RC_SPF_PASS:
	return (RC_CHK_SPF_PASS);
    case RC_SPF_FAIL:
	return (RC_CHK_SPF_FAIL);
    case RC_SPF_SOFTFAIL:
	return (RC_CHK_SPF_SOFTFAIL);
    case RC_SPF_NEUTRAL:
	return (RC_CHK_SPF_NEUTRAL);
    case RC_SPF_PERMERROR:
	return (RC_CHK_SPF_PERMERROR);
    case RC_SPF_TEMPERROR:
	return (RC_CHK_SPF_TEMPERROR);
    case RC_SPF_NONE:
    case RC_SPF_SKIP:
	break;
    }
    return (RC_CHK_SPF_NONE);
}

/* rc_spf_init - the per-process server, once; false if it cannot be had */

static void
rc_spf_init_server(void)
{
    SPF_response_t *resp = NULL;

    rc_spf_server = SPF_server_new_dns(&rc_spf_layer, 0);
    if (rc_spf_server == NULL)
	return;
    SPF_server_set_sanitize(rc_spf_server, 1);
    SPF_server_set_max_dns_mech(rc_spf_server, RC_SPF_MAX_TERMS);
    SPF_server_set_max_dns_mx(rc_spf_server, RC_SPF_MAX_SUB);
    SPF_server_set_max_dns_ptr(rc_spf_server, RC_SPF_MAX_SUB);
    if (SPF_server_set_explanation(rc_spf_server, RC_SPF_EXPLANATION, &resp) != SPF_E_SUCCESS)
	rc_spf_log(RC_SPF_LOG_WARNING, "SPF: cannot set the explanation text");
    if (resp != NULL)
	SPF_response_free(resp);
}

static bool
rc_spf_init(void)
{
    if (rc_spf_server != NULL)
	return (true);
    if (rc_spf_server_failed)
	return (false);
    rc_spf_enter();
    if (sigsetjmp(rc_spf_jmp, 0) == 0)
	rc_spf_init_server();
    else
	rc_spf_server = NULL;		/* libspf2 gave up (memory): leaked */
    rc_spf_leave();
    rc_spf_server_failed = rc_spf_server == NULL;
    return (rc_spf_server != NULL);
}

void
rc_spf_shutdown(void)
{
    if (rc_spf_server != NULL) {
	rc_spf_enter();
	if (sigsetjmp(rc_spf_jmp, 0) == 0)
	    SPF_server_free(rc_spf_server);
	rc_spf_leave();
    }
    rc_spf_server = NULL;
    rc_spf_server_failed = false;
    for (int i = 0; i < RC_SPF_RESERVE; i++) {
	if (rc_spf_reserve[i] != NULL)
	    SPF_dns_rr_free(rc_spf_reserve[i]);
	rc_spf_reserve[i] = NULL;
    }
}

/* rc_spf_helo_usable - a HELO name that can stand for a domain (bounces) */

static bool
rc_spf_helo_usable(const char *helo)
{
    struct in6_addr a6;
    struct in_addr a4;

    if (*helo == 0 || *helo == '[' || strchr(helo, '.') == NULL)
	return (false);
    if (inet_pton(AF_INET, helo, &a4) == 1 || inet_pton(AF_INET6, helo, &a6) == 1)
	return (false);
    return (rc_spf_name_ok(helo, true));
}

/* rc_spf_from_lib - libspf2's result as ours; false for "(invalid)" */

static bool
rc_spf_from_lib(SPF_result_t lib, RC_SPF_RESULT *res)
{
    switch (lib) {
    case SPF_RESULT_PASS:
	*res = RC_SPF_PASS;
	return (true);
    case SPF_RESULT_FAIL:
	*res = RC_SPF_FAIL;
	return (true);
    case SPF_RESULT_SOFTFAIL:
	*res = RC_SPF_SOFTFAIL;
	return (true);
    case SPF_RESULT_NEUTRAL:
	*res = RC_SPF_NEUTRAL;
	return (true);
    case SPF_RESULT_NONE:
	*res = RC_SPF_NONE;
	return (true);
    case SPF_RESULT_TEMPERROR:
	*res = RC_SPF_TEMPERROR;
	return (true);
    case SPF_RESULT_PERMERROR:
	*res = RC_SPF_PERMERROR;
	return (true);
    case SPF_RESULT_INVALID:
    default:
	break;
    }
    return (false);
}

/* The facts of one check, as rc_spf_check() validated them. */
typedef struct rc_spf_input {
    bool        v4;
    struct in_addr a4;
    struct in6_addr a6;
    char        ip[INET6_ADDRSTRLEN];
    const char *helo;
    const char *sender;
    const char *receiver;
    char        dom[RC_SPF_NAME_MAX];	/* raw */
} RC_SPF_INPUT;

/* ------------------------------------------------------------------ */
/* Received-SPF (RFC 7208 9.1)                                         */

/*
 * rc_spf_hvalue - a key's value: the escaped text as it is when it is a
 * dot-atom or an address of dot-atoms, else a quoted-string. At most
 * RC_SPF_VALUE_MAX escaped characters ("..." marks a cut); dst holds
 * 2 * RC_SPF_VALUE_MAX + 3 bytes.
 */
static void
rc_spf_hvalue(char *dst, size_t len, const char *raw)
{
    char    esc[RC_SPF_VALUE_MAX + 1];
    bool    plain;
    size_t  j = 0;

    rc_escape(esc, sizeof(esc), raw, strlen(raw));
    plain = esc[0] != 0;
    for (const char *p = esc; *p && plain; p++)
	plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
	    || (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/=?^_`{|}~.@", *p) != NULL;
    if (plain) {
	snprintf(dst, len, "%s", esc);
	return;
    }
    dst[j++] = '"';
    for (const char *p = esc; *p && j + 4 < len; p++) {
	if (*p == '"' || *p == '\\')
	    dst[j++] = '\\';
	dst[j++] = *p;
    }
    dst[j++] = '"';
    dst[j] = 0;
}

/*
 * rc_spf_ctext - escaped text for inside a comment: '(', ')' and '\' as
 * quoted-pairs. dst holds 2 * max + 1 bytes.
 */
static void
rc_spf_ctext(char *dst, size_t len, const char *raw, size_t max)
{
    char    esc[RC_SPF_NAME_MAX * 2];
    size_t  j = 0;

    if (max >= sizeof(esc))
	max = sizeof(esc) - 1;
    rc_escape(esc, max + 1, raw, strlen(raw));
    for (const char *p = esc; *p && j + 3 < len; p++) {
	if (*p == '(' || *p == ')' || *p == '\\')
	    dst[j++] = '\\';
	dst[j++] = *p;
    }
    dst[j] = 0;
}

/*
 * rc_spf_fold - append one word (len bytes of w) to the header value in
 * dst: after a space, or after a fold ("\n\t") when the line would grow
 * past RC_SPF_LINE_MAX; *col is the length of the current line, counting
 * "Received-SPF: " on the first. A word too long for a line of its own
 * is cut with "..." (the parts are bounded so that it does not happen).
 */
static void
rc_spf_fold(char *dst, size_t dstlen, size_t *col, const char *w, size_t len)
{
    size_t  used = strlen(dst);
    bool    cut = false;

    if (len > RC_SPF_LINE_MAX - 1) {
	len = RC_SPF_LINE_MAX - 4;
	cut = true;
    }
    if (used > 0 && *col + 1 + len + (cut ? 3 : 0) > RC_SPF_LINE_MAX) {
	if (used + 2 < dstlen) {
	    memcpy(dst + used, "\n\t", 3);
	    used += 2;
	}
	*col = 1;
    } else if (used > 0) {
	if (used + 1 < dstlen)
	    dst[used++] = ' ';
	dst[used] = 0;
	++*col;
    }
    if (used + len + 4 > dstlen)	/* cannot happen: the buffer is sized */
	return;
    memcpy(dst + used, w, len);
    memcpy(dst + used + len, cut ? "..." : "", cut ? 4 : 1);
    *col += len + (cut ? 3 : 0);
}

/* rc_spf_fold_words - each space-separated word of text, as rc_spf_fold() */

static void
rc_spf_fold_words(char *dst, size_t dstlen, size_t *col, const char *text)
{
    while (*text) {
	size_t  n = strcspn(text, " ");

	if (n > 0)
	    rc_spf_fold(dst, dstlen, col, text, n);
	text += n;
	text += strspn(text, " ");
    }
}

/*
 * rc_spf_received - the Received-SPF value into out->received_spf:
 * result (receiver: comment) client-ip=; envelope-from=; helo=; identity=;
 * helo= only when there is a HELO name. why: the permerror reason, or NULL.
 */
static void
rc_spf_received(RC_SPF *out, const RC_SPF_INPUT *in, SPF_request_t *req, RC_SPF_RESULT res,
		const char *why)
{
    const char *rd = req != NULL ? SPF_request_get_rec_dom(req) : NULL;
    const char *from = req != NULL && req->env_from != NULL ? req->env_from : in->sender;
    char    rcv[RC_SPF_NAME_MAX * 2], dom[RC_SPF_NAME_MAX * 2], reason[RC_SPF_NAME_MAX * 2];
    char    comment[RC_SPF_NAME_MAX * 8], word[2 * RC_SPF_VALUE_MAX + 40];
    char    value[2 * RC_SPF_VALUE_MAX + 3];
    size_t  col = strlen(RC_SPF_HNAME);

    rc_spf_ctext(rcv, sizeof(rcv), rd != NULL && *rd ? rd : "localhost", RC_SPF_NAME_MAX - 1);
    rc_spf_ctext(dom, sizeof(dom), in->dom, RC_SPF_NAME_MAX - 1);
    switch (res) {
    case RC_SPF_PASS:
	snprintf(comment, sizeof(comment), "(%s: domain of %s designates %s as permitted "
		 "sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_FAIL:
	snprintf(comment, sizeof(comment), "(%s: domain of %s does not designate %s as "
		 "permitted sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_SOFTFAIL:
	snprintf(comment, sizeof(comment), "(%s: transitioning domain of %s does not "
		 "designate %s as permitted sender)", rcv, dom, in->ip);
	break;
    case RC_SPF_NEUTRAL:
	snprintf(comment, sizeof(comment), "(%s: %s is neither permitted nor denied by "
		 "domain of %s)", rcv, in->ip, dom);
	break;
    case RC_SPF_NONE:
	snprintf(comment, sizeof(comment), "(%s: domain of %s does not provide an SPF "
		 "record)", rcv, dom);
	break;
    case RC_SPF_TEMPERROR:
	snprintf(comment, sizeof(comment), "(%s: encountered temporary error during SPF "
		 "processing of domain of %s)", rcv, dom);
	break;
    case RC_SPF_PERMERROR:
    case RC_SPF_SKIP:
	rc_spf_ctext(reason, sizeof(reason), why ? why : "permanent error",
		     RC_SPF_NAME_MAX - 1);
	snprintf(comment, sizeof(comment), "(%s: error in processing during lookup of "
		 "domain of %s: %s)", rcv, dom, reason);
	break;
    }
    out->received_spf[0] = 0;
    rc_spf_fold_words(out->received_spf, sizeof(out->received_spf), &col,
		      rc_spf_result_name(res));
    rc_spf_fold_words(out->received_spf, sizeof(out->received_spf), &col, comment);
    snprintf(word, sizeof(word), "client-ip=%s;", in->ip);
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    rc_spf_hvalue(value, sizeof(value), from);
    snprintf(word, sizeof(word), "envelope-from=%s;", value);
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    if (*in->helo) {
	rc_spf_hvalue(value, sizeof(value), in->helo);
	snprintf(word, sizeof(word), "helo=%s;", value);
	rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
    }
    snprintf(word, sizeof(word), "identity=%s;", out->helo_identity ? "helo" : "mailfrom");
    rc_spf_fold(out->received_spf, sizeof(out->received_spf), &col, word, strlen(word));
}

/* rc_spf_conclude - result, detail and Received-SPF from the evaluation */

static void
rc_spf_conclude(RC_SPF_SESSION *s, const RC_SPF_INPUT *in, SPF_request_t *req,
		SPF_response_t *resp, SPF_errcode_t err)
{
    RC_SPF *out = s->out;
    RC_SPF_RESULT res = RC_SPF_TEMPERROR, libres = RC_SPF_SKIP;
    bool    lib_valid = resp != NULL && rc_spf_from_lib(SPF_response_result(resp), &libres);
    char    who[160];
    const char *why = s->why[0] ? s->why : NULL;

    switch (s->stop) {
    case RC_SPF_STOP_TERMS:
    case RC_SPF_STOP_VOIDS:
    case RC_SPF_STOP_MX:
	res = RC_SPF_PERMERROR;
	out->limit_exceeded = true;
	break;
    case RC_SPF_STOP_DEADLINE:
    case RC_SPF_STOP_BUDGET:
	res = RC_SPF_TEMPERROR;
	out->timed_out = true;
	break;
    case RC_SPF_RUNNING:
	if (lib_valid)
	    res = libres;
	else			/* libspf2's "(invalid)": top-level fetch or compile */
	    res = (err == SPF_E_DNS_ERROR || s->top_dns_failed || resp == NULL)
		? RC_SPF_TEMPERROR : RC_SPF_PERMERROR;
	break;
    }
    out->result = res;
    out->check = rc_spf_check_id(res);

    /* detail: one line for the report */
    snprintf(who, sizeof(who), "%.100s%s", out->domain, out->helo_identity ? " (HELO)" : "");
    switch (res) {
    case RC_SPF_PASS:
	snprintf(out->detail, sizeof(out->detail), "%s: %s authorised", who, in->ip);
	break;
    case RC_SPF_FAIL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s not authorised", who, in->ip);
	break;
    case RC_SPF_SOFTFAIL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s not authorised (softfail)", who,
		 in->ip);
	break;
    case RC_SPF_NEUTRAL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s neither authorised nor denied",
		 who, in->ip);
	break;
    case RC_SPF_NONE:
	snprintf(out->detail, sizeof(out->detail), "%s: no SPF record", who);
	break;
    case RC_SPF_PERMERROR:
	if (why == NULL && resp != NULL)
	    why = SPF_strerror(SPF_response_errcode(resp) != SPF_E_SUCCESS
			       ? SPF_response_errcode(resp) : err);
	snprintf(out->detail, sizeof(out->detail), "%.110s: %.200s", who,
		 why ? why : "error in the SPF record");
	break;
    case RC_SPF_TEMPERROR:
	snprintf(out->detail, sizeof(out->detail), "%.120s: DNS lookup failed (%.170s)", who,
		 s->failure[0] ? s->failure : "temporary error");
	break;
    case RC_SPF_SKIP:
	break;
    }

    /* Received-SPF: built here, complete and folded (libspf2's is cut) */
    rc_spf_received(out, in, req, res, why);
}

/*
 * rc_spf_query - SPF_request_query_mailfrom() without its free pass for
 * loopback clients: the checked domain's record is fetched (through
 * rc_spf_get_spf()) and interpreted for every client. *respp is set
 * unless memory ran out; the response's explanation record is the
 * fetched one, as libspf2 sets it.
 */
static SPF_errcode_t
rc_spf_query(SPF_request_t *req, SPF_response_t **respp)
{
    SPF_record_t *rec = NULL;
    SPF_errcode_t err;

    if ((*respp = SPF_response_new(req)) == NULL)
	return (SPF_E_NO_MEMORY);
    req->use_helo = 0;			/* MAIL FROM (or postmaster@<helo>) */
    req->cur_dom = req->env_from_dp;
    err = SPF_server_get_record(rc_spf_server, req, *respp, &rec);
    if (err != SPF_E_SUCCESS) {
	if (rec != NULL)
	    SPF_record_free(rec);
	return (err);
    }
    (*respp)->spf_record_exp = rec;
    err = SPF_record_interpret(rec, req, *respp, 0);
    SPF_record_free(rec);
    return (err);
}

/*
 * rc_spf_evaluate - one request through libspf2. Runs with our handlers
 * installed and the recovery point armed: if libspf2 gives up, control
 * returns to rc_spf_check() and whatever was allocated here is leaked.
 * libspf2's objects are kept in the session, which rc_spf_abandon() keeps
 * reachable after a jump out of the module.
 */
static void
rc_spf_evaluate(RC_SPF_SESSION *s, const RC_SPF_INPUT *in)
{
    RC_SPF *out = s->out;
    SPF_request_t *req;
    SPF_errcode_t err;

    if (in->receiver != NULL && *in->receiver)
	SPF_server_set_rec_dom(rc_spf_server, in->receiver);
    req = s->req = SPF_request_new(rc_spf_server);
    if (req == NULL
	|| (in->v4 ? SPF_request_set_ipv4(req, in->a4) : SPF_request_set_ipv6(req, in->a6))
	!= SPF_E_SUCCESS
	|| (*in->helo && SPF_request_set_helo_dom(req, in->helo) != SPF_E_SUCCESS)
	|| SPF_request_set_env_from(req, in->sender) != 0) {
	out->result = RC_SPF_TEMPERROR;
	out->check = RC_CHK_SPF_TEMPERROR;
	snprintf(out->detail, sizeof(out->detail), "%.100s: out of memory", out->domain);
	if (req != NULL)
	    SPF_request_free(req);
	return;
    }
    rc_spf_cur = s;
    err = rc_spf_query(req, &s->resp);
    rc_spf_cur = NULL;
    rc_spf_conclude(s, in, req, s->resp, err);
    if (s->resp != NULL)
	SPF_response_free(s->resp);
    SPF_request_free(req);
    s->req = NULL;
    s->resp = NULL;
}

void
rc_spf_check(RC_SPF *out, RC_RESOLVER *r, const char *client_ip, const char *helo,
	     const char *sender, const char *receiver_hostname)
{
    long long t0 = rc_now_ms();
    RC_SPF_SESSION *s;
    RC_SPF_INPUT in;

    memset(out, 0, sizeof(*out));
    memset(&in, 0, sizeof(in));
    out->result = RC_SPF_SKIP;
    out->check = RC_CHK_SPF_NONE;
    in.helo = helo ? helo : "";
    in.sender = sender ? sender : "";
    in.receiver = receiver_hostname;

    /* Inputs: what cannot be checked is skipped, not guessed at. */
    if (client_ip != NULL && inet_pton(AF_INET, client_ip, &in.a4) == 1) {
	in.v4 = true;
    } else if (client_ip != NULL && inet_pton(AF_INET6, client_ip, &in.a6) == 1) {
	if (IN6_IS_ADDR_V4MAPPED(&in.a6)) {	/* ::ffff:192.0.2.1 is IPv4 */
	    memcpy(&in.a4, &in.a6.s6_addr[12], 4);
	    in.v4 = true;
	}
    } else {
	snprintf(out->detail, sizeof(out->detail), "unusable client address");
	goto done;
    }
    inet_ntop(in.v4 ? AF_INET : AF_INET6, in.v4 ? (const void *) &in.a4
	      : (const void *) &in.a6, in.ip, sizeof(in.ip));
    if (strlen(in.helo) > RC_SPF_MAX_INPUT || strlen(in.sender) > RC_SPF_MAX_INPUT) {
	snprintf(out->detail, sizeof(out->detail), "HELO name or sender address too long");
	goto done;
    }
    if (*in.sender == 0) {
	if (!rc_spf_helo_usable(in.helo)) {
	    snprintf(out->detail, sizeof(out->detail),
		     "bounce (MAIL FROM:<>) without a usable HELO name");
	    goto done;
	}
	out->helo_identity = true;
	snprintf(in.dom, sizeof(in.dom), "%.255s", in.helo);
    } else {
	const char *at = strrchr(in.sender, '@');

	snprintf(in.dom, sizeof(in.dom), "%.255s", at ? at + 1 : in.sender);
    }
    rc_escape(out->domain, sizeof(out->domain), in.dom, strlen(in.dom));

    out->result = RC_SPF_TEMPERROR;	/* until the evaluation says otherwise */
    out->check = RC_CHK_SPF_TEMPERROR;
    if (!rc_spf_init()) {
	snprintf(out->detail, sizeof(out->detail), "%.100s: SPF library unavailable",
		 out->domain);
	goto done;
    }
    rc_spf_reserve_fill();
    /* The query cache (35 kB) is filled entry by entry below s->ncache: clearing it would
     * only fault in pages that most evaluations never use. */
    if ((s = malloc(sizeof(*s))) == NULL) {
	snprintf(out->detail, sizeof(out->detail), "%.100s: out of memory", out->domain);
	goto done;
    }
    memset(s, 0, offsetof(RC_SPF_SESSION, cache));
    rc_spf_live = s;
    s->r = r;
    s->out = out;
    s->v4 = in.v4;
    s->a4 = in.a4;
    s->a6 = in.a6;
    memcpy(s->ip, in.ip, sizeof(s->ip));
    rc_spf_enter();
    if (sigsetjmp(rc_spf_jmp, 0) == 0) {
	rc_spf_evaluate(s, &in);
    } else {
	/* SPF_error(): libspf2's objects are in an unknown state (leaked). */
	rc_spf_cur = NULL;
	out->result = RC_SPF_TEMPERROR;
	out->check = RC_CHK_SPF_TEMPERROR;
	out->received_spf[0] = 0;
	snprintf(out->detail, sizeof(out->detail), "%.100s: SPF library failure",
		 out->domain);
    }
    rc_spf_leave();
    rc_spf_live = NULL;
    free(s);
done:
    out->elapsed_ms = (long) (rc_now_ms() - t0);
}
