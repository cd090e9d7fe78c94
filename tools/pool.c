/*
 * pool.c - N worker processes for the command's modes that evaluate many
 * relays (--batch, --replay), with the results in input order
 *
 * The engine keeps the message in flight in static storage, and SPF keeps
 * a libspf2 server per process (HACKING.md 1.5): one evaluation at a time
 * per process, as in Exim. So concurrency here is processes: each worker
 * is forked after the configuration was loaded, and runs one request at a
 * time through the caller's work function, exactly as a check runs. The
 * parent gives each request to an idle worker over a pipe, reads the
 * replies as they come (poll), and hands them to done() strictly in the
 * order of the requests, holding early ones until the ones before them
 * are in. At most RC_POOL_WINDOW * jobs results wait; submitting then
 * waits. A worker that dies is not restarted: its request gets done()
 * with a NULL reply, and the others carry on.
 *
 * Framing on both pipes: a size_t length, then that many bytes.
 */
#include "pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RC_POOL_WINDOW	64

typedef struct worker {
    pid_t       pid;
    int         to;			/* requests; -1 when closed */
    int         from;			/* replies; -1 when closed */
    bool        busy;
    size_t      seq;			/* of the request it has */
} WORKER;

typedef struct result {
    char       *data;			/* NULL: the worker died */
    size_t      len;
    bool        in;			/* arrived (or lost) */
} RESULT;

struct rc_pool {
    WORKER     *w;
    int         nw;
    RC_POOL_DONE done;
    void       *darg;
    size_t      next_seq;		/* the next request's number */
    size_t      next_out;		/* the next result done() gets */
    RESULT     *pending;		/* [seq - next_out], a ring */
    size_t      cap;			/* of pending, a power of two */
    int         lost;
};

/* write_all - every byte, or -1 */
static int
write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
	ssize_t n = write(fd, p, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0)
	    return (-1);
	p += n;
	len -= (size_t) n;
    }
    return (0);
}

/* read_all - exactly len bytes: 1, or 0 at end of file before any, -1 */
static int
read_all(int fd, void *buf, size_t len)
{
    char   *p = buf;
    size_t  got = 0;

    while (got < len) {
	ssize_t n = read(fd, p + got, len - got);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0)
	    return (-1);
	if (n == 0)
	    return (got == 0 ? 0 : -1);
	got += (size_t) n;
    }
    return (1);
}

/* read_frame - one framed message, malloc'ed: 1, 0 at end of file, -1 */
static int
read_frame(int fd, char **data, size_t *len)
{
    int     rc;

    if ((rc = read_all(fd, len, sizeof(*len))) <= 0)
	return (rc);
    if ((*data = malloc(*len + 1)) == NULL)
	return (-1);
    if (*len > 0 && read_all(fd, *data, *len) != 1) {
	free(*data);
	return (-1);
    }
    (*data)[*len] = 0;
    return (1);
}

/* write_frame - one framed message */
static int
write_frame(int fd, const void *data, size_t len)
{
    if (write_all(fd, &len, sizeof(len)) < 0 || write_all(fd, data, len) < 0)
	return (-1);
    return (0);
}

/* worker_main - a worker's life: requests until end of file, then exit */
static void __attribute__((noreturn))
worker_main(int in, int out, RC_POOL_WORK work, void *warg)
{
    char   *req, *rep;
    size_t  len, replen;
    int     rc;

    while ((rc = read_frame(in, &req, &len)) == 1) {
	rep = work(warg, req, len, &replen);
	free(req);
	if (rep == NULL || write_frame(out, rep, replen) < 0)
	    exit(1);
	free(rep);
    }
    (void) work(warg, NULL, 0, &replen);
    exit(rc == 0 ? 0 : 1);
}

/* slot - the pending result of seq (at most next_seq), the ring grown when needed */
static RESULT *
slot(RC_POOL *p, size_t seq)
{
    size_t  need = seq - p->next_out + 1;

    if (need > p->cap) {
	size_t  ncap = p->cap ? p->cap : 16;
	RESULT *n;

	while (ncap < need)
	    ncap *= 2;
	if ((n = calloc(ncap, sizeof(*n))) == NULL) {
	    fprintf(stderr, "relaycheck: out of memory\n");
	    exit(70);
	}
	for (size_t s = p->next_out; s < p->next_seq; s++)
	    n[s & (ncap - 1)] = p->pending[s & (p->cap - 1)];
	free(p->pending);
	p->pending = n;
	p->cap = ncap;
    }
    return (&p->pending[seq & (p->cap - 1)]);
}

/* flush - hand every result that is next in order to done() */
static void
flush(RC_POOL *p)
{
    while (p->next_out < p->next_seq) {
	RESULT *r = &p->pending[p->next_out & (p->cap - 1)];

	if (!r->in)
	    break;
	p->done(p->darg, p->next_out, r->data, r->len);
	free(r->data);
	memset(r, 0, sizeof(*r));
	p->next_out++;
    }
}

/* worker_lost - a worker's pipes closed; its request gets no reply */
static void
worker_lost(RC_POOL *p, WORKER *w)
{
    if (w->busy) {
	RESULT *r = slot(p, w->seq);

	r->data = NULL;
	r->in = true;
	w->busy = false;
    }
    if (w->to >= 0)
	close(w->to);
    if (w->from >= 0)
	close(w->from);
    w->to = w->from = -1;
    p->lost++;
}

/* wait_replies - block until at least one busy worker replied (or died) */
static void
wait_replies(RC_POOL *p)
{
    struct pollfd pfd[RC_POOL_MAX_JOBS];
    int     idx[RC_POOL_MAX_JOBS];
    int     n = 0;

    for (int i = 0; i < p->nw; i++)
	if (p->w[i].busy) {
	    pfd[n].fd = p->w[i].from;
	    pfd[n].events = POLLIN;
	    idx[n++] = i;
	}
    if (n == 0)
	return;
    while (poll(pfd, (nfds_t) n, -1) < 0)
	if (errno != EINTR) {
	    fprintf(stderr, "relaycheck: poll: %s\n", strerror(errno));
	    exit(70);
	}
    for (int k = 0; k < n; k++) {
	WORKER *w = &p->w[idx[k]];
	char   *data;
	size_t  len;

	if (pfd[k].revents == 0)
	    continue;
	if (read_frame(w->from, &data, &len) != 1) {
	    worker_lost(p, w);
	    continue;
	}
	{
	    RESULT *r = slot(p, w->seq);

	    r->data = data;
	    r->len = len;
	    r->in = true;
	}
	w->busy = false;
    }
    flush(p);
}

/* idle_worker - an idle live worker, waiting for one; NULL: none left */
static WORKER *
idle_worker(RC_POOL *p)
{
    for (;;) {
	bool    alive = false;

	for (int i = 0; i < p->nw; i++) {
	    if (p->w[i].to < 0)
		continue;
	    alive = true;
	    if (!p->w[i].busy)
		return (&p->w[i]);
	}
	if (!alive)
	    return (NULL);
	wait_replies(p);
    }
}

/* rc_pool_open - fork the workers (pool.h) */

RC_POOL *
rc_pool_open(int jobs, RC_POOL_WORK work, void *warg, RC_POOL_DONE done, void *darg)
{
    RC_POOL *p;

    if (jobs < 1 || jobs > RC_POOL_MAX_JOBS) {
	errno = EINVAL;
	return (NULL);
    }
    if ((p = calloc(1, sizeof(*p))) == NULL || (p->w = calloc((size_t) jobs,
							      sizeof(*p->w))) == NULL) {
	free(p);
	return (NULL);
    }
    p->done = done;
    p->darg = darg;
    /* A worker that died must not kill the parent as it writes to it. */
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < jobs; i++) {
	int     req[2], rep[2];
	pid_t   pid;

	if (pipe(req) < 0)
	    break;
	if (pipe(rep) < 0) {
	    close(req[0]);
	    close(req[1]);
	    break;
	}
	if ((pid = fork()) < 0) {
	    close(req[0]);
	    close(req[1]);
	    close(rep[0]);
	    close(rep[1]);
	    break;
	}
	if (pid == 0) {
	    /* Only its own two ends: the others' ends would keep their pipes open. */
	    for (int k = 0; k < p->nw; k++) {
		close(p->w[k].to);
		close(p->w[k].from);
	    }
	    close(req[1]);
	    close(rep[0]);
	    /* and none of the parent's bookkeeping */
	    free(p->pending);
	    free(p->w);
	    free(p);
	    worker_main(req[0], rep[1], work, warg);
	}
	close(req[0]);
	close(rep[1]);
	p->w[p->nw].pid = pid;
	p->w[p->nw].to = req[1];
	p->w[p->nw].from = rep[0];
	p->nw++;
    }
    if (p->nw < jobs) {
	int     e = errno;

	rc_pool_close(p);
	errno = e;
	return (NULL);
    }
    return (p);
}

/* rc_pool_submit - a request to the next idle worker (pool.h) */

size_t
rc_pool_submit(RC_POOL *p, const void *req, size_t len)
{
    WORKER *w;
    size_t  seq;

    while (p->next_seq - p->next_out >= (size_t) RC_POOL_WINDOW * (size_t) p->nw)
	wait_replies(p);
    memset(slot(p, p->next_seq), 0, sizeof(RESULT));
    seq = p->next_seq++;
    for (;;) {
	if ((w = idle_worker(p)) == NULL) {
	    /* Every worker died: the request is lost like theirs. */
	    slot(p, seq)->in = true;
	    flush(p);
	    return (seq);
	}
	w->busy = true;
	w->seq = seq;
	if (write_frame(w->to, req, len) == 0)
	    return (seq);
	worker_lost(p, w);			/* its pipe broke: try the next one */
	slot(p, seq)->in = false;
    }
}

/* rc_pool_ready - a result without a worker (pool.h) */

size_t
rc_pool_ready(RC_POOL *p, const void *rep, size_t len)
{
    size_t  seq;
    RESULT *r;

    while (p->next_seq - p->next_out >= (size_t) RC_POOL_WINDOW * (size_t) p->nw)
	wait_replies(p);
    r = slot(p, p->next_seq);
    seq = p->next_seq++;
    if ((r->data = malloc(len + 1)) == NULL) {
	fprintf(stderr, "relaycheck: out of memory\n");
	exit(70);
    }
    memcpy(r->data, rep, len);
    r->data[len] = 0;
    r->len = len;
    r->in = true;
    flush(p);
    return (seq);
}

/* rc_pool_close - every reply, then the workers ended (pool.h) */

int
rc_pool_close(RC_POOL *p)
{
    int     bad;

    for (;;) {
	bool    busy = false;

	for (int i = 0; i < p->nw; i++)
	    busy |= p->w[i].busy;
	if (!busy)
	    break;
	wait_replies(p);
    }
    flush(p);
    bad = p->lost;
    for (int i = 0; i < p->nw; i++) {
	int     st;

	if (p->w[i].to >= 0)
	    close(p->w[i].to);
	if (p->w[i].from >= 0)
	    close(p->w[i].from);
	while (waitpid(p->w[i].pid, &st, 0) < 0)
	    if (errno != EINTR)
		break;
	if (p->w[i].to >= 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
	    bad++;
    }
    free(p->pending);
    free(p->w);
    free(p);
    return (bad);
}
