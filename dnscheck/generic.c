/*
 * generic.c - is a PTR name a generic (dynamic, residential) name?
 *
 * ISPs name their pool addresses after the address: r186-49-230-196.dialup.
 * adsl.example.net, c-73-22-11-5.hsd1.il.example.net, p5B0F3A12.dip0.example.de.
 * The signals, in order of strength:
 *
 *   1. the client's whole address in the host labels: decimal octets in
 *	either order, separated by '-', '.', '_' or nothing, optionally
 *	zero-padded; or the 32-bit address as 8 hex digits;
 *   2. the last three octets, in either order;
 *   3. the last two octets, or a long digit run, together with a
 *	dynamic-pool word (dyn, dsl, cable, pool, cust, ...).
 *
 * A veto word (mail, mx, smtp, relay, out, ...) anywhere in the host labels
 * means a real mail server and wins over every signal: a false positive
 * costs a legitimate sender, a miss only one point of score.
 *
 * Only labels left of the registrable domain count (libpsl with Debian's
 * public suffix list), so the operator's own domain never matches:
 * "mx1.corp-dynamics.example" and "dyni.net" are safe. Words are whole
 * tokens (labels split at non-alphanumerics and at letter/digit changes),
 * never substrings.
 */
#include "generic.h"

#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS	64
#define MAX_NAME	256

static psl_ctx_t *rc_psl;
static int rc_psl_tried;

static const char *const pool_words[] = {
    "adsl", "bb", "bband", "bredband", "broadband", "cable", "catv", "cm", "cpe",
    "cust", "customer", "customers", "client", "clients", "dhcp", "dial", "dialin",
    "dialup", "dip", "dsl", "dyn", "dynamic", "dynip", "fibre", "fiber", "ftth",
    "fttx", "gprs", "home", "hsd", "lte", "mobile", "nat", "pool", "ppp", "pppoe",
    "res", "resident", "residential", "sdsl", "user", "users", "vdsl", "wifi",
    "wireless", "xdsl", "unassigned", "rev", "dsl-dyn", "ip", "host", "hst", "pc",
    NULL
};

static const char *const veto_words[] = {
    "mail", "mailer", "mailhost", "mailout", "mailrelay", "mx", "smtp", "smtpout",
    "relay", "out", "outbound", "outgoing", "mta", "mtaout", "postfix", "exim",
    "exchange", "mailgw", "gw", "gateway", "mailgate", "bounce", "bounces",
    "newsletter", "lists", "list", "mx-out", "email", "inbound", "in", "spool",
    "o", "mo",
    NULL
};

static bool
in_list(const char *const *list, const char *tok)
{
    for (; *list; list++)
	if (strcmp(*list, tok) == 0)
	    return (true);
    return (false);
}

/* registrable_start - offset of the registrable domain in name, or -1 */

static int
registrable_start(const char *name)
{
    const char *reg;

    if (!rc_psl_tried) {
	rc_psl_tried = 1;
	rc_psl = psl_latest(NULL);
	if (rc_psl == NULL)
	    rc_psl = (psl_ctx_t *) psl_builtin();
    }
    if (rc_psl != NULL && (reg = psl_registrable_domain(rc_psl, name)) != NULL)
	return ((int) (reg - name));
    /* No list: take the last two labels as the registrable domain. */
    {
	int     dots = 0;

	for (int i = (int) strlen(name) - 1; i >= 0; i--)
	    if (name[i] == '.' && ++dots == 2)
		return (i + 1);
    }
    return (-1);
}

/* Digit runs of the host part, with what separates them. */
typedef struct run {
    unsigned long value;		/* saturates */
    int         len;
    int         start;
    char        sep_before;		/* '-', '.', '_', 0 (none), 'x' (other) */
} RUN;

static size_t
digit_runs(const char *s, RUN *runs, size_t max)
{
    size_t  n = 0;

    for (int i = 0; s[i] && n < max;) {
	if (!isdigit((unsigned char) s[i])) {
	    i++;
	    continue;
	}
	runs[n].start = i;
	runs[n].len = 0;
	runs[n].value = 0;
	runs[n].sep_before = 'x';
	if (i == 0)
	    runs[n].sep_before = 0;
	else if (strchr("-._", s[i - 1]))
	    runs[n].sep_before = (i >= 2 && isdigit((unsigned char) s[i - 2])) ? s[i - 1] : 'x';
	while (isdigit((unsigned char) s[i])) {
	    if (runs[n].value < 100000000000000UL)
		runs[n].value = runs[n].value * 10 + (unsigned long) (s[i] - '0');
	    runs[n].len++;
	    i++;
	}
	n++;
    }
    return (n);
}

/* octets_in_runs - k consecutive runs equal to oct[0..k-1] */

static bool
octets_in_runs(const RUN *runs, size_t n, const unsigned *oct, int k)
{
    for (size_t i = 0; i + (size_t) k <= n; i++) {
	int     j;

	for (j = 0; j < k; j++) {
	    const RUN *r = &runs[i + (size_t) j];

	    if (r->len > 3 || r->value != oct[j])
		break;
	    if (j > 0 && strchr("-._", r->sep_before) == NULL)
		break;
	}
	if (j == k)
	    return (true);
    }
    return (false);
}

/* concatenated - a single digit run holding the octets, padded or not */

static bool
concatenated(const char *host, const unsigned *oct, int k)
{
    char    padded[16], plain[16];
    int     po = 0, pl = 0;

    for (int i = 0; i < k; i++) {
	po += snprintf(padded + po, sizeof(padded) - (size_t) po, "%03u", oct[i]);
	pl += snprintf(plain + pl, sizeof(plain) - (size_t) pl, "%u", oct[i]);
    }
    for (const char *s = host; *s; s++) {
	size_t  len;

	if (!isdigit((unsigned char) *s) || (s > host && isdigit((unsigned char) s[-1])))
	    continue;
	for (len = 0; isdigit((unsigned char) s[len]); len++)
	     /* void */ ;
	if ((len == (size_t) po && strncmp(s, padded, len) == 0)
	    || (len == (size_t) pl && pl >= 7 && strncmp(s, plain, len) == 0))
	    return (true);
    }
    return (false);
}

/* hex_embedded - the 32-bit address as 8 hex digits inside a label */

static bool
hex_embedded(const char *host, const unsigned char *a4)
{
    char    hex[9];

    snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", a4[0], a4[1], a4[2], a4[3]);
    for (const char *s = host; *s; s++)
	if (strncmp(s, hex, 8) == 0
	    && (s == host || !isxdigit((unsigned char) s[-1]))
	    && !isxdigit((unsigned char) s[8]))
	    return (true);
    return (false);
}

/* v6_embedded - the interface identifier or the whole address in hex */

static bool
v6_embedded(const char *host, const unsigned char *a6)
{
    char    digits[MAX_NAME], iid[17];
    size_t  n = 0;

    /* Host part with separators removed: hex digits only. */
    for (const char *s = host; *s && n + 1 < sizeof(digits); s++)
	if (isxdigit((unsigned char) *s))
	    digits[n++] = *s;
    digits[n] = 0;
    snprintf(iid, sizeof(iid), "%02x%02x%02x%02x%02x%02x%02x%02x",
	     a6[8], a6[9], a6[10], a6[11], a6[12], a6[13], a6[14], a6[15]);
    if (strcmp(iid, "0000000000000000") == 0)
	return (false);
    return (strstr(digits, iid) != NULL);
}

RC_GENERIC
rc_generic_classify(const char *ptrname, const RC_ADDR *client, char *why, size_t whylen)
{
    char    name[MAX_NAME], host[MAX_NAME];
    char    tokens[MAX_TOKENS][32];
    size_t  ntok = 0, len;
    int     reg;
    RUN     runs[32];
    size_t  nruns;
    const char *pool = NULL;
    bool    long_digits = false;

    if (whylen)
	why[0] = 0;
    len = strlen(ptrname);
    if (len == 0 || len >= sizeof(name))
	return (RC_GENERIC_NO);
    for (size_t i = 0; i <= len; i++)
	name[i] = (char) tolower((unsigned char) ptrname[i]);
    if (name[len - 1] == '.')
	name[--len] = 0;
    for (size_t i = 0; i < len; i++)
	if (!isalnum((unsigned char) name[i]) && !strchr("-._", name[i]))
	    return (RC_GENERIC_NO);		/* escaped bytes: not a host name */
    if ((reg = registrable_start(name)) <= 1)
	return (RC_GENERIC_NO);			/* no labels left of it */
    memcpy(host, name, (size_t) reg - 1);	/* without the dot */
    host[reg - 1] = 0;

    /* Tokens: split at non-alphanumerics and at letter/digit changes. */
    for (const char *s = host; *s && ntok < MAX_TOKENS;) {
	size_t  n = 0;
	bool    digit;

	if (!isalnum((unsigned char) *s)) {
	    s++;
	    continue;
	}
	digit = isdigit((unsigned char) *s);
	while (s[n] && isalnum((unsigned char) s[n])
	       && (bool) isdigit((unsigned char) s[n]) == digit)
	    n++;
	if (!digit) {
	    snprintf(tokens[ntok], sizeof(tokens[ntok]), "%.*s", (int) (n < 31 ? n : 31), s);
	    ntok++;
	} else if (n >= 5)
	    long_digits = true;
	s += n;
    }
    for (size_t i = 0; i < ntok; i++) {
	if (in_list(veto_words, tokens[i])) {
	    snprintf(why, whylen, "mail-server word \"%s\"", tokens[i]);
	    return (RC_GENERIC_VETO);
	}
	if (pool == NULL && in_list(pool_words, tokens[i]))
	    pool = tokens[i];
    }

    nruns = digit_runs(host, runs, sizeof(runs) / sizeof(runs[0]));
    if (client->v4) {
	const unsigned char *a = client->b + 12;
	unsigned fwd[4] = {a[0], a[1], a[2], a[3]};
	unsigned rev[4] = {a[3], a[2], a[1], a[0]};

	if (octets_in_runs(runs, nruns, fwd, 4) || octets_in_runs(runs, nruns, rev, 4)
	    || concatenated(host, fwd, 4) || concatenated(host, rev, 4)) {
	    snprintf(why, whylen, "embeds the address");
	    return (RC_GENERIC_YES);
	}
	if (hex_embedded(host, a)) {
	    snprintf(why, whylen, "embeds the address in hex");
	    return (RC_GENERIC_YES);
	}
	if (octets_in_runs(runs, nruns, fwd + 1, 3) || octets_in_runs(runs, nruns, rev, 3)) {
	    snprintf(why, whylen, "embeds the last three octets");
	    return (RC_GENERIC_YES);
	}
	if (pool != NULL && (octets_in_runs(runs, nruns, fwd + 2, 2)
			     || octets_in_runs(runs, nruns, rev, 2))) {
	    snprintf(why, whylen, "last two octets and pool word \"%s\"", pool);
	    return (RC_GENERIC_YES);
	}
    } else if (v6_embedded(host, client->b)) {
	snprintf(why, whylen, "embeds the address");
	return (RC_GENERIC_YES);
    }
    if (pool != NULL && long_digits) {
	snprintf(why, whylen, "pool word \"%s\" and a long number", pool);
	return (RC_GENERIC_YES);
    }
    return (RC_GENERIC_NO);
}

void
rc_generic_shutdown(void)
{
    if (rc_psl != NULL && rc_psl != psl_builtin())
	psl_free(rc_psl);
    rc_psl = NULL;
    rc_psl_tried = 0;
}
