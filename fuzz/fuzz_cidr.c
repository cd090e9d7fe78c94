/*
 * fuzz_cidr.c - address/CIDR parsing and the allowlist tables
 *
 * Input: lines. Lines before the first empty line are entries: each is
 * tried as a CIDR prefix (rc_cidr_parse, into an RC_IPTABLE) and as a name
 * entry (rc_dnsname_ok, into an RC_NAMETABLE; ".suffix" matches below,
 * like the [no_server_check] host key). Lines after it are lookups: each
 * is tried as an address (rc_addr_parse) and as a name. Every prefix's
 * first and last address and their neighbours are looked up as well.
 *
 * What must hold:
 *   - parse/format round trips: rc_cidr_format -> rc_cidr_parse and
 *     rc_addr_format -> rc_addr_parse give back the same value; a parsed
 *     prefix has its host bits clear and contains its own last address;
 *   - rc_iptable_lookup() (binary search + parent links) returns exactly
 *     what a linear scan finds: the most specific prefix containing the
 *     address, the first-listed one of equal prefixes;
 *   - rc_nametable_lookup() returns exactly what a linear scan finds: the
 *     name itself if an entry allows exact matches, else the nearest
 *     parent domain whose entry allows names below it (ASCII case and one
 *     trailing dot ignored).
 */
#include <ctype.h>
#include <strings.h>

#include "fuzz_common.h"

#include "allowlist/addr.h"
#include "allowlist/iptable.h"
#include "allowlist/nametable.h"
#include "dnscheck/dnsname.h"

#define MAX_ENTRIES	256
#define MAX_LOOKUPS	256

typedef struct ref_cidr {
    RC_CIDR     c;
    int         line;
} REF_CIDR;

typedef struct ref_name {
    char        name[256];		/* lower case */
    bool        exact, below;
} REF_NAME;

static REF_CIDR ref_c[MAX_ENTRIES];
static size_t nref_c;
static REF_NAME ref_n[MAX_ENTRIES];
static size_t nref_n;

static void
fmt_cidr(const RC_CIDR *c, char *buf, size_t len)
{
    rc_cidr_format(c, buf, len);
}

/* check_cidr - invariants of one parsed prefix, and its round trip */

static void
check_cidr(const char *text, const RC_CIDR *c)
{
    char    buf[RC_ADDR_STRLEN + 8];
    RC_CIDR again;
    RC_ADDR last;
    const char *why = NULL;

    FUZZ_CHECK(c->plen >= 0 && c->plen <= 128, "\"%s\": plen %d", text, c->plen);
    FUZZ_CHECK(rc_cidr_contains(c, &c->addr), "\"%s\": host bits set", text);
    rc_cidr_last(c, &last);
    FUZZ_CHECK(rc_cidr_contains(c, &last) && rc_addr_cmp(&c->addr, &last) <= 0,
	       "\"%s\": bad last address", text);
    fmt_cidr(c, buf, sizeof(buf));
    FUZZ_CHECK(printable(buf), "\"%s\": unprintable format", text);
    FUZZ_CHECK(rc_cidr_parse(buf, &again, &why), "\"%s\" formats as \"%s\", which does not "
	       "parse: %s", text, buf, why);
    FUZZ_CHECK(rc_addr_cmp(&again.addr, &c->addr) == 0 && again.plen == c->plen
	       && again.addr.v4 == c->addr.v4,
	       "\"%s\" -> \"%s\" -> plen %d v4 %d (was plen %d v4 %d)", text, buf,
	       again.plen, again.addr.v4, c->plen, c->addr.v4);
}

static void
check_addr(const char *text, const RC_ADDR *a)
{
    char    buf[RC_ADDR_STRLEN];
    RC_ADDR again;

    rc_addr_format(a, buf, sizeof(buf));
    FUZZ_CHECK(printable(buf) && buf[0], "\"%s\": bad format", text);
    FUZZ_CHECK(rc_addr_parse(buf, &again), "\"%s\" formats as \"%s\", which does not parse",
	       text, buf);
    FUZZ_CHECK(rc_addr_cmp(&again, a) == 0 && again.v4 == a->v4,
	       "\"%s\" -> \"%s\" differs", text, buf);
}

/* ref_lookup - linear scan: most specific prefix, first-listed on a tie */

static const REF_CIDR *
ref_lookup(const RC_ADDR *a)
{
    const REF_CIDR *best = NULL;

    for (size_t i = 0; i < nref_c; i++) {
	if (!rc_cidr_contains(&ref_c[i].c, a))
	    continue;
	if (best == NULL || ref_c[i].c.plen > best->c.plen
	    || (ref_c[i].c.plen == best->c.plen && ref_c[i].line < best->line))
	    best = &ref_c[i];
    }
    return (best);
}

static void
lookup_addr(const RC_IPTABLE *t, const RC_ADDR *a)
{
    const RC_IPENTRY *e = rc_iptable_lookup(t, a);
    const REF_CIDR *r = ref_lookup(a);
    char    abuf[RC_ADDR_STRLEN], ebuf[64], rbuf[64];

    rc_addr_format(a, abuf, sizeof(abuf));
    if (e)
	fmt_cidr(&e->cidr, ebuf, sizeof(ebuf));
    if (r)
	fmt_cidr(&r->c, rbuf, sizeof(rbuf));
    FUZZ_CHECK((e == NULL) == (r == NULL), "%s: table says %s, linear scan says %s", abuf,
	       e ? ebuf : "none", r ? rbuf : "none");
    if (e == NULL)
	return;
    FUZZ_CHECK(rc_cidr_contains(&e->cidr, a), "%s: answer %s does not contain it", abuf, ebuf);
    FUZZ_CHECK(e->cidr.plen == r->c.plen && rc_addr_cmp(&e->cidr.addr, &r->c.addr) == 0
	       && e->line == r->line,
	       "%s: table says %s (line %d), linear scan says %s (line %d)", abuf, ebuf,
	       e->line, rbuf, r->line);
}

/* neighbours - a +/- 1 in the 128-bit form */

static void
step(RC_ADDR *a, int dir)
{
    for (int i = 15; i >= 0; i--) {
	if (dir > 0 ? a->b[i]++ != 0xff : a->b[i]-- != 0)
	    break;
    }
    a->v4 = memcmp(a->b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
}

/* Names: the reference keeps one entry per name, flags merged. */

static void
ref_name_add(const char *name, bool exact, bool below)
{
    char    low[256];
    size_t  i;

    for (i = 0; name[i] && i < sizeof(low) - 1; i++)
	low[i] = (char) tolower((unsigned char) name[i]);
    low[i] = 0;
    for (size_t k = 0; k < nref_n; k++)
	if (strcmp(ref_n[k].name, low) == 0) {
	    ref_n[k].exact |= exact;
	    ref_n[k].below |= below;
	    return;
	}
    if (nref_n < MAX_ENTRIES) {
	memcpy(ref_n[nref_n].name, low, sizeof(low));
	ref_n[nref_n].exact = exact;
	ref_n[nref_n].below = below;
	nref_n++;
    }
}

static const REF_NAME *
ref_name_find(const char *s, size_t len)
{
    for (size_t k = 0; k < nref_n; k++)
	if (strlen(ref_n[k].name) == len && strncasecmp(ref_n[k].name, s, len) == 0)
	    return (&ref_n[k]);
    return (NULL);
}

static const REF_NAME *
ref_name_lookup(const char *name)
{
    size_t  len = strlen(name);
    const REF_NAME *r;

    /* A presentation-form name with an escape is one the table refuses. */
    if (memchr(name, '\\', len) != NULL)
	return (NULL);
    if (len > 0 && name[len - 1] == '.')
	len--;
    if (len == 0)
	return (NULL);
    if ((r = ref_name_find(name, len)) != NULL && r->exact)
	return (r);
    for (size_t i = 0; i < len; i++)
	if (name[i] == '.' && (r = ref_name_find(name + i + 1, len - i - 1)) != NULL
	    && r->below)
	    return (r);
    return (NULL);
}

static void
lookup_name(const RC_NAMETABLE *t, const char *name)
{
    const RC_NAMEENTRY *e = rc_nametable_lookup(t, name);
    const REF_NAME *r = ref_name_lookup(name);

    FUZZ_CHECK((e == NULL) == (r == NULL), "\"%s\": table says %s, linear scan says %s",
	       name, e ? e->name : "none", r ? r->name : "none");
    if (e != NULL)
	FUZZ_CHECK(strcmp(e->name, r->name) == 0 && e->exact == r->exact
		   && e->below == r->below,
		   "\"%s\": table says %s (%d%d), linear scan says %s (%d%d)", name,
		   e->name, e->exact, e->below, r->name, r->exact, r->below);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    RC_IPTABLE t;
    RC_NAMETABLE nt;
    char   *lookups[MAX_LOOKUPS];
    size_t  nlookups = 0;
    int     line = 0;

    if (size > 16384)
	return (0);
    nref_c = nref_n = 0;
    rc_iptable_init(&t);
    rc_nametable_init(&nt);

    /* Entries, up to the first empty line. */
    while (f.left > 0) {
	size_t  len;
	char   *s = fdp_line(&f, 300, &len);
	RC_CIDR c;
	const char *why = NULL;
	bool    below;

	if (len == 0) {
	    free(s);
	    break;
	}
	line++;
	if (rc_cidr_parse(s, &c, &why)) {
	    check_cidr(s, &c);
	    if (nref_c < MAX_ENTRIES) {
		FUZZ_CHECK(rc_iptable_add(&t, &c, line), "rc_iptable_add failed");
		ref_c[nref_c].c = c;
		ref_c[nref_c].line = line;
		nref_c++;
	    }
	} else
	    FUZZ_CHECK(why != NULL && printable(why), "\"%s\": refused without a reason", s);
	below = (s[0] == '.');
	if (rc_dnsname_ok(s + below, RC_DN_HOST) && nref_n < MAX_ENTRIES) {
	    FUZZ_CHECK(rc_nametable_add(&nt, s + below, !below, below, line),
		       "rc_nametable_add failed");
	    ref_name_add(s + below, !below, below);
	}
	free(s);
    }
    rc_iptable_seal(&t);
    rc_nametable_seal(&nt);

    /* The sealed table: sorted, parents enclose their children. */
    for (size_t i = 0; i < t.n; i++) {
	long    p = t.v[i].parent;

	FUZZ_CHECK(p < (long) i, "entry %zu: parent %ld", i, p);
	if (p >= 0)
	    FUZZ_CHECK(rc_cidr_contains(&t.v[p].cidr, &t.v[i].cidr.addr)
		       && t.v[p].cidr.plen < t.v[i].cidr.plen,
		       "entry %zu: parent %ld does not enclose it", i, p);
	if (i > 0)
	    FUZZ_CHECK(rc_addr_cmp(&t.v[i - 1].cidr.addr, &t.v[i].cidr.addr) <= 0,
		       "table not sorted at %zu", i);
    }

    /* Lookups: the lines after the empty one, then every prefix's edges. */
    while (f.left > 0 && nlookups < MAX_LOOKUPS)
	lookups[nlookups++] = fdp_line(&f, 300, NULL);
    for (size_t i = 0; i < nlookups; i++) {
	RC_ADDR a;

	if (rc_addr_parse(lookups[i], &a)) {
	    check_addr(lookups[i], &a);
	    lookup_addr(&t, &a);
	}
	lookup_name(&nt, lookups[i]);
	free(lookups[i]);
    }
    for (size_t i = 0; i < nref_c; i++) {
	RC_ADDR a = ref_c[i].c.addr, last;

	rc_cidr_last(&ref_c[i].c, &last);
	lookup_addr(&t, &a);
	lookup_addr(&t, &last);
	step(&a, -1);
	lookup_addr(&t, &a);
	step(&last, +1);
	lookup_addr(&t, &last);
    }
    for (size_t i = 0; i < nref_n; i++) {
	char    name[300];

	lookup_name(&nt, ref_n[i].name);
	snprintf(name, sizeof(name), "x.%s", ref_n[i].name);
	lookup_name(&nt, name);
	snprintf(name, sizeof(name), "%s.", ref_n[i].name);
	lookup_name(&nt, name);
    }
    rc_iptable_free(&t);
    rc_nametable_free(&nt);
    return (0);
}
