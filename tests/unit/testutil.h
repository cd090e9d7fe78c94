/*
 * testutil.h - small helpers shared by the unit tests (header only)
 */
#ifndef TESTUTIL_H_INCLUDED
#define TESTUTIL_H_INCLUDED

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "allowlist/config.h"

/*
 * Criterion's eq(str, x, "literal") stores the literal in a plain char *,
 * which -Wwrite-strings (part of the project's -Werror set) refuses.
 */
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

/* parse_ok - a configuration that must parse; the test fails otherwise */
static __attribute__((noinline, unused)) RC_CONFIG *
parse_ok(const char *text)
{
    char   *errors = NULL;
    RC_CONFIG *cfg = rc_config_parse_string("t.ini", text, &errors);

    cr_assert(cfg != NULL, "unexpected errors:\n%s", errors ? errors : "(none)");
    cr_assert(errors == NULL);
    return (cfg);
}

/* parse_err - a configuration that must fail; returns the error text */
static __attribute__((noinline, unused)) char *
parse_err(const char *text)
{
    char   *errors = NULL;
    RC_CONFIG *cfg = rc_config_parse_string("t.ini", text, &errors);

    if (cfg != NULL)
	rc_config_free(cfg);
    cr_assert(cfg == NULL, "configuration was accepted:\n%s", text);
    cr_assert(errors != NULL);
    return (errors);
}

/* xasprintf - malloc'ed printf */
static inline char *__attribute__((format(printf, 1, 2)))
xasprintf(const char *fmt,...)
{
    va_list ap;
    char   *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
	s = NULL;
    va_end(ap);
    cr_assert(s != NULL);
    return (s);
}

/* count_lines - lines in a text ending in '\n' */
static inline int
count_lines(const char *s)
{
    int     n = 0;

    for (; *s; s++)
	n += (*s == '\n');
    return (n);
}

/* ss_text - "IP:port" or "[IPv6]:port" of a socket address */
static inline void
ss_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    char    a[64];
    const struct sockaddr_in *sin = (const struct sockaddr_in *) (const void *) ss;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) (const void *) ss;

    if (ss->ss_family == AF_INET) {
	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%d", a, ntohs(sin->sin_port));
    } else if (ss->ss_family == AF_INET6) {
	inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
	snprintf(buf, len, "[%s]:%d", a, ntohs(sin6->sin6_port));
    } else
	snprintf(buf, len, "family %d", ss->ss_family);
}

#endif
