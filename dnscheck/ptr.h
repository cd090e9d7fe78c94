/*
 * ptr.h - PTR record and forward-confirmed reverse DNS (FCrDNS)
 *
 * rc_ptr_start() submits the PTR query of the client address; its callback
 * submits an A (IPv4 client) or AAAA (IPv6 client) query for each PTR name,
 * at most max_names of them, so the whole chain runs inside the message's
 * one poll loop. After the loop, rc_ptr_finish() turns the answers into
 * findings for ptr_missing, ptr_no_address and ptr_mismatch, keeping TEMP
 * (lookup failed) apart from absence. rc_ptr_confirmed() is the first PTR
 * name whose addresses include the client, or NULL: only that name is ever
 * trusted (for the `host' allowlist, generic-name and rhsbl checks).
 */
#ifndef RC_PTR_H_INCLUDED
#define RC_PTR_H_INCLUDED

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "checkdef.h"
#include "resolver.h"
#include "verdict.h"

#define RC_PTR_MAX_NAMES 32

typedef enum rc_fwd {
    RC_FWD_PENDING,			/* no answer (yet) */
    RC_FWD_MATCH,			/* addresses include the client */
    RC_FWD_NOMATCH,			/* addresses, none is the client */
    RC_FWD_ABSENT,			/* NXDOMAIN/NODATA, or not a usable name */
    RC_FWD_FAILED			/* lookup failed */
} RC_FWD;

typedef struct rc_ptrname {
    const char *name;			/* in the PTR answer (presentation form) */
    RC_FWD      fwd;
    RC_QUERY   *query;			/* NULL if it could not be submitted */
    char        first_addr[RC_ADDR_STRLEN];	/* an address it did have */
} RC_PTRNAME;

typedef struct rc_ptrcheck {
    RC_ADDR     client;
    RC_QUERY   *query;			/* the PTR query */
    int         max_names;
    int         nnames;			/* names followed up */
    int         nanswer;		/* names in the PTR answer */
    RC_PTRNAME  names[RC_PTR_MAX_NAMES];
    /* Called once, inside the loop, when the first name confirms. */
    void        (*on_confirmed) (void *arg, RC_RESOLVER *, const char *name);
    void       *on_confirmed_arg;
} RC_PTRCHECK;

extern void rc_ptr_start(RC_PTRCHECK *, RC_RESOLVER *, const RC_ADDR *, int max_names,
			 void (*on_confirmed) (void *, RC_RESOLVER *, const char *),
			 void *arg);
extern void rc_ptr_finish(const RC_PTRCHECK *, const RC_CONFIG *, RC_VERDICT *);
extern const char *rc_ptr_confirmed(const RC_PTRCHECK *);

/* rc_ptr_first_name - the first PTR name (unverified), or NULL */
extern const char *rc_ptr_first_name(const RC_PTRCHECK *);

#endif
