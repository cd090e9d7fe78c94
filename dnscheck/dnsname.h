#ifndef RC_DNSNAME_H_INCLUDED
#define RC_DNSNAME_H_INCLUDED

/*
 * dnsname - the one DNS-name validator: RFC 1035's lengths (a name of at
 * most 253 characters, labels of 1 to 63), with or without host-name
 * characters. Every place that takes a name from the INI file, the client
 * or an answer asks it.
 */
#include <stdbool.h>

/* Flags for rc_dnsname_problem() */
#define RC_DN_HOST	(1U << 0)	/* letters, digits, '-' and '_' only;
					 * else any byte but controls */
#define RC_DN_ROOTDOT	(1U << 1)	/* one final '.' allowed (not counted) */
#define RC_DN_TWOLABELS	(1U << 2)	/* at least two labels, not "[..." */

/*
 * rc_dnsname_problem - NULL for a valid name, else what is wrong with it:
 * "empty name", "longer than 253 characters", "empty label", "label longer
 * than 63 characters", "characters not allowed in a host name", "control
 * character", "only one label".
 */
extern const char *rc_dnsname_problem(const char *name, unsigned flags);

/* rc_dnsname_ok - rc_dnsname_problem() == NULL */
extern bool rc_dnsname_ok(const char *name, unsigned flags);

#endif
