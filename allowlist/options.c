/*
 * options.c - the option table, its setters, the built-in defaults and
 * rc_config_override()
 *
 * Every configuration key is one row of rc_options[], in the order
 * rc_config_dump() writes them. A row's default is a text read by the
 * row's own setter, exactly as a value in the file would be, so the
 * built-in configuration is validated like any other and each default
 * lives in one place: its row, or for the static build's Exim options the
 * RC_DEFAULT_* macro of config.h that both the row and the adapter use.
 * The setters validate a value and store it only once it is valid; they
 * report "why" and never the file and line, which are the reader's.
 */
#include "options.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscheck/decimal.h"
#include "dnscheck/dnsname.h"

#define RC_STR(x)	#x
#define RC_XSTR(x)	RC_STR(x)
#define CFG(field)	offsetof(RC_CONFIG, field)
#define LIST(field)	offsetof(RC_LIST, field)

/* ROW - one key: sections, name, type, bounds, default, value; then extras */
#define ROW(sec, key, typ, lo, hi, dflt, where, ...) \
    {.sections = (sec), .name = (key), .type = (typ), .min = (lo), .max = (hi), \
     .def = (dflt), .offset = (where), __VA_ARGS__}

static const char *const dnsfail_words[] = {"accept", "tempreject", NULL};

_Static_assert(RC_DNSFAIL_ACCEPT == 0 && RC_DNSFAIL_TEMPREJECT == 1, "dnsfail_words order");
_Static_assert(RC_RHS_SENDER == 0 && RC_RHS_HELO == 1 && RC_RHS_PTR == 2, "rc_rhs_targets order");
_Static_assert(sizeof(RC_DNSFAIL) == sizeof(int) && sizeof(RC_RHS_TARGET) == sizeof(int),
	       "RC_OPT_ENUM stores an int");

static bool prefix_valid(const char *, const char **);
static bool header_name_valid(const char *, const char **);

const RC_OPTION rc_options[] = {
    /* [relaycheck] */
    ROW(RC_SEC_MAIN, "reject_score", RC_OPT_INT, 0, 100000,
	RC_XSTR(RC_DEFAULT_REJECT_SCORE), CFG(reject_score)),
    ROW(RC_SEC_MAIN, "tempreject_score", RC_OPT_INT, 0, 100000,
	RC_XSTR(RC_DEFAULT_TEMPREJECT_SCORE), CFG(tempreject_score)),
    ROW(RC_SEC_MAIN, "dns_timeout", RC_OPT_DURATION, 100, 120000,
	RC_XSTR(RC_DEFAULT_DNS_TIMEOUT_S) "s", CFG(dns_timeout_ms)),
    ROW(RC_SEC_MAIN, "nameservers", RC_OPT_SERVERS, 0, 0, "", CFG(nameservers)),
    ROW(RC_SEC_MAIN, "on_dns_failure", RC_OPT_ENUM, 0, 0,
	RC_DEFAULT_ON_DNS_FAILURE, CFG(on_dns_failure), .words = dnsfail_words),
    ROW(RC_SEC_MAIN, "header_prefix", RC_OPT_STRING, 0, 0, RC_DEFAULT_HEADER_PREFIX,
	CFG(header_prefix), .size = RC_PREFIX_MAX, .check = prefix_valid),
    ROW(RC_SEC_MAIN, "skip_authenticated", RC_OPT_BOOL, 0, 0, "yes", CFG(skip_authenticated)),
    ROW(RC_SEC_MAIN, "skip_hosts", RC_OPT_CIDRS, 0, 0, "127.0.0.0/8 ::1", CFG(skip_hosts)),
    ROW(RC_SEC_MAIN, "max_ptr_names", RC_OPT_INT, 1, 32, "10", CFG(max_ptr_names)),
    ROW(RC_SEC_MAIN, "exempt_recipients", RC_OPT_LOCALPARTS, 0, 0, "postmaster abuse",
	CFG(exempt_recipients)),
    ROW(RC_SEC_MAIN, "spam_score_header", RC_OPT_STRING, 0, 0, "", CFG(spam_score_header),
	.size = RC_HEADER_NAME_MAX, .check = header_name_valid),
    ROW(RC_SEC_MAIN, "spam_score_factor", RC_OPT_DECIMAL, 0, 100000, "0.1",
	CFG(spam_score_factor)),
    ROW(RC_SEC_MAIN, "combined_reject_score", RC_OPT_DECIMAL, 0, 999999999, "0",
	CFG(combined_reject_score)),
    /* [dnsbl zone] and [rhsbl zone]; the label's default is the zone */
    ROW(RC_SEC_LISTS, "score", RC_OPT_INT, -1000, 1000, "5", LIST(score)),
    ROW(RC_SEC_LISTS, "codes", RC_OPT_CODES, 0, 0, "127.0.0.2-127.255.255.255", LIST(codes)),
    ROW(RC_SEC_LISTS, "label", RC_OPT_STRING, 0, 0, NULL, LIST(label),
	.size = RC_LABEL_MAX, .check = rc_label_valid),
    ROW(RC_SEC_LISTS, "txt", RC_OPT_BOOL, 0, 0, "no", LIST(txt)),
    ROW(RC_SEC_RHSBL, "target", RC_OPT_ENUM, 0, 0, "sender", LIST(target),
	.words = rc_rhs_targets),
    /* [no_server_check]: the lists have no default */
    ROW(RC_SEC_NSC, "domain_requires_spf", RC_OPT_BOOL, 0, 0, "yes", CFG(domain_requires_spf)),
    ROW(RC_SEC_NSC, "ip", RC_OPT_CIDRS, 0, 0, NULL, CFG(nsc_ip)),
    ROW(RC_SEC_NSC, "domain", RC_OPT_DOMAINS, 0, 0, NULL, CFG(nsc_domain)),
    ROW(RC_SEC_NSC, "host", RC_OPT_HOSTS, 0, 0, NULL, CFG(nsc_host)),
    {0},
};

_Static_assert(sizeof(rc_options) / sizeof(rc_options[0]) <= RC_OPTIONS_MAX,
	       "raise RC_OPTIONS_MAX");

/* prefix_valid - a header_prefix: 1..39 letters, digits and '-' */

static bool
prefix_valid(const char *v, const char **why)
{
    size_t  len = strlen(v);

    if (len == 0 || len >= RC_PREFIX_MAX - 8) {
	*why = "must be 1..39 characters";
	return (false);
    }
    for (const char *s = v; *s; s++)
	if (!isalnum((unsigned char) *s) && *s != '-') {
	    *why = "may hold only letters, digits and '-'";
	    return (false);
	}
    return (true);
}

/*
 * header_name_valid - a spam_score_header: empty (off), or 1..63 printable
 * ASCII characters but ':' (RFC 5322 2.2)
 */
static bool
header_name_valid(const char *v, const char **why)
{
    if (strlen(v) >= RC_HEADER_NAME_MAX) {
	*why = "must be at most 63 characters";
	return (false);
    }
    for (const char *s = v; *s; s++)
	if (*s <= ' ' || *s > '~' || *s == ':') {
	    *why = "not a header name (printable ASCII, no blank or ':')";
	    return (false);
	}
    return (true);
}

/* rc_option_find - linear: the table is short and read once per key line */

const RC_OPTION *
rc_option_find(unsigned section, const char *name)
{
    for (const RC_OPTION *o = rc_options; o->name; o++)
	if ((o->sections & section) && strcmp(o->name, name) == 0)
	    return (o);
    return (NULL);
}

/* where - the storage of a row's value */

static void *
where(RC_OPTCTX *c, const RC_OPTION *o)
{
    return ((o->sections & RC_SEC_LISTS ? (char *) c->list : (char *) c->cfg) + o->offset);
}

/* rc_option_value - the same, read-only, for the dump */

const void *
rc_option_value(const RC_CONFIG *cfg, const RC_LIST *list, const RC_OPTION *o)
{
    return ((o->sections & RC_SEC_LISTS ? (const char *) list : (const char *) cfg) + o->offset);
}

/* ms_text - a duration as the dump writes it: "5s" or "2500ms" */

static void
ms_text(long ms, char *buf, size_t len)
{
    if (ms % 1000 == 0)
	snprintf(buf, len, "%lds", ms / 1000);
    else
	snprintf(buf, len, "%ldms", ms);
}

/* each_item - list items, separated by blanks or commas, one call each */

static bool
each_item(RC_OPTCTX *c, const RC_OPTION *o, const char *value,
	  bool (*fn) (RC_OPTCTX *, const RC_OPTION *, const char *, const char **),
	  const char **why)
{
    const char *s = value;

    while (*s) {
	char    item[256];
	size_t  n = strcspn(s, " \t,");

	if (n == 0) {
	    s++;
	    continue;
	}
	if (n >= sizeof(item)) {
	    *why = "list item too long";
	    return (false);
	}
	memcpy(item, s, n);
	item[n] = 0;
	if (!fn(c, o, item, why)) {
	    c->nitem_errors++;
	    if (c->item_error != NULL)
		c->item_error(c, *why, item);
	}
	s += n;
    }
    return (true);
}

/* add_server - one nameservers item */

static bool
add_server(RC_OPTCTX *c, const RC_OPTION *o, const char *item, const char **why)
{
    (void) o;
    if (c->cfg->nnameservers >= RC_MAX_NAMESERVERS) {
	*why = "too many nameservers (at most 6)";
	return (false);
    }
    if (!rc_parse_sockaddr(item, &c->cfg->nameservers[c->cfg->nnameservers])) {
	*why = "not IP, IP:port or [IPv6]:port";
	return (false);
    }
    c->cfg->nnameservers++;
    return (true);
}

/* add_cidr - one address or prefix of an RC_IPTABLE list */

static bool
add_cidr(RC_OPTCTX *c, const RC_OPTION *o, const char *item, const char **why)
{
    RC_CIDR cidr;

    if (!rc_cidr_parse(item, &cidr, why))
	return (false);
    if (!rc_iptable_add(where(c, o), &cidr, c->line)) {
	*why = "out of memory";
	c->nomem = true;
	return (false);
    }
    return (true);
}

/* strip_dot - "example." as "example" (a copy in buf) */

static const char *
strip_dot(const char *item, char *buf, size_t len)
{
    size_t  n = strlen(item);

    if (n == 0 || item[n - 1] != '.' || n >= len)
	return (item);
    memcpy(buf, item, n - 1);
    buf[n - 1] = 0;
    return (buf);
}

/* add_name - one domain (a name and below) or host (name, or .suffix: below) */

static bool
add_name(RC_OPTCTX *c, const RC_OPTION *o, const char *item, const char **why)
{
    char    buf[256];
    bool    host = (o->type == RC_OPT_HOSTS);
    bool    below = host && item[0] == '.';

    item = strip_dot(item, buf, sizeof(buf));
    if (!rc_dnsname_ok(item + below, RC_DN_HOST)) {
	*why = host ? "not a host name or .suffix" : "not a domain name";
	return (false);
    }
    if (!rc_nametable_add(where(c, o), item + below, !below, host ? below : true, c->line)) {
	*why = "out of memory";
	c->nomem = true;
	return (false);
    }
    return (true);
}

/* add_localpart - one exempt_recipients item, kept in lower case */

static bool
add_localpart(RC_OPTCTX *c, const RC_OPTION *o, const char *item, const char **why)
{
    RC_CONFIG *cfg = c->cfg;
    size_t  len = strlen(item);

    (void) o;
    if (len > RC_LOCALPART_MAX) {
	*why = "not a local part (at most 64 characters)";
	return (false);
    }
    for (const char *s = item; *s; s++)
	if (!isgraph((unsigned char) *s) || *s == '@' || *s == '"') {
	    *why = "not a local part (printable, no '@' or quotes)";
	    return (false);
	}
    for (size_t i = 0; i < cfg->nexempt; i++)
	if (strcasecmp(cfg->exempt_recipients[i], item) == 0)
	    return (true);			/* listed twice: once is enough */
    if (cfg->nexempt >= RC_EXEMPT_MAX) {
	*why = "too many local parts (at most 32)";
	return (false);
    }
    for (size_t i = 0; i <= len; i++)
	cfg->exempt_recipients[cfg->nexempt][i] = (char) tolower((unsigned char) item[i]);
    cfg->nexempt++;
    return (true);
}

/* set_enum - one of the row's words, in any case; stored as its index */

static bool
set_enum(RC_OPTCTX *c, const RC_OPTION *o, const char *v, const char **why)
{
    static char msg[128];
    size_t  n, len;

    for (n = 0; o->words[n]; n++)
	if (strcasecmp(v, o->words[n]) == 0) {
	    *(int *) where(c, o) = (int) n;
	    return (true);
	}
    len = (size_t) snprintf(msg, sizeof(msg), "must be");
    for (size_t i = 0; i < n && len < sizeof(msg); i++)
	len += (size_t) snprintf(msg + len, sizeof(msg) - len, "%s %s",
				 i == 0 ? "" : i + 1 == n ? " or" : ",", o->words[i]);
    *why = msg;
    return (false);
}

/* rc_option_set - by the row's type */

bool
rc_option_set(RC_OPTCTX *c, const RC_OPTION *o, const char *v, const char **why)
{
    static char msg[160];
    long    n;
    int     ms;

    switch (o->type) {
    case RC_OPT_INT:
	if (!rc_parse_int(v, o->min, o->max, &n)) {
	    *why = "not an integer in range";
	    return (false);
	}
	*(int *) where(c, o) = (int) n;
	return (true);
    case RC_OPT_DURATION:
	if (!rc_parse_duration(v, &ms)) {
	    *why = "not a duration (e.g. 5s, 2500ms)";
	    return (false);
	}
	if (ms < o->min || ms > o->max) {
	    char    lo[24], hi[24];

	    ms_text(o->min, lo, sizeof(lo));
	    ms_text(o->max, hi, sizeof(hi));
	    snprintf(msg, sizeof(msg), "out of range (%s .. %s)", lo, hi);
	    *why = msg;
	    return (false);
	}
	*(int *) where(c, o) = ms;
	return (true);
    case RC_OPT_DECIMAL:{
	    RC_DECIMAL d;
	    char    lo[RC_DECIMAL_STRLEN], hi[RC_DECIMAL_STRLEN];

	    if (rc_decimal_parse(v, strlen(v), &d, why) && d.decimals <= 3
		&& d.milli >= o->min && d.milli <= o->max) {
		*(int *) where(c, o) = (int) d.milli;
		return (true);
	    }
	    rc_decimal_format(o->min, rc_decimal_fewest(o->min), lo, sizeof(lo));
	    rc_decimal_format(o->max, rc_decimal_fewest(o->max), hi, sizeof(hi));
	    snprintf(msg, sizeof(msg), "not a number from %s to %s with at most 3 decimals",
		     lo, hi);
	    *why = msg;
	    return (false);
	}
    case RC_OPT_BOOL:
	if (!rc_parse_bool(v, where(c, o))) {
	    *why = "must be yes or no";
	    return (false);
	}
	return (true);
    case RC_OPT_STRING:
	if (!o->check(v, why))
	    return (false);
	if (strlen(v) >= o->size) {
	    *why = "too long";
	    return (false);
	}
	memcpy(where(c, o), v, strlen(v) + 1);
	return (true);
    case RC_OPT_ENUM:
	return (set_enum(c, o, v, why));
    case RC_OPT_SERVERS:
	return (each_item(c, o, v, add_server, why));
    case RC_OPT_CIDRS:
	return (each_item(c, o, v, add_cidr, why));
    case RC_OPT_DOMAINS:
    case RC_OPT_HOSTS:
	return (each_item(c, o, v, add_name, why));
    case RC_OPT_CODES:
	return (rc_parse_codes(v, &c->list->codes, &c->list->ncodes, why));
    case RC_OPT_LOCALPARTS:
	return (each_item(c, o, v, add_localpart, why));
    }
    *why = "bad value";
    return (false);
}

/* rc_option_clear - a list key with a default starts empty in the file */

void
rc_option_clear(RC_OPTCTX *c, const RC_OPTION *o)
{
    switch (o->type) {
    case RC_OPT_SERVERS:
	c->cfg->nnameservers = 0;
	break;
    case RC_OPT_CIDRS:
	rc_iptable_free(where(c, o));
	break;
    case RC_OPT_DOMAINS:
    case RC_OPT_HOSTS:
	rc_nametable_free(where(c, o));
	break;
    case RC_OPT_CODES:
	free(c->list->codes);
	c->list->codes = NULL;
	c->list->ncodes = 0;
	break;
    case RC_OPT_LOCALPARTS:
	c->cfg->nexempt = 0;
	break;
    default:
	break;
    }
}

/* set_defaults - every row of the given sections that has a default */

static bool
set_defaults(RC_OPTCTX *c, unsigned sections)
{
    for (const RC_OPTION *o = rc_options; o->name; o++) {
	const char *why;

	if ((o->sections & sections) && o->def != NULL
	    && !rc_option_set(c, o, o->def, &why))
	    return (false);
    }
    return (c->nitem_errors == 0 && !c->nomem);
}

/* rc_options_defaults - the built-in configuration (relaycheck.ini(5), DEFAULTS) */

bool
rc_options_defaults(RC_CONFIG *cfg)
{
    static unsigned long generation;
    RC_OPTCTX c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->generation = ++generation;
    rc_iptable_init(&cfg->skip_hosts);
    rc_iptable_init(&cfg->nsc_ip);
    rc_nametable_init(&cfg->nsc_domain);
    rc_nametable_init(&cfg->nsc_host);
    for (int i = 0; i < RC_CHK_NSCORE_COUNT; i++)
	cfg->scores[i] = rc_checkinfo[i].default_score;
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    return (set_defaults(&c, RC_SEC_MAIN | RC_SEC_NSC));
}

/* rc_options_list_defaults - a new list: its rows' defaults, the zone as label */

bool
rc_options_list_defaults(RC_OPTCTX *c, RC_LIST *list, unsigned section)
{
    RC_OPTCTX lc;

    memset(&lc, 0, sizeof(lc));
    lc.cfg = c->cfg;
    lc.list = list;
    lc.line = c->line;
    snprintf(list->label, sizeof(list->label), "%.*s", RC_LABEL_MAX - 1, list->zone);
    return (set_defaults(&lc, section));
}

/* rc_options_seal - the tables, sorted and indexed for lookups */

void
rc_options_seal(RC_CONFIG *cfg)
{
    rc_iptable_seal(&cfg->skip_hosts);
    rc_iptable_seal(&cfg->nsc_ip);
    rc_nametable_seal(&cfg->nsc_domain);
    rc_nametable_seal(&cfg->nsc_host);
}

RC_CONFIG *
rc_config_defaults(void)
{
    RC_CONFIG *cfg = malloc(sizeof(*cfg));

    if (cfg == NULL)
	return (NULL);
    if (!rc_options_defaults(cfg)) {
	rc_config_free(cfg);
	return (NULL);
    }
    rc_options_seal(cfg);
    return (cfg);
}

/*
 * rc_config_override - set one single-valued [relaycheck] key of a
 * configuration that is not yet in use, with the same validation as the
 * INI file. The static build uses it for the options of Exim's `begin
 * local_scan' section, which override the file. List keys (nameservers,
 * skip_hosts) cannot be overridden. On failure returns false with a
 * reason in *why; the setters store a value only once it is valid.
 */
bool
rc_config_override(RC_CONFIG *cfg, const char *key, const char *value, const char **why)
{
    const RC_OPTION *o = rc_option_find(RC_SEC_MAIN, key);
    RC_OPTCTX c;

    if (o == NULL || RC_OPT_IS_LIST(o->type)) {
	*why = "not a single-valued [relaycheck] key";
	return (false);
    }
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    *why = "bad value";
    return (rc_option_set(&c, o, value, why));
}
