/*
 * spfguard.c - libspf2's handlers and the recovery around libspf2
 *
 * libspf2's log and error handlers are process globals, shared with
 * Exim's own SPF support. They are ours only while an SPF file is inside
 * libspf2 (rc_spf_enter() to rc_spf_leave()), and they route the
 * library's messages to the function given to rc_spf_set_log().
 *
 * The error handler must never return. SPF_errorv() calls it and, in
 * Debian's build, nothing after it: the handler pointer is declared
 * noreturn, so the compiler dropped the abort() that follows in the
 * source. A handler that returns runs into the next function (SIGSEGV,
 * verified). Ours jumps back to the recovery point armed next to
 * rc_spf_enter() (rc_spf_jmp: in rc_spf_check() and the server's set-up
 * and shutdown in spfeval.c), and the message gets temperror. The
 * handlers are put back on every path: by rc_spf_leave(), or by
 * rc_spf_abandon() after the adapter's abort guard jumped past us. Called
 * with no jump armed, ours chain to the ones they replaced.
 */
#include "spfguard.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "spfsession.h"

static void (*rc_spf_logfn) (int, const char *);

/* Abandoned by rc_spf_abandon(): kept reachable, never read (volatile: stored all the same). */
static RC_SPF_SESSION *volatile rc_spf_lost;
static SPF_server_t *volatile rc_spf_lost_server;

/* While inside libspf2: the recovery point and the handlers we replaced. */
sigjmp_buf rc_spf_jmp;
static bool rc_spf_jmp_active;
static void (*rc_spf_saved_error) (const char *, int, const char *) __attribute__((noreturn));
static void (*rc_spf_saved_warning) (const char *, int, const char *);
static void (*rc_spf_saved_info) (const char *, int, const char *);
static void (*rc_spf_saved_debug) (const char *, int, const char *);

/* rc_spf_log - formatted, escaped, to the rc_spf_set_log() callback */

void
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

/* rc_spf_set_log - where the log messages go (spf.h) */

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
void
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

void
rc_spf_leave(void)
{
    rc_spf_jmp_active = false;
    SPF_error_handler = rc_spf_saved_error;
    SPF_warning_handler = rc_spf_saved_warning;
    SPF_info_handler = rc_spf_saved_info;
    SPF_debug_handler = rc_spf_saved_debug;
}

/* rc_spf_handlers_installed - are libspf2's handlers ours now? (spf.h) */

bool
rc_spf_handlers_installed(void)
{
    return (SPF_error_handler == rc_spf_h_error || SPF_warning_handler == rc_spf_h_warning
	    || SPF_info_handler == rc_spf_h_info || SPF_debug_handler == rc_spf_h_debug);
}

/*
 * rc_spf_abandon - after a jump out of the module past rc_spf_check(): the
 * handlers back, the session and the server given up (spf.h)
 */
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
