/*
 * spfguard.h - private to the SPF files: libspf2's handlers, our log and
 * the recovery jump (see spfguard.c)
 *
 * Every call into libspf2 is bracketed so:
 *	rc_spf_enter();
 *	if (sigsetjmp(rc_spf_jmp, 0) == 0)
 *	    ... libspf2 calls ...
 *	else
 *	    ... libspf2 gave up: its objects are in an unknown state ...
 *	rc_spf_leave();
 * The sigsetjmp() is the caller's: the jump must land in a frame that is
 * live while libspf2 runs.
 */
#ifndef RC_SPFGUARD_H_INCLUDED
#define RC_SPFGUARD_H_INCLUDED

#include <setjmp.h>

/* The recovery point, armed by the caller of rc_spf_enter(). */
extern sigjmp_buf rc_spf_jmp;

/* rc_spf_enter - our handlers in, for the duration of a libspf2 call */
extern void rc_spf_enter(void);

/* rc_spf_leave - the handlers rc_spf_enter() replaced back in, jump disarmed */
extern void rc_spf_leave(void);

/*
 * rc_spf_log - a message to the rc_spf_set_log() callback (RC_SPF_LOG_*
 * level), formatted, then escaped; nothing when none is set
 */
extern void rc_spf_log(int level, const char *fmt,...) __attribute__((format(printf, 2, 3)));

#endif
