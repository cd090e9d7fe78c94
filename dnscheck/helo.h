/*
 * helo.h - checks of the HELO/EHLO name
 *
 * rc_helo_start() classifies the name at once (address literal, bare IP,
 * not a FQDN, this server's own name or address) and, for a plausible
 * FQDN, submits its A (IPv4 client) or AAAA (IPv6 client) lookup into the
 * message's resolver. rc_helo_finish() adds the findings after the loop:
 *
 *   helo_bare_ip	[192.0.2.1] or 192.0.2.1, the client's own address
 *   helo_wrong_ip	a literal that is not the client's address, or a
 *			private/reserved one
 *   helo_is_us		our $primary_hostname or our own address
 *   helo_not_fqdn	no dot, "localhost", a numeric top label, bad syntax,
 *			"." (the engine has already removed one trailing dot)
 *   helo_mismatch	the name's A/AAAA records do not include the client
 */
#ifndef RC_HELO_H_INCLUDED
#define RC_HELO_H_INCLUDED

#include "allowlist/addr.h"
#include "allowlist/config.h"
#include "checkdef.h"
#include "resolver.h"
#include "verdict.h"

typedef struct rc_helocheck {
    RC_ADDR     client;
    RC_CHECK    check;			/* what the static analysis found */
    RC_STATUS   status;
    char        detail[RC_DETAIL_MAX];
    RC_QUERY   *query;			/* helo_mismatch lookup, or NULL */
    bool        looked_up;
    char        name[256];		/* escaped HELO name */
} RC_HELOCHECK;

/*
 * rc_helo_normalize - the HELO name every rule sees: one trailing dot
 * removed ("mail.example." is "mail.example"), but "." stays, as it is not
 * a name. Returns `helo' itself or `buf'; a name that does not fit in buf
 * is returned unchanged (it is too long to be a name anyway).
 */
extern const char *rc_helo_normalize(const char *helo, char *buf, size_t len);

extern void rc_helo_start(RC_HELOCHECK *, RC_RESOLVER *, const RC_CONFIG *,
			  const char *helo, const RC_ADDR *client,
			  const char *primary_hostname, const char *interface_ip);
extern void rc_helo_finish(const RC_HELOCHECK *, const RC_CONFIG *, RC_VERDICT *);

/* rc_addr_reserved - private, loopback, link-local, multicast, unspecified */
extern bool rc_addr_reserved(const RC_ADDR *);

#endif
