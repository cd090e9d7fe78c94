/*
 * fuzz_dnsanswer.c - hostile DNS answers through udns into the checks
 *
 * The real code all the way: the module's checks submit their queries
 * (rc_ptr_start, rc_helo_start, rc_lists_start, as rc_engine_check() does)
 * into a real RC_RESOLVER whose one nameserver is a UDP socket of this
 * process on 127.0.0.1. The harness answers every query that arrives with
 * a reply built from the fuzz input: the query's own id and question (so
 * udns accepts it), then a fuzzed header and answer section. udns's
 * dns_ioevent() matches the reply, checks its rcode and runs the real
 * dns_parse_ptr/a4/a6/txt on it; resolver.c's query_done() and the
 * checks' callbacks (ptr.c's ptr_done/fwd_done, which submit the forward
 * lookups, and through them rc_lists_ptr) see the result, exactly as in
 * production. Only the poll loop is the harness's own (rc_resolver_wait
 * would block waiting for the answers this same thread gives): it is
 * rc_resolver_wait's loop with the server's turn in the middle. A query
 * still unanswered at the end is a timeout, as at the deadline.
 * Then the findings (rc_ptr_finish, the generic-name check, rc_helo_finish,
 * rc_lists_finish, the No Server Check host list), the verdict and every
 * report output are checked: printable, bounded, NUL-terminated.
 *
 * Input:
 *   flags (1 byte): bit 0 IPv6 client, bit 1 a sender domain is given
 *   client address (4 or 16 bytes)
 *   HELO name, sender domain: 1 length byte + bytes each (hostile too)
 *   then one chunk per query, in the order the queries reach the server:
 *   2 length bytes + chunk. A chunk is
 *     mode: bit 7 set - raw: flags (2 bytes), ANCOUNT, NSCOUNT, ARCOUNT
 *           (1 byte each), then the bytes after the question as they are;
 *           bit 7 clear - built: rcode = mode & 15 (6..15 mean NOERROR),
 *           bit 6 TC, bit 5 AA; then records, each kind (1 byte), length
 *           (1 byte) and data: kind 0 a record of the asked type (PTR and
 *           CNAME data is a name in presentation form, A/AAAA data the
 *           address, TXT data one character-string), kind 1 a CNAME,
 *           kind 2 a record of type data[0] with rdata data[1..], kind 3
 *           raw bytes appended as they are.
 *   When the input is used up, every further query gets NXDOMAIN.
 *   FUZZ_DNS_TRACE=1 in the environment logs each query as it arrives
 *   (which chunk answers which query: for writing seeds by hand) and the
 *   findings.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <udns.h>

#include "fuzz_common.h"
#include "fuzz_report.h"

#include "../allowlist/config.h"
#include "../allowlist/nametable.h"
#include "../dnscheck/dnsbl.h"
#include "../dnscheck/engine.h"
#include "../dnscheck/escape.h"
#include "../dnscheck/generic.h"
#include "../dnscheck/helo.h"
#include "../dnscheck/ptr.h"
#include "../dnscheck/resolver.h"

#define MAX_ROUNDS	24
#define PKT_MAX		4096		/* the resolver's UDP buffer */

static int srv = -1;			/* the nameserver's socket */
static bool trace;			/* FUZZ_DNS_TRACE set: log each query */
static RC_CONFIG *cfg;

static const char cfg_text[] =
    "[relaycheck]\n"
    "nameservers = 127.0.0.1:%d\n"
    "dns_timeout = 5s\n"
    "max_ptr_names = 3\n"
    "reject_score = 15\n"
    "tempreject_score = 12\n"
    "[scores]\n"
    "ptr_generic = 3\n"
    "helo_mismatch = 1\n"
    "[dnsbl zen.example]\n"
    "score = 8\n"
    "codes = 127.0.0.2-127.0.0.11, 127.0.1.0-127.0.1.255=5, &128=2\n"
    "txt = yes\n"
    "label = Zen (test)\n"
    "[dnsbl plain.example]\n"
    "score = 2\n"
    "[rhsbl dbl.example]\n"
    "target = helo\n"
    "txt = yes\n"
    "[rhsbl senders.example]\n"
    "target = sender\n"
    "[rhsbl names.example]\n"
    "target = ptr\n"
    "txt = yes\n"
    "[no_server_check]\n"
    "host = .trusted.example\n"
    "host = exact.example\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    char    text[sizeof(cfg_text) + 16], *errors = NULL;

    (void) argc;
    (void) argv;
    trace = getenv("FUZZ_DNS_TRACE") != NULL;
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    if ((srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0
	|| bind(srv, (struct sockaddr *) &sin, sizeof(sin)) < 0
	|| getsockname(srv, (struct sockaddr *) &sin, &sl) < 0) {
	perror("fuzz_dnsanswer: nameserver socket");
	abort();
    }
    snprintf(text, sizeof(text), cfg_text, ntohs(sin.sin_port));
    if ((cfg = rc_config_parse_string("fuzz_dnsanswer.ini", text, &errors)) == NULL) {
	fprintf(stderr, "fuzz_dnsanswer: configuration: %s", errors);
	abort();
    }
    return (0);
}

/* Building a reply. */

typedef struct pkt {
    uint8_t     b[PKT_MAX];
    size_t      len;
} PKT;

static void
put(PKT *p, const void *data, size_t n)
{
    if (n > sizeof(p->b) - p->len)
	n = sizeof(p->b) - p->len;
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

static void
put16(PKT *p, unsigned v)
{
    uint8_t b[2] = {(uint8_t) (v >> 8), (uint8_t) v};

    put(p, b, 2);
}

/* put_name - presentation form to wire form; the raw bytes if it fails */

static void
put_name(PKT *p, const uint8_t *data, size_t n)
{
    char    text[256];
    dnsc_t  dn[DNS_MAXDN];

    memcpy(text, data, n < 255 ? n : 255);
    text[n < 255 ? n : 255] = 0;
    if (dns_ptodn(text, 0, dn, sizeof(dn), NULL) > 0)
	put(p, dn, dns_dnlen(dn));
    else
	put(p, data, n);
}

/* put_rr - one record owned by the question name (a pointer to offset 12) */

static void
put_rr(PKT *p, unsigned type, unsigned qtype, const uint8_t *data, size_t n)
{
    size_t  rdlen_at;

    put16(p, 0xc00c);
    put16(p, type);
    put16(p, DNS_C_IN);
    put16(p, 0);
    put16(p, 3600);
    rdlen_at = p->len;
    put16(p, 0);
    if (type == DNS_T_PTR || type == DNS_T_CNAME || type == DNS_T_NS)
	put_name(p, data, n);
    else if (type == DNS_T_TXT) {
	uint8_t l = (uint8_t) n;

	put(p, &l, 1);
	put(p, data, n);
    } else if (type == DNS_T_A && type == qtype && n < 4) {
	uint8_t a[4] = {127, 0, 0, 2};	/* short data: a listing code */

	memcpy(a + 4 - n, data, n);
	put(p, a, 4);
    } else
	put(p, data, n);
    if (rdlen_at + 2 <= p->len) {
	size_t  rdlen = p->len - rdlen_at - 2;

	p->b[rdlen_at] = (uint8_t) (rdlen >> 8);
	p->b[rdlen_at + 1] = (uint8_t) rdlen;
    }
}

/* question_end - offset after a query's question (udns never compresses it), or 0 */

static size_t
question_end(const uint8_t *q, size_t n)
{
    size_t  e = 12;

    while (e < n && q[e] != 0)
	e += (size_t) q[e] + 1;
    e += 1 + 4;					/* root label, type, class */
    return (n >= 12 && e <= n ? e : 0);
}

/*
 * reply - the answer to one query (q, n bytes as udns sent it): its id
 * and question, then what the chunk says.
 */
static void
reply(PKT *p, const uint8_t *q, size_t n, const uint8_t *chunk, size_t clen, bool have)
{
    size_t  qend = question_end(q, n);
    unsigned qtype;
    FDP     c = fdp_init(chunk, clen);
    uint8_t mode;

    p->len = 0;
    if (qend == 0)
	return;
    qtype = (unsigned) q[qend - 4] << 8 | q[qend - 3];
    put(p, q, 2);				/* the id */
    if (!have) {				/* input used up: NXDOMAIN */
	put16(p, 0x8183);
	put16(p, 1);
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	put(p, q + 12, qend - 12);
	return;
    }
    mode = fdp_u8(&c);
    if (mode & 0x80) {
	uint8_t f1 = fdp_u8(&c), f2 = fdp_u8(&c);

	f1 = (uint8_t) ((f1 | 0x80) & ~0x78);	/* a response to a standard query */
	put(p, &f1, 1);
	put(p, &f2, 1);
	put16(p, 1);
	put16(p, fdp_u8(&c));
	put16(p, fdp_u8(&c));
	put16(p, fdp_u8(&c));
	put(p, q + 12, qend - 12);
	put(p, c.p, c.left);
	return;
    }
    {
	unsigned rcode = mode & 15, nrr = 0;
	size_t  counts_at;
	uint8_t f1 = 0x81 | ((mode & 0x40) ? 0x02 : 0) | ((mode & 0x20) ? 0x04 : 0), f2;

	if (rcode > 5)
	    rcode = 0;
	f2 = (uint8_t) (0x80 | rcode);		/* RA, rcode */
	put(p, &f1, 1);				/* QR, RD, maybe TC and AA */
	put(p, &f2, 1);
	put16(p, 1);
	counts_at = p->len;
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	put(p, q + 12, qend - 12);
	while (c.left > 0) {
	    uint8_t kind = fdp_u8(&c) % 4, len = fdp_u8(&c), data[256];
	    size_t  dl = fdp_bytes(&c, data, len);

	    switch (kind) {
	    case 0:
		put_rr(p, qtype, qtype, data, dl);
		nrr++;
		break;
	    case 1:
		put_rr(p, DNS_T_CNAME, qtype, data, dl);
		nrr++;
		break;
	    case 2:
		put_rr(p, dl ? data[0] : 0, qtype, dl ? data + 1 : data, dl ? dl - 1 : 0);
		nrr++;
		break;
	    default:
		put(p, data, dl);
		break;
	    }
	}
	p->b[counts_at] = (uint8_t) (nrr >> 8);
	p->b[counts_at + 1] = (uint8_t) nrr;
    }
}

/*
 * serve - rc_resolver_wait()'s loop, with the nameserver's turn in the
 * middle: send what udns has queued, answer every query that arrived,
 * let udns read the replies (and the callbacks submit more).
 */
static void
serve(RC_RESOLVER *r, FDP *f)
{
    int     nquery = 0;

    for (int round = 0; round < MAX_ROUNDS && r->npending > 0; round++) {
	int     answered = 0;

	dns_timeouts(r->ctx, -1, 0);
	if (r->npending == 0 || dns_active(r->ctx) == 0)
	    break;
	for (;;) {
	    uint8_t q[PKT_MAX];
	    struct sockaddr_storage from;
	    socklen_t fl = sizeof(from);
	    ssize_t n = recvfrom(srv, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *) &from, &fl);
	    PKT     p;
	    size_t  clen = 0;
	    bool    have = f->left > 0;

	    if (n < 0)
		break;
	    if (have) {
		clen = fdp_u16(f) % 2048;
		if (clen > f->left)
		    clen = f->left;
	    }
	    if (trace) {
		char    name[DNS_MAXDN * 4];

		size_t  e = question_end(q, (size_t) n);

		if (e == 0 || dns_dntop(q + 12, name, sizeof(name)) < 0)
		    snprintf(name, sizeof(name), "?");
		fprintf(stderr, "fuzz_dnsanswer: query %d: %s type %d, answer %s (%zu bytes)\n",
			nquery, name, e ? q[e - 4] << 8 | q[e - 3] : -1,
			have ? "from the input" : "NXDOMAIN", clen);
	    }
	    nquery++;
	    reply(&p, q, (size_t) n, f->p, clen, have);
	    f->p += clen;
	    f->left -= clen;
	    if (p.len > 0)
		sendto(srv, p.b, p.len, 0, (struct sockaddr *) &from, fl);
	    answered++;
	}
	if (answered == 0)
	    break;				/* nothing in flight: the rest times out */
	{
	    struct pollfd pfd = {.fd = dns_sock(r->ctx), .events = POLLIN};

	    if (poll(&pfd, 1, 200) > 0)	/* loopback: at once */
		dns_ioevent(r->ctx, 0);
	}
    }
}

/* The engine's glue (engine.c's MSG, on_confirmed, generic_finding). */

typedef struct msg {
    RC_ADDR     client;
    RC_PTRCHECK ptr;
    RC_HELOCHECK helo;
    RC_LISTS    lists;
    int         confirmed_calls;
} MSG;

static void
on_confirmed(void *arg, RC_RESOLVER *r, const char *name)
{
    MSG    *m = arg;

    m->confirmed_calls++;
    rc_lists_ptr(&m->lists, r, name);
}

static void
generic_finding(MSG *m, RC_VERDICT *v)
{
    const char *name = rc_ptr_confirmed(&m->ptr);
    char    why[96], esc[RC_DETAIL_MAX], detail[RC_DETAIL_MAX];

    if (name == NULL)
	name = rc_ptr_first_name(&m->ptr);
    if (name == NULL)
	return;
    rc_escape(esc, sizeof(esc), name, strlen(name));
    why[0] = 0;
    if (rc_generic_classify(name, &m->client, why, sizeof(why)) == RC_GENERIC_YES) {
	snprintf(detail, sizeof(detail), "%.200s: %s", esc, why);
	rc_verdict_add(v, RC_CHK_PTR_GENERIC, RC_HIT, cfg->scores[RC_CHK_PTR_GENERIC],
		       rc_checkinfo[RC_CHK_PTR_GENERIC].text, detail);
    }
}

static char *
hostile_str(FDP *f)
{
    uint8_t raw[256];
    size_t  n = fdp_bytes(f, raw, fdp_u8(f));
    char   *s = malloc(n + 1);

    if (s == NULL)
	abort();
    memcpy(s, raw, n);
    s[n] = 0;
    return (s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FDP     f = fdp_init(data, size);
    uint8_t flags = fdp_u8(&f);
    MSG    *m = calloc(1, sizeof(*m));
    RC_VERDICT *v = calloc(1, sizeof(*v));
    RC_RESOLVER r;
    char    err[200], ip[RC_ADDR_STRLEN], *helo, *domain;
    const char *confirmed;

    if (m == NULL || v == NULL)
	abort();
    if (size > 32768)
	goto out;
    if (flags & 1) {
	fdp_bytes(&f, m->client.b, 16);
	m->client.v4 = memcmp(m->client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
    } else {
	memcpy(m->client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	fdp_bytes(&f, m->client.b + 12, 4);
	m->client.v4 = true;
    }
    rc_addr_format(&m->client, ip, sizeof(ip));
    helo = hostile_str(&f);
    domain = hostile_str(&f);

    FUZZ_CHECK(rc_resolver_open(&r, cfg->nameservers, cfg->nnameservers, NULL,
				cfg->dns_timeout_ms, err, sizeof(err)), "resolver: %s", err);
    rc_ptr_start(&m->ptr, &r, &m->client, cfg->max_ptr_names, on_confirmed, m);
    rc_helo_start(&m->helo, &r, cfg, helo, &m->client, "mx.local.example", "192.0.2.25");
    FUZZ_CHECK(rc_lists_start(&m->lists, &r, cfg, RC_LISTS_CLIENT | RC_LISTS_SENDER,
			      &m->client, helo, (flags & 2) ? domain : NULL),
	       "rc_lists_start failed");
    serve(&r, &f);
    v->queries = r.nqueries;

    rc_ptr_finish(&m->ptr, cfg, v);
    generic_finding(m, v);
    rc_helo_finish(&m->helo, cfg, v);
    rc_lists_finish(&m->lists, v, RC_LISTS_CLIENT);
    rc_lists_finish(&m->lists, v, RC_LISTS_SENDER);

    /* What the checks kept of the answers. */
    FUZZ_CHECK(m->ptr.nnames <= m->ptr.max_names && m->ptr.nnames <= RC_PTR_MAX_NAMES,
	       "%d PTR names followed (max %d)", m->ptr.nnames, m->ptr.max_names);
    FUZZ_CHECK(m->confirmed_calls <= 1, "on_confirmed called %d times", m->confirmed_calls);
    confirmed = rc_ptr_confirmed(&m->ptr);
    if (confirmed != NULL) {
	const RC_NAMEENTRY *he = rc_nametable_lookup(&cfg->nsc_host, confirmed);

	FUZZ_CHECK(m->confirmed_calls == 1, "a confirmed name, but no on_confirmed call");
	if (he != NULL) {
	    char    buf[RC_DETAIL_MAX], what[RC_DETAIL_MAX];

	    rc_escape(buf, sizeof(buf), confirmed, strlen(confirmed));
	    snprintf(what, sizeof(what), "host .%.100s (%.200s)", he->name, buf);
	    v->nfindings = 0;
	    v->allowlisted = true;
	    rc_verdict_add(v, RC_CHK_ALLOWLIST, RC_PASS, 0,
			   rc_checkinfo[RC_CHK_ALLOWLIST].text, what);
	}
    }
    rc_verdict_decide(cfg, v);
    for (size_t i = 0; i < v->nfindings; i++) {
	check_finding(&v->findings[i]);
	if (trace) {
	    char    line[RC_TEXT_MAX + RC_DETAIL_MAX + 16];

	    rc_report_finding(&v->findings[i], line, sizeof(line));
	    fprintf(stderr, "fuzz_dnsanswer: %s %s\n", rc_status_name(v->findings[i].status),
		    line);
	}
    }
    check_reports(cfg, v, ip, NULL, 0);

    rc_resolver_close(&r);
    rc_lists_free(&m->lists);
    free(helo);
    free(domain);
out:
    free(m);
    free(v);
    return (0);
}
