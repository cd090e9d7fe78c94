/*
 * generic.c - is a PTR name a generic (dynamic, residential) name?
 *
 * ISPs name their pool addresses after the address: r186-49-230-196.dialup.
 * adsl.example.net, c-73-22-11-5.hsd1.il.example.net, p5B0F3A12.dip0.example.de.
 * A mail server's name is chosen by a person. The rules, as a mail admin
 * would read them:
 *
 * 0. Hygiene. Only letters, digits, '-', '_' and '.' in non-empty labels;
 *    anything else (escaped bytes, spaces) is not a host name and is not
 *    judged here: NO.
 *
 * 1. Host labels only. The labels left of the registrable domain are the
 *    only ones that count; the registrable domain is found with libpsl and
 *    Debian's public suffix list, ICANN section. So the operator's own
 *    domain never matches: "mx1.corp-dynamics.example" and "dyni.net" are
 *    safe. The private section is deliberately not used: it lists hosting
 *    and dynamic-DNS platforms (*.compute-1.amazonaws.com, dyndns.org, ...)
 *    whose customer names would otherwise swallow the whole PTR name.
 *    Labels are cut into tokens at non-alphanumerics and at letter/digit
 *    changes ("mail2" -> "mail", "2"); words are whole tokens, never
 *    substrings of the domain. The list is looked up only for a name that
 *    would be generic on all its labels (the screen above
 *    rc_generic_classify()); for any other, the host labels cannot be
 *    generic either, and libpsl is not even loaded.
 *
 * 2. Veto. A mail-server word in the host labels means a real mail server
 *    and wins over every signal: mx, mta, mout, relay, out, outbound,
 *    inbound, exchange, postfix, exim, bounce, list(s), newsletter, correo,
 *    posta, spool; and "mail" or "smtp" anywhere inside a token (mailout,
 *    email, outmail, smtpbg, cvsmtppost). A false positive costs a
 *    legitimate sender, a miss only one finding, so the veto is broad.
 *    Big senders that put the address in their names carry such a word:
 *    66-220-155-156.mail-mail.facebook.com, out162-62-58-211.mail.qq.com,
 *    a8-41.smtp-out.amazonses.com, mta-174-84-115...sparkpostmail.com.
 *
 * 3. The client's IPv4 address a.b.c.d in the host labels:
 *    A. all four octets as separate numbers, in any order and with any
 *	 separators, zero-padding allowed (c-73-22-11-5, 5.11.22.73,
 *	 ip-088-152-001-002, 109x195x93x219, 201.red-88-9-147);
 *    B. the whole address as one digit string: twelve digits zero-padded
 *	 (softbank126012062002), the octets run together (n11212042148,
 *	 7 digits or more), or the 32-bit number in decimal (2925033342);
 *    C. the 32-bit address as 8 hex digits anywhere (p5B0F3A12,
 *	 ool-18bfe594, d54C15D55, 5acc3a9a);
 *    D. the last three octets as neighbouring numbers, in order or
 *	 reversed (x-22-11-5, 5.11.22);
 *    E. the first two octets as neighbours plus the last octet as another
 *	 number (Orange's lfbn-tou-1-1502-76.w90-89);
 *    F. the last two octets as neighbours, either order, together with a
 *	 pool word (dyn-11-5.pool).
 *    "Neighbours" are digit runs with exactly one '-', '.' or '_' between
 *    them. Digit runs inside hex blobs (8 or more hex digits with letters
 *    and digits mixed, after at most one other letter: a hash, a MAC,
 *    p200300ec...) are not numbers, for these rules and for rule G.
 *    For an IPv6 client: the 64-bit interface identifier in hex, padded
 *    (p200300ec2f0f2f00d101edea3987ba94) or as four groups
 *    (...-2223-8ff-fe18-310), unless its top 32 bits are zero (::25 and
 *    ::1:2 are hand-numbered servers).
 *
 * 4. Words without the address:
 *    G. an access or dynamic word (dsl, cable, dyn, pool, broadband, ...)
 *	 with a number of five digits or more (customer or line numbers:
 *	 cpc141214-aztw34-2-0-cust773.18-1.cable, athedsl-4502887);
 *    H. a dynamic word (dyn, dynamic..., dial..., dhcp, ppp..., pool) with a
 *	 second, different pool word (dynamic-ip-adsl, dsl-...dhcp.inet.fi).
 *
 *    Pool words come in three strengths. Dynamic: dyn, dynamic*, dial,
 *    dialup, dialin, dhcp, ppp, pppoe, pool(s). Access: dsl*, *dsl
 *    (adsl, xdsl, dslb, athedsl), cable*, *cable (modemcable), broadband,
 *    bb, catv, dip, ftth, fttx, hsd, hsi, mobile, gprs, lte, umts,
 *    residential, wireless. Weak (rules F and H only): host, ip, client,
 *    cust(omer), user, res, home, cpe, cm, pc, nat, rev, subs, acceso, abo.
 *    "in" and "mo" are not vetoes (hsd1.in.comcast.net is Indiana), and
 *    "gw" is a router, not a mail server.
 *
 * Known misses, accepted: names built from the modem's MAC address
 * (S0106788a2041785e.gv.shawcable.net, CPE00fc8d49d843-CM...rogers.com),
 * one shared name for a whole pool (static.vnpt.vn, broadband.actcorp.in),
 * a single octet with one word (abvr44.neoplus.adsl.tpnet.pl), line
 * numbers without a pool word (p1234567-ipngn...ocn.ne.jp), and pool names
 * that happen to carry a veto word (3BB's mx-ll-183.89.30-58.dynamic).
 *
 * No regular expressions and no allocation: a few table scans and libpsl
 * lookups per call (a few microseconds).
 */
#include "generic.h"

#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"
#include "lazylib.h"

#define MAX_TOKENS	128		/* a name has at most 127 labels */
#define MAX_TOKLEN	64		/* a label has at most 63 bytes */
#define MAX_RUNS	48
#define MAX_NAME	256

/*
 * libpsl is opened on first use (lazylib.h), and only for a name that shows
 * some generic signal somewhere (rc_generic_classify()): most mail servers'
 * names show none, and their connections never load it.
 */
#define RC_PSL_SONAME	"libpsl.so.5"
#define PSL_FUNCS(X) \
    X(builtin, psl_builtin) X(builtin_outdated, psl_builtin_outdated) \
    X(latest, psl_latest) X(free, psl_free) X(is_public_suffix2, psl_is_public_suffix2)

static struct {
#define PSL_MEMBER(m, name) __typeof__(name) *m;
    PSL_FUNCS(PSL_MEMBER)
#undef PSL_MEMBER
} psl;

static bool psl_loaded;
static psl_ctx_t *rc_psl;
static int rc_psl_tried;

/* Pool word strengths. */
enum {
    POOL_NONE,
    POOL_WEAK,				/* host, ip, cust, ... */
    POOL_ACCESS,			/* dsl, cable, broadband, ... */
    POOL_DYNAMIC			/* dyn, dhcp, ppp, pool, ... */
};

static const char *const dynamic_words[] = {
    "dyn", "dynip", "dial", "dialin", "dialup", "dialip", "dhcp", "ppp", "pppoe",
    "pppoa", "pool", "pools",
    NULL
};

static const char *const access_words[] = {
    "bb", "bband", "broadband", "bredband", "catv", "dip", "fibre", "fiber", "ftth",
    "fttb", "fttc", "fttx", "gprs", "hfc", "hsd", "hsi", "lte", "umts", "mobile",
    "resident", "residential", "wireless", "wimax", "wifi", "xdsl",
    NULL
};

static const char *const weak_words[] = {
    "abo", "acceso", "client", "clients", "cliente", "clientes", "clienti", "cm",
    "cpe", "cust", "customer", "customers", "home", "host", "hst", "ip", "kunden",
    "nat", "pc", "res", "rev", "sub", "subs", "subscriber", "user", "users", "usr",
    NULL
};

static const char *const veto_words[] = {
    "mx", "mxs", "mxin", "mxout", "mta", "mtas", "mtaout", "mout", "relay", "relays",
    "out", "outbound", "outgoing", "inbound", "exchange", "postfix", "exim",
    "bounce", "bounces", "list", "lists", "newsletter", "newsletters", "correo",
    "posta", "spool",
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

static bool
has_prefix(const char *s, const char *p)
{
    return (strncmp(s, p, strlen(p)) == 0);
}

static bool
has_suffix(const char *s, const char *p)
{
    size_t  ls = strlen(s), lp = strlen(p);

    return (ls >= lp && strcmp(s + ls - lp, p) == 0);
}

/* veto_word - a token that names a mail server */

static bool
veto_word(const char *tok)
{
    return (in_list(veto_words, tok) || strstr(tok, "mail") != NULL
	    || strstr(tok, "smtp") != NULL);
}

/* pool_strength - how strongly a token says "address pool" */

static int
pool_strength(const char *tok)
{
    if (in_list(dynamic_words, tok) || has_prefix(tok, "dynamic"))
	return (POOL_DYNAMIC);
    if (in_list(access_words, tok) || has_prefix(tok, "dsl") || has_suffix(tok, "dsl")
	|| has_prefix(tok, "cable") || has_suffix(tok, "cable")
	|| has_prefix(tok, "broadband"))
	return (POOL_ACCESS);
    if (in_list(weak_words, tok))
	return (POOL_WEAK);
    return (POOL_NONE);
}

/* psl_load - open libpsl and find its functions, once; false if it is missing */

static bool
psl_load(void)
{
#define PSL_SYM(m, name) RC_LAZYSYM_OF(psl.m, name),
    static const RC_LAZYSYM syms[] = {PSL_FUNCS(PSL_SYM)};
#undef PSL_SYM
    char    err[256];

    if (!psl_loaded)
	psl_loaded = rc_lazylib_load(RC_PSL_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err,
				     sizeof(err));
    return (psl_loaded);
}

bool
rc_generic_preload(void)
{
    return (psl_load());
}

/*
 * registrable_start - offset of the registrable domain in name, or -1.
 * Without libpsl (not installed), the last two labels are taken.
 */

static int
registrable_start(const char *name)
{
    int     prev = -1;

    if (!rc_psl_tried) {
	rc_psl_tried = 1;
	/*
	 * The list compiled into libpsl costs a connection nothing to load
	 * (shared, read-only pages); Debian's file is read into memory only
	 * when it is newer than that (a publicsuffix update).
	 */
	if (!psl_load())
	    rc_psl = NULL;
	else if (psl.builtin() != NULL && !psl.builtin_outdated())
	    rc_psl = (psl_ctx_t *) psl.builtin();
	else if ((rc_psl = psl.latest(NULL)) == NULL)
	    rc_psl = (psl_ctx_t *) psl.builtin();
    }
    if (rc_psl != NULL) {
	/*
	 * The leftmost suffix that is an ICANN public suffix is the longest
	 * one; the registrable domain is one label more. The implicit "*"
	 * rule makes any last label (".example", ".test") a suffix.
	 */
	for (const char *p = name; p != NULL;) {
	    if (psl.is_public_suffix2(rc_psl, p, PSL_TYPE_ICANN))
		return (prev);
	    prev = (int) (p - name);
	    if ((p = strchr(p, '.')) != NULL)
		p++;
	}
	return (-1);
    }
    /* No list at all: take the last two labels as the registrable domain. */
    {
	int     dots = 0;

	for (int i = (int) strlen(name) - 1; i >= 0; i--)
	    if (name[i] == '.' && ++dots == 2)
		return (i + 1);
    }
    return (-1);
}

/*
 * Digit runs of the host labels. A run is a maximal string of digits;
 * "adj" says that exactly one separator ('-', '.', '_') lies between it
 * and the previous run, so the two read as neighbouring numbers.
 */
typedef struct run {
    unsigned long long value;		/* saturates */
    int         len;
    bool        adj;
    bool        in_blob;		/* inside a hex blob: not a number */
} RUN;

/*
 * hex_blob - is the alphanumeric chunk [s, s+n) a hash/MAC-like hex string?
 * One leading letter that is not a hex digit is allowed (p5b0f3a12,
 * p200300ec2f0f2f00d101edea3987ba94).
 */

static bool
hex_blob(const char *s, size_t n)
{
    bool    letter = false, digit = false;

    if (n > 0 && isalpha((unsigned char) s[0]) && !isxdigit((unsigned char) s[0])) {
	s++;
	n--;
    }
    if (n < 8)
	return (false);
    for (size_t i = 0; i < n; i++) {
	if (!isxdigit((unsigned char) s[i]))
	    return (false);
	if (isdigit((unsigned char) s[i]))
	    digit = true;
	else
	    letter = true;
    }
    return (letter && digit);
}

static size_t
digit_runs(const char *s, RUN *runs, size_t max)
{
    size_t  n = 0;
    int     prev_end = -10;
    const char *chunk = s;
    bool    blob = false;

    for (int i = 0; s[i] && n < max;) {
	if (!isalnum((unsigned char) s[i])) {
	    i++;
	    continue;
	}
	if (i == 0 || !isalnum((unsigned char) s[i - 1])) {
	    size_t  len = 0;

	    chunk = s + i;
	    while (isalnum((unsigned char) chunk[len]))
		len++;
	    blob = hex_blob(chunk, len);
	}
	if (!isdigit((unsigned char) s[i])) {
	    i++;
	    continue;
	}
	runs[n].len = 0;
	runs[n].value = 0;
	runs[n].in_blob = blob;
	runs[n].adj = (i - prev_end == 1 && strchr("-._", s[i - 1]) != NULL);
	while (isdigit((unsigned char) s[i])) {
	    if (runs[n].value < 100000000000000ULL)
		runs[n].value = runs[n].value * 10 + (unsigned) (s[i] - '0');
	    runs[n].len++;
	    i++;
	}
	prev_end = i;
	n++;
    }
    return (n);
}

/* is_octet - a run that can stand for one octet of the address */

static bool
is_octet(const RUN *r, unsigned v)
{
    return (!r->in_blob && r->len <= 3 && r->value == v);
}

/* neighbours - k neighbouring runs equal to oct[0..k-1]; sets *at */

static bool
neighbours(const RUN *runs, size_t n, const unsigned *oct, size_t k, size_t *at)
{
    for (size_t i = 0; i + k <= n; i++) {
	size_t  j;

	for (j = 0; j < k; j++)
	    if (!is_octet(&runs[i + j], oct[j]) || (j > 0 && !runs[i + j].adj))
		break;
	if (j == k) {
	    if (at)
		*at = i;
	    return (true);
	}
    }
    return (false);
}

/* all_octets - each octet matched by a different run, in any order */

static bool
all_octets(const RUN *runs, size_t n, const unsigned *oct)
{
    bool    used[MAX_RUNS] = {false};

    for (int k = 0; k < 4; k++) {
	size_t  i;

	for (i = 0; i < n; i++)
	    if (!used[i] && is_octet(&runs[i], oct[k]))
		break;
	if (i == n)
	    return (false);
	used[i] = true;
    }
    return (true);
}

/* one_string - the address as one run: padded, run together, or 32-bit decimal */

static bool
one_string(const char *host, const unsigned *oct)
{
    char    padf[48], padr[48], plainf[48], plainr[48], num[24];
    unsigned long long v32 = 0;

    snprintf(padf, sizeof(padf), "%03u%03u%03u%03u", oct[0], oct[1], oct[2], oct[3]);
    snprintf(padr, sizeof(padr), "%03u%03u%03u%03u", oct[3], oct[2], oct[1], oct[0]);
    snprintf(plainf, sizeof(plainf), "%u%u%u%u", oct[0], oct[1], oct[2], oct[3]);
    snprintf(plainr, sizeof(plainr), "%u%u%u%u", oct[3], oct[2], oct[1], oct[0]);
    for (int i = 0; i < 4; i++)
	v32 = (v32 << 8) | oct[i];
    snprintf(num, sizeof(num), "%llu", v32);

    for (const char *s = host; *s; s++) {
	size_t  len;

	if (!isdigit((unsigned char) *s) || (s > host && isdigit((unsigned char) s[-1])))
	    continue;
	for (len = 0; isdigit((unsigned char) s[len]); len++)
	     /* void */ ;
#define RUN_IS(str, minlen) (len == strlen(str) && len >= (minlen) && strncmp(s, (str), len) == 0)
	if (RUN_IS(padf, 12) || RUN_IS(padr, 12) || RUN_IS(plainf, 7) || RUN_IS(plainr, 7)
	    || RUN_IS(num, 8))
	    return (true);
#undef RUN_IS
    }
    return (false);
}

/* hex_embedded - the 32-bit address as 8 hex digits */

static bool
hex_embedded(const char *host, const unsigned *oct)
{
    char    hex[9];

    snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", oct[0], oct[1], oct[2], oct[3]);
    return (strstr(host, hex) != NULL);
}

/* v6_embedded - the interface identifier in hex, padded or as four groups */

static bool
v6_embedded(const char *host, const unsigned char *a6)
{
    char    digits[MAX_NAME], iid[17];
    unsigned grp[4], val[MAX_RUNS];
    size_t  n = 0, nv = 0;

    /* Low identifiers (::25, ::1:2) are servers numbered by hand. */
    if ((a6[8] | a6[9] | a6[10] | a6[11]) == 0)
	return (false);
    snprintf(iid, sizeof(iid), "%02x%02x%02x%02x%02x%02x%02x%02x",
	     a6[8], a6[9], a6[10], a6[11], a6[12], a6[13], a6[14], a6[15]);

    /* Padded: the hex digits of the host labels, separators removed. */
    for (const char *s = host; *s && n + 1 < sizeof(digits); s++)
	if (isxdigit((unsigned char) *s))
	    digits[n++] = *s;
    digits[n] = 0;
    if (strstr(digits, iid) != NULL)
	return (true);

    /* Groups: maximal hex runs of at most four digits, compared by value. */
    for (int i = 0; i < 4; i++)
	grp[i] = (unsigned) (a6[8 + 2 * i] << 8 | a6[9 + 2 * i]);
    for (const char *s = host; *s && nv < MAX_RUNS;) {
	size_t  len = 0;

	if (!isxdigit((unsigned char) *s)) {
	    s++;
	    continue;
	}
	while (isxdigit((unsigned char) s[len]))
	    len++;
	if (len <= 4 && (s[len] == 0 || !isalnum((unsigned char) s[len]))
	    && (s == host || !isalnum((unsigned char) s[-1])))
	    val[nv++] = (unsigned) strtoul(s, NULL, 16);
	else
	    val[nv++] = 0x10000;		/* not a group */
	s += len;
    }
    for (size_t i = 0; i + 4 <= nv; i++)
	if (val[i] == grp[0] && val[i + 1] == grp[1] && val[i + 2] == grp[2]
	    && val[i + 3] == grp[3])
	    return (true);
    return (false);
}

/* v4_evidence - rules A..F; the reason (pool word appended by caller) or NULL */

static const char *
v4_evidence(const char *host, const RUN *runs, size_t nruns, const unsigned char *a,
	    bool pool)
{
    unsigned fwd[4] = {a[0], a[1], a[2], a[3]};
    unsigned rev[4] = {a[3], a[2], a[1], a[0]};
    size_t  at;

    if (all_octets(runs, nruns, fwd) || one_string(host, fwd))
	return ("embeds the address");
    if (hex_embedded(host, fwd))
	return ("embeds the address in hex");
    if (neighbours(runs, nruns, fwd + 1, 3, NULL) || neighbours(runs, nruns, rev, 3, NULL))
	return ("embeds the last three octets");
    if (neighbours(runs, nruns, fwd, 2, &at)) {
	for (size_t i = 0; i < nruns; i++)
	    if (i != at && i != at + 1 && is_octet(&runs[i], fwd[3]))
		return ("embeds the first two and the last octet");
    }
    if (pool && (neighbours(runs, nruns, fwd + 2, 2, NULL)
		 || neighbours(runs, nruns, rev, 2, NULL)))
	return ("embeds the last two octets and pool word");
    return (NULL);
}

/*
 * judge - rules 2 to 4 on the labels in host. With veto, a mail-server word
 * turns a generic verdict into RC_GENERIC_VETO; without, it is not looked
 * for. why may be NULL (whylen 0).
 */

static RC_GENERIC
judge(const char *host, const RC_ADDR *client, bool veto, char *why, size_t whylen)
{
    char    tokens[MAX_TOKENS][MAX_TOKLEN];
    int     strength[MAX_TOKENS];
    size_t  ntok = 0;
    RUN     runs[MAX_RUNS];
    size_t  nruns;
    const char *pool = NULL, *strong = NULL, *dynamic = NULL, *second = NULL;
    const char *reason, *vetoed = NULL;
    bool    long_digits = false;

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
	    snprintf(tokens[ntok], sizeof(tokens[ntok]), "%.*s",
		     (int) (n < MAX_TOKLEN - 1 ? n : MAX_TOKLEN - 1), s);
	    ntok++;
	}
	s += n;
    }
    for (size_t i = 0; i < ntok; i++) {
	if (veto && vetoed == NULL && veto_word(tokens[i]))
	    vetoed = tokens[i];
	strength[i] = pool_strength(tokens[i]);
    }
    for (size_t i = 0; i < ntok; i++) {
	if (strength[i] == POOL_NONE)
	    continue;
	if (pool == NULL)
	    pool = tokens[i];
	if (strong == NULL && strength[i] >= POOL_ACCESS)
	    strong = tokens[i];
	if (dynamic == NULL && strength[i] == POOL_DYNAMIC)
	    dynamic = tokens[i];
    }
    if (dynamic != NULL)
	for (size_t i = 0; i < ntok; i++)
	    if (strength[i] != POOL_NONE && strcmp(tokens[i], dynamic) != 0) {
		second = tokens[i];
		break;
	    }

    nruns = digit_runs(host, runs, MAX_RUNS);
    for (size_t i = 0; i < nruns; i++)
	if (!runs[i].in_blob && runs[i].len >= 5)
	    long_digits = true;
    if (client->v4)
	reason = v4_evidence(host, runs, nruns, client->b + 12, pool != NULL);
    else
	reason = v6_embedded(host, client->b) ? "embeds the address" : NULL;
    if (reason == NULL && !(strong != NULL && long_digits) && second == NULL)
	return (RC_GENERIC_NO);
    if (vetoed != NULL) {
	if (whylen)
	    snprintf(why, whylen, "mail-server word \"%s\"", vetoed);
	return (RC_GENERIC_VETO);
    }
    if (whylen == 0)
	return (RC_GENERIC_YES);
    if (reason != NULL && strstr(reason, "pool word") != NULL)
	snprintf(why, whylen, "%s \"%s\"", reason, pool);
    else if (reason != NULL)
	snprintf(why, whylen, "%s", reason);
    else if (strong != NULL && long_digits)
	snprintf(why, whylen, "pool word \"%s\" and a long number", strong);
    else
	snprintf(why, whylen, "pool words \"%s\" and \"%s\"", dynamic, second);
    return (RC_GENERIC_YES);
}

/*
 * The screen: rule 1 (the public suffix list) is only consulted when the
 * whole name, every label and no veto, already reads as generic. Rules 3
 * and 4 only ever find more in more labels (the host labels are a prefix of
 * the name, cut at a dot), and the veto only takes away, so a name with no
 * signal anywhere has none in its host labels either: the verdict is the
 * same, and libpsl is not needed.
 */
static bool screen = true;

void
rc_generic_set_screen(bool on)
{
    screen = on;
}

RC_GENERIC
rc_generic_classify(const char *ptrname, const RC_ADDR *client, char *why, size_t whylen)
{
    char    name[MAX_NAME], host[MAX_NAME];
    size_t  len;
    int     reg;

    if (whylen)
	why[0] = 0;
    len = strlen(ptrname);
    if (len == 0 || len >= sizeof(name))
	return (RC_GENERIC_NO);
    for (size_t i = 0; i <= len; i++)
	name[i] = (char) tolower((unsigned char) ptrname[i]);
    if (name[len - 1] == '.')
	name[--len] = 0;
    if (!rc_dnsname_ok(name, RC_DN_HOST))
	return (RC_GENERIC_NO);			/* escaped bytes: not a host name */
    if (screen && judge(name, client, false, NULL, 0) == RC_GENERIC_NO)
	return (RC_GENERIC_NO);			/* no signal in any label */
    if ((reg = registrable_start(name)) <= 1)
	return (RC_GENERIC_NO);			/* no labels left of it */
    memcpy(host, name, (size_t) reg - 1);	/* without the dot */
    host[reg - 1] = 0;
    return (judge(host, client, true, why, whylen));
}

void
rc_generic_shutdown(void)
{
    if (rc_psl != NULL && rc_psl != psl.builtin())
	psl.free(rc_psl);
    rc_psl = NULL;
    rc_psl_tried = 0;
}
