/*
 * test_resolver.c - the per-message udns session against fakedns:
 * deadline, answer kinds, parallelism, chained queries, reverse names,
 * resolv.conf parsing
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <udns.h>
#include <unistd.h>

#include "allowlist/addr.h"
#include "dnscheck/resolver.h"
#include "fakedns.h"
#include "testutil.h"

static FAKEDNS *dns;
static RC_RESOLVER res;
static bool res_open;

static void
setup(void)
{
    dns = fakedns_start();
    cr_assert(dns != NULL);
    res_open = false;
}

static void
teardown(void)
{
    if (res_open)
	rc_resolver_close(&res);
    fakedns_stop(dns);
}

/* open_res - a resolver session pointed at fakedns */
static void
open_res(int budget_ms)
{
    struct sockaddr_storage ss;
    char    err[200];

    fakedns_sockaddr(dns, &ss);
    cr_assert(rc_resolver_open(&res, &ss, 1, NULL, budget_ms, err, sizeof(err)),
	      "open: %s", err);
    res_open = true;
}

static RC_QUERY *
submit(const char *name, int type)
{
    RC_QUERY *q = rc_query_submit(&res, name, type, NULL, NULL, 0);

    cr_assert(q != NULL, "submit %s", name);
    return (q);
}

TestSuite(resolver, .init = setup, .fini = teardown, .timeout = 10.0);

/* ---- the deadline ---- */

Test(resolver, deadline_never_answering_server)
{
    RC_QUERY *q;
    long long t0, took;
    char    how[64];
    long    n;

    fakedns_add(dns, "silent.example", RC_T_A, FAKE_DROP, NULL, 0);
    t0 = rc_now_ms();
    open_res(300);
    q = submit("silent.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    took = rc_now_ms() - t0;
    cr_expect(ge(llong, took, 300));
    cr_expect(le(llong, took, 400), "took %lld ms for a 300 ms budget", took);
    cr_expect(eq(int, q->state, RC_Q_PENDING));
    cr_expect(res.expired);
    cr_expect(ge(int, fakedns_count(dns, "silent.example", RC_T_A), 1));
    rc_query_describe(q, how, sizeof(how));
    cr_assert(eq(int, sscanf(how, "timeout after %ld ms", &n), 1), "%s", how);
    cr_expect(ge(long, n, 295));
    cr_expect(le(long, n, 400));
}

Test(resolver, deadline_dead_port)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *) (void *) &ss;
    char    err[200];
    long long t0, took;
    RC_QUERY *q;
    int     s = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t slen = sizeof(*sin);

    /* A port that certainly has no listener: bind one, note it, close it. */
    memset(&ss, 0, sizeof(ss));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(bind(s, (struct sockaddr *) sin, sizeof(*sin)) == 0);
    cr_assert(getsockname(s, (struct sockaddr *) sin, &slen) == 0);
    close(s);
    t0 = rc_now_ms();
    cr_assert(rc_resolver_open(&res, &ss, 1, NULL, 250, err, sizeof(err)));
    res_open = true;
    q = submit("x.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    took = rc_now_ms() - t0;
    cr_expect(ge(llong, took, 250));
    cr_expect(le(llong, took, 350), "took %lld ms", took);
    cr_expect(eq(int, q->state, RC_Q_PENDING));
}

Test(resolver, deadline_over_retries)
{
    /* 1500 ms: udns's own retransmissions happen inside the budget. */
    RC_QUERY *q;
    long long t0, took;

    fakedns_add(dns, "silent.example", FAKE_ANY, FAKE_DROP, NULL, 0);
    t0 = rc_now_ms();
    open_res(1500);
    q = submit("silent.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    took = rc_now_ms() - t0;
    cr_expect(ge(llong, took, 1500));
    cr_expect(le(llong, took, 1600), "took %lld ms", took);
    cr_expect(eq(int, q->state, RC_Q_PENDING));
    cr_expect(ge(int, fakedns_count(dns, "silent.example", RC_T_A), 1));
}

Test(resolver, junk_reply_is_ignored_until_deadline)
{
    RC_QUERY *q;
    long long t0, took;

    fakedns_add(dns, "junk.example", RC_T_A, FAKE_JUNK, NULL, 0);
    t0 = rc_now_ms();
    open_res(300);
    q = submit("junk.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    took = rc_now_ms() - t0;
    cr_expect(eq(int, q->state, RC_Q_PENDING), "state %d status %d after %lld ms",
	      q->state, q->dns_status, q->finished_ms);
    cr_expect(le(llong, took, 400), "took %lld ms", took);
}

/*
 * udns counts its retransmission deadlines in whole seconds of time(). A
 * loop woken just after a second boundary by another answer must not let
 * udns end a query that is still inside the budget: with a 1000 ms budget
 * a reply that takes 400 ms has to be waited for, whenever it was sent.
 */
static void
align_to_ms_of_second(long want)
{
    struct timespec ts;
    long    now_ms, sleep_ms;

    clock_gettime(CLOCK_REALTIME, &ts);
    now_ms = ts.tv_nsec / 1000000;
    sleep_ms = (want - now_ms + 1000) % 1000;
    usleep((useconds_t) sleep_ms * 1000);
}

/*
 * slow_and_tick - at ms_of_second of a wall-clock second, a query answered
 * after 400 ms and one answered after 200 ms, whose answer wakes the loop
 * after the second boundary; wait for both within budget_ms
 */
static void
slow_and_tick(long ms_of_second, int budget_ms, RC_QUERY **slow, RC_QUERY **tick)
{
    fakedns_add(dns, "slow.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 400);
    fakedns_add(dns, "tick.example", RC_T_A, FAKE_ANSWER, "192.0.2.2", 200);
    align_to_ms_of_second(ms_of_second);
    open_res(budget_ms);
    *slow = submit("slow.example", RC_T_A);
    *tick = submit("tick.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    cr_expect(eq(int, (*tick)->state, RC_Q_OK));
}

Test(resolver, second_boundary_does_not_cut_the_budget)
{
    RC_QUERY *slow, *tick;

    slow_and_tick(880, 1000, &slow, &tick);
    cr_expect(eq(int, slow->state, RC_Q_OK),
	      "a 400 ms answer was given up after %lld ms of a 1000 ms budget "
	      "(state %d, status %d)", slow->finished_ms - slow->submitted_ms,
	      slow->state, slow->dns_status);
}

/*
 * Before udns was given our own clock, a query sent at x.9 s went out again
 * as soon as another answer woke the loop after the second boundary: here
 * the second query's answer, at x.1 s, would have resent the first 200 ms
 * after it was sent, its answer still on the way.
 */
Test(resolver, no_retry_before_its_timeout)
{
    RC_QUERY *slow, *tick;

    slow_and_tick(900, 3000, &slow, &tick);
    cr_expect(eq(int, slow->state, RC_Q_OK));
    cr_expect(eq(int, fakedns_count(dns, "slow.example", RC_T_A), 1),
	      "slow.example was sent %d times before its 400 ms answer",
	      fakedns_count(dns, "slow.example", RC_T_A));
}

/* A silent server: the retry after 1 s, the next after 2 s more, beyond this budget. */
Test(resolver, retry_schedule_of_a_silent_server)
{
    struct fake_query log[8];
    int     n;

    fakedns_add(dns, "silent.example", FAKE_ANY, FAKE_DROP, NULL, 0);
    open_res(2500);
    (void) submit("silent.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    n = fakedns_log(dns, log, 8);
    cr_assert(eq(int, n, 2), "%d queries sent in a 2500 ms budget", n);
    cr_expect(ge(llong, log[1].t_ms - log[0].t_ms, 750), "retry after %lld ms",
	      log[1].t_ms - log[0].t_ms);
    cr_expect(le(llong, log[1].t_ms - log[0].t_ms, 1100), "retry after %lld ms",
	      log[1].t_ms - log[0].t_ms);
}

/* ---- how each kind of reply ends a query ---- */

struct kind_case {
    int         kind;
    int         state;
    int         status;
    char        describe[48];		/* prefix of rc_query_describe() */
};

ParameterizedTestParameters(resolver, reply_kinds)
{
    static struct kind_case cases[] = {
	{FAKE_NXDOMAIN, RC_Q_ABSENT, DNS_E_NXDOMAIN, "NXDOMAIN"},
	{FAKE_NODATA, RC_Q_ABSENT, DNS_E_NODATA, "no data"},
	{FAKE_SERVFAIL, RC_Q_FAILED, DNS_E_TEMPFAIL, "server failure or no answer after "},
	{FAKE_REFUSED, RC_Q_FAILED, DNS_E_TEMPFAIL, "server failure or no answer after "},
	{FAKE_TC, RC_Q_FAILED, DNS_E_TEMPFAIL, "server failure or no answer after "},
	{FAKE_GARBAGE, RC_Q_FAILED, DNS_E_PROTOCOL, "unparsable answer after "},
	{FAKE_ANSWER, RC_Q_OK, 0, "answered in "},
    };

    return (cr_make_param_array(struct kind_case, cases, sizeof(cases) / sizeof(cases[0])));
}

ParameterizedTest(struct kind_case *c, resolver, reply_kinds)
{
    RC_QUERY *q;
    char    how[80];
    long long t0 = rc_now_ms();

    fakedns_add(dns, "q.example", RC_T_A, (enum fake_kind) c->kind, "192.0.2.7", 0);
    open_res(3000);
    q = submit("q.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    /* Every one of these ends at once, not at the deadline. */
    cr_expect(lt(llong, rc_now_ms() - t0, 200));
    cr_expect(not(res.expired));
    cr_assert(eq(int, q->state, c->state));
    cr_expect(eq(int, q->dns_status, c->status));
    cr_expect(eq(int, res.npending, 0));
    cr_expect(eq(int, q->result != NULL, c->state == RC_Q_OK));
    rc_query_describe(q, how, sizeof(how));
    cr_expect(eq(int, strncmp(how, c->describe, strlen(c->describe)), 0), "\"%s\"", how);
    /* SERVFAIL, REFUSED, TC: no second try at the same (only) server. */
    cr_expect(eq(int, fakedns_count(dns, "q.example", RC_T_A), 1));
}

/* ---- answers are parsed ---- */

Test(resolver, answer_a_aaaa_ptr_txt)
{
    RC_QUERY *qa, *q6, *qp, *qt;
    static char longtxt[601];
    char    txt[800];
    struct dns_rr_a4 *a4;
    struct dns_rr_a6 *a6;
    struct dns_rr_ptr *ptr;
    struct dns_rr_txt *t;
    char    buf[64];

    memset(longtxt, 'x', 600);
    longtxt[0] = 'v';
    snprintf(txt, sizeof(txt), "v=spf1 -all|%s", longtxt);
    fakedns_add(dns, "Host.Example.", RC_T_A, FAKE_ANSWER, "192.0.2.1 192.0.2.2", 0);
    fakedns_add(dns, "host.example", RC_T_AAAA, FAKE_ANSWER, "2001:db8::25", 0);
    fakedns_add(dns, "1.2.0.192.in-addr.arpa", RC_T_PTR, FAKE_ANSWER,
		"mx1.example mx2.example", 0);
    fakedns_add(dns, "host.example", RC_T_TXT, FAKE_ANSWER, txt, 0);
    open_res(2000);
    qa = submit("HOST.example", RC_T_A);
    q6 = submit("host.example", RC_T_AAAA);
    qp = submit("1.2.0.192.in-addr.arpa", RC_T_PTR);
    qt = submit("host.example", RC_T_TXT);
    rc_resolver_wait(&res, NULL);
    cr_assert(eq(int, qa->state, RC_Q_OK));
    cr_assert(eq(int, q6->state, RC_Q_OK));
    cr_assert(eq(int, qp->state, RC_Q_OK));
    cr_assert(eq(int, qt->state, RC_Q_OK));

    a4 = qa->result;
    cr_assert(eq(int, a4->dnsa4_nrr, 2));
    inet_ntop(AF_INET, &a4->dnsa4_addr[0], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.1"));
    inet_ntop(AF_INET, &a4->dnsa4_addr[1], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.2"));

    a6 = q6->result;
    cr_assert(eq(int, a6->dnsa6_nrr, 1));
    inet_ntop(AF_INET6, &a6->dnsa6_addr[0], buf, sizeof(buf));
    cr_expect(eq(str, buf, "2001:db8::25"));

    ptr = qp->result;
    cr_assert(eq(int, ptr->dnsptr_nrr, 2));
    cr_expect(eq(str, ptr->dnsptr_ptr[0], "mx1.example"));
    cr_expect(eq(str, ptr->dnsptr_ptr[1], "mx2.example"));

    t = qt->result;
    cr_assert(eq(int, t->dnstxt_nrr, 2));
    cr_expect(eq(str, (char *) t->dnstxt_txt[0].txt, "v=spf1 -all"));
    cr_expect(eq(int, t->dnstxt_txt[1].len, 600));	/* three strings, joined */
    cr_expect(eq(str, (char *) t->dnstxt_txt[1].txt, longtxt));
}

/* The accessors every check reads answers through (no udns.h outside the resolver). */
Test(resolver, accessors_a6_mx_ttl_nxdomain)
{
    RC_QUERY *q6, *qm, *qn, *qnull, *qx, *qd;
    unsigned char a[16];
    char    buf[64];
    const char *name = NULL;
    int     pref = -1;

    fakedns_add(dns, "host.example", RC_T_AAAA, FAKE_ANSWER, "2001:db8::25 2001:db8::26", 0);
    fakedns_add(dns, "host.example", RC_T_MX, FAKE_ANSWER, "10:mx1.example 20:MX2.example", 0);
    fakedns_add(dns, "null.example", RC_T_MX, FAKE_ANSWER, "0:.", 0);
    fakedns_add(dns, "gone.example", RC_T_MX, FAKE_NXDOMAIN, NULL, 0);
    fakedns_add(dns, "empty.example", RC_T_MX, FAKE_NODATA, NULL, 0);
    open_res(2000);
    q6 = submit("host.example", RC_T_AAAA);
    qm = submit("host.example", RC_T_MX);
    qn = submit("null.example", RC_T_MX);
    qx = submit("gone.example", RC_T_MX);
    qd = submit("empty.example", RC_T_MX);
    qnull = rc_query_submit(&res, "bad..name", RC_T_MX, NULL, NULL, 0);
    cr_expect(qnull == NULL);
    cr_expect(rc_resolver_bad_name(&res), "udns refused the name");
    rc_resolver_wait(&res, NULL);

    cr_assert(eq(int, rc_query_a6(q6, 0, NULL), 2));
    cr_assert(eq(int, rc_query_a6(q6, 1, a), 2));
    inet_ntop(AF_INET6, a, buf, sizeof(buf));
    cr_expect(eq(str, buf, "2001:db8::26"));
    cr_expect(eq(int, rc_query_a4(q6, 0, NULL), 0), "not an A answer");
    cr_expect(eq(u32, rc_query_ttl(q6), 300));

    cr_assert(eq(int, rc_query_mx(qm, 1, &pref, &name), 2));
    cr_expect(eq(int, pref, 20));
    cr_expect(eq(str, (char *) name, "MX2.example"));
    cr_assert(eq(int, rc_query_mx(qn, 0, &pref, &name), 1));
    cr_expect(eq(int, pref, 0));
    cr_expect(eq(str, (char *) name, ""), "a null MX's exchange: the root is \"\"");

    cr_expect(eq(int, qx->state, RC_Q_ABSENT));
    cr_expect(rc_query_nxdomain(qx));
    cr_expect(eq(int, qd->state, RC_Q_ABSENT));
    cr_expect(not(rc_query_nxdomain(qd)), "NODATA is not NXDOMAIN");
    cr_expect(eq(int, rc_query_mx(qx, 0, NULL, NULL), 0));
    cr_expect(eq(u32, rc_query_ttl(qx), 0));
}

/* ---- parallelism and chaining ---- */

Test(resolver, parallel_queries_take_the_longest_not_the_sum)
{
    RC_QUERY *q[5];
    char    name[32];
    long long t0, took, first = -1, last = -1;

    for (int i = 0; i < 5; i++) {
	snprintf(name, sizeof(name), "slow%d.example", i);
	fakedns_add(dns, name, RC_T_A, FAKE_ANSWER, "192.0.2.9", 200);
    }
    t0 = rc_now_ms();
    open_res(2000);
    for (int i = 0; i < 5; i++) {
	snprintf(name, sizeof(name), "slow%d.example", i);
	q[i] = submit(name, RC_T_A);
    }
    rc_resolver_wait(&res, NULL);
    took = rc_now_ms() - t0;
    for (int i = 0; i < 5; i++) {
	long long t;

	cr_expect(eq(int, q[i]->state, RC_Q_OK), "query %d", i);
	cr_expect(ge(llong, q[i]->finished_ms - q[i]->submitted_ms, 195));
	snprintf(name, sizeof(name), "slow%d.example", i);
	t = fakedns_first_ms(dns, name, RC_T_A);
	cr_assert(ge(llong, t, 0));
	first = (first < 0 || t < first) ? t : first;
	last = t > last ? t : last;
    }
    cr_expect(ge(llong, took, 200));
    cr_expect(lt(llong, took, 350), "5 x 200 ms took %lld ms", took);
    cr_expect(lt(llong, last - first, 50), "queries were not sent together");
}

static RC_QUERY *chained;

static void
chain_cb(RC_QUERY *q)
{
    if (q->index == 1)
	chained = rc_query_submit(q->resolver, "second.example", RC_T_A, chain_cb, NULL, 2);
}

Test(resolver, chain_submitted_from_callback)
{
    RC_QUERY *q1;

    fakedns_add(dns, "first.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 50);
    fakedns_add(dns, "second.example", RC_T_A, FAKE_ANSWER, "192.0.2.2", 50);
    open_res(2000);
    chained = NULL;
    q1 = rc_query_submit(&res, "first.example", RC_T_A, chain_cb, NULL, 1);
    cr_assert(q1 != NULL);
    rc_resolver_wait(&res, NULL);
    cr_assert(eq(int, q1->state, RC_Q_OK));
    cr_assert(chained != NULL);
    cr_expect(eq(int, chained->state, RC_Q_OK));
    cr_expect(ge(llong, chained->submitted_ms, q1->finished_ms));
    cr_expect(ge(llong, chained->finished_ms - chained->submitted_ms, 45));
    cr_expect(eq(int, res.nqueries, 2));
    cr_expect(eq(int, res.npending, 0));
    cr_expect(lt(llong, rc_resolver_elapsed(&res), 400));
}

Test(resolver, wait_for_one_query)
{
    RC_QUERY *fast, *slow;

    fakedns_add(dns, "fast.example", RC_T_A, FAKE_ANSWER, "192.0.2.1", 0);
    fakedns_add(dns, "slow.example", RC_T_A, FAKE_ANSWER, "192.0.2.2", 300);
    open_res(2000);
    slow = submit("slow.example", RC_T_A);
    fast = submit("fast.example", RC_T_A);
    rc_resolver_wait(&res, fast);
    cr_expect(eq(int, fast->state, RC_Q_OK));
    cr_expect(eq(int, slow->state, RC_Q_PENDING));
    cr_expect(lt(llong, rc_resolver_elapsed(&res), 150));
    rc_resolver_wait(&res, NULL);
    cr_expect(eq(int, slow->state, RC_Q_OK));
    cr_expect(ge(llong, rc_resolver_elapsed(&res), 295));
}

/* ---- what cannot be submitted ---- */

Test(resolver, unusable_queries)
{
    static char longlabel[80];

    memset(longlabel, 'a', 70);
    strcpy(longlabel + 70, ".example");
    open_res(500);
    cr_expect(rc_query_submit(&res, "bad..name", RC_T_A, NULL, NULL, 0) == NULL);
    cr_expect(rc_query_submit(&res, longlabel, RC_T_A, NULL, NULL, 0) == NULL);
    cr_expect(rc_query_submit(&res, "ok.example", 99 /* SPF */, NULL, NULL, 0) == NULL);
    cr_expect(eq(int, res.nqueries, 0));
    cr_expect(eq(int, res.npending, 0));
    rc_resolver_wait(&res, NULL);		/* nothing to wait for: returns */
    cr_expect(lt(llong, rc_resolver_elapsed(&res), 50));
}

Test(resolver, query_cap_per_message)
{
    char    name[32];

    open_res(500);
    for (int i = 0; i < RC_MAX_QUERIES; i++) {
	snprintf(name, sizeof(name), "n%d.example", i);
	cr_assert(rc_query_submit(&res, name, RC_T_A, NULL, NULL, i) != NULL, "query %d", i);
    }
    cr_expect(rc_query_submit(&res, "one-more.example", RC_T_A, NULL, NULL, 0) == NULL);
    cr_expect(eq(int, res.nqueries, RC_MAX_QUERIES));
    /* closed with every query outstanding: nothing leaks, no callback runs */
}

Test(resolver, describe_null_query)
{
    char    how[32];

    rc_query_describe(NULL, how, sizeof(how));
    cr_expect(eq(str, how, "query not sent"));
}

Test(resolver, second_server_answers_after_servfail)
{
    /* Two servers: the first fails, udns moves on to the second. */
    FAKEDNS *good = fakedns_start();
    struct sockaddr_storage ss[2];
    char    err[200];
    RC_QUERY *q;

    cr_assert(good != NULL);
    fakedns_add(dns, "two.example", RC_T_A, FAKE_SERVFAIL, NULL, 0);
    fakedns_add(good, "two.example", RC_T_A, FAKE_ANSWER, "192.0.2.2", 0);
    fakedns_sockaddr(dns, &ss[0]);
    fakedns_sockaddr(good, &ss[1]);
    cr_assert(rc_resolver_open(&res, ss, 2, NULL, 3000, err, sizeof(err)), "%s", err);
    res_open = true;
    q = submit("two.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    cr_expect(eq(int, q->state, RC_Q_OK));
    cr_expect(eq(int, fakedns_count(dns, "two.example", RC_T_A), 1));
    cr_expect(eq(int, fakedns_count(good, "two.example", RC_T_A), 1));
    rc_resolver_close(&res);
    res_open = false;
    fakedns_stop(good);
}

/* ---- reverse names ---- */

struct rev_case {
    char        ip[48];
    char        zone[32];
    char        want[128];
};

static const struct rev_case resolver_reverse_name_cases[] = {
	{"192.0.2.66", "in-addr.arpa", "66.2.0.192.in-addr.arpa"},
	{"10.20.30.40", "zen.spamhaus.org", "40.30.20.10.zen.spamhaus.org"},
	{"0.0.0.0", "in-addr.arpa", "0.0.0.0.in-addr.arpa"},
	{"255.255.255.255", "in-addr.arpa", "255.255.255.255.in-addr.arpa"},
	{"::ffff:198.51.100.7", "in-addr.arpa", "7.100.51.198.in-addr.arpa"},
	{"2001:db8::1", "ip6.arpa",
	 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
	{"2001:db8:abcd:12::fe", "ip6.arpa",
	 "e.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa"},
	{"::1", "bl.example",
	 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.example"},
};

Test(resolver, reverse_name)
{
    for (size_t ci = 0; ci < sizeof(resolver_reverse_name_cases) / sizeof(resolver_reverse_name_cases[0]); ci++) {
	const struct rev_case *c = &resolver_reverse_name_cases[ci];
	RC_ADDR a;
	char    buf[128];

	cr_assert(rc_addr_parse(c->ip, &a));
	cr_assert(rc_reverse_name(a.b, a.v4, c->zone, buf, sizeof(buf)), "%s", c->ip);
	cr_expect(eq(str, buf, c->want), "%s under %s", c->ip, c->zone);
    }
}

Test(resolver, reverse_name_small_buffer)
{
    RC_ADDR a;
    char    buf[80];

    cr_assert(rc_addr_parse("192.0.2.66", &a));
    /* "66.2.0.192.in-addr.arpa" is 23 characters: 24 bytes fit, 23 do not */
    cr_expect(rc_reverse_name(a.b, true, "in-addr.arpa", buf, 24));
    cr_expect(eq(str, buf, "66.2.0.192.in-addr.arpa"));
    cr_expect(not(rc_reverse_name(a.b, true, "in-addr.arpa", buf, 23)));
    cr_assert(rc_addr_parse("2001:db8::1", &a));
    /* 64 nibble characters + "ip6.arpa" + NUL = 73 */
    cr_expect(rc_reverse_name(a.b, false, "ip6.arpa", buf, 73));
    cr_expect(eq(sz, strlen(buf), 72));
    cr_expect(not(rc_reverse_name(a.b, false, "ip6.arpa", buf, 72)));
}

/* ---- resolv.conf ---- */

static char *
temp_file(const char *text)
{
    char   *path = strdup("/tmp/rc-unit-XXXXXX");
    int     fd = mkstemp(path);

    cr_assert(fd >= 0);
    cr_assert(eq(sz, (size_t) write(fd, text, strlen(text)), strlen(text)));
    close(fd);
    return (path);
}

Test(resolver, resolv_conf_servers)
{
    char   *path = temp_file("# a comment\n"
			     "; nameserver 192.0.2.99\n"
			     "search example.org\n"
			     "nameserver 192.0.2.1\n"
			     "  nameserver\t2001:db8::53   # trailing comment\n"
			     "nameserver fe80::1%eth0\n"
			     "nameservers 192.0.2.98\n"
			     "nameserver not-an-ip\n"
			     "nameserver 192.0.2.2;x\n"
			     "options timeout:1\n"
			     "nameserver 192.0.2.3");	/* no final newline */
    struct sockaddr_storage ss[6];
    char    buf[80];
    size_t  n = rc_resolv_conf_servers(path, ss, 6);

    cr_assert(eq(sz, n, 4));
    ss_text(&ss[0], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.1:53"));
    ss_text(&ss[1], buf, sizeof(buf));
    cr_expect(eq(str, buf, "[2001:db8::53]:53"));
    ss_text(&ss[2], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.2:53"));
    ss_text(&ss[3], buf, sizeof(buf));
    cr_expect(eq(str, buf, "192.0.2.3:53"));
    /* at most max */
    cr_expect(eq(sz, rc_resolv_conf_servers(path, ss, 2), 2));
    ss_text(&ss[1], buf, sizeof(buf));
    cr_expect(eq(str, buf, "[2001:db8::53]:53"));
    unlink(path);
    free(path);
    cr_expect(eq(sz, rc_resolv_conf_servers("/nonexistent/resolv.conf", ss, 6), 0));
}

Test(resolver, open_without_any_server)
{
    char   *path = temp_file("search example.org\n");
    char    err[200], want[300];

    cr_expect(not(rc_resolver_open(&res, NULL, 0, path, 1000, err, sizeof(err))));
    snprintf(want, sizeof(want), "no nameserver in %s", path);
    cr_expect(eq(str, err, want));
    unlink(path);
    free(path);
}

/*
 * libudns is opened by the first rc_resolver_open(), not when the module is
 * loaded (issue 16): not there before, there after. A library that does not
 * load, or lacks udns's functions, fails with why and leaves nothing behind:
 * the next open loads the real one.
 */
Test(resolver, udns_loaded_on_first_open)
{
    static const unsigned char want[16] = {[12] = 192, [14] = 2, [15] = 7};
    RC_QUERY *q;
    char    err[200], first[64];
    bool    found;

    cr_expect(dlopen(RC_UDNS_SONAME, RTLD_LAZY | RTLD_NOLOAD) == NULL,
	      "libudns is loaded before the first rc_resolver_open()");
    cr_expect(not(rc_resolver_load("librc-no-such-udns.so.0", err, sizeof(err))));
    cr_expect(strncmp(err, "cannot load librc-no-such-udns.so.0: ", 37) == 0, "%s", err);
    cr_expect(not(rc_resolver_load("libc.so.6", err, sizeof(err))));
    cr_expect(eq(str, err, "cannot load libc.so.6: no dns_active"));
    fakedns_add(dns, "loaded.example.", RC_T_A, FAKE_ANSWER, "192.0.2.7", 0);
    open_res(5000);			/* an answer waited for, not timed */
    cr_expect(dlopen(RC_UDNS_SONAME, RTLD_LAZY | RTLD_NOLOAD) != NULL);
    q = submit("loaded.example", RC_T_A);
    rc_resolver_wait(&res, NULL);
    cr_expect(eq(int, rc_query_addrs(q, want, true, &found, first, sizeof(first)), 1));
    cr_expect(found);
    cr_expect(eq(str, first, "192.0.2.7"));
}
