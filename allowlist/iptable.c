/*
 * iptable.c - sorted CIDR table
 *
 * CIDR prefixes form a laminar family: two prefixes are either disjoint or
 * one contains the other. Sorted by first address (wider first on a tie),
 * the entry that contains an address is the last entry starting at or
 * below it, or one of that entry's ancestors. Each entry keeps the index of
 * its nearest enclosing entry, so a lookup is one binary search plus a walk
 * of at most 129 parent links, whatever the size of the table.
 *
 * Large tables add an index: entries are grouped by a bucket key (the top
 * bits of the address, about log2(n) of them) that never decreases along
 * the sorted order, and index[k] is the first entry whose key is k or
 * more. Every entry before index[k] starts below
 * an address of bucket k and every entry from index[k + 1] on starts above
 * it, so the binary search is confined to one bucket (an entry or two on
 * average: a cache line or two instead of twenty) and the answer is the
 * same as without.
 */
#include "iptable.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void
rc_iptable_init(RC_IPTABLE *t)
{
    memset(t, 0, sizeof(*t));
}

/* rc_iptable_add - append one prefix; false on allocation failure */

bool
rc_iptable_add(RC_IPTABLE *t, const RC_CIDR *c, int line)
{
    if (t->map != NULL)
	return (false);				/* read-only, compiled */
    if (t->n == t->cap) {
	size_t  ncap = t->cap ? 2 * t->cap : 16;
	RC_IPENTRY *nv = realloc(t->v, ncap * sizeof(*nv));

	if (nv == NULL)
	    return (false);
	t->v = nv;
	t->cap = ncap;
    }
    memset(&t->v[t->n], 0, sizeof(t->v[t->n]));	/* padding too: compiled files */
    t->v[t->n].cidr = *c;
    rc_cidr_last(c, &t->v[t->n].last);
    t->v[t->n].parent = -1;
    t->v[t->n].line = line;
    t->n++;
    t->sealed = false;
    if (t->index != NULL) {
	free((void *) t->index);
	t->index = NULL;
    }
    return (true);
}

/*
 * rc_iptable_bucket - with B = 2^bits: 0 below ::ffff:0:0; 1 + the top
 * `bits' bits of the IPv4 address for IPv4-mapped addresses; B + 1 for the
 * rest of the lowest B-th of the address space; B + 1 + the top `bits'
 * bits otherwise. Never decreases as rc_addr_cmp() increases.
 */

uint32_t
rc_iptable_bucket(const RC_ADDR *a, unsigned bits)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    uint32_t nb = 1u << bits;
    uint32_t top = ((uint32_t) a->b[0] << 16 | (uint32_t) a->b[1] << 8 | a->b[2])
	>> (24 - bits);
    int     c;

    if (top != 0)
	return (nb + 1 + top);
    c = memcmp(a->b, v4mapped, 12);
    if (c < 0)
	return (0);
    if (c == 0)
	return (1 + (((uint32_t) a->b[12] << 16 | (uint32_t) a->b[13] << 8 | a->b[14])
		     >> (24 - bits)));
    return (nb + 1);
}

/* build_index - bucket starts of a sorted table; NULL without memory */

static const uint32_t *
build_index(const RC_IPTABLE *t, unsigned bits)
{
    uint32_t keys = RC_IPTABLE_KEYS(bits);
    uint32_t *idx = malloc(((size_t) keys + 1) * sizeof(*idx));
    size_t  j = 0;

    if (idx == NULL)
	return (NULL);
    for (uint32_t k = 0; k <= keys; k++) {
	while (j < t->n && rc_iptable_bucket(&t->v[j].cidr.addr, bits) < k)
	    j++;
	idx[k] = (uint32_t) j;
    }
    return (idx);
}

static int
entry_cmp(const void *x, const void *y)
{
    const RC_IPENTRY *a = x, *b = y;
    int     c = rc_addr_cmp(&a->cidr.addr, &b->cidr.addr);

    if (c != 0)
	return (c);
    if (a->cidr.plen != b->cidr.plen)
	return (a->cidr.plen < b->cidr.plen ? -1 : 1);
    return (a->line < b->line ? -1 : a->line > b->line);
}

/* rc_iptable_seal - sort, drop exact duplicates, link parents */

void
rc_iptable_seal(RC_IPTABLE *t)
{
    size_t  out = 0;
    long   *stack;
    size_t  depth = 0;

    if (t->n > 1)
	qsort(t->v, t->n, sizeof(*t->v), entry_cmp);
    for (size_t i = 0; i < t->n; i++) {
	if (out > 0 && t->v[out - 1].cidr.plen == t->v[i].cidr.plen
	    && rc_addr_cmp(&t->v[out - 1].cidr.addr, &t->v[i].cidr.addr) == 0)
	    continue;				/* keep the first-listed one */
	t->v[out++] = t->v[i];
    }
    t->n = out;

    /*
     * Parents: walk in sorted order with a stack of open prefixes; pop
     * those that end before the current one starts.
     */
    stack = malloc((t->n ? t->n : 1) * sizeof(*stack));
    for (size_t i = 0; i < t->n; i++) {
	if (stack == NULL) {
	    /* Without memory for the stack, fall back to a quadratic scan. */
	    for (long j = (long) i - 1; j >= 0; j--)
		if (rc_cidr_contains(&t->v[j].cidr, &t->v[i].cidr.addr)) {
		    t->v[i].parent = j;
		    break;
		}
	    continue;
	}
	while (depth > 0 && !rc_cidr_contains(&t->v[stack[depth - 1]].cidr,
					     &t->v[i].cidr.addr))
	    depth--;
	t->v[i].parent = depth > 0 ? stack[depth - 1] : -1;
	stack[depth++] = (long) i;
    }
    free(stack);
    free((void *) t->index);
    t->index = NULL;
    if (t->n >= RC_IPTABLE_INDEX_MIN && t->n < UINT32_MAX) {
	unsigned bits = RC_IPTABLE_BITS_MIN;

	while (bits < RC_IPTABLE_BITS_MAX && ((size_t) 2 << bits) <= t->n)
	    bits++;				/* about log2(n) */
	t->bits = bits;
	t->index = build_index(t, bits);	/* NULL: search the whole table */
    }
    t->sealed = true;
}

/*
 * rc_iptable_lookup - most specific entry containing the address, or NULL.
 * Every step stays inside the table, whatever it holds: a bucket range
 * that is not one is ignored, and the walk up the parents stops at a
 * parent that does not come before its child, and after 129 steps (the
 * most prefixes one address can be in).
 */

const RC_IPENTRY *
rc_iptable_lookup(const RC_IPTABLE *t, const RC_ADDR *a)
{
    size_t  lo = 0, hi = t->n;
    long    i;
    int     steps;

    if (!t->sealed || t->n == 0)
	return (NULL);
    if (t->index != NULL && t->bits >= RC_IPTABLE_BITS_MIN && t->bits <= RC_IPTABLE_BITS_MAX) {
	uint32_t k = rc_iptable_bucket(a, t->bits);

	if (t->index[k] <= t->index[k + 1] && t->index[k + 1] <= t->n) {
	    lo = t->index[k];
	    hi = t->index[k + 1];
	}
    }
    /* Find the last entry whose first address is <= a. */
    while (lo < hi) {
	size_t  mid = lo + (hi - lo) / 2;

	if (rc_addr_cmp(&t->v[mid].cidr.addr, a) <= 0)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    for (i = (long) lo - 1, steps = 0; i >= 0 && steps <= 128; steps++) {
	if (rc_addr_cmp(a, &t->v[i].last) <= 0)
	    return (&t->v[i]);
	if (t->v[i].parent >= i)
	    break;				/* damaged: parents come first */
	i = t->v[i].parent;
    }
    return (NULL);
}

/*
 * rc_iptable_check - is a sealed table exactly what rc_iptable_seal()
 * makes of its entries? For a table read from a file (nsccache.c), before
 * anything else reads it:
 *   - every entry a prefix of 0..128 bits with no host bits set, its
 *     address family flag and its last address as rc_cidr_parse() and
 *     rc_cidr_last() set them;
 *   - sorted by first address, wider first, without duplicates;
 *   - each parent link the nearest enclosing entry, or -1, and so always
 *     before its child;
 *   - the index, if any, of 16..20 bits, never decreasing, from 0 to n,
 *     with every entry inside its own bucket's range.
 * Linear in the table and the index. False with a reason.
 */

bool
rc_iptable_check(const RC_IPTABLE *t, const char **why)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    *why = "more entries than an index can count";
    if (t->n >= UINT32_MAX)
	return (false);
    for (size_t i = 0; i < t->n; i++) {
	const RC_IPENTRY *e = &t->v[i];
	unsigned char flag, lastflag;
	RC_ADDR last;
	long    p;

	/* A bool that is neither 0 nor 1 may not even be read as a bool. */
	memcpy(&flag, &e->cidr.addr.v4, 1);
	memcpy(&lastflag, &e->last.v4, 1);
	*why = "prefix length or address family out of range";
	if (e->cidr.plen < 0 || e->cidr.plen > 128 || flag > 1 || lastflag != flag
	    || flag != (e->cidr.plen >= 96 && memcmp(e->cidr.addr.b, v4mapped, 12) == 0))
	    return (false);
	*why = "host bits set, or a wrong last address";
	rc_cidr_last(&e->cidr, &last);
	if (!rc_cidr_contains(&e->cidr, &e->cidr.addr)
	    || memcmp(last.b, e->last.b, sizeof(last.b)) != 0)
	    return (false);
	*why = "entries out of order";
	if (i > 0) {
	    int     c = rc_addr_cmp(&t->v[i - 1].cidr.addr, &e->cidr.addr);

	    if (c > 0 || (c == 0 && t->v[i - 1].cidr.plen >= e->cidr.plen))
		return (false);
	}
	/* The nearest enclosing entry is i - 1 or one of its ancestors. */
	for (p = (long) i - 1; p >= 0; p = t->v[p].parent)
	    if (rc_cidr_contains(&t->v[p].cidr, &e->cidr.addr))
		break;
	*why = "a wrong parent link";
	if (e->parent != p)
	    return (false);
    }
    if (t->index != NULL) {
	uint32_t keys;

	*why = "index size out of range";
	if (t->bits < RC_IPTABLE_BITS_MIN || t->bits > RC_IPTABLE_BITS_MAX)
	    return (false);
	keys = RC_IPTABLE_KEYS(t->bits);
	*why = "index out of range or not in order";
	if (t->index[0] != 0 || t->index[keys] != t->n)
	    return (false);
	for (uint32_t k = 0; k < keys; k++)
	    if (t->index[k] > t->index[k + 1])
		return (false);
	*why = "an entry outside its bucket";
	for (size_t i = 0; i < t->n; i++) {
	    uint32_t k = rc_iptable_bucket(&t->v[i].cidr.addr, t->bits);

	    if (i < t->index[k] || i >= t->index[k + 1])
		return (false);
	}
    }
    *why = NULL;
    return (true);
}

void
rc_iptable_free(RC_IPTABLE *t)
{
    if (t->map != NULL)
	munmap(t->map, t->maplen);
    else {
	free(t->v);
	free((void *) t->index);
    }
    rc_iptable_init(t);
}

const RC_IPENTRY *
rc_iptable_lookup_linear(const RC_IPTABLE *t, const RC_ADDR *a)
{
    const RC_IPENTRY *best = NULL;

    for (size_t i = 0; i < t->n; i++)
	if (rc_cidr_contains(&t->v[i].cidr, a)
	    && (best == NULL || t->v[i].cidr.plen > best->cidr.plen))
	    best = &t->v[i];
    return (best);
}
