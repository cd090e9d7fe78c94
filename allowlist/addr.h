/*
 * addr.h - IP addresses and CIDR prefixes in one 128-bit form
 *
 * An IPv4 address is held as the IPv4-mapped IPv6 address ::ffff:a.b.c.d,
 * so that one ordered table serves both families and "192.0.2.1" and
 * "::ffff:192.0.2.1" are the same client (Exim strips ::ffff: anyway).
 */
#ifndef RC_ADDR_H_INCLUDED
#define RC_ADDR_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_ADDR_STRLEN 46		/* INET6_ADDRSTRLEN */

typedef struct rc_addr {
    uint8_t     b[16];			/* network byte order */
    bool        v4;			/* true: b is ::ffff:a.b.c.d */
} RC_ADDR;

typedef struct rc_cidr {
    RC_ADDR     addr;			/* host bits cleared */
    int         plen;			/* 0..128, counted in the 128-bit form */
} RC_CIDR;

/* rc_addr_parse - "192.0.2.1" or "2001:db8::1"; false when neither */
extern bool rc_addr_parse(const char *, RC_ADDR *);

/* rc_cidr_parse - address or address/len; host bits set are an error */
extern bool rc_cidr_parse(const char *, RC_CIDR *, const char **why);

/* rc_addr_format - presentation form (IPv4 without ::ffff:) */
extern void rc_addr_format(const RC_ADDR *, char *buf, size_t len);

/* rc_cidr_format - presentation form with the family's own prefix length */
extern void rc_cidr_format(const RC_CIDR *, char *buf, size_t len);

/* rc_cidr_contains - is the address inside the prefix? */
extern bool rc_cidr_contains(const RC_CIDR *, const RC_ADDR *);

/* rc_addr_cmp - memcmp order of the 128-bit form */
extern int rc_addr_cmp(const RC_ADDR *, const RC_ADDR *);

/* rc_cidr_last - the highest address inside the prefix */
extern void rc_cidr_last(const RC_CIDR *, RC_ADDR *);

#endif
