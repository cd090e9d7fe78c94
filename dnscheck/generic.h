/*
 * generic.h - classify a PTR name as generic/dynamic or a mail-server name
 *
 * rc_generic_classify() looks at the labels left of the registrable domain
 * (public suffix list, ICANN section) only, and compares their numbers with
 * the client's own address. It returns RC_GENERIC_YES with a short reason
 * in why ("embeds the address", "pool word \"dsl\" and a long number", ...),
 * RC_GENERIC_VETO when the name would be generic but a mail-server word
 * (mail, mx, smtp, relay, out, ...) in its host labels overrides that, or
 * RC_GENERIC_NO; names that are not plain LDH host names (escaped bytes) are
 * always RC_GENERIC_NO. The rules are listed in generic.c. libpsl and its
 * list are loaded on first use, and only for a name that shows a generic
 * signal in some label (most mail servers' names show none); they are kept
 * for the life of the process; rc_generic_shutdown() frees the list (tests).
 */
#ifndef RC_GENERIC_H_INCLUDED
#define RC_GENERIC_H_INCLUDED

#include <stdbool.h>
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

/* rc_generic_preload - open libpsl now rather than for the first generic name */
extern bool rc_generic_preload(void);

/*
 * rc_generic_set_screen - with false, every name goes through the public
 * suffix list (tests: the screen must not change any verdict).
 */
extern void rc_generic_set_screen(bool on);

#endif
