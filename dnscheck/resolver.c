/*
 * resolver.c - the per-message udns session and its poll loop
 *
 * udns facts this file relies on (see doc/HACKING.md, 4.2 udns):
 *   - dns_new(NULL) asserts that the default context was initialised, so
 *     dns_reset(NULL) comes first; dns_init() is never called (it reads
 *     resolv.conf with strtok and its name clashes with Exim's dns_init);
 *   - servers and options are set before dns_open() (asserts otherwise);
 *   - a submitted query is only sent by the next dns_timeouts();
 *   - dns_free() drops active queries without calling their callbacks, so
 *     every RC_QUERY is owned here, not by udns, and survives that;
 *   - udns keeps its retry deadlines in the units of the `now' it is given,
 *     and in whole seconds of time() when given 0: a query sent at x.99 s
 *     would go out again 10 ms later, on the next answer's wake-up. It is
 *     given our own clock instead (udns_now(): ticks since the session
 *     opened), so every retry waits its timeout to within one tick;
 *   - the real limit is our own millisecond deadline on CLOCK_MONOTONIC;
 *   - Debian's libudns is not linked with -z now, so opened RTLD_LAZY it binds
 *     only the functions it calls (see rc_resolver_load()).
 * No signal, alarm or signal mask is touched: Exim's SIGALRM timeout for
 * local_scan stays in force, and EINTR just goes round the loop again.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <udns.h>

#include "lazylib.h"

/* The unit of udns's clock here; also its step to the next server. */
#define RC_UDNS_TICK_MS	250

/*
 * libudns is opened by the first rc_resolver_open() of the process, not named
 * to the dynamic linker (issue 16; lazylib.h). Debian's libudns is not linked
 * with -z now, so opened RTLD_LAZY it binds only the functions it calls. The
 * functions are called through the table `udns', with the types udns.h
 * declares.
 */
#define UDNS_FUNCS(X) \
    X(active, dns_active) X(add_serv, dns_add_serv) X(add_serv_s, dns_add_serv_s) \
    X(free, dns_free) X(ioevent, dns_ioevent) X(new, dns_new) X(open, dns_open) \
    X(parse_a4, dns_parse_a4) X(parse_a6, dns_parse_a6) X(parse_mx, dns_parse_mx) \
    X(parse_ptr, dns_parse_ptr) X(parse_txt, dns_parse_txt) X(reset, dns_reset) \
    X(set_opt, dns_set_opt) X(sock, dns_sock) X(status, dns_status) \
    X(strerror, dns_strerror) X(submit_p, dns_submit_p) X(timeouts, dns_timeouts)

static struct {
#define UDNS_MEMBER(m, name) __typeof__(name) *m;
    UDNS_FUNCS(UDNS_MEMBER)
#undef UDNS_MEMBER
} udns;

static bool udns_loaded;

/* rc_resolver_load - open the udns library soname and find its functions */

bool
rc_resolver_load(const char *soname, char *err, size_t errlen)
{
#define UDNS_SYM(m, name) RC_LAZYSYM_OF(udns.m, name),
    static const RC_LAZYSYM syms[] = {UDNS_FUNCS(UDNS_SYM)};
#undef UDNS_SYM

    if (!udns_loaded)
	udns_loaded = rc_lazylib_load(soname, syms, sizeof(syms) / sizeof(syms[0]), err, errlen);
    return (udns_loaded);
}

/* udns_now - ticks since the session opened, never 0 (0 means time()) */

static time_t
udns_now(const RC_RESOLVER *r)
{
    return ((time_t) ((rc_now_ms() - r->start_ms) / RC_UDNS_TICK_MS) + 1);
}

long long
rc_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

long long
rc_resolver_elapsed(const RC_RESOLVER *r)
{
    return (rc_now_ms() - r->start_ms);
}

/* rc_resolv_conf_servers - "nameserver ADDR" lines; scoped IPv6 skipped */

size_t
rc_resolv_conf_servers(const char *path, struct sockaddr_storage *out, size_t max)
{
    FILE   *fp = fopen(path ? path : "/etc/resolv.conf", "r");
    char    line[512];
    size_t  n = 0;

    if (fp == NULL)
	return (0);
    while (n < max && fgets(line, sizeof(line), fp) != NULL) {
	char   *s = line, *word, *addr;

	while (isspace((unsigned char) *s))
	    s++;
	word = s;
	while (*s && !isspace((unsigned char) *s))
	    s++;
	if ((size_t) (s - word) != 10 || strncmp(word, "nameserver", 10) != 0)
	    continue;
	while (isspace((unsigned char) *s))
	    s++;
	addr = s;
	while (*s && !isspace((unsigned char) *s) && *s != '#' && *s != ';')
	    s++;
	*s = 0;
	memset(&out[n], 0, sizeof(out[n]));
	{
	    struct sockaddr_in *sin = (struct sockaddr_in *) &out[n];
	    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &out[n];

	    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		n++;
	    } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(53);
		n++;
	    }
	}
    }
    fclose(fp);
    return (n);
}

/* rc_resolver_open - fresh context, servers, options, socket */

bool
rc_resolver_open(RC_RESOLVER *r, const struct sockaddr_storage *servers,
		 size_t nservers, const char *resolv_conf, int budget_ms,
		 char *err, size_t errlen)
{
    struct sockaddr_storage conf[6];
    int     base_ms, tries;

    memset(r, 0, sizeof(*r));
    r->start_ms = rc_now_ms();
    r->deadline_ms = r->start_ms + budget_ms;
    if (nservers == 0) {
	nservers = rc_resolv_conf_servers(resolv_conf, conf, 6);
	servers = conf;
	if (nservers == 0) {
	    snprintf(err, errlen, "no nameserver in %s",
		     resolv_conf ? resolv_conf : "/etc/resolv.conf");
	    return (false);
	}
    }
    if (!rc_resolver_load(RC_UDNS_SONAME, err, errlen))
	return (false);
    udns.reset(NULL);
    if ((r->ctx = udns.new(NULL)) == NULL) {
	snprintf(err, errlen, "cannot create DNS context: out of memory");
	return (false);
    }
    udns.add_serv(r->ctx, NULL);
    for (size_t i = 0; i < nservers; i++) {
	struct sockaddr_storage ss = servers[i];
	struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

	if (ss.ss_family == AF_INET && sin->sin_port == 0)
	    sin->sin_port = htons(53);
	if (ss.ss_family == AF_INET6 && sin6->sin6_port == 0)
	    sin6->sin6_port = htons(53);
	if (udns.add_serv_s(r->ctx, (struct sockaddr *) &ss) < 0)
	    break;				/* more than udns can hold */
    }

    /*
     * First retransmission after 1 s (2 s for budgets of 4 s and more), each
     * later one after twice the wait before, in ticks; enough tries to cover
     * the budget, which itself ends the wait.
     */
    base_ms = budget_ms >= 4000 ? 2000 : 1000;
    for (tries = 1; tries < 10 && base_ms * ((1LL << tries) - 1) <= budget_ms; tries++)
	 /* void */ ;
    udns.set_opt(r->ctx, DNS_OPT_TIMEOUT, base_ms / RC_UDNS_TICK_MS);
    udns.set_opt(r->ctx, DNS_OPT_NTRIES, tries);
    udns.set_opt(r->ctx, DNS_OPT_UDPSIZE, 4096);
    if (udns.open(r->ctx) < 0) {
	snprintf(err, errlen, "cannot open DNS socket: %s",
		 udns.strerror(udns.status(r->ctx)));
	udns.free(r->ctx);
	r->ctx = NULL;
	return (false);
    }
    return (true);
}

/* query_done - the one udns callback of every query */

static void
query_done(struct dns_ctx *ctx, void *result, void *data)
{
    RC_QUERY *q = data;
    int     st = udns.status(ctx);

    q->dns_status = st;
    q->finished_ms = rc_resolver_elapsed(q->resolver);
    q->resolver->npending--;
    if (result != NULL && st >= 0) {
	q->result = result;
	q->state = RC_Q_OK;
    } else {
	free(result);
	q->state = (st == DNS_E_NXDOMAIN || st == DNS_E_NODATA) ? RC_Q_ABSENT : RC_Q_FAILED;
    }
    if (q->done)
	q->done(q);
}

RC_QUERY *
rc_query_submit(RC_RESOLVER *r, const char *name, int type,
		void (*done) (RC_QUERY *), void *owner, int index)
{
    RC_QUERY *q;
    dns_parse_fn *parse;

    if (r->ctx == NULL || r->nqueries >= RC_MAX_QUERIES)
	return (NULL);
    switch (type) {
    case RC_T_A:
	parse = udns.parse_a4;
	break;
    case RC_T_AAAA:
	parse = udns.parse_a6;
	break;
    case RC_T_PTR:
	parse = udns.parse_ptr;
	break;
    case RC_T_TXT:
	parse = udns.parse_txt;
	break;
    case RC_T_MX:
	parse = udns.parse_mx;
	break;
    default:
	return (NULL);
    }
    if ((q = calloc(1, sizeof(*q))) == NULL)
	return (NULL);
    q->resolver = r;
    q->state = RC_Q_PENDING;
    q->done = done;
    q->owner = owner;
    q->index = index;
    q->type = type;
    q->submitted_ms = rc_resolver_elapsed(r);
    if (udns.submit_p(r->ctx, name, DNS_C_IN, (enum dns_type) type, DNS_NOSRCH,
		     parse, query_done, q) == NULL) {
	free(q);
	return (NULL);
    }
    q->next = r->queries;
    r->queries = q;
    r->nqueries++;
    r->npending++;
    return (q);
}

/* rc_resolver_wait - the poll loop */

void
rc_resolver_wait(RC_RESOLVER *r, const RC_QUERY *q)
{
    if (r->ctx == NULL)
	return;
    for (;;) {
	struct pollfd pfd;
	int     ticks, rc;
	time_t  now = udns_now(r);
	long long left, wait;

	ticks = udns.timeouts(r->ctx, -1, now);	/* sends new queries, retries */
	if (q ? q->state != RC_Q_PENDING : r->npending == 0)
	    return;
	if (udns.active(r->ctx) == 0)
	    return;				/* nothing left that can answer */
	left = r->deadline_ms - rc_now_ms();
	if (left <= 0) {
	    r->expired = true;
	    return;
	}
	/* Until the start of the tick in which udns's next retry falls due. */
	wait = left;
	if (ticks >= 0) {
	    wait = r->start_ms + (long long) (now - 1 + ticks) * RC_UDNS_TICK_MS - rc_now_ms();
	    if (wait < 0)
		wait = 0;
	    if (wait > left)
		wait = left;
	}
	pfd.fd = udns.sock(r->ctx);
	pfd.events = POLLIN;
	pfd.revents = 0;
	rc = poll(&pfd, 1, (int) wait);
	if (rc < 0 && errno != EINTR) {
	    r->expired = true;			/* cannot wait: give up now */
	    return;
	}
	if (rc > 0)
	    udns.ioevent(r->ctx, udns_now(r));
    }
}

void
rc_resolver_close(RC_RESOLVER *r)
{
    RC_QUERY *q, *next;

    if (r->ctx != NULL)
	udns.free(r->ctx);			/* outstanding queries: no callbacks */
    r->ctx = NULL;
    for (q = r->queries; q != NULL; q = next) {
	next = q->next;
	free(q->result);
	free(q);
    }
    r->queries = NULL;
    r->nqueries = r->npending = 0;
}

bool
rc_query_undecided(const RC_QUERY *q)
{
    return (q == NULL || q->state == RC_Q_PENDING || q->state == RC_Q_FAILED);
}

int
rc_query_addrs(const RC_QUERY *q, const unsigned char want[16], bool v4,
	       bool *found, char *first, size_t firstlen)
{
    const unsigned char *addrs;
    size_t  alen = v4 ? 4 : 16;
    int     n;

    *found = false;
    if (q == NULL || q->state != RC_Q_OK)
	return (0);
    if (v4) {
	const struct dns_rr_a4 *a4 = q->result;

	n = a4->dnsa4_nrr;
	addrs = (const unsigned char *) a4->dnsa4_addr;
    } else {
	const struct dns_rr_a6 *a6 = q->result;

	n = a6->dnsa6_nrr;
	addrs = (const unsigned char *) a6->dnsa6_addr;
    }
    for (int i = 0; i < n && !*found; i++)
	*found = (memcmp(addrs + (size_t) i * alen, want + 16 - alen, alen) == 0);
    if (n > 0 && first != NULL)
	inet_ntop(v4 ? AF_INET : AF_INET6, addrs, first, (socklen_t) firstlen);
    return (n);
}

/* answered - q holds a parsed answer of this type */

static bool
answered(const RC_QUERY *q, int type)
{
    return (q != NULL && q->state == RC_Q_OK && q->result != NULL && q->type == type);
}

int
rc_query_ptr(const RC_QUERY *q, int i, const char **name)
{
    const struct dns_rr_ptr *p;

    if (!answered(q, RC_T_PTR))
	return (0);
    p = q->result;
    if (name != NULL && i >= 0 && i < p->dnsptr_nrr)
	*name = p->dnsptr_ptr[i];
    return (p->dnsptr_nrr);
}

int
rc_query_a4(const RC_QUERY *q, int i, uint32_t *addr)
{
    const struct dns_rr_a4 *a;

    if (!answered(q, RC_T_A))
	return (0);
    a = q->result;
    if (addr != NULL && i >= 0 && i < a->dnsa4_nrr)
	*addr = ntohl(a->dnsa4_addr[i].s_addr);
    return (a->dnsa4_nrr);
}

int
rc_query_txt(const RC_QUERY *q, int i, const unsigned char **txt, size_t *len)
{
    const struct dns_rr_txt *t;

    if (!answered(q, RC_T_TXT))
	return (0);
    t = q->result;
    if (txt != NULL && len != NULL && i >= 0 && i < t->dnstxt_nrr) {
	*txt = t->dnstxt_txt[i].txt;
	*len = (size_t) t->dnstxt_txt[i].len;
    }
    return (t->dnstxt_nrr);
}

int
rc_query_a6(const RC_QUERY *q, int i, unsigned char addr[16])
{
    const struct dns_rr_a6 *a;

    if (!answered(q, RC_T_AAAA))
	return (0);
    a = q->result;
    if (addr != NULL && i >= 0 && i < a->dnsa6_nrr)
	memcpy(addr, &a->dnsa6_addr[i], 16);
    return (a->dnsa6_nrr);
}

int
rc_query_mx(const RC_QUERY *q, int i, int *pref, const char **name)
{
    const struct dns_rr_mx *m;

    if (!answered(q, RC_T_MX))
	return (0);
    m = q->result;
    if (i >= 0 && i < m->dnsmx_nrr) {
	if (pref != NULL)
	    *pref = m->dnsmx_mx[i].priority;
	if (name != NULL)
	    *name = m->dnsmx_mx[i].name;
    }
    return (m->dnsmx_nrr);
}

/* rc_query_ttl - the TTL of a parsed answer; every udns result starts alike */

unsigned
rc_query_ttl(const RC_QUERY *q)
{
    if (q == NULL || q->state != RC_Q_OK || q->result == NULL)
	return (0);
    switch (q->type) {
    case RC_T_A:
	return (((const struct dns_rr_a4 *) q->result)->dnsa4_ttl);
    case RC_T_AAAA:
	return (((const struct dns_rr_a6 *) q->result)->dnsa6_ttl);
    case RC_T_MX:
	return (((const struct dns_rr_mx *) q->result)->dnsmx_ttl);
    case RC_T_PTR:
	return (((const struct dns_rr_ptr *) q->result)->dnsptr_ttl);
    case RC_T_TXT:
	return (((const struct dns_rr_txt *) q->result)->dnstxt_ttl);
    }
    return (0);
}

bool
rc_query_nxdomain(const RC_QUERY *q)
{
    return (q != NULL && q->state == RC_Q_ABSENT && q->dns_status == DNS_E_NXDOMAIN);
}

bool
rc_resolver_bad_name(const RC_RESOLVER *r)
{
    return (r->ctx != NULL && udns.status(r->ctx) == DNS_E_BADQUERY);
}

/* rc_query_describe - what happened, for a TEMP finding's text */

void
rc_query_describe(const RC_QUERY *q, char *buf, size_t len)
{
    if (q == NULL) {
	snprintf(buf, len, "query not sent");
	return;
    }
    switch (q->state) {
    case RC_Q_PENDING:
	snprintf(buf, len, "timeout after %lld ms",
		 rc_resolver_elapsed(q->resolver) - q->submitted_ms);
	return;
    case RC_Q_OK:
	snprintf(buf, len, "answered in %lld ms", q->finished_ms - q->submitted_ms);
	return;
    case RC_Q_ABSENT:
	snprintf(buf, len, "%s", q->dns_status == DNS_E_NXDOMAIN ? "NXDOMAIN" : "no data");
	return;
    case RC_Q_FAILED:
	break;
    }
    switch (q->dns_status) {
    case DNS_E_TEMPFAIL:
	snprintf(buf, len, "server failure or no answer after %lld ms",
		 q->finished_ms - q->submitted_ms);
	break;
    case DNS_E_PROTOCOL:
	snprintf(buf, len, "unparsable answer after %lld ms", q->finished_ms - q->submitted_ms);
	break;
    case DNS_E_NOMEM:
	snprintf(buf, len, "out of memory");
	break;
    default:
	snprintf(buf, len, "DNS error %d", q->dns_status);
	break;
    }
}

/* rc_reverse_name - reversed octets or nibbles under a zone */

bool
rc_reverse_name(const unsigned char a[16], bool v4, const char *zone, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t  o = 0;
    int     n;

    if (v4) {
	n = snprintf(buf, len, "%u.%u.%u.%u.%s", a[15], a[14], a[13], a[12], zone);
	return (n > 0 && (size_t) n < len);
    }
    if (len < 64 + strlen(zone) + 1)
	return (false);
    for (int i = 15; i >= 0; i--) {
	buf[o++] = hex[a[i] & 0xf];
	buf[o++] = '.';
	buf[o++] = hex[a[i] >> 4];
	buf[o++] = '.';
    }
    strcpy(buf + o, zone);
    return (true);
}
