/*
 * table.c - the check table (see table.h)
 *
 * One line per check: RC_ROW(name) names the RC_CHECKDEF rc_row_<name>
 * that the check's own file defines. The order is the Report header's.
 */
#include "table.h"

#define RC_ROWS(RC_ROW) \
    RC_ROW(ptr)			/* dnscheck/ptr.c: ptr_missing, ptr_no_address, ptr_mismatch */ \
    RC_ROW(ptr_generic)		/* dnscheck/ptrgeneric.c */ \
    RC_ROW(helo)		/* dnscheck/helo.c: helo_bare_ip ... helo_is_us */ \
    RC_ROW(helo_generic)	/* dnscheck/helogeneric.c */ \
    RC_ROW(lists_client)	/* dnscheck/dnsbl.c: [dnsbl], [rhsbl] target = helo, ptr */ \
    RC_ROW(lists_sender)	/* dnscheck/dnsbl.c: [rhsbl] target = sender */ \
    RC_ROW(sender_domain)	/* dnscheck/senderdomain.c: sender_domain_unresolvable */ \
    RC_ROW(spf)			/* dnscheck/spfcheck.c: spf_* (waits: started last) */

#define RC_DECLARE(n)	extern const RC_CHECKDEF rc_row_##n;
#define RC_ENTRY(n)	&rc_row_##n,

RC_ROWS(RC_DECLARE)

const RC_CHECKDEF *const rc_check_table[] = {
    RC_ROWS(RC_ENTRY)
};

const size_t rc_check_table_len = sizeof(rc_check_table) / sizeof(rc_check_table[0]);

_Static_assert(sizeof(rc_check_table) / sizeof(rc_check_table[0]) <= RC_TABLE_MAX,
	       "RC_TABLE_MAX too small");
