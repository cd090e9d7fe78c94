/*
 * dnsbl.h - DNS blocklists: IP lists ([dnsbl ZONE]) and domain lists
 * ([rhsbl ZONE])
 *
 * rc_lists_start() submits, for every enabled list whose input is known,
 * the A query (and the TXT query when txt = yes) at once. Domain lists with
 * target = ptr wait for the forward-confirmed PTR name: rc_lists_ptr()
 * submits them from the FCrDNS callback the moment a name confirms.
 * rc_lists_finish() adds one finding per list after the loop.
 *
 * An answer outside 127.0.0.0/8, or in 127.255.255.0/24 (the list-error
 * codes: "query refused", "typing error", "public resolver"), is an error
 * of the list: a TEMP finding naming the code, never a listing.
 */
#ifndef RC_DNSBL_H_INCLUDED
#define RC_DNSBL_H_INCLUDED

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "checkdef.h"
#include "resolver.h"
#include "verdict.h"

typedef struct rc_listq {
    const RC_LIST *list;
    bool        rhs;			/* domain list */
    bool        started;
    RC_QUERY   *a, *txt;
    char        subject[256];		/* escaped: address or domain looked up */
    char        skipwhy[64];
} RC_LISTQ;

typedef struct rc_lists {
    RC_LISTQ   *v;
    size_t      n;
} RC_LISTS;

/*
 * rc_lists_start - ip lists always (when the client address is given);
 * domain lists for the sender and helo targets; `want' selects which kinds
 * (bit 1: ip lists and helo/ptr domain lists, bit 2: sender domain lists).
 */
#define RC_LISTS_CLIENT	1
#define RC_LISTS_SENDER	2
extern bool rc_lists_start(RC_LISTS *, RC_RESOLVER *, const RC_CONFIG *, int want,
			   const RC_ADDR *client, const char *helo, const char *sender_domain);
extern void rc_lists_ptr(RC_LISTS *, RC_RESOLVER *, const char *confirmed_name);
extern void rc_lists_finish(const RC_LISTS *, RC_VERDICT *, int want);
extern void rc_lists_free(RC_LISTS *);

#endif
