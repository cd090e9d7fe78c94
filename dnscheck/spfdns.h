/*
 * spfdns.h - private to the SPF files: the DNS layer libspf2 asks (see
 * spfdns.c), and the lookups the record fetch shares with it
 */
#ifndef RC_SPFDNS_H_INCLUDED
#define RC_SPFDNS_H_INCLUDED

#include <stdbool.h>

#include "spfsession.h"	/* <spf2/spf.h>, after the system headers it needs */

/* rc_spf_lookup - the layer's lookup(): never NULL while spares last */
extern SPF_dns_rr_t *rc_spf_lookup(SPF_dns_server_t *, const char *domain, ns_type type,
				   int should_cache);

/* rc_spf_reserve_fill - keep spare answers for memory exhaustion */
extern void rc_spf_reserve_fill(void);

/* rc_spf_reserve_free - free the spare answers (rc_spf_shutdown()) */
extern void rc_spf_reserve_free(void);

/* rc_spf_stop - stop the evaluation for this reason, unless already stopped */
extern void rc_spf_stop(RC_SPF_SESSION *, RC_SPF_STOP why);

/* rc_spf_name_ok - usable as a DNS query name (RFC 1035 lengths) */
extern bool rc_spf_name_ok(const char *name, bool multi_label);

/*
 * rc_spf_fetch - the query for name/type (RC_T_*), from this check's
 * cache or the network. NULL when it could not be made (budget,
 * deadline): the evaluation is then stopped, unless `tolerant'.
 */
extern const RC_SPF_CACHED *rc_spf_fetch(RC_SPF_SESSION *, const char *name, int type,
					 bool tolerant);

/* rc_spf_herrno - libspf2's view of a cached query; TRY_AGAIN says why in failure */
extern SPF_dns_stat_t rc_spf_herrno(RC_SPF_SESSION *, const RC_SPF_CACHED *, bool tolerant);

/* rc_spf_void - a void answer to a term: count it; true (stopped) past the limit */
extern bool rc_spf_void(RC_SPF_SESSION *, const char *domain);

#endif
