/*
 * spffetch.h - private to the SPF files: the record fetch, the DNS
 * layer's get_spf() (see spffetch.c)
 */
#ifndef RC_SPFFETCH_H_INCLUDED
#define RC_SPFFETCH_H_INCLUDED

#include <stddef.h>
#include <netinet/in.h>
#include <spf2/spf.h>

/*
 * rc_spf_get_spf - the SPF record of req->cur_dom, compiled into *recp,
 * as SPF_server_get_record() would fetch it, with the checks libspf2
 * lacks; every failure is set in resp as libspf2 sets its own
 */
extern SPF_errcode_t rc_spf_get_spf(SPF_server_t *, SPF_request_t *, SPF_response_t *,
				    SPF_record_t **recp);

#endif
