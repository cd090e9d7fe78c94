/*
 * fuzz_dnsanswer.c - hostile DNS answers through udns into the checks
 *
 * The real code all the way: rc_engine_check(), the entry the module and
 * the command use, walks the check table and submits every row's queries
 * into a real RC_RESOLVER whose one nameserver is a UDP socket of this
 * process on 127.0.0.1, served by a thread of this harness. The server
 * answers every query that arrives with a reply built from the fuzz
 * input: the query's own id and question (so udns accepts it), then a
 * fuzzed header and answer section. udns's dns_ioevent() matches the
 * reply, checks its rcode and runs its parsers; resolver.c's query_done()
 * and the rows' callbacks (the PTR chain, which submits the forward
 * lookups and, through the engine's fan-out, the lists on the confirmed
 * name) see the result, exactly as in production, inside the engine's own
 * rc_resolver_wait(). Then the verdict and every report output are
 * checked: printable, bounded, NUL-terminated. SPF is off in the built-in
 * configuration (its DNS layer is fuzzed through libspf2 elsewhere).
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
 *     kind 0 of an MX query: data[0] the preference, the rest the name.
 *   When the input is used up, every further query gets NXDOMAIN.
 *   FUZZ_DNS_TRACE=1 in the environment logs each query as it arrives
 *   (which chunk answers which query: for writing seeds by hand) and the
 *   findings. The queries reach the server in the order the engine sends
 *   them: the rows' first queries in table order, then what the answers'
 *   callbacks submit, in the order the answers are read.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "fuzz_report.h"

#include "allowlist/config.h"
#include "dnscheck/engine.h"
#include "dnscheck/resolver.h"

/* DNS type and class numbers the replies use (RFC 1035). */
#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_PTR	12
#define T_MX	15
#define T_TXT	16
#define C_IN	1

#define PKT_MAX		4096		/* the resolver's UDP buffer */

static int srv = -1;			/* the nameserver's socket */
static bool trace;			/* FUZZ_DNS_TRACE set: log each query */
static RC_CONFIG *cfg;

/* The input being served: set around rc_engine_check(), read by the server. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FDP *serving;
static int nquery;

static const char cfg_text[] =
    "[relaycheck]\n"
    "nameservers = 127.0.0.1:%d\n"
    "dns_timeout = 5s\n"
    "skip_hosts =\n"
    "max_ptr_names = 3\n"
    "reject_score = 15\n"
    "tempreject_score = 12\n"
    "[scores]\n"
    "ptr_generic = 3\n"
    "helo_mismatch = 1\n"
    "spf_fail = 0\n"
    "spf_softfail = 0\n"
    "spf_none = 0\n"
    "spf_permerror = 0\n"
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

static void *server(void *);

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
    {
	pthread_t t;

	if (pthread_create(&t, NULL, server, NULL) != 0) {
	    fprintf(stderr, "fuzz_dnsanswer: cannot start the server thread\n");
	    abort();
	}
	pthread_detach(t);
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

/*
 * put_name - presentation form to wire form ("." and "" are the root);
 * the raw bytes when it is no name (an empty or over-long label)
 */
static void
put_name(PKT *p, const uint8_t *data, size_t n)
{
    uint8_t dn[256];
    size_t  o = 0, i = 0;

    if (n == 1 && data[0] == '.')
	n = 0;
    while (i < n) {
	size_t  l = 0;

	while (i + l < n && data[i + l] != '.')
	    l++;
	if (l == 0 || l > 63 || o + 1 + l + 1 > sizeof(dn)) {
	    put(p, data, n);
	    return;
	}
	dn[o++] = (uint8_t) l;
	memcpy(dn + o, data + i, l);
	o += l;
	i += l + (i + l < n);
    }
    dn[o++] = 0;
    put(p, dn, o);
}

/* put_rr - one record owned by the question name (a pointer to offset 12) */

static void
put_rr(PKT *p, unsigned type, unsigned qtype, const uint8_t *data, size_t n)
{
    size_t  rdlen_at;

    put16(p, 0xc00c);
    put16(p, type);
    put16(p, C_IN);
    put16(p, 0);
    put16(p, 3600);
    rdlen_at = p->len;
    put16(p, 0);
    if (type == T_PTR || type == T_CNAME || type == T_NS)
	put_name(p, data, n);
    else if (type == T_MX && n > 0) {
	put16(p, data[0]);
	put_name(p, data + 1, n - 1);
    } else if (type == T_TXT) {
	uint8_t l = (uint8_t) n;

	put(p, &l, 1);
	put(p, data, n);
    } else if (type == T_A && type == qtype && n < 4) {
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
		put_rr(p, T_CNAME, qtype, data, dl);
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

/* qname_text - the question's name as text, for the trace */

static void
qname_text(const uint8_t *q, size_t qend, char *buf, size_t len)
{
    size_t  o = 0, i = 12;

    buf[0] = 0;
    while (i < qend && q[i] != 0 && o + q[i] + 2 < len) {
	for (size_t k = 1; k <= q[i]; k++)
	    buf[o++] = (q[i + k] > 0x20 && q[i + k] < 0x7f) ? (char) q[i + k] : '?';
	buf[o++] = '.';
	i += (size_t) q[i] + 1;
    }
    buf[o] = 0;
}

/*
 * answer - the reply to one query that arrived: the next chunk of the
 * input being served, or NXDOMAIN when it is used up (or between inputs)
 */
static void
answer(const uint8_t *q, size_t n, PKT *p)
{
    size_t  clen = 0;
    const uint8_t *chunk = NULL;
    bool    have;
    int     qno;

    pthread_mutex_lock(&lock);
    have = serving != NULL && serving->left > 0;
    if (have) {
	clen = fdp_u16(serving) % 2048;
	if (clen > serving->left)
	    clen = serving->left;
	chunk = serving->p;
	serving->p += clen;
	serving->left -= clen;
    }
    qno = nquery++;
    reply(p, q, n, chunk, clen, have);
    pthread_mutex_unlock(&lock);
    if (trace) {
	char    name[1100];
	size_t  e = question_end(q, n);

	qname_text(q, e, name, sizeof(name));
	fprintf(stderr, "fuzz_dnsanswer: query %d: %s type %d, answer %s (%zu bytes)\n",
		qno, e ? name : "?", e ? q[e - 4] << 8 | q[e - 3] : -1,
		have ? "from the input" : "NXDOMAIN", clen);
    }
}

/* server - the nameserver thread: answer every query as it arrives */

static void *
server(void *arg)
{
    (void) arg;
    for (;;) {
	uint8_t q[PKT_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(srv, q, sizeof(q), 0, (struct sockaddr *) &from, &fl);
	PKT     p;

	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    perror("fuzz_dnsanswer: recvfrom");
	    abort();
	}
	answer(q, (size_t) n, &p);
	if (p.len > 0)
	    sendto(srv, p.b, p.len, 0, (struct sockaddr *) &from, fl);
    }
    return (NULL);
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
    RC_VERDICT *v = calloc(1, sizeof(*v));
    RC_ADDR client;
    RC_FACTS facts = {0};
    char    ip[RC_ADDR_STRLEN], *helo, *domain, *sender;

    if (v == NULL)
	abort();
    if (size > 32768)
	goto out;
    memset(&client, 0, sizeof(client));
    if (flags & 1) {
	fdp_bytes(&f, client.b, 16);
	client.v4 = memcmp(client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
    } else {
	memcpy(client.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	fdp_bytes(&f, client.b + 12, 4);
	client.v4 = true;
    }
    rc_addr_format(&client, ip, sizeof(ip));
    helo = hostile_str(&f);
    domain = hostile_str(&f);
    if ((sender = malloc(strlen(domain) + 16)) == NULL)
	abort();
    if (flags & 2)
	sprintf(sender, "postmaster@%s", domain);
    else
	sender[0] = 0;				/* a bounce: no sender domain */

    facts.ip = ip;
    facts.helo = helo;
    facts.sender = sender;
    facts.primary_hostname = "mx.local.example";
    facts.interface_ip = "192.0.2.25";
    pthread_mutex_lock(&lock);
    serving = &f;
    nquery = 0;
    pthread_mutex_unlock(&lock);
    rc_engine_check(cfg, &facts, NULL, v);
    pthread_mutex_lock(&lock);
    serving = NULL;
    pthread_mutex_unlock(&lock);

    FUZZ_CHECK(!v->skipped, "skipped: %s", v->skip_reason);
    FUZZ_CHECK(v->queries <= RC_MAX_QUERIES, "%d queries", v->queries);
    FUZZ_CHECK(v->nfindings <= RC_MAX_FINDINGS, "%zu findings", v->nfindings);
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
    free(helo);
    free(domain);
    free(sender);
out:
    free(v);
    return (0);
}
