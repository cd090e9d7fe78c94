/*
 * test_allowlist.c - addresses, CIDR prefixes, the IP table and the name
 * table of the No Server Check list: boundaries, nesting, duplicates,
 * families, and large random tables against a linear scan
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/addr.h"
#include "allowlist/iptable.h"
#include "allowlist/nametable.h"
#include "dnscheck/dnsname.h"
#include "testutil.h"

/* ---- helpers ---- */

static RC_CIDR
cidr(const char *s)
{
    RC_CIDR c;
    const char *why = NULL;

    cr_assert(rc_cidr_parse(s, &c, &why), "%s: %s", s, why);
    return (c);
}

static RC_ADDR
addr(const char *s)
{
    RC_ADDR a;

    cr_assert(rc_addr_parse(s, &a), "%s", s);
    return (a);
}

/* table - a sealed table from entries, entry i added with line i+1 */
static void
table(RC_IPTABLE *t, const char *const *entries, size_t n)
{
    rc_iptable_init(t);
    for (size_t i = 0; i < n; i++) {
	RC_CIDR c = cidr(entries[i]);

	cr_assert(rc_iptable_add(t, &c, (int) i + 1));
    }
    rc_iptable_seal(t);
}

/* line_of - the line of the entry matching ip, 0 for none */
static int
line_of(const RC_IPTABLE *t, const char *ip)
{
    RC_ADDR a = addr(ip);
    const RC_IPENTRY *e = rc_iptable_lookup(t, &a);

    return (e ? e->line : 0);
}

/* ---- address parsing and formatting ---- */

struct addr_case {
    char        in[48];
    bool        ok;
    bool        v4;
    char        out[48];
};

static const struct addr_case addr_parse_format_cases[] = {
	{"192.0.2.1", true, true, "192.0.2.1"},
	{"0.0.0.0", true, true, "0.0.0.0"},
	{"255.255.255.255", true, true, "255.255.255.255"},
	{"::ffff:192.0.2.1", true, true, "192.0.2.1"},
	{"::FFFF:c000:0201", true, true, "192.0.2.1"},
	{"2001:DB8::1", true, false, "2001:db8::1"},
	{"::", true, false, "::"},
	{"::1", true, false, "::1"},
	{"::192.0.2.1", true, false, "::192.0.2.1"},	/* IPv4-compatible: not v4 */
	{"", false, false, ""},
	{"192.0.2", false, false, ""},
	{"192.0.2.256", false, false, ""},
	{"192.0.2.1 ", false, false, ""},
	{" 192.0.2.1", false, false, ""},
	{"192.0.2.1/32", false, false, ""},
	{"2001:db8::1%eth0", false, false, ""},
	{"2001:db8:::1", false, false, ""},
	{"localhost", false, false, ""},
};

Test(addr, parse_format)
{
    for (size_t ci = 0; ci < sizeof(addr_parse_format_cases) / sizeof(addr_parse_format_cases[0]); ci++) {
	const struct addr_case *c = &addr_parse_format_cases[ci];
	RC_ADDR a;
	char    buf[RC_ADDR_STRLEN];
	bool    ok = rc_addr_parse(c->in, &a);

	cr_expect(eq(int, ok, c->ok), "\"%s\"", c->in);
	if (!ok || !c->ok)
	    continue;
	cr_expect(eq(int, a.v4, c->v4), "\"%s\"", c->in);
	rc_addr_format(&a, buf, sizeof(buf));
	cr_expect(eq(str, buf, c->out), "\"%s\"", c->in);
    }
}

Test(addr, mapped_client_equals_ipv4)
{
    RC_ADDR a = addr("192.0.2.1"), b = addr("::ffff:192.0.2.1");

    cr_expect(eq(int, rc_addr_cmp(&a, &b), 0));
    cr_expect(eq(int, a.v4, b.v4));
}

/* ---- CIDR parsing ---- */

struct cidr_case {
    char        in[64];
    bool        ok;
    char        out[64];			/* formatted, or the reason */
};

static const struct cidr_case addr_cidr_parse_cases[] = {
	{"192.0.2.0/24", true, "192.0.2.0/24"},
	{"192.0.2.1", true, "192.0.2.1"},
	{"192.0.2.1/32", true, "192.0.2.1"},
	{"0.0.0.0/0", true, "0.0.0.0/0"},
	{"::/0", true, "::/0"},
	{"2001:db8::/32", true, "2001:db8::/32"},
	{"2001:db8::1/128", true, "2001:db8::1"},
	{"::ffff:192.0.2.0/120", true, "192.0.2.0/24"},
	{"::ffff:0.0.0.0/96", true, "0.0.0.0/0"},
	{"10.0.0.0/08", true, "10.0.0.0/8"},
	{"192.0.2.1/24", false, "host bits set after the prefix length"},
	{"192.0.2.128/24", false, "host bits set after the prefix length"},
	{"2001:db8::1/64", false, "host bits set after the prefix length"},
	{"::ffff:192.0.2.1/120", false, "host bits set after the prefix length"},
	{"192.0.2.0/33", false, "bad prefix length"},
	{"2001:db8::/129", false, "bad prefix length"},
	{"192.0.2.0/", false, "bad prefix length"},
	{"192.0.2.0/-1", false, "bad prefix length"},
	{"192.0.2.0/+8", false, "bad prefix length"},
	{"192.0.2.0/ 8", false, "bad prefix length"},
	{"192.0.2.0/24/8", false, "bad prefix length"},
	{"192.0.2.0/24x", false, "bad prefix length"},
	{"/24", false, "not an IP address or CIDR prefix"},
	{"", false, "not an IP address or CIDR prefix"},
	{"192.0.2/24", false, "not an IP address or CIDR prefix"},
	{"example.com/24", false, "not an IP address or CIDR prefix"},
};

Test(addr, cidr_parse)
{
    for (size_t ci = 0; ci < sizeof(addr_cidr_parse_cases) / sizeof(addr_cidr_parse_cases[0]); ci++) {
	const struct cidr_case *c = &addr_cidr_parse_cases[ci];
	RC_CIDR r;
	const char *why = NULL;
	char    buf[64];
	bool    ok = rc_cidr_parse(c->in, &r, &why);

	cr_expect(eq(int, ok, c->ok), "\"%s\": %s", c->in, why ? why : "");
	if (ok != c->ok)
	    continue;
	if (c->ok) {
	    rc_cidr_format(&r, buf, sizeof(buf));
	    cr_expect(eq(str, buf, c->out), "\"%s\"", c->in);
	} else
	    cr_expect(eq(str, (char *) (why ? why : "(null)"), c->out), "\"%s\"", c->in);
    }
}

/* ---- boundaries: first and last address in, one past either end out ---- */

struct bound_case {
    char        cidr[48];
    char        ip[48];
    bool        in;
};

static const struct bound_case iptable_boundaries_cases[] = {
	{"192.0.2.0/24", "192.0.2.0", true},
	{"192.0.2.0/24", "192.0.2.255", true},
	{"192.0.2.0/24", "192.0.1.255", false},
	{"192.0.2.0/24", "192.0.3.0", false},
	{"192.0.2.128/25", "192.0.2.127", false},
	{"192.0.2.128/25", "192.0.2.128", true},
	{"192.0.2.128/25", "192.0.2.255", true},
	{"172.16.0.0/12", "172.15.255.255", false},
	{"172.16.0.0/12", "172.16.0.0", true},
	{"172.16.0.0/12", "172.31.255.255", true},
	{"172.16.0.0/12", "172.32.0.0", false},
	{"192.0.2.7/32", "192.0.2.7", true},
	{"192.0.2.7/32", "192.0.2.6", false},
	{"192.0.2.7/32", "192.0.2.8", false},
	{"0.0.0.0/0", "0.0.0.0", true},
	{"0.0.0.0/0", "255.255.255.255", true},
	{"0.0.0.0/0", "::ffff:203.0.113.9", true},
	{"0.0.0.0/0", "::", false},
	{"0.0.0.0/0", "::1", false},
	{"0.0.0.0/0", "2001:db8::1", false},
	{"0.0.0.0/0", "::fffe:ffff:ffff", false},	/* just below ::ffff:0:0 */
	{"0.0.0.0/0", "::1:0:0:0", false},		/* just above ::ffff:ffff:ffff */
	{"::/0", "::", true},
	{"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
	{"::/0", "192.0.2.1", true},
	{"2001:db8::/32", "2001:db8::", true},
	{"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
	{"2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false},
	{"2001:db8::/32", "2001:db9::", false},
	{"2001:db8:0:0:8000::/65", "2001:db8::7fff:ffff:ffff:ffff", false},
	{"2001:db8:0:0:8000::/65", "2001:db8::8000:0:0:0", true},
	{"2001:db8:0:0:8000::/65", "2001:db8::ffff:ffff:ffff:ffff", true},
	{"2001:db8:0:0:8000::/65", "2001:db8:0:1::", false},
	{"2001:db8::1/128", "2001:db8::1", true},
	{"2001:db8::1/128", "2001:db8::", false},
	{"2001:db8::1/128", "2001:db8::2", false},
	{"::ffff:192.0.2.0/120", "192.0.2.42", true},
	{"::ffff:192.0.2.0/120", "192.0.3.0", false},
	{"::1", "::1", true},
	{"::1", "127.0.0.1", false},
	{"127.0.0.0/8", "::1", false},
};

Test(iptable, boundaries)
{
    for (size_t ci = 0; ci < sizeof(iptable_boundaries_cases) / sizeof(iptable_boundaries_cases[0]); ci++) {
	const struct bound_case *c = &iptable_boundaries_cases[ci];
	RC_IPTABLE t;
	RC_CIDR p = cidr(c->cidr);
	RC_ADDR a = addr(c->ip);
	const RC_IPENTRY *e;

	cr_expect(eq(int, rc_cidr_contains(&p, &a), c->in), "%s in %s", c->ip, c->cidr);
	rc_iptable_init(&t);
	cr_assert(rc_iptable_add(&t, &p, 42));
	rc_iptable_seal(&t);
	e = rc_iptable_lookup(&t, &a);
	cr_expect(eq(int, e != NULL, c->in), "lookup %s in {%s}", c->ip, c->cidr);
	if (e)
	    cr_expect(eq(int, e->line, 42), "lookup %s in {%s}", c->ip, c->cidr);
	rc_iptable_free(&t);
    }
}

Test(iptable, cidr_last)
{
    struct {
	const char *cidr, *last;
    }       cases[] = {
	{"192.0.2.0/24", "192.0.2.255"},
	{"10.0.0.0/8", "10.255.255.255"},
	{"0.0.0.0/0", "255.255.255.255"},
	{"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"2001:db8::1", "2001:db8::1"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	RC_CIDR c = cidr(cases[i].cidr);
	RC_ADDR last;
	char    buf[RC_ADDR_STRLEN];

	rc_cidr_last(&c, &last);
	rc_addr_format(&last, buf, sizeof(buf));
	cr_expect(eq(str, buf, (char *) cases[i].last), "%s", cases[i].cidr);
    }
}

Test(iptable, v4_all_vs_v6_all)
{
    static const char *const only4[] = {"0.0.0.0/0"};
    static const char *const only6[] = {"::/0"};
    static const char *const both[] = {"::/0", "0.0.0.0/0"};
    RC_IPTABLE t;

    table(&t, only4, 1);
    cr_expect(eq(int, line_of(&t, "198.51.100.1"), 1));
    cr_expect(eq(int, line_of(&t, "2001:db8::1"), 0));
    cr_expect(eq(int, line_of(&t, "::"), 0));
    rc_iptable_free(&t);

    table(&t, only6, 1);
    cr_expect(eq(int, line_of(&t, "198.51.100.1"), 1));
    cr_expect(eq(int, line_of(&t, "2001:db8::1"), 1));
    rc_iptable_free(&t);

    table(&t, both, 2);
    cr_expect(eq(int, line_of(&t, "198.51.100.1"), 2));	/* the more specific */
    cr_expect(eq(int, line_of(&t, "2001:db8::1"), 1));
    rc_iptable_free(&t);
}

Test(iptable, nested_most_specific_wins)
{
    /* Listed narrow-first and interleaved: the order must not matter. */
    static const char *const e[] = {
	"192.0.2.200",			/* 1 */
	"10.0.0.0/8",			/* 2 */
	"192.0.2.128/25",		/* 3 */
	"0.0.0.0/0",			/* 4 */
	"192.0.2.0/24",			/* 5 */
	"192.0.0.0/8",			/* 6 */
	"2001:db8::/32",		/* 7 */
	"2001:db8:1::/48",		/* 8 */
	"192.0.2.0/31",			/* 9 */
    };
    RC_IPTABLE t;

    table(&t, e, sizeof(e) / sizeof(e[0]));
    cr_expect(eq(sz, t.n, 9));
    cr_expect(eq(int, line_of(&t, "192.0.2.200"), 1));
    cr_expect(eq(int, line_of(&t, "192.0.2.199"), 3));
    cr_expect(eq(int, line_of(&t, "192.0.2.201"), 3));
    cr_expect(eq(int, line_of(&t, "192.0.2.255"), 3));
    cr_expect(eq(int, line_of(&t, "192.0.2.127"), 5));
    cr_expect(eq(int, line_of(&t, "192.0.2.0"), 9));
    cr_expect(eq(int, line_of(&t, "192.0.2.1"), 9));
    cr_expect(eq(int, line_of(&t, "192.0.2.2"), 5));
    cr_expect(eq(int, line_of(&t, "192.0.3.0"), 6));
    cr_expect(eq(int, line_of(&t, "192.255.255.255"), 6));
    cr_expect(eq(int, line_of(&t, "193.0.0.0"), 4));
    cr_expect(eq(int, line_of(&t, "10.9.9.9"), 2));
    cr_expect(eq(int, line_of(&t, "9.255.255.255"), 4));
    cr_expect(eq(int, line_of(&t, "::ffff:192.0.2.200"), 1));
    cr_expect(eq(int, line_of(&t, "2001:db8:1::5"), 8));
    cr_expect(eq(int, line_of(&t, "2001:db8:2::5"), 7));
    cr_expect(eq(int, line_of(&t, "2001:db9::"), 0));
    cr_expect(eq(int, line_of(&t, "::1"), 0));
    rc_iptable_free(&t);
}

Test(iptable, duplicates_keep_the_first_listed)
{
    static const char *const e[] = {
	"198.51.100.0/24", "192.0.2.0/24", "198.51.100.0/24", "198.51.100.0/25",
	"192.0.2.0/24", "::ffff:198.51.100.0/120",
    };
    RC_IPTABLE t;

    table(&t, e, sizeof(e) / sizeof(e[0]));
    cr_expect(eq(sz, t.n, 3));
    cr_expect(eq(int, line_of(&t, "198.51.100.200"), 1));
    cr_expect(eq(int, line_of(&t, "198.51.100.20"), 4));
    cr_expect(eq(int, line_of(&t, "192.0.2.20"), 2));
    rc_iptable_free(&t);
}

Test(iptable, empty_and_unsealed)
{
    RC_IPTABLE t;
    RC_CIDR c = cidr("0.0.0.0/0");
    RC_ADDR a = addr("192.0.2.1");

    rc_iptable_init(&t);
    cr_expect(rc_iptable_lookup(&t, &a) == NULL);
    rc_iptable_seal(&t);
    cr_expect(rc_iptable_lookup(&t, &a) == NULL);
    cr_assert(rc_iptable_add(&t, &c, 1));
    cr_expect(rc_iptable_lookup(&t, &a) == NULL, "lookup in an unsealed table");
    rc_iptable_seal(&t);
    cr_expect(rc_iptable_lookup(&t, &a) != NULL);
    rc_iptable_free(&t);
    cr_expect(eq(sz, t.n, 0));
    cr_expect(rc_iptable_lookup(&t, &a) == NULL);
}

/* ---- 100k random prefixes against a linear scan ---- */

static unsigned long long rng_state;

static unsigned long long
rng(void)
{
    unsigned long long x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (rng_state = x);
}

typedef unsigned __int128 U128;

static U128
u128(const RC_ADDR *a)
{
    U128    v = 0;

    for (int i = 0; i < 16; i++)
	v = (v << 8) | a->b[i];
    return (v);
}

static RC_ADDR
from_u128(U128 v)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    RC_ADDR a;

    for (int i = 15; i >= 0; i--) {
	a.b[i] = (uint8_t) v;
	v >>= 8;
    }
    a.v4 = memcmp(a.b, mapped, 12) == 0;
    return (a);
}

/*
 * random_prefix - mostly long prefixes in two dense spaces (10.0.0.0/8 and
 * 2001:db8::/96) so that they nest and overlap, and a few short ones
 * elsewhere.
 */
static RC_CIDR
random_prefix(void)
{
    unsigned long long r = rng(), r2 = rng();
    char    buf[64];
    RC_CIDR c;
    int     plen;

    if (r % 512 == 0) {				/* short, away from the dense spaces */
	if (r & 512) {
	    snprintf(buf, sizeof(buf), "%llu.%llu.0.0", 11 + (r2 % 200), (r2 >> 8) & 255);
	    plen = 96 + 8 + (int) ((r2 >> 16) % 9);
	} else {
	    snprintf(buf, sizeof(buf), "%llx::", 0x3000 + (r2 & 0xfff));
	    plen = 8 + (int) ((r2 >> 16) % 40);
	}
    } else if (r & 1) {
	snprintf(buf, sizeof(buf), "10.%llu.%llu.%llu", (r2 >> 8) & 255, (r2 >> 16) & 255,
		 (r2 >> 24) & 255);
	plen = 96 + 32 - (int) ((r2 >> 32) % 9);	/* /24 .. /32 */
    } else {
	snprintf(buf, sizeof(buf), "2001:db8::%llx:%llx", (r2 >> 8) & 0xffff,
		 (r2 >> 24) & 0xffff);
	plen = 128 - (int) ((r2 >> 40) % 25);	/* /104 .. /128 */
    }
    c.addr = addr(buf);
    c.plen = plen;
    for (int k = plen; k < 128; k++)
	c.addr.b[k / 8] &= (uint8_t) ~(0x80 >> (k % 8));
    return (c);
}

/*
 * The references are plain loops over plain heap arrays; they are left
 * uninstrumented so that a sanitizer build spends its time on the code
 * under test, not on the 10^9 steps of the scans.
 */
#define NO_SANITIZE __attribute__((no_sanitize_address, no_sanitize_undefined))

/* ip_scan - every entry; the longest containing prefix, the first listed */
static NO_SANITIZE int
ip_scan(const U128 *first, const U128 *size, const int *plen, int n, U128 v)
{
    int     best = -1;

    for (int i = 0; i < n; i++)
	if ((U128) (v - first[i]) <= size[i] && (best < 0 || plen[i] > plen[best]))
	    best = i;
    return (best);
}

Test(iptable, random_100k_against_linear_scan, .timeout = 60.0)
{
    enum { N = 100000, L = 10000 };
    RC_IPTABLE t;
    U128   *first = malloc(N * sizeof(*first));
    U128   *size = malloc(N * sizeof(*size));
    int    *plen = malloc(N * sizeof(*plen));
    int     hits = 0;

    cr_assert(first != NULL && size != NULL && plen != NULL);
    rng_state = 0x9e3779b97f4a7c15ULL;
    rc_iptable_init(&t);
    for (int i = 0; i < N; i++) {
	RC_CIDR c = random_prefix();

	cr_assert(rc_iptable_add(&t, &c, i + 1));
	first[i] = u128(&c.addr);
	size[i] = c.plen == 0 ? ~(U128) 0 : (((U128) 1 << (128 - c.plen)) - 1);
	plen[i] = c.plen;
    }
    rc_iptable_seal(&t);
    for (int j = 0; j < L; j++) {
	unsigned long long r = rng();
	RC_ADDR a;
	U128    v;
	int     best;
	const RC_IPENTRY *e;

	if (r & 1) {
	    /* an entry's first or last address, or one past either end */
	    int     i = (int) ((r >> 8) % N);

	    switch ((r >> 40) % 4) {
	    case 0:
		v = first[i] - 1;
		break;
	    case 1:
		v = first[i];
		break;
	    case 2:
		v = first[i] + size[i];
		break;
	    default:
		v = first[i] + size[i] + 1;
		break;
	    }
	    a = from_u128(v);
	} else {
	    a = random_prefix().addr;		/* a random address somewhere */
	    v = u128(&a);
	}
	best = ip_scan(first, size, plen, N, v);
	e = rc_iptable_lookup(&t, &a);
	if (best < 0) {
	    cr_assert(e == NULL, "lookup %d: the table found line %d, the scan nothing",
		      j, e ? e->line : 0);
	    continue;
	}
	hits++;
	cr_assert(e != NULL, "lookup %d: the scan found line %d, the table nothing",
		  j, best + 1);
	cr_assert(eq(int, e->line, best + 1), "lookup %d", j);
	cr_assert(eq(int, e->cidr.plen, plen[best]));
	cr_assert(u128(&e->cidr.addr) == first[best]);
	cr_assert(u128(&e->last) == first[best] + size[best]);
    }
    /* the data must exercise both outcomes */
    cr_expect(gt(int, hits, L / 4), "%d hits", hits);
    cr_expect(lt(int, hits, L * 3 / 4), "%d hits", hits);
    rc_iptable_free(&t);
    free(first);
    free(size);
    free(plen);
}

/* ---- names ---- */

struct name_valid_case {
    char        name[300];
    bool        ok;
};

static const struct name_valid_case nametable_name_valid_cases[] = {
	{"example", true},
	{"mx.example.com", true},
	{"a-b.example", true},
	{"_spf.example", true},
	{"xn--bcher-kva.example", true},
	{"123.example", true},
	{"", false},
	{".", false},
	{".example", false},
	{"example.", false},
	{"a..b", false},
	{"a b.example", false},
	{"a/b.example", false},
	{"a@b.example", false},
	{"a*.example", false},
	{"b\xc3\xbc" "cher.example", false},
	{"ok\n.example", false},
};

Test(nametable, name_valid)
{
    for (size_t ci = 0; ci < sizeof(nametable_name_valid_cases) / sizeof(nametable_name_valid_cases[0]); ci++) {
	const struct name_valid_case *c = &nametable_name_valid_cases[ci];
	cr_expect(eq(int, rc_dnsname_ok(c->name, RC_DN_HOST), c->ok), "\"%s\"", c->name);
    }
}

Test(nametable, name_valid_lengths)
{
    char    buf[300];

    memset(buf, 'a', 63);
    strcpy(buf + 63, ".example");
    cr_expect(rc_dnsname_ok(buf, RC_DN_HOST), "63-character label");
    memset(buf, 'a', 64);
    strcpy(buf + 64, ".example");
    cr_expect(not(rc_dnsname_ok(buf, RC_DN_HOST)), "64-character label");
    /* 253 characters in all is the longest name */
    for (int i = 0; i < 253; i++)
	buf[i] = (i % 2) ? '.' : 'a';
    buf[253] = 0;
    cr_expect(rc_dnsname_ok(buf, RC_DN_HOST), "253 characters");
    buf[253] = '.';
    buf[254] = 'a';
    buf[255] = 0;
    cr_expect(not(rc_dnsname_ok(buf, RC_DN_HOST)), "255 characters");
}

struct name_case {
    char        name[80];
    int         line;				/* 0: no match */
};

/*
 * The table of the name tests:
 *   1 mx.example          exact           (host = mx.example)
 *   2 .example.net        below           (host = .example.net)
 *   3 partner.example     exact + below   (domain = partner.example)
 *   4 .b.example.net      below, nested in 2
 *   5 deep.b.example.net  exact, nested in 4
 *   6 MiXeD.Example.ORG   exact + below, stored lower case
 */
static void
name_table(RC_NAMETABLE *t)
{
    rc_nametable_init(t);
    cr_assert(rc_nametable_add(t, "mx.example", true, false, 1));
    cr_assert(rc_nametable_add(t, "example.net", false, true, 2));
    cr_assert(rc_nametable_add(t, "partner.example", true, true, 3));
    cr_assert(rc_nametable_add(t, "b.example.net", false, true, 4));
    cr_assert(rc_nametable_add(t, "deep.b.example.net", true, false, 5));
    cr_assert(rc_nametable_add(t, "MiXeD.Example.ORG", true, true, 6));
    rc_nametable_seal(t);
}

static const struct name_case nametable_lookup_cases[] = {
	{"mx.example", 1},
	{"MX.EXAMPLE", 1},
	{"mx.example.", 1},
	{"a.mx.example", 0},			/* exact only */
	{"example", 0},
	{"xmx.example", 0},
	{"example.net", 0},			/* .suffix: not the name itself */
	{"a.example.net", 2},
	{"a.b.c.example.net", 2},
	{"aexample.net", 0},
	{"example.net.evil", 0},
	{"partner.example", 3},
	{"partner.example.", 3},
	{"mail.partner.example", 3},
	{"a.b.partner.example", 3},
	{"notpartner.example", 0},
	{"partner.example.com", 0},
	{"b.example.net", 2},			/* 4 is below-only, 2 covers it */
	{"x.b.example.net", 4},
	{"deep.b.example.net", 5},
	{"a.deep.b.example.net", 4},
	{"mixed.example.org", 6},
	{"www.MIXED.example.ORG", 6},
	{"", 0},
	{".", 0},
};

Test(nametable, lookup)
{
    for (size_t ci = 0; ci < sizeof(nametable_lookup_cases) / sizeof(nametable_lookup_cases[0]); ci++) {
	const struct name_case *c = &nametable_lookup_cases[ci];
	RC_NAMETABLE t;
	const RC_NAMEENTRY *e;

	name_table(&t);
	e = rc_nametable_lookup(&t, c->name);
	cr_expect(eq(int, e ? e->line : 0, c->line), "lookup \"%s\"", c->name);
	rc_nametable_free(&t);
    }
}

Test(nametable, escaped_dns_names_match_nothing)
{
    RC_NAMETABLE t;

    rc_nametable_init(&t);
    cr_assert(rc_nametable_add(&t, "partner.example", false, true, 1));
    cr_assert(rc_nametable_add(&t, "mx.partner.example", true, false, 2));
    rc_nametable_seal(&t);
    /* one label "evil.partner" under example, as udns presents it: not below partner.example */
    cr_expect(rc_nametable_lookup(&t, "evil\\.partner.example") == NULL);
    cr_expect(rc_nametable_lookup(&t, "mx\\.partner.example") == NULL);
    cr_expect(rc_nametable_lookup(&t, "a.mx\\046partner.example") == NULL);
    cr_expect(rc_nametable_lookup(&t, "a.partner.example") != NULL);
    rc_nametable_free(&t);
}

Test(nametable, stored_lower_case)
{
    RC_NAMETABLE t;
    const RC_NAMEENTRY *e;

    name_table(&t);
    e = rc_nametable_lookup(&t, "MIXED.EXAMPLE.ORG");
    cr_assert(e != NULL);
    cr_expect(eq(str, e->name, "mixed.example.org"));
    rc_nametable_free(&t);
}

Test(nametable, duplicates_merge_their_flags)
{
    RC_NAMETABLE t;
    const RC_NAMEENTRY *e;

    rc_nametable_init(&t);
    cr_assert(rc_nametable_add(&t, "x.example", true, false, 7));
    cr_assert(rc_nametable_add(&t, "other.example", true, false, 8));
    cr_assert(rc_nametable_add(&t, "X.Example", false, true, 9));
    rc_nametable_seal(&t);
    cr_expect(eq(sz, t.n, 2));
    e = rc_nametable_lookup(&t, "x.example");
    cr_assert(e != NULL);
    cr_expect(e->exact && e->below);
    e = rc_nametable_lookup(&t, "a.x.example");
    cr_assert(e != NULL);
    cr_expect(eq(str, e->name, "x.example"));
    rc_nametable_free(&t);
}

Test(nametable, empty_and_unsealed)
{
    RC_NAMETABLE t;

    rc_nametable_init(&t);
    cr_expect(rc_nametable_lookup(&t, "example") == NULL);
    cr_assert(rc_nametable_add(&t, "example", true, true, 1));
    cr_expect(rc_nametable_lookup(&t, "example") == NULL, "lookup in an unsealed table");
    rc_nametable_seal(&t);
    cr_expect(rc_nametable_lookup(&t, "example") != NULL);
    rc_nametable_free(&t);
}

/* ---- 100k random names against a linear scan ---- */

static void
random_label(char *buf, size_t *o)
{
    static const char alpha[] = "abcdefghijklmnop";
    int     n = 2 + (int) (rng() % 4);

    for (int k = 0; k < n; k++) {
	unsigned long long r = rng();
	char    ch = alpha[r % 16];

	buf[(*o)++] = (r & 64) ? (char) (ch - 'a' + 'A') : ch;
    }
    buf[*o] = 0;
}

/* random_name - 2..maxlabels labels under one of four top-level labels */
static void
random_name(char *buf, int maxlabels)
{
    static const char *const tld[] = {"aa", "bb", "cc", "dd"};
    int     labels = 1 + (int) (rng() % (unsigned) (maxlabels - 1));
    size_t  o = 0;

    for (int l = 0; l < labels; l++) {
	random_label(buf, &o);
	buf[o++] = '.';
    }
    strcpy(buf + o, tld[rng() % 4]);
}

static unsigned long long
fnv(const char *s, size_t len)
{
    unsigned long long h = 14695981039346656037ULL;

    for (size_t i = 0; i < len; i++)
	h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
    return (h);
}

struct nref {
    char        name[64];		/* lower case */
    bool        exact, below;
};

/* name_scan - every entry; the longest one that matches */
static NO_SANITIZE const char *
name_scan(const struct nref *ref, const unsigned char *rlen, const unsigned long long *rhash,
	  int n, const char *low, size_t len, const unsigned long long *sh, const bool *self,
	  const bool *have)
{
    const char *best = NULL;
    size_t  bestlen = 0;

    for (int i = 0; i < n; i++) {
	size_t  l = rlen[i];

	if (sh[l] != rhash[i] || !have[l] || l <= bestlen)
	    continue;
	if (!(self[l] ? ref[i].exact : ref[i].below)
	    || memcmp(ref[i].name, low + len - l, l) != 0)
	    continue;
	best = ref[i].name;
	bestlen = l;
    }
    return (best);
}

Test(nametable, random_100k_against_linear_scan, .timeout = 60.0)
{
    enum { N = 100000, L = 10000, MAXLEN = 64 };
    RC_NAMETABLE t;
    struct nref *ref = malloc(N * sizeof(*ref));
    unsigned char *rlen = malloc(N);		/* the scan's data, kept small */
    unsigned long long *rhash = malloc(N * sizeof(*rhash));
    int     hits = 0;

    cr_assert(ref != NULL && rlen != NULL && rhash != NULL);
    rng_state = 0x2545f4914f6cdd1dULL;
    rc_nametable_init(&t);
    for (int i = 0; i < N; i++) {
	unsigned long long r = rng();
	char    name[MAXLEN];

	if (i > 0 && r % 4 == 0 && rlen[(r >> 8) % (unsigned) i] < 40) {
	    size_t  o = 0;				/* below an earlier entry */

	    random_label(name, &o);
	    snprintf(name + o, sizeof(name) - o, ".%s", ref[(r >> 8) % (unsigned) i].name);
	} else
	    random_name(name, 3);
	ref[i].exact = (r & 0x30000) != 0;
	ref[i].below = (r & 0x30000) != 0x10000;
	cr_assert(rc_nametable_add(&t, name, ref[i].exact, ref[i].below, i + 1));
	for (char *s = name; *s; s++)
	    *s = (char) tolower((unsigned char) *s);
	snprintf(ref[i].name, sizeof(ref[i].name), "%s", name);
	rlen[i] = (unsigned char) strlen(name);
	rhash[i] = fnv(name, rlen[i]);
    }
    rc_nametable_seal(&t);
    for (int j = 0; j < L; j++) {
	unsigned long long r = rng();
	char    name[MAXLEN + 8], low[MAXLEN + 8];
	size_t  len;
	unsigned long long sh[MAXLEN];
	bool    self[MAXLEN], have[MAXLEN];
	const char *best;
	const RC_NAMEENTRY *e;

	if (r & 1) {
	    const char *en = ref[(r >> 8) % N].name;
	    const char *dot = strchr(en, '.');

	    switch ((r >> 40) % 5) {
	    case 0:
		snprintf(name, sizeof(name), "%s", en);
		break;
	    case 1:
		snprintf(name, sizeof(name), "x.%s", en);
		break;
	    case 2:
		snprintf(name, sizeof(name), "%s", dot ? dot + 1 : en);
		break;
	    case 3:
		snprintf(name, sizeof(name), "%s.", en);
		break;
	    default:
		snprintf(name, sizeof(name), "q%s", en + 1);
		break;
	    }
	    if (r & 2)
		name[0] = (char) toupper((unsigned char) name[0]);
	} else
	    random_name(name, 5);

	/* the suffixes of the name the table may match, by length */
	len = strlen(name);
	for (size_t k = 0; k <= len; k++)
	    low[k] = (char) tolower((unsigned char) name[k]);
	if (len > 0 && low[len - 1] == '.')
	    low[--len] = 0;
	memset(have, 0, sizeof(have));
	memset(sh, 0, sizeof(sh));		/* no entry hashes to 0 */
	for (size_t k = 0; k < len; k++)
	    if (k == 0 || low[k - 1] == '.') {
		size_t  l = len - k;

		if (l < MAXLEN) {
		    have[l] = true;
		    self[l] = (k == 0);
		    sh[l] = fnv(low + k, l);
		}
	    }
	best = name_scan(ref, rlen, rhash, N, low, len, sh, self, have);
	e = rc_nametable_lookup(&t, name);
	if (best == NULL) {
	    cr_assert(e == NULL, "\"%s\": the table found \"%s\", the scan nothing",
		      name, e ? e->name : "");
	    continue;
	}
	hits++;
	cr_assert(e != NULL, "\"%s\": the scan found \"%s\", the table nothing", name, best);
	cr_assert(eq(str, e->name, (char *) best), "lookup \"%s\"", name);
    }
    cr_expect(gt(int, hits, L / 4), "%d hits", hits);
    cr_expect(lt(int, hits, L * 3 / 4), "%d hits", hits);
    rc_nametable_free(&t);
    free(ref);
    free(rlen);
    free(rhash);
}
