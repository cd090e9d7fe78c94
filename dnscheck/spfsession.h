/*
 * spfsession.h - private to the SPF files: the state they share
 *
 * One SPF evaluation is split by concern over several files, all behind
 * the public spf.h:
 *	spfguard.c	libspf2's log and error handlers, the recovery jump,
 *			rc_spf_abandon()
 *	spfreceived.c	the Received-SPF header value
 *	spfdns.c	the DNS layer libspf2 asks (lookup()): our resolver's
 *			answers, the RFC 7208 4.6.4 term and void counts
 *	spffetch.c	the record fetch (get_spf()): RFC 7208 4.5, the
 *			CVE-2023-42118 screen (spfcve.c), rc_spfrec_prepare()
 *	spfeval.c	the per-process server, rc_spf_check(), the result
 *			mapping
 * This header holds what they pass between them: the session of the check
 * in progress and the per-process state. Nothing outside those files
 * includes it.
 */
#ifndef RC_SPFSESSION_H_INCLUDED
#define RC_SPFSESSION_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dnscheck/resolver.h"
#include "spf.h"

#define RC_SPF_MAX_SUB		10	/* RFC 7208 4.6.4: per MX/PTR answer */
#define RC_SPF_NAME_MAX		256

/* Why an evaluation was stopped from inside the DNS layer. */
typedef enum rc_spf_stop {
    RC_SPF_RUNNING,
    RC_SPF_STOP_TERMS,			/* permerror */
    RC_SPF_STOP_VOIDS,			/* permerror */
    RC_SPF_STOP_MX,			/* permerror: more than 10 MX names */
    RC_SPF_STOP_DEADLINE,		/* temperror */
    RC_SPF_STOP_BUDGET			/* temperror: query budget or memory */
} RC_SPF_STOP;

/* What a lookup() request is (see spfdns.c). */
typedef enum rc_spf_kind {
    RC_SPF_K_TERM,			/* a, mx, ptr, exists */
    RC_SPF_K_SUB_MX,			/* address of a name in an mx answer */
    RC_SPF_K_SUB_PTR,			/* address of a name in a ptr answer */
    RC_SPF_K_PMACRO,			/* %{p}: PTR, or address of its names */
    RC_SPF_K_EXP			/* TXT of an exp= explanation */
} RC_SPF_KIND;

/* One query of this check, by name and type. */
typedef struct rc_spf_cached {
    int         type;			/* RC_T_* */
    char        name[RC_SPF_NAME_MAX];
    RC_QUERY   *q;			/* NULL: not a DNS name (no query) */
} RC_SPF_CACHED;

/* The names of the last MX/PTR answer whose address lookups may follow. */
typedef struct rc_spf_expect {
    RC_SPF_KIND kind;			/* K_SUB_MX, K_SUB_PTR or K_PMACRO */
    bool        any;			/* mx/0: any address is the client's */
    int         n, next;
    uintptr_t   ptr[RC_SPF_MAX_SUB];
    char        name[RC_SPF_MAX_SUB][RC_SPF_NAME_MAX];
} RC_SPF_EXPECT;

/* The check in progress: allocated by rc_spf_check(), read by the DNS layer. */
typedef struct rc_spf_session {
    RC_RESOLVER *r;
    RC_SPF     *out;
    bool        v4;			/* the client's address family */
    struct in_addr a4;
    struct in6_addr a6;
    char        ip[INET6_ADDRSTRLEN];
    int         fetches;		/* get_spf() calls */
    RC_SPF_STOP stop;
    bool        top_dns_failed;		/* the checked domain's TXT lookup */
    char        failure[256];		/* what a failed lookup said */
    char        why[256];		/* why permerror, when we know */
    SPF_request_t *req;			/* libspf2's objects of this check */
    SPF_response_t *resp;
    RC_SPF_EXPECT expect;
    int         ncache;
    RC_SPF_CACHED cache[RC_SPF_MAX_QUERIES];
} RC_SPF_SESSION;

/* The facts of one check, as rc_spf_check() validated them. */
typedef struct rc_spf_input {
    bool        v4;
    struct in_addr a4;
    struct in6_addr a6;
    char        ip[INET6_ADDRSTRLEN];
    const char *helo;
    const char *sender;
    const char *receiver;
    char        dom[RC_SPF_NAME_MAX];	/* raw */
} RC_SPF_INPUT;

/*
 * Per-process state (defined in spfeval.c; prefixed, since Exim has spf_*
 * globals of its own).
 */
extern SPF_dns_server_t rc_spf_layer;	/* our DNS layer, for libspf2 */
extern SPF_server_t *rc_spf_server;	/* created on first use */
extern RC_SPF_SESSION *rc_spf_cur;	/* the check in progress */
extern RC_SPF_SESSION *rc_spf_live;	/* allocated by rc_spf_check() */

#endif
