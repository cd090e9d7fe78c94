/*
 * generic.h - classify a PTR name as generic/dynamic or a mail-server name
 *
 * rc_generic_classify() looks at the labels left of the registrable domain
 * (public suffix list, ICANN section) only, and compares their numbers with
 * the client's own address. It returns RC_GENERIC_YES with a short reason
 * in why ("embeds the address", "pool word \"dsl\" and a long number", ...),
 * RC_GENERIC_VETO when a mail-server word (mail, mx, smtp, relay, out, ...)
 * overrides everything, or RC_GENERIC_NO; names that are not plain LDH host
 * names (escaped bytes) are always RC_GENERIC_NO. The rules are listed in
 * generic.c. The public suffix list is loaded on first use and kept for
 * the life of the process; rc_generic_shutdown() frees it (tests).
 */
#ifndef RC_GENERIC_H_INCLUDED
#define RC_GENERIC_H_INCLUDED

#include <stddef.h>

#include "allowlist/addr.h"

typedef enum rc_generic {
    RC_GENERIC_NO,
    RC_GENERIC_YES,
    RC_GENERIC_VETO
} RC_GENERIC;

extern RC_GENERIC rc_generic_classify(const char *ptrname, const RC_ADDR *client,
				      char *why, size_t whylen);
extern void rc_generic_shutdown(void);

#endif
