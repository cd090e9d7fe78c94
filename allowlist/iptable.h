/*
 * iptable.h - a set of IPv4/IPv6 CIDR prefixes with O(log n) lookup
 *
 * Build with rc_iptable_add() for every entry, then rc_iptable_seal() once;
 * lookups are only valid on a sealed table. The lookup returns the most
 * specific entry that contains the address, so a report can name it.
 */
#ifndef RC_IPTABLE_H_INCLUDED
#define RC_IPTABLE_H_INCLUDED

#include "addr.h"

typedef struct rc_ipentry {
    RC_CIDR     cidr;
    RC_ADDR     last;			/* highest address inside */
    long        parent;			/* index of the nearest enclosing entry, -1 */
    int         line;			/* where it came from (config line) */
} RC_IPENTRY;

typedef struct rc_iptable {
    RC_IPENTRY *v;
    size_t      n, cap;
    bool        sealed;
} RC_IPTABLE;

extern void rc_iptable_init(RC_IPTABLE *);
extern bool rc_iptable_add(RC_IPTABLE *, const RC_CIDR *, int line);
extern void rc_iptable_seal(RC_IPTABLE *);
extern const RC_IPENTRY *rc_iptable_lookup(const RC_IPTABLE *, const RC_ADDR *);
extern void rc_iptable_free(RC_IPTABLE *);

#endif
