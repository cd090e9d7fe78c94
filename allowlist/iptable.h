/*
 * iptable.h - a set of IPv4/IPv6 CIDR prefixes with O(log n) lookup
 *
 * Build with rc_iptable_add() for every entry, then rc_iptable_seal() once;
 * lookups are only valid on a sealed table. The lookup returns the most
 * specific entry that contains the address, so a report can name it.
 *
 * A sealed table of RC_IPTABLE_INDEX_MIN entries or more also gets an
 * index of where each bucket of addresses starts (the top 16 to 20 bits,
 * about log2 of the table size, of an IPv6 address, or of the IPv4
 * address for mapped ones), so a lookup in a million entries
 * binary-searches one or two entries, not the whole table. A table may also live in a read-only mapping of a compiled file
 * (nsccache.h): rc_iptable_free() then unmaps it; such a table is sealed
 * and cannot be added to.
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

#define RC_IPTABLE_INDEX_MIN	1024	/* entries; smaller tables get no index */
#define RC_IPTABLE_BITS_MIN	16	/* bits of an address a bucket key uses */
#define RC_IPTABLE_BITS_MAX	20

/* RC_IPTABLE_KEYS - how many bucket keys: the index has one more entry */
#define RC_IPTABLE_KEYS(bits)	((2u << (bits)) + 1)

typedef struct rc_iptable {
    RC_IPENTRY *v;
    size_t      n, cap;
    bool        sealed;
    const uint32_t *index;		/* RC_IPTABLE_KEYS(bits) + 1 entries, or NULL */
    unsigned    bits;			/* of the index */
    void       *map;			/* v and index point into this mapping */
    size_t      maplen;
} RC_IPTABLE;

extern void rc_iptable_init(RC_IPTABLE *);
extern bool rc_iptable_add(RC_IPTABLE *, const RC_CIDR *, int line);
extern void rc_iptable_seal(RC_IPTABLE *);
extern const RC_IPENTRY *rc_iptable_lookup(const RC_IPTABLE *, const RC_ADDR *);
extern void rc_iptable_free(RC_IPTABLE *);

/*
 * rc_iptable_lookup_linear - the same answer as rc_iptable_lookup() by a
 * scan of every entry: the slow reference that tests, the fuzzer and the
 * benchmark compare the real lookup with. Never used on the mail path.
 */
extern const RC_IPENTRY *rc_iptable_lookup_linear(const RC_IPTABLE *, const RC_ADDR *);

/*
 * rc_iptable_check - is a sealed table exactly what rc_iptable_seal()
 * makes (valid prefixes, sorted, parent links, index)? For a table read
 * from a file; false with a reason.
 */
extern bool rc_iptable_check(const RC_IPTABLE *, const char **why);

/* rc_iptable_bucket - index key of an address: monotone in rc_addr_cmp order */
extern uint32_t rc_iptable_bucket(const RC_ADDR *, unsigned bits);

#endif
