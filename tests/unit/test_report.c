/*
 * test_report.c - what the operator and the sender see: finding lines,
 * the Score and Report headers, the log line, the SMTP reply,
 * $local_scan_data, and rc_escape() of hostile text
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck/engine.h"
#include "dnscheck/escape.h"
#include "dnscheck/report.h"
#include "testutil.h"

static RC_CONFIG *cfg;
static RC_VERDICT v;

static void
setup(void)
{
    cfg = rc_config_defaults();
    cr_assert(cfg != NULL);
    memset(&v, 0, sizeof(v));
}

static void
teardown(void)
{
    rc_config_free(cfg);
}

TestSuite(report, .init = setup, .fini = teardown);

static void
add(RC_CHECK c, RC_STATUS st, int score, const char *text, const char *detail)
{
    cr_assert(rc_verdict_add(&v, c, st, score, text, detail) != NULL);
}

static void
add_label(RC_CHECK c, RC_STATUS st, int score, const char *text, const char *detail,
	  const char *label)
{
    add(c, st, score, text, detail);
    snprintf(v.findings[v.nfindings - 1].label, RC_LABEL_MAX, "%s", label);
}

/* a typical rejected message: no PTR, generic name, HELO lookup failed */
static void
typical(void)
{
    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66");
    add(RC_CHK_SPF_PASS, RC_PASS, 0, "SPF: pass", "");
    add(RC_CHK_HELO_MISMATCH, RC_TEMP, 0, "HELO: lookup of the name failed",
	"mx.example: timeout after 5000 ms");
    add_label(RC_CHK_DNSBL, RC_HIT, 8, "DNSBL: listed on Spamhaus ZEN",
	      "192.0.2.66: 127.0.0.2", "zen.spamhaus.org");
    add(RC_CHK_HELO_NOT_FQDN, RC_SKIP, 0, "HELO: skipped", "");
    add(RC_CHK_SPF_NEUTRAL, RC_HIT, -2, "SPF: neutral", "");
    v.queries = 4;
    v.elapsed_ms = 42;
    rc_verdict_decide(cfg, &v);
}

/* ---- one finding ---- */

struct finding_case {
    int         status;
    int         score;
    char        text[64];
    char        detail[64];
    char        label[32];
    char        want[160];
};

static const struct finding_case report_finding_cases[] = {
	{RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66", "",
	 "+8 Relay Host: No DNS PTR record (192.0.2.66)"},
	{RC_HIT, -3, "SPF: pass", "example.com", "", "-3 SPF: pass (example.com)"},
	{RC_HIT, 0, "Relay Host: x", "", "", "+0 Relay Host: x"},
	{RC_TEMP, 5, "Relay Host: DNS PTR lookup failed", "192.0.2.66: timeout after 5000 ms",
	 "", "+5 Relay Host: DNS PTR lookup failed (192.0.2.66: timeout after 5000 ms)"},
	{RC_PASS, 4, "Relay Host: DNS PTR record present", "mx.example", "",
	 "+0 Relay Host: DNS PTR record present (mx.example)"},
	{RC_SKIP, 4, "DNSBL: x not checked", "no sender domain", "",
	 "+0 DNSBL: x not checked (no sender domain)"},
	{RC_HIT, 8, "DNSBL: listed on Spamhaus ZEN", "192.0.2.66: 127.0.0.2", "zen.spamhaus.org",
	 "+8 DNSBL: listed on Spamhaus ZEN (192.0.2.66: 127.0.0.2)"},
	{RC_HIT, 1000, "%s%n%s", "%n", "", "+1000 %s%n%s (%n)"},
};

Test(report, finding)
{
    for (size_t ci = 0; ci < sizeof(report_finding_cases) / sizeof(report_finding_cases[0]); ci++) {
	const struct finding_case *c = &report_finding_cases[ci];
	char    buf[200];

	v.nfindings = 0;
	add_label(RC_CHK_PTR_MISSING, (RC_STATUS) c->status, c->score, c->text, c->detail,
		  c->label);
	rc_report_finding(&v.findings[0], buf, sizeof(buf));
	cr_expect(eq(str, buf, c->want), "case %zu", ci);
    }
}

Test(report, finding_cut_short)
{
    char    buf[16];

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66");
    rc_report_finding(&v.findings[0], buf, sizeof(buf));
    cr_expect(eq(str, buf, "+8 Relay Host: "));
    rc_report_finding(&v.findings[0], buf, 1);
    cr_expect(eq(str, buf, ""));
}

/* ---- headers ---- */

Test(report, score_header)
{
    char    buf[100];

    typical();
    cr_assert(eq(int, v.score, 14));
    rc_report_header_score(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "X-Relaycheck-Score: 14\n"));
    strcpy(cfg->header_prefix, "X-RC");
    v.score = -3;
    rc_report_header_score(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "X-RC-Score: -3\n"));
}

Test(report, report_header_folding)
{
    char    buf[1000];

    typical();
    rc_report_header_report(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "X-Relaycheck-Report: +8 Relay Host: No DNS PTR record (192.0.2.66)\n"
		 "\t+0 SPF: pass\n"
		 "\t+0 HELO: lookup of the name failed (mx.example: timeout after 5000 ms)\n"
		 "\t+8 DNSBL: listed on Spamhaus ZEN (192.0.2.66: 127.0.0.2)\n"
		 "\t-2 SPF: neutral\n"));
}

Test(report, report_header_single_and_empty)
{
    char    buf[200];

    rc_report_header_report(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "X-Relaycheck-Report: no checks enabled\n"));
    add(RC_CHK_HELO_NOT_FQDN, RC_SKIP, 0, "HELO: skipped", "");
    rc_report_header_report(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "X-Relaycheck-Report: no checks enabled\n"));
    v.nfindings = 0;
    add(RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list", "ip 192.0.2.0/24");
    rc_report_header_report(cfg, &v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "X-Relaycheck-Report: +0 Relay Host: on No Server Check list "
		 "(ip 192.0.2.0/24)\n"));
}

/*
 * Every buffer size: never a byte past the end, always NUL-terminated, and
 * the header ends in a newline whenever there is room for one.
 */
Test(report, report_header_every_buffer_size)
{
    typical();
    for (size_t len = 0; len < 400; len++) {
	char   *buf = malloc(len + 16);

	cr_assert(buf != NULL);
	memset(buf, 0x5a, len + 16);
	rc_report_header_report(cfg, &v, buf, len);
	for (size_t k = len; k < len + 16; k++)
	    cr_assert(eq(u8, (uint8_t) buf[k], 0x5a), "buffer of %zu: byte %zu written", len, k);
	if (len > 0)
	    cr_assert(lt(sz, strlen(buf), len), "buffer of %zu", len);
	if (len >= 2) {
	    size_t  l = strlen(buf);

	    cr_assert(eq(chr, buf[l - 1], '\n'), "buffer of %zu: \"%s\"", len, buf);
	}
	free(buf);
    }
}

/* ---- the log line ---- */

Test(report, log_line)
{
    char    buf[400];

    typical();
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "relaycheck: ip=192.0.2.66 score=14 action=accept "
		 "checks=ptr_missing(+8),helo_mismatch(temp),dnsbl:zen.spamhaus.org(+8),"
		 "spf_neutral(-2) queries=4 time=42ms"));
    cfg->reject_score = 14;
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "relaycheck: ip=192.0.2.66 score=14 action=reject "
		 "checks=ptr_missing(+8),helo_mismatch(temp),dnsbl:zen.spamhaus.org(+8),"
		 "spf_neutral(-2) queries=4 time=42ms"));
}

Test(report, log_line_nothing_found)
{
    char    buf[200];

    add(RC_CHK_PTR_MISMATCH, RC_PASS, 0, "Relay Host: DNS PTR record forward-confirmed",
	"mx.example");
    v.queries = 2;
    v.elapsed_ms = 7;
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "2001:db8::25", buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=2001:db8::25 score=0 action=accept checks=none "
		 "queries=2 time=7ms"));
}

Test(report, log_line_allowlisted_note_reused)
{
    char    buf[400];

    add(RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list", "ip 192.0.2.0/24");
    v.allowlisted = true;
    snprintf(v.note, sizeof(v.note), "a remark");
    v.reused = true;
    v.queries = 0;
    v.elapsed_ms = 1;
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=192.0.2.66 score=0 action=accept "
		 "checks=no_server_check allowlisted=\"ip 192.0.2.0/24\" note=\"a remark\" "
		 "queries=0 reused=yes time=1ms"));
}

Test(report, log_line_skipped_and_config_error)
{
    char    buf[400];

    v.skipped = true;
    snprintf(v.skip_reason, sizeof(v.skip_reason), "authenticated");
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "relaycheck: ip=192.0.2.66 score=0 action=accept checks=none time=0ms"));
    memset(&v, 0, sizeof(v));
    v.config_error = true;
    rc_verdict_decide(cfg, &v);
    rc_report_log(&v, NULL, buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip= score=0 action=tempreject checks=none time=0ms"));
}

Test(report, log_line_hostile_ip_and_small_buffers)
{
    char    buf[400];

    typical();
    rc_report_log(&v, "192.0.2.66\n2020-01-01 fake log line", buf, sizeof(buf));
    cr_expect(eq(int, strncmp(buf, "relaycheck: ip=192.0.2.66\\x0a2020-01-01 fake log line",
			      52), 0), "%s", buf);
    cr_expect(zero(ptr, strchr(buf, '\n')));
    for (size_t len = 0; len < 160; len++) {
	char   *b = malloc(len + 8);

	memset(b, 0x5a, len + 8);
	rc_report_log(&v, "192.0.2.66", b, len);
	for (size_t k = len; k < len + 8; k++)
	    cr_assert(eq(u8, (uint8_t) b[k], 0x5a), "buffer of %zu: byte %zu written", len, k);
	if (len > 0)
	    cr_assert(lt(sz, strlen(b), len));
	free(b);
    }
}

/* ---- the SMTP reply ---- */

Test(report, reply_reject)
{
    char    buf[1000];

    typical();
    cfg->reject_score = 14;
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, v.action, RC_REJECT));
    rc_report_reply(cfg, &v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "Relay host 192.0.2.66 failed sender checks (score 14 >= 14)\n"
		 "+8 Relay Host: No DNS PTR record (192.0.2.66): ask your Internet provider to "
		 "create a DNS PTR record for 192.0.2.66\n"
		 "+0 HELO: lookup of the name failed (mx.example: timeout after 5000 ms)\n"
		 "+8 DNSBL: listed on Spamhaus ZEN (192.0.2.66: 127.0.0.2): see the blocklist's "
		 "web site for how to get 192.0.2.66 delisted\n"
		 "-2 SPF: neutral"));
}

Test(report, reply_remedy_without_ip)
{
    char    buf[400];

    add(RC_CHK_HELO_NOT_FQDN, RC_HIT, 20, "HELO: not a fully qualified domain name",
	"localhost");
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, v.action, RC_REJECT));
    rc_report_reply(cfg, &v, "2001:db8::25", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "Relay host 2001:db8::25 failed sender checks (score 20 >= 15)\n"
		 "+20 HELO: not a fully qualified domain name (localhost): configure your "
		 "server to greet with its fully qualified host name"));
}

Test(report, reply_tempreject_by_score)
{
    char    buf[400];

    cfg->tempreject_score = 8;
    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66");
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, v.action, RC_TEMPREJECT));
    rc_report_reply(cfg, &v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "Relay host 192.0.2.66 failed sender checks (score 8 >= 8)\n"
		 "+8 Relay Host: No DNS PTR record (192.0.2.66): ask your Internet provider to "
		 "create a DNS PTR record for 192.0.2.66"));
}

Test(report, reply_tempreject_dns_failure)
{
    char    buf[400];

    cfg->on_dns_failure = RC_DNSFAIL_TEMPREJECT;
    add(RC_CHK_PTR_MISSING, RC_TEMP, 0, "Relay Host: DNS PTR lookup failed",
	"192.0.2.66: timeout after 5000 ms");
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, v.action, RC_TEMPREJECT));
    rc_report_reply(cfg, &v, "192.0.2.66", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "Relay host 192.0.2.66 could not be checked: DNS lookups failed, try again later\n"
		 "+0 Relay Host: DNS PTR lookup failed (192.0.2.66: timeout after 5000 ms)"));
}

Test(report, reply_every_buffer_size)
{
    typical();
    cfg->reject_score = 14;
    rc_verdict_decide(cfg, &v);
    for (size_t len = 0; len < 500; len++) {
	char   *b = malloc(len + 8);

	memset(b, 0x5a, len + 8);
	rc_report_reply(cfg, &v, "192.0.2.66", b, len);
	for (size_t k = len; k < len + 8; k++)
	    cr_assert(eq(u8, (uint8_t) b[k], 0x5a), "buffer of %zu: byte %zu written", len, k);
	if (len > 0)
	    cr_assert(lt(sz, strlen(b), len));
	free(b);
    }
}

/* ---- $local_scan_data ---- */

Test(report, lsdata)
{
    char    buf[200];

    typical();
    rc_report_lsdata(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "score=14 checks=ptr_missing,dnsbl:zen.spamhaus.org,spf_neutral"));

    memset(&v, 0, sizeof(v));
    rc_report_lsdata(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "score=0 checks=none"));

    add(RC_CHK_ALLOWLIST, RC_PASS, 0, "Relay Host: on No Server Check list", "ip 192.0.2.0/24");
    v.allowlisted = true;
    rc_report_lsdata(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "score=0 checks=no_server_check"));

    memset(&v, 0, sizeof(v));
    v.skipped = true;
    snprintf(v.skip_reason, sizeof(v.skip_reason), "skip_hosts 127.0.0.0/8");
    rc_report_lsdata(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "skipped=skip_hosts_127.0.0.0/8"));
}

/* ---- rc_escape ---- */

struct esc_case {
    char        in[40];
    size_t      inlen;
    size_t      dstlen;
    char        want[80];
};

static const struct esc_case report_escape_cases[] = {
	{"mx.example.com", 14, 64, "mx.example.com"},
	{"a b~", 4, 64, "a b~"},
	{"a\r\nb", 4, 64, "a\\x0d\\x0ab"},
	{"X-Spam: no\r\n\r\nbody", 18, 64, "X-Spam: no\\x0d\\x0a\\x0d\\x0abody"},
	{"a\0b", 3, 64, "a\\x00b"},
	{"\t\x01\x1f\x7f", 4, 64, "\\x09\\x01\\x1f\\x7f"},
	{"b\xc3\xbc" "cher", 7, 64, "b\\xc3\\xbccher"},
	{"\xff", 1, 64, "\\xff"},
	{"back\\slash %s %n", 16, 64, "back\\slash %s %n"},
	{"abc", 0, 64, ""},
	{"abc", 2, 64, "ab"},				/* srclen bounds the input */
	/* cut: "..." marks it and the result fits */
	{"abcdefghij", 10, 8, "abcd..."},
	{"abcdefghij", 10, 10, "abcdef..."},
	{"\x01\x02\x03\x04", 4, 12, "\\x01\\x02..."},
	{"\x01\x02\x03\x04", 4, 11, "\\x01..."},
	{"ab\x01\x02", 4, 9, "ab..."},
	/* exactly fits: no cut */
	{"abcdefghij", 10, 11, "abcdefghij"},
	{"abcde", 5, 6, "abcde"},
	{"a\x01", 2, 6, "a\\x01"},
	{"a", 1, 2, "a"},
	{"abc", 3, 4, "abc"},
	/* tiny buffers */
	{"abcdef", 6, 1, ""},
	{"abcdef", 6, 2, ""},
	{"abcdef", 6, 4, "..."},
	{"abcdef", 6, 5, "a..."},
	{"\x01\x02", 2, 4, "..."},
	{"", 0, 1, ""},
};

Test(report, escape)
{
    for (size_t ci = 0; ci < sizeof(report_escape_cases) / sizeof(report_escape_cases[0]); ci++) {
	const struct esc_case *c = &report_escape_cases[ci];
	char   *dst = malloc(c->dstlen + 8);

	memset(dst, 0x5a, c->dstlen + 8);
	rc_escape(dst, c->dstlen, c->in, c->inlen);
	for (size_t k = c->dstlen; k < c->dstlen + 8; k++)
	    cr_assert(eq(u8, (uint8_t) dst[k], 0x5a), "byte %zu written", k);
	cr_expect(eq(str, dst, c->want), "rc_escape(%zu bytes into %zu)", c->inlen, c->dstlen);
	free(dst);
    }
}

Test(report, escape_zero_length_buffer_untouched)
{
    char    dst[4] = {'x', 'y', 'z', 0};

    rc_escape(dst, 0, "abc", 3);
    cr_expect(eq(str, dst, "xyz"));
}

/*
 * escape_problem - what is wrong with one rc_escape() result, or NULL:
 * a byte past the end, no NUL, a byte that is not printable, a cut that
 * is not marked, or a cut of something that would have fitted
 */
static const char *
escape_problem(const unsigned char *src, size_t srclen, const char *dst, size_t dstlen)
{
    size_t  l, full = 0;

    for (size_t k = dstlen; k < dstlen + 8; k++)
	if ((unsigned char) dst[k] != 0x5a)
	    return ("a byte past the end was written");
    if (dstlen == 0)
	return (NULL);
    if ((l = strnlen(dst, dstlen)) == dstlen)
	return ("not NUL-terminated");
    for (size_t i = 0; i < l; i++)
	if (dst[i] < 0x20 || dst[i] >= 0x7f)
	    return ("a byte that is not printable ASCII");
    for (size_t i = 0; i < srclen; i++)
	full += (src[i] >= 0x20 && src[i] < 0x7f) ? 1 : 4;
    if (full < dstlen && l != full)
	return ("cut although it would have fitted");
    if (full >= dstlen && dstlen >= 4 && (l < 3 || strcmp(dst + l - 3, "...") != 0))
	return ("cut without the \"...\" mark");
    return (NULL);
}

Test(report, escape_random_bytes_stay_printable_and_bounded)
{
    unsigned long long x = 88172645463325252ULL;

    for (int round = 0; round < 2000; round++) {
	unsigned char src[64];
	size_t  srclen, dstlen;
	char   *dst;
	const char *problem;

	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	srclen = x % sizeof(src);
	dstlen = (x >> 8) % 80;
	for (size_t i = 0; i < srclen; i++) {
	    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	    src[i] = (unsigned char) x;
	}
	dst = malloc(dstlen + 8);
	cr_assert(dst != NULL);
	memset(dst, 0x5a, dstlen + 8);
	rc_escape(dst, dstlen, (const char *) src, srclen);
	problem = escape_problem(src, srclen, dst, dstlen);
	free(dst);
	cr_assert(zero(ptr, (void *) problem), "round %d: %zu bytes into %zu: %s", round, srclen,
		  dstlen, problem);
    }
}

/* ---- the site's spam score (spam_score_header) ---- */

/* spam_score= comes last; the combined score's rejection is action=reject. */
Test(report, log_line_spam_score)
{
    char    buf[400];
    RC_LOGEXTRA x = {.spam = "4.7->5.5"};
    RC_LOGLINE l;

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66");
    v.queries = 1;
    v.elapsed_ms = 3;
    rc_verdict_decide(cfg, &v);
    rc_report_log_acl(&v, "192.0.2.66", &x, buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=192.0.2.66 score=8 action=accept "
		 "checks=ptr_missing(+8) queries=1 time=3ms spam_score=4.7->5.5"));
    cr_assert(rc_report_parse_log(buf, &l), "%s", buf);
    cr_expect(eq(str, l.spam_score, "4.7->5.5"));
    cr_expect(eq(long, l.time_ms, 3));
    cr_expect(not(l.cut));
    cr_expect(eq(int, (int) l.action, (int) RC_ACCEPT));

    x.spam = "4.7->5.5";
    x.spam_reject = true;
    x.exempt = false;
    rc_report_log_acl(&v, "192.0.2.66", &x, buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=192.0.2.66 score=8 action=reject "
		 "checks=ptr_missing(+8) queries=1 time=3ms spam_score=4.7->5.5"));
    cr_assert(rc_report_parse_log(buf, &l), "%s", buf);
    cr_expect(eq(int, (int) l.action, (int) RC_REJECT));

    x = (RC_LOGEXTRA) {.spam = "missing", .exempt = true};
    rc_report_log_acl(&v, "192.0.2.66", &x, buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=192.0.2.66 score=8 action=accept "
		 "checks=ptr_missing(+8) queries=1 time=3ms exempt=yes spam_score=missing"));
    cr_assert(rc_report_parse_log(buf, &l), "%s", buf);
    cr_expect(eq(str, l.spam_score, "missing"));
    cr_expect(l.exempt);
}

/* A line without the field reads back with none. */
Test(report, log_line_without_spam_score)
{
    char    buf[400];
    RC_LOGLINE l;

    typical();
    rc_report_log(&v, "192.0.2.66", buf, sizeof(buf));
    cr_assert(rc_report_parse_log(buf, &l), "%s", buf);
    cr_expect(eq(str, l.spam_score, ""));
    cr_expect(eq(long, l.time_ms, 42));
}

Test(report, reply_combined)
{
    char    buf[400];

    add(RC_CHK_PTR_MISSING, RC_HIT, 8, "Relay Host: No DNS PTR record", "192.0.2.66");
    rc_verdict_decide(cfg, &v);
    cr_assert(eq(int, v.action, RC_ACCEPT));
    rc_report_reply_combined(&v, "192.0.2.66", "5.5", "5.0", buf, sizeof(buf));
    cr_expect(eq(str, buf,
		 "Relay host 192.0.2.66 failed sender checks (combined spam score 5.5 >= 5.0)\n"
		 "+8 Relay Host: No DNS PTR record (192.0.2.66): ask your Internet provider to "
		 "create a DNS PTR record for 192.0.2.66"));
}

/* One more folded line; the header still ends in a newline at every buffer size. */
Test(report, header_append_every_buffer_size)
{
    static const char head[] = "X-Relaycheck-Report: +8 Relay Host: No DNS PTR record\n";
    static const char line[] = "X-Spam-Score: 4.7 -> 5.5 (+8 x 0.1)";
    char    buf[200];

    snprintf(buf, sizeof(buf), "%s", head);
    rc_report_header_append(buf, sizeof(buf), line);
    cr_expect(eq(str, buf, "X-Relaycheck-Report: +8 Relay Host: No DNS PTR record\n"
		 "\tX-Spam-Score: 4.7 -> 5.5 (+8 x 0.1)\n"));
    for (size_t size = sizeof(head); size < sizeof(head) + sizeof(line) + 4; size++) {
	char   *b = malloc(size + 8);
	size_t  n;

	cr_assert(b != NULL);
	memset(b, 0x5a, size + 8);
	snprintf(b, size, "%s", head);
	rc_report_header_append(b, size, line);
	n = strlen(b);
	cr_expect(lt(sz, n, size), "size %zu", size);
	cr_expect(eq(chr, b[n - 1], '\n'), "size %zu: \"%s\"", size, b);
	cr_expect(not(n >= 2 && (b[n - 2] == '\t' || b[n - 2] == '\n')), "size %zu", size);
	cr_expect(eq(int, strncmp(b, head, sizeof(head) - 2), 0), "size %zu", size);
	for (size_t k = size; k < size + 8; k++)
	    cr_expect(eq(u8, (uint8_t) b[k], 0x5a), "size %zu: byte %zu written", size, k);
	free(b);
    }
    /* not a header (no final newline): left as it is */
    snprintf(buf, sizeof(buf), "X-A: b");
    rc_report_header_append(buf, sizeof(buf), line);
    cr_expect(eq(str, buf, "X-A: b"));
}
