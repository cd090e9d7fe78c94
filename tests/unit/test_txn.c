/*
 * test_txn.c - one result per message (dnscheck/txn.c): transaction
 * boundaries read from Exim's command history and $rcpt_count, reuse
 * with no DNS (counted at fakedns), the client-only call before MAIL,
 * exempt_recipients; and the ACL's yields and log fields (report.c).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck/report.h"
#include "dnscheck/resolver.h"
#include "dnscheck/txn.h"
#include "fakedns.h"
#include "testutil.h"

#define CLIENT		"192.0.2.66"
#define CLIENT_PTR	"66.2.0.192.in-addr.arpa"

static FAKEDNS *dns;
static RC_CONFIG *cfg;
static RC_TXN txn;
static RC_CONNCACHE cache;

static void
setup(void)
{
    char   *text;

    dns = fakedns_start();
    cr_assert(dns != NULL);
    fakedns_default(dns, FAKE_NXDOMAIN);
    text = xasprintf("[relaycheck]\nnameservers = 127.0.0.1:%d\ndns_timeout = 2s\n"
		     "reject_score = 8\n[rhsbl rhs.test]\nscore = 3\ntarget = sender\n"
		     "[scores]\nhelo_not_fqdn = 0\nhelo_mismatch = 0\n"
		     "sender_domain_unresolvable = 0\nspf_none = 0\nspf_fail = 0\n"
		     "spf_softfail = 0\nspf_permerror = 0\nspf_temperror = 0\n",
		     fakedns_port(dns));
    cfg = parse_ok(text);
    free(text);
    memset(&txn, 0, sizeof(txn));
    memset(&cache, 0, sizeof(cache));
}

static void
teardown(void)
{
    rc_config_free(cfg);
    fakedns_stop(dns);
}

TestSuite(txn, .init = setup, .fini = teardown, .timeout = 10.0);

/* boundary - rc_txn_boundary() of two points */
static bool
boundary(const char *then, int then_rcpts, const char *now, int now_rcpts)
{
    RC_TXN_POINT a = {then, then_rcpts}, b = {now, now_rcpts};

    return (rc_txn_boundary(&a, &b));
}

Test(txn, boundary_same_command)
{
    cr_expect(not(boundary("EHLO,MAIL,RCPT", 1, "EHLO,MAIL,RCPT", 1)));
}

Test(txn, boundary_more_rcpts_and_data)
{
    cr_expect(not(boundary("EHLO,MAIL,RCPT", 1, "EHLO,MAIL,RCPT,RCPT", 2)));
    cr_expect(not(boundary("EHLO,MAIL,RCPT,RCPT", 2, "EHLO,MAIL,RCPT,RCPT,DATA", 2)));
    cr_expect(not(boundary("EHLO,MAIL", 0, "EHLO,MAIL,RCPT", 1)));
}

Test(txn, boundary_rset_mail_helo)
{
    cr_expect(boundary("EHLO,MAIL,RCPT", 1, "EHLO,MAIL,RCPT,RSET,MAIL,RCPT", 1));
    cr_expect(boundary("EHLO,MAIL,RCPT", 1, "EHLO,MAIL,RCPT,MAIL,RCPT", 1));
    cr_expect(boundary("EHLO,MAIL,RCPT", 1, "EHLO,MAIL,RCPT,EHLO,MAIL,RCPT", 1));
    cr_expect(boundary("EHLO,MAIL,RCPT,RCPT", 2, "EHLO,MAIL,RCPT,RCPT,RSET,MAIL,RCPT", 1));
}

Test(txn, boundary_lower_rcpt_count)
{
    /* No history (unknown): the count alone decides. */
    cr_expect(boundary("", 2, "", 1));
    cr_expect(not(boundary("", 1, "", 1)));
    cr_expect(not(boundary(NULL, 1, NULL, 2)));
}

Test(txn, boundary_full_ring)
{
    /* Exim keeps the last 20 commands: windows that slid. */
    const char *then = "NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,"
	"NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,EHLO,MAIL,RCPT";
    const char *more = "NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,"
	"NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,EHLO,MAIL,RCPT,RCPT";
    const char *again = "NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,NOOP,"
	"NOOP,NOOP,NOOP,NOOP,EHLO,MAIL,RCPT,RSET,MAIL,RCPT";

    cr_expect(not(boundary(then, 1, more, 2)));
    cr_expect(boundary(then, 1, again, 1));
}

/* check - rc_txn_check() at a point, with these facts */
static const RC_VERDICT *
check(const char *helo, const char *sender, const char *history, int rcpts, bool *reused)
{
    RC_FACTS f = {.ip = CLIENT, .helo = helo, .sender = sender};
    RC_TXN_POINT pt = {history, rcpts};

    return (rc_txn_check(&txn, cfg, &f, &pt, &cache, reused));
}

Test(txn, same_message_reused_without_dns)
{
    const RC_VERDICT *v;
    bool    reused;

    v = check("mail.example", "a@s.example", "EHLO,MAIL,RCPT", 1, &reused);
    cr_expect(not(reused));
    cr_expect(eq(int, v->score, 8));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
    cr_expect(eq(int, fakedns_count(dns, "s.example.rhs.test", RC_T_A), 1));
    cr_expect(eq(int, txn.out.code, 550));
    txn.logged = true;

    /* the second expansion of the same RCPT, the next RCPT, then local_scan() */
    v = check("mail.example", "a@s.example", "EHLO,MAIL,RCPT", 1, &reused);
    cr_expect(reused);
    v = check("mail.example", "a@s.example", "EHLO,MAIL,RCPT,RCPT", 2, &reused);
    cr_expect(reused);
    v = check("mail.example", "a@s.example", "EHLO,MAIL,RCPT,RCPT,DATA", 2, &reused);
    cr_expect(reused);
    cr_expect(eq(int, v->score, 8));
    cr_expect(txn.logged, "the log line of the message is not written again");
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
    cr_expect(eq(int, fakedns_count(dns, "s.example.rhs.test", RC_T_A), 1));
}

Test(txn, new_transaction_checked_again)
{
    bool    reused;

    (void) check("mail.example", "a@s.example", "EHLO,MAIL,RCPT", 1, &reused);
    txn.logged = true;
    (void) check("mail.example", "a@s.example", "EHLO,MAIL,RCPT,RSET,MAIL,RCPT", 1, &reused);
    cr_expect(not(reused));
    cr_expect(not(txn.logged));
    /* the message's rows again; the client's from the connection cache */
    cr_expect(eq(int, fakedns_count(dns, "s.example.rhs.test", RC_T_A), 2));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
}

Test(txn, local_scan_ends_the_transaction)
{
    bool    reused;

    (void) check("mail.example", "a@s.example", "EHLO,MAIL,RCPT,DATA", 1, &reused);
    rc_txn_end(&txn);
    (void) check("mail.example", "a@s.example", "EHLO,MAIL,RCPT,DATA", 1, &reused);
    cr_expect(not(reused));
}

Test(txn, other_facts_checked_again)
{
    bool    reused;

    (void) check("mail.example", "a@s.example", "EHLO,MAIL,RCPT", 1, &reused);
    (void) check("mail.example", "b@t.example", "EHLO,MAIL,RCPT", 1, &reused);
    cr_expect(not(reused));
    (void) check("other.example", "b@t.example", "EHLO,MAIL,RCPT", 1, &reused);
    cr_expect(not(reused));
}

Test(txn, client_only_before_mail_then_completed)
{
    const RC_VERDICT *v;
    bool    reused;

    /* HELO: no sender, so no sender rows: the rhsbl is not asked */
    v = check("mail.example", NULL, "EHLO", 0, &reused);
    cr_expect(not(reused));
    cr_expect(eq(int, v->score, 8));
    cr_expect(eq(int, fakedns_count(dns, "s.example.rhs.test", RC_T_A), 0));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
    /* the same HELO again (a second expansion): reused */
    (void) check("mail.example", NULL, "EHLO", 0, &reused);
    cr_expect(reused);
    /* MAIL: the sender's rows run, the client's come from the cache */
    fakedns_add(dns, "s.example.rhs.test", RC_T_A, FAKE_ANSWER, "127.0.0.2", 0);
    v = check("mail.example", "a@s.example", "EHLO,MAIL", 0, &reused);
    cr_expect(not(reused));
    cr_expect(v->reused, "client rows from the connection cache");
    cr_expect(eq(int, v->score, 11));
    cr_expect(eq(int, fakedns_count(dns, "s.example.rhs.test", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(dns, CLIENT_PTR, RC_T_PTR), 1));
}

Test(txn, exempt_local_parts)
{
    cr_expect(rc_txn_exempt(cfg, "postmaster@example.org"));
    cr_expect(rc_txn_exempt(cfg, "PostMaster@example.org"));
    cr_expect(rc_txn_exempt(cfg, "abuse@example.org"));
    cr_expect(rc_txn_exempt(cfg, "\"odd@part\"@abuse@example.org") == false);
    cr_expect(not(rc_txn_exempt(cfg, "postmaster2@example.org")));
    cr_expect(not(rc_txn_exempt(cfg, "@example.org")));
    cr_expect(not(rc_txn_exempt(cfg, NULL)));
    cr_expect(rc_txn_exempt(cfg, "postmaster"), "no domain: the whole address");
}

Test(txn, exempt_list_replaced_and_emptied)
{
    RC_CONFIG *c = parse_ok("[relaycheck]\nexempt_recipients = Hostmaster, noc\n"
			    "exempt_recipients = security\n");

    cr_expect(rc_txn_exempt(c, "hostmaster@x.example"));
    cr_expect(rc_txn_exempt(c, "NOC@x.example"));
    cr_expect(rc_txn_exempt(c, "security@x.example"));
    cr_expect(not(rc_txn_exempt(c, "postmaster@x.example")), "the default was replaced");
    rc_config_free(c);
    c = parse_ok("[relaycheck]\nexempt_recipients =\n");
    cr_expect(not(rc_txn_exempt(c, "postmaster@x.example")));
    rc_config_free(c);
}

/* ---- the yields and log fields (report.c) ---- */

Test(txn, acl_verdict_yield)
{
    RC_VERDICT v;
    char    buf[256];

    memset(&v, 0, sizeof(v));
    rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_HIT, 8, "t", "d");
    rc_verdict_add(&v, RC_CHK_HELO_MISMATCH, RC_TEMP, 0, "t", "d");
    v.score = 8;
    v.action = RC_TEMPREJECT;
    rc_report_acl_verdict(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "action=tempreject score=8 checks=ptr_missing(+8),helo_mismatch(temp)"));
    memset(&v, 0, sizeof(v));
    v.skipped = true;
    snprintf(v.skip_reason, sizeof(v.skip_reason), "skip_hosts 127.0.0.0/8");
    rc_report_acl_verdict(&v, buf, sizeof(buf));
    cr_expect(eq(str, buf, "action=accept score=0 checks=none skipped=\"skip_hosts 127.0.0.0/8\""));
}

Test(txn, log_line_acl_fields_read_back)
{
    RC_VERDICT v;
    RC_LOGEXTRA x = {.reused = true, .exempt = true, .acl = "deny"};
    RC_LOGLINE l;
    char    buf[512];

    memset(&v, 0, sizeof(v));
    rc_verdict_add(&v, RC_CHK_PTR_MISSING, RC_HIT, 8, "t", "d");
    v.score = 8;
    v.action = RC_REJECT;
    v.queries = 2;
    v.elapsed_ms = 3;
    rc_report_log_acl(&v, CLIENT, &x, buf, sizeof(buf));
    cr_expect(eq(str, buf, "relaycheck: ip=192.0.2.66 score=8 action=reject "
		 "checks=ptr_missing(+8) queries=2 reused=yes time=3ms exempt=yes acl=deny"));
    cr_assert(rc_report_parse_log(buf, &l));
    cr_expect(not(l.cut));
    cr_expect(l.exempt);
    cr_expect(l.reused);
    cr_expect(eq(str, l.acl, "deny"));
    cr_expect(eq(int, l.queries, 2));
    cr_expect(eq(sz, l.nitems, 1));
}
