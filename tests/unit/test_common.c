/*
 * test_common.c - the layer-1 helpers every other layer shares: the one
 * string builder (strbuf) and the one DNS-name validator (dnsname)
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck/dnsname.h"
#include "dnscheck/strbuf.h"

/* A fixed buffer is cut at its end, always terminated, and says so. */
Test(strbuf, fixed_cuts_and_terminates)
{
    char    buf[8];
    RC_STRBUF b;

    memset(buf, 'x', sizeof(buf));
    rc_strbuf_fixed(&b, buf, sizeof(buf));
    cr_assert(eq(str, buf, (char *) ""));
    rc_strbuf_printf(&b, "%s", "abc");
    rc_strbuf_add(&b, "de", 2);
    cr_assert(eq(str, buf, (char *) "abcde"));
    cr_assert(not(b.cut));
    rc_strbuf_printf(&b, "%d", 12345);
    cr_assert(eq(str, buf, (char *) "abcde12"));
    cr_assert(eq(sz, b.len, 7));
    cr_assert(b.cut);
    rc_strbuf_add(&b, "zz", 2);
    rc_strbuf_printf(&b, "more");
    cr_assert(eq(str, buf, (char *) "abcde12"), "a full buffer takes nothing more");
}

/* add() cuts a long piece to what fits, like printf() does */
Test(strbuf, fixed_add_takes_what_fits)
{
    char    buf[5];
    RC_STRBUF b;

    rc_strbuf_fixed(&b, buf, sizeof(buf));
    rc_strbuf_add(&b, "abcdefgh", 8);
    cr_assert(eq(str, buf, (char *) "abcd"));
    cr_assert(b.cut);
}

/* A zero-sized buffer is never written. */
Test(strbuf, fixed_zero_size_is_left_alone)
{
    char    c = 'x';
    RC_STRBUF b;

    rc_strbuf_fixed(&b, &c, 0);
    rc_strbuf_printf(&b, "abc");
    rc_strbuf_add(&b, "abc", 3);
    cr_assert(eq(chr, c, 'x'));
}

/* The heap buffer grows past any first guess; take() hands it over. */
Test(strbuf, heap_grows_and_takes)
{
    RC_STRBUF b;
    char   *s;

    rc_strbuf_heap(&b);
    for (int i = 0; i < 1000; i++)
	rc_strbuf_printf(&b, "%04d,", i);
    rc_strbuf_add(&b, "end", 3);
    cr_assert(eq(sz, b.len, 5003));
    s = rc_strbuf_take(&b);
    cr_assert(not(eq(ptr, s, NULL)));
    cr_assert(eq(int, strncmp(s, "0000,0001,", 10), 0));
    cr_assert(eq(str, s + 4995, (char *) "0999,end"));
    cr_assert(eq(ptr, b.s, NULL), "empty again after take");
    free(s);
}

/* An empty heap buffer gives "", not NULL (NULL means out of memory). */
Test(strbuf, heap_empty_takes_empty_string)
{
    RC_STRBUF b;
    char   *s;

    rc_strbuf_heap(&b);
    s = rc_strbuf_take(&b);
    cr_assert(eq(str, s, (char *) ""));
    free(s);
}

/* A failed allocation is remembered: take() gives NULL and frees. */
Test(strbuf, heap_failure_is_sticky)
{
    RC_STRBUF b;

    rc_strbuf_heap(&b);
    rc_strbuf_add(&b, "abc", 3);
    rc_strbuf_add(&b, "x", (size_t) -1 / 2);	/* no allocator can */
    cr_assert(b.cut);
    rc_strbuf_add(&b, "def", 3);
    cr_assert(eq(sz, b.len, 3), "nothing added after a failure");
    cr_assert(eq(ptr, rc_strbuf_take(&b), NULL));
}

/* why - the validator's answer as a string criterion can compare */
static char *
why(const char *name, unsigned flags)
{
    const char *w = rc_dnsname_problem(name, flags);

    return ((char *) (w ? w : "(valid)"));
}

struct dncase {
    const char *name;
    unsigned flags;
    const char *why;			/* NULL: valid */
};

static const struct dncase dncases[] = {
    {"mail.example.com", RC_DN_HOST, NULL},
    {"a_b-c.example", RC_DN_HOST, NULL},
    {"", RC_DN_HOST, "empty name"},
    {".", RC_DN_HOST, "empty label"},
    {".", RC_DN_HOST | RC_DN_ROOTDOT, "empty name"},
    {".example.com", RC_DN_HOST, "empty label"},
    {"example..com", RC_DN_HOST, "empty label"},
    {"example.com.", RC_DN_HOST, "empty label"},
    {"example.com.", RC_DN_HOST | RC_DN_ROOTDOT, NULL},
    {"example.com..", RC_DN_HOST | RC_DN_ROOTDOT, "empty label"},
    {"ex ample.com", RC_DN_HOST, "characters not allowed in a host name"},
    {"ex ample.com", 0, NULL},
    {"ex\x01mple.com", 0, "control character"},
    {"ex\x7fmple.com", 0, "control character"},
    {"%{d}.spf.example", 0, NULL},
    {"localhost", RC_DN_HOST, NULL},
    {"localhost", RC_DN_HOST | RC_DN_TWOLABELS, "only one label"},
    {"localhost.", RC_DN_ROOTDOT | RC_DN_TWOLABELS, "only one label"},
    {"[192.0.2.1].x", RC_DN_TWOLABELS, "only one label"},
};

Test(dnsname, rules_and_reasons)
{
    for (size_t i = 0; i < sizeof(dncases) / sizeof(dncases[0]); i++) {
	const struct dncase *c = &dncases[i];
	cr_expect(eq(str, why(c->name, c->flags), (char *) (c->why ? c->why : "(valid)")),
		  "\"%s\" %#x", c->name, c->flags);
	cr_expect(eq(int, rc_dnsname_ok(c->name, c->flags), c->why == NULL));
    }
}

/* RFC 1035's lengths: labels of 63, names of 253 (a root dot not counted). */
Test(dnsname, lengths)
{
    char    buf[300];

    memset(buf, 'a', 63);
    strcpy(buf + 63, ".example");
    cr_expect(eq(str, why(buf, RC_DN_HOST), (char *) "(valid)"));
    memset(buf, 'a', 64);
    strcpy(buf + 64, ".example");
    cr_expect(eq(str, why(buf, RC_DN_HOST), (char *) "label longer than 63 characters"));
    for (size_t i = 0; i < 253; i++)
	buf[i] = (i % 2) ? '.' : 'a';
    buf[253] = 0;
    cr_expect(eq(str, why(buf, RC_DN_HOST), (char *) "(valid)"));
    buf[253] = '.';
    buf[254] = 0;
    cr_expect(eq(str, why(buf, RC_DN_HOST | RC_DN_ROOTDOT), (char *) "(valid)"));
    cr_expect(eq(str, why(buf, RC_DN_HOST), (char *) "longer than 253 characters"));
}
