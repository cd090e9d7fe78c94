/*
 * decimal.c - the spam score's numbers, in thousandths (decimal.h)
 *
 * Strict on purpose: the text comes from a header of the message, and
 * what is not plainly a number is left alone by the caller rather than
 * guessed at. No strtod(): it takes "nan", "inf", hex and exponents, and
 * depends on the locale.
 */
#include "decimal.h"

#include <stdio.h>
#include <stdlib.h>

/* blank - the blanks around a header's value, folds included */

static bool
blank(char c)
{
    return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* digits - how many decimal digits start at p, at most to end */

static size_t
digits(const char *p, const char *end)
{
    size_t  n = 0;

    while (p + n < end && p[n] >= '0' && p[n] <= '9')
	n++;
    return (n);
}

/* rc_decimal_parse - the number of a header or a key, or false with why */

bool
rc_decimal_parse(const char *text, size_t len, RC_DECIMAL *d, const char **why)
{
    const char *p = text, *end = text + len;
    bool    neg = false;
    long long whole = 0, frac = 0;
    size_t  n, nf = 0;

    while (p < end && blank(*p))
	p++;
    while (end > p && blank(end[-1]))
	end--;
    if (p == end) {
	*why = "empty";
	return (false);
    }
    if (*p == '+' || *p == '-')
	neg = (*p++ == '-');
    if ((n = digits(p, end)) == 0) {
	*why = "not a number";
	return (false);
    }
    if (n > RC_DECIMAL_INT_DIGITS) {
	*why = "too large (more than 6 digits before the point)";
	return (false);
    }
    for (size_t i = 0; i < n; i++)
	whole = whole * 10 + (p[i] - '0');
    p += n;
    if (p < end && *p == '.') {
	p++;
	if ((nf = digits(p, end)) == 0 || nf > RC_DECIMAL_FRAC_DIGITS) {
	    *why = nf ? "more than 6 decimals" : "no digit after the point";
	    return (false);
	}
	/* thousandths, then the fourth decimal rounds half away from zero */
	for (size_t i = 0; i < 3; i++)
	    frac = frac * 10 + (i < nf ? p[i] - '0' : 0);
	if (nf > 3 && p[3] >= '5')
	    frac++;
	p += nf;
    }
    if (p != end) {
	*why = "not a number";
	return (false);
    }
    d->milli = (whole * 1000 + frac) * (neg ? -1 : 1);
    d->decimals = (int) nf;
    return (true);
}

/* rc_decimal_format - 1, 2 or 3 decimals, or none */

void
rc_decimal_format(long long milli, int decimals, char *buf, size_t len)
{
    static const long long unit[] = {1000, 100, 10, 1};
    long long mag = llabs(milli), q;

    if (decimals < 0)
	decimals = 0;
    if (decimals > 3)
	decimals = 3;
    q = (mag + unit[decimals] / 2) / unit[decimals];	/* in units of the last decimal */
    if (decimals == 0)
	snprintf(buf, len, "%s%lld", milli < 0 && q ? "-" : "", q);
    else
	snprintf(buf, len, "%s%lld.%0*lld", milli < 0 && q ? "-" : "", q / unit[3 - decimals],
		 decimals, q % unit[3 - decimals]);
}

/* rc_decimal_combine - spam score + relaycheck score x factor */

long long
rc_decimal_combine(long long spam_milli, int score, int factor_milli)
{
    /* score x factor_milli is already in thousandths */
    return (spam_milli + (long long) score * factor_milli);
}

/* rc_decimal_places - the header's own decimals, 1 to 3 */

int
rc_decimal_places(const RC_DECIMAL *d)
{
    return (d->decimals < 1 ? 1 : d->decimals > 3 ? 3 : d->decimals);
}

/* rc_decimal_fewest - 5000: 0, 100: 1, 250: 2, 125: 3 */

int
rc_decimal_fewest(long long milli)
{
    return (milli % 10 ? 3 : milli % 100 ? 2 : milli % 1000 ? 1 : 0);
}
