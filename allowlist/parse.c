/*
 * parse.c - general value parsers (integers, booleans, durations, socket
 * addresses), shared by the option table and the command
 */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* rc_parse_int - a decimal integer in min..max */

bool
rc_parse_int(const char *value, long min, long max, long *out)
{
    char   *end;
    long    n;

    errno = 0;
    if (*value == 0)
	return (false);
    n = strtol(value, &end, 10);
    if (errno || *end || n < min || n > max)
	return (false);
    *out = n;
    return (true);
}

/* rc_parse_bool - the words of a boolean */

bool
rc_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
	if (strcasecmp(v, yes[i]) == 0)
	    return (*out = true);
	if (strcasecmp(v, no[i]) == 0) {
	    *out = false;
	    return (true);
	}
    }
    return (false);
}

/* rc_parse_duration - a number with ms, s (or none) or m */

bool
rc_parse_duration(const char *s, int *ms)
{
    char   *end;
    long    n, mult = 1000;

    errno = 0;
    if (!isdigit((unsigned char) *s))
	return (false);
    n = strtol(s, &end, 10);
    if (errno || n < 0)
	return (false);
    if (strcmp(end, "ms") == 0)
	mult = 1;
    else if (strcmp(end, "s") == 0 || *end == 0)
	mult = 1000;
    else if (strcmp(end, "m") == 0)
	mult = 60000;
    else
	return (false);
    if (n > INT_MAX / mult)
	return (false);
    *ms = (int) (n * mult);
    return (true);
}

/* rc_parse_sockaddr - IP, IP:port or [IPv6]:port; port 53 by default */

bool
rc_parse_sockaddr(const char *s, struct sockaddr_storage *ss)
{
    char    host[64];
    const char *port = NULL;
    size_t  hlen;
    long    portnum = 53;

    memset(ss, 0, sizeof(*ss));
    if (*s == '[') {
	const char *close = strchr(s, ']');

	if (close == NULL)
	    return (false);
	hlen = (size_t) (close - s - 1);
	if (hlen >= sizeof(host))
	    return (false);
	memcpy(host, s + 1, hlen);
	host[hlen] = 0;
	if (close[1] == ':')
	    port = close + 2;
	else if (close[1] != 0)
	    return (false);
	if (strchr(host, ':') == NULL)
	    return (false);
    } else {
	const char *colon = strchr(s, ':');

	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
	    hlen = (size_t) (colon - s);
	    port = colon + 1;
	} else
	    hlen = strlen(s);			/* plain IPv6 or IPv4 */
	if (hlen >= sizeof(host))
	    return (false);
	memcpy(host, s, hlen);
	host[hlen] = 0;
    }
    if (port != NULL) {
	char   *end;

	errno = 0;
	if (!isdigit((unsigned char) *port))
	    return (false);
	portnum = strtol(port, &end, 10);
	if (errno || *end || portnum < 1 || portnum > 65535)
	    return (false);
    }
    {
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
	    sin->sin_family = AF_INET;
	    sin->sin_port = htons((uint16_t) portnum);
	    return (true);
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
	    sin6->sin6_family = AF_INET6;
	    sin6->sin6_port = htons((uint16_t) portnum);
	    return (true);
	}
    }
    return (false);
}
