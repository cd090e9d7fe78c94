/*
 * listsyntax.c - the syntax of blocklist keys: `codes` (addresses, ranges
 * and bitmasks inside 127.0.0.0/8, each with an optional score), `target`
 * and `label`. No configuration state: the option table stores what these
 * return.
 */
#include "listsyntax.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

const char *const rc_rhs_targets[] = {"sender", "helo", "ptr", NULL};

/* parse_ipv4 - dotted quad to host order */

static bool
parse_ipv4(const char *s, unsigned *v)
{
    struct in_addr in;

    if (inet_pton(AF_INET, s, &in) != 1)
	return (false);
    *v = ntohl(in.s_addr);
    return (true);
}

/* parse_code_item - "A", "A-B", "&mask", each optionally "=score" */

static bool
parse_code_item(const char *item, RC_CODE *c, const char **why)
{
    char    buf[128];
    char   *eq;

    if (strlen(item) >= sizeof(buf)) {
	*why = "code too long";
	return (false);
    }
    strcpy(buf, item);
    c->score = -1;
    if ((eq = strchr(buf, '=')) != NULL) {
	char   *end;
	long    n;

	*eq = 0;
	errno = 0;
	n = strtol(eq + 1, &end, 10);
	if (errno || end == eq + 1 || *end || n < -1000 || n > 1000) {
	    *why = "bad score after '=' in code (an integer -1000..1000)";
	    return (false);
	}
	c->score = (int) n;
    }
    if (buf[0] == '&') {
	char   *end;
	unsigned long n;

	errno = 0;
	if (!isdigit((unsigned char) buf[1])) {
	    *why = "bad bitmask code (&N, N decimal or 0x hex)";
	    return (false);
	}
	n = strtoul(buf + 1, &end, 0);
	if (errno || *end || n == 0 || n > 0xffffffffUL) {
	    *why = "bad bitmask code (&N, N decimal or 0x hex)";
	    return (false);
	}
	c->bitmask = true;
	c->lo = c->hi = (unsigned) n;
	return (true);
    }
    c->bitmask = false;
    {
	char   *dash = strchr(buf, '-');

	if (dash != NULL)
	    *dash = 0;
	if (!parse_ipv4(buf, &c->lo) || (dash && !parse_ipv4(dash + 1, &c->hi))) {
	    *why = "bad code (an IPv4 address, a range A-B or &bitmask)";
	    return (false);
	}
	if (dash == NULL)
	    c->hi = c->lo;
	if (c->hi < c->lo) {
	    *why = "code range ends below its start";
	    return (false);
	}
	if ((c->lo >> 24) != 127 || (c->hi >> 24) != 127) {
	    *why = "code outside 127.0.0.0/8 (no list answers there)";
	    return (false);
	}
    }
    return (true);
}

/* rc_parse_codes - items separated by blanks or commas, each appended */

bool
rc_parse_codes(const char *value, RC_CODE **codes, size_t *n, const char **why)
{
    const char *s = value;

    while (*s) {
	char    item[128];
	size_t  len = strcspn(s, " \t,");
	RC_CODE c, *nv;

	if (len == 0) {
	    s++;
	    continue;
	}
	if (len >= sizeof(item)) {
	    *why = "code too long";
	    return (false);
	}
	memcpy(item, s, len);
	item[len] = 0;
	if (!parse_code_item(item, &c, why))
	    return (false);
	if ((nv = realloc(*codes, (*n + 1) * sizeof(*nv))) == NULL) {
	    *why = "out of memory";
	    return (false);
	}
	*codes = nv;
	nv[(*n)++] = c;
	s += len;
    }
    return (true);
}

/* rc_codes_match - the first item that matches decides */

bool
rc_codes_match(const RC_CODE *codes, size_t n, unsigned answer, int *score)
{
    for (size_t i = 0; i < n; i++) {
	bool    hit = codes[i].bitmask ? (answer & codes[i].lo) != 0
	    : (answer >= codes[i].lo && answer <= codes[i].hi);

	if (hit) {
	    *score = codes[i].score;
	    return (true);
	}
    }
    return (false);
}

/* rc_code_format - "A", "A-B" or "&mask", then "=score" when it has one */

void
rc_code_format(const RC_CODE *c, char *buf, size_t len)
{
    int     n;

    if (c->bitmask)
	n = snprintf(buf, len, "&%u", c->lo);
    else if (c->hi != c->lo)
	n = snprintf(buf, len, "%u.%u.%u.%u-%u.%u.%u.%u", c->lo >> 24, (c->lo >> 16) & 255,
		     (c->lo >> 8) & 255, c->lo & 255, c->hi >> 24, (c->hi >> 16) & 255,
		     (c->hi >> 8) & 255, c->hi & 255);
    else
	n = snprintf(buf, len, "%u.%u.%u.%u", c->lo >> 24, (c->lo >> 16) & 255,
		     (c->lo >> 8) & 255, c->lo & 255);
    if (c->score != -1 && n >= 0 && (size_t) n < len)
	snprintf(buf + n, len - (size_t) n, "=%d", c->score);
}

/* rc_label_valid - the name a list is shown under in the report */

bool
rc_label_valid(const char *v, const char **why)
{
    size_t  len = strlen(v);

    if (len == 0 || len >= RC_LABEL_MAX) {
	*why = "must be 1..63 characters";
	return (false);
    }
    for (const char *s = v; *s; s++)
	if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f) {
	    *why = "may hold only printable ASCII";
	    return (false);
	}
    return (true);
}
