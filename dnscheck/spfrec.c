/*
 * spfrec.c - RFC 7208 syntax of an SPF record, and a rewrite for libspf2
 *
 * The grammar (RFC 7208 4.5, 4.6.1, 5, 6, 7.1), with ABNF strings
 * case-insensitive as ABNF says:
 *
 *   record   = "v=spf1" *( 1*SP ( directive / modifier ) ) *SP
 *   directive = [ "+" / "-" / "?" / "~" ] mechanism
 *   mechanism: all | include ":" domain-spec | a [":" domain-spec] [cidr]
 *	| mx [":" domain-spec] [cidr] | ptr [":" domain-spec]
 *	| ip4 ":" ip4-network [ip4-cidr] | ip6 ":" ip6-network [ip6-cidr]
 *	| exists ":" domain-spec
 *   modifier = redirect "=" domain-spec | exp "=" domain-spec
 *	| name "=" macro-string	  (name = ALPHA *( ALPHA/DIGIT/"-"/"_"/"." ))
 *   cidr     = [ "/" 0-32 ] [ "//" 0-128 ], no leading zeros
 *   domain-spec = macro-string ( "." toplabel [ "." ] / macro-expand )
 *   toplabel = alphanumerics and inner "-", not all digits unless a "-"
 *   macro-expand = "%{" letter *DIGIT [ "r" ] *delimiter "}" / "%%" / "%_" / "%-"
 *   letter   = s l o d i p h v, and c r t only in explanation text (7.2);
 *	a DIGIT transformer is nonzero (7.3); libspf2 allows at most 128
 *   macro-literal = visible ASCII but "%"
 *
 * plus: redirect and exp at most once each (6). Characters outside
 * printable ASCII are refused by the caller before this is reached.
 */
#include "spfrec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

/* The modifiers libspf2 gets, put after the mechanisms. */
typedef struct rc_spfrec_mods {
    const char *redirect, *exp;
    size_t      redirect_len, exp_len;
    bool        all;			/* an "all" mechanism: redirect is ignored */
} RC_SPFREC_MODS;

typedef enum rc_spfrec_mode {
    RC_SPFREC_DOMAIN,			/* a domain-spec */
    RC_SPFREC_STRING			/* an unknown modifier's macro-string */
} RC_SPFREC_MODE;

static void
rc_spfrec_adds(RC_STRBUF *b, const char *s)
{
    rc_strbuf_add(b, s, strlen(s));
}

/* rc_spfrec_toplabel - RFC 7208 toplabel */

static bool
rc_spfrec_toplabel(const char *s, size_t n)
{
    bool    alpha = false, dash = false;

    if (n == 0 || !isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[n - 1]))
	return (false);
    for (size_t i = 0; i < n; i++) {
	if (isalpha((unsigned char) s[i]))
	    alpha = true;
	else if (s[i] == '-')
	    dash = true;
	else if (!isdigit((unsigned char) s[i]))
	    return (false);
    }
    return (alpha || dash);
}

/*
 * rc_spfrec_macro - a macro-string (mode STRING) or domain-spec (mode
 * DOMAIN) s[0..n); on error a reason in why
 */
static bool
rc_spfrec_macro(const char *s, size_t n, RC_SPFREC_MODE mode, char *why, size_t whylen)
{
    size_t  i = 0, tail = 0;		/* tail: where the last macro-expand ended */

    if (mode == RC_SPFREC_DOMAIN && n == 0) {
	snprintf(why, whylen, "empty domain-spec");
	return (false);
    }
    while (i < n) {
	if (s[i] != '%') {
	    i++;
	    continue;
	}
	if (i + 1 >= n) {
	    snprintf(why, whylen, "'%%' at the end of \"%.*s\"", (int) (n > 60 ? 60 : n), s);
	    return (false);
	}
	if (s[i + 1] == '%' || s[i + 1] == '_' || s[i + 1] == '-') {
	    i += 2;
	    tail = i;
	    continue;
	}
	if (s[i + 1] != '{') {
	    snprintf(why, whylen, "invalid macro \"%%%c\"", s[i + 1]);
	    return (false);
	}
	{
	    size_t  j = i + 2, digits = 0;
	    int     value = 0;
	    char    letter = j < n ? (char) tolower((unsigned char) s[j]) : 0;

	    if (letter == 0 || strchr("slodiphvcrt", letter) == NULL) {
		snprintf(why, whylen, "invalid macro letter in \"%.*s\"",
			 (int) (n - i > 20 ? 20 : n - i), s + i);
		return (false);
	    }
	    if (mode == RC_SPFREC_DOMAIN && strchr("crt", letter) != NULL) {
		snprintf(why, whylen, "macro letter '%c' outside explanation text", s[j]);
		return (false);
	    }
	    j++;
	    while (j < n && isdigit((unsigned char) s[j])) {
		if (++digits > 3)
		    break;
		value = value * 10 + (s[j] - '0');
		j++;
	    }
	    if (digits > 3 || (digits > 0 && (value == 0 || value > 128))) {
		snprintf(why, whylen, "invalid macro transformer in \"%.*s\"",
			 (int) (n - i > 20 ? 20 : n - i), s + i);
		return (false);
	    }
	    if (j < n && (s[j] == 'r' || s[j] == 'R'))
		j++;
	    while (j < n && strchr(".-+,/_=", s[j]) != NULL)
		j++;
	    if (j >= n || s[j] != '}') {
		snprintf(why, whylen, "unterminated or invalid macro \"%.*s\"",
			 (int) (n - i > 20 ? 20 : n - i), s + i);
		return (false);
	    }
	    i = j + 1;
	    tail = i;
	}
    }
    if (mode == RC_SPFREC_DOMAIN && tail < n) {
	/* domain-end: "." toplabel [ "." ] after the last macro-expand */
	size_t  end = n, dot;

	if (end - tail > 1 && s[end - 1] == '.')
	    end--;
	for (dot = end; dot > tail && s[dot - 1] != '.'; dot--)
	    /* void */ ;
	if (dot == tail || !rc_spfrec_toplabel(s + dot, end - dot)) {
	    snprintf(why, whylen, "invalid domain \"%.*s\" (RFC 7208 7.1: it must end "
		     "in a macro or a valid top label)", (int) (n > 80 ? 80 : n), s);
	    return (false);
	}
    }
    return (true);
}

/* rc_spfrec_digits - s[0..n) is one or more digits */

static bool
rc_spfrec_digits(const char *s, size_t n)
{
    if (n == 0)
	return (false);
    for (size_t i = 0; i < n; i++)
	if (!isdigit((unsigned char) s[i]))
	    return (false);
    return (true);
}

/* rc_spfrec_cidr - "0" or a number without leading zeros, at most max */

static int
rc_spfrec_cidr(const char *s, size_t n, int max)
{
    int     v = 0;

    if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
	return (-1);
    for (size_t i = 0; i < n; i++) {
	if (!isdigit((unsigned char) s[i]))
	    return (-1);
	v = v * 10 + (s[i] - '0');
    }
    return (v <= max ? v : -1);
}

/* rc_spfrec_ip4 - dotted quad with RFC 7208 qnums (no leading zeros) */

static bool
rc_spfrec_ip4(const char *s, size_t n)
{
    int     parts = 0;
    size_t  i = 0;

    while (parts < 4) {
	size_t  start = i;
	int     v = 0;

	while (i < n && isdigit((unsigned char) s[i]) && i - start < 3)
	    v = v * 10 + (s[i++] - '0');
	if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
	    return (false);
	if (++parts < 4) {
	    if (i >= n || s[i] != '.')
		return (false);
	    i++;
	}
    }
    return (i == n);
}

static bool
rc_spfrec_ip6(const char *s, size_t n)
{
    char    buf[INET6_ADDRSTRLEN + 8];
    struct in6_addr a;

    if (n == 0 || n >= sizeof(buf))
	return (false);
    memcpy(buf, s, n);
    buf[n] = 0;
    return (inet_pton(AF_INET6, buf, &a) == 1);
}

/* rc_spfrec_is - case-insensitive comparison of a name s[0..n) */

static bool
rc_spfrec_is(const char *s, size_t n, const char *name)
{
    return (strlen(name) == n && strncasecmp(s, name, n) == 0);
}

/*
 * rc_spfrec_term - check one term t[0..n) and append its libspf2 form to
 * out. *redirects and *exps count those modifiers.
 */
static bool
rc_spfrec_term(const char *t, size_t n, bool v4, const char *client_ip, RC_STRBUF *out,
	       RC_SPFREC_MODS *mods, char *why, size_t whylen)
{
    const char *qual = "", *rest;
    size_t  name_len = 0, rlen;
    int     c4 = -1, c6 = -1;

    if (n > 0 && strchr("+-?~", t[0]) != NULL) {
	qual = t[0] == '+' ? "+" : t[0] == '-' ? "-" : t[0] == '?' ? "?" : "~";
	t++;
	n--;
    }
    if (n == 0 || !isalpha((unsigned char) t[0])) {
	snprintf(why, whylen, "invalid term \"%.*s\"", (int) (n > 40 ? 40 : n), t);
	return (false);
    }
    while (name_len < n && (isalnum((unsigned char) t[name_len]) || t[name_len] == '-'
			    || t[name_len] == '_' || t[name_len] == '.'))
	name_len++;
    rest = t + name_len;
    rlen = n - name_len;

    /* modifiers */
    if (rlen > 0 && rest[0] == '=') {
	bool    domain = rc_spfrec_is(t, name_len, "redirect") || rc_spfrec_is(t, name_len, "exp");

	if (*qual) {
	    snprintf(why, whylen, "modifier \"%.*s\" with a qualifier", (int) name_len, t);
	    return (false);
	}
	if (rc_spfrec_is(t, name_len, "redirect") && mods->redirect != NULL) {
	    snprintf(why, whylen, "more than one redirect= modifier");
	    return (false);
	}
	if (rc_spfrec_is(t, name_len, "exp") && mods->exp != NULL) {
	    snprintf(why, whylen, "more than one exp= modifier");
	    return (false);
	}
	if (!rc_spfrec_macro(rest + 1, rlen - 1, domain ? RC_SPFREC_DOMAIN : RC_SPFREC_STRING,
			     why, whylen))
	    return (false);
	/* kept aside; unknown modifiers are ignored (RFC 7208 6) and dropped */
	if (rc_spfrec_is(t, name_len, "redirect")) {
	    mods->redirect = t;
	    mods->redirect_len = n;
	} else if (rc_spfrec_is(t, name_len, "exp")) {
	    mods->exp = t;
	    mods->exp_len = n;
	}
	return (true);
    }

    /* mechanisms */
    rc_spfrec_adds(out, " ");
    rc_spfrec_adds(out, qual);
    if (rc_spfrec_is(t, name_len, "all")) {
	if (rlen != 0)
	    goto bad;
	mods->all = true;
	rc_strbuf_add(out, t, n);
	return (true);
    }
    if (rc_spfrec_is(t, name_len, "include") || rc_spfrec_is(t, name_len, "exists")) {
	if (rlen == 0 || rest[0] != ':')
	    goto bad;
	if (!rc_spfrec_macro(rest + 1, rlen - 1, RC_SPFREC_DOMAIN, why, whylen))
	    return (false);
	rc_strbuf_add(out, t, n);
	return (true);
    }
    if (rc_spfrec_is(t, name_len, "ptr")) {
	if (rlen != 0 && (rest[0] != ':'
			  || !rc_spfrec_macro(rest + 1, rlen - 1, RC_SPFREC_DOMAIN, why, whylen)))
	    goto bad_or_why;
	rc_strbuf_add(out, t, n);
	return (true);
    }
    if (rc_spfrec_is(t, name_len, "ip4") || rc_spfrec_is(t, name_len, "ip6")) {
	bool    is4 = rc_spfrec_is(t, name_len, "ip4");
	const char *slash;
	size_t  netlen;
	int     cidr = -1;

	if (rlen < 2 || rest[0] != ':')
	    goto bad;
	slash = memchr(rest + 1, '/', rlen - 1);
	netlen = slash ? (size_t) (slash - rest - 1) : rlen - 1;
	if (slash != NULL
	    && (cidr = rc_spfrec_cidr(slash + 1, (size_t) (rest + rlen - slash - 1),
				      is4 ? 32 : 128)) < 0) {
	    snprintf(why, whylen, "invalid CIDR length in \"%.*s\"", (int) (n > 60 ? 60 : n), t);
	    return (false);
	}
	if (is4 ? !rc_spfrec_ip4(rest + 1, netlen) : !rc_spfrec_ip6(rest + 1, netlen)) {
	    snprintf(why, whylen, "invalid %s network in \"%.*s\"", is4 ? "IPv4" : "IPv6",
		     (int) (n > 60 ? 60 : n), t);
	    return (false);
	}
	if (cidr == 0 && is4 == v4) {	/* everything of the family: the client */
	    rc_strbuf_add(out, t, name_len);
	    rc_spfrec_adds(out, ":");
	    rc_spfrec_adds(out, client_ip);
	} else if (cidr == 0) {		/* the other family: never matches */
	    rc_strbuf_add(out, t, name_len + 1 + netlen);
	} else {
	    rc_strbuf_add(out, t, n);
	}
	return (true);
    }
    if (rc_spfrec_is(t, name_len, "a") || rc_spfrec_is(t, name_len, "mx")) {
	size_t  end = rlen;
	const char *slash;
	int     rel;

	/* dual-cidr-length at the end: [ "/" ip4 ] [ "//" ip6 ] */
	if ((slash = memrchr(rest, '/', end)) != NULL) {
	    size_t  at = (size_t) (slash - rest);

	    if (rc_spfrec_digits(rest + at + 1, end - at - 1) && at > 0 && rest[at - 1] == '/') {
		if ((c6 = rc_spfrec_cidr(rest + at + 1, end - at - 1, 128)) < 0)
		    goto bad_cidr;
		end = at - 1;
	    }
	}
	if (end > 0 && (slash = memrchr(rest, '/', end)) != NULL) {
	    size_t  at = (size_t) (slash - rest);

	    if (rc_spfrec_digits(rest + at + 1, end - at - 1)) {
		if ((c4 = rc_spfrec_cidr(rest + at + 1, end - at - 1, 32)) < 0)
		    goto bad_cidr;
		end = at;
	    }
	}
	if (end > 0 && (rest[0] != ':'
			|| !rc_spfrec_macro(rest + 1, end - 1, RC_SPFREC_DOMAIN, why, whylen)))
	    goto bad_or_why;
	rel = v4 ? c4 : c6;
	rc_strbuf_add(out, t, name_len);
	if (rel == 0) {			/* any address of the family */
	    size_t  dlen = end > 0 ? end - 1 : 0;

	    rc_spfrec_adds(out, ":");
	    if (dlen == 0) {
		rc_spfrec_adds(out, "%{d}");
	    } else {
		if (rest[dlen] == '.')	/* the domain-spec's trailing dot */
		    dlen--;
		rc_strbuf_add(out, rest + 1, dlen);
	    }
	    rc_spfrec_adds(out, "." RC_SPFREC_ANY_LABEL);
	} else {
	    char    cidr[16];

	    rc_strbuf_add(out, rest, end);
	    if (v4 && c4 > 0)
		snprintf(cidr, sizeof(cidr), "/%d", c4);
	    else if (!v4 && c6 > 0)
		snprintf(cidr, sizeof(cidr), "//%d", c6);
	    else
		cidr[0] = 0;
	    rc_spfrec_adds(out, cidr);
	}
	return (true);
    }
  bad:
    snprintf(why, whylen, "invalid term \"%.*s\"", (int) (n > 60 ? 60 : n), t);
    return (false);
  bad_cidr:
    snprintf(why, whylen, "invalid CIDR length in \"%.*s\"", (int) (n > 60 ? 60 : n), t);
    return (false);
  bad_or_why:
    if (rlen > 0 && rest[0] != ':')
	goto bad;
    return (false);
}

char   *
rc_spfrec_prepare(const char *rec, size_t len, bool v4, const char *client_ip,
		  char *why, size_t whylen, bool *nomem)
{
    RC_STRBUF out;
    RC_SPFREC_MODS mods;
    size_t  i = 6;

    rc_strbuf_heap(&out);
    *nomem = false;
    why[0] = 0;
    if (len < 6 || strncasecmp(rec, "v=spf1", 6) != 0 || (len > 6 && rec[6] != ' ')) {
	snprintf(why, whylen, "not an SPF version 1 record");
	return (NULL);
    }
    memset(&mods, 0, sizeof(mods));
    rc_spfrec_adds(&out, "v=spf1");
    while (i < len) {
	size_t  start;

	while (i < len && rec[i] == ' ')
	    i++;
	if (i >= len)
	    break;
	start = i;
	while (i < len && rec[i] != ' ')
	    i++;
	if (!rc_spfrec_term(rec + start, i - start, v4, client_ip, &out, &mods, why, whylen)) {
	    free(out.s);
	    return (NULL);
	}
    }
    if (mods.exp != NULL) {
	rc_spfrec_adds(&out, " ");
	rc_strbuf_add(&out, mods.exp, mods.exp_len);
    }
    /* RFC 7208 6.1: redirect= applies after all mechanisms, never with "all" */
    if (mods.redirect != NULL && !mods.all) {
	rc_spfrec_adds(&out, " ");
	rc_strbuf_add(&out, mods.redirect, mods.redirect_len);
    }
    if (out.cut) {
	free(out.s);
	*nomem = true;
	return (NULL);
    }
    return (rc_strbuf_take(&out));
}

bool
rc_spfrec_any_strip(char *name)
{
    static const char label[] = "." RC_SPFREC_ANY_LABEL;
    size_t  len = strlen(name), l = sizeof(label) - 1;

    if (len > 0 && name[len - 1] == '.')
	len--;
    if (len <= l || strncasecmp(name + len - l, label, l) != 0)
	return (false);
    name[len - l] = 0;
    return (true);
}
