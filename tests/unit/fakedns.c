/*
 * fakedns.c - a programmable UDP DNS server for unit tests (see fakedns.h)
 *
 * One thread owns the socket. It reads queries, logs them, looks up the
 * rule, and either sends the reply at once or parks it until its due time,
 * so a delayed reply never holds up another. A pipe wakes the thread for
 * fakedns_stop(). Packets are encoded and decoded by hand: the question
 * name is read as plain labels (resolvers never compress a question).
 */
#include "fakedns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES	256
#define MAX_LOG		1024
#define MAX_PARKED	256
#define PKT_MAX		4096

struct rule {
    char        name[256];
    int         type;
    enum fake_kind kind;
    char       *data;
    int         delay_ms;
};

struct parked {
    long long   due_ms;
    struct sockaddr_in to;
    size_t      len;
    unsigned char pkt[PKT_MAX];
};

struct fakedns {
    int         sock;
    int         wake[2];
    int         port;
    pthread_t   thread;
    pthread_mutex_t lock;
    enum fake_kind dflt;
    struct rule rules[MAX_RULES];
    int         nrules;
    struct fake_query log[MAX_LOG];
    int         nlog;
    struct parked *parked[MAX_PARKED];
};

static long long
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* norm - lower case, no trailing dot */

static void
norm(char *dst, size_t len, const char *src)
{
    size_t  n = 0;

    for (; *src && n + 1 < len; src++)
	dst[n++] = (char) tolower((unsigned char) *src);
    while (n > 0 && dst[n - 1] == '.')
	n--;
    dst[n] = 0;
}

/* Packet building: a bounded appender. */

typedef struct pkt {
    unsigned char *b;
    size_t      len, cap;
    int         overflow;
} PKT;

static void
put_bytes(PKT *p, const void *src, size_t n)
{
    if (p->len + n > p->cap) {
	p->overflow = 1;
	return;
    }
    memcpy(p->b + p->len, src, n);
    p->len += n;
}

static void
put16(PKT *p, unsigned v)
{
    unsigned char b[2] = {(unsigned char) (v >> 8), (unsigned char) v};

    put_bytes(p, b, 2);
}

static void
put32(PKT *p, unsigned long v)
{
    unsigned char b[4] = {(unsigned char) (v >> 24), (unsigned char) (v >> 16),
	(unsigned char) (v >> 8), (unsigned char) v};

    put_bytes(p, b, 4);
}

/* put_name - dotted name as plain labels (any byte but '.' inside a label) */

static void
put_name(PKT *p, const char *name, size_t len)
{
    size_t  i = 0;

    while (i < len) {
	size_t  l = 0;
	unsigned char ll;

	while (i + l < len && name[i + l] != '.')
	    l++;
	if (l > 63)
	    l = 63;
	if (l > 0) {
	    ll = (unsigned char) l;
	    put_bytes(p, &ll, 1);
	    put_bytes(p, name + i, l);
	}
	i += l;
	while (i < len && name[i] != '.')
	    i++;				/* rest of an over-long label */
	if (i < len)
	    i++;
    }
    put_bytes(p, "", 1);
}

/* put_rr_head - owner (pointer to the question), type, class, ttl */

static void
put_rr_head(PKT *p, int type)
{
    put16(p, 0xc00c);
    put16(p, (unsigned) type);
    put16(p, 1);
    put32(p, 300);
}

/* put_answers - the records of a FAKE_ANSWER rule; returns how many */

static int
put_answers(PKT *p, int type, const char *data)
{
    int     n = 0;
    const char *s = data ? data : "";

    if (type == 16) {				/* TXT: records split at '|' */
	while (*s) {
	    size_t  len = strcspn(s, "|"), off = 0;
	    size_t  rdlen = len + (len + 254) / 255 + (len == 0);

	    put_rr_head(p, type);
	    put16(p, (unsigned) rdlen);
	    do {
		size_t  chunk = len - off > 255 ? 255 : len - off;
		unsigned char cl = (unsigned char) chunk;

		put_bytes(p, &cl, 1);
		put_bytes(p, s + off, chunk);
		off += chunk;
	    } while (off < len);
	    n++;
	    s += len;
	    if (*s == '|')
		s++;
	}
	return (n);
    }
    while (*s) {
	size_t  len = strcspn(s, " \t");
	char    item[256];

	if (len == 0) {
	    s++;
	    continue;
	}
	snprintf(item, sizeof(item), "%.*s", (int) len, s);
	s += len;
	if (type == 1) {
	    unsigned char a[4];

	    if (inet_pton(AF_INET, item, a) != 1)
		continue;
	    put_rr_head(p, type);
	    put16(p, 4);
	    put_bytes(p, a, 4);
	} else if (type == 28) {
	    unsigned char a[16];

	    if (inet_pton(AF_INET6, item, a) != 1)
		continue;
	    put_rr_head(p, type);
	    put16(p, 16);
	    put_bytes(p, a, 16);
	} else {				/* PTR, CNAME, NS: one name; MX pref:name */
	    size_t  at;
	    const char *nm = item;

	    put_rr_head(p, type);
	    at = p->len;
	    put16(p, 0);			/* rdlength, patched below */
	    if (type == 15) {
		char   *colon = strchr(item, ':');

		put16(p, (unsigned) atoi(item));
		nm = colon ? colon + 1 : item;
	    }
	    put_name(p, nm, strlen(nm));
	    if (!p->overflow) {
		size_t  rdlen = p->len - at - 2;

		p->b[at] = (unsigned char) (rdlen >> 8);
		p->b[at + 1] = (unsigned char) rdlen;
	    }
	}
	n++;
    }
    return (n);
}

/*
 * parse_query - header and first question. Returns the length of the
 * header plus question (what a reply echoes), 0 when unusable.
 */
static size_t
parse_query(const unsigned char *q, size_t len, char *name, size_t namelen, int *type)
{
    size_t  i = 12, o = 0;

    if (len < 12 || (q[2] & 0x80) || ((q[4] << 8) | q[5]) < 1)
	return (0);
    for (;;) {
	unsigned l;

	if (i >= len)
	    return (0);
	l = q[i++];
	if (l == 0)
	    break;
	if (l > 63 || i + l > len)
	    return (0);			/* compression or junk */
	if (o > 0 && o + 1 < namelen)
	    name[o++] = '.';
	for (unsigned k = 0; k < l; k++)
	    if (o + 1 < namelen)
		name[o++] = (char) tolower(q[i + k]);
	i += l;
    }
    name[o] = 0;
    if (i + 4 > len)
	return (0);
    *type = (q[i] << 8) | q[i + 1];
    return (i + 4);
}

static const struct rule *
find_rule(const struct fakedns *f, const char *name, int type)
{
    for (int pass = 0; pass < 2; pass++)
	for (int i = f->nrules - 1; i >= 0; i--) {
	    const struct rule *r = &f->rules[i];

	    if (strcmp(r->name, name) != 0)
		continue;
	    if (pass == 0 ? r->type == type : r->type == FAKE_ANY)
		return (r);
	}
    return (NULL);
}

/* build_reply - the reply for a rule; returns its length (0: none) */

static size_t
build_reply(const unsigned char *q, size_t qlen, int type, enum fake_kind kind,
	    const char *data, unsigned char *out, size_t cap)
{
    PKT     p = {out, 0, cap, 0};
    unsigned rcode = 0, tc = 0;
    int     nan = 0;

    switch (kind) {
    case FAKE_DROP:
	return (0);
    case FAKE_JUNK:
	memcpy(out, "\x13\x37\xde\xad\xbe", 5);
	return (5);
    case FAKE_NXDOMAIN:
	rcode = 3;
	break;
    case FAKE_SERVFAIL:
	rcode = 2;
	break;
    case FAKE_REFUSED:
	rcode = 5;
	break;
    case FAKE_TC:
	tc = 1;
	break;
    case FAKE_ANSWER:
    case FAKE_NODATA:
    case FAKE_GARBAGE:
	break;
    }
    put_bytes(&p, q, 2);			/* id */
    put16(&p, 0x8000u | (q[2] & 0x78u) << 8 | 0x0400u | (tc << 9) | (q[2] & 1u) << 8
	  | 0x80u | rcode);			/* QR opcode AA TC RD RA rcode */
    put16(&p, 1);				/* qdcount */
    put16(&p, 0);				/* ancount, patched below */
    put16(&p, 0);
    put16(&p, 0);
    put_bytes(&p, q + 12, qlen - 12);		/* the question, as asked */
    if (kind == FAKE_ANSWER)
	nan = put_answers(&p, type, data);
    else if (kind == FAKE_GARBAGE) {
	put_rr_head(&p, type);
	put16(&p, 200);				/* rdlength far past the end */
	put_bytes(&p, "\x01\x02", 2);
	nan = 1;
    }
    if (p.overflow)
	return (0);
    out[6] = (unsigned char) (nan >> 8);
    out[7] = (unsigned char) nan;
    return (p.len);
}

static void
handle(struct fakedns *f, const unsigned char *q, size_t len, const struct sockaddr_in *from)
{
    char    name[256];
    int     type = 0;
    size_t  qlen = parse_query(q, len, name, sizeof(name), &type);
    const struct rule *r;
    enum fake_kind kind;
    const char *data = NULL;
    int     delay = 0;
    unsigned char out[PKT_MAX];
    size_t  olen;

    if (qlen == 0)
	return;
    pthread_mutex_lock(&f->lock);
    if (f->nlog < MAX_LOG) {
	struct fake_query *l = &f->log[f->nlog++];

	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = type;
	l->t_ms = mono_ms();
    }
    r = find_rule(f, name, type);
    kind = r ? r->kind : f->dflt;
    if (r) {
	data = r->data;
	delay = r->delay_ms;
    }
    olen = build_reply(q, qlen, type, kind, data, out, sizeof(out));
    pthread_mutex_unlock(&f->lock);
    if (olen == 0)
	return;
    if (delay > 0) {
	for (int i = 0; i < MAX_PARKED; i++)
	    if (f->parked[i] == NULL) {
		struct parked *pk = malloc(sizeof(*pk));

		if (pk == NULL)
		    break;
		pk->due_ms = mono_ms() + delay;
		pk->to = *from;
		pk->len = olen;
		memcpy(pk->pkt, out, olen);
		f->parked[i] = pk;
		return;
	    }
    }
    sendto(f->sock, out, olen, 0, (const struct sockaddr *) from, sizeof(*from));
}

static void *
server(void *arg)
{
    struct fakedns *f = arg;

    for (;;) {
	struct pollfd pfd[2] = {{f->sock, POLLIN, 0}, {f->wake[0], POLLIN, 0}};
	long long now = mono_ms(), next = -1;
	int     timeout;

	for (int i = 0; i < MAX_PARKED; i++) {
	    struct parked *pk = f->parked[i];

	    if (pk == NULL)
		continue;
	    if (pk->due_ms <= now) {
		sendto(f->sock, pk->pkt, pk->len, 0, (const struct sockaddr *) &pk->to,
		       sizeof(pk->to));
		free(pk);
		f->parked[i] = NULL;
	    } else if (next < 0 || pk->due_ms < next)
		next = pk->due_ms;
	}
	timeout = next < 0 ? -1 : (int) (next - now);
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
	    break;
	if (pfd[1].revents)
	    break;
	if (pfd[0].revents & POLLIN) {
	    for (;;) {
		unsigned char buf[PKT_MAX];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(f->sock, buf, sizeof(buf), 0,
				     (struct sockaddr *) &from, &flen);

		if (n < 0)
		    break;
		handle(f, buf, (size_t) n, &from);
	    }
	}
    }
    for (int i = 0; i < MAX_PARKED; i++) {
	free(f->parked[i]);
	f->parked[i] = NULL;
    }
    return (NULL);
}

FAKEDNS *
fakedns_start(void)
{
    struct fakedns *f = calloc(1, sizeof(*f));
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);

    if (f == NULL)
	return (NULL);
    f->dflt = FAKE_REFUSED;
    f->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f->sock < 0 || pipe2(f->wake, O_CLOEXEC) < 0) {
	if (f->sock >= 0)
	    close(f->sock);
	free(f);
	return (NULL);
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(f->sock, (struct sockaddr *) &sin, sizeof(sin)) < 0
	|| getsockname(f->sock, (struct sockaddr *) &sin, &slen) < 0)
	goto fail;
    f->port = ntohs(sin.sin_port);
    pthread_mutex_init(&f->lock, NULL);
    if (pthread_create(&f->thread, NULL, server, f) != 0) {
	pthread_mutex_destroy(&f->lock);
	goto fail;
    }
    return (f);
fail:
    close(f->sock);
    close(f->wake[0]);
    close(f->wake[1]);
    free(f);
    return (NULL);
}

void
fakedns_add(FAKEDNS *f, const char *name, int type, enum fake_kind kind,
	    const char *data, int delay_ms)
{
    struct rule *r;

    pthread_mutex_lock(&f->lock);
    if (f->nrules < MAX_RULES) {
	r = &f->rules[f->nrules++];
	norm(r->name, sizeof(r->name), name);
	r->type = type;
	r->kind = kind;
	r->data = data ? strdup(data) : NULL;
	r->delay_ms = delay_ms;
    }
    pthread_mutex_unlock(&f->lock);
}

void
fakedns_default(FAKEDNS *f, enum fake_kind kind)
{
    pthread_mutex_lock(&f->lock);
    f->dflt = kind;
    pthread_mutex_unlock(&f->lock);
}

int
fakedns_port(const FAKEDNS *f)
{
    return (f->port);
}

void
fakedns_sockaddr(const FAKEDNS *f, struct sockaddr_storage *ss)
{
    struct sockaddr_in sin;

    memset(ss, 0, sizeof(*ss));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) f->port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memcpy(ss, &sin, sizeof(sin));
}

static int
log_match(const struct fake_query *l, const char *name, int type)
{
    char    n[256];

    if (type != FAKE_ANY && l->type != type)
	return (0);
    if (name == NULL)
	return (1);
    norm(n, sizeof(n), name);
    return (strcmp(n, l->name) == 0);
}

int
fakedns_count(FAKEDNS *f, const char *name, int type)
{
    int     n = 0;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nlog; i++)
	n += log_match(&f->log[i], name, type);
    pthread_mutex_unlock(&f->lock);
    return (n);
}

long long
fakedns_first_ms(FAKEDNS *f, const char *name, int type)
{
    long long t = -1;

    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->nlog && t < 0; i++)
	if (log_match(&f->log[i], name, type))
	    t = f->log[i].t_ms;
    pthread_mutex_unlock(&f->lock);
    return (t);
}

int
fakedns_log(FAKEDNS *f, struct fake_query *out, int max)
{
    int     n;

    pthread_mutex_lock(&f->lock);
    n = f->nlog;
    for (int i = 0; i < n && i < max; i++)
	out[i] = f->log[i];
    pthread_mutex_unlock(&f->lock);
    return (n);
}

void
fakedns_stop(FAKEDNS *f)
{
    if (f == NULL)
	return;
    if (write(f->wake[1], "x", 1) < 0)
	perror("fakedns_stop");
    pthread_join(f->thread, NULL);
    close(f->sock);
    close(f->wake[0]);
    close(f->wake[1]);
    pthread_mutex_destroy(&f->lock);
    for (int i = 0; i < f->nrules; i++)
	free(f->rules[i].data);
    free(f);
}
