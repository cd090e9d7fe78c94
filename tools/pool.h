/*
 * pool.h - private to the relaycheck command: N worker processes, results
 * in the order the work was given (see pool.c)
 */
#ifndef RC_POOL_H_INCLUDED
#define RC_POOL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_pool RC_POOL;

/*
 * The work, run in a worker: a request in, a reply out (malloc'ed, *len
 * set; NULL: out of memory). Called once more with req NULL when the
 * worker is to end, to free what it keeps; its return is then ignored.
 */
typedef char *(*RC_POOL_WORK) (void *arg, const char *req, size_t reqlen, size_t *len);

/*
 * What is done with each reply, in the parent, in the order the requests
 * (and the ready results) were given. rep is NULL when the worker that had
 * the request died before it replied.
 */
typedef void (*RC_POOL_DONE) (void *arg, size_t seq, const char *rep, size_t len);

/*
 * rc_pool_open - fork `jobs' workers (1..RC_POOL_MAX_JOBS) that run
 * work(warg, ...); NULL with errno set when a pipe or fork fails. Flush
 * stdio before: the workers inherit its buffers.
 */
#define RC_POOL_MAX_JOBS 256
extern RC_POOL *rc_pool_open(int jobs, RC_POOL_WORK work, void *warg, RC_POOL_DONE done,
			     void *darg);

/*
 * rc_pool_submit - give a request to the next idle worker; waits (handing
 * replies to done meanwhile) while every worker is busy or too many
 * results wait for an earlier one. Returns its sequence number.
 */
extern size_t rc_pool_submit(RC_POOL *, const void *req, size_t len);

/* rc_pool_ready - a result that needs no worker, handed to done in its turn */
extern size_t rc_pool_ready(RC_POOL *, const void *rep, size_t len);

/*
 * rc_pool_close - wait for every reply, end the workers, free the pool.
 * Returns the number of workers that died or exited other than cleanly.
 */
extern int rc_pool_close(RC_POOL *);

#endif
