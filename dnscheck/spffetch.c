/*
 * spffetch.c - the record fetch: get_spf() of the DNS layer
 *
 * When the layer has get_spf(), libspf2 1.2.10's SPF_server_get_record()
 * calls it for every record fetch: the checked domain first, then each
 * include: and redirect= (so every call after the first is a DNS-querying
 * term, counted against RFC 7208 4.6.4 with the DNS layer's terms; see
 * spfdns.c). The record is looked up as TXT only (RFC 7208 dropped type
 * SPF) through the DNS layer's per-check cache, and before
 * SPF_record_compile() sees it:
 *   - the one record starting "v=spf1" is chosen (RFC 7208 4.5), and more
 *     than one is a permerror;
 *   - a non-ASCII or control character is a permerror (3.1);
 *   - the CVE-2023-42118 screen (spfcve.h) refuses it, as it came and as
 *     rewritten: libspf2 1.2.10 would overflow a stack buffer compiling it;
 *   - rc_spfrec_prepare() checks the RFC 7208 syntax and rewrites what
 *     libspf2 cannot take (CIDR /0; see spfrec.h).
 * A failure of the checked domain's own lookup is remembered
 * (top_dns_failed): libspf2 then answers "(invalid)", which rc_spf_check()
 * reads as temperror.
 */
#include "spffetch.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "spfcve.h"
#include "spfdns.h"
#include "spfguard.h"
#include "spfrec.h"

/* rc_spf_permerror - fail a record fetch with permerror, as libspf2 does */

static SPF_errcode_t
rc_spf_permerror(SPF_response_t *resp, SPF_errcode_t code, const char *why)
{
    resp->result = SPF_RESULT_PERMERROR;
    resp->reason = SPF_REASON_FAILURE;
    return (SPF_response_add_error(resp, code, "%s", why));
}

/*
 * rc_spf_get_spf - the layer's get_spf(): the SPF record of cur_dom, as
 * SPF_server_get_record() would fetch it (TXT only: RFC 7208 dropped type
 * SPF), with the checks libspf2 lacks before SPF_record_compile() sees it.
 */
SPF_errcode_t
rc_spf_get_spf(SPF_server_t *srv, SPF_request_t *req, SPF_response_t *resp,
	       SPF_record_t **recp)
{
    RC_SPF_SESSION *s = rc_spf_cur;
    const char *domain = req->cur_dom ? req->cur_dom : "";
    const RC_SPF_CACHED *c;
    const unsigned char *rec = NULL;
    size_t  reclen = 0;
    SPF_dns_stat_t herrno;
    SPF_errcode_t err;
    char    name[100], syntax[200], *text;
    int     found = 0;
    bool    term, nomem;

    *recp = NULL;
    rc_escape(name, sizeof(name), domain, strlen(domain));
    if (s == NULL)
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "no DNS session"));
    term = s->fetches++ > 0;		/* include: or redirect= */
    s->expect.n = 0;
    if (s->stop != RC_SPF_RUNNING)
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "evaluation stopped"));
    if (term) {
	s->out->lookups++;
	if (++s->out->terms > RC_SPF_MAX_TERMS) {
	    snprintf(s->why, sizeof(s->why), "more than %d DNS-querying terms "
		     "(RFC 7208 4.6.4)", RC_SPF_MAX_TERMS);
	    rc_spf_stop(s, RC_SPF_STOP_TERMS);
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	}
    }

    /* RFC 7208 4.3: a malformed or single-label domain has no policy. */
    if (!rc_spf_name_ok(domain, true)) {
	if (term && rc_spf_void(s, domain))
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "'%s' is not a usable domain",
				       name));
    }
    if ((c = rc_spf_fetch(s, domain, RC_T_TXT, false)) == NULL) {
	s->top_dns_failed |= !term;
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR, "DNS lookup of '%s' failed",
				       name));
    }
    herrno = rc_spf_herrno(s, c, false);
    if (herrno == TRY_AGAIN) {
	s->top_dns_failed |= !term;
	return (SPF_response_add_error(resp, SPF_E_DNS_ERROR,
				       "Temporary DNS failure for '%s'", name));
    }
    if (herrno != NETDB_SUCCESS) {
	if (term && rc_spf_void(s, domain))
	    return (SPF_response_add_error(resp, SPF_E_BIG_DNS, "%s", s->why));
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "No SPF record for '%s'", name));
    }

    /* RFC 7208 4.5: the one record starting "v=spf1" and a space or end. */
    for (int i = 0, n = rc_query_txt(c->q, 0, NULL, NULL); i < n; i++) {
	const unsigned char *x = NULL;
	size_t  xlen = 0;

	(void) rc_query_txt(c->q, i, &x, &xlen);
	if (xlen >= 6 && strncasecmp((const char *) x, "v=spf1", 6) == 0
	    && (xlen == 6 || x[6] == ' ')) {
	    found++;
	    rec = x;
	    reclen = xlen;
	}
    }
    if (found == 0) {
	resp->result = SPF_RESULT_NONE;
	resp->reason = SPF_REASON_FAILURE;
	return (SPF_response_add_error(resp, SPF_E_NOT_SPF, "No SPF record for '%s'", name));
    }
    if (found > 1) {
	snprintf(s->why, sizeof(s->why), "%s has %d SPF records", name, found);
	return (rc_spf_permerror(resp, SPF_E_MULTIPLE_RECORDS, s->why));
    }

    /* RFC 7208 3.1: 7-bit ASCII; terms are separated by spaces only. */
    for (size_t i = 0; i < reclen; i++) {
	if (rec[i] < 0x20 || rec[i] > 0x7e) {
	    snprintf(s->why, sizeof(s->why), "the SPF record of %.99s has a non-ASCII or "
		     "control character (0x%02x)", name, rec[i]);
	    return (rc_spf_permerror(resp, SPF_E_INVALID_CHAR, s->why));
	}
    }
    if (rc_spf_cve_2023_42118((const char *) rec, reclen, true)) {
	s->out->cve_refused = true;
	snprintf(s->why, sizeof(s->why), "the SPF record of %.99s was refused: it would "
		 "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
	rc_spf_log(RC_SPF_LOG_WARNING, "%s", s->why);
	return (rc_spf_permerror(resp, SPF_E_BIG_STRING, s->why));
    }

    /* RFC 7208 syntax, and the form libspf2 can take (CIDR /0). */
    text = rc_spfrec_prepare((const char *) rec, reclen, s->v4, s->ip,
			     syntax, sizeof(syntax), &nomem);
    if (text == NULL && nomem) {
	snprintf(s->failure, sizeof(s->failure), "out of memory");
	rc_spf_stop(s, RC_SPF_STOP_BUDGET);
	return (SPF_response_add_error(resp, SPF_E_NO_MEMORY, "out of memory"));
    }
    if (text == NULL) {
	snprintf(s->why, sizeof(s->why), "syntax error in the SPF record of %.60s: %.150s",
		 name, syntax);
	return (rc_spf_permerror(resp, SPF_E_SYNTAX, s->why));
    }
    if (rc_spf_cve_2023_42118(text, strlen(text), true)) {	/* as rewritten */
	free(text);
	s->out->cve_refused = true;
	snprintf(s->why, sizeof(s->why), "the SPF record of %.99s was refused: it would "
		 "overflow a stack buffer in libspf2 (CVE-2023-42118)", name);
	rc_spf_log(RC_SPF_LOG_WARNING, "%s", s->why);
	return (rc_spf_permerror(resp, SPF_E_BIG_STRING, s->why));
    }
    err = SPF_record_compile(srv, resp, recp, text);
    free(text);
    if (err != SPF_E_SUCCESS) {
	if (*recp != NULL)
	    SPF_record_free(*recp);
	*recp = NULL;
	snprintf(s->why, sizeof(s->why), "syntax error in the SPF record of %s: %s",
		 name, SPF_strerror(err));
	resp->result = SPF_RESULT_PERMERROR;
	resp->reason = SPF_REASON_FAILURE;
	return (err);
    }
    return (SPF_E_SUCCESS);
}
