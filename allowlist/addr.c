/*
 * addr.c - parse, format and compare IP addresses and CIDR prefixes
 *
 * All functions are pure and allocate nothing. Input is untrusted text
 * from the configuration file or from Exim; anything inet_pton() does not
 * accept is refused rather than guessed at.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* rc_addr_parse - text to 128-bit form */

bool
rc_addr_parse(const char *s, RC_ADDR *a)
{
    struct in_addr in4;
    struct in6_addr in6;

    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, s, &in4) == 1) {
	memcpy(a->b, v4mapped, 12);
	memcpy(a->b + 12, &in4, 4);
	a->v4 = true;
	return (true);
    }
    if (inet_pton(AF_INET6, s, &in6) == 1) {
	memcpy(a->b, &in6, 16);
	a->v4 = (memcmp(a->b, v4mapped, 12) == 0);
	return (true);
    }
    return (false);
}

/* mask_from - clear every bit at position >= plen */

static void
mask_from(RC_ADDR *a, int plen)
{
    for (int i = 0; i < 16; i++) {
	int     keep = plen - 8 * i;

	if (keep >= 8)
	    continue;
	a->b[i] &= (keep <= 0) ? 0 : (uint8_t) (0xff << (8 - keep));
    }
}

/* rc_cidr_parse - "addr" or "addr/len" */

bool
rc_cidr_parse(const char *s, RC_CIDR *c, const char **why)
{
    char    buf[64];
    const char *slash = strchr(s, '/');
    size_t  alen = slash ? (size_t) (slash - s) : strlen(s);
    RC_ADDR masked;
    int     plen;

    *why = "not an IP address or CIDR prefix";
    if (alen == 0 || alen >= sizeof(buf))
	return (false);
    memcpy(buf, s, alen);
    buf[alen] = 0;
    if (!rc_addr_parse(buf, &c->addr))
	return (false);
    if (slash == NULL) {
	c->plen = 128;
	return (true);
    }
    {
	char   *end;
	long    n;

	errno = 0;
	if (slash[1] < '0' || slash[1] > '9') {
	    *why = "bad prefix length";
	    return (false);
	}
	n = strtol(slash + 1, &end, 10);
	if (errno || *end || n < 0 || n > (c->addr.v4 && strchr(buf, ':') == NULL ? 32 : 128)) {
	    *why = "bad prefix length";
	    return (false);
	}
	plen = (int) n;
    }
    if (c->addr.v4 && strchr(buf, ':') == NULL)
	plen += 96;
    masked = c->addr;
    mask_from(&masked, plen);
    if (rc_addr_cmp(&masked, &c->addr) != 0) {
	*why = "host bits set after the prefix length";
	return (false);
    }
    c->plen = plen;
    /* A v4-style prefix shorter than /0 of IPv4 covers non-mapped space too. */
    c->addr.v4 = (plen >= 96 && memcmp(c->addr.b, v4mapped, 12) == 0);
    return (true);
}

/* rc_addr_format - 128-bit form to text */

void
rc_addr_format(const RC_ADDR *a, char *buf, size_t len)
{
    if (a->v4)
	inet_ntop(AF_INET, a->b + 12, buf, (socklen_t) len);
    else
	inet_ntop(AF_INET6, a->b, buf, (socklen_t) len);
}

/* rc_cidr_format - prefix to text, IPv4 prefixes with their /0../32 length */

void
rc_cidr_format(const RC_CIDR *c, char *buf, size_t len)
{
    char    abuf[RC_ADDR_STRLEN];
    bool    v4 = c->addr.v4 && c->plen >= 96;

    rc_addr_format(&c->addr, abuf, sizeof(abuf));
    if (c->plen == 128)
	snprintf(buf, len, "%s", abuf);
    else
	snprintf(buf, len, "%s/%d", abuf, v4 ? c->plen - 96 : c->plen);
}

/* rc_addr_cmp - total order */

int
rc_addr_cmp(const RC_ADDR *x, const RC_ADDR *y)
{
    return (memcmp(x->b, y->b, 16));
}

/* rc_cidr_contains - prefix match */

bool
rc_cidr_contains(const RC_CIDR *c, const RC_ADDR *a)
{
    RC_ADDR m = *a;

    mask_from(&m, c->plen);
    return (memcmp(m.b, c->addr.b, 16) == 0);
}

/* rc_cidr_last - set every host bit */

void
rc_cidr_last(const RC_CIDR *c, RC_ADDR *last)
{
    *last = c->addr;
    for (int i = 0; i < 16; i++) {
	int     keep = c->plen - 8 * i;

	if (keep >= 8)
	    continue;
	last->b[i] |= (keep <= 0) ? 0xff : (uint8_t) (0xff >> keep);
    }
}
