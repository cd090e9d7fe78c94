/*
 * spfeval.c - SPF through libspf2, on the message's udns session: the check
 *
 * rc_spf_check() (spf.h) validates its inputs, sets up the per-process
 * libspf2 server with our DNS layer (lookup() in spfdns.c, get_spf() in
 * spffetch.c), runs one request under the recovery point (spfguard.c),
 * and maps libspf2's result, or the reason the DNS layer stopped it, to
 * ours, with the detail line and the Received-SPF value
 * (spfreceived.c). Facts it relies on (libspf2 1.2.10, read in the source
 * and checked against Debian's binary):
 *
 *   - SPF_request_query_mailfrom() answers "pass" for any 127/8 or ::1
 *     client without reading DNS ("localhost is always allowed").
 *     Loopback clients are local processes or, behind a same-host proxy,
 *     every client, so rc_spf_query() takes the same steps (the record
 *     fetch, then SPF_record_interpret(), which has no such shortcut)
 *     and every client's record is evaluated;
 *   - SPF_RESULT_INVALID comes back for a failed top-level record fetch
 *     (DNS error: temperror) or record compile (permerror);
 *   - SPF_error() does not return: see spfguard.c. Every libspf2 call
 *     here is made between rc_spf_enter() and rc_spf_leave(), with
 *     rc_spf_jmp armed in this file's frame.
 */
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "spfdns.h"
#include "spffetch.h"
#include "spfguard.h"
#include "spfreceived.h"
#include "spfsession.h"

#define RC_SPF_MAX_INPUT	1024	/* longer sender/HELO: not checked */

/* Our own explanation (the library's default names a dead web site). */
#define RC_SPF_EXPLANATION \
	"%{o} does not authorise %{i} to send mail for it (SPF, RFC 7208)"

/* Per-process state (spfsession.h). */
SPF_dns_server_t rc_spf_layer = {
    .destroy = NULL,			/* static: SPF_server_free leaves it */
    .lookup = rc_spf_lookup,
    .get_spf = rc_spf_get_spf,
    .get_exp = NULL,
    .add_cache = NULL,
    .layer_below = NULL,
    .name = "relaycheck-udns",
    .debug = 0,
    .hook = NULL,
};
SPF_server_t *rc_spf_server;
RC_SPF_SESSION *rc_spf_cur;
RC_SPF_SESSION *rc_spf_live;
static bool rc_spf_server_failed;

/* rc_spf_result_name - "pass", "fail", ... (spf.h) */

const char *
rc_spf_result_name(RC_SPF_RESULT r)
{
    switch (r) {
    case RC_SPF_PASS:
	return ("pass");
    case RC_SPF_FAIL:
	return ("fail");
    case RC_SPF_SOFTFAIL:
	return ("softfail");
    case RC_SPF_NEUTRAL:
	return ("neutral");
    case RC_SPF_NONE:
	return ("none");
    case RC_SPF_PERMERROR:
	return ("permerror");
    case RC_SPF_TEMPERROR:
	return ("temperror");
    case RC_SPF_SKIP:
	return ("skip");
    }
    return ("?");
}

/* rc_spf_check_id - the finding's id for a result */

static RC_CHECK
rc_spf_check_id(RC_SPF_RESULT r)
{
    switch (r) {
    case RC_SPF_PASS:
	return (RC_CHK_SPF_PASS);
    case RC_SPF_FAIL:
	return (RC_CHK_SPF_FAIL);
    case RC_SPF_SOFTFAIL:
	return (RC_CHK_SPF_SOFTFAIL);
    case RC_SPF_NEUTRAL:
	return (RC_CHK_SPF_NEUTRAL);
    case RC_SPF_PERMERROR:
	return (RC_CHK_SPF_PERMERROR);
    case RC_SPF_TEMPERROR:
	return (RC_CHK_SPF_TEMPERROR);
    case RC_SPF_NONE:
    case RC_SPF_SKIP:
	break;
    }
    return (RC_CHK_SPF_NONE);
}

/* rc_spf_init_server - the per-process server with our layer, limits and explanation */

static void
rc_spf_init_server(void)
{
    SPF_response_t *resp = NULL;

    rc_spf_server = SPF_server_new_dns(&rc_spf_layer, 0);
    if (rc_spf_server == NULL)
	return;
    SPF_server_set_sanitize(rc_spf_server, 1);
    SPF_server_set_max_dns_mech(rc_spf_server, RC_SPF_MAX_TERMS);
    SPF_server_set_max_dns_mx(rc_spf_server, RC_SPF_MAX_SUB);
    SPF_server_set_max_dns_ptr(rc_spf_server, RC_SPF_MAX_SUB);
    if (SPF_server_set_explanation(rc_spf_server, RC_SPF_EXPLANATION, &resp) != SPF_E_SUCCESS)
	rc_spf_log(RC_SPF_LOG_WARNING, "SPF: cannot set the explanation text");
    if (resp != NULL)
	SPF_response_free(resp);
}

/* rc_spf_init - the per-process server, once; false if it cannot be had */

static bool
rc_spf_init(void)
{
    if (rc_spf_server != NULL)
	return (true);
    if (rc_spf_server_failed)
	return (false);
    rc_spf_enter();
    if (sigsetjmp(rc_spf_jmp, 0) == 0)
	rc_spf_init_server();
    else
	rc_spf_server = NULL;		/* libspf2 gave up (memory): leaked */
    rc_spf_leave();
    rc_spf_server_failed = rc_spf_server == NULL;
    return (rc_spf_server != NULL);
}

/* rc_spf_shutdown - the per-process libspf2 state freed (spf.h) */

void
rc_spf_shutdown(void)
{
    if (rc_spf_server != NULL) {
	rc_spf_enter();
	if (sigsetjmp(rc_spf_jmp, 0) == 0)
	    SPF_server_free(rc_spf_server);
	rc_spf_leave();
    }
    rc_spf_server = NULL;
    rc_spf_server_failed = false;
    rc_spf_reserve_free();
}

/* rc_spf_helo_usable - a HELO name that can stand for a domain (bounces) */

static bool
rc_spf_helo_usable(const char *helo)
{
    struct in6_addr a6;
    struct in_addr a4;

    if (*helo == 0 || *helo == '[' || strchr(helo, '.') == NULL)
	return (false);
    if (inet_pton(AF_INET, helo, &a4) == 1 || inet_pton(AF_INET6, helo, &a6) == 1)
	return (false);
    return (rc_spf_name_ok(helo, true));
}

/* rc_spf_from_lib - libspf2's result as ours; false for "(invalid)" */

static bool
rc_spf_from_lib(SPF_result_t lib, RC_SPF_RESULT *res)
{
    switch (lib) {
    case SPF_RESULT_PASS:
	*res = RC_SPF_PASS;
	return (true);
    case SPF_RESULT_FAIL:
	*res = RC_SPF_FAIL;
	return (true);
    case SPF_RESULT_SOFTFAIL:
	*res = RC_SPF_SOFTFAIL;
	return (true);
    case SPF_RESULT_NEUTRAL:
	*res = RC_SPF_NEUTRAL;
	return (true);
    case SPF_RESULT_NONE:
	*res = RC_SPF_NONE;
	return (true);
    case SPF_RESULT_TEMPERROR:
	*res = RC_SPF_TEMPERROR;
	return (true);
    case SPF_RESULT_PERMERROR:
	*res = RC_SPF_PERMERROR;
	return (true);
    case SPF_RESULT_INVALID:
    default:
	break;
    }
    return (false);
}

/* rc_spf_conclude - result, detail and Received-SPF from the evaluation */

static void
rc_spf_conclude(RC_SPF_SESSION *s, const RC_SPF_INPUT *in, SPF_request_t *req,
		SPF_response_t *resp, SPF_errcode_t err)
{
    RC_SPF *out = s->out;
    RC_SPF_RESULT res = RC_SPF_TEMPERROR, libres = RC_SPF_SKIP;
    bool    lib_valid = resp != NULL && rc_spf_from_lib(SPF_response_result(resp), &libres);
    char    who[160];
    const char *why = s->why[0] ? s->why : NULL;

    switch (s->stop) {
    case RC_SPF_STOP_TERMS:
    case RC_SPF_STOP_VOIDS:
    case RC_SPF_STOP_MX:
	res = RC_SPF_PERMERROR;
	out->limit_exceeded = true;
	break;
    case RC_SPF_STOP_DEADLINE:
    case RC_SPF_STOP_BUDGET:
	res = RC_SPF_TEMPERROR;
	out->timed_out = true;
	break;
    case RC_SPF_RUNNING:
	if (lib_valid)
	    res = libres;
	else			/* libspf2's "(invalid)": top-level fetch or compile */
	    res = (err == SPF_E_DNS_ERROR || s->top_dns_failed || resp == NULL)
		? RC_SPF_TEMPERROR : RC_SPF_PERMERROR;
	break;
    }
    out->result = res;
    out->check = rc_spf_check_id(res);

    /* detail: one line for the report */
    snprintf(who, sizeof(who), "%.100s%s", out->domain, out->helo_identity ? " (HELO)" : "");
    switch (res) {
    case RC_SPF_PASS:
	snprintf(out->detail, sizeof(out->detail), "%s: %s authorised", who, in->ip);
	break;
    case RC_SPF_FAIL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s not authorised", who, in->ip);
	break;
    case RC_SPF_SOFTFAIL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s not authorised (softfail)", who,
		 in->ip);
	break;
    case RC_SPF_NEUTRAL:
	snprintf(out->detail, sizeof(out->detail), "%s: %s neither authorised nor denied",
		 who, in->ip);
	break;
    case RC_SPF_NONE:
	snprintf(out->detail, sizeof(out->detail), "%s: no SPF record", who);
	break;
    case RC_SPF_PERMERROR:
	if (why == NULL && resp != NULL)
	    why = SPF_strerror(SPF_response_errcode(resp) != SPF_E_SUCCESS
			       ? SPF_response_errcode(resp) : err);
	snprintf(out->detail, sizeof(out->detail), "%.110s: %.200s", who,
		 why ? why : "error in the SPF record");
	break;
    case RC_SPF_TEMPERROR:
	snprintf(out->detail, sizeof(out->detail), "%.120s: DNS lookup failed (%.170s)", who,
		 s->failure[0] ? s->failure : "temporary error");
	break;
    case RC_SPF_SKIP:
	break;
    }

    /* Received-SPF: built here, complete and folded (libspf2's is cut) */
    rc_spf_received(out, in, req, res, why);
}

/*
 * rc_spf_query - SPF_request_query_mailfrom() without its free pass for
 * loopback clients: the checked domain's record is fetched (through
 * rc_spf_get_spf()) and interpreted for every client. *respp is set
 * unless memory ran out; the response's explanation record is the
 * fetched one, as libspf2 sets it.
 */
static SPF_errcode_t
rc_spf_query(SPF_request_t *req, SPF_response_t **respp)
{
    SPF_record_t *rec = NULL;
    SPF_errcode_t err;

    if ((*respp = SPF_response_new(req)) == NULL)
	return (SPF_E_NO_MEMORY);
    req->use_helo = 0;			/* MAIL FROM (or postmaster@<helo>) */
    req->cur_dom = req->env_from_dp;
    err = SPF_server_get_record(rc_spf_server, req, *respp, &rec);
    if (err != SPF_E_SUCCESS) {
	if (rec != NULL)
	    SPF_record_free(rec);
	return (err);
    }
    (*respp)->spf_record_exp = rec;
    err = SPF_record_interpret(rec, req, *respp, 0);
    SPF_record_free(rec);
    return (err);
}

/*
 * rc_spf_evaluate - one request through libspf2. Runs with our handlers
 * installed and the recovery point armed: if libspf2 gives up, control
 * returns to rc_spf_check() and whatever was allocated here is leaked.
 * libspf2's objects are kept in the session, which rc_spf_abandon() keeps
 * reachable after a jump out of the module.
 */
static void
rc_spf_evaluate(RC_SPF_SESSION *s, const RC_SPF_INPUT *in)
{
    RC_SPF *out = s->out;
    SPF_request_t *req;
    SPF_errcode_t err;

    if (in->receiver != NULL && *in->receiver)
	SPF_server_set_rec_dom(rc_spf_server, in->receiver);
    req = s->req = SPF_request_new(rc_spf_server);
    if (req == NULL
	|| (in->v4 ? SPF_request_set_ipv4(req, in->a4) : SPF_request_set_ipv6(req, in->a6))
	!= SPF_E_SUCCESS
	|| (*in->helo && SPF_request_set_helo_dom(req, in->helo) != SPF_E_SUCCESS)
	|| SPF_request_set_env_from(req, in->sender) != 0) {
	out->result = RC_SPF_TEMPERROR;
	out->check = RC_CHK_SPF_TEMPERROR;
	snprintf(out->detail, sizeof(out->detail), "%.100s: out of memory", out->domain);
	if (req != NULL)
	    SPF_request_free(req);
	return;
    }
    rc_spf_cur = s;
    err = rc_spf_query(req, &s->resp);
    rc_spf_cur = NULL;
    rc_spf_conclude(s, in, req, s->resp, err);
    if (s->resp != NULL)
	SPF_response_free(s->resp);
    SPF_request_free(req);
    s->req = NULL;
    s->resp = NULL;
}

/* rc_spf_check - evaluate SPF for one message (spf.h) */

void
rc_spf_check(RC_SPF *out, RC_RESOLVER *r, const char *client_ip, const char *helo,
	     const char *sender, const char *receiver_hostname)
{
    long long t0 = rc_now_ms();
    RC_SPF_SESSION *s;
    RC_SPF_INPUT in;

    memset(out, 0, sizeof(*out));
    memset(&in, 0, sizeof(in));
    out->result = RC_SPF_SKIP;
    out->check = RC_CHK_SPF_NONE;
    in.helo = helo ? helo : "";
    in.sender = sender ? sender : "";
    in.receiver = receiver_hostname;

    /* Inputs: what cannot be checked is skipped, not guessed at. */
    if (client_ip != NULL && inet_pton(AF_INET, client_ip, &in.a4) == 1) {
	in.v4 = true;
    } else if (client_ip != NULL && inet_pton(AF_INET6, client_ip, &in.a6) == 1) {
	if (IN6_IS_ADDR_V4MAPPED(&in.a6)) {	/* ::ffff:192.0.2.1 is IPv4 */
	    memcpy(&in.a4, &in.a6.s6_addr[12], 4);
	    in.v4 = true;
	}
    } else {
	snprintf(out->detail, sizeof(out->detail), "unusable client address");
	goto done;
    }
    inet_ntop(in.v4 ? AF_INET : AF_INET6, in.v4 ? (const void *) &in.a4
	      : (const void *) &in.a6, in.ip, sizeof(in.ip));
    if (strlen(in.helo) > RC_SPF_MAX_INPUT || strlen(in.sender) > RC_SPF_MAX_INPUT) {
	snprintf(out->detail, sizeof(out->detail), "HELO name or sender address too long");
	goto done;
    }
    if (*in.sender == 0) {
	if (!rc_spf_helo_usable(in.helo)) {
	    snprintf(out->detail, sizeof(out->detail),
		     "bounce (MAIL FROM:<>) without a usable HELO name");
	    goto done;
	}
	out->helo_identity = true;
	snprintf(in.dom, sizeof(in.dom), "%.255s", in.helo);
    } else {
	const char *at = strrchr(in.sender, '@');

	snprintf(in.dom, sizeof(in.dom), "%.255s", at ? at + 1 : in.sender);
    }
    rc_escape(out->domain, sizeof(out->domain), in.dom, strlen(in.dom));

    out->result = RC_SPF_TEMPERROR;	/* until the evaluation says otherwise */
    out->check = RC_CHK_SPF_TEMPERROR;
    if (!rc_spf_init()) {
	snprintf(out->detail, sizeof(out->detail), "%.100s: SPF library unavailable",
		 out->domain);
	goto done;
    }
    rc_spf_reserve_fill();
    /* The query cache (35 kB) is filled entry by entry below s->ncache: clearing it would
     * only fault in pages that most evaluations never use. */
    if ((s = malloc(sizeof(*s))) == NULL) {
	snprintf(out->detail, sizeof(out->detail), "%.100s: out of memory", out->domain);
	goto done;
    }
    memset(s, 0, offsetof(RC_SPF_SESSION, cache));
    rc_spf_live = s;
    s->r = r;
    s->out = out;
    s->v4 = in.v4;
    s->a4 = in.a4;
    s->a6 = in.a6;
    memcpy(s->ip, in.ip, sizeof(s->ip));
    rc_spf_enter();
    if (sigsetjmp(rc_spf_jmp, 0) == 0) {
	rc_spf_evaluate(s, &in);
    } else {
	/* SPF_error(): libspf2's objects are in an unknown state (leaked). */
	rc_spf_cur = NULL;
	out->result = RC_SPF_TEMPERROR;
	out->check = RC_CHK_SPF_TEMPERROR;
	out->received_spf[0] = 0;
	snprintf(out->detail, sizeof(out->detail), "%.100s: SPF library failure",
		 out->domain);
    }
    rc_spf_leave();
    rc_spf_live = NULL;
    free(s);
done:
    out->elapsed_ms = (long) (rc_now_ms() - t0);
}
