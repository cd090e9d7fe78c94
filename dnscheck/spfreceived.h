/*
 * spfreceived.h - private to the SPF files: the Received-SPF header value
 * (see spfreceived.c)
 */
#ifndef RC_SPFRECEIVED_H_INCLUDED
#define RC_SPFRECEIVED_H_INCLUDED

#include "spfsession.h"	/* <spf2/spf.h>, after the system headers it needs */

/*
 * rc_spf_received - the Received-SPF value into out->received_spf:
 * result (receiver: comment) client-ip=; envelope-from=; helo=; identity=;
 * helo= only when there is a HELO name. req: libspf2's request (the
 * receiver's name and the envelope sender as it used them), or NULL. why:
 * the permerror reason, or NULL.
 */
extern void rc_spf_received(RC_SPF *out, const RC_SPF_INPUT *in, SPF_request_t *req,
			    RC_SPF_RESULT res, const char *why);

#endif
