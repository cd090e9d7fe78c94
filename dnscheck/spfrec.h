/*
 * spfrec.h - an SPF record checked against RFC 7208, made fit for libspf2
 *
 * rc_spfrec_prepare() is called with every SPF record before libspf2
 * compiles it. It checks the record against the ABNF of RFC 7208 (4.5,
 * 4.6.1, 5, 6, 7.1) and its other syntax rules (redirect= and exp= at
 * most once, macro letters c/r/t only in explanation text, a DIGIT
 * transformer is nonzero); libspf2 1.2.10 accepts much of what the RFC
 * says is a permerror ("a:foo", "mx:example.com:8080", "exp=", "%(ir)").
 *
 * It also rewrites what libspf2 cannot represent: a CIDR length of 0
 * (libspf2 uses 0 to mean "none given" and refuses /0). For the client's
 * address family:
 *	ip4:N/0 (IPv4 client), ip6:N/0 (IPv6 client)  ->  ip4:<client>, ip6:<client>
 *	a[:D]/0, mx[:D]/0 (and //0 for IPv6)  ->  a:D.<RC_SPFREC_ANY_LABEL>
 *	    (D = %{d} when absent): the DNS layer strips the label and answers
 *	    the A/AAAA lookups (of the mx names too) with the client's address
 *	    when there is any address, which is what /0 means
 *	a CIDR of the other family is dropped (it cannot matter).
 * Modifiers go after the mechanisms, as RFC 7208 6 has them act: exp=,
 * then redirect= (dropped when there is an "all" mechanism, 6.1); unknown
 * modifiers are checked and dropped (6: they are ignored; libspf2 refuses
 * some valid names, and would use an "exp-text=" the RFC does not know).
 * Mechanism order and the number of DNS-querying terms are unchanged.
 */
#ifndef RC_SPFREC_H_INCLUDED
#define RC_SPFREC_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define RC_SPFREC_ANY_LABEL	"_rc-cidr0"

/*
 * rc_spfrec_prepare - rec[0..len) is a record starting "v=spf1" (any
 * case). On success returns a malloc'ed, NUL-terminated record for
 * SPF_record_compile(); on a syntax error returns NULL with the reason in
 * why (and *nomem false); out of memory: NULL, *nomem true. client_ip is
 * the client's address in text form, of family v4 or not.
 */
extern char *rc_spfrec_prepare(const char *rec, size_t len, bool v4, const char *client_ip,
			       char *why, size_t whylen, bool *nomem);

/* rc_spfrec_any_strip - strip a trailing ANY label; true if there was one */
extern bool rc_spfrec_any_strip(char *name);

#endif
