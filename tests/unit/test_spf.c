/*
 * test_spf.c - SPF through libspf2 on the message's udns session, against
 * fakedns: results and their mapping, the RFC 7208 processing limits that
 * libspf2 lacks, bounces and the HELO identity, the deadline, logging,
 * Received-SPF escaping, the record syntax/rewrite layer, and
 * CVE-2023-42118 (the crafted records are refused; fed straight to the
 * installed libspf2 they smash its stack).
 *
 * fakedns cannot serve MX records; the mx mechanism is covered by the
 * RFC 7208 suite (tests/spf/run_suite.py).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <spf2/spf.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "dnscheck/resolver.h"
#include "dnscheck/spf.h"
#include "dnscheck/spfcve.h"
#include "dnscheck/spfrec.h"
#include "fakedns.h"
#include "testutil.h"

#define TYPE_SPF	99

static FAKEDNS *dns;
static RC_SPF spf;
static const char *receiver = "mx.receiver.test";	/* this server's name */

static void
setup(void)
{
    dns = fakedns_start();
    cr_assert(dns != NULL);
    fakedns_default(dns, FAKE_NXDOMAIN);
}

static void
teardown(void)
{
    rc_spf_set_log(NULL);
    rc_spf_shutdown();
    fakedns_stop(dns);
}

TestSuite(spf, .init = setup, .fini = teardown, .timeout = 20.0);

/* check - one SPF check in a fresh resolver session with this budget */
static void
check_budget(int budget_ms, const char *ip, const char *helo, const char *sender)
{
    struct sockaddr_storage ss;
    RC_RESOLVER r;
    char    err[200];

    fakedns_sockaddr(dns, &ss);
    cr_assert(rc_resolver_open(&r, &ss, 1, NULL, budget_ms, err, sizeof(err)), "%s", err);
    rc_spf_check(&spf, &r, ip, helo, sender, receiver);
    rc_resolver_close(&r);
}

static void
check(const char *ip, const char *helo, const char *sender)
{
    check_budget(3000, ip, helo, sender);
}

/* printable - one line of printable ASCII */
static bool
printable(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
	    return (false);
    return (true);
}

static void
txt(const char *name, const char *data)
{
    fakedns_add(dns, name, RC_T_TXT, FAKE_ANSWER, data, 0);
}

static void
addr(const char *name, const char *data)
{
    fakedns_add(dns, name, RC_T_A, FAKE_ANSWER, data, 0);
}

/* ---- results, and how they are mapped ---- */

Test(spf, fail_no_type_99_query)
{
    txt("example.net", "v=spf1 ip4:192.0.2.0/24 -all");
    check("198.51.100.7", "mail.client.test", "alice@example.net");
    cr_assert(eq(int, spf.result, RC_SPF_FAIL));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_FAIL));
    cr_expect(eq(str, spf.domain, "example.net"));
    cr_expect(eq(str, spf.detail, "example.net: 198.51.100.7 not authorised"));
    cr_expect(eq(int, fakedns_count(dns, NULL, TYPE_SPF), 0), "type SPF was queried");
    cr_expect(eq(int, fakedns_count(dns, "example.net", RC_T_TXT), 1));
    cr_expect(strncmp(spf.received_spf, "fail (mx.receiver.test: ", 24) == 0, "%s",
	      spf.received_spf);
    cr_expect(strstr(spf.received_spf, "client-ip=198.51.100.7;") != NULL);
    cr_expect(strstr(spf.received_spf, "envelope-from=alice@example.net;") != NULL);
    cr_expect(strstr(spf.received_spf, "identity=mailfrom;") != NULL);
    cr_expect(strchr(spf.received_spf, '\n') == NULL);
}

Test(spf, pass_softfail_neutral)
{
    txt("p.example", "v=spf1 ip4:192.0.2.1 -all");
    txt("s.example", "v=spf1 ~all");
    txt("n.example", "v=spf1 ?all");
    check("192.0.2.1", "h.test", "a@p.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_PASS));
    cr_expect(eq(str, spf.detail, "p.example: 192.0.2.1 authorised"));
    check("192.0.2.1", "h.test", "a@s.example");
    cr_expect(eq(int, spf.result, RC_SPF_SOFTFAIL));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_SOFTFAIL));
    check("192.0.2.1", "h.test", "a@n.example");
    cr_expect(eq(int, spf.result, RC_SPF_NEUTRAL));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_NEUTRAL));
}

Test(spf, none_nxdomain_and_no_record)
{
    txt("other.example", "google-site-verification=abc|v=spf10 -all");
    check("192.0.2.1", "h.test", "a@missing.example");
    cr_expect(eq(int, spf.result, RC_SPF_NONE));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_NONE));
    cr_expect(eq(str, spf.detail, "missing.example: no SPF record"));
    cr_expect(strncmp(spf.received_spf, "none (", 6) == 0, "%s", spf.received_spf);
    check("192.0.2.1", "h.test", "a@other.example");
    cr_expect(eq(int, spf.result, RC_SPF_NONE));
}

Test(spf, servfail_is_temperror_not_invalid)
{
    fakedns_add(dns, "broken.example", RC_T_TXT, FAKE_SERVFAIL, NULL, 0);
    check("192.0.2.1", "h.test", "a@broken.example");
    cr_assert(eq(int, spf.result, RC_SPF_TEMPERROR));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_TEMPERROR));
    cr_expect(strstr(spf.detail, "DNS lookup failed") != NULL, "%s", spf.detail);
    cr_expect(strncmp(spf.received_spf, "temperror (", 11) == 0, "%s", spf.received_spf);
}

Test(spf, syntax_error_is_permerror_not_invalid)
{
    txt("bad.example", "v=spf1 foo:bar -all");
    check("192.0.2.1", "h.test", "a@bad.example");
    cr_assert(eq(int, spf.result, RC_SPF_PERMERROR));
    cr_expect(eq(int, spf.check, RC_CHK_SPF_PERMERROR));
    cr_expect(strstr(spf.detail, "syntax error") != NULL, "%s", spf.detail);
    cr_expect(strncmp(spf.received_spf, "permerror (", 11) == 0, "%s", spf.received_spf);
}

Test(spf, temperror_inside_include)
{
    txt("inc.example", "v=spf1 include:dead.example -all");
    fakedns_add(dns, "dead.example", RC_T_TXT, FAKE_SERVFAIL, NULL, 0);
    check("192.0.2.1", "h.test", "a@inc.example");
    cr_expect(eq(int, spf.result, RC_SPF_TEMPERROR));
}

Test(spf, deadline_is_temperror)
{
    long long t0 = rc_now_ms();

    fakedns_add(dns, "slow.example", RC_T_TXT, FAKE_DROP, NULL, 0);
    check_budget(500, "192.0.2.1", "h.test", "a@slow.example");
    cr_expect(eq(int, spf.result, RC_SPF_TEMPERROR));
    cr_expect(le(llong, rc_now_ms() - t0, 800));
    cr_expect(strstr(spf.detail, "timeout") != NULL, "%s", spf.detail);
}

Test(spf, deadline_inside_evaluation)
{
    txt("t.example", "v=spf1 a:slow.example -all");
    fakedns_add(dns, "slow.example", RC_T_A, FAKE_DROP, NULL, 0);
    check_budget(500, "192.0.2.1", "h.test", "a@t.example");
    cr_expect(eq(int, spf.result, RC_SPF_TEMPERROR));
    cr_expect(spf.timed_out);
}

/* ---- RFC 7208 4.6.4 limits ---- */

Test(spf, ten_terms_cumulative_across_include)
{
    /* libspf2 alone: 9 includes x 9 a: = 91 lookups and "fail" */
    char    top[600] = "v=spf1", inc[64];

    for (int i = 0; i < 9; i++) {
	snprintf(inc, sizeof(inc), "i%d.example", i);
	txt(inc, "v=spf1 a:h1.example a:h2.example a:h3.example a:h4.example a:h5.example "
	    "a:h6.example a:h7.example a:h8.example a:h9.example");
	snprintf(top + strlen(top), sizeof(top) - strlen(top), " include:%s", inc);
    }
    strcat(top, " -all");
    txt("many.example", top);
    for (int i = 1; i <= 9; i++) {
	snprintf(inc, sizeof(inc), "h%d.example", i);
	addr(inc, "203.0.113.9");
    }
    check("192.0.2.1", "h.test", "a@many.example");
    cr_assert(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(spf.limit_exceeded);
    cr_expect(eq(int, spf.terms, 11));
    cr_expect(strstr(spf.detail, "more than 10 DNS-querying terms") != NULL, "%s",
	      spf.detail);
    cr_expect(le(int, spf.queries, 12), "%d queries", spf.queries);
    cr_expect(strncmp(spf.received_spf, "permerror (", 11) == 0, "%s", spf.received_spf);
}

Test(spf, ten_terms_at_limit_pass)
{
    txt("ten.example", "v=spf1 a:h.example a:h.example a:h.example a:h.example "
	"include:i.example a:h.example ip4:192.0.2.1 -all");
    txt("i.example", "v=spf1 a:h.example a:h.example a:h.example a:h.example");
    addr("h.example", "203.0.113.9");
    check("192.0.2.1", "h.test", "a@ten.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.detail);
    cr_expect(eq(int, spf.terms, 10));
    cr_expect(eq(int, fakedns_count(dns, "h.example", RC_T_A), 1), "answers are cached");
}

Test(spf, redirect_counts_as_a_term)
{
    txt("r0.example", "v=spf1 a:h.example a:h.example a:h.example a:h.example a:h.example "
	"redirect=r1.example");
    txt("r1.example", "v=spf1 a:h.example a:h.example a:h.example a:h.example "
	"a:h.example -all");
    addr("h.example", "203.0.113.9");
    check("192.0.2.1", "h.test", "a@r0.example");
    cr_expect(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(eq(int, spf.terms, 11));
}

Test(spf, void_lookups)
{
    txt("v2.example", "v=spf1 a:n1.example exists:n2.example ?all");
    txt("v3.example", "v=spf1 a:n1.example exists:n2.example a:n3.example ip4:192.0.2.1 "
	"-all");
    fakedns_add(dns, "n1.example", RC_T_A, FAKE_NODATA, NULL, 0);
    check("192.0.2.1", "h.test", "a@v2.example");
    cr_expect(eq(int, spf.result, RC_SPF_NEUTRAL), "%s", spf.detail);
    cr_expect(eq(int, spf.void_lookups, 2));
    check("192.0.2.1", "h.test", "a@v3.example");
    cr_expect(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(eq(int, spf.void_lookups, 3));
    cr_expect(strstr(spf.detail, "void") != NULL, "%s", spf.detail);
}

Test(spf, ptr_names_beyond_ten_are_ignored)
{
    /* libspf2 alone: permerror for more than 10 PTR names */
    char    names[800] = "";

    for (int i = 0; i < 12; i++)
	snprintf(names + strlen(names), sizeof(names) - strlen(names), "%sh%d.ptr.example",
		 i ? " " : "", i);
    fakedns_add(dns, "1.2.0.192.in-addr.arpa", RC_T_PTR, FAKE_ANSWER, names, 0);
    addr("h11.ptr.example", "192.0.2.1");	/* only the 12th name matches */
    addr("h0.ptr.example", "203.0.113.1");
    txt("ptr.example", "v=spf1 ptr -all");
    check("192.0.2.1", "h.test", "a@ptr.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL), "%s", spf.detail);
    cr_expect(eq(int, spf.terms, 1));
    cr_expect(le(int, fakedns_count(dns, NULL, RC_T_A), 10));
    addr("h3.ptr.example", "192.0.2.1");
    fakedns_add(dns, "h1.ptr.example", RC_T_A, FAKE_SERVFAIL, NULL, 0);
    check("192.0.2.1", "h.test", "a@ptr.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s (a failing name is skipped)", spf.detail);
}

/* ---- bounces: the HELO identity ---- */

Test(spf, bounce_uses_helo)
{
    txt("mail.client.example", "v=spf1 ip4:192.0.2.1 -all");
    check("192.0.2.1", "mail.client.example", "");
    cr_assert(eq(int, spf.result, RC_SPF_PASS), "%s", spf.detail);
    cr_expect(spf.helo_identity);
    cr_expect(eq(str, spf.domain, "mail.client.example"));
    cr_expect(strstr(spf.detail, "(HELO)") != NULL, "%s", spf.detail);
    cr_expect(strstr(spf.received_spf, "envelope-from=postmaster@mail.client.example;")
	      != NULL, "%s", spf.received_spf);
    cr_expect(strstr(spf.received_spf, "identity=helo;") != NULL, "%s", spf.received_spf);
}

Test(spf, bounce_without_usable_helo_is_skipped)
{
    static const char *bad[] = {"", "[192.0.2.1]", "localhost", "192.0.2.1", "2001:db8::1",
	"a..b.example", "-"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	check("192.0.2.1", bad[i], "");
	cr_expect(eq(int, spf.result, RC_SPF_SKIP), "HELO \"%s\"", bad[i]);
	cr_expect(eq(str, spf.received_spf, ""));
	cr_expect(strstr(spf.detail, "HELO") != NULL, "%s", spf.detail);
    }
    cr_expect(eq(int, fakedns_count(dns, NULL, FAKE_ANY), 0));
}

Test(spf, unusable_client_is_skipped)
{
    check("not-an-ip", "h.test", "a@example.net");
    cr_expect(eq(int, spf.result, RC_SPF_SKIP));
    check("", "h.test", "a@example.net");
    cr_expect(eq(int, spf.result, RC_SPF_SKIP));
}

Test(spf, ipv6_and_mapped_ipv4)
{
    txt("six.example", "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all");
    check("2001:db8::25", "h.test", "a@six.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS));
    check("::ffff:192.0.2.9", "h.test", "a@six.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS));
    cr_expect(strstr(spf.received_spf, "client-ip=192.0.2.9;") != NULL, "%s", spf.received_spf);
    check("2001:db9::25", "h.test", "a@six.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL));
}

/* ---- hostile text ---- */

Test(spf, received_spf_is_one_printable_line)
{
    txt("x.example", "v=spf1 -all");
    check("192.0.2.1", "evil\r\nX-Injected: yes", "a\r\nX-Bad: 1\x01\xff@x.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL));
    cr_expect(printable(spf.received_spf), "%s", spf.received_spf);
    cr_expect(printable(spf.detail), "%s", spf.detail);
    cr_expect(strchr(spf.received_spf, '\r') == NULL && strchr(spf.received_spf, '\n') == NULL);
}

static char logged[4096];
static int nlogged;

static void
logfn(int level, const char *msg)
{
    nlogged++;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d %s\n", level, msg);
}

Test(spf, libspf2_never_writes_to_stderr)
{
    char    path[] = "/tmp/rc-spf-stderr-XXXXXX";
    int     fd = mkstemp(path), saved = dup(2);
    struct stat st;

    cr_assert(fd >= 0 && saved >= 0);
    txt("e.example", "v=spf1 a:%{x}.example -all");	/* an error libspf2 would report */
    txt("ok.example", "v=spf1 -all exp=why.example");
    txt("why.example", "%{i} is not welcome");
    fflush(stderr);
    dup2(fd, 2);
    check("192.0.2.1", "h.test", "a@e.example");
    check("192.0.2.1", "h.test", "a@ok.example");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cr_assert(fstat(fd, &st) == 0);
    close(fd);
    unlink(path);
    cr_expect(eq(long, (long) st.st_size, 0L), "something was written to stderr");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL));
}

/* ---- the record layer: RFC 7208 syntax and the libspf2 rewrite ---- */

static char *
prep(const char *rec, bool v4)
{
    static char why[200];
    bool    nomem;

    return (rc_spfrec_prepare(rec, strlen(rec), v4, v4 ? "192.0.2.1" : "2001:db8::1",
			      why, sizeof(why), &nomem));
}

Test(spf, record_rewrite)
{
    static const struct {
	const char *in, *v4, *v6;
    } t[] = {
	{"v=spf1 redirect=r.example a -all", "v=spf1 a -all", "v=spf1 a -all"},
	{"v=spf1 redirect=r.example a", "v=spf1 a redirect=r.example",
	 "v=spf1 a redirect=r.example"},
	{"v=spf1 foo=bar exp=e.example mx", "v=spf1 mx exp=e.example",
	 "v=spf1 mx exp=e.example"},
	{"v=spf1 ip4:0.0.0.0/0 ip6:::/0", "v=spf1 ip4:192.0.2.1 ip6:::",
	 "v=spf1 ip4:0.0.0.0 ip6:2001:db8::1"},
	{"v=spf1 a/0 -mx:m.example/24//0", "v=spf1 a:%{d}._rc-cidr0 -mx:m.example/24",
	 "v=spf1 a -mx:m.example._rc-cidr0"},
	{"V=SPF1  +a:x.example.  ~all ", "v=spf1 +a:x.example. ~all",
	 "v=spf1 +a:x.example. ~all"},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	char   *a = prep(t[i].in, true), *b = prep(t[i].in, false);

	cr_assert(a != NULL && b != NULL, "%s", t[i].in);
	cr_expect(eq(str, a, (char *) t[i].v4), "%s", t[i].in);
	cr_expect(eq(str, b, (char *) t[i].v6), "%s", t[i].in);
	free(a);
	free(b);
    }
}

Test(spf, record_syntax_errors)
{
    static const char *bad[] = {"v=spf1 a:foo", "v=spf1 a:111.222.33.44", "v=spf1 mx:x.com:80",
	"v=spf1 a:", "v=spf1 exp=", "v=spf1 exp=a.example exp=b.example",
	"v=spf1 redirect=a.example redirect=a.example", "v=spf1 ip4:1.2.3.4/032",
	"v=spf1 ip4:1.2.3.4/33", "v=spf1 ip6:::1/129", "v=spf1 ptr/24", "v=spf1 all:x",
	"v=spf1 exists:%(ir).example", "v=spf1 exists:x%.example", "v=spf1 +exp=x.example",
	"v=spf1 -all exp=%{r}.example", "v=spf1 a:%{d0}.example", "v=spf1 moo",
	"v=spf1 foo=%abc", "v=spf1 ip4:1.2.3", "v=spf1 a:x.example//0/24"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	char   *out = prep(bad[i], true);

	cr_expect(out == NULL, "accepted: %s -> %s", bad[i], out ? out : "");
	free(out);
    }
}

/* ---- CVE-2023-42118 ---- */

/* macros - "%{d}" n times, then lit m times, into a malloc'ed string */
static char *
macros(const char *prefix, int n, const char *lit, int m, const char *suffix)
{
    size_t  len = strlen(prefix) + 4 * (size_t) n + strlen(lit) * (size_t) m + strlen(suffix);
    char   *s = malloc(len + 1), *p = s;

    cr_assert(s != NULL);
    p += sprintf(p, "%s", prefix);
    for (int i = 0; i < n; i++)
	p += sprintf(p, "%%{d}");
    for (int i = 0; i < m; i++)
	p += sprintf(p, "%s", lit);
    sprintf(p, "%s", suffix);
    return (s);
}

Test(spf, cve_screen_shapes)
{
    static const struct {
	const char *prefix;
	int     n;
	const char *lit;
	int     m;
	const char *suffix;
	bool    record, want;
    } t[] = {
	/* explanations: compiled whole into a 520-byte stack buffer */
	{"", 127, "x", 1, "", false, true},
	{"", 127, "", 0, "", false, false},	/* nothing written after */
	{"", 126, "x", 1, "", false, false},	/* 504: a literal still fits the check */
	{"", 127, "%-", 1, "", false, true},
	{"", 127, "%%", 1, "", false, true},
	{"Sorry ", 125, "x", 1, "", false, false},	/* 12 + 4*124 = 508: the 125th stops it */
	{"ab", 125, "x", 1, "", false, true},	/* align(4+2)=8, then 125 macros: 508 */
	{"", 128, "x", 1, "", false, false},	/* 512 > 511: libspf2 stops first */
	/* records: a term's domain-spec or modifier value */
	{"v=spf1 a:", 127, "%-", 1300, ".example -all", true, true},
	{"v=spf1 a:", 126, "x", 3700, ".example/24 -all", true, true},	/* CIDR first */
	{"v=spf1 exp=", 127, "x", 10, ".example -all", true, true},
	{"v=spf1 foo=", 127, "x", 10, "", true, true},
	{"v=spf1 a:", 20, "x", 10, ".example -all", true, false},
	{"v=spf1 include:_spf.google.com ~all", 0, "", 0, "", true, false},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	char   *s = macros(t[i].prefix, t[i].n, t[i].lit, t[i].m, t[i].suffix);

	cr_expect(eq(int, rc_spf_cve_2023_42118(s, strlen(s), t[i].record), t[i].want),
		  "case %zu: %.40s... (%zu bytes)", i, s, strlen(s));
	free(s);
    }
}

/*
 * crashes - does the installed libspf2 survive compiling this text? Run in
 * a child: the overflow smashes the stack (__stack_chk_fail -> SIGABRT).
 */
static bool
crashes(const char *text, bool record)
{
    pid_t   pid;
    int     st;

    fflush(NULL);
    if ((pid = fork()) == 0) {
	SPF_server_t *srv;
	SPF_response_t *resp;

	/* quiet: the child's own stderr goes nowhere */
	int     nul = open("/dev/null", O_WRONLY);

	if (nul >= 0)
	    dup2(nul, 2);
#if defined(__SANITIZE_ADDRESS__)
	/* a sanitizer's view of the smashed stack is no finding of ours */
	__sanitizer_set_report_path("stderr");
#endif
	srv = SPF_server_new(SPF_DNS_CACHE, 0);
	resp = SPF_response_new(NULL);
	if (record) {
	    SPF_record_t *rec = NULL;

	    SPF_record_compile(srv, resp, &rec, text);
	} else {
	    SPF_macro_t *m = NULL;

	    SPF_record_compile_macro(srv, resp, &m, text);
	}
	_exit(0);
    }
    cr_assert(pid > 0);
    cr_assert(waitpid(pid, &st, 0) == pid);
    return (!(WIFEXITED(st) && WEXITSTATUS(st) == 0));
}

Test(spf, cve_installed_libspf2_is_vulnerable_and_screen_agrees)
{
    /*
     * The screen's prediction against the real library, explanation
     * strings (the small buffer: any write past it reaches the canary):
     * n macros, then a literal of 16 bytes.
     */
    for (int pre = 0; pre <= 6; pre += 2) {
	for (int n = 120; n <= 129; n++) {
	    char    prefix[8];
	    char   *s;

	    memset(prefix, 'p', (size_t) pre);
	    prefix[pre] = 0;
	    s = macros(prefix, n, "abcdefghijklmnop", 1, "");
	    cr_expect(eq(int, crashes(s, false), rc_spf_cve_2023_42118(s, strlen(s), false)),
		      "prefix %d, %d macros", pre, n);
	    free(s);
	}
    }
    {
	char   *s = macros("v=spf1 a:", 127, "%-", 1300, ".example -all");

	cr_expect(crashes(s, true), "libspf2 survived the crafted record: fixed upstream? "
		  "update SECURITY.md");
	cr_expect(rc_spf_cve_2023_42118(s, strlen(s), true));
	free(s);
    }
}

Test(spf, cve_record_refused_through_the_dns_layer)
{
    /* under SANITIZE=1 this runs with AddressSanitizer: no crash, permerror */
    char   *rec = macros("v=spf1 a:", 127, "%-", 1300, ".example -all");

    nlogged = 0;
    logged[0] = 0;
    rc_spf_set_log(logfn);
    txt("cve.example", rec);
    txt("inc.example", "v=spf1 include:cve.example ~all");
    check("192.0.2.1", "h.test", "a@cve.example");
    cr_assert(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(spf.cve_refused);
    cr_expect(strstr(spf.detail, "CVE-2023-42118") != NULL, "%s", spf.detail);
    cr_expect(strstr(logged, "CVE-2023-42118") != NULL, "log: %s", logged);
    check("192.0.2.1", "h.test", "a@inc.example");	/* the same, included */
    cr_expect(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(spf.cve_refused);
    free(rec);
}

Test(spf, cve_explanation_refused_through_the_dns_layer)
{
    char   *exp = macros("", 127, "x", 1, "");

    txt("fx.example", "v=spf1 -all exp=exp.fx.example");
    txt("exp.fx.example", exp);
    check("192.0.2.1", "h.test", "a@fx.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL), "%s", spf.detail);
    cr_expect(spf.cve_refused);
    cr_expect(ge(int, fakedns_count(dns, "exp.fx.example", RC_T_TXT), 1));
    free(exp);
}

/* ---- one server for many messages ---- */

Test(spf, server_reused_and_restarted)
{
    txt("a.example", "v=spf1 ip4:192.0.2.1 -all");
    for (int i = 0; i < 5; i++) {
	check("192.0.2.1", "h.test", "a@a.example");
	cr_expect(eq(int, spf.result, RC_SPF_PASS));
    }
    rc_spf_shutdown();
    check("192.0.2.2", "h.test", "a@a.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL));
}

/* ---- loopback clients: evaluated like any other (issue 12, item 1) ---- */

Test(spf, loopback_client_is_evaluated_not_waved_through)
{
    /* libspf2's query_mailfrom answers pass for 127/8 and ::1 without DNS */
    static const char *lo[] = {"127.0.0.1", "::1", "::ffff:127.0.0.5"};

    txt("deny.example", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
    txt("lo4.example", "v=spf1 ip4:127.0.0.0/8 -all");
    txt("lo6.example", "v=spf1 ip6:::1 -all");
    for (size_t i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
	check(lo[i], "h.test", "a@deny.example");
	cr_expect(eq(int, spf.result, RC_SPF_FAIL), "%s: %s", lo[i], spf.received_spf);
	cr_expect(strstr(spf.received_spf, "localhost") == NULL, "%s: %s", lo[i],
		  spf.received_spf);
	cr_expect(strncmp(spf.received_spf, "fail ", 5) == 0, "%s: %s", lo[i],
		  spf.received_spf);
	cr_expect(eq(int, fakedns_count(dns, "deny.example", RC_T_TXT), (int) i + 1),
		  "%s: the record was not read", lo[i]);
    }
    check("127.0.0.1", "h.test", "a@lo4.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.received_spf);
    check("::ffff:127.0.0.5", "h.test", "a@lo4.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.received_spf);
    check("::1", "h.test", "a@lo4.example");
    cr_expect(eq(int, spf.result, RC_SPF_FAIL), "%s", spf.received_spf);
    check("::1", "h.test", "a@lo6.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.received_spf);
    check("127.0.0.1", "h.test", "a@missing.example");
    cr_expect(eq(int, spf.result, RC_SPF_NONE), "%s", spf.received_spf);
}

/* ---- Received-SPF: folded, complete (issue 12, item 3) ---- */

/*
 * expect_folded - "Received-SPF: <value>" as the adapter adds it: no
 * physical line over 998 characters (RFC 5322 2.1.1), continuation lines
 * start with a tab, every key=value part is there and the value ends in
 * ';'. parts: NULL-terminated, searched in the unfolded text.
 */
static void
expect_folded(const char *value, const char *const *parts)
{
    char    full[8192], unfolded[8192];
    const char *line = full;
    size_t  u = 0;

    cr_assert(lt(sz, strlen(value) + 16, sizeof(full)));
    snprintf(full, sizeof(full), "Received-SPF: %s", value);
    for (;;) {
	const char *nl = strchr(line, '\n');
	size_t  len = nl ? (size_t) (nl - line) : strlen(line);

	cr_expect(le(sz, len, 998), "a line of %zu characters: %.60s...", len, line);
	cr_expect(line == full || line[0] == '\t', "not folded with a tab: %.60s", line);
	memcpy(unfolded + u, line, len);
	u += len;
	if (nl == NULL)
	    break;
	line = nl + 1;
    }
    unfolded[u] = 0;
    cr_expect(u > 0 && unfolded[u - 1] == ';', "does not end in ';': ...%s",
	      unfolded + (u > 40 ? u - 40 : 0));
    for (size_t i = 0; parts[i] != NULL; i++)
	cr_expect(strstr(unfolded, parts[i]) != NULL, "no \"%s\" in %s", parts[i], unfolded);
}

/* longname - n characters of a DNS name made of 63-character labels, then suffix */
static void
longname(char *dst, size_t n, const char *suffix)
{
    size_t  i, s = strlen(suffix);

    for (i = 0; i + s < n; i++)
	dst[i] = (i % 64 == 63) ? '.' : 'a' + (char) (i % 26);
    if (i > 0 && dst[i - 1] == '.')
	dst[i - 1] = 'z';
    memcpy(dst + i, suffix, s + 1);
}

Test(spf, received_spf_at_exims_limits_is_folded)
{
    /* a 256-character sender, a 252-character HELO, IPv6, a permerror naming a long domain */
    char    dom[200], local[64], sender[300], helo[260], inc[260], rec[400];
    char    ef[320], he[270];
    const char *parts[] = {"client-ip=2001:db8:ffff:ffff:ffff:ffff:ffff:fffe;", ef, he,
	"identity=mailfrom;", NULL};

    receiver = "mx01.relay-cluster.example";	/* 26 characters */
    longname(dom, 191, ".example");
    memset(local, 'l', 63);
    local[63] = 0;
    snprintf(sender, sizeof(sender), "%s@%s", local, dom);
    cr_assert(eq(sz, strlen(sender), 255));
    longname(helo, 252, ".helo.example");
    longname(inc, 250, ".inc.example");
    snprintf(rec, sizeof(rec), "v=spf1 include:%s -all", inc);
    txt(dom, rec);
    txt(inc, "v=spf1 -all|v=spf1 ?all");	/* permerror: "<inc> has 2 SPF records" */
    snprintf(ef, sizeof(ef), "envelope-from=%s;", sender);
    snprintf(he, sizeof(he), "helo=%s;", helo);
    check("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", helo, sender);
    cr_expect(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    cr_expect(strchr(spf.received_spf, '\n') != NULL, "not folded: %s", spf.received_spf);
    expect_folded(spf.received_spf, parts);

    /* the same through libspf2's own header text, which it cuts at 480 bytes */
    snprintf(rec, sizeof(rec), "v=spf1 ip6:2001:db8::/32 -all");
    txt(dom, rec);
    check("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", helo, sender);
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.detail);
    expect_folded(spf.received_spf, parts);
    /* and a void-lookup permerror, whose text names the domain */
    snprintf(rec, sizeof(rec), "v=spf1 a:%.60s a:%.60s a:%.60s -all", inc, inc + 64, inc + 128);
    txt(dom, rec);
    check("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", helo, sender);
    cr_expect(eq(int, spf.result, RC_SPF_PERMERROR), "%s", spf.detail);
    expect_folded(spf.received_spf, parts);
}

Test(spf, received_spf_hostile_inputs_stay_folded)
{
    /* the longest inputs rc_spf_check() evaluates, every byte escaped to four */
    char    sender[1100], helo[1100];
    const char *parts[] = {"client-ip=192.0.2.1;", "envelope-from=", "helo=",
	"identity=mailfrom;", NULL};

    memset(sender, 0xff, 1000);
    memcpy(sender + 1000, "@x.example", 11);
    memset(helo, 0xfe, 1024);
    helo[1024] = 0;
    txt("x.example", "v=spf1 -all");
    check("192.0.2.1", helo, sender);
    cr_expect(eq(int, spf.result, RC_SPF_FAIL), "%s", spf.detail);
    expect_folded(spf.received_spf, parts);

    /* every comment character quoted: a domain, a HELO and a host name of ')' */
    {
	char    host[256];

	memset(host, ')', 255);
	host[255] = 0;
	receiver = host;
	memset(sender, 0xff, 600);
	sender[600] = '@';
	memset(sender + 601, ')', 250);
	memcpy(sender + 851, ".example", 9);
	memset(helo, '(', 1000);
	helo[1000] = 0;
	check("2001:db8::1", helo, sender);
	receiver = "mx.receiver.test";
	cr_expect(eq(int, spf.result, RC_SPF_NONE), "%s", spf.detail);
	cr_expect(strncmp(spf.received_spf, "none (\\)\\)", 10) == 0, "%.40s",
		  spf.received_spf);
	parts[0] = "client-ip=2001:db8::1;";
	expect_folded(spf.received_spf, parts);
    }
}

/* ---- an abort while libspf2 is on the stack (issue 12, item 4) ---- */

static sigjmp_buf abort_env;
static int saved_error_calls;
static void (*inside_error) (const char *, int, const char *);

static void __attribute__((noreturn))
saved_error(const char *file, int line, const char *msg)
{
    (void) file;
    (void) line;
    (void) msg;
    saved_error_calls++;
    siglongjmp(abort_env, 2);
}

static void
saved_other(const char *file, int line, const char *msg)
{
    (void) file;
    (void) line;
    (void) msg;
}

static void
on_abort(int sig)
{
    (void) sig;
    siglongjmp(abort_env, 1);
}

/* abort_in_log - what a libspf2 abort looks like to the module: SIGABRT inside it */
static void
abort_in_log(int level, const char *msg)
{
    (void) level;
    (void) msg;
    inside_error = SPF_error_handler;
    abort();
}

Test(spf, abort_inside_libspf2_restores_the_handlers)
{
    char   *rec = macros("v=spf1 a:", 127, "%-", 1300, ".example -all");	/* logs */
    struct sockaddr_storage ss;
    struct sigaction sa, old;
    RC_RESOLVER r;
    char    err[200];

    SPF_error_handler = saved_error;
    SPF_warning_handler = saved_other;
    SPF_info_handler = saved_other;
    SPF_debug_handler = saved_other;
    txt("cve.example", rec);
    fakedns_sockaddr(dns, &ss);
    cr_assert(rc_resolver_open(&r, &ss, 1, NULL, 3000, err, sizeof(err)), "%s", err);
    rc_spf_set_log(abort_in_log);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_abort;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, &old);
    if (sigsetjmp(abort_env, 1) == 0) {
	rc_spf_check(&spf, &r, "192.0.2.1", "h.test", "a@cve.example", "mx.receiver.test");
	cr_fail("no abort");
    }
    rc_spf_abandon();			/* what the abort guard does */
    sigaction(SIGABRT, &old, NULL);
    rc_spf_set_log(NULL);
    rc_resolver_close(&r);
    free(rec);

    cr_assert(inside_error != NULL && inside_error != saved_error);
    cr_expect(SPF_error_handler == saved_error, "the error handler is still the module's");
    cr_expect(SPF_warning_handler == saved_other && SPF_info_handler == saved_other
	      && SPF_debug_handler == saved_other, "a log handler is still the module's");

    /* Exim's own SPF code calls SPF_error(): it reaches the saved handler */
    saved_error_calls = 0;
    if (sigsetjmp(abort_env, 1) == 0)
	SPF_error("late error, no module frame");
    cr_expect(eq(int, saved_error_calls, 1));
    /* the module's handler, called with no jump armed, chains to the saved one */
    if (sigsetjmp(abort_env, 1) == 0)
	inside_error("test", 1, "late error through the module's handler");
    cr_expect(eq(int, saved_error_calls, 2));

    /* and the next check works, with its own handlers in and out again */
    txt("ok.example", "v=spf1 ip4:192.0.2.1 -all");
    check("192.0.2.1", "h.test", "a@ok.example");
    cr_expect(eq(int, spf.result, RC_SPF_PASS), "%s", spf.detail);
    cr_expect(SPF_error_handler == saved_error);
}
