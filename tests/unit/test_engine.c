/*
 * test_engine.c - facts -> allowlist -> PTR/FCrDNS checks -> findings ->
 * score -> action, with rc_engine_check() talking to fakedns; and the
 * score/action table of rc_verdict_decide()
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnscheck/engine.h"
#include "dnscheck/report.h"
#include "dnscheck/resolver.h"
#include "fakedns.h"
#include "testutil.h"

#define CLIENT		"192.0.2.66"
#define CLIENT_PTR	"66.2.0.192.in-addr.arpa"
#define CLIENT6		"2001:db8::25"
#define CLIENT6_PTR	"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"

/* The PTR checks alone: HELO, sender domain, SPF and generic-name checks off. */
#define NO_OTHERS \
    "helo_bare_ip = 0\nhelo_not_fqdn = 0\nhelo_mismatch = 0\nhelo_wrong_ip = 0\n" \
    "helo_is_us = 0\nhelo_generic = 0\nsender_domain_unresolvable = 0\n" \
    "spf_fail = 0\nspf_softfail = 0\nspf_none = 0\nspf_permerror = 0\n"
#define ONLY_PTR "[scores]\nptr_generic = 0\n" NO_OTHERS

static FAKEDNS *dns;
static RC_CONFIG *cfg;
static RC_VERDICT v;

static void
setup(void)
{
    dns = fakedns_start();
    cr_assert(dns != NULL);
    cfg = NULL;
    memset(&v, 0, sizeof(v));
}

static void
teardown(void)
{
    rc_config_free(cfg);
    fakedns_stop(dns);
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 10.0);

/*
 * config - [relaycheck] pointing at fakedns with the given budget, then
 * `rest' (more [relaycheck] keys first, then other sections)
 */
static void __attribute__((format(printf, 2, 3)))
config(const char *timeout, const char *rest,...)
{
    char   *body = NULL, *text;
    va_list ap;

    va_start(ap, rest);
    cr_assert(vasprintf(&body, rest, ap) >= 0);
    va_end(ap);
    text = xasprintf("[relaycheck]\nnameservers = 127.0.0.1:%d\ndns_timeout = %s\n%s",
		     fakedns_port(dns), timeout, body);
    cfg = parse_ok(text);
    free(text);
    free(body);
}

static void
check(const char *ip)
{
    RC_FACTS f = {.ip = ip, .helo = "", .sender = "someone@sender.example"};

    rc_engine_check(cfg, &f, NULL, &v);
}

static void
check_facts(const RC_FACTS *f)
{
    rc_engine_check(cfg, f, NULL, &v);
}

/* expect_finding - finding i is exactly this */
static void
expect_finding(size_t i, RC_CHECK c, RC_STATUS st, int score, const char *text,
	       const char *detail)
{
    cr_assert(lt(sz, i, v.nfindings), "finding %zu of %zu", i, v.nfindings);
    cr_expect(eq(str, (char *) rc_checkinfo[v.findings[i].check].id,
		 (char *) rc_checkinfo[c].id), "finding %zu", i);
    cr_expect(eq(str, (char *) rc_status_name(v.findings[i].status),
		 (char *) rc_status_name(st)), "finding %zu", i);
    cr_expect(eq(int, v.findings[i].score, score), "finding %zu", i);
    cr_expect(eq(str, v.findings[i].text, (char *) text), "finding %zu", i);
    if (detail)
	cr_expect(eq(str, v.findings[i].detail, (char *) detail), "finding %zu", i);
}

/* detail_ms - "<prefix>N ms" with N in [lo, hi] */
static void
expect_detail_ms(size_t i, const char *prefix, long lo, long hi)
{
    const char *d = v.findings[i].detail;
    size_t  pl = strlen(prefix);
    long    n = -1;

    cr_assert(eq(int, strncmp(d, prefix, pl), 0), "detail \"%s\", want \"%s...\"", d, prefix);
    cr_assert(eq(int, sscanf(d + pl, "%ld ms", &n), 1), "detail \"%s\"", d);
    cr_expect(ge(long, n, lo), "detail \"%s\"", d);
    cr_expect(le(long, n, hi), "detail \"%s\"", d);
}

static int
queries(void)
{
    return (fakedns_count(dns, NULL, FAKE_ANY));
}

/* ---- PTR and forward confirmation ---- */

Test(engine, no_ptr_record_nxdomain)
{
    char    line[200];

    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", CLIENT);
    cr_expect(eq(int, v.score, 8));
    cr_expect(eq(int, v.action, RC_ACCEPT));
    cr_expect(not(v.temp_seen));
    rc_report_finding(&v.findings[0], line, sizeof(line));
    cr_expect(eq(str, line, "+8 Relay Host: No DNS PTR record (192.0.2.66)"));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
    cr_expect(eq(int, queries(), 1));
    cr_expect(eq(int, v.queries, 1));
}

Test(engine, no_ptr_record_nodata)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NODATA, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", CLIENT);
    cr_expect(eq(int, v.score, 8));
}

Test(engine, ptr_forward_confirmed)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_ANSWER, "198.51.100.1 " CLIENT, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISMATCH, RC_PASS, 0,
		   "Relay Host: DNS PTR record forward-confirmed", "mail.example.com");
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, v.action, RC_ACCEPT));
    cr_expect(eq(int, fakedns_count(dns, "mail.example.com", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(dns, "mail.example.com", RC_T_AAAA), 0));
    cr_expect(eq(int, queries(), 2));
}

Test(engine, ptr_name_without_address)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_NXDOMAIN, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_PASS, 0, "Relay Host: DNS PTR record present",
		   "mail.example.com");
    expect_finding(1, RC_CHK_PTR_NO_ADDRESS, RC_HIT, 4,
		   "Relay Host: DNS PTR name has no address record",
		   "mail.example.com has no A record");
    cr_expect(eq(int, v.score, 4));
}

Test(engine, ptr_name_without_address_nodata)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_NODATA, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_NO_ADDRESS, RC_HIT, 4,
		   "Relay Host: DNS PTR name has no address record",
		   "mail.example.com has no A record");
}

Test(engine, ptr_name_other_address)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_ANSWER, "198.51.100.1 198.51.100.2", 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_PASS, 0, "Relay Host: DNS PTR record present",
		   "mail.example.com");
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_HIT, 4,
		   "Relay Host: DNS PTR name does not resolve back to the IP",
		   "mail.example.com -> 198.51.100.1, not 192.0.2.66");
    cr_expect(eq(int, v.score, 4));
}

Test(engine, second_ptr_name_confirms)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "a.example.com b.example.com", 0);
    fakedns_add(dns, "a.example.com", RC_T_A, FAKE_ANSWER, "198.51.100.1", 0);
    fakedns_add(dns, "b.example.com", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISMATCH, RC_PASS, 0,
		   "Relay Host: DNS PTR record forward-confirmed", "b.example.com");
    cr_expect(eq(int, v.score, 0));
}

Test(engine, one_name_absent_other_failed_is_temp)
{
    /* the failed lookup might have been the confirming one */
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "a.example.com b.example.com", 0);
    fakedns_add(dns, "a.example.com", RC_T_A, FAKE_NXDOMAIN, NULL, 0);
    fakedns_add(dns, "b.example.com", RC_T_A, FAKE_SERVFAIL, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_TEMP, 0,
		   "Relay Host: forward lookup of DNS PTR name failed", NULL);
    expect_detail_ms(1, "b.example.com: server failure or no answer after ", 0, 200);
    cr_expect(eq(int, v.score, 0));
    cr_expect(v.temp_seen);
}

Test(engine, ptr_servfail_is_temp)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_SERVFAIL, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_TEMP, 0, "Relay Host: DNS PTR lookup failed",
		   NULL);
    expect_detail_ms(0, "192.0.2.66: server failure or no answer after ", 0, 200);
    cr_expect(eq(int, v.score, 0));
    cr_expect(v.temp_seen);
    cr_expect(eq(int, v.action, RC_ACCEPT));
    cr_expect(lt(long, v.elapsed_ms, 500));
}

Test(engine, ptr_servfail_tempreject_on_dns_failure)
{
    config("2s", "on_dns_failure = tempreject\n" ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_SERVFAIL, NULL, 0);
    check(CLIENT);
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, v.action, RC_TEMPREJECT));
}

Test(engine, ptr_timeout_is_temp_within_budget)
{
    config("300ms", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_DROP, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_TEMP, 0, "Relay Host: DNS PTR lookup failed",
		   NULL);
    expect_detail_ms(0, "192.0.2.66: timeout after ", 290, 400);
    cr_expect(eq(int, v.score, 0));
    cr_expect(ge(long, v.elapsed_ms, 300));
    cr_expect(le(long, v.elapsed_ms, 400));
}

Test(engine, forward_timeout_is_temp)
{
    config("300ms", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_DROP, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_PASS, 0, "Relay Host: DNS PTR record present",
		   "mail.example.com");
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_TEMP, 0,
		   "Relay Host: forward lookup of DNS PTR name failed", NULL);
    expect_detail_ms(1, "mail.example.com: timeout after ", 280, 400);
    cr_expect(eq(int, v.score, 0));
    cr_expect(v.temp_seen);
    cr_expect(ge(long, v.elapsed_ms, 300));
    cr_expect(le(long, v.elapsed_ms, 400));
}

Test(engine, slow_chain_within_budget)
{
    /* PTR 150 ms then A 150 ms: the chain's length, within a 1 s budget */
    config("1s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 150);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_ANSWER, CLIENT, 150);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    cr_expect(eq(int, v.findings[0].status, RC_PASS));
    cr_expect(ge(long, v.elapsed_ms, 300));
    cr_expect(lt(long, v.elapsed_ms, 500));
}

Test(engine, ipv6_client)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT6_PTR, RC_T_PTR, FAKE_ANSWER, "mail6.example.com", 0);
    fakedns_add(dns, "mail6.example.com", RC_T_AAAA, FAKE_ANSWER, "2001:db8::1 2001:db8::25", 0);
    fakedns_add(dns, "mail6.example.com", RC_T_A, FAKE_ANSWER, "192.0.2.66", 0);
    check(CLIENT6);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISMATCH, RC_PASS, 0,
		   "Relay Host: DNS PTR record forward-confirmed", "mail6.example.com");
    cr_expect(eq(int, fakedns_count(dns, CLIENT6_PTR, RC_T_PTR), 1));
    cr_expect(eq(int, fakedns_count(dns, "mail6.example.com", RC_T_AAAA), 1));
    cr_expect(eq(int, fakedns_count(dns, "mail6.example.com", RC_T_A), 0));
}

Test(engine, ipv6_client_mismatch_and_missing)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT6_PTR, RC_T_PTR, FAKE_ANSWER, "mail6.example.com", 0);
    fakedns_add(dns, "mail6.example.com", RC_T_AAAA, FAKE_ANSWER, "2001:db8::1", 0);
    check(CLIENT6);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_HIT, 4,
		   "Relay Host: DNS PTR name does not resolve back to the IP",
		   "mail6.example.com -> 2001:db8::1, not 2001:db8::25");
    fakedns_add(dns, CLIENT6_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    check(CLIENT6);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", CLIENT6);
}

Test(engine, ipv6_client_name_with_only_an_a_record)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT6_PTR, RC_T_PTR, FAKE_ANSWER, "mail6.example.com", 0);
    fakedns_add(dns, "mail6.example.com", RC_T_AAAA, FAKE_NODATA, NULL, 0);
    check(CLIENT6);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_NO_ADDRESS, RC_HIT, 4,
		   "Relay Host: DNS PTR name has no address record",
		   "mail6.example.com has no AAAA record");
}

Test(engine, ipv4_mapped_client_is_ipv4)
{
    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check("::ffff:" CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    cr_expect(eq(int, v.findings[0].status, RC_PASS));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
    cr_expect(eq(int, fakedns_count(dns, "mail.example.com", RC_T_AAAA), 0));
}

Test(engine, at_most_max_ptr_names_forward_queries)
{
    char    names[1000];
    size_t  o = 0;

    config("2s", "max_ptr_names = 3\n" ONLY_PTR);
    for (int i = 1; i <= 20; i++)
	o += (size_t) snprintf(names + o, sizeof(names) - o, "h%02d.example.com ", i);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, names, 0);
    fakedns_default(dns, FAKE_NXDOMAIN);
    /* the fifth name would confirm, but it is never looked at */
    fakedns_add(dns, "h05.example.com", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check(CLIENT);
    cr_expect(eq(int, fakedns_count(dns, NULL, RC_T_A), 3));
    cr_expect(eq(int, fakedns_count(dns, "h01.example.com", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(dns, "h03.example.com", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(dns, "h04.example.com", RC_T_A), 0));
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_NO_ADDRESS, RC_HIT, 4,
		   "Relay Host: DNS PTR name has no address record",
		   "h01.example.com has no A record");
}

Test(engine, max_ptr_names_default_is_ten)
{
    char    names[2000];
    size_t  o = 0;

    config("2s", ONLY_PTR);
    for (int i = 1; i <= 40; i++)
	o += (size_t) snprintf(names + o, sizeof(names) - o, "h%02d.example.com ", i);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, names, 0);
    fakedns_default(dns, FAKE_NXDOMAIN);
    check(CLIENT);
    cr_expect(eq(int, fakedns_count(dns, NULL, RC_T_A), 10));
    cr_expect(eq(int, v.queries, 11));
}

Test(engine, hostile_ptr_name_is_escaped)
{
    static const char evil[] = "bad\x07na\"me.example.com";
    char    line[600];

    config("2s", ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, evil, 0);
    fakedns_add(dns, evil, RC_T_A, FAKE_ANSWER, "198.51.100.9", 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 2));
    cr_expect(eq(int, fakedns_count(dns, evil, RC_T_A), 1), "the name looked up as it is");
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_HIT, 4,
		   "Relay Host: DNS PTR name does not resolve back to the IP",
		   "bad\\007na\\\"me.example.com -> 198.51.100.9, not 192.0.2.66");
    for (size_t i = 0; i < v.nfindings; i++)
	for (const char *s = v.findings[i].detail; *s; s++) {
	    bool    printable = *s >= 0x20 && *s < 0x7f;

	    cr_assert(printable, "detail %zu: \"%s\"", i, v.findings[i].detail);
	}
    rc_report_header_report(cfg, &v, line, sizeof(line));
    cr_expect(eq(int, count_lines(line), 2));
}

Test(engine, ptr_checks_disabled_send_no_queries)
{
    config("2s", "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n"
	   "ptr_generic = 0\n" NO_OTHERS);
    fakedns_default(dns, FAKE_NXDOMAIN);
    check(CLIENT);
    cr_expect(eq(sz, v.nfindings, 0));
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, queries(), 0));
    cr_expect(eq(int, v.queries, 0));
}

Test(engine, only_ptr_missing_enabled)
{
    /* forward checks off: a present PTR is reported as present */
    config("2s", "[scores]\nptr_no_address = 0\nptr_mismatch = 0\nptr_generic = 0\n"
	   NO_OTHERS);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.example.com", 0);
    fakedns_add(dns, "mail.example.com", RC_T_A, FAKE_ANSWER, "198.51.100.1", 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_PTR_MISSING, RC_PASS, 0, "Relay Host: DNS PTR record present",
		   "mail.example.com");
    cr_expect(eq(int, v.score, 0));
}

Test(engine, scores_add_up_to_reject)
{
    config("2s", "reject_score = 12\n[scores]\nptr_missing = 12\nptr_generic = 0\n"
	   NO_OTHERS);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    check(CLIENT);
    cr_expect(eq(int, v.score, 12));
    cr_expect(eq(int, v.action, RC_REJECT));
}

Test(engine, no_nameserver_is_temp)
{
    char    path[] = "/tmp/rc-unit-resolv-XXXXXX";
    int     fd = mkstemp(path);
    RC_FACTS f = {.ip = CLIENT, .helo = "", .sender = "", .resolv_conf = path};
    char   *want = xasprintf("no nameserver in %s", path);

    cr_assert(fd >= 0);
    cr_assert(write(fd, "search example.org\n", 19) == 19);
    close(fd);
    cfg = parse_ok("[relaycheck]\n" ONLY_PTR);			/* nameservers from resolv.conf */
    check_facts(&f);
    cr_assert(eq(sz, v.nfindings, 1));
    cr_expect(eq(int, v.findings[0].status, RC_TEMP));
    cr_expect(eq(str, v.findings[0].detail, want));
    cr_expect(eq(int, v.score, 0));
    cr_expect(v.temp_seen);
    unlink(path);
    free(want);
}

/* ---- the No Server Check list ---- */

Test(engine, allowlisted_ip_needs_no_dns)
{
    config("2s", ONLY_PTR "[no_server_check]\nip = 198.51.100.0/24, 192.0.2.0/24\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list",
		   "ip 192.0.2.0/24");
    cr_expect(v.allowlisted);
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, v.action, RC_ACCEPT));
    cr_expect(eq(int, queries(), 0));
}

Test(engine, allowlisted_single_ipv6)
{
    config("2s", ONLY_PTR "[no_server_check]\nip = 2001:db8::25\n");
    check(CLIENT6);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list",
		   "ip 2001:db8::25");
    cr_expect(eq(int, queries(), 0));
}

Test(engine, allowlisted_host_suffix_when_forward_confirmed)
{
    config("2s", "reject_score = 5\n" ONLY_PTR
	   "[no_server_check]\nhost = .partner.example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mx1.out.partner.example", 0);
    fakedns_add(dns, "mx1.out.partner.example", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list",
		   "host .partner.example (mx1.out.partner.example)");
    cr_expect(v.allowlisted);
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, v.action, RC_ACCEPT));
}

Test(engine, allowlisted_host_exact)
{
    config("2s", ONLY_PTR "[no_server_check]\nhost = MX.Partner.Example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mx.partner.example", 0);
    fakedns_add(dns, "mx.partner.example", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list",
		   "host mx.partner.example");
}

Test(engine, host_entry_ignored_without_forward_confirmation)
{
    /* anyone can put partner.example into their own PTR record */
    config("2s", ONLY_PTR "[no_server_check]\nhost = .partner.example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mx.partner.example", 0);
    fakedns_add(dns, "mx.partner.example", RC_T_A, FAKE_ANSWER, "198.51.100.7", 0);
    check(CLIENT);
    cr_expect(not(v.allowlisted));
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(1, RC_CHK_PTR_MISMATCH, RC_HIT, 4,
		   "Relay Host: DNS PTR name does not resolve back to the IP",
		   "mx.partner.example -> 198.51.100.7, not 192.0.2.66");
    cr_expect(eq(int, v.score, 4));
}

Test(engine, host_entry_ignored_when_forward_lookup_fails)
{
    config("2s", ONLY_PTR "[no_server_check]\nhost = .partner.example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mx.partner.example", 0);
    fakedns_add(dns, "mx.partner.example", RC_T_A, FAKE_SERVFAIL, NULL, 0);
    check(CLIENT);
    cr_expect(not(v.allowlisted));
    cr_expect(v.temp_seen);
}

Test(engine, host_entry_needs_the_ptr_chain_even_with_ptr_checks_off)
{
    config("2s", "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n"
	   "ptr_generic = 0\n" NO_OTHERS "[no_server_check]\nhost = .partner.example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mx.partner.example", 0);
    fakedns_add(dns, "mx.partner.example", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    check(CLIENT);
    cr_expect(v.allowlisted);
    cr_expect(eq(int, queries(), 2));
}

Test(engine, allowlisted_domain_without_spf_requirement)
{
    RC_FACTS f = {.ip = CLIENT, .helo = "", .sender = "alice@Mail.Partner.Example"};

    config("2s", ONLY_PTR "[no_server_check]\ndomain = partner.example\n"
	   "domain_requires_spf = no\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    check_facts(&f);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list",
		   "domain partner.example");
    cr_expect(v.allowlisted);
    cr_expect(eq(int, queries(), 0));
}

/*
 * domain_requires_spf = yes (the default): a `domain' entry is honoured
 * only when SPF passes for the sender domain. Anyone can forge the sender.
 */
Test(engine, domain_entry_needs_spf_pass)
{
    RC_FACTS f = {.ip = CLIENT, .helo = "mx.sender.example", .sender = "bob@partner.example"};

    config("2s", ONLY_PTR "[no_server_check]\ndomain = partner.example\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    fakedns_add(dns, "partner.example", RC_T_TXT, FAKE_ANSWER, "v=spf1 ip4:192.0.2.64/28 -all", 0);
    check_facts(&f);
    cr_expect(v.allowlisted);
    cr_assert(eq(sz, v.nfindings, 1));
    cr_expect(eq(int, v.findings[0].check, RC_CHK_ALLOWLIST));
    cr_expect(eq(int, strncmp(v.findings[0].detail, "domain partner.example", 22), 0),
	      "%s", v.findings[0].detail);
    cr_expect(eq(int, v.score, 0));
}

Test(engine, domain_entry_forged_sender_not_honoured)
{
    static const char *const spf[] = {"v=spf1 ip4:198.51.100.0/24 -all", NULL, "v=spf1 ?all"};

    for (int i = 0; i < 3; i++) {
	RC_FACTS f = {.ip = CLIENT, .helo = "mx.sender.example",
		      .sender = "bob@partner.example"};

	rc_config_free(cfg);
	config("2s", ONLY_PTR "[no_server_check]\ndomain = partner.example\n");
	fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
	if (spf[i])
	    fakedns_add(dns, "partner.example", RC_T_TXT, FAKE_ANSWER, spf[i], 0);
	else
	    fakedns_add(dns, "partner.example", RC_T_TXT, FAKE_NXDOMAIN, NULL, 0);
	check_facts(&f);
	cr_expect(not(v.allowlisted), "SPF record %s", spf[i] ? spf[i] : "(none)");
	cr_expect(eq(int, strncmp(v.note, "domain entry partner.example not honoured", 41), 0),
		  "note \"%s\"", v.note);
	cr_expect(eq(int, v.score, 8), "the PTR check still counts");
    }
}

Test(engine, domain_entry_not_matching_sender)
{
    static const char *const senders[] = {
	"alice@notpartner.example", "alice@partner.example.com", "", "partner.example",
	"alice@",
    };

    config("2s", ONLY_PTR "[no_server_check]\ndomain = partner.example\n"
	   "domain_requires_spf = no\n");
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    for (size_t i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
	RC_FACTS f = {.ip = CLIENT, .helo = "", .sender = senders[i]};

	check_facts(&f);
	cr_expect(not(v.allowlisted), "sender \"%s\"", senders[i]);
	cr_expect(eq(int, v.score, 8), "sender \"%s\"", senders[i]);
    }
}

/* ---- who is not checked at all ---- */

struct skip_case {
    char        ip[48];
    bool        authenticated;
    char        extra[80];			/* more [relaycheck] keys */
    char        reason[64];
    char        note[80];
};

ParameterizedTestParameters(engine, skips)
{
    static struct skip_case cases[] = {
	{"", false, "", "local submission", ""},
	{"192.0.2.66", true, "", "authenticated", ""},
	{"127.0.0.1", false, "", "skip_hosts 127.0.0.0/8", ""},
	{"::1", false, "", "skip_hosts ::1", ""},
	{"::ffff:127.0.0.2", false, "", "skip_hosts 127.0.0.0/8", ""},
	{"198.51.100.20", false, "skip_hosts = 198.51.100.0/24\n", "skip_hosts 198.51.100.0/24",
	 ""},
	{"2001:db8::25", false, "skip_hosts = 2001:db8::/32\n", "skip_hosts 2001:db8::/32", ""},
	{"not-an-ip", false, "", "bad client address", "unusable client address not-an-ip"},
	{"192.0.2.66\r\n", false, "", "bad client address",
	 "unusable client address 192.0.2.66\\x0d\\x0a"},
    };

    return (cr_make_param_array(struct skip_case, cases, sizeof(cases) / sizeof(cases[0])));
}

ParameterizedTest(struct skip_case *c, engine, skips)
{
    RC_FACTS f = {.ip = c->ip, .helo = "", .sender = "", .authenticated = c->authenticated};

    config("2s", "%s" ONLY_PTR, c->extra);
    fakedns_default(dns, FAKE_NXDOMAIN);
    check_facts(&f);
    cr_expect(v.skipped);
    cr_expect(eq(str, v.skip_reason, c->reason));
    cr_expect(eq(str, v.note, c->note));
    cr_expect(eq(sz, v.nfindings, 0));
    cr_expect(eq(int, v.score, 0));
    cr_expect(eq(int, v.action, RC_ACCEPT));
    cr_expect(eq(int, queries(), 0));
}

Test(engine, local_submission_null_ip)
{
    RC_FACTS f = {.ip = NULL, .helo = "", .sender = ""};

    config("2s", ONLY_PTR);
    check_facts(&f);
    cr_expect(v.skipped);
    cr_expect(eq(str, v.skip_reason, "local submission"));
    cr_expect(eq(int, queries(), 0));
}

Test(engine, authenticated_checked_when_not_skipped)
{
    RC_FACTS f = {.ip = CLIENT, .helo = "", .sender = "", .authenticated = true};

    config("2s", "skip_authenticated = no\n" ONLY_PTR);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_NXDOMAIN, NULL, 0);
    check_facts(&f);
    cr_expect(not(v.skipped));
    cr_expect(eq(int, v.score, 8));
}

Test(engine, empty_skip_hosts_checks_localhost)
{
    config("2s", "skip_hosts =\n" ONLY_PTR);
    fakedns_add(dns, "1.0.0.127.in-addr.arpa", RC_T_PTR, FAKE_ANSWER, "localhost.example", 0);
    fakedns_add(dns, "localhost.example", RC_T_A, FAKE_ANSWER, "127.0.0.1", 0);
    check("127.0.0.1");
    cr_expect(not(v.skipped));
    cr_expect(eq(int, fakedns_count(dns, "1.0.0.127.in-addr.arpa", RC_T_PTR), 1));
}

/* ---- findings -> score -> action ---- */

struct decide_case {
    int         reject, tempreject;
    bool        dnsfail_tempreject;
    bool        allowlisted, skipped, config_error;
    int         n;
    int         status[4];
    int         score[4];
    int         want_score;
    int         want_action;
    bool        want_temp;
};

#define H RC_HIT
#define T RC_TEMP
#define P RC_PASS
#define S RC_SKIP

static const struct decide_case engine_decide_cases[] = {
	/* reject boundary: equal rejects */
	{15, 0, false, false, false, false, 2, {H, H}, {8, 7}, 15, RC_REJECT, false},
	{15, 0, false, false, false, false, 2, {H, H}, {8, 6}, 14, RC_ACCEPT, false},
	{15, 0, false, false, false, false, 1, {H}, {100}, 100, RC_REJECT, false},
	/* 0 = never reject */
	{0, 0, false, false, false, false, 1, {H}, {100}, 100, RC_ACCEPT, false},
	/* tempreject between */
	{15, 10, false, false, false, false, 1, {H}, {10}, 10, RC_TEMPREJECT, false},
	{15, 10, false, false, false, false, 1, {H}, {9}, 9, RC_ACCEPT, false},
	{15, 10, false, false, false, false, 1, {H}, {15}, 15, RC_REJECT, false},
	{0, 10, false, false, false, false, 1, {H}, {1000}, 1000, RC_TEMPREJECT, false},
	{15, 0, false, false, false, false, 1, {H}, {14}, 14, RC_ACCEPT, false},
	/* PASS and SKIP never score; the checks give TEMP findings score 0 */
	{15, 0, false, false, false, false, 3, {T, P, S}, {0, 20, 20}, 0, RC_ACCEPT, true},
	{15, 0, false, false, false, false, 2, {T, H}, {0, 8}, 8, RC_ACCEPT, true},
	/* but an operator's spf_temperror score counts */
	{15, 0, false, false, false, false, 2, {T, H}, {2, 8}, 10, RC_ACCEPT, true},
	/* on_dns_failure = tempreject */
	{15, 0, true, false, false, false, 1, {T}, {0}, 0, RC_TEMPREJECT, true},
	{15, 0, true, false, false, false, 2, {T, H}, {0, 15}, 15, RC_REJECT, true},
	{15, 0, true, false, false, false, 1, {H}, {3}, 3, RC_ACCEPT, false},
	{15, 0, true, false, false, false, 1, {P}, {0}, 0, RC_ACCEPT, false},
	/* negative scores */
	{15, 0, false, false, false, false, 2, {H, H}, {20, -10}, 10, RC_ACCEPT, false},
	{15, 0, false, false, false, false, 1, {H}, {-5}, -5, RC_ACCEPT, false},
	{15, 10, false, false, false, false, 3, {H, H, H}, {8, 8, -1}, 15, RC_REJECT, false},
	/* allowlisted and skipped messages are accepted whatever they hold */
	{15, 10, true, true, false, false, 2, {H, T}, {100, 0}, 100, RC_ACCEPT, true},
	{15, 10, true, false, true, false, 1, {T}, {0}, 0, RC_ACCEPT, true},
	/* a configuration error is a 451 */
	{15, 0, false, false, false, true, 0, {0}, {0}, 0, RC_TEMPREJECT, false},
	/* nothing found */
	{15, 0, false, false, false, false, 0, {0}, {0}, 0, RC_ACCEPT, false},
};

Test(engine, decide)
{
    for (size_t ci = 0; ci < sizeof(engine_decide_cases) / sizeof(engine_decide_cases[0]); ci++) {
	const struct decide_case *c = &engine_decide_cases[ci];
	RC_CONFIG *d = rc_config_defaults();

	cr_assert(d != NULL);
	memset(&v, 0, sizeof(v));
	d->reject_score = c->reject;
	d->tempreject_score = c->tempreject;
	d->on_dns_failure = c->dnsfail_tempreject ? RC_DNSFAIL_TEMPREJECT : RC_DNSFAIL_ACCEPT;
	v.allowlisted = c->allowlisted;
	v.skipped = c->skipped;
	v.config_error = c->config_error;
	for (int i = 0; i < c->n; i++)
	    cr_assert(rc_verdict_add(&v, RC_CHK_PTR_MISSING, (RC_STATUS) c->status[i], c->score[i],
				     "text", "detail") != NULL);
	v.score = 999;				/* recomputed, not added to */
	v.temp_seen = !c->want_temp;
	rc_verdict_decide(d, &v);
	cr_expect(eq(int, v.score, c->want_score), "case %zu", ci);
	cr_expect(eq(str, (char *) rc_action_name(v.action),
		     (char *) rc_action_name((RC_ACTION) c->want_action)), "case %zu", ci);
	cr_expect(eq(int, v.temp_seen, c->want_temp), "case %zu", ci);
	rc_config_free(d);
    }
}

Test(engine, verdict_add_bounds)
{
    char    longtext[400];

    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = 0;
    for (int i = 0; i < RC_MAX_FINDINGS; i++)
	cr_assert(rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_HIT, 1, longtext, longtext) != NULL);
    /* full of HITs: the next one is counted, not kept */
    cr_expect(eq(ptr, rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_HIT, 2, "t", "d"), NULL));
    cr_expect(eq(ptr, rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_TEMP, 0, "t", NULL), NULL));
    cr_expect(eq(ptr, rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_PASS, 5, "t", NULL), NULL));
    cr_expect(eq(sz, v.nfindings, RC_MAX_FINDINGS));
    cr_expect(eq(sz, v.omitted, 3));
    cr_expect(eq(int, v.omitted_score, 2));
    cr_expect(v.omitted_temp);
    cr_expect(eq(sz, strlen(v.findings[0].text), RC_TEXT_MAX - 1));
    cr_expect(eq(sz, strlen(v.findings[0].detail), RC_DETAIL_MAX - 1));
    v.nfindings = 0;
    cr_assert(rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_HIT, 1, "t", NULL) != NULL);
    cr_expect(eq(str, v.findings[0].detail, ""));
    cr_expect(eq(str, v.findings[0].label, ""));
}

Test(engine, verdict_full_hit_displaces_last_pass)
{
    RC_FINDING *f;

    for (int i = 0; i < RC_MAX_FINDINGS; i++)
	cr_assert(rc_verdict_add(&v, RC_CHK_DNSBL, i % 2 ? RC_PASS : RC_HIT, 1,
				 i % 2 ? "pass" : "hit", NULL) != NULL);
    f = rc_verdict_add(&v, RC_CHK_DNSBL, RC_HIT, 7, "new", NULL);
    cr_assert(f == &v.findings[RC_MAX_FINDINGS - 1], "appended last");
    cr_expect(eq(str, f->text, "new"));
    cr_expect(eq(sz, v.omitted, 1));
    cr_expect(eq(int, v.omitted_score, 0), "a PASS went, no score lost");
    /* the PASS at index 63 went; order of the rest unchanged */
    cr_expect(eq(str, v.findings[61].text, "pass"));
    cr_expect(eq(str, v.findings[62].text, "hit"));
}

/* ---- more findings than the verdict holds (issue 12, item 2) ---- */

/*
 * many_lists - `nlists' DNSBL sections scoring 1 each, every one listing
 * the client; only the blocklists score
 */
static void
many_lists(int nlists, int nclean)
{
    char   *body = xasprintf("[scores]\nptr_missing = 0\nptr_generic = 0\n" NO_OTHERS), *more;

    for (int i = 0; i < nlists + nclean; i++) {
	char    zone[64], name[128];

	snprintf(zone, sizeof(zone), "bl%02d.example", i);
	more = xasprintf("%s[dnsbl %s]\nscore = 1\n", body, zone);
	free(body);
	body = more;
	snprintf(name, sizeof(name), "66.2.0.192.%s", zone);
	if (i < nclean)
	    fakedns_add(dns, name, RC_T_A, FAKE_NXDOMAIN, NULL, 0);
	else
	    fakedns_add(dns, name, RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    }
    config("5s", "reject_score = 0\ntempreject_score = 0\n%s", body);
    free(body);
}

Test(engine, seventy_listings_all_count)
{
    char    hdr[16384];

    many_lists(70, 0);
    check(CLIENT);
    cr_expect(eq(int, v.score, 70), "score %d from %zu findings", v.score, v.nfindings);
    rc_report_header_report(cfg, &v, hdr, sizeof(hdr));
    cr_expect(not(eq(ptr, strstr(hdr, "6 more findings not shown (+6 of the score)"), NULL)),
	      "%s", hdr);
}

Test(engine, listings_kept_before_clean_lists)
{
    size_t  hits = 0;

    /* 60 clean lists fill most of the verdict; the 20 listings after them are shown */
    many_lists(20, 60);
    check(CLIENT);
    cr_expect(eq(int, v.score, 20));
    for (size_t i = 0; i < v.nfindings; i++)
	if (v.findings[i].status == RC_HIT) {
	    hits++;
	    cr_expect(not(eq(str, v.findings[i].label, "")), "finding %zu has its list", i);
	}
    cr_expect(eq(sz, hits, 20), "%zu listings shown", hits);
    cr_expect(eq(sz, v.omitted, 16));
}

/* ---- HELO rules, each through the engine with fake answers ---- */

/* Only the HELO rules score (their defaults): PTR, SPF off. */
#define ONLY_HELO "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n" \
    "ptr_generic = 0\nsender_domain_unresolvable = 0\n" \
    "spf_fail = 0\nspf_softfail = 0\nspf_none = 0\nspf_permerror = 0\n"

struct helo_case {
    const char *helo;
    const char *client;
    RC_CHECK    check;			/* the one finding expected */
    RC_STATUS   status;
    int         score;
    const char *detail;
};

static const struct helo_case helo_cases[] = {
    {"[192.0.2.66]", CLIENT, RC_CHK_HELO_BARE_IP, RC_HIT, 3, "[192.0.2.66]"},
    {"192.0.2.66", CLIENT, RC_CHK_HELO_BARE_IP, RC_HIT, 3, "192.0.2.66"},
    {"192.0.2.66.", CLIENT, RC_CHK_HELO_BARE_IP, RC_HIT, 3, "192.0.2.66"},
    {"[IPv6:2001:db8::25]", CLIENT6, RC_CHK_HELO_BARE_IP, RC_HIT, 3, "[IPv6:2001:db8::25]"},
    {"[198.51.100.1]", CLIENT, RC_CHK_HELO_WRONG_IP, RC_HIT, 5,
     "[198.51.100.1] is not the client address 192.0.2.66"},
    {"[10.0.0.1]", CLIENT, RC_CHK_HELO_WRONG_IP, RC_HIT, 5,
     "[10.0.0.1] is a private/reserved address"},
    {"[203.0.113.25]", CLIENT, RC_CHK_HELO_IS_US, RC_HIT, 5,
     "[203.0.113.25] is this server's address"},
    {"MX.Here.Example", CLIENT, RC_CHK_HELO_IS_US, RC_HIT, 5,
     "MX.Here.Example is this server's name"},
    {"mx.here.example.", CLIENT, RC_CHK_HELO_IS_US, RC_HIT, 5,
     "mx.here.example is this server's name"},
    {"", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "no HELO/EHLO name"},
    {".", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, ".: not a host name"},
    {"workstation", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "workstation: no dot"},
    {"localhost.localdomain", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2,
     "localhost.localdomain: localhost"},
    {"host.123", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "host.123: numeric top-level label"},
    {"host.123.", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "host.123: numeric top-level label"},
    {"a..example", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "a..example: empty label"},
    {"host.example..", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2, "host.example.: empty label"},
    {"bad!name.example", CLIENT, RC_CHK_HELO_NOT_FQDN, RC_HIT, 2,
     "bad!name.example: characters not allowed in a host name"},
    {"under_score.example", CLIENT, RC_CHK_HELO_MISMATCH, RC_PASS, 0, "under_score.example"},
    {"helo.example", CLIENT, RC_CHK_HELO_MISMATCH, RC_PASS, 0, "helo.example"},
    {"helo.example.", CLIENT, RC_CHK_HELO_MISMATCH, RC_PASS, 0, "helo.example"},
    {"other.example", CLIENT, RC_CHK_HELO_MISMATCH, RC_HIT, 1,
     "other.example does not include 192.0.2.66"},
    {"none.example", CLIENT, RC_CHK_HELO_MISMATCH, RC_HIT, 1,
     "none.example has no address record, not 192.0.2.66"},
    {"helo6.example", CLIENT6, RC_CHK_HELO_MISMATCH, RC_PASS, 0, "helo6.example"},
    {"servfail.example", CLIENT, RC_CHK_HELO_MISMATCH, RC_TEMP, 0,
     "servfail.example: server failure or no answer after "},	/* then "N ms" */
};

Test(engine, helo_rules)
{
    config("2s", ONLY_HELO);
    fakedns_default(dns, FAKE_NXDOMAIN);
    fakedns_add(dns, "under_score.example", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    fakedns_add(dns, "helo.example", RC_T_A, FAKE_ANSWER, "198.51.100.1 " CLIENT, 0);
    fakedns_add(dns, "other.example", RC_T_A, FAKE_ANSWER, "198.51.100.1", 0);
    fakedns_add(dns, "helo6.example", RC_T_AAAA, FAKE_ANSWER, CLIENT6, 0);
    fakedns_add(dns, "servfail.example", RC_T_A, FAKE_SERVFAIL, NULL, 0);
    for (size_t ci = 0; ci < sizeof(helo_cases) / sizeof(helo_cases[0]); ci++) {
	const struct helo_case *c = &helo_cases[ci];
	RC_FACTS f = {.ip = c->client, .helo = c->helo, .sender = "a@sender.example",
		      .primary_hostname = "mx.here.example", .interface_ip = "203.0.113.25"};
	size_t  n = 0, at = 0;

	memset(&v, 0, sizeof(v));
	check_facts(&f);
	for (size_t i = 0; i < v.nfindings; i++)
	    if (v.findings[i].check >= RC_CHK_HELO_BARE_IP && v.findings[i].check <= RC_CHK_HELO_IS_US) {
		n++;
		at = i;
	    }
	cr_assert(eq(sz, n, 1), "HELO \"%s\": %zu HELO findings", c->helo, n);
	cr_expect(eq(str, (char *) rc_checkinfo[v.findings[at].check].id,
		     (char *) rc_checkinfo[c->check].id), "HELO \"%s\"", c->helo);
	cr_expect(eq(str, (char *) rc_status_name(v.findings[at].status),
		     (char *) rc_status_name(c->status)), "HELO \"%s\"", c->helo);
	cr_expect(eq(int, v.findings[at].score, c->score), "HELO \"%s\"", c->helo);
	cr_expect(eq(int, v.score, c->score), "HELO \"%s\"", c->helo);
	if (c->status == RC_TEMP)
	    expect_detail_ms(at, c->detail, 0, 2000);
	else
	    cr_expect(eq(str, v.findings[at].detail, (char *) c->detail), "HELO \"%s\"", c->helo);
    }
}

/* ---- DNSBL and RHSBL rules ---- */

#define BL(zone) "66.2.0.192." zone

Test(engine, dnsbl_rules)
{
    config("2s", "[scores]\nptr_missing = 0\n" NO_OTHERS
	   "[dnsbl codes.example]\nscore = 4\ncodes = 127.0.0.2-127.0.0.3=9, 127.0.0.10\n"
	   "label = Codes\n"
	   "[dnsbl txt.example]\ntxt = yes\n"
	   "[dnsbl refused.example]\n[dnsbl outside.example]\n[dnsbl broken.example]\n"
	   "[dnsbl clean.example]\n[dnsbl other.example]\ncodes = 127.0.0.4\n"
	   "[dnsbl fail.example]\n[dnsbl off.example]\nscore = 0\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    /* two codes: the highest score counts, once */
    fakedns_add(dns, BL("codes.example"), RC_T_A, FAKE_ANSWER, "127.0.0.10 127.0.0.3", 0);
    fakedns_add(dns, BL("txt.example"), RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    fakedns_add(dns, BL("txt.example"), RC_T_TXT, FAKE_ANSWER, "see http://txt.example/\x01", 0);
    fakedns_add(dns, BL("refused.example"), RC_T_A, FAKE_ANSWER, "127.255.255.254", 0);
    fakedns_add(dns, BL("outside.example"), RC_T_A, FAKE_ANSWER, "10.0.0.1", 0);
    fakedns_add(dns, BL("broken.example"), RC_T_A, FAKE_ANSWER, "127.0.0.1", 0);
    fakedns_add(dns, BL("other.example"), RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    fakedns_add(dns, BL("fail.example"), RC_T_A, FAKE_SERVFAIL, NULL, 0);
    check(CLIENT);
    cr_assert(eq(sz, v.nfindings, 8), "%zu findings", v.nfindings);
    expect_finding(0, RC_CHK_DNSBL, RC_HIT, 9, "DNSBL: listed on Codes", "192.0.2.66: 127.0.0.3");
    expect_finding(1, RC_CHK_DNSBL, RC_HIT, 5, "DNSBL: listed on txt.example",
		   "192.0.2.66: 127.0.0.2: see http://txt.example/\\x01");
    expect_finding(2, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: refused.example answered an error code",
		   "192.0.2.66: 127.255.255.254, the list refused the query");
    expect_finding(3, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: outside.example answered an error code",
		   "192.0.2.66: 10.0.0.1, not a listing (outside 127.0.0.0/8)");
    expect_finding(4, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: broken.example answered an error code",
		   "192.0.2.66: 127.0.0.1, not a listing code (list broken?)");
    expect_finding(5, RC_CHK_DNSBL, RC_PASS, 0, "DNSBL: not listed on clean.example",
		   "192.0.2.66");
    expect_finding(6, RC_CHK_DNSBL, RC_PASS, 0, "DNSBL: not listed on other.example",
		   "192.0.2.66: answer not among the listed codes");
    expect_finding(7, RC_CHK_DNSBL, RC_TEMP, 0, "DNSBL: lookup on fail.example failed", NULL);
    expect_detail_ms(7, "192.0.2.66: server failure or no answer after ", 0, 2000);
    cr_expect(eq(str, v.findings[0].label, "codes.example"));
    cr_expect(eq(int, v.score, 14));
    cr_expect(eq(int, fakedns_count(dns, BL("off.example"), FAKE_ANY), 0), "score 0: no query");
}

Test(engine, rhsbl_rules)
{
    RC_FACTS f = {.ip = CLIENT, .helo = "helo.listed.example.", .sender = "a@spam.example"};

    config("2s", "[scores]\nptr_missing = 0\nptr_generic = 0\n" NO_OTHERS
	   "[rhsbl dbl.example]\n[rhsbl hbl.example]\ntarget = helo\nscore = 2\n"
	   "[rhsbl pbl.example]\ntarget = ptr\nscore = 3\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    fakedns_add(dns, CLIENT_PTR, RC_T_PTR, FAKE_ANSWER, "mail.ptr.example", 0);
    fakedns_add(dns, "mail.ptr.example", RC_T_A, FAKE_ANSWER, CLIENT, 0);
    fakedns_add(dns, "spam.example.dbl.example", RC_T_A, FAKE_ANSWER, "127.0.1.2", 0);
    fakedns_add(dns, "helo.listed.example.hbl.example", RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    fakedns_add(dns, "mail.ptr.example.pbl.example", RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    check_facts(&f);
    cr_expect(eq(int, v.score, 10), "5 + 2 + 3");
    cr_expect(eq(int, fakedns_count(dns, "spam.example.dbl.example", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(dns, "helo.listed.example.hbl.example", RC_T_A), 1),
	      "HELO looked up without its trailing dot");
    cr_expect(eq(int, fakedns_count(dns, "mail.ptr.example.pbl.example", RC_T_A), 1));

    /* a bounce, and a HELO that is no domain: those lists are skipped, not TEMP */
    {
	RC_FACTS g = {.ip = CLIENT, .helo = "[192.0.2.66]", .sender = ""};

	memset(&v, 0, sizeof(v));
	check_facts(&g);
	cr_expect(eq(int, v.score, 3), "only the PTR list");
	cr_expect(not(v.temp_seen));
	for (size_t i = 0; i < v.nfindings; i++)
	    if (strcmp(v.findings[i].label, "dbl.example") == 0
		|| strcmp(v.findings[i].label, "hbl.example") == 0)
		cr_expect(eq(int, v.findings[i].status, RC_SKIP), "%s", v.findings[i].detail);
    }
}

/* ---- helo_generic (dnscheck/helogeneric.c) ---- */

/* Only helo_generic scores (its default). */
#define ONLY_HELO_GENERIC "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n" \
    "ptr_generic = 0\nhelo_bare_ip = 0\nhelo_not_fqdn = 0\nhelo_mismatch = 0\n" \
    "helo_wrong_ip = 0\nhelo_is_us = 0\nsender_domain_unresolvable = 0\n" \
    "spf_fail = 0\nspf_softfail = 0\nspf_none = 0\nspf_permerror = 0\n"

Test(engine, helo_generic_rules)
{
    static const struct {
	const char *helo, *client, *detail;	/* detail NULL: no finding */
    } cases[] = {
	{"r30-2-0-192.dialup.adsl.isp.example", "192.0.2.30",
	 "r30-2-0-192.dialup.adsl.isp.example: embeds the address"},
	{"r30-2-0-192.dialup.adsl.isp.example.", "192.0.2.30",
	 "r30-2-0-192.dialup.adsl.isp.example: embeds the address"},
	{"mail-31-2-0-192.isp.example", "192.0.2.31", NULL},	/* a mail-server name */
	{"mail.good.example", "192.0.2.30", NULL},
	{"[192.0.2.30]", "192.0.2.30", NULL},			/* helo_bare_ip's business */
	{"192.0.2.30", "192.0.2.30", NULL},
	{"", "192.0.2.30", NULL},
	{"dsl\x01-30-2-0-192.isp.example", "192.0.2.30", NULL},	/* not a host name */
    };

    config("2s", ONLY_HELO_GENERIC);
    fakedns_default(dns, FAKE_NXDOMAIN);
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
	RC_FACTS f = {.ip = cases[ci].client, .helo = cases[ci].helo, .sender = "a@s.example"};

	memset(&v, 0, sizeof(v));
	check_facts(&f);
	if (cases[ci].detail == NULL) {
	    cr_expect(eq(sz, v.nfindings, 0), "HELO \"%s\": %zu findings", cases[ci].helo,
		      v.nfindings);
	    continue;
	}
	cr_assert(eq(sz, v.nfindings, 1), "HELO \"%s\"", cases[ci].helo);
	expect_finding(0, RC_CHK_HELO_GENERIC, RC_HIT, 2, "HELO: generic/dynamic host name",
		       cases[ci].detail);
	cr_expect(eq(int, v.score, 2));
    }
    cr_expect(eq(int, queries(), 0), "helo_generic needs no DNS");
}

Test(engine, helo_generic_off_and_next_to_the_helo_rules)
{
    RC_FACTS f = {.ip = "192.0.2.30", .helo = "r30-2-0-192.dialup.adsl.isp.example",
		  .sender = "a@s.example"};

    config("2s", ONLY_HELO_GENERIC "helo_generic = 0\n");
    check_facts(&f);
    cr_expect(eq(sz, v.nfindings, 0));

    /* With the other HELO rules: the generic name comes right after them. */
    rc_config_free(cfg);
    config("2s", "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n"
	   "ptr_generic = 0\nsender_domain_unresolvable = 0\nspf_fail = 0\nspf_softfail = 0\n"
	   "spf_none = 0\nspf_permerror = 0\n");
    fakedns_add(dns, "r30-2-0-192.dialup.adsl.isp.example", RC_T_A, FAKE_ANSWER,
		"192.0.2.30", 0);
    memset(&v, 0, sizeof(v));
    check_facts(&f);
    cr_assert(eq(sz, v.nfindings, 2));
    expect_finding(0, RC_CHK_HELO_MISMATCH, RC_PASS, 0, "HELO: name resolves to the IP", NULL);
    expect_finding(1, RC_CHK_HELO_GENERIC, RC_HIT, 2, "HELO: generic/dynamic host name", NULL);
}

/* Client-only: kept per connection, and taken from the cache with no query. */
Test(engine, helo_generic_cached_per_connection)
{
    static RC_CONNCACHE cache;
    RC_FACTS f = {.ip = "192.0.2.30", .helo = "r30-2-0-192.dialup.adsl.isp.example",
		  .sender = "a@s.example"};

    config("2s", "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n"
	   "ptr_generic = 0\nhelo_bare_ip = 0\nhelo_not_fqdn = 0\nhelo_mismatch = 0\n"
	   "helo_wrong_ip = 0\nhelo_is_us = 0\n"
	   "spf_fail = 0\nspf_softfail = 0\nspf_none = 0\nspf_permerror = 0\n");
    fakedns_add(dns, "s.example", RC_T_MX, FAKE_ANSWER, "10:mx.s.example", 0);
    fakedns_default(dns, FAKE_NXDOMAIN);
    rc_engine_check(cfg, &f, &cache, &v);
    cr_assert(eq(sz, v.nfindings, 1));
    cr_expect(not(v.reused));
    cr_expect(cache.valid);
    cr_expect(eq(int, fakedns_count(dns, "s.example", RC_T_MX), 1));

    memset(&v, 0, sizeof(v));
    rc_engine_check(cfg, &f, &cache, &v);
    cr_expect(v.reused);
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_HELO_GENERIC, RC_HIT, 2, "HELO: generic/dynamic host name",
		   "r30-2-0-192.dialup.adsl.isp.example: embeds the address");
    /* sender_domain_unresolvable is per message: looked up again */
    cr_expect(eq(int, fakedns_count(dns, "s.example", RC_T_MX), 2));
}

/* ---- sender_domain_unresolvable (dnscheck/senderdomain.c) ---- */

#define ONLY_SENDER_DOMAIN "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n" \
    "ptr_generic = 0\nhelo_bare_ip = 0\nhelo_not_fqdn = 0\nhelo_mismatch = 0\n" \
    "helo_wrong_ip = 0\nhelo_is_us = 0\nhelo_generic = 0\n" \
    "spf_fail = 0\nspf_softfail = 0\nspf_none = 0\nspf_permerror = 0\n"

static void
check_sender(const char *sender)
{
    RC_FACTS f = {.ip = CLIENT, .helo = "mail.client.example", .sender = sender};

    memset(&v, 0, sizeof(v));
    check_facts(&f);
}

#define SD_TEXT "Sender: domain cannot receive a bounce"

Test(engine, sender_domain_rules)
{
    static const struct {
	const char *domain, *detail;	/* detail NULL: no finding */
    } cases[] = {
	{"mx.example", NULL},
	{"a-only.example", NULL},
	{"aaaa-only.example", NULL},
	{"Null.Example", "Null.Example: null MX (RFC 7505)"},
	{"nullmx-with-a.example", "nullmx-with-a.example: null MX (RFC 7505)"},
	{"zero-pref.example", NULL},		/* preference 0, a real exchange */
	{"two-mx.example", NULL},		/* "." and a real one: not a null MX */
	{"gone.example", "gone.example: no such domain (NXDOMAIN)"},
	{"empty.example", "empty.example: no MX, A or AAAA record"},
	{"mixed.example", "mixed.example: no MX, A or AAAA record"},
	{"bad\x01.example", "bad\\x01.example: no such domain (NXDOMAIN)"},
    };

    config("2s", ONLY_SENDER_DOMAIN);
    fakedns_default(dns, FAKE_NXDOMAIN);
    fakedns_add(dns, "mx.example", RC_T_MX, FAKE_ANSWER, "10:mail.mx.example", 0);
    fakedns_add(dns, "a-only.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 0);
    fakedns_add(dns, "aaaa-only.example", RC_T_AAAA, FAKE_ANSWER, "2001:db8::1", 0);
    fakedns_add(dns, "null.example", RC_T_MX, FAKE_ANSWER, "0:.", 0);
    fakedns_add(dns, "nullmx-with-a.example", RC_T_MX, FAKE_ANSWER, "0:.", 0);
    fakedns_add(dns, "nullmx-with-a.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 0);
    fakedns_add(dns, "zero-pref.example", RC_T_MX, FAKE_ANSWER, "0:mx.zero-pref.example", 0);
    fakedns_add(dns, "two-mx.example", RC_T_MX, FAKE_ANSWER, "0:. 10:mx.two-mx.example", 0);
    fakedns_add(dns, "empty.example", FAKE_ANY, FAKE_NODATA, NULL, 0);
    fakedns_add(dns, "mixed.example", RC_T_MX, FAKE_NODATA, NULL, 0);
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
	char   *sender = xasprintf("someone@%s", cases[ci].domain);

	check_sender(sender);
	free(sender);
	if (cases[ci].detail == NULL) {
	    cr_expect(eq(sz, v.nfindings, 0), "%s: %zu findings", cases[ci].domain, v.nfindings);
	    cr_expect(eq(int, v.score, 0), "%s", cases[ci].domain);
	    continue;
	}
	cr_assert(eq(sz, v.nfindings, 1), "%s", cases[ci].domain);
	expect_finding(0, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_HIT, 3, SD_TEXT,
		       cases[ci].detail);
	cr_expect(eq(int, v.score, 3));
    }
    cr_expect(eq(int, fakedns_count(dns, "mx.example", FAKE_ANY), 3), "MX, A and AAAA");
    cr_expect(eq(int, fakedns_count(dns, "null.example", RC_T_MX), 1), "asked once");
}

Test(engine, sender_domain_lookup_failures_are_temp)
{
    config("1s", ONLY_SENDER_DOMAIN);
    fakedns_default(dns, FAKE_NXDOMAIN);
    fakedns_add(dns, "servfail.example", RC_T_MX, FAKE_SERVFAIL, NULL, 0);
    fakedns_add(dns, "slow.example", RC_T_AAAA, FAKE_DROP, NULL, 0);
    fakedns_add(dns, "servfail-but-a.example", RC_T_MX, FAKE_SERVFAIL, NULL, 0);
    fakedns_add(dns, "servfail-but-a.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 0);

    check_sender("x@servfail.example");
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_TEMP, 0,
		   "Sender: lookup of the domain failed", NULL);
    expect_detail_ms(0, "servfail.example: MX server failure or no answer after ", 0, 1000);
    cr_expect(eq(int, v.score, 0));
    cr_expect(v.temp_seen);

    check_sender("x@slow.example");
    cr_assert(eq(sz, v.nfindings, 1));
    expect_finding(0, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_TEMP, 0,
		   "Sender: lookup of the domain failed", NULL);
    expect_detail_ms(0, "slow.example: AAAA timeout after ", 0, 1500);

    /* an address decides it even when the MX lookup failed */
    check_sender("x@servfail-but-a.example");
    cr_expect(eq(sz, v.nfindings, 0));
}

Test(engine, sender_domain_tempreject_on_dns_failure)
{
    config("2s", "on_dns_failure = tempreject\n" ONLY_SENDER_DOMAIN);
    fakedns_default(dns, FAKE_SERVFAIL);
    check_sender("x@servfail.example");
    cr_expect(eq(int, v.action, RC_TEMPREJECT));
}

Test(engine, sender_domain_not_checked)
{
    config("2s", ONLY_SENDER_DOMAIN
	   "[no_server_check]\ndomain = listed.example\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    check_sender("");				/* a bounce */
    cr_expect(eq(sz, v.nfindings, 0));
    check_sender("no-at-sign");
    cr_expect(eq(sz, v.nfindings, 0));
    check_sender("x@Sub.Listed.Example");	/* on the list, but SPF does not pass */
    cr_expect(not(v.allowlisted));
    for (size_t i = 0; i < v.nfindings; i++)
	cr_expect(ne(int, v.findings[i].check, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE));
    cr_expect(eq(int, fakedns_count(dns, NULL, RC_T_MX), 0));
    cr_expect(eq(int, fakedns_count(dns, NULL, RC_T_AAAA), 0));

    /* score 0: no query */
    rc_config_free(cfg);
    config("2s", ONLY_SENDER_DOMAIN "sender_domain_unresolvable = 0\n");
    check_sender("x@gone.example");
    cr_expect(eq(sz, v.nfindings, 0));
    cr_expect(eq(int, fakedns_count(dns, "gone.example", FAKE_ANY), 0));
}

/* It runs with the other checks; its finding follows the sender lists, before SPF. */
Test(engine, sender_domain_in_report_order)
{
    config("2s", "[scores]\nptr_missing = 0\nptr_no_address = 0\nptr_mismatch = 0\n"
	   "ptr_generic = 0\nhelo_bare_ip = 0\nhelo_not_fqdn = 0\nhelo_mismatch = 0\n"
	   "helo_wrong_ip = 0\nhelo_is_us = 0\nhelo_generic = 0\n"
	   "spf_fail = 0\nspf_softfail = 0\nspf_permerror = 0\n"
	   "[rhsbl dbl.example]\n");
    fakedns_default(dns, FAKE_NXDOMAIN);
    check_sender("x@gone.example");
    cr_assert(eq(sz, v.nfindings, 3), "%zu findings", v.nfindings);
    cr_expect(eq(str, v.findings[0].label, "dbl.example"));
    expect_finding(1, RC_CHK_SENDER_DOMAIN_UNRESOLVABLE, RC_HIT, 3, SD_TEXT,
		   "gone.example: no such domain (NXDOMAIN)");
    cr_expect(eq(int, v.findings[2].check, RC_CHK_SPF_NONE));
    cr_expect(eq(int, fakedns_count(dns, "gone.example", RC_T_MX), 1));
}
